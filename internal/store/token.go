package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const tokenColumns = `id, account_id, user_id, name, prefix, token_hash, created_at, last_used_at, expires_at, revoked_at`

// InsertToken stores a new API token of the actor.
func (t *Tx) InsertToken(ctx context.Context, actor *crm.Actor, tk *crm.APIToken) error {
	tk.AccountID = actor.AccountID
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO api_tokens (account_id, user_id, name, prefix, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		actor.AccountID, tk.UserID, tk.Name, tk.Prefix, tk.Hash, tk.CreatedAt.UTC(), nullTime(tk.ExpiresAt)).Scan(&tk.ID)
	return wrap("insert token", err)
}

// FindTokenByHash returns the token of the account with the hash.
func (t *Tx) FindTokenByHash(ctx context.Context, accountID int64, hash string) (*crm.APIToken, error) {
	row := t.q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE account_id = $1 AND token_hash = $2`, accountID, hash)
	tk, err := scanToken(row)
	return tk, notFound("find token", err, "API token", "")
}

// FindToken returns a token of the actor's account.
func (t *Tx) FindToken(ctx context.Context, actor *crm.Actor, id int64) (*crm.APIToken, error) {
	row := t.q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE account_id = $1 AND id = $2`, actor.AccountID, id)
	tk, err := scanToken(row)
	return tk, notFound("find token", err, "API token", id)
}

// FindTokens returns the tokens of a user, or of the whole account when userID is 0, newest first.
func (t *Tx) FindTokens(ctx context.Context, actor *crm.Actor, userID int64) ([]*crm.APIToken, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT `+tokenColumns+` FROM api_tokens
		WHERE account_id = $1 AND ($2 = 0 OR user_id = $2) ORDER BY id DESC`, actor.AccountID, userID)
	if err != nil {
		return nil, wrap("find tokens", err)
	}
	defer rows.Close()
	var ts []*crm.APIToken
	for rows.Next() {
		tk, err := scanToken(rows)
		if err != nil {
			return nil, wrap("find tokens", err)
		}
		ts = append(ts, tk)
	}
	return ts, wrap("find tokens", rows.Err())
}

// RevokeToken marks a token revoked.
func (t *Tx) RevokeToken(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND id = $3 AND revoked_at IS NULL`,
		at.UTC(), actor.AccountID, id)
	return wrap("revoke token", err)
}

// TouchToken records a token's last use.
func (t *Tx) TouchToken(ctx context.Context, accountID, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE account_id = $2 AND id = $3`, at.UTC(), accountID, id)
	return wrap("touch token", err)
}

func scanToken(s scanner) (*crm.APIToken, error) {
	var tk crm.APIToken
	var created, used, expires, revoked sql.NullTime
	if err := s.Scan(&tk.ID, &tk.AccountID, &tk.UserID, &tk.Name, &tk.Prefix, &tk.Hash, &created, &used, &expires, &revoked); err != nil {
		return nil, err
	}
	tk.CreatedAt, tk.LastUsedAt, tk.ExpiresAt, tk.RevokedAt = utc(created), utc(used), utc(expires), utc(revoked)
	return &tk, nil
}
