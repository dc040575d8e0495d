package analytics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// roiFixture: go-live on 1 March 2026, a 3-month baseline. A product sells at 10,000 ₽ and costs
// 4,000 ₽, so each unit won is 6,000 ₽ of margin (amount − cost, as the margin KPI). All in kopecks.
//
//	baseline: Dec 3 units (1,800,000), Jan none (0), Feb 2 units won at 23:30 on 28 Feb MSK
//	          (1,200,000): baseline = 3,000,000 / 3 = 1,000,000 a month
//	after:    Mar 2 units at 00:30 on 1 March MSK + 2 units at 23:30 on 31 March (2,400,000)
//	          Apr a deal of 10,000 ₽ without items (1,000,000), May 5 units (3,000,000),
//	          Jun 6 units (3,600,000); a lost and a deleted won deal count nowhere
//	costs:    implementation 2,000,000 one-off on 20 Feb; licence 500,000 monthly from 10 March
//	          through 31 May (charged 10 Mar, 1 Apr, 1 May); support 100,000 monthly from 15 June,
//	          open-ended (15 Jun, 1 Jul, …); a deleted cost counts nowhere
//
//	month  incremental  cumulative  TCO        ROI
//	Mar    1,400,000    1,400,000   2,500,000  −44 %
//	Apr    0            1,400,000   3,000,000  −53.3 %
//	May    2,000,000    3,400,000   3,500,000  −2.86 %  (payback not reached)
//	Jun    2,600,000    6,000,000   3,600,000  +66.7 %  payback: month 4
type roiFixture struct {
	org *testkit.Org
	svc *crm.Service
	eng *analytics.Engine
	ctx context.Context
}

