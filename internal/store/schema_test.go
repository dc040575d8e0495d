package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// schema describes a database as "table(col, col…)" and "index table(col, col…) unique?" lines.
func schema(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	collect := func(q string, args ...any) [][]string {
		rows, err := db.SQL().QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		var out [][]string
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = v.String
			}
			out = append(out, row)
		}
		return out
	}
	ignored := func(table string) bool { return table == "goose_db_version" || strings.HasPrefix(table, "river_") }
	if db.Engine == store.SQLite {
		for _, tbl := range collect(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`) {
			if ignored(tbl[0]) {
				continue
			}
			var cols []string
			for _, c := range collect(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, tbl[0]) {
				cols = append(cols, c[0])
			}
			lines = append(lines, fmt.Sprintf("%s(%s)", tbl[0], strings.Join(cols, ", ")))
			// A table without account_id (accounts) has its id as primary key: the rowid on SQLite,
			// a unique index on PostgreSQL. Tenant tables have a (account_id, id) unique index on both.
			if cols[0] == "id" && !slices.Contains(cols, "account_id") && tbl[0] != "sessions" {
				lines = append(lines, indexLine(tbl[0], []string{"id"}, true))
			}
			for _, ix := range collect(`SELECT name, "unique", origin FROM pragma_index_list(?)`, tbl[0]) {
				var icols []string
				for _, c := range collect(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix[0]) {
					icols = append(icols, c[0])
				}
				lines = append(lines, indexLine(tbl[0], icols, ix[1] == "1"))
			}
		}
	} else {
		for _, tbl := range collect(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`) {
			if ignored(tbl[0]) {
				continue
			}
			var cols []string
			for _, c := range collect(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`, tbl[0]) {
				cols = append(cols, c[0])
			}
			lines = append(lines, fmt.Sprintf("%s(%s)", tbl[0], strings.Join(cols, ", ")))
			for _, ix := range collect(`
				SELECT i.indisunique::text, array_to_string(array_agg(a.attname ORDER BY k.ord), ',')
				FROM pg_index i
				JOIN pg_class c ON c.oid = i.indrelid
				CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
				WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace
				GROUP BY i.indexrelid, i.indisunique`, tbl[0]) {
				lines = append(lines, indexLine(tbl[0], strings.Split(ix[1], ","), ix[0] == "true"))
			}
		}
	}
	slices.Sort(lines)
	return lines
}

func indexLine(table string, cols []string, unique bool) string {
	u := ""
	if unique {
		u = " unique"
	}
	return fmt.Sprintf("index %s(%s)%s", table, strings.Join(cols, ", "), u)
}

// Both engines must end up with the same tables, columns and indexes, and every index of a tenant
// table must start with account_id.
// engineIndexes are the indexes one engine has its own way, by design: activities by time covers
// the touch counts' columns on SQLite only (migration 00010 says why).
var engineIndexes = map[string]string{
	"index activities(account_id, at, user_id, kind, direction, deal_id, deleted_at)": "index activities(account_id, at)",
}

func TestSchemaSameOnBothEngines(t *testing.T) {
	lite := schema(t, testkit.OpenSQLite(t))
	pg := schema(t, testkit.OpenPostgres(t))
	for i, l := range lite {
		if p, ok := engineIndexes[l]; ok {
			if !slices.Contains(pg, p) {
				t.Errorf("SQLite has %s; PostgreSQL lacks its counterpart %s", l, p)
			}
			lite[i] = p
		}
	}
	slices.Sort(lite)
	if !slices.Equal(lite, pg) {
		t.Errorf("schemas differ:\nsqlite:\n  %s\npostgres:\n  %s", strings.Join(lite, "\n  "), strings.Join(pg, "\n  "))
	}
	for _, l := range lite {
		// accounts, sessions and the bulk loader's bookkeeping (not tenant data) are the exceptions.
		if strings.HasPrefix(l, "index ") && !strings.HasPrefix(l, "index accounts(") && !strings.HasPrefix(l, "index sessions(") &&
			!strings.HasPrefix(l, "index bulk_load_deferred(") && !strings.Contains(l, "(account_id") {
			t.Errorf("%s does not start with account_id", l)
		}
	}
	if len(lite) < 10 {
		t.Errorf("schema has only %d lines: %v", len(lite), lite)
	}
}

func TestMigrateIsIdempotentAndReportsStatus(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v, want nothing", applied)
		}
		st, err := db.MigrationStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 {
			t.Fatal("no migrations known")
		}
		for _, s := range st {
			if !s.Applied {
				t.Errorf("migration %d %s not applied", s.Version, s.Name)
			}
		}
	})
}
