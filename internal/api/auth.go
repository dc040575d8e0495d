package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// TokenRequest logs in for an API token.
type TokenRequest struct {
	Email     string     `json:"email" maxLength:"254" doc:"The user's e-mail" example:"anna@example.com"`
	Password  string     `json:"password" maxLength:"256" doc:"The user's password" example:"correct horse battery"`
	Account   string     `json:"account,omitempty" maxLength:"63" doc:"The account's slug; needed only when the e-mail is a user of several accounts" example:"acme"`
	Name      string     `json:"name,omitempty" maxLength:"200" doc:"A name to recognise the token by in the list" example:"1C integration"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the token stops working; never when omitted"`
}

// TokenOut describes an API token; the secret only when it is created.
type TokenOut struct {
	ID         int64      `json:"id" example:"7"`
	Token      string     `json:"token,omitempty" doc:"The secret, shown once: send it as Authorization: Bearer <token>" example:"vrk_1_Hx3…"`
	Name       string     `json:"name" example:"1C integration"`
	Prefix     string     `json:"prefix" doc:"The first characters of the secret" example:"vrk_1_Hx3abcd"`
	UserID     int64      `json:"user_id" example:"3"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func tokenOut(t *crm.APIToken, secret string) TokenOut {
	return TokenOut{ID: t.ID, Token: secret, Name: t.Name, Prefix: t.Prefix, UserID: t.UserID, CreatedAt: t.CreatedAt,
		LastUsedAt: timePtr(t.LastUsedAt), ExpiresAt: timePtr(t.ExpiresAt), RevokedAt: timePtr(t.RevokedAt)}
}

// MeOut is the authenticated user with their account.
type MeOut struct {
	User    UserOut    `json:"user"`
	Account AccountOut `json:"account"`
}

func (h *Handlers) registerAuth(a huma.API) {
	o := public(op("create-token", http.MethodPost, "/auth/token", "Log in and get an API token", "Auth"))
	o.DefaultStatus = http.StatusCreated
	o.Description = "Checks the e-mail and password and returns a new API token. Failed logins are limited per account and e-mail and per client address: past the limit the answer is 429 with Retry-After, even for the right password."
	o.Errors = []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests}
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body TokenRequest
	}) (*struct{ Body TokenOut }, error) {
		u, err := h.auth.Authenticate(ctx, requestOf(ctx), in.Body.Account, in.Body.Email, in.Body.Password)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		actor, err := h.svc.ActorFor(ctx, u.AccountID, u.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var exp time.Time
		if in.Body.ExpiresAt != nil {
			exp = *in.Body.ExpiresAt
		}
		t, secret, err := h.svc.CreateToken(ctx, actor, in.Body.Name, exp)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body TokenOut }{tokenOut(t, secret)}, nil
	})

	huma.Register(a, op("list-tokens", http.MethodGet, "/auth/tokens", "List API tokens", "Auth"), func(ctx context.Context, in *struct {
		All bool `query:"all" doc:"All the account's tokens (administrators only) instead of your own"`
	}) (*struct{ Body []TokenOut }, error) {
		ts, err := h.svc.Tokens(ctx, actorOf(ctx), in.All)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]TokenOut, len(ts))
		for i, t := range ts {
			out[i] = tokenOut(t, "")
		}
		return &struct{ Body []TokenOut }{out}, nil
	})

	o = op("revoke-token", http.MethodDelete, "/auth/tokens/{id}", "Revoke an API token", "Auth")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id" doc:"The token's id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RevokeToken(ctx, actorOf(ctx), in.ID))
	})

	huma.Register(a, op("get-me", http.MethodGet, "/me", "Who am I", "Auth"), func(ctx context.Context, _ *struct{}) (*struct{ Body MeOut }, error) {
		actor := actorOf(ctx)
		u, err := h.svc.User(ctx, actor, actor.UserID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		acc, err := h.svc.Account(ctx, actor)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body MeOut }{MeOut{User: userOut(u), Account: accountOut(acc)}}, nil
	})
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