func newROIFixture(t *testing.T, db *store.DB) *roiFixture {
	t.Helper()
	svc, clock := testkit.Service(db)
	o := testkit.NewOrg(t, svc, "roi")
	clock.T = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	fx := &roiFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
	st := crm.DefaultAccountSettings()
	st.BaselineMonths = 3
	goLive := crm.Date{Year: 2026, Month: 3, Day: 1}
	if _, err := svc.UpdateAccount(ctx, admin, crm.AccountUpdate{GoLiveDate: &goLive, Settings: &st}); err != nil {
		t.Fatal(err)
	}
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	won, lost := p.Stages[len(p.Stages)-2], p.Stages[len(p.Stages)-1]
	prod := &crm.Product{Name: "Тур", Price: 1_000_000, Cost: 400_000, Active: true}
	if err := svc.CreateProduct(ctx, admin, prod); err != nil {
		t.Fatal(err)
	}
	sell := func(who *crm.User, closed time.Time, units int64, amount int64, st *crm.Stage) *crm.Deal {
		t.Helper()
		in := crm.DealCreate{Name: "deal", ResponsibleID: who.ID, StageID: st.ID, CreatedAt: closed.AddDate(0, 0, -10), ClosedAt: closed, Amount: amount}
		if units > 0 {
			in.Items = []crm.ItemInput{{ProductID: prod.ID, Quantity: units}}
		}
		d, err := svc.CreateDeal(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	day := func(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, msk) }
	sell(o.North1, day(2025, 12, 10, 12, 0), 3, 0, won)
	sell(o.South1, day(2026, 2, 28, 23, 30), 2, 0, won)
	sell(o.North1, day(2026, 3, 1, 0, 30), 2, 0, won)
	sell(o.South1, day(2026, 3, 31, 23, 30), 2, 0, won)
	sell(o.North1, day(2026, 4, 15, 12, 0), 0, 1_000_000, won)
	sell(o.North1, day(2026, 5, 15, 12, 0), 5, 0, won)
	sell(o.North1, day(2026, 5, 16, 12, 0), 0, 9_000_000, lost)
	gone := sell(o.North1, day(2026, 5, 17, 12, 0), 0, 9_000_000, won)
	if err := svc.DeleteDeal(ctx, admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	sell(o.South1, day(2026, 6, 20, 12, 0), 6, 0, won)
	cost := func(c *crm.CRMCost) *crm.CRMCost {
		t.Helper()
		if err := svc.AddCost(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	cost(&crm.CRMCost{Category: "implementation", IncurredOn: crm.Date{Year: 2026, Month: 2, Day: 20}, Amount: 2_000_000})
	cost(&crm.CRMCost{Category: "licence", Recurrence: "monthly", IncurredOn: crm.Date{Year: 2026, Month: 3, Day: 10},
		EndsOn: crm.Date{Year: 2026, Month: 5, Day: 31}, Amount: 500_000})
	cost(&crm.CRMCost{Category: "support", Recurrence: "monthly", IncurredOn: crm.Date{Year: 2026, Month: 6, Day: 15}, Amount: 100_000})
	dropped := cost(&crm.CRMCost{Category: "hardware", IncurredOn: crm.Date{Year: 2026, Month: 3, Day: 5}, Amount: 7_000_000})
	if err := svc.DeleteCost(ctx, admin, dropped.ID); err != nil {
		t.Fatal(err)
	}
	return fx
}

func period(y1 int, m1 time.Month, d1 int, y2 int, m2 time.Month, d2 int) analytics.Period {
	return analytics.Period{From: crm.Date{Year: y1, Month: m1, Day: d1}, To: crm.Date{Year: y2, Month: m2, Day: d2}, Loc: msk}
}

func TestCRMROI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newROIFixture(t, db)
		o := fx.org
		admin := o.Actor(t, o.Admin)
		ids := []string{"tco", "crm_roi", "payback_month"}
		sf := &salesFixture{eng: fx.eng, ctx: fx.ctx}
		got := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 2, 1, 2026, 7, 1), Bucket: analytics.Month})

		// February ends at go-live: TCO (the implementation), no ROI yet.
		expect(t, got, "tco|2026-02", f(2_000_000), nil, nil)
		expect(t, got, "crm_roi|2026-02", nil, nil, nil)
		expect(t, got, "payback_month|2026-02", nil, nil, nil)
		expect(t, got, "tco|2026-03", f(2_500_000), nil, nil)
		expect(t, got, "crm_roi|2026-03", f(100*(1_400_000-2_500_000)/2_500_000.0), f(1_400_000-2_500_000), f(2_500_000))
		expect(t, got, "crm_roi|2026-04", f(100*(1_400_000-3_000_000)/3_000_000.0), f(-1_600_000), f(3_000_000))
		expect(t, got, "tco|2026-05", f(3_500_000), nil, nil)
		expect(t, got, "crm_roi|2026-05", f(100*(3_400_000-3_500_000)/3_500_000.0), f(-100_000), f(3_500_000))
		expect(t, got, "payback_month|2026-05", nil, nil, nil)
		expect(t, got, "tco|2026-06", f(3_600_000), nil, nil)
		expect(t, got, "crm_roi|2026-06", f(100*(6_000_000-3_600_000)/3_600_000.0), f(2_400_000), f(3_600_000))
		expect(t, got, "payback_month|2026-06", f(4), f(6_000_000), f(3_600_000))

		// One period through May: not paid back (null); through June: month 4.
		may := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 6, 1)})
		expect(t, may, "payback_month|2026-03-01..2026-06-01", nil, nil, nil)
		expect(t, may, "crm_roi|2026-03-01..2026-06-01", f(100*(3_400_000-3_500_000)/3_500_000.0), f(-100_000), f(3_500_000))

		// A period ending mid-March: margin 1,200,000 so far; the baseline accrues 15 of 31 days;
		// TCO 2,000,000 + the licence charged on the 10th.
		mid := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 3, 16)})
		inc := 1_200_000 - 1_000_000*15/31.0
		expect(t, mid, "crm_roi|2026-03-01..2026-03-16", f(100*(inc-2_500_000)/2_500_000), f(inc-2_500_000), f(2_500_000))
		// The licence is charged on the 10th: TCO on the 10th excludes it, on the 11th includes it.
		d10 := sf.compute(t, admin, analytics.Request{IDs: []string{"tco"}, Period: period(2026, 3, 9, 2026, 3, 11), Bucket: analytics.Day})
		expect(t, d10, "tco|2026-03-09", f(2_000_000), nil, nil)
		expect(t, d10, "tco|2026-03-10", f(2_500_000), nil, nil)

		// Account figures: null for a head and a manager, under a filter; no sliced rows.
		for _, u := range []*crm.User{o.NorthHead, o.North1} {
			theirs := sf.compute(t, o.Actor(t, u), analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 7, 1)})
			expect(t, theirs, "tco|2026-03-01..2026-07-01", nil, nil, nil)
			expect(t, theirs, "crm_roi|2026-03-01..2026-07-01", nil, nil, nil)
		}
		filtered := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 7, 1), Filter: analytics.Filter{ManagerID: o.North1.ID}})
		expect(t, filtered, "crm_roi|2026-03-01..2026-07-01", nil, nil, nil)
		sliced := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 7, 1), By: []analytics.Dimension{analytics.ByManager}})
		for k := range sliced {
			if k != "tco|2026-03-01..2026-07-01" && k != "crm_roi|2026-03-01..2026-07-01" && k != "payback_month|2026-03-01..2026-07-01" {
				t.Errorf("a sliced ROI figure: %s", k)
			}
		}

		// The month-by-month report.
		rep, err := fx.eng.Report(fx.ctx, admin, "crm_roi", analytics.ReportRequest{Period: period(2026, 3, 1, 2026, 7, 1)})
		if err != nil {
			t.Fatal(err)
		}
		type line struct {
			month, phase                    string
			margin, base, inc, cum, tm, tco float64
			payback                         bool
		}
		want := []line{
			{"2025-12", "baseline", 1_800_000, 0, 0, 0, 0, 0, false},
			{"2026-01", "baseline", 0, 0, 0, 0, 0, 0, false},
			{"2026-02", "baseline", 1_200_000, 0, 0, 0, 0, 0, false},
			{"2026-03", "after", 2_400_000, 1_000_000, 1_400_000, 1_400_000, 500_000, 2_500_000, false},
			{"2026-04", "after", 1_000_000, 1_000_000, 0, 1_400_000, 500_000, 3_000_000, false},
			{"2026-05", "after", 3_000_000, 1_000_000, 2_000_000, 3_400_000, 500_000, 3_500_000, false},
			{"2026-06", "after", 3_600_000, 1_000_000, 2_600_000, 6_000_000, 100_000, 3_600_000, true},
		}
		if len(rep.Rows) != len(want) {
			t.Fatalf("report rows: %v", rep.Rows)
		}
		for i, w := range want {
			r := rep.Rows[i]
			if r["month"] != w.month || r["phase"] != w.phase || !near(r["margin"].(float64), w.margin) || r["payback"] != w.payback {
				t.Errorf("row %d = %v, want %+v", i, r, w)
			}
			if w.phase == "after" && (!near(r["baseline"].(float64), w.base) || !near(r["incremental"].(float64), w.inc) ||
				!near(r["incremental_cumulative"].(float64), w.cum) || !near(r["tco_month"].(float64), w.tm) || !near(r["tco"].(float64), w.tco)) {
				t.Errorf("row %d = %v, want %+v", i, r, w)
			}
		}
		if _, err := fx.eng.Report(fx.ctx, o.Actor(t, o.North1), "crm_roi", analytics.ReportRequest{Period: period(2026, 3, 1, 2026, 7, 1)}); crm.ErrorCode(err) != crm.EFORBIDDEN {
			t.Errorf("a manager's crm_roi report: %v, want forbidden", err)
		}

		// Without a won deal in the baseline months there is no baseline: a go-live on 1 February
		// with one month of baseline (January, empty) gives no ROI and no payback; TCO stays.
		st := crm.DefaultAccountSettings()
		st.BaselineMonths = 1
		feb := crm.Date{Year: 2026, Month: 2, Day: 1}
		if _, err := fx.svc.UpdateAccount(fx.ctx, admin, crm.AccountUpdate{GoLiveDate: &feb, Settings: &st}); err != nil {
			t.Fatal(err)
		}
		none := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 7, 1)})
		expect(t, none, "crm_roi|2026-03-01..2026-07-01", nil, nil, nil)
		expect(t, none, "payback_month|2026-03-01..2026-07-01", nil, nil, nil)
		expect(t, none, "tco|2026-03-01..2026-07-01", f(3_600_000), nil, nil)
		// Without a go-live date: TCO only.
		var zero crm.Date
		if _, err := fx.svc.UpdateAccount(fx.ctx, admin, crm.AccountUpdate{GoLiveDate: &zero}); err != nil {
			t.Fatal(err)
		}
		unset := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 7, 1)})
		expect(t, unset, "crm_roi|2026-03-01..2026-07-01", nil, nil, nil)
		expect(t, unset, "tco|2026-03-01..2026-07-01", f(3_600_000), nil, nil)
	})
}

