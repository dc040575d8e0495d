package analytics_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

var msk = func() *time.Location { l, _ := time.LoadLocation("Europe/Moscow"); return l }()

// salesFixture is a March 2026 hand-computed in the comments: the KPI.md example (23 won of 150
// leads) spread over two managers, with the edge cases around it.
type salesFixture struct {
	org  *testkit.Org
	svc  *crm.Service
	eng  *analytics.Engine
	ctx  context.Context
	pipe *crm.Pipeline
}

func newSalesFixture(t *testing.T, db *store.DB) *salesFixture {
	t.Helper()
	svc, clock := testkit.Service(db)
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	o := testkit.NewOrg(t, svc, "sales")
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	fx := &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx, pipe: ps[0]}
	p := fx.pipe
	won, lost := p.Stages[len(p.Stages)-2], p.Stages[len(p.Stages)-1]
	first := p.Stages[0]
	prod := &crm.Product{Name: "Тур", Price: 10_000_000, Cost: 6_000_000, Active: true}
	if err := svc.CreateProduct(ctx, admin, prod); err != nil {
		t.Fatal(err)
	}
	deal := func(who *crm.User, created time.Time, st *crm.Stage, closed time.Time, amount int64, items []crm.ItemInput) *crm.Deal {
		t.Helper()
		in := crm.DealCreate{Name: fmt.Sprintf("%s %s", who.Name, created), ResponsibleID: who.ID, CreatedAt: created, StageID: st.ID, Amount: amount, Items: items}
		if !closed.IsZero() {
			in.ClosedAt = closed
		}
		d, err := svc.CreateDeal(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	mar := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, msk) }
	// north1: 99 leads in March. 15 are won, the k-th after k days (1..15), each a tour of 100,000 ₽
	// costing 60,000 ₽; 5 are lost; one is won and then reopened (not won); 78 stay open.
	for k := 1; k <= 15; k++ {
		deal(o.North1, mar(1, 10), won, mar(1, 10).AddDate(0, 0, k), 0, []crm.ItemInput{{ProductID: prod.ID, Quantity: 1}})
	}
	for range 5 {
		deal(o.North1, mar(3, 12), lost, mar(20, 12), 3_000_000, nil)
	}
	re := deal(o.North1, mar(4, 12), won, mar(10, 12), 7_000_000, nil)
	if _, err := svc.UpdateDeal(ctx, admin, re.ID, crm.DealUpdate{StageID: &first.ID}); err != nil {
		t.Fatal(err)
	}
	for range 78 {
		deal(o.North1, mar(5, 9), first, time.Time{}, 1_000_000, nil)
	}
	// south1: 50 leads. 8 won after 2 days, 50,000 ₽ each without items (cost 0); 5 lost; 37 open.
	for range 8 {
		deal(o.South1, mar(2, 10), won, mar(4, 10), 5_000_000, nil)
	}
	for range 5 {
		deal(o.South1, mar(2, 11), lost, mar(25, 11), 2_000_000, nil)
	}
	for range 37 {
		deal(o.South1, mar(6, 9), first, time.Time{}, 0, nil)
	}
	// north2: one lead at 23:30 Moscow on 31 March (20:30 UTC: March) and one at 00:30 on 1 April
	// (21:30 UTC on 31 March, but April in Moscow).
	deal(o.North2, time.Date(2026, 3, 31, 23, 30, 0, 0, msk), first, time.Time{}, 0, nil)
	deal(o.North2, time.Date(2026, 4, 1, 0, 30, 0, 0, msk), first, time.Time{}, 0, nil)
	// A deleted deal counts nowhere.
	gone := deal(o.South1, mar(7, 9), won, mar(8, 9), 99_000_000, nil)
	if err := svc.DeleteDeal(ctx, admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *salesFixture) compute(t *testing.T, actor *crm.Actor, req analytics.Request) map[string]analytics.Result {
	t.Helper()
	rs, err := fx.eng.Compute(fx.ctx, actor, req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]analytics.Result{}
	for _, r := range rs {
		k := r.KPI + "|" + r.Bucket
		for _, d := range []string{"manager", "team", "pipeline", "channel"} {
			if v, ok := r.Slice[d]; ok {
				k += "|" + d + "=" + v
			}
		}
		out[k] = r
	}
	return out
}

