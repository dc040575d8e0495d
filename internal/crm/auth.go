package crm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// dummyHash is checked when no user has the e-mail, so that a login takes as long whether or not
// the e-mail exists.
var dummyHash, _ = HashPassword("voronka-dummy-password", DefaultPasswordParams)

// Authenticate checks an e-mail and password and returns the user. accountSlug picks the account
// when the e-mail is in several; it may be empty otherwise. EUNAUTHORIZED for a wrong e-mail or
// password or a deactivated user; EINVALID (field "account") when the e-mail is in several accounts
// and no slug says which.
func (s *Service) Authenticate(ctx context.Context, accountSlug, email, password string) (*User, error) {
	email = NormalizeEmail(email)
	var v Validation
	v.Required("email", email)
	v.Required("password", password)
	if len(password) > passwordMaxLen {
		v.Add("password", "too_long", "is too long")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var candidates []*User
	if err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		candidates, err = tx.FindLoginCandidates(ctx, email, accountSlug)
		return err
	}); err != nil {
		return nil, err
	}
	var matched []*User
	for _, u := range candidates {
		if ok, err := CheckPassword(u.PasswordHash, password); err != nil {
			return nil, err
		} else if ok {
			matched = append(matched, u)
		}
	}
	if len(candidates) == 0 {
		_, _ = CheckPassword(dummyHash, password)
	}
	switch {
	case len(matched) == 0:
		return nil, Errorf(EUNAUTHORIZED, "Wrong e-mail or password.")
	case len(matched) > 1:
		return nil, &Error{Code: EINVALID, Message: "This e-mail is in several accounts.",
			Fields: []FieldError{{Field: "account", Code: "required", Message: "name the account (its slug) to log in to"}}}
	case !matched[0].Active:
		return nil, Errorf(EUNAUTHORIZED, "This user is deactivated.")
	}
	u := matched[0]
	actor := &Actor{AccountID: u.AccountID, UserID: u.ID, Role: u.Role}
	if err := s.store.Write(ctx, func(tx Tx) error { return tx.TouchLogin(ctx, actor, u.ID, s.Now()) }); err != nil {
		return nil, err
	}
	return u, nil
}

// ActorFor returns the actor of an active user: their account, role and, for a head, the users of
// their team. EUNAUTHORIZED when the user does not exist or is deactivated.
func (s *Service) ActorFor(ctx context.Context, accountID, userID int64) (*Actor, error) {
	var actor *Actor
	err := s.store.Read(ctx, func(tx Tx) error {
		sys := SystemActor(accountID)
		u, err := tx.FindUser(ctx, sys, userID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && !u.Active) {
			return Errorf(EUNAUTHORIZED, "The user is unknown or deactivated.")
		} else if err != nil {
			return err
		}
		actor = &Actor{AccountID: accountID, UserID: u.ID, Role: u.Role, TeamID: u.TeamID}
		if u.Role == RoleHead {
			actor.TeamUserIDs = []int64{u.ID}
			if u.TeamID != 0 {
				members, err := tx.FindUsers(ctx, sys, UserFilter{TeamID: u.TeamID})
				if err != nil {
					return err
				}
				for _, m := range members {
					if m.ID != u.ID {
						actor.TeamUserIDs = append(actor.TeamUserIDs, m.ID)
					}
				}
			}
		}
		return nil
	})
	return actor, err
}

// tokenPrefix starts every API token secret; the account id follows it, so that a token is looked
// up within its account.
const tokenPrefix = "vrk_"

// CreateToken issues an API token for the actor. The secret is returned once and never stored.
// EINVALID for a bad name or an expiry in the past.
func (s *Service) CreateToken(ctx context.Context, actor *Actor, name string, expiresAt time.Time) (*APIToken, string, error) {
	var v Validation
	if name == "" {
		name = "API token"
	}
	v.MaxLen("name", name, 200)
	if !expiresAt.IsZero() && !expiresAt.After(s.Now()) {
		v.Add("expires_at", "out_of_range", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	secret := tokenPrefix + strconv.FormatInt(actor.AccountID, 36) + "_" + base64.RawURLEncoding.EncodeToString(raw)
	t := &APIToken{
		UserID: actor.UserID, Name: name, Prefix: secret[:len(tokenPrefix)+10], Hash: hashToken(secret),
		CreatedAt: s.Now(), ExpiresAt: expiresAt.UTC(),
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertToken(ctx, actor, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "api_token", t.ID, "create", map[string]Change{"name": {After: t.Name}})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// ActorForToken returns the actor an API token secret acts for. EUNAUTHORIZED when the token is
// malformed, unknown, revoked, expired, or its user deactivated.
func (s *Service) ActorForToken(ctx context.Context, secret string) (*Actor, error) {
	unauthorized := Errorf(EUNAUTHORIZED, "The API token is invalid, revoked or expired.")
	rest, ok := strings.CutPrefix(secret, tokenPrefix)
	if !ok {
		return nil, unauthorized
	}
	acc, _, ok := strings.Cut(rest, "_")
	accountID, err := strconv.ParseInt(acc, 36, 64)
	if !ok || err != nil || accountID <= 0 {
		return nil, unauthorized
	}
	var t *APIToken
	if err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		t, err = tx.FindTokenByHash(ctx, accountID, hashToken(secret))
		return err
	}); ErrorCode(err) == ENOTFOUND {
		return nil, unauthorized
	} else if err != nil {
		return nil, err
	}
	now := s.Now()
	if !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		return nil, unauthorized
	}
	actor, err := s.ActorFor(ctx, accountID, t.UserID)
	if err != nil {
		return nil, err
	}
	if now.Sub(t.LastUsedAt) > time.Minute { // no write on every request
		if err := s.store.Write(ctx, func(tx Tx) error { return tx.TouchToken(ctx, accountID, t.ID, now) }); err != nil {
			return nil, err
		}
	}
	return actor, nil
}

// Tokens lists API tokens: the actor's own, or, for an admin asking with all, the account's.
func (s *Service) Tokens(ctx context.Context, actor *Actor, all bool) ([]*APIToken, error) {
	userID := actor.UserID
	if all {
		if err := requireAdmin(actor); err != nil {
			return nil, err
		}
		userID = 0
	}
	var ts []*APIToken
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		ts, err = tx.FindTokens(ctx, actor, userID)
		return err
	})
	return ts, err
}

// RevokeToken revokes an API token: the actor's own, or any of the account's for an admin.
// ENOTFOUND when the actor may not see it.
func (s *Service) RevokeToken(ctx context.Context, actor *Actor, id int64) error {
	return s.store.Write(ctx, func(tx Tx) error {
		t, err := tx.FindToken(ctx, actor, id)
		if err != nil {
			return err
		}
		if t.UserID != actor.UserID && !actor.IsAdmin() {
			return Errorf(ENOTFOUND, "API token %d not found.", id)
		}
		if !t.RevokedAt.IsZero() {
			return nil
		}
		if err := tx.RevokeToken(ctx, actor, id, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "api_token", id, "revoke", nil)
	})
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