// The seasonal baseline (the account's seasonal_baseline setting): go-live on 1 March 2026, a
// 3-month baseline, deals without items (margin = amount), one cost of 700,000 on 20 Feb 2026.
//
//	a year earlier:  Dec 2024 900,000, Jan 2025 1,000,000, Feb 2025 1,100,000 → mean 1,000,000
//	season:          Mar 2025 2,000,000, Apr 2025 500,000, May–Nov 2025 nothing
//	baseline:        Dec 2025, Jan 2026, Feb 2026 1,200,000 each → 1,200,000 a month
//	after:           Mar 2026 3,000,000 (10 Mar), Apr 2026 1,500,000 (20 Apr), May 2026 400,000
//
//	month  S     baseline   incremental  cumulative   (plain baseline: 1,200,000 a month)
//	Mar    2     2,400,000  600,000      600,000      1,800,000
//	Apr    0.5   600,000    900,000      1,500,000    2,100,000
//	May    0     0          400,000      1,900,000    1,300,000
//
// ROI at the end of April: (1,500,000 − 700,000) / 700,000 = 114.29 % (plain: 200 %); payback in
// month 2 (plain: month 1). Mid-April (to 16 Apr): 15 of April's 30 days accrue 300,000 and
// nothing was won yet: 600,000 − 300,000 = 300,000, ROI −57.14 %.
func TestCRMROISeasonal(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "season")
		clock.T = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		settings := func(seasonal bool, goLive crm.Date) {
			t.Helper()
			st := crm.DefaultAccountSettings()
			st.BaselineMonths, st.SeasonalBaseline = 3, seasonal
			if _, err := svc.UpdateAccount(ctx, admin, crm.AccountUpdate{GoLiveDate: &goLive, Settings: &st}); err != nil {
				t.Fatal(err)
			}
		}
		settings(true, crm.Date{Year: 2026, Month: 3, Day: 1})
		ps, _ := svc.Pipelines(ctx, admin, false)
		won := ps[0].Stages[len(ps[0].Stages)-2]
		for _, s := range []struct {
			y      int
			m      time.Month
			d      int
			amount int64
		}{
			{2024, 12, 5, 900_000}, {2025, 1, 5, 1_000_000}, {2025, 2, 5, 1_100_000},
			{2025, 3, 5, 2_000_000}, {2025, 4, 5, 500_000},
			{2025, 12, 5, 1_200_000}, {2026, 1, 5, 1_200_000}, {2026, 2, 5, 1_200_000},
			{2026, 3, 10, 3_000_000}, {2026, 4, 20, 1_500_000}, {2026, 5, 5, 400_000},
		} {
			closed := time.Date(s.y, s.m, s.d, 12, 0, 0, 0, msk)
			if _, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "тур", ResponsibleID: o.North1.ID, StageID: won.ID,
				CreatedAt: closed.AddDate(0, 0, -3), ClosedAt: closed, Amount: s.amount}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.AddCost(ctx, admin, &crm.CRMCost{Category: "implementation", IncurredOn: crm.Date{Year: 2026, Month: 2, Day: 20}, Amount: 700_000}); err != nil {
			t.Fatal(err)
		}
		eng := analytics.NewEngine(db)
		sf := &salesFixture{eng: eng, ctx: ctx}
		ids := []string{"crm_roi", "payback_month"}

		got := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 5, 1)})
		expect(t, got, "crm_roi|2026-03-01..2026-05-01", f(100*(1_500_000-700_000)/700_000.0), f(800_000), f(700_000))
		expect(t, got, "payback_month|2026-03-01..2026-05-01", f(2), f(1_500_000), f(700_000))
		mid := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 4, 16)})
		expect(t, mid, "crm_roi|2026-03-01..2026-04-16", f(100*(300_000-700_000)/700_000.0), f(-400_000), f(700_000))

		rep, err := eng.Report(ctx, admin, "crm_roi", analytics.ReportRequest{Period: period(2026, 3, 1, 2026, 6, 1)})
		if err != nil {
			t.Fatal(err)
		}
		phases := map[string]int{}
		after := map[string][3]float64{}
		for _, r := range rep.Rows {
			phases[r["phase"].(string)]++
			if r["phase"] == "after" {
				after[r["month"].(string)] = [3]float64{r["baseline"].(float64), r["incremental"].(float64), r["incremental_cumulative"].(float64)}
			}
		}
		if phases["baseline_year_earlier"] != 3 || phases["season"] != 12 || phases["baseline"] != 3 || phases["after"] != 3 {
			t.Errorf("report phases %v", phases)
		}
		for month, w := range map[string][3]float64{"2026-03": {2_400_000, 600_000, 600_000}, "2026-04": {600_000, 900_000, 1_500_000}, "2026-05": {0, 400_000, 1_900_000}} {
			g := after[month]
			if !near(g[0], w[0]) || !near(g[1], w[1]) || !near(g[2], w[2]) {
				t.Errorf("%s: baseline, incremental, cumulative = %v, want %v", month, g, w)
			}
		}
		if !strings.Contains(strings.Join(rep.Notes, " "), "Seasonal baseline") {
			t.Errorf("notes: %v", rep.Notes)
		}

		// The same account without the setting: the plain baseline.
		settings(false, crm.Date{Year: 2026, Month: 3, Day: 1})
		plain := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 3, 1, 2026, 5, 1)})
		expect(t, plain, "crm_roi|2026-03-01..2026-05-01", f(100*(2_100_000-700_000)/700_000.0), f(1_400_000), f(700_000))
		expect(t, plain, "payback_month|2026-03-01..2026-05-01", f(1), f(1_800_000), f(700_000))

		// Asked for with nothing won a year before the baseline (go-live 1 March 2025: baseline
		// Dec 2024–Feb 2025, a year earlier empty): the plain baseline, 1,000,000 a month, and
		// the report says so. March + April 2025 won 2,500,000; no cost yet, so no ROI.
		settings(true, crm.Date{Year: 2025, Month: 3, Day: 1})
		early := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2025, 3, 1, 2025, 5, 1)})
		expect(t, early, "crm_roi|2025-03-01..2025-05-01", nil, f(500_000), f(0))
		rep, err = eng.Report(ctx, admin, "crm_roi", analytics.ReportRequest{Period: period(2025, 3, 1, 2025, 5, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if notes := strings.Join(rep.Notes, " "); !strings.Contains(notes, "No seasonal adjustment: the seasonal baseline needs the account's history") {
			t.Errorf("notes: %v", rep.Notes)
		}

		// History that begins inside the months a year earlier is not enough: go-live 1 January
		// 2026, baseline Oct–Dec 2025 (only December: 1,200,000 / 3 = 400,000 a month), a year
		// earlier Oct–Dec 2024, but the first deal was created on 2 December 2024 — October and
		// November 2024 are before the history, not months without sales. Plain: January 2026
		// made 1,200,000 − 400,000 = 800,000 (a season from the partial year would have been
		// 1,000,000 / 300,000 × 400,000 and made it negative).
		settings(true, crm.Date{Year: 2026, Month: 1, Day: 1})
		partial := sf.compute(t, admin, analytics.Request{IDs: ids, Period: period(2026, 1, 1, 2026, 2, 1)})
		expect(t, partial, "crm_roi|2026-01-01..2026-02-01", nil, f(800_000), f(0))
	})
}