func march(bucket analytics.Bucket) analytics.Period {
	return analytics.Period{From: crm.Date{Year: 2026, Month: 2, Day: 1}, To: crm.Date{Year: 2026, Month: 5, Day: 1}, Loc: msk}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func expect(t *testing.T, got map[string]analytics.Result, key string, value *float64, num, den *float64) {
	t.Helper()
	r, ok := got[key]
	if !ok {
		t.Errorf("%s: no result", key)
		return
	}
	same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || near(*a, *b)) }
	if !same(r.Value, value) || (num != nil && !same(r.Numerator, num)) || (den != nil && !same(r.Denominator, den)) {
		t.Errorf("%s = %s (%s / %s), want %s (%s / %s)", key, show(r.Value), show(r.Numerator), show(r.Denominator), show(value), show(num), show(den))
	}
}

func show(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%g", *v)
}

func f(v float64) *float64 { return &v }

func TestSalesKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newSalesFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		ids := []string{"leads", "won_deals", "lost_deals", "lead_conversion", "cohort_conversion", "win_rate", "revenue",
			"average_check", "margin", "margin_rate", "sales_cycle_days"}
		got := fx.compute(t, admin, analytics.Request{IDs: ids, Period: march(analytics.Month), Bucket: analytics.Month})

		// The KPI.md example: 23 won of 150 leads = 15.3 %.
		expect(t, got, "leads|2026-03", f(150), nil, nil)
		expect(t, got, "won_deals|2026-03", f(23), nil, nil)
		expect(t, got, "lead_conversion|2026-03", f(100*23.0/150), f(23), f(150))
		expect(t, got, "cohort_conversion|2026-03", f(100*23.0/150), f(23), f(150))
		expect(t, got, "lost_deals|2026-03", f(10), nil, nil)
		expect(t, got, "win_rate|2026-03", f(100*23.0/33), f(23), f(33))
		// 15 × 100,000 ₽ + 8 × 50,000 ₽, in kopecks; margin 15 × 40,000 ₽ + 8 × 50,000 ₽.
		expect(t, got, "revenue|2026-03", f(190_000_000), nil, nil)
		expect(t, got, "average_check|2026-03", f(190_000_000.0/23), f(190_000_000), f(23))
		expect(t, got, "margin|2026-03", f(100_000_000), nil, nil)
		expect(t, got, "margin_rate|2026-03", f(100*100.0/190), f(100_000_000), f(190_000_000))
		// Days to win: 1..15 and eight 2s; sorted, the 12th of 23 is 4; the mean is 136/23.
		expect(t, got, "sales_cycle_days|2026-03", f(4), f(136), f(23))

		// The lead at 00:30 on 1 April, Moscow time, is April's.
		expect(t, got, "leads|2026-04", f(1), nil, nil)
		// An empty month: no leads, and ratios that do not exist.
		expect(t, got, "leads|2026-02", f(0), nil, nil)
		expect(t, got, "lead_conversion|2026-02", nil, f(0), f(0))
		expect(t, got, "average_check|2026-02", nil, nil, nil)
		expect(t, got, "sales_cycle_days|2026-02", nil, nil, nil)

		// By manager, as the admin sees it; the totals come too.
		byMgr := fx.compute(t, admin, analytics.Request{IDs: ids, Period: march(analytics.Month), Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "leads|2026-03|manager=north1", f(99), nil, nil)
		expect(t, byMgr, "leads|2026-03|manager=south1", f(50), nil, nil)
		expect(t, byMgr, "leads|2026-03|manager=north2", f(1), nil, nil)
		expect(t, byMgr, "lead_conversion|2026-03|manager=north1", f(100*15.0/99), f(15), f(99))
		expect(t, byMgr, "sales_cycle_days|2026-03|manager=north1", f(8), f(120), f(15))
		expect(t, byMgr, "sales_cycle_days|2026-03|manager=south1", f(2), f(16), f(8))
		expect(t, byMgr, "revenue|2026-03|manager=south1", f(40_000_000), nil, nil)
		expect(t, byMgr, "leads|2026-03", f(150), nil, nil)

		// By team: North = north1 + north2.
		byTeam := fx.compute(t, admin, analytics.Request{IDs: []string{"leads", "won_deals"}, Period: march(analytics.Month), Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByTeam}})
		expect(t, byTeam, "leads|2026-03|team=North", f(100), nil, nil)
		expect(t, byTeam, "won_deals|2026-03|team=South", f(8), nil, nil)

		// A manager gets their own figures; a head their team's.
		mine := fx.compute(t, fx.org.Actor(t, fx.org.South1), analytics.Request{IDs: ids, Period: march(analytics.Month), Bucket: analytics.Month})
		expect(t, mine, "leads|2026-03", f(50), nil, nil)
		expect(t, mine, "revenue|2026-03", f(40_000_000), nil, nil)
		team := fx.compute(t, fx.org.Actor(t, fx.org.NorthHead), analytics.Request{IDs: ids, Period: march(analytics.Month), Bucket: analytics.Month})
		expect(t, team, "leads|2026-03", f(100), nil, nil)
		expect(t, team, "won_deals|2026-03", f(15), nil, nil)

		// A filter narrows every figure.
		only := fx.compute(t, admin, analytics.Request{IDs: []string{"leads"}, Period: march(analytics.Month), Bucket: analytics.Month,
			Filter: analytics.Filter{ManagerID: fx.org.South1.ID}})
		expect(t, only, "leads|2026-03", f(50), nil, nil)

		// Additive KPIs sum over a slice to the total.
		for _, id := range []string{"leads", "won_deals", "lost_deals", "revenue", "margin"} {
			var sum float64
			for k, r := range byMgr {
				if r.KPI == id && r.Bucket == "2026-03" && len(r.Slice) == 1 {
					sum += *r.Value
					_ = k
				}
			}
			if total := byMgr[id+"|2026-03"]; !near(sum, *total.Value) {
				t.Errorf("%s: slices sum to %g, the total is %g", id, sum, *total.Value)
			}
		}

		// A manager deactivated (a leaver) keeps their history: their March stays theirs.
		off := false
		if _, err := fx.svc.UpdateUser(fx.ctx, admin, fx.org.South1.ID, crm.UserUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		after := fx.compute(t, admin, analytics.Request{IDs: ids, Period: march(analytics.Month), Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, after, "leads|2026-03|manager=south1", f(50), nil, nil)
		expect(t, after, "revenue|2026-03|manager=south1", f(40_000_000), nil, nil)
		expect(t, after, "leads|2026-03", f(150), nil, nil)
	})
}

