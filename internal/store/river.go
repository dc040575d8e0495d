package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateRiver applies River's own migrations (its tables river_job, river_leader, river_queue…),
// which River ships for each engine and records in its own river_migration table. On SQLite they
// run on the one writer connection, like every other write.
func (db *DB) migrateRiver(ctx context.Context) error {
	cfg := &rivermigrate.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var err error
	if db.Engine == Postgres {
		// A pool of its own, closed after: a database that runs no jobs (tests, the CLI) keeps
		// no connection for River.
		pcfg := db.pgxConfig.Copy()
		pcfg.MaxConns = 1
		pool, perr := pgxpool.NewWithConfig(ctx, pcfg)
		if perr != nil {
			return fmt.Errorf("store: migrate River's tables: %w", perr)
		}
		defer pool.Close()
		m, merr := rivermigrate.New(riverpgxv5.New(pool), cfg)
		if err = merr; err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		m, merr := rivermigrate.New(riversqlite.New(db.write), cfg)
		if err = merr; err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("store: migrate River's tables: %w", err)
	}
	return nil
}
