// Package web is Voronka's server-rendered UI: one file per page or action, templates and static
// files embedded in the binary.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/httpauth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handlers serves the web UI.
type Handlers struct {
	svc   *crm.Service
	auth  *httpauth.Auth
	pages map[string]*template.Template
}

// pageNames lists every page template; Register fails at start-up if one is missing or broken.
var pageNames = []string{"login", "home"}

// Register mounts the UI on mux. It panics when a template does not parse: that is a build error.
func Register(mux *http.ServeMux, svc *crm.Service, auth *httpauth.Auth) {
	h := &Handlers{svc: svc, auth: auth, pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		h.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", h.loginForm)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.requireCSRF(h.logout))
	mux.HandleFunc("GET /{$}", h.requireLogin(h.home))
}

// page is what every template gets.
type page struct {
	Lang  string
	T     func(key string) string
	CSRF  string
	Actor *crm.Actor
	Data  any
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, lang string, actor *crm.Actor, data any) {
	p := page{Lang: lang, T: translator(lang), CSRF: h.auth.CSRFToken(r.Context()), Actor: actor, Data: data}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := h.pages[name].Execute(w, p); err != nil {
		slog.ErrorContext(r.Context(), "render", "page", name, "err", err)
	}
}

// requireLogin redirects to the login page when nobody is logged in; else it runs next with the actor.
func (h *Handlers) requireLogin(next func(http.ResponseWriter, *http.Request, *crm.Actor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := h.auth.SessionActor(r)
		if err != nil {
			http.Error(w, "Internal error", http.StatusInternalServerError)
			slog.ErrorContext(r.Context(), "session actor", "err", err)
			return
		}
		if actor == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next(w, r.WithContext(httpauth.WithActor(r.Context(), actor)), actor)
	}
}

// requireCSRF answers 403 to a state-changing request without the session's CSRF token.
func (h *Handlers) requireCSRF(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.auth.CheckCSRF(r) {
			http.Error(w, "Forbidden: the form is outdated or was sent from another site (missing CSRF token). Reload the page and try again.", http.StatusForbidden)
			return
		}
		next(w, r)
	}
}

var funcs = template.FuncMap{}
