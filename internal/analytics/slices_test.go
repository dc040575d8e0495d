package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// The product and client-type slices and the product, tag and client-type filters, on four
// deals of March 2026 (Moscow):
//
//	A north1, company X, Тур 100 (cost 60) + Страховка 10 (cost 2, add-on): won 5 Mar — X's first win
//	B north1, company X, Тур × 2 = 200 (cost 120), created 10 Mar: won 15 Mar — an existing client's deal
//	C south1, contact Y (no company), no items, 50, tag vip: won 20 Mar — a new client's deal
//	D south1, no client, Страховка 10: lost 25 Mar
//
// By product: Тур — 2 leads, 2 won, revenue 300, margin 120; Страховка — 2 leads, 1 won, revenue
// 10 (A's item, not A's 110), 1 lost, 1 add-on deal worth 10; (none) — C. By client type:
// existing — B: 1 lead, revenue 200; new — A, C, D: 3 leads, revenue 160.
func TestProductAndClientTypeSlices(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		o := testkit.NewOrg(t, svc, "slices")
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		tour := &crm.Product{Name: "Тур", Price: 100, Cost: 60, Active: true}
		ins := &crm.Product{Name: "Страховка", Price: 10, Cost: 2, Active: true}
		for _, p := range []*crm.Product{tour, ins} {
			if err := svc.CreateProduct(ctx, admin, p); err != nil {
				t.Fatal(err)
			}
		}
		x := &crm.Company{Name: "X"}
		if _, err := svc.CreateCompany(ctx, admin, x); err != nil {
			t.Fatal(err)
		}
		y, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: "Y"})
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := svc.Pipelines(ctx, admin, false)
		won, lost := ps[0].Stages[4], ps[0].Stages[5]
		day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, msk) }
		mk := func(in crm.DealCreate) {
			t.Helper()
			in.Name = "deal"
			if _, err := svc.CreateDeal(ctx, admin, in); err != nil {
				t.Fatal(err)
			}
		}
		mk(crm.DealCreate{ResponsibleID: o.North1.ID, CompanyID: x.ID, CreatedAt: day(1), StageID: won.ID, ClosedAt: day(5),
			Items: []crm.ItemInput{{ProductID: tour.ID, Quantity: 1}, {ProductID: ins.ID, Quantity: 1, Upsell: true}}})
		mk(crm.DealCreate{ResponsibleID: o.North1.ID, CompanyID: x.ID, CreatedAt: day(10), StageID: won.ID, ClosedAt: day(15),
			Items: []crm.ItemInput{{ProductID: tour.ID, Quantity: 2}}})
		mk(crm.DealCreate{ResponsibleID: o.South1.ID, ContactID: y.ID, CreatedAt: day(11), StageID: won.ID, ClosedAt: day(20), Amount: 50, Tags: []string{"vip"}})
		mk(crm.DealCreate{ResponsibleID: o.South1.ID, CreatedAt: day(12), StageID: lost.ID, ClosedAt: day(25),
			Items: []crm.ItemInput{{ProductID: ins.ID, Quantity: 1}}})

		fx := &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
		ids := []string{"leads", "won_deals", "lost_deals", "revenue", "margin", "upsell_deals", "upsell_revenue", "repeat_sales"}
		period := analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}
		get := func(by []analytics.Dimension, flt analytics.Filter) map[string]analytics.Result {
			t.Helper()
			rs, err := fx.eng.Compute(ctx, admin, analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month, By: by, Filter: flt})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]analytics.Result{}
			for _, r := range rs {
				k := r.KPI
				for _, d := range by {
					if v, ok := r.Slice[string(d)]; ok {
						k += "|" + v
					}
				}
				out[k] = r
			}
			return out
		}
		check := func(got map[string]analytics.Result, want map[string]float64) {
			t.Helper()
			for k, v := range want {
				r, ok := got[k]
				if !ok || r.Value == nil || !near(*r.Value, v) {
					t.Errorf("%s = %s, want %v", k, show(r.Value), v)
				}
			}
		}
		check(get(nil, analytics.Filter{}), map[string]float64{"leads": 4, "won_deals": 3, "revenue": 360, "margin": 178, "repeat_sales": 1})
		check(get([]analytics.Dimension{analytics.ByProduct}, analytics.Filter{}), map[string]float64{
			"leads|Тур": 2, "won_deals|Тур": 2, "revenue|Тур": 300, "margin|Тур": 120, "upsell_deals|Тур": 0,
			"leads|Страховка": 2, "won_deals|Страховка": 1, "lost_deals|Страховка": 1, "revenue|Страховка": 10, "margin|Страховка": 8,
			"upsell_deals|Страховка": 1, "upsell_revenue|Страховка": 10,
			"leads|(none)": 1, "revenue|(none)": 50,
		})
		check(get([]analytics.Dimension{analytics.ByClientType}, analytics.Filter{}), map[string]float64{
			"leads|existing": 1, "revenue|existing": 200, "repeat_sales|existing": 1,
			"leads|new": 3, "won_deals|new": 2, "revenue|new": 160, "lost_deals|new": 1, "repeat_sales|new": 0,
		})
		check(get(nil, analytics.Filter{ProductID: ins.ID}), map[string]float64{"leads": 2, "won_deals": 1, "lost_deals": 1, "revenue": 10})
		check(get(nil, analytics.Filter{ClientType: analytics.ClientExisting}), map[string]float64{"leads": 1, "revenue": 200})
		check(get(nil, analytics.Filter{Tag: "vip"}), map[string]float64{"leads": 1, "revenue": 50, "won_deals": 1})
		check(get([]analytics.Dimension{analytics.ByManager, analytics.ByProduct}, analytics.Filter{}), map[string]float64{
			"revenue|north1|Тур": 300, "revenue|north1|Страховка": 10, "lost_deals|south1|Страховка": 1, "revenue|south1|(none)": 50,
		})
		// Drill-down: the deals behind a figure, of a slice by its filter, within what the viewer sees.
		drill := func(actor *crm.Actor, kpi, part string, flt analytics.Filter) (int, []int64) {
			t.Helper()
			d, err := fx.eng.Records(ctx, actor, analytics.DrillRequest{KPI: kpi, Part: part, Period: period, Filter: flt})
			if err != nil {
				t.Fatal(err)
			}
			var amounts []int64
			for _, x := range d.Deals {
				amounts = append(amounts, x.Amount)
			}
			if d.Total != len(d.Deals) {
				t.Errorf("%s %s: total %d, listed %d", kpi, part, d.Total, len(d.Deals))
			}
			return d.Total, amounts
		}
		if n, a := drill(admin, "revenue", "", analytics.Filter{ProductID: ins.ID}); n != 1 || a[0] != 10 {
			t.Errorf("revenue of Страховка: %d deals %v, want A's item of 10", n, a)
		}
		if n, a := drill(admin, "repeat_sales", "", analytics.Filter{}); n != 1 || a[0] != 200 {
			t.Errorf("repeat sales: %d deals %v, want B", n, a)
		}
		if n, _ := drill(admin, "lead_conversion", "denominator", analytics.Filter{}); n != 4 {
			t.Errorf("leads behind the conversion: %d, want 4", n)
		}
		if n, a := drill(admin, "win_rate", "numerator", analytics.Filter{ClientType: analytics.ClientNew}); n != 2 || a[0]+a[1] != 160 {
			t.Errorf("won deals of new clients: %d %v, want A and C", n, a)
		}
		if n, a := drill(o.Actor(t, o.South1), "won_deals", "", analytics.Filter{}); n != 1 || a[0] != 50 {
			t.Errorf("south1 drills into %d won deals %v, want only their C", n, a)
		}
		if d, err := fx.eng.Records(ctx, admin, analytics.DrillRequest{KPI: "marketing_spend", Period: period}); err != nil || d.Kind != analytics.KindSpend || len(d.Deals) != 0 {
			t.Errorf("spend drills into %+v (%v), want its entries and no deals", d, err)
		}
		if _, err := fx.eng.Records(ctx, admin, analytics.DrillRequest{KPI: "revenue", Part: "denominator", Period: period}); err == nil {
			t.Error("revenue has no denominator, yet it was drilled into")
		}
		if _, err := fx.eng.Compute(ctx, admin, analytics.Request{IDs: ids, Period: period, Filter: analytics.Filter{ClientType: "old"}}); err == nil {
			t.Error("an unknown client type was accepted")
		}
	})
}
