package analytics_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// forecastFixture builds deals with stage histories: deal(who, stages as (stage, Moscow time)
// steps — the first is the creation —, amount in roubles, expected close date).
type forecastFixture struct {
	t     *testing.T
	svc   *crm.Service
	org   *testkit.Org
	admin *crm.Actor
	ctx   context.Context
	st    []*crm.Stage // S1 10 %, S2 25 %, S3 50 %, S4 75 %, won, lost
}

type step struct {
	stage *crm.Stage
	at    time.Time
}

func newForecastFixture(t *testing.T, db *store.DB, now time.Time) *forecastFixture {
	svc, clock := testkit.Service(db)
	clock.T = now
	o := testkit.NewOrg(t, svc, "forecast")
	fx := &forecastFixture{t: t, svc: svc, org: o, admin: o.Actor(t, o.Admin), ctx: context.Background()}
	ps, err := svc.Pipelines(fx.ctx, fx.admin, false)
	if err != nil {
		t.Fatal(err)
	}
	fx.st = ps[0].Stages
	return fx
}

func (fx *forecastFixture) deal(who *crm.User, roubles int64, expected crm.Date, steps ...step) *crm.Deal {
	fx.t.Helper()
	in := crm.DealCreate{Name: "F", ResponsibleID: who.ID, Amount: roubles * 100, ExpectedCloseDate: expected, CreatedAt: steps[0].at}
	for _, s := range steps {
		in.StageHistory = append(in.StageHistory, crm.StageStep{StageID: s.stage.ID, At: s.at})
	}
	d, err := fx.svc.CreateDeal(fx.ctx, fx.admin, in)
	if err != nil {
		fx.t.Fatal(err)
	}
	return d
}

// wonDeal is a deal created right in the won stage and closed at closed.
func (fx *forecastFixture) wonDeal(who *crm.User, roubles int64, created, closed time.Time) {
	fx.t.Helper()
	if _, err := fx.svc.CreateDeal(fx.ctx, fx.admin, crm.DealCreate{Name: "W", ResponsibleID: who.ID, Amount: roubles * 100,
		StageID: fx.st[4].ID, CreatedAt: created, ClosedAt: closed}); err != nil {
		fx.t.Fatal(err)
	}
}

func mskAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, msk)
}

func day(y int, m time.Month, d int) crm.Date { return crm.Date{Year: y, Month: m, Day: d} }

