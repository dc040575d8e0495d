package analytics

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/demo"
	"github.com/voronka/voronka/internal/testkit"
)

// BenchmarkFactGroups times each fact group alone over the dashboard's 12 months by month, in
// totals and by manager, on a demo account of VORONKA_BENCH_DEALS deals (default 100,000): where
// a cold dashboard spends its time (docs/benchmarks.md).
func BenchmarkFactGroups(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("VORONKA_BENCH_DEALS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	msk, _ := time.LoadLocation("Europe/Moscow")
	for _, engine := range testkit.Engines {
		b.Run(string(engine), func(b *testing.B) {
			db := testkit.Open(b, engine)
			svc, _ := testkit.Service(db)
			res, err := demo.Generate(ctx, db, svc, demo.Options{Deals: n, Until: crm.Date{Year: 2026, Month: 10, Day: 31}, AdminPassword: "demo-password"})
			if err != nil {
				b.Fatal(err)
			}
			actor, _ := svc.ActorFor(ctx, res.Account.ID, res.Admin.ID)
			e := NewEngine(db).Uncached()
			spans := Period{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}, Loc: msk}.Spans(Month)
			groups := map[factGroup]bool{}
			for _, k := range registry {
				for _, g := range k.facts {
					groups[g] = true
				}
			}
			var names []string
			for g := range groups {
				names = append(names, string(g))
			}
			slices.Sort(names)
			for _, g := range names {
				for _, by := range [][]Dimension{nil, {ByManager}} {
					label := g + "/total"
					if by != nil {
						label = g + "/manager"
					}
					b.Run(label, func(b *testing.B) {
						for b.Loop() {
							if _, err := e.facts(ctx, actor, factGroup(g), spans, by, Filter{}); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}