func TestKPIRequestErrors(t *testing.T) {
	db := testkit.OpenSQLite(t)
	svc, _ := testkit.Service(db)
	o := testkit.NewOrg(t, svc, "errs")
	eng := analytics.NewEngine(db)
	_, err := eng.Compute(context.Background(), o.Actor(t, o.Admin), analytics.Request{IDs: []string{"win_rate", "happiness"},
		By: []analytics.Dimension{"planet"}, Period: march(analytics.Month)})
	ce, ok := err.(*crm.Error)
	if !ok || ce.Code != crm.EINVALID || len(ce.Fields) != 2 {
		t.Fatalf("want EINVALID naming ids and by, got %v", err)
	}
}

// Before and after a go-live in the middle of March: 16 days each side, and the same 16 days a
// year earlier (empty).
func TestCompareGoLive(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newSalesFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		req := analytics.Request{IDs: []string{"leads", "won_deals", "win_rate"},
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}}
		cs, err := fx.eng.Compare(fx.ctx, admin, req, crm.Date{Year: 2026, Month: 3, Day: 16})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]analytics.Comparison{}
		for _, c := range cs {
			if len(c.Slice) == 0 {
				got[c.KPI] = c
			}
		}
		check := func(kpi string, before, after, deltaPct, year *float64) {
			t.Helper()
			c := got[kpi]
			same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || near(*a, *b)) }
			if !same(c.Before, before) || !same(c.After, after) || !same(c.DeltaPct, deltaPct) || !same(c.YearEarlier, year) {
				t.Errorf("%s: before %s after %s Δ%% %s year earlier %s; want %s %s %s %s", kpi, show(c.Before), show(c.After),
					show(c.DeltaPct), show(c.YearEarlier), show(before), show(after), show(deltaPct), show(year))
			}
		}
		// Leads: 149 came in 1–7 March, one on 31 March.
		check("leads", f(149), f(1), f(-148.0/149*100), f(0))
		// Won: 14 of north1's and south1's 8 before the 16th; north1's 15th on the 16th.
		check("won_deals", f(22), f(1), f(-21.0/22*100), f(0))
		// Win rate: 22 of 22 before; after, 1 won and the 10 lost (on the 20th and 25th).
		check("win_rate", f(100), f(100.0/11), f((100.0/11-100)/100*100), nil)
		c := got["leads"]
		if c.Windows["before"] != "2026-02-28..2026-03-16" || c.Windows["year_earlier"] != "2025-03-16..2025-04-01" || !c.Seasonal {
			t.Errorf("windows %v, seasonal %v", c.Windows, c.Seasonal)
		}
		if _, err := fx.eng.Compare(fx.ctx, admin, req, crm.Date{}); crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("no go-live date: %v", err)
		}
	})
}