func TestSalesForecast(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newForecastFixture(t, db, time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC))
		o := fx.org
		s1, s2, s3, s4, won, lost := fx.st[0], fx.st[1], fx.st[2], fx.st[3], fx.st[4], fx.st[5]
		var none crm.Date
		// History, January–May 2026 (the period's whole months).
		// Lag 0 — created and won in the same month: k deals of 100,000 ₽ in the k-th month
		// (100, 200, 300, 400, 500 thousand), created on the 3rd, won on the 5th (2 days). May's last
		// is won at 23:30 on 31 May, Moscow time (20:30 UTC): May's.
		for k := 1; k <= 5; k++ {
			for j := 1; j <= k; j++ {
				created := mskAt(2026, time.Month(k), 3, 12, 0)
				closed := created.AddDate(0, 0, 2)
				if k == 5 && j == 5 {
					closed = mskAt(2026, 5, 31, 23, 30)
				}
				fx.wonDeal(o.North1, 100_000, created, closed)
			}
		}
		// Lag 1: a deal of 50,000 ₽ won on the 10th of each month, created on the 20th of the month
		// before, through S1 and S3.
		for k := 1; k <= 5; k++ {
			created := mskAt(2026, time.Month(k)-1, 20, 12, 0)
			if k == 1 {
				created = mskAt(2025, 12, 20, 12, 0)
			}
			fx.deal(o.North1, 50_000, none, step{s1, created}, step{s3, created.AddDate(0, 0, 5)}, step{won, mskAt(2026, time.Month(k), 10, 12, 0)})
		}
		// Lost: 15 through S1 and S3, 5 through S1 only, 3 through S2 only.
		for range 15 {
			fx.deal(o.North1, 10_000, none, step{s1, mskAt(2026, 2, 1, 12, 0)}, step{s3, mskAt(2026, 2, 2, 12, 0)}, step{lost, mskAt(2026, 2, 20, 12, 0)})
		}
		for range 5 {
			fx.deal(o.North1, 10_000, none, step{s1, mskAt(2026, 3, 1, 12, 0)}, step{lost, mskAt(2026, 3, 20, 12, 0)})
		}
		for range 3 {
			fx.deal(o.North1, 10_000, none, step{s2, mskAt(2026, 4, 1, 12, 0)}, step{lost, mskAt(2026, 4, 20, 12, 0)})
		}
		// So, learned: S1 was held by 25 closed deals, 5 won: 20 % (set 10 %); S3 by 20, 5 won: 25 %
		// (set 50 %); S2 by 3 only: its set 25 %; S4 by none: its set 75 %. Median days from creation
		// to win: 14 deals of 2 days, one of 28.5, five of 18–21: the 10th and 11th of 20 are 2.
		//
		// Open on 1 June (the forecast's start), and where they fall:
		// A: S3 (25 %), 1,000,000 ₽, expected 10 July → July 250,000.
		fx.deal(o.North1, 1_000_000, day(2026, 7, 10), step{s1, mskAt(2026, 5, 10, 12, 0)}, step{s3, mskAt(2026, 5, 15, 12, 0)})
		// B: S2 (25 %), 2,000,000 ₽, expected 20 May, overdue → June 500,000.
		fx.deal(o.North1, 2_000_000, day(2026, 5, 20), step{s2, mskAt(2026, 4, 15, 12, 0)})
		// C: S4 (75 %), 800,000 ₽, no date: 25 May + 2 days is past → June 600,000.
		fx.deal(o.North1, 800_000, none, step{s4, mskAt(2026, 5, 25, 12, 0)})
		// D: S1 (20 %), 1,000,000 ₽, expected March 2027: after the horizon, 200,000.
		fx.deal(o.North1, 1_000_000, day(2027, 3, 1), step{s1, mskAt(2026, 5, 1, 12, 0)})
		// E: created after the start: not in the pipeline.
		fx.deal(o.North1, 9_000_000, day(2026, 7, 1), step{s3, mskAt(2026, 6, 5, 12, 0)})
		// F: in S1 on 1 June (moved to S3 on 10 June): 20 % of 500,000 ₽, expected 15 August → August 100,000.
		fx.deal(o.North1, 500_000, day(2026, 8, 15), step{s1, mskAt(2026, 5, 1, 12, 0)}, step{s3, mskAt(2026, 6, 10, 12, 0)})
		// G: in S2 on 1 June, won on 8 June: 25 % of 300,000 ₽, no date → June 75,000.
		fx.deal(o.North1, 300_000, none, step{s2, mskAt(2026, 4, 1, 12, 0)}, step{won, mskAt(2026, 6, 8, 12, 0)})
		// H: created at 23:50 on 31 May Moscow time, won at 00:30 on 1 June (21:30 UTC on 31 May):
		// open at the start, not May's revenue; S4 75 % of 400,000 ₽ → June 300,000.
		fx.deal(o.North1, 400_000, none, step{s4, mskAt(2026, 5, 31, 23, 50)}, step{won, mskAt(2026, 6, 1, 0, 30)})
		// S: south1's, S4 75 % of 1,000,000 ₽, expected 30 June → June 750,000.
		fx.deal(o.South1, 1_000_000, day(2026, 6, 30), step{s4, mskAt(2026, 5, 20, 12, 0)})
		// Deleted deals count nowhere: a won one in May and an open one.
		for _, d := range []*crm.Deal{
			fx.deal(o.North1, 10_000_000, none, step{s1, mskAt(2026, 5, 3, 12, 0)}, step{won, mskAt(2026, 5, 5, 12, 0)}),
			fx.deal(o.North1, 5_000_000, day(2026, 6, 20), step{s4, mskAt(2026, 5, 3, 12, 0)}),
		} {
			if err := fx.svc.DeleteDeal(fx.ctx, fx.admin, d.ID); err != nil {
				t.Fatal(err)
			}
		}

		eng := analytics.NewEngine(db)
		period := analytics.Period{From: day(2026, 1, 1), To: day(2026, 6, 1), Loc: msk}
		fc, err := eng.SalesForecast(fx.ctx, fx.admin, period, 0, analytics.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if fc.Start != day(2026, 6, 1) || fc.HistoryStart != day(2026, 1, 1) || len(fc.History) != 5 || len(fc.Months) != 6 {
			t.Fatalf("start %s, history from %s, %d history months, %d forecast months", fc.Start, fc.HistoryStart, len(fc.History), len(fc.Months))
		}
		// History: lag 0 + lag 1 = 150, 250, 350, 450, 550 thousand ₽.
		for i, want := range []float64{15e6, 25e6, 35e6, 45e6, 55e6} {
			if got := fc.History[i].Actual; got == nil || *got != want {
				t.Errorf("history %s: %s, want %g", fc.History[i].Month, show(got), want)
			}
		}
		probs := map[string]float64{}
		for _, s := range fc.Stages {
			probs[s.Stage] = s.Probability
		}
		for st, want := range map[*crm.Stage]float64{s1: 0.2, s2: 0.25, s3: 0.25, s4: 0.75} {
			if !near(probs[st.Name], want) {
				t.Errorf("probability of %s: %g, want %g", st.Name, probs[st.Name], want)
			}
		}
		if fc.MedianDays == nil || !near(*fc.MedianDays, 2) {
			t.Errorf("median days %s, want 2", show(fc.MedianDays))
		}
		if fc.Model != analytics.ModelTrend {
			t.Errorf("model %s, want trend (5 months)", fc.Model)
		}
		// New business: lag 0 is the line 10M + 10M t (kopecks), so June is 60M; lag ≤ 1 is
		// 15M + 10M t, forecast k months ahead as 15M + 10M (4 + k): 75M, 85M … 115M.
		// Pipeline (kopecks): June B + C + G + H + S = 500 + 600 + 75 + 300 + 750 thousand ₽,
		// July A, August F; its variance Σ amount² p (1 − p), every June deal at p(1 − p) = 0.1875.
		june := 0.1875 * (2e8*2e8 + 8e7*8e7 + 3e7*3e7 + 4e7*4e7 + 1e8*1e8)
		want := []struct {
			month              string
			pipe, nb, variance float64
		}{
			{"2026-06", 222_500_000, 60e6, june},
			{"2026-07", 25e6, 75e6, 0.1875 * 1e8 * 1e8},
			{"2026-08", 10e6, 85e6, 0.16 * 5e7 * 5e7},
			{"2026-09", 0, 95e6, 0},
			{"2026-10", 0, 105e6, 0},
			{"2026-11", 0, 115e6, 0},
		}
		for i, w := range want {
			m := fc.Months[i]
			// The trend fits the lines exactly: its one-step errors are 0, so the interval is the
			// pipeline's alone.
			total := w.pipe + w.nb
			lo, hi := math.Max(0, math.Round(total-1.96*math.Sqrt(w.variance))), math.Round(total+1.96*math.Sqrt(w.variance))
			if m.Month != w.month || m.Pipeline != w.pipe || m.NewBusiness != w.nb || m.Forecast != total ||
				m.Low == nil || *m.Low != lo || m.High == nil || *m.High != hi {
				t.Errorf("%s: pipeline %g, new %g, forecast %g [%s, %s]; want %s: %g, %g, %g [%g, %g]",
					m.Month, m.Pipeline, m.NewBusiness, m.Forecast, show(m.Low), show(m.High), w.month, w.pipe, w.nb, total, lo, hi)
			}
		}
		if fc.BeyondHorizon != 20e6 {
			t.Errorf("beyond the horizon %g, want 20,000,000 (D)", fc.BeyondHorizon)
		}
		if fc.Backtest != nil || fc.MAE != nil || fc.MAPE != nil {
			t.Errorf("a backtest on 5 months of history: %v %s %s", fc.Backtest, show(fc.MAE), show(fc.MAPE))
		}

		// north1 does not see south1's deal; the rest is theirs.
		mine, err := eng.SalesForecast(fx.ctx, o.Actor(t, o.North1), period, 3, analytics.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Months) != 3 || mine.Months[0].Pipeline != 222_500_000-75e6 || mine.Months[0].NewBusiness != 60e6 {
			t.Errorf("north1: %+v", mine.Months)
		}
		// south1 sees one open deal and no history.
		theirs, err := eng.SalesForecast(fx.ctx, o.Actor(t, o.South1), period, 2, analytics.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if m := theirs.Months[0]; m.Pipeline != 75e6 || m.NewBusiness != 0 || theirs.MedianDays != nil {
			t.Errorf("south1: %+v, median %s", theirs.Months, show(theirs.MedianDays))
		}

		// The horizon is bounded.
		if _, err := eng.SalesForecast(fx.ctx, fx.admin, period, 37, analytics.Filter{}); crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("37 months: %v, want invalid", err)
		}

		// The report: 5 actual rows, 6 forecast rows, notes on the method and the probabilities.
		rep, err := eng.Report(fx.ctx, fx.admin, "sales_forecast", analytics.ReportRequest{Period: period})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, r := range rep.Rows {
			kinds[r["kind"].(string)]++
		}
		if kinds["actual"] != 5 || kinds["forecast"] != 6 || kinds["backtest"] != 0 {
			t.Errorf("report rows: %v", kinds)
		}
		last := rep.Rows[len(rep.Rows)-1]
		if last["bucket"] != "2026-11" || *last["forecast"].(*float64) != 115e6 {
			t.Errorf("last row: %v", last)
		}
		notes := strings.Join(rep.Notes, "\n")
		for _, s := range []string{"linear trend", "No backtest", "20.0 %, learned: 5 won of 25 closed deals", "75.0 %, set on the stage"} {
			if !strings.Contains(notes, s) {
				t.Errorf("notes lack %q:\n%s", s, notes)
			}
		}
	})
}

