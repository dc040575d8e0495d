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

// plansFixture, March – April 2026 in Moscow, computed by hand.
//
// Plans (revenue / margin):
//
//	March: account 1,000,000 / 400,000; team North 600,000 / 240,000, team South 400,000 / 160,000;
//	  north1 350,000 / 140,000, north2 250,000 / 100,000, south1 300,000 / 120,000, south2 none.
//	April: no account plan; team North 620,000 / 200,000, no South plan; north1 310,000 / 100,000,
//	  north2 310,000 / 100,000, south1 200,000 / 80,000, south2 100,000 / 40,000.
//
// Won deals (price / cost):
//
//	north1: 5 Mar 2 × 200,000 / 120,000; 10 Apr 155,000 / 55,000.
//	north2: 20 Mar 150,000 / 90,000; 31 Mar 23:30 MSK 100,000 / 50,000 (March);
//	  1 Apr 00:30 MSK 60,000 / 30,000 (April in Moscow, March in UTC).
//	south1: 10 Mar 300,000 / 200,000.  south2: 25 Mar 80,000 / 40,000.
func plansFixture(t *testing.T, db *store.DB) *salesFixture {
	t.Helper()
	svc, clock := testkit.Service(db)
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	o := testkit.NewOrg(t, svc, "plan")
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	won := ps[0].Stages[len(ps[0].Stages)-2]
	set := func(month time.Month, plans ...*crm.SalesPlan) {
		t.Helper()
		if err := svc.SetSalesPlans(ctx, admin, crm.Date{Year: 2026, Month: month, Day: 1}, plans); err != nil {
			t.Fatal(err)
		}
	}
	user := func(u *crm.User, rev, mar int64) *crm.SalesPlan {
		return &crm.SalesPlan{Scope: "user", ScopeID: u.ID, Revenue: rev, Margin: mar}
	}
	team := func(tm *crm.Team, rev, mar int64) *crm.SalesPlan {
		return &crm.SalesPlan{Scope: "team", ScopeID: tm.ID, Revenue: rev, Margin: mar}
	}
	set(3, &crm.SalesPlan{Scope: "account", Revenue: 1_000_000, Margin: 400_000},
		team(o.North, 600_000, 240_000), team(o.South, 400_000, 160_000),
		user(o.North1, 350_000, 140_000), user(o.North2, 250_000, 100_000), user(o.South1, 300_000, 120_000))
	set(4, team(o.North, 620_000, 200_000),
		user(o.North1, 310_000, 100_000), user(o.North2, 310_000, 100_000), user(o.South1, 200_000, 80_000), user(o.South2, 100_000, 40_000))
	win := func(who *crm.User, closed time.Time, price, cost int64) {
		t.Helper()
		if _, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "deal", ResponsibleID: who.ID, StageID: won.ID,
			CreatedAt: time.Date(2026, 2, 1, 12, 0, 0, 0, msk), ClosedAt: closed,
			Items: []crm.ItemInput{{Name: "Тур", Quantity: 1, Price: &price, Cost: &cost}}}); err != nil {
			t.Fatal(err)
		}
	}
	noon := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, msk) }
	win(o.North1, noon(3, 5), 200_000, 120_000)
	win(o.North1, noon(3, 5), 200_000, 120_000)
	win(o.North1, noon(4, 10), 155_000, 55_000)
	win(o.North2, noon(3, 20), 150_000, 90_000)
	win(o.North2, time.Date(2026, 3, 31, 23, 30, 0, 0, msk), 100_000, 50_000)
	win(o.North2, time.Date(2026, 4, 1, 0, 30, 0, 0, msk), 60_000, 30_000)
	win(o.South1, noon(3, 10), 300_000, 200_000)
	win(o.South2, noon(3, 25), 80_000, 40_000)
	return &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
}

func TestPlanFactKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := plansFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		ids := []string{"plan_fact_revenue", "plan_fact_margin"}
		months := analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 6, Day: 1}, Loc: msk}
		got := fx.compute(t, admin, analytics.Request{IDs: ids, Period: months, Bucket: analytics.Month})

		// March, the account's plan: revenue 400,000 + 250,000 + 300,000 + 80,000 = 1,030,000;
		// margin 160,000 + 110,000 + 100,000 + 40,000 = 410,000.
		expect(t, got, "plan_fact_revenue|2026-03", f(103), f(1_030_000), f(1_000_000))
		expect(t, got, "plan_fact_margin|2026-03", f(102.5), f(410_000), f(400_000))
		// April, no account plan: North's team plan + South's members' (no South plan):
		// 620,000 + 200,000 + 100,000 = 920,000; margin 200,000 + 80,000 + 40,000 = 320,000. Fact:
		// 155,000 + 60,000 (00:30 on 1 April, Moscow); margin 100,000 + 30,000.
		expect(t, got, "plan_fact_revenue|2026-04", f(100*215_000.0/920_000), f(215_000), f(920_000))
		expect(t, got, "plan_fact_margin|2026-04", f(100*130_000.0/320_000), f(130_000), f(320_000))
		// May: no plan at all.
		expect(t, got, "plan_fact_revenue|2026-05", nil, f(0), nil)

		byMgr := fx.compute(t, admin, analytics.Request{IDs: ids, Period: months, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "plan_fact_revenue|2026-03|manager=north1", f(100*400_000.0/350_000), f(400_000), f(350_000))
		expect(t, byMgr, "plan_fact_revenue|2026-03|manager=north2", f(100), f(250_000), f(250_000))
		expect(t, byMgr, "plan_fact_margin|2026-03|manager=north2", f(110), f(110_000), f(100_000))
		expect(t, byMgr, "plan_fact_revenue|2026-03|manager=south1", f(100), f(300_000), f(300_000))
		// south2 sold without a plan in March; in April had a plan and sold nothing.
		expect(t, byMgr, "plan_fact_revenue|2026-03|manager=south2", nil, f(80_000), nil)
		expect(t, byMgr, "plan_fact_revenue|2026-04|manager=south2", f(0), f(0), f(100_000))
		expect(t, byMgr, "plan_fact_revenue|2026-04|manager=north2", f(100*60_000.0/310_000), f(60_000), f(310_000))

		byTeam := fx.compute(t, admin, analytics.Request{IDs: ids, Period: months, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByTeam}})
		expect(t, byTeam, "plan_fact_revenue|2026-03|team=North", f(100*650_000.0/600_000), f(650_000), f(600_000))
		expect(t, byTeam, "plan_fact_margin|2026-03|team=South", f(87.5), f(140_000), f(160_000))
		// April, South has no team plan: its members' 200,000 + 100,000.
		expect(t, byTeam, "plan_fact_revenue|2026-04|team=South", f(0), f(0), f(300_000))
		expect(t, byTeam, "plan_fact_revenue|2026-04|team=North", f(100*215_000.0/620_000), f(215_000), f(620_000))

		// A period not aligned to months: 16 March – 15 April. March's plan for its last 16 of 31
		// days: 1,000,000 − ⌊1,000,000 × 15 / 31⌋ = 516,130; April's for its first 15 of 30 days:
		// 920,000 / 2 = 460,000. Fact: north2 150,000 + 100,000 + 60,000, south2 80,000, north1 155,000.
		part := fx.compute(t, admin, analytics.Request{IDs: ids,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 16}, To: crm.Date{Year: 2026, Month: 4, Day: 16}, Loc: msk}})
		expect(t, part, "plan_fact_revenue|2026-03-16..2026-04-16", f(100*545_000.0/976_130), f(545_000), f(976_130))

		// By week, March's plans split into the weeks add up exactly to the month's.
		weeks := fx.compute(t, admin, analytics.Request{IDs: ids, Bucket: analytics.Week,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}})
		var rev, mar float64
		n := 0
		for _, r := range weeks {
			if len(r.Slice) == 0 && r.Denominator != nil {
				if r.KPI == "plan_fact_revenue" {
					rev += *r.Denominator
					n++
				} else {
					mar += *r.Denominator
				}
			}
		}
		if rev != 1_000_000 || mar != 400_000 || n != 6 {
			t.Errorf("weekly plans add up to %g / %g over %d weeks, want 1,000,000 / 400,000 over 6", rev, mar, n)
		}

		// A manager's total is against their own plan; a head's against their team's.
		north1 := fx.compute(t, fx.org.Actor(t, fx.org.North1), analytics.Request{IDs: ids, Period: months, Bucket: analytics.Month})
		expect(t, north1, "plan_fact_revenue|2026-03", f(100*400_000.0/350_000), f(400_000), f(350_000))
		head := fx.compute(t, fx.org.Actor(t, fx.org.NorthHead), analytics.Request{IDs: ids, Period: months, Bucket: analytics.Month})
		expect(t, head, "plan_fact_revenue|2026-03", f(100*650_000.0/600_000), f(650_000), f(600_000))
		expect(t, head, "plan_fact_revenue|2026-04", f(100*215_000.0/620_000), f(215_000), f(620_000))
		// Filters: a manager's plan; a pipeline has no plan.
		one := fx.compute(t, admin, analytics.Request{IDs: ids, Period: months, Bucket: analytics.Month, Filter: analytics.Filter{ManagerID: fx.org.South1.ID}})
		expect(t, one, "plan_fact_revenue|2026-03", f(100), f(300_000), f(300_000))
		pipe := fx.compute(t, admin, analytics.Request{IDs: ids, Period: months, Bucket: analytics.Month, Filter: analytics.Filter{PipelineID: pipelineOf(t, fx)}})
		expect(t, pipe, "plan_fact_revenue|2026-03", nil, f(1_030_000), nil)
	})
}

