package crm

import (
	"context"
	"time"
)

// APIToken lets a program act as a user through the API (Authorization: Bearer …). Only a hash of
// the secret is stored; the secret is shown once, when the token is created.
type APIToken struct {
	ID         int64
	AccountID  int64
	UserID     int64
	Name       string
	Prefix     string // the first characters of the secret, to recognise it in a list
	Hash       string // SHA-256 of the secret, hex
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time // zero: never
	RevokedAt  time.Time // zero: valid
}

// TokenStore stores API tokens.
type TokenStore interface {
	// InsertToken stores t and sets its ID.
	InsertToken(ctx context.Context, actor *Actor, t *APIToken) error
	// FindTokenByHash returns the token of the account with the hash, revoked or not; ENOTFOUND if none.
	FindTokenByHash(ctx context.Context, accountID int64, hash string) (*APIToken, error)
	// FindTokens returns the tokens of the user (all the account's when userID is 0), newest first.
	FindTokens(ctx context.Context, actor *Actor, userID int64) ([]*APIToken, error)
	// FindToken returns the token with the id; ENOTFOUND when there is none.
	FindToken(ctx context.Context, actor *Actor, id int64) (*APIToken, error)
	// RevokeToken marks the token revoked at t.
	RevokeToken(ctx context.Context, actor *Actor, id int64, t time.Time) error
	// TouchToken records that the token was used at t.
	TouchToken(ctx context.Context, accountID, id int64, t time.Time) error
}