func TestSalesForecastBacktest(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newForecastFixture(t, db, time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC))
		o := fx.org
		s2, won := fx.st[1], fx.st[4]
		var none crm.Date
		// 2025: one deal a month, created on the 3rd and won on the 5th, of 100,000 ₽ × the month's
		// number — a line.
		for k := 1; k <= 12; k++ {
			created := mskAt(2025, time.Month(k), 3, 12, 0)
			fx.wonDeal(o.North1, 100_000*int64(k), created, created.AddDate(0, 0, 2))
		}
		// And a deal of 400,000 ₽ in S2 on 1 July (its start), won on 5 July.
		fx.deal(o.North1, 400_000, none, step{s2, mskAt(2025, 6, 20, 12, 0)}, step{won, mskAt(2025, 7, 5, 12, 0)})

		eng := analytics.NewEngine(db)
		period := analytics.Period{From: day(2025, 1, 1), To: day(2026, 1, 1), Loc: msk}
		fc, err := eng.SalesForecast(fx.ctx, fx.admin, period, 6, analytics.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		// The backtest forecasts July–December from January–June (the line 100k…600k ₽): new
		// business 700k…1,200k ₽; July adds the S2 deal open on 1 July, 25 % (set; nothing learned)
		// of 400,000 ₽. July brought 700,000 + 400,000 ₽; the other months the line.
		// Errors: July 800k − 1,100k = −300k; the rest 0. MAE 300k / 6 = 50,000 ₽; MAPE
		// (300/1100 × 100) / 6 %.
		if len(fc.Backtest) != 6 {
			t.Fatalf("backtest: %d months", len(fc.Backtest))
		}
		for j, m := range fc.Backtest {
			line := float64(j+7) * 10_000_000
			wantF, wantA := line, line
			if j == 0 {
				wantF, wantA = line+10_000_000, line+40_000_000
			}
			if m.Forecast != wantF || m.Actual == nil || *m.Actual != wantA {
				t.Errorf("backtest %s: forecast %g, actual %s; want %g, %g", m.Month, m.Forecast, show(m.Actual), wantF, wantA)
			}
		}
		if fc.MAE == nil || *fc.MAE != 5_000_000 {
			t.Errorf("MAE %s, want 5,000,000", show(fc.MAE))
		}
		if fc.MAPE == nil || !near(*fc.MAPE, 300.0/1100*100/6) {
			t.Errorf("MAPE %s, want %g", show(fc.MAPE), 300.0/1100*100/6)
		}
		// The forecast proper: January 2026's new business continues the line of lag-0 revenue
		// (100k…1,200k ₽): 1,300,000 ₽; nothing is open.
		if m := fc.Months[0]; m.Month != "2026-01" || m.Pipeline != 0 || m.NewBusiness != 130_000_000 {
			t.Errorf("January: %+v", m)
		}
		rep, err := eng.Report(fx.ctx, fx.admin, "sales_forecast", analytics.ReportRequest{Period: period})
		if err != nil {
			t.Fatal(err)
		}
		var backtest []analytics.Row
		for _, r := range rep.Rows {
			if r["kind"] == "backtest" {
				backtest = append(backtest, r)
			}
		}
		if len(backtest) != 6 || *backtest[0]["error"].(*float64) != -30_000_000 || *backtest[1]["error"].(*float64) != 0 {
			t.Errorf("backtest rows: %v", backtest)
		}
		if notes := strings.Join(rep.Notes, "\n"); !strings.Contains(notes, "MAE 5000000 (minor units), MAPE 4.5 %") {
			t.Errorf("notes lack the backtest's error:\n%s", notes)
		}

		// A period starting half a year before the first deal: those months have no records, not
		// zero sales. The history starts in January 2025 as before and the forecast is the same,
		// where six zeros ahead of the line would have bent it.
		early := analytics.Period{From: day(2024, 7, 1), To: day(2026, 1, 1), Loc: msk}
		fe, err := eng.SalesForecast(fx.ctx, fx.admin, early, 6, analytics.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if fe.HistoryStart != day(2025, 1, 1) || fe.RequestedStart == nil || *fe.RequestedStart != day(2024, 7, 1) || len(fe.History) != 12 {
			t.Errorf("history from %s (asked %v), %d months; want from 2025-01-01 (asked 2024-07-01), 12", fe.HistoryStart, fe.RequestedStart, len(fe.History))
		}
		if fc.RequestedStart != nil {
			t.Errorf("the period began with the deals, yet the history says it was asked from %s", fc.RequestedStart)
		}
		for i := range fc.Months {
			if fe.Months[i].Forecast != fc.Months[i].Forecast {
				t.Errorf("%s: %g from the earlier period, %g from the deals' first month", fc.Months[i].Month, fe.Months[i].Forecast, fc.Months[i].Forecast)
			}
		}
		if fe.MAE == nil || *fe.MAE != *fc.MAE {
			t.Errorf("backtest MAE %s from the earlier period, want %s", show(fe.MAE), show(fc.MAE))
		}
		erep, err := eng.Report(fx.ctx, fx.admin, "sales_forecast", analytics.ReportRequest{Period: early})
		if err != nil {
			t.Fatal(err)
		}
		if notes := strings.Join(erep.Notes, "\n"); !strings.Contains(notes, "The months from 2024-07-01 to 2024-12 are left out") {
			t.Errorf("notes do not say which months were left out:\n%s", notes)
		}

		// A manager with no deals: zeros, exactly, and no interval width.
		empty, err := eng.SalesForecast(fx.ctx, o.Actor(t, o.South2), period, 2, analytics.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range empty.Months {
			if m.Forecast != 0 || m.Low == nil || *m.Low != 0 || *m.High != 0 {
				t.Errorf("south2: %+v", m)
			}
		}
		if empty.MAE == nil || *empty.MAE != 0 || empty.MAPE != nil {
			t.Errorf("south2's backtest: MAE %s, MAPE %s (no revenue: null)", show(empty.MAE), show(empty.MAPE))
		}
	})
}
