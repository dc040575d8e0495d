// Package store keeps Voronka's data in SQLite or PostgreSQL. SQL is written by hand, one file per
// entity; the same statements run on both engines ($1..$N placeholders) except where a file says so.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Engine names a database engine.
type Engine string

// The engines Voronka runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is an open Voronka database. On SQLite it holds one writer connection (SQLite allows one
// writer at a time; a single connection avoids SQLITE_BUSY) and a pool of read-only readers; on
// PostgreSQL both are the same pool.
type DB struct {
	Engine Engine
	write  *sql.DB
	read   *sql.DB
	gen    atomic.Uint64 // committed write transactions of this process: see Generation
	// readIdle is the idle readers SQLite's pool keeps (stats.go closes them to refresh statistics).
	readIdle int

	pgxConfig *pgxpool.Config // PostgreSQL: the configuration of Pgx's pool
	pgxOnce   sync.Once
	pgxPool   *pgxpool.Pool
	pgxErr    error
}

// Generation counts the write transactions this process has committed. A value computed from the
// database stays valid while the generation is unchanged: the KPI cache keys on it. Writes by
// another process are not counted (docs/architecture.md: one Voronka process per database).
func (db *DB) Generation() uint64 { return db.gen.Load() }

// Open connects to the database named by dsn: a postgres:// or postgresql:// URL, or a SQLite file
// path or file: URL. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openPostgres opens a pool with PostgreSQL's JIT compiler off unless the URL sets "jit": the KPI
// queries are estimated expensive enough to be compiled, and compiling them took 3.3 s of a 3.4 s
// query that runs in 0.1 s without (docs/architecture.md).
func openPostgres(dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
	pool.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	pcfg.ConnConfig.RuntimeParams["jit"] = cfg.RuntimeParams["jit"]
	pcfg.MaxConns = 4
	return &DB{Engine: Postgres, write: pool, read: pool, pgxConfig: pcfg}, nil
}

// Pgx returns a small pgx pool on the same PostgreSQL database, opened on first use and closed by
// Close: River's pgx driver works on a pgxpool, not on database/sql (internal/jobs). On SQLite it
// returns an error.
func (db *DB) Pgx(ctx context.Context) (*pgxpool.Pool, error) {
	if db.Engine != Postgres {
		return nil, errors.New("store: a pgx pool exists only on PostgreSQL")
	}
	db.pgxOnce.Do(func() {
		db.pgxPool, db.pgxErr = pgxpool.NewWithConfig(ctx, db.pgxConfig)
		if db.pgxErr != nil {
			db.pgxErr = fmt.Errorf("store: open pgx pool: %w", db.pgxErr)
		}
	})
	return db.pgxPool, db.pgxErr
}

// sqlitePragmas are set on every SQLite connection: WAL so that readers never block the writer,
// a busy timeout instead of an immediate SQLITE_BUSY, foreign keys on, timestamps as text that
// sorts in time order.
var sqlitePragmas = []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"}

func openSQLite(dsn string) (*DB, error) {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" || path == ":memory:" {
		return nil, errors.New("store: SQLite needs a file path (an in-memory database cannot be shared by the writer and the readers)")
	}
	base, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("store: SQLite DSN %q: %w", dsn, err)
	}
	for _, p := range sqlitePragmas {
		base.Add("_pragma", p)
	}
	base.Set("_time_format", "sqlite")
	w := cloneValues(base)
	w.Set("_txlock", "immediate")
	// The writer: a 64 MB page cache and statement journals in memory, so that a bulk insert
	// (InsertDeals) does not spill dirty pages to the WAL before it commits nor keep its journal in a
	// temporary file — a fifth of an import's time went to those writes. Set when the connection
	// opens: temp_store cannot change inside a transaction.
	w.Add("_pragma", "cache_size(-65536)")
	w.Add("_pragma", "temp_store(MEMORY)")
	r := cloneValues(base)
	r.Add("_pragma", "query_only(1)")

	write, err := sql.Open("sqlite", "file:"+path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", "file:"+path+"?"+r.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	n := max(4, 2*runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxLifetime(readerLifetime)
	return &DB{Engine: SQLite, write: write, read: read, readIdle: n}, nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping readers: %w", err)
		}
	}
	return nil
}

// Close closes every connection; on SQLite it checkpoints the WAL into the database file first.
func (db *DB) Close() error {
	var errs []error
	if db.Engine == SQLite {
		if _, err := db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, err)
		}
	}
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	db.pgxOnce.Do(func() {}) // no pool may be opened after Close
	if db.pgxPool != nil {
		db.pgxPool.Close()
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// SQL returns the writer pool, for tools that need database/sql itself (migrations, schema checks).
func (db *DB) SQL() *sql.DB { return db.write }

// Reader returns the pool of read-only connections: the read side (internal/analytics) runs its
// aggregate queries there, never on the writer.
func (db *DB) Reader() *sql.DB { return db.read }

func (db *DB) migrator() (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if db.Engine == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.write, fsys)
}

// Migrate applies every pending migration, each in its own transaction, and returns the versions
// applied; then it brings River's own tables (river_*, the durable jobs of internal/jobs) to the
// version the binary's River needs, with River's migrator; on SQLite it last analyses the tables
// whose planner statistics are missing or stale (Optimize).
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	p, err := db.migrator()
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	if err := db.migrateRiver(ctx); err != nil {
		return nil, err
	}
	if err := db.RestoreDeferred(ctx); err != nil {
		return nil, err
	}
	// A migration may add an index: on SQLite it has no statistics until analysed, and the planner
	// may then prefer it where it is the worst choice (docs/architecture.md).
	if _, err := db.Optimize(ctx); err != nil {
		return nil, err
	}
	applied := make([]int64, len(results))
	for i, r := range results {
		applied[i] = r.Source.Version
	}
	return applied, nil
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

// MigrationStatuses lists every migration the binary knows, in order, with its state in the database.
func (db *DB) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.migrator()
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	out := make([]MigrationStatus, len(st))
	for i, s := range st {
		out[i] = MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied}
	}
	return out, nil
}
