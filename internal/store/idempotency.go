package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// IdempotentResponse is the stored answer to a request sent with an Idempotency-Key.
type IdempotentResponse struct {
	RequestHash string
	Status      int // 0 while the first request is still being answered
	Body        []byte
}

// Idempotency keeps Idempotency-Key answers, per account and user.
type Idempotency struct{ db *DB }

// Idempotency returns the database's idempotency key store.
func (db *DB) Idempotency() *Idempotency { return &Idempotency{db: db} }

// Reserve claims key for a request with the given hash. It returns (nil, nil) when the key is new
// and now reserved; otherwise the stored response (Status 0: the first request is in flight).
func (s *Idempotency) Reserve(ctx context.Context, accountID, userID int64, key, hash string, now time.Time) (*IdempotentResponse, error) {
	res, err := s.db.write.ExecContext(ctx, `
		INSERT INTO idempotency_keys (account_id, user_id, key, request_hash, status, response, created_at)
		VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (account_id, user_id, key) DO NOTHING`,
		accountID, userID, key, hash, []byte{}, now.UTC())
	if err != nil {
		return nil, wrap("reserve idempotency key", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var r IdempotentResponse
	err = s.db.write.QueryRowContext(ctx, `
		SELECT request_hash, status, response FROM idempotency_keys WHERE account_id = $1 AND user_id = $2 AND key = $3`,
		accountID, userID, key).Scan(&r.RequestHash, &r.Status, &r.Body)
	if errors.Is(err, sql.ErrNoRows) { // expired and swept between the two statements
		return s.Reserve(ctx, accountID, userID, key, hash, now)
	}
	return &r, wrap("find idempotency key", err)
}

// Complete stores the answer of a reserved key.
func (s *Idempotency) Complete(ctx context.Context, accountID, userID int64, key string, status int, body []byte) error {
	_, err := s.db.write.ExecContext(ctx, `
		UPDATE idempotency_keys SET status = $1, response = $2 WHERE account_id = $3 AND user_id = $4 AND key = $5`,
		status, body, accountID, userID, key)
	return wrap("complete idempotency key", err)
}

// Release forgets a reserved key whose request failed, so that a retry runs again.
func (s *Idempotency) Release(ctx context.Context, accountID, userID int64, key string) error {
	_, err := s.db.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE account_id = $1 AND user_id = $2 AND key = $3`,
		accountID, userID, key)
	return wrap("release idempotency key", err)
}

// DeleteBefore removes the keys of every account created before t and returns how many.
func (s *Idempotency) DeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, t.UTC())
	if err != nil {
		return 0, wrap("expire idempotency keys", err)
	}
	return res.RowsAffected()
}
