package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// benchDeals is the size of the benchmark account: VORONKA_BENCH_DEALS, default 1,000,000.
func benchDeals() int {
	if n, err := strconv.Atoi(os.Getenv("VORONKA_BENCH_DEALS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchAccount is a seeded account: an org of 7 users and n deals spread over 2 years, its stages
// and its people.
type benchAccount struct {
	db    *store.DB
	svc   *crm.Service
	org   *testkit.Org
	pipe  *crm.Pipeline
	n     int
	first int64 // id of the first deal
}

// seed fills a fresh database with n deals by multi-row INSERTs in one transaction — the fast path a
// benchmark needs; the product's own importer and demo generator come with the data issue.
func seed(b *testing.B, engine store.Engine, n int) *benchAccount {
	b.Helper()
	db := testkit.Open(b, engine)
	svc, _ := testkit.Service(db)
	o := testkit.NewOrg(b, svc, "bench")
	ps, _ := svc.Pipelines(context.Background(), o.Actor(b, o.Admin), false)
	p := ps[0]
	users := []*crm.User{o.North1, o.North2, o.South1, o.South2, o.NorthHead, o.SouthHead}
	start := time.Now()
	tx, err := db.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	const cols = 14
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var sb strings.Builder
	args := make([]any, 0, batch*cols)
	for done := 0; done < n; {
		k := min(batch, n-done)
		sb.Reset()
		args = args[:0]
		sb.WriteString(`INSERT INTO deals (account_id, name, pipeline_id, stage_id, status, amount, cost, responsible_id, created_at,
			stage_changed_at, closed_at, updated_at, search, custom) VALUES `)
		for i := 0; i < k; i++ {
			st := p.Stages[rng.IntN(len(p.Stages))]
			created := base.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
			var closed any
			if st.Kind != crm.StageOpen {
				closed = created.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
			}
			name := fmt.Sprintf("Сделка %d", done+i)
			if i > 0 {
				sb.WriteString(",")
			}
			j := len(args)
			fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", j+1, j+2, j+3, j+4, j+5, j+6, j+7, j+8, j+9, j+10, j+11, j+12, j+13, j+14)
			args = append(args, o.Account.ID, name, p.ID, st.ID, st.Kind, rng.Int64N(50_000_000), int64(0),
				users[rng.IntN(len(users))].ID, created, created, closed, created, strings.ToLower(name), "{}")
		}
		if _, err := tx.Exec(sb.String(), args...); err != nil {
			b.Fatal(err)
		}
		done += k
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	var first int64
	_ = db.SQL().QueryRow(`SELECT MIN(id) FROM deals`).Scan(&first)
	b.Logf("%s: seeded %d deals in %v", engine, n, time.Since(start).Round(time.Millisecond))
	return &benchAccount{db: db, svc: svc, org: o, pipe: p, n: n, first: first}
}

// BenchmarkDeals measures the CRM core's everyday operations on an account with benchDeals() deals:
// read one deal, list a filtered page, move a deal to another stage (targets on SQLite: 1 ms, 10 ms,
// 2 ms). The figures are recorded in docs/benchmarks.md.
func BenchmarkDeals(b *testing.B) {
	for _, engine := range testkit.Engines {
		b.Run(string(engine), func(b *testing.B) {
			a := seed(b, engine, benchDeals())
			ctx := context.Background()
			admin, mgr := a.org.Actor(b, a.org.Admin), a.org.Actor(b, a.org.North1)
			rng := rand.New(rand.NewPCG(3, 4))
			b.Run("get", func(b *testing.B) {
				for b.Loop() {
					if _, err := a.svc.Deal(ctx, admin, a.first+rng.Int64N(int64(a.n))); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("list_stage_page", func(b *testing.B) {
				stage := a.pipe.Stages[1].ID
				for b.Loop() {
					l, err := a.svc.Deals(ctx, mgr, crm.DealFilter{PipelineID: a.pipe.ID, StageID: stage}, crm.Page{Limit: 50})
					if err != nil || len(l.Items) != 50 {
						b.Fatalf("%v %d", err, len(l.Items))
					}
				}
			})
			b.Run("list_newest_page", func(b *testing.B) {
				for b.Loop() {
					l, err := a.svc.Deals(ctx, mgr, crm.DealFilter{Status: "open"}, crm.Page{Limit: 50, Sort: "created_at", Desc: true})
					if err != nil || len(l.Items) != 50 {
						b.Fatalf("%v %d", err, len(l.Items))
					}
				}
			})
			b.Run("move", func(b *testing.B) {
				d, err := a.svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Moving"})
				if err != nil {
					b.Fatal(err)
				}
				stages := []int64{a.pipe.Stages[1].ID, a.pipe.Stages[2].ID}
				i := 0
				for b.Loop() {
					i++
					if _, err := a.svc.UpdateDeal(ctx, mgr, d.ID, crm.DealUpdate{StageID: &stages[i%2]}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
