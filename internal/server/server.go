// Package server assembles Voronka's HTTP server: the JSON API, the web UI, health checks, and the
// middlewares every request passes (request id, logging, panic recovery, body limit, sessions).
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/api"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/httpauth"
	"github.com/voronka/voronka/internal/jobs"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/web"
)

// Config configures the server.
type Config struct {
	Addr         string // host:port to listen on; port 0 picks a free one
	BaseURL      string // the URL users reach Voronka at; https makes cookies Secure
	MaxBodyBytes int64  // request body limit; default 16 MiB
	// MaxImportBytes is the body limit of an import upload (POST /api/v1/imports); default
	// jobs.DefaultMaxImportBytes.
	MaxImportBytes int64
	Logger         *slog.Logger
	// Jobs runs the imports uploaded through the API; nil: the import endpoints answer 503.
	Jobs *jobs.Client
}

// Server is Voronka's HTTP server.
type Server struct {
	cfg  Config
	db   *store.DB
	http *http.Server
	ln   net.Listener
	api  huma.API
	Auth *httpauth.Auth
	stop chan struct{}
}

// New builds the server over the database and the domain service; Open starts it.
func New(cfg Config, db *store.DB, svc *crm.Service) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.MaxImportBytes == 0 {
		cfg.MaxImportBytes = jobs.DefaultMaxImportBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	sessions := httpauth.NewSessions(db.Sessions(), len(cfg.BaseURL) > 5 && cfg.BaseURL[:6] == "https:")
	auth := httpauth.New(sessions, svc)
	s := &Server{cfg: cfg, db: db, Auth: auth, stop: make(chan struct{})}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writePlain(w, http.StatusOK, "ok") })
	mux.HandleFunc("GET /readyz", s.ready)
	s.api = api.Register(mux, svc, auth, analytics.NewEngine(db), cfg.Jobs)
	mux.HandleFunc("GET /api/docs", s.docs)
	web.Register(mux, svc, auth)

	var h http.Handler = mux
	h = withIdempotency(auth, db.Idempotency(), h)
	h = sessions.LoadAndSave(h)
	h = withBodyLimit(cfg.MaxBodyBytes, cfg.MaxImportBytes, h)
	h = withSecurityHeaders(h)
	h = withLogging(cfg.Logger, h)
	h = withRequestID(h)
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // imports upload large files
		WriteTimeout:      5 * time.Minute, // exports stream large files
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Handler returns the server's root handler, for tests.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// API returns the huma API, for its OpenAPI document.
func (s *Server) API() huma.API { return s.api }

// Open listens on the configured address and serves in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	go s.janitor(time.Hour)
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("serve", "err", err)
		}
	}()
	return nil
}

// URL returns the address the server listens on, as a URL.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting requests and waits for the ones in flight until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	return s.http.Shutdown(ctx)
}

// janitor deletes expired web sessions and Idempotency-Key answers every interval until Close.
func (s *Server) janitor(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := s.db.Sessions().DeleteExpired(ctx); err != nil {
				s.cfg.Logger.Warn("delete expired sessions", "err", err)
			}
			if _, err := s.db.Idempotency().DeleteBefore(ctx, time.Now().Add(-idempotencyTTL)); err != nil {
				s.cfg.Logger.Warn("expire idempotency keys", "err", err)
			}
			cancel()
		}
	}
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("not ready", "err", err)
		writePlain(w, http.StatusServiceUnavailable, "database unreachable")
		return
	}
	writePlain(w, http.StatusOK, "ready")
}

func writePlain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}