// Upsells, repeat sales and the open pipeline on a small history computed by hand.
func TestUpsellRepeatAndPipelineKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		o := testkit.NewOrg(t, svc, "upsell")
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		ps, _ := svc.Pipelines(ctx, admin, false)
		st := ps[0].Stages // 0 Новая 10 %, 1 Квалификация 25 %, 2 КП 50 %, 3 Переговоры 75 %, 4 won, 5 lost
		c, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: "Клиент"})
		if err != nil {
			t.Fatal(err)
		}
		k := &crm.Company{Name: "ООО Клиент"}
		if _, err := svc.CreateCompany(ctx, admin, k); err != nil {
			t.Fatal(err)
		}
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, msk) }
		mk := func(in crm.DealCreate) {
			t.Helper()
			in.Name, in.ResponsibleID = fmt.Sprintf("deal %v", in.CreatedAt), o.North1.ID
			if _, err := svc.CreateDeal(ctx, admin, in); err != nil {
				t.Fatal(err)
			}
		}
		p80, p20 := int64(80), int64(20)
		// A1: the contact's first purchase, won 10 Jan, with an add-on of 20.
		mk(crm.DealCreate{ContactID: c.ID, CreatedAt: day(1, 5), StageID: st[4].ID, ClosedAt: day(1, 10),
			Items: []crm.ItemInput{{Name: "Тур", Quantity: 1, Price: &p80}, {Name: "Страховка", Quantity: 1, Price: &p20, Upsell: true}}})
		// A2: the same contact again, created after A1 was won: a repeat sale.
		mk(crm.DealCreate{ContactID: c.ID, CreatedAt: day(2, 1), StageID: st[4].ID, ClosedAt: day(2, 5), Amount: 50})
		// B1: the contact, but for their company: another client, its first purchase.
		mk(crm.DealCreate{ContactID: c.ID, CompanyID: k.ID, CreatedAt: day(2, 2), StageID: st[4].ID, ClosedAt: day(2, 6), Amount: 70})
		// A3: the contact, created before A1 was won: not a repeat sale; open at the end of January.
		mk(crm.DealCreate{ContactID: c.ID, CreatedAt: day(1, 8), StageID: st[4].ID, ClosedAt: day(2, 7), Amount: 30})
		// Open deals: O1 (Квалификация, 25 %) and O2 (КП, 50 %); O3 lost on 10 Feb.
		mk(crm.DealCreate{CreatedAt: day(1, 20), StageID: st[1].ID, Amount: 1000})
		mk(crm.DealCreate{CreatedAt: day(2, 15), StageID: st[2].ID, Amount: 2000})
		mk(crm.DealCreate{CreatedAt: day(1, 25), StageID: st[5].ID, ClosedAt: day(2, 10), Amount: 500})

		fx := &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
		got := fx.compute(t, admin, analytics.Request{IDs: []string{"upsell_deals", "upsell_revenue", "upsell_rate", "repeat_sales",
			"open_pipeline", "weighted_pipeline", "won_deals"},
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 1, Day: 1}, To: crm.Date{Year: 2026, Month: 3, Day: 1}, Loc: msk},
			Bucket: analytics.Month})
		expect(t, got, "upsell_deals|2026-01", f(1), nil, nil)
		expect(t, got, "upsell_revenue|2026-01", f(20), nil, nil)
		expect(t, got, "upsell_rate|2026-01", f(100), f(1), f(1))
		expect(t, got, "upsell_rate|2026-02", f(0), f(0), f(3))
		expect(t, got, "repeat_sales|2026-01", f(0), nil, nil)
		expect(t, got, "repeat_sales|2026-02", f(1), nil, nil)
		// End of January: O1, O3 (lost only in February) and A3 (won only in February) were open.
		// Weighted by the current stage: 1000 × 25 % + 500 × 0 % + 30 × 100 %.
		expect(t, got, "open_pipeline|2026-01", f(1530), f(1530), f(3))
		expect(t, got, "weighted_pipeline|2026-01", f(280), f(280), f(1530))
		// End of February: O1 and O2.
		expect(t, got, "open_pipeline|2026-02", f(3000), f(3000), f(2))
		expect(t, got, "weighted_pipeline|2026-02", f(1250), f(1250), f(3000))
	})
}

