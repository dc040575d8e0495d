package store_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// readerPlan is SQLite's plan of q on a connection of the read pool, given back to the pool after.
func readerPlan(t *testing.T, db *store.DB, q string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Reader().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "; ")
}

// A table that gains rows, or an index added by a migration, gets planner statistics from
// Optimize, and the readers plan with them at once — not only connections opened later.
func TestOptimizeKeepsPlannerStatistics(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		db := testkit.OpenSQLite(t)
		if ran, err := db.Optimize(ctx); err != nil || len(ran) != 0 {
			t.Fatalf("a freshly migrated database has nothing to analyse; Optimize ran %q, %v", ran, err)
		}
		// kind has two values; ref is unique. Without statistics SQLite guesses ten rows an
		// equality on either index, and an IN of three refs thirty, so it reads by kind: half the table.
		for _, q := range []string{
			`CREATE TABLE probe (kind INTEGER NOT NULL, ref INTEGER NOT NULL)`,
			`CREATE INDEX probe_kind ON probe (kind)`,
			`CREATE INDEX probe_ref ON probe (ref)`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
				INSERT INTO probe SELECT i % 2, i FROM n`,
		} {
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		const q = `SELECT * FROM probe WHERE kind = 1 AND ref IN (5, 6, 7)`
		if plan := readerPlan(t, db, q); !strings.Contains(plan, "probe_kind") {
			t.Fatalf("without statistics the reader was expected to guess the kind index: %s", plan)
		}
		ran, err := db.Optimize(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ran) != 1 || !strings.Contains(ran[0], `"probe"`) {
			t.Fatalf("Optimize ran %q; want one ANALYZE of probe", ran)
		}
		if plan := readerPlan(t, db, q); !strings.Contains(plan, "probe_ref") {
			t.Fatalf("after Optimize the reader still plans without the statistics: %s", plan)
		}
		if ran, err := db.Optimize(ctx); err != nil || len(ran) != 0 {
			t.Fatalf("statistics up to date: Optimize ran %q, %v", ran, err)
		}
		// A new index on an analysed table has no statistics until Optimize gives it some.
		if _, err := db.SQL().ExecContext(ctx, `CREATE INDEX probe_both ON probe (ref, kind)`); err != nil {
			t.Fatal(err)
		}
		if ran, err := db.Optimize(ctx); err != nil || len(ran) != 1 {
			t.Fatalf("a new index: Optimize ran %q, %v; want one ANALYZE", ran, err)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_stat1 WHERE idx = 'probe_both'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("statistics of the new index: %d rows, %v", n, err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		// PostgreSQL analyses by itself (autovacuum): Optimize leaves it alone.
		db := testkit.OpenPostgres(t)
		if ran, err := db.Optimize(ctx); err != nil || ran != nil {
			t.Fatalf("Optimize on PostgreSQL ran %q, %v", ran, err)
		}
	})
}

// A running server analyses what became stale since it started, logs it, and stops cleanly.
func TestKeepStatisticsAnalysesWhileServing(t *testing.T) {
	ctx := context.Background()
	db := testkit.OpenSQLite(t)
	var log strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return log.Write(p)
	}), nil))
	stop := db.KeepStatistics(20*time.Millisecond, logger)
	for _, q := range []string{
		`CREATE TABLE probe (kind INTEGER NOT NULL)`,
		`CREATE INDEX probe_kind ON probe (kind)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO probe SELECT i % 2 FROM n`,
	} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	for deadline := time.Now().Add(10 * time.Second); n == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'probe'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	if n == 0 {
		t.Fatal("the new table was never analysed")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(log.String(), "planner statistics updated") || !strings.Contains(log.String(), "probe") {
		t.Errorf("log: %s", log.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
