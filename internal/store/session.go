package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Sessions keeps web sessions in the database; it implements scs.Store and scs.CtxStore.
type Sessions struct{ db *DB }

// Sessions returns the database's session store.
func (db *DB) Sessions() *Sessions { return &Sessions{db: db} }

// Find returns the data of an unexpired session; found is false when there is none.
func (s *Sessions) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (s *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := s.db.read.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`,
		token, time.Now().UTC()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, wrap("find session", err)
	}
	return data, true, nil
}

// Commit stores a session until expiry.
func (s *Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (s *Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		token, b, expiry.UTC())
	return wrap("commit session", err)
}

// Delete removes a session.
func (s *Sessions) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// DeleteCtx is Delete with a context.
func (s *Sessions) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.db.write.ExecContext(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return wrap("delete session", err)
}

// DeleteExpired removes expired sessions and returns how many.
func (s *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM sessions WHERE expiry <= $1`, time.Now().UTC())
	if err != nil {
		return 0, wrap("delete expired sessions", err)
	}
	return res.RowsAffected()
}
