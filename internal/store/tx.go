package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
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
	db     *DB
	tx     *Tx
	driver any // the driver-level transaction River enqueues in: pgx.Tx or *sql.Tx
}

// DriverTx returns the transaction of the Atomic call ctx is in, as the database driver knows it —
// a pgx.Tx on PostgreSQL, the *sql.Tx on SQLite — so that River can enqueue a job in it
// (internal/jobs); nil outside Atomic.
func (db *DB) DriverTx(ctx context.Context) any {
	if a, ok := ctx.Value(atomicKey{}).(*atomicTx); ok && a.db == db {
		return a.driver
	}
	return nil
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
	if db.Engine == Postgres {
		return db.atomicPgx(ctx, fn)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	a := &atomicTx{db: db, tx: &Tx{q: tx, engine: db.Engine}, driver: tx}
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

// atomicPgx is Atomic on PostgreSQL. River's pgx driver enqueues in a pgx.Tx, which a *sql.Tx does
// not give out: the transaction is begun on the pgx connection under a *sql.Conn instead, and the
// statements of fn run on that *sql.Conn — the same connection, inside the same transaction.
func (db *DB) atomicPgx(ctx context.Context, fn func(ctx context.Context) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer conn.Close()
	var tx pgx.Tx
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		var err error
		tx, err = c.Conn().Begin(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	// conn also serves what database/sql cannot do inside the transaction: COPY (InsertDeals).
	a := &atomicTx{db: db, tx: &Tx{q: conn, engine: db.Engine, conn: conn}, driver: tx}
	if err := fn(context.WithValue(ctx, atomicKey{}, a)); err != nil {
		// Raw holds the connection's lock while pgx talks to it; a cancelled ctx must not
		// keep the rollback from being sent.
		_ = conn.Raw(func(any) error { return tx.Rollback(context.WithoutCancel(ctx)) })
		return err
	}
	err = conn.Raw(func(any) error { return tx.Commit(ctx) })
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