// Response times and uncontacted leads, by hand: first touches after 30, 120, 1560 and 50 minutes
// (median 85), three leads without a touch within 24 hours.
func TestSpeedKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		o := testkit.NewOrg(t, svc, "speed")
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, msk) }
		contact := func(name string) int64 {
			c, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		lead := func(created time.Time, contactID int64) int64 {
			d, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "lead", ResponsibleID: o.North1.ID, CreatedAt: created, ContactID: contactID})
			if err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		log := func(kind, dir string, dealID, contactID int64, when time.Time) {
			t.Helper()
			if err := svc.LogActivity(ctx, admin, &crm.Activity{Kind: kind, Direction: dir, DealID: dealID, ContactID: contactID,
				UserID: o.North1.ID, At: when}); err != nil {
				t.Fatal(err)
			}
		}
		l1 := lead(at(2, 10, 0), 0)
		log("call", "out", l1, 0, at(2, 10, 30)) // 30 min
		l2 := lead(at(2, 11, 0), 0)
		log("call", "in", l2, 0, at(2, 11, 5))   // inbound: not a touch
		log("email", "out", l2, 0, at(2, 13, 0)) // 120 min
		lead(at(3, 9, 0), 0)                     // L3: never touched
		c4 := contact("C4")
		lead(at(3, 10, 0), c4)
		log("call", "out", 0, c4, at(4, 12, 0)) // on the client, 26 h later: 1560 min, past the SLA
		l5 := lead(at(5, 10, 0), 0)
		log("note", "", l5, 0, at(5, 10, 10))    // a note: not a touch
		log("meeting", "", l5, 0, at(5, 10, 50)) // 50 min
		c6 := contact("C6")
		log("call", "out", 0, c6, at(1, 9, 0)) // before the lead came in: does not count
		lead(at(6, 10, 0), c6)

		fx := &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
		got := fx.compute(t, admin, analytics.Request{IDs: []string{"lead_response_minutes", "uncontacted_leads", "leads"},
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 5, Day: 1}, Loc: msk},
			Bucket: analytics.Month})
		expect(t, got, "leads|2026-03", f(6), nil, nil)
		expect(t, got, "lead_response_minutes|2026-03", f(85), f(30+120+1560+50), f(4))
		expect(t, got, "uncontacted_leads|2026-03", f(3), f(3), f(6))
		expect(t, got, "lead_response_minutes|2026-04", nil, nil, f(0))
		expect(t, got, "uncontacted_leads|2026-04", f(0), f(0), f(0))
	})
}