func TestPlanFactReport(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := plansFixture(t, db)
		rep, err := fx.eng.Report(fx.ctx, fx.org.Actor(t, fx.org.Admin), "plan_fact", analytics.ReportRequest{
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}})
		if err != nil {
			t.Fatal(err)
		}
		type line struct {
			level, name                    string
			revPlan, rev, marPlan, mar, pf *float64
		}
		get := func(r analytics.Row, k string) *float64 { v, _ := r[k].(*float64); return v }
		var got []line
		for _, r := range rep.Rows {
			got = append(got, line{r["level"].(string), r["name"].(string), get(r, "revenue_plan"), get(r, "revenue"),
				get(r, "margin_plan"), get(r, "margin"), get(r, "plan_fact_revenue")})
		}
		// The total, the managers (by name; the heads and the administrator sold nothing and have no
		// plan, so they have no row), the teams.
		want := []line{
			{"total", "(all)", f(1_000_000), f(1_030_000), f(400_000), f(410_000), f(103)},
			{"manager", "north1", f(350_000), f(400_000), f(140_000), f(160_000), f(100 * 400_000.0 / 350_000)},
			{"manager", "north2", f(250_000), f(250_000), f(100_000), f(110_000), f(100)},
			{"manager", "south1", f(300_000), f(300_000), f(120_000), f(100_000), f(100)},
			{"manager", "south2", nil, f(80_000), nil, f(40_000), nil},
			{"team", "North", f(600_000), f(650_000), f(240_000), f(270_000), f(100 * 650_000.0 / 600_000)},
			{"team", "South", f(400_000), f(380_000), f(160_000), f(140_000), f(95)},
		}
		same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || near(*a, *b)) }
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d: %v", len(got), len(want), rep.Rows)
		}
		for i, w := range want {
			g := got[i]
			if g.level != w.level || g.name != w.name || !same(g.revPlan, w.revPlan) || !same(g.rev, w.rev) || !same(g.marPlan, w.marPlan) ||
				!same(g.mar, w.mar) || !same(g.pf, w.pf) {
				t.Errorf("row %d: %s %s plan %s fact %s margin plan %s fact %s %%%s; want %s %s %s %s %s %s %s", i, g.level, g.name,
					show(g.revPlan), show(g.rev), show(g.marPlan), show(g.mar), show(g.pf),
					w.level, w.name, show(w.revPlan), show(w.rev), show(w.marPlan), show(w.mar), show(w.pf))
			}
		}
	})
}
