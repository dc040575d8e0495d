// Package httpauth resolves who makes an HTTP request — from a web session cookie or an API bearer
// token — guards logins against brute force, and checks CSRF tokens of cookie-authenticated writes.
package httpauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/ratelimit"
)

// Session keys.
const (
	keyAccount = "account_id"
	keyUser    = "user_id"
	keyCSRF    = "csrf"
)

// CSRFHeader carries the CSRF token of a cookie-authenticated API or htmx request; forms send the
// field CSRFField instead.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// Auth authenticates requests.
type Auth struct {
	Sessions *scs.SessionManager
	Service  *crm.Service
	ByEmail  *ratelimit.Limiter // failed logins per account and e-mail
	ByIP     *ratelimit.Limiter // failed logins per client address
}

// New returns an Auth with the login limits: 5 failures per account+e-mail and 30 per IP address in
// 15 minutes.
func New(sessions *scs.SessionManager, svc *crm.Service) *Auth {
	return &Auth{
		Sessions: sessions, Service: svc,
		ByEmail: ratelimit.New(5, 15*time.Minute),
		ByIP:    ratelimit.New(30, 15*time.Minute),
	}
}

// NewSessions returns a session manager over store with Voronka's cookie settings: HttpOnly,
// SameSite=Lax, Secure when the base URL is https, 12 hours idle and 7 days at most.
func NewSessions(store scs.Store, secure bool) *scs.SessionManager {
	m := scs.New()
	m.Store = store
	m.Lifetime = 7 * 24 * time.Hour
	m.IdleTimeout = 12 * time.Hour
	m.Cookie.Name = "voronka_session"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = secure
	return m
}

// Authenticate checks a login, limited per account+e-mail and per client address: ETOOMANY with
// RetryAfter once a limit is reached, even for the right password.
func (a *Auth) Authenticate(ctx context.Context, r *http.Request, accountSlug, email, password string) (*crm.User, error) {
	emailKey := accountSlug + "|" + crm.NormalizeEmail(email)
	ip := ClientIP(r)
	if wait := max(a.ByEmail.Wait(emailKey), a.ByIP.Wait(ip)); wait > 0 {
		return nil, &crm.Error{Code: crm.ETOOMANY, Message: "Too many failed logins; try again later.", RetryAfter: wait}
	}
	u, err := a.Service.Authenticate(ctx, accountSlug, email, password)
	if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
		a.ByEmail.Fail(emailKey)
		a.ByIP.Fail(ip)
	} else if err == nil {
		a.ByEmail.Reset(emailKey)
	}
	return u, err
}

// LogIn starts a web session for u: the session id is rotated (no session fixation) and a new CSRF
// token issued.
func (a *Auth) LogIn(ctx context.Context, u *crm.User) error {
	if err := a.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.Sessions.Put(ctx, keyAccount, u.AccountID)
	a.Sessions.Put(ctx, keyUser, u.ID)
	a.Sessions.Put(ctx, keyCSRF, newCSRFToken())
	return nil
}

// LogOut ends the web session.
func (a *Auth) LogOut(ctx context.Context) error { return a.Sessions.Destroy(ctx) }

// SessionActor returns the actor of the request's web session; nil, nil when nobody is logged in.
// A session of a user deactivated since is ended.
func (a *Auth) SessionActor(r *http.Request) (*crm.Actor, error) {
	ctx := r.Context()
	accountID, userID := a.Sessions.GetInt64(ctx, keyAccount), a.Sessions.GetInt64(ctx, keyUser)
	if accountID == 0 || userID == 0 {
		return nil, nil
	}
	actor, err := a.Service.ActorFor(ctx, accountID, userID)
	if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
		_ = a.Sessions.Destroy(ctx)
		return nil, nil
	}
	return actor, err
}

// BearerActor returns the actor of the request's "Authorization: Bearer" token; nil, nil when the
// request has none; EUNAUTHORIZED when it is not valid.
func (a *Auth) BearerActor(r *http.Request) (*crm.Actor, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "The Authorization header must be \"Bearer <token>\".")
	}
	return a.Service.ActorForToken(r.Context(), strings.TrimSpace(token))
}

// CSRFToken returns the session's CSRF token, creating it if needed.
func (a *Auth) CSRFToken(ctx context.Context) string {
	t := a.Sessions.GetString(ctx, keyCSRF)
	if t == "" {
		t = newCSRFToken()
		a.Sessions.Put(ctx, keyCSRF, t)
	}
	return t
}

// CheckCSRF reports whether an unsafe request carries the session's CSRF token in the X-CSRF-Token
// header or the csrf_token form field. Safe methods (GET, HEAD, OPTIONS) always pass.
func (a *Auth) CheckCSRF(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	want := a.Sessions.GetString(r.Context(), keyCSRF)
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// ClientIP returns the address of the client that connected (proxies' forwarding headers are not
// trusted: put the proxy's limits in front when there is one).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func newCSRFToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

type actorKey struct{}

// WithActor returns ctx carrying actor.
func WithActor(ctx context.Context, actor *crm.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor ctx carries, or nil.
func ActorFrom(ctx context.Context) *crm.Actor {
	a, _ := ctx.Value(actorKey{}).(*crm.Actor)
	return a
}