// Marketing: 31,000 spent on channel A over 20 Jan – 9 Feb splits 17,714 / 13,286 by day (the
// KPI.md example of pro-rating); B spends 1,000 in February.
func TestMarketingKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		o := testkit.NewOrg(t, svc, "mkt")
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		a, _ := svc.CreateChannel(ctx, admin, "A")
		b, _ := svc.CreateChannel(ctx, admin, "B")
		for _, e := range []*crm.SpendEntry{
			{ChannelID: a.ID, StartsOn: crm.Date{Year: 2026, Month: 1, Day: 20}, EndsOn: crm.Date{Year: 2026, Month: 2, Day: 9}, Amount: 31000},
			{ChannelID: b.ID, StartsOn: crm.Date{Year: 2026, Month: 2, Day: 1}, EndsOn: crm.Date{Year: 2026, Month: 2, Day: 28}, Amount: 1000},
		} {
			if err := svc.AddSpend(ctx, admin, e); err != nil {
				t.Fatal(err)
			}
		}
		ps, _ := svc.Pipelines(ctx, admin, false)
		won := ps[0].Stages[4]
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, msk) }
		mk := func(ch int64, created time.Time, in crm.DealCreate) {
			t.Helper()
			in.Name, in.ResponsibleID, in.ChannelID, in.CreatedAt = "lead", o.North1.ID, ch, created
			if _, err := svc.CreateDeal(ctx, admin, in); err != nil {
				t.Fatal(err)
			}
		}
		mk(a.ID, day(1, 21), crm.DealCreate{})
		mk(a.ID, day(1, 25), crm.DealCreate{})
		price, cost := int64(50000), int64(20000)
		mk(a.ID, day(2, 3), crm.DealCreate{StageID: won.ID, ClosedAt: day(2, 6), Items: []crm.ItemInput{{Name: "Тур", Quantity: 1, Price: &price, Cost: &cost}}})
		for range 4 {
			mk(b.ID, day(2, 10), crm.DealCreate{})
		}
		fx := &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
		ids := []string{"marketing_spend", "cost_per_lead", "cost_per_sale", "romi"}
		period := analytics.Period{From: crm.Date{Year: 2026, Month: 1, Day: 1}, To: crm.Date{Year: 2026, Month: 3, Day: 1}, Loc: msk}
		got := fx.compute(t, admin, analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month})
		expect(t, got, "marketing_spend|2026-01", f(17714), nil, nil)
		expect(t, got, "marketing_spend|2026-02", f(14286), nil, nil)
		expect(t, got, "cost_per_lead|2026-01", f(8857), f(17714), f(2))
		expect(t, got, "cost_per_lead|2026-02", f(14286.0/5), f(14286), f(5))
		byCh := fx.compute(t, admin, analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByChannel}})
		expect(t, byCh, "marketing_spend|2026-02|channel=A", f(13286), nil, nil)
		expect(t, byCh, "cost_per_sale|2026-02|channel=A", f(13286), f(13286), f(1))
		expect(t, byCh, "romi|2026-02|channel=A", f((30000.0-13286)/13286*100), f(30000-13286), f(13286))
		expect(t, byCh, "cost_per_lead|2026-02|channel=B", f(250), f(1000), f(4))
		expect(t, byCh, "cost_per_sale|2026-02|channel=B", nil, f(1000), f(0))
		expect(t, byCh, "romi|2026-02|channel=B", f(-100), f(-1000), f(1000))
		expect(t, byCh, "marketing_spend|2026-01|channel=B", f(0), nil, nil)
		// Spend is the account's: not a manager's, not in a manager's slice.
		mine := fx.compute(t, o.Actor(t, o.North1), analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month})
		expect(t, mine, "marketing_spend|2026-01", nil, nil, nil)
		byMgr := fx.compute(t, admin, analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "marketing_spend|2026-01|manager=north1", nil, nil, nil)
		expect(t, byMgr, "marketing_spend|2026-01", f(17714), nil, nil)

		// The channels report: a row per channel over the whole period, the total first.
		rep, err := fx.eng.Report(ctx, admin, "channels", analytics.ReportRequest{Period: period})
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]analytics.Row{}
		for _, r := range rep.Rows {
			rows[r["channel"].(string)] = r
		}
		if len(rep.Rows) != 3 || rep.Rows[0]["channel"] != "(all)" {
			t.Fatalf("channels report rows: %v", rep.Rows)
		}
		for ch, want := range map[string]map[string]float64{
			"(all)": {"marketing_spend": 32000, "leads": 7, "won_deals": 1, "margin": 30000, "cost_per_sale": 32000},
			"A":     {"marketing_spend": 31000, "leads": 3, "cost_per_lead": 31000.0 / 3, "romi": (30000.0 - 31000) / 31000 * 100},
			"B":     {"marketing_spend": 1000, "leads": 4, "won_deals": 0, "romi": -100},
		} {
			for col, v := range want {
				got, _ := rows[ch][col].(*float64)
				if got == nil || !near(*got, v) {
					t.Errorf("channels report %s %s = %s, want %v", ch, col, show(got), v)
				}
			}
		}
		// A's sale has no client: no new customer, so no CAC (TestCAC has the figures).
		if nc, _ := rows["A"]["new_customers"].(*float64); nc == nil || *nc != 0 {
			t.Errorf("channels report: new customers of A = %s, want 0", show(nc))
		}
		if cac, _ := rows["A"]["cac"].(*float64); cac != nil {
			t.Errorf("channels report: CAC of A without a customer = %v, want null", *cac)
		}
		if got, _ := rows["B"]["cost_per_sale"].(*float64); got != nil {
			t.Errorf("cost per sale of a channel with no sale = %v, want null", *got)
		}
		if _, err := fx.eng.Report(ctx, admin, "gossip", analytics.ReportRequest{Period: period}); err == nil {
			t.Error("an unknown report was computed")
		}
	})
}

