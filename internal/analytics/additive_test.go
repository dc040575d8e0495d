package analytics

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// A sliced request adds the totals of the additive fact groups up from their slices, and has the
// median groups answer their totals and slices in one query (kpi.go). Here each additive group's
// slices, summed, and each median group's joint answer are checked against the group's own queries
// on a demo account: every dimension but product alone and two together, monthly buckets and a
// whole period, an administrator, a head of sales and a manager, with and without a filter, on
// both engines.
func TestAdditiveFactsSumToTheirTotals(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := testkit.Demo(t, db, 1500)
		admin, svc := acc.Admin, acc.Svc
		actors := []*crm.Actor{admin, acc.Head, acc.Manager}
		ps, _ := svc.Pipelines(ctx, admin, false)
		msk, _ := time.LoadLocation("Europe/Moscow")
		year := Period{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}, Loc: msk}
		e := NewEngine(db).Uncached()
		var bys [][]Dimension
		for _, d := range Dimensions {
			if d != ByProduct {
				bys = append(bys, []Dimension{d})
			}
		}
		bys = append(bys, []Dimension{ByManager, ByChannel})
		// Each additive group's slices, summed, against its totals; each median group's joint
		// answer against its slices and its totals asked alone.
		groups := slices.Concat(slices.Sorted(maps.Keys(additiveFacts)), slices.Sorted(maps.Keys(withTotalsFacts)))
		checked := 0
		for _, g := range groups {
			for ai, actor := range actors {
				for _, f := range []Filter{{}, {PipelineID: ps[0].ID}} {
					for _, spans := range [][]Span{year.Spans(Month), year.Spans(None)} {
						totals, err := e.facts(ctx, actor, g, spans, nil, f)
						if err != nil {
							t.Fatal(err)
						}
						if len(totals) == 0 && withTotalsFacts[g] {
							t.Errorf("%s, actor %d: no totals to compare", g, ai)
						}
						for _, by := range bys {
							if !supports(g, by, f) {
								continue
							}
							sliced, err := e.facts(ctx, actor, g, spans, by, f)
							if err != nil {
								t.Fatal(err)
							}
							where := fmt.Sprintf("%s, actor %d, filter %+v, %d spans, by %v", g, ai, f, len(spans), by)
							checked++
							if additiveFacts[g] {
								if diff := factsDiff(sumSlices(sliced), totals); diff != "" {
									t.Errorf("%s: the slices do not add up to the totals: %s", where, diff)
								}
								continue
							}
							both, err := e.factsWithTotals(ctx, actor, g, spans, by, f)
							if err != nil {
								t.Fatal(err)
							}
							if diff := factsDiff(both[0], sliced); diff != "" {
								t.Errorf("%s: slices with the totals differ from the slices alone: %s", where, diff)
							}
							if diff := factsDiff(both[1], totals); diff != "" {
								t.Errorf("%s: totals with the slices differ from the totals alone: %s", where, diff)
							}
						}
					}
				}
			}
		}
		if checked < len(groups)*len(actors)*2*2*4 {
			t.Fatalf("only %d comparisons", checked)
		}
	})
}

// factsDiff describes the first difference between two fact tables, "" when they agree (up to
// the rounding of fractional sums added in another order).
func factsDiff(got, want map[sliceKey]facts) string {
	keys := map[sliceKey]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	for k := range keys {
		g, w := got[k], want[k]
		names := map[string]bool{}
		for n := range g {
			names[n] = true
		}
		for n := range w {
			names[n] = true
		}
		for n := range names {
			gv, gok := g[n]
			wv, wok := w[n]
			// A fact absent from one side and 0 on the other reads the same to every KPI.
			if !gok && !wok || (gok != wok && gv+wv == 0) {
				continue
			}
			if gok != wok || math.Abs(gv-wv) > 1e-9*math.Max(1, math.Abs(wv)) {
				return fmt.Sprintf("bucket %d %s: %v (present %v) summed, %v (present %v) in totals", k.bucket, n, gv, gok, wv, wok)
			}
		}
	}
	return ""
}
