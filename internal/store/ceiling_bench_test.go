package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// BenchmarkSQLiteInsertCeiling measures what the SQLite engine itself (modernc, pure Go) can write,
// with nothing of Voronka in the way: bare deal rows — the columns a plain deals CSV fills — by
// raw multi-row INSERTs, prepared once per transaction, 500,000 rows a transaction, a 256 MB page
// cache: the bulk loader's way of writing. It is the ceiling of any import or demo load on this
// engine and machine (docs/benchmarks.md):
//
//   - deals: the deals table as migrated, with its two unique constraints and seven indexes;
//   - deals_integer_times: the same with the timestamps as integers (microseconds): what a schema
//     keeping times as numbers instead of text would write;
//   - deals_uniques_only: the same table with the seven indexes dropped (and with integer times);
//   - bare: a table of the same columns with no constraint and no index;
//   - bare_integer_times: the same with the timestamps as integers (microseconds), half the row.
//
// VORONKA_BENCH_ROWS sets the rows (default 1,000,000).
func BenchmarkSQLiteInsertCeiling(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("VORONKA_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	variants := []struct {
		name     string
		table    string
		setup    []string
		intTimes bool
	}{
		{"deals", "deals", nil, false},
		{"deals_integer_times", "deals", nil, true},
		{"deals_uniques_only", "deals", []string{"DROP INDEX deals_stage", "DROP INDEX deals_responsible", "DROP INDEX deals_created",
			"DROP INDEX deals_closed", "DROP INDEX deals_contact", "DROP INDEX deals_company", "DROP INDEX deals_channel"}, false},
		{"deals_uniques_only_integer_times", "deals", []string{"DROP INDEX deals_stage", "DROP INDEX deals_responsible", "DROP INDEX deals_created",
			"DROP INDEX deals_closed", "DROP INDEX deals_contact", "DROP INDEX deals_company", "DROP INDEX deals_channel"}, true},
		{"bare", "bare", []string{"CREATE TABLE bare AS SELECT * FROM deals WHERE 0"}, false},
		{"bare_integer_times", "bare", []string{"CREATE TABLE bare AS SELECT * FROM deals WHERE 0"}, true},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testkit.OpenSQLite(b)
				svc, _ := testkit.Service(db)
				o := testkit.NewOrg(b, svc, "ceiling")
				ps, err := svc.Pipelines(context.Background(), o.Actor(b, o.Admin), false)
				if err != nil {
					b.Fatal(err)
				}
				for _, q := range v.setup {
					if _, err := db.SQL().Exec(q); err != nil {
						b.Fatalf("%s: %v", q, err)
					}
				}
				users := []int64{o.North1.ID, o.North2.ID, o.South1.ID, o.South2.ID, o.NorthHead.ID, o.SouthHead.ID}
				b.StartTimer()
				began := time.Now()
				insertBareDeals(b, db, v.table, n, o.Account.ID, ps[0], users, v.intTimes)
				b.ReportMetric(float64(n)/time.Since(began).Seconds(), "rows/s")
			}
		})
	}
}

// insertBareDeals writes n deal rows into table the way the bulk loader does on SQLite.
func insertBareDeals(b *testing.B, db *store.DB, table string, n int, account int64, p *crm.Pipeline, users []int64, intTimes bool) {
	b.Helper()
	ctx := context.Background()
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
		b.Fatal(err)
	}
	defer conn.ExecContext(ctx, "PRAGMA cache_size = -65536")
	cols := []string{"id", "account_id", "name", "search", "pipeline_id", "stage_id", "status", "amount", "responsible_id",
		"created_at", "stage_changed_at", "closed_at", "updated_at", "external_source", "external_id"}
	const batch = 400 // the Loader's: SQLite binds at most 32,766 parameters a statement
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat(row+",", batch), ","))
	base := time.Date(2023, 11, 1, 9, 0, 0, 0, time.UTC)
	span := int64(3 * 365 * 24 * 3600)
	at := func(t time.Time) any {
		if intTimes {
			return t.UnixMicro()
		}
		return t
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	args := make([]any, 0, batch*len(cols))
	for i := 1; i <= n; i++ {
		// Creation times in no order, as a file's rows come (7919 is prime: every second once).
		created := base.Add(time.Duration(int64(i)*7919%span) * time.Second)
		stage := p.Stages[i%len(p.Stages)]
		status, closed := "open", any(nil)
		switch stage.Kind {
		case crm.StageWon:
			status, closed = "won", at(created.Add(72*time.Hour))
		case crm.StageLost:
			status, closed = "lost", at(created.Add(72*time.Hour))
		}
		name := "Сделка " + strconv.Itoa(i)
		args = append(args, int64(i), account, name, strings.ToLower(name), p.ID, stage.ID, status, int64(i%1000)*10000,
			users[i%len(users)], at(created), at(created), closed, at(created), "csv", "D-"+strconv.Itoa(i))
		if len(args) == cap(args) {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				b.Fatal(err)
			}
			args = args[:0]
		}
		if i%500_000 == 0 || i == n {
			if len(args) > 0 { // the tail, one row a statement
				one, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(cols, ", "), row))
				if err != nil {
					b.Fatal(err)
				}
				for k := 0; k < len(args); k += len(cols) {
					if _, err := one.ExecContext(ctx, args[k:k+len(cols)]...); err != nil {
						b.Fatal(err)
					}
				}
				one.Close()
				args = args[:0]
			}
			stmt.Close()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			if i == n {
				break
			}
			if tx, err = conn.BeginTx(ctx, nil); err != nil {
				b.Fatal(err)
			}
			if stmt, err = tx.PrepareContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	}
	var got int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&got); err != nil || got != n {
		b.Fatalf("%s holds %d rows (%v), want %d", table, got, err, n)
	}
}
