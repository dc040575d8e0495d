// Package testkit gives tests real databases — a fresh SQLite file or a fresh PostgreSQL database
// per test — and fixtures built through the domain services.
package testkit

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/voronka/voronka/internal/store"
)

// OpenSQLite returns a migrated SQLite database in a file of its own, closed when tb ends.
func OpenSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	return open(tb, filepath.Join(tb.TempDir(), "voronka.db"))
}

// OpenPostgres returns a migrated, fresh PostgreSQL database on the test binary's throwaway server,
// closed and dropped when tb ends. It skips when PostgreSQL is not installed, unless
// VORONKA_REQUIRE_POSTGRES=1.
func OpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	return open(tb, PostgresDSN(tb))
}

func open(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close database: %v", err)
		}
	})
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return db
}

// Engines lists the engines every storage test runs on.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// Open returns a fresh migrated database of the engine.
func Open(tb testing.TB, engine store.Engine) *store.DB {
	tb.Helper()
	if engine == store.Postgres {
		return OpenPostgres(tb)
	}
	return OpenSQLite(tb)
}

// EachEngine runs fn as a subtest, named for the engine, on a fresh database of each engine.
func EachEngine(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}
