// Package api is Voronka's JSON API under /api/v1, built with huma: one file per resource, every
// operation documented in the OpenAPI 3.1 document at /api/v1/openapi.json.
package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/httpauth"
	"github.com/voronka/voronka/internal/httperr"
	"github.com/voronka/voronka/internal/jobs"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Version is the API's version in the OpenAPI document.
const Version = "1.0.0"

// Handlers serves the API.
type Handlers struct {
	svc  *crm.Service
	auth *httpauth.Auth
	kpi  *analytics.Engine
	jobs *jobs.Client // nil: the import endpoints answer 503
}

// Register mounts the API on mux under Prefix and returns it (for its OpenAPI document). Imports
// run on jobs (nil: the import endpoints answer 503).
func Register(mux *http.ServeMux, svc *crm.Service, auth *httpauth.Auth, kpi *analytics.Engine, jobs *jobs.Client) huma.API {
	config := huma.DefaultConfig("Voronka API", Version)
	config.Info.Description = "The REST API of Voronka, a self-hosted CRM that proves its own payoff. " +
		"Authenticate with `Authorization: Bearer <token>` (POST /auth/token) or, from the web UI, with the session cookie plus the `X-CSRF-Token` header on writes. " +
		"Errors are `{\"code\",\"message\",\"fields\"}`; money is in integer minor units of the account's currency."
	config.DocsPath = "" // the default docs page loads scripts from a CDN; /api/docs serves our own
	config.CreateHooks = nil
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "An API token from POST /auth/token."},
		"session": {Type: "apiKey", In: "cookie", Name: "voronka_session", Description: "The web UI's session; writes need the X-CSRF-Token header."},
	}
	a := humago.NewWithPrefix(mux, Prefix, config)
	h := &Handlers{svc: svc, auth: auth, kpi: kpi, jobs: jobs}
	a.UseMiddleware(h.authenticate(a))
	h.registerAuth(a)
	h.registerAccount(a)
	h.registerUsers(a)
	h.registerTeams(a)
	h.registerPipelines(a)
	h.registerProducts(a)
	h.registerDeals(a)
	h.registerChannels(a)
	h.registerCustomFields(a)
	h.registerContacts(a)
	h.registerCompanies(a)
	h.registerTasks(a)
	h.registerActivities(a)
	h.registerTimelines(a)
	h.registerPayments(a)
	h.registerFeedback(a)
	h.registerBudget(a)
	h.registerBulk(a)
	h.registerEdits(a)
	h.registerExports(a)
	h.registerKPI(a)
	h.registerReports(a)
	h.registerDrill(a)
	h.registerPlanner(a)
	h.registerFunnel(a)
	h.registerFunnelRecords(a)
	h.registerImports(a)
	return a
}

// secured is the security requirement of every operation that needs a user.
var secured = []map[string][]string{{"bearer": {}}, {"session": {}}}

// authenticate resolves the actor of every request that carries credentials, and refuses operations
// that need one when it has none. Cookie-authenticated writes must carry the CSRF token.
func (h *Handlers) authenticate(a huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		r, _ := humago.Unwrap(ctx)
		actor, err := h.auth.BearerActor(r)
		viaSession := false
		if err == nil && actor == nil && r.Header.Get("Authorization") == "" {
			actor, err = h.auth.SessionActor(r)
			viaSession = actor != nil
		}
		needsActor := len(ctx.Operation().Security) > 0
		switch {
		case err != nil && needsActor:
			writeErr(a, ctx, err)
			return
		case actor == nil && needsActor:
			writeErr(a, ctx, crm.Errorf(crm.EUNAUTHORIZED, "Log in, or send an API token as \"Authorization: Bearer <token>\"."))
			return
		case viaSession && !h.auth.CheckCSRF(r):
			writeErr(a, ctx, crm.Errorf(crm.EFORBIDDEN, "The CSRF token is missing or wrong: send the X-CSRF-Token header."))
			return
		}
		if actor != nil {
			ctx = huma.WithValue(ctx, actorCtxKey{}, actor)
		}
		ctx = huma.WithValue(ctx, requestCtxKey{}, r)
		next(ctx)
	}
}

type (
	actorCtxKey   struct{}
	requestCtxKey struct{}
)

// requestOf returns the HTTP request of an operation.
func requestOf(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestCtxKey{}).(*http.Request)
	return r
}

// actorOf returns the request's actor; the middleware guarantees one for secured operations.
func actorOf(ctx context.Context) *crm.Actor {
	a, _ := ctx.Value(actorCtxKey{}).(*crm.Actor)
	if a == nil {
		panic("api: secured operation without an actor")
	}
	return a
}

func writeErr(a huma.API, ctx huma.Context, err error) {
	r, _ := humago.Unwrap(ctx)
	status, body, retryAfter := httperr.From(r, err)
	if retryAfter > 0 {
		ctx.SetHeader("Retry-After", itoa(retryAfter))
	}
	_ = huma.WriteErr(a, ctx, status, body.Message, &bodyErr{body})
}

// op returns an operation with Voronka's defaults: secured, 1 MiB bodies, the common errors documented.
func op(id, method, path, summary string, tags ...string) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Tags: tags,
		Security:     secured,
		MaxBodyBytes: 1 << 20,
		Errors:       []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
	}
}

// public marks an operation as needing no credentials.
func public(o huma.Operation) huma.Operation {
	o.Security = nil
	return o
}
