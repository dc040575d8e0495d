package demo_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/voronka/voronka/internal/demo"
	"github.com/voronka/voronka/internal/testkit"
)

// BenchmarkDemo generates a demo account of VORONKA_BENCH_DEALS deals (default 1,000,000) on each
// engine: the target is ≤ 3 minutes for a million deals with their history (docs/benchmarks.md).
func BenchmarkDemo(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("VORONKA_BENCH_DEALS")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range testkit.Engines {
		b.Run(string(engine), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := testkit.Open(b, engine)
				svc, _ := testkit.Service(db)
				b.StartTimer()
				res, err := demo.Generate(context.Background(), db, svc, demo.Options{Deals: n, Until: until, AdminPassword: "demo-password"})
				if err != nil {
					b.Fatal(err)
				}
				var rows int64
				for _, r := range res.Rows {
					rows += r
				}
				b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
				b.Logf("%s: %d deals, %d rows in %v: %v", engine, n, rows, res.Elapsed, res.Rows)
			}
		})
	}
}
