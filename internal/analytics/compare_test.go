package analytics_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// Compare computes the before and after windows as two buckets of one request (compare.go). Every
// KPI of it must be what the KPI is over that window asked on its own — for windows shorter and
// longer than half a year (the year-earlier window then overlaps the before window), in totals,
// by manager and for a head of sales, on both engines.
func TestCompareIsEachWindowAskedAlone(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := testkit.Demo(t, db, 1500)
		admin, head := acc.Admin, acc.Head
		e := analytics.NewEngine(db).Uncached()
		goLive := acc.Res.GoLive
		for _, c := range []struct {
			name  string
			actor *crm.Actor
			to    crm.Date
			by    []analytics.Dimension
		}{
			{"three months, admin", admin, addDays(goLive, 92), nil},
			{"eight months by manager, admin", admin, addDays(goLive, 243), []analytics.Dimension{analytics.ByManager}},
			{"eight months, head", head, addDays(goLive, 243), nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				req := analytics.Request{IDs: analytics.IDs(), Period: analytics.Period{From: addDays(goLive, -400), To: c.to, Loc: msk}, By: c.by}
				got, err := e.Compare(ctx, c.actor, req, goLive)
				if err != nil {
					t.Fatal(err)
				}
				alone := map[string]map[string]*float64{}
				var windows map[string]string
				if len(got) > 0 {
					windows = got[0].Windows
				}
				for name, span := range windows {
					from, err1 := crm.ParseDate(span[:10])
					to, err2 := crm.ParseDate(span[12:])
					if err1 != nil || err2 != nil {
						t.Fatalf("window %s: %q", name, span)
					}
					p := analytics.Period{From: from, To: to, Loc: msk}
					rs, err := e.Compute(ctx, c.actor, analytics.Request{IDs: req.IDs, Period: p, By: c.by})
					if err != nil {
						t.Fatal(err)
					}
					alone[name] = map[string]*float64{}
					for _, r := range rs {
						alone[name][r.KPI+fmt.Sprint(r.Slice)] = r.Value
					}
				}
				if len(alone) != 3 {
					t.Fatalf("windows %v", windows)
				}
				checked := 0
				for _, cmp := range got {
					k := cmp.KPI + fmt.Sprint(cmp.Slice)
					for name, v := range map[string]*float64{"before": cmp.Before, "after": cmp.After, "year_earlier": cmp.YearEarlier} {
						want, ok := alone[name][k]
						if !ok {
							want = nil
						}
						if !same(v, want) {
							t.Errorf("%s %v %s: %s in the comparison, %s asked alone", cmp.KPI, cmp.Slice, name, show(v), show(want))
						}
						checked++
					}
				}
				if checked < 3*len(analytics.IDs()) {
					t.Fatalf("only %d figures compared", checked)
				}
			})
		}
	})
}

func addDays(d crm.Date, n int) crm.Date { return d.AddDays(n) }

func same(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b || math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}
