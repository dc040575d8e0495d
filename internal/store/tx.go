package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/voronka/voronka/internal/crm"
	"modernc.org/sqlite"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx implements crm.Tx over a write transaction or the read pool.
type Tx struct {
	q      querier
	engine Engine
	stmts  map[string]*sql.Stmt // statements the bulk writers prepared in this transaction
	conn   *sql.Conn            // PostgreSQL, in Atomic: the connection of the transaction
}

var _ crm.Store = (*DB)(nil)

type atomicKey struct{}

// atomicTx is the transaction of an Atomic call, carried by its context.
type atomicTx struct {
	db *DB
	tx *Tx
}

func joined(ctx context.Context, db *DB) *Tx {
	if a, ok := ctx.Value(atomicKey{}).(*atomicTx); ok && a.db == db {
		return a.tx
	}
	return nil
}

// Atomic runs fn with a context in which every Write and Read of db joins one transaction: all of
// fn's writes commit together, or none does.
func (db *DB) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if joined(ctx, db) != nil {
		return fn(ctx)
	}
	var conn *sql.Conn
	var tx *sql.Tx
	var err error
	if db.Engine == Postgres {
		// The transaction's own connection, for what database/sql cannot do: COPY (InsertDeals).
		if conn, err = db.write.Conn(ctx); err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		defer conn.Close()
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = db.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	a := &atomicTx{db: db, tx: &Tx{q: tx, engine: db.Engine, conn: conn}}
	if err := fn(context.WithValue(ctx, atomicKey{}, a)); err != nil {
		_ = tx.Rollback()
		return err
	}
	err = tx.Commit()
	db.gen.Add(1) // even a failed commit may have changed what readers see: count it
	if err != nil {
		return fmt.Errorf("store: commit: %w", mapError(err))
	}
	return nil
}

// Write runs fn in one write transaction and commits it when fn returns nil. Inside Atomic it
// joins Atomic's transaction instead.
func (db *DB) Write(ctx context.Context, fn func(crm.Tx) error) error {
	if t := joined(ctx, db); t != nil {
		return fn(t)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Tx{q: tx, engine: db.Engine}); err != nil {
		_ = tx.Rollback()
		return err
	}
	err = tx.Commit()
	db.gen.Add(1) // even a failed commit may have changed what readers see: count it
	if err != nil {
		return fmt.Errorf("store: commit: %w", mapError(err))
	}
	return nil
}

// Read runs fn on the read pool, each query on its own; inside Atomic it reads in Atomic's
// transaction, so that it sees what the transaction wrote.
func (db *DB) Read(ctx context.Context, fn func(crm.Tx) error) error {
	if t := joined(ctx, db); t != nil {
		return fn(t)
	}
	return fn(&Tx{q: db.read, engine: db.Engine})
}

// mapError turns a constraint violation into a domain error; other errors pass through.
func mapError(err error) error {
	var pg *pgconn.PgError
	var lite *sqlite.Error
	switch {
	case errors.As(err, &pg) && pg.Code == "23505",
		errors.As(err, &lite) && (lite.Code() == 2067 || lite.Code() == 1555):
		return &crm.Error{Code: crm.ECONFLICT, Message: "A record with this value already exists."}
	case errors.As(err, &pg) && pg.Code == "23503",
		errors.As(err, &lite) && lite.Code() == 787:
		return &crm.Error{Code: crm.EINVALID, Message: "A referenced record does not exist in this account."}
	case errors.As(err, &pg) && pg.Code == "23514",
		errors.As(err, &lite) && lite.Code() == 275:
		return &crm.Error{Code: crm.EINVALID, Message: "A value is out of its allowed range."}
	}
	return err
}

// wrap prefixes err with where it came from, after mapping constraint violations.
func wrap(where string, err error) error {
	if err == nil {
		return nil
	}
	err = mapError(err)
	var ce *crm.Error
	if errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("store: %s: %w", where, err)
}

// notFound returns ENOTFOUND for sql.ErrNoRows, else wraps err.
func notFound(where string, err error, what string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Errorf(crm.ENOTFOUND, "%s %v not found.", what, id)
	}
	return wrap(where, err)
}

// nullTime is NULL for the zero time, else t in UTC.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullID is NULL for 0, else id.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// utc converts a scanned time to UTC (pgx returns local times); NULL gives the zero time.
func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// checkVersioned reports ECONFLICT when an optimistic UPDATE … WHERE version = $n touched no row.
func checkVersioned(res sql.Result, what string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return crm.Errorf(crm.ECONFLICT, "%s %d was changed by someone else: reload it and try again.", what, id)
	}
	return nil
}
