package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// loadActivities bulk-loads n notes of user into the account's activities, the last one by
// lastUser (to break a foreign key with).
func loadActivities(t *testing.T, db *store.DB, account, user, lastUser int64, n int) (*store.Loader, error) {
	t.Helper()
	ctx := context.Background()
	l, err := db.NewLoader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acts := l.Table("activities", "id", "account_id", "kind", "user_id", "at", "created_at", "updated_at")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		id, err := l.NextID("activities")
		if err != nil {
			t.Fatal(err)
		}
		u := user
		if i == n-1 {
			u = lastUser
		}
		when := at.Add(time.Duration(i) * time.Minute)
		if err := acts.Add(id, account, "note", u, when, when, when); err != nil {
			l.Abort()
			return nil, err
		}
	}
	return l, l.Close()
}

// A bulk load into an empty table drops its non-unique indexes (and on PostgreSQL its foreign
// keys) and builds them again at its end: the schema after the load is the schema before it, the
// rows are all there, nothing is left recorded — on both engines.
func TestLoaderRestoresWhatItDeferred(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "loader")
		before := schemaWithKeys(t, db)
		l, err := loadActivities(t, db, o.Account.ID, o.North1.ID, o.North1.ID, 25_000)
		if err != nil {
			t.Fatal(err)
		}
		if d := l.Deferred(); !slices.Equal(d, []string{"activities"}) {
			t.Fatalf("deferred %v, want activities (empty before the load)", d)
		}
		if after := schemaWithKeys(t, db); !slices.Equal(before, after) {
			t.Fatalf("schema changed by the load:\nbefore %v\nafter  %v", before, after)
		}
		var n, left int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM activities WHERE account_id = $1`, o.Account.ID).Scan(&n); err != nil || n != 25_000 {
			t.Fatalf("activities %d, %v", n, err)
		}
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM bulk_load_deferred`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("records left %d, %v", left, err)
		}
		// A table with rows keeps its indexes: a second load into it defers nothing.
		l, err = loadActivities(t, db, o.Account.ID, o.North1.ID, o.North1.ID, 10)
		if err != nil || len(l.Deferred()) != 0 {
			t.Fatalf("second load: deferred %v, %v", l.Deferred(), err)
		}
	})
}

// A loaded row that breaks a foreign key fails the load. SQLite checks it row by row, so the load
// stops there; PostgreSQL checks the loaded rows when it adds the key back, and says which key they
// break. Either way the indexes are all back, the key checks new rows, and nothing is left
// recorded that would fail the next start.
func TestLoaderRowBreakingForeignKey(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "loader")
		before := schema(t, db)
		_, err := loadActivities(t, db, o.Account.ID, o.North1.ID, 987654, 500)
		want := "referenced record does not exist"
		if db.Engine == store.Postgres {
			want = "activities_account_id_user_id_fkey"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("load with a missing user: %v, want an error with %q", err, want)
		}
		if after := schema(t, db); !slices.Equal(before, after) {
			t.Fatalf("indexes not restored after the failed load:\nbefore %v\nafter  %v", before, after)
		}
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("start after the failed load: %v", err)
		}
		now := time.Now()
		if _, err := db.SQL().Exec(`INSERT INTO activities (account_id, kind, user_id, at, created_at, updated_at) VALUES ($1, 'note', 987654, $2, $2, $2)`,
			o.Account.ID, now); err == nil {
			t.Fatal("the foreign key does not check new rows after the failed load")
		}
	})
}

// A load that crashed after committing its drops (recorded in bulk_load_deferred) gets its indexes
// back on the next start: Migrate builds what is recorded.
func TestMigrateRestoresAfterCrashedLoad(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		before := schemaWithKeys(t, db)
		var def string
		q := `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'activities_at'`
		if db.Engine == store.Postgres {
			q = `SELECT indexdef FROM pg_indexes WHERE indexname = 'activities_at'`
		}
		if err := db.SQL().QueryRow(q).Scan(&def); err != nil {
			t.Fatal(err)
		}
		// What a load leaves when killed between its commit and its end.
		if _, err := db.SQL().Exec(`INSERT INTO bulk_load_deferred (table_name, kind, name, definition) VALUES ('activities', 'index', 'activities_at', $1)`, def); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(`DROP INDEX activities_at`); err != nil {
			t.Fatal(err)
		}
		if slices.Equal(before, schemaWithKeys(t, db)) {
			t.Fatal("the index was not dropped")
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if after := schemaWithKeys(t, db); !slices.Equal(before, after) {
			t.Fatalf("not restored:\nbefore %v\nafter  %v", before, after)
		}
	})
}

// schemaWithKeys is schema (tables, columns, indexes) plus, on PostgreSQL, every foreign key and
// whether it is validated.
func schemaWithKeys(t *testing.T, db *store.DB) []string {
	t.Helper()
	lines := schema(t, db)
	if db.Engine != store.Postgres {
		return lines
	}
	rows, err := db.SQL().Query(`SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated::text
		FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	return lines
}