// A cached figure is never stale after a write: the second answer of the same request sees the
// deal created between the two.
func TestCacheInvalidatedByWrites(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		o := testkit.NewOrg(t, svc, "cache")
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		fx := &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
		req := analytics.Request{IDs: []string{"leads"}, Period: march(analytics.None)}
		mk := func() {
			t.Helper()
			if _, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "lead", ResponsibleID: o.North1.ID, CreatedAt: time.Date(2026, 3, 2, 12, 0, 0, 0, msk)}); err != nil {
				t.Fatal(err)
			}
		}
		mk()
		expect(t, fx.compute(t, admin, req), "leads|2026-02-01..2026-05-01", f(1), nil, nil)
		expect(t, fx.compute(t, admin, req), "leads|2026-02-01..2026-05-01", f(1), nil, nil)
		mk()
		expect(t, fx.compute(t, admin, req), "leads|2026-02-01..2026-05-01", f(2), nil, nil)
		// Each viewer has their own answer: a manager of the other team sees none of them.
		expect(t, fx.compute(t, o.Actor(t, o.South1), req), "leads|2026-02-01..2026-05-01", f(0), nil, nil)
		expect(t, fx.compute(t, admin, req), "leads|2026-02-01..2026-05-01", f(2), nil, nil)
	})
}
