package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// What the CRM costs and what it returns (KPI.md «Эффективность CRM»): TCO, ROI and the payback
// month. CRM costs belong to the account, not to a manager, so these are account figures for
// administrators, in totals only, with no filter (as marketing spend, marketing.go); null for
// everyone else and under filters.
//
// Definitions (docs/kpi.md):
//   - A cost is charged on a day: a one-off entry on incurred_on; a monthly entry on incurred_on,
//     then on the 1st of every following month through the month of ends_on (for ever when open).
//     TCO at the end of a period is Σ of the charges on days before its end.
//   - Margin is the margin KPI's: Σ (amount − cost) of the deals won (closed_at) in an interval.
//   - Baseline: the mean monthly margin of the N whole calendar months before the month of the
//     go-live date (N = baseline_months, default 6). Without a single deal won in them there is no
//     history to compare with, and ROI and payback are null.
//   - Seasonal baseline (the account's seasonal_baseline setting): month m after go-live gets the
//     baseline × S(m), S(m) = the margin of m's calendar month in the 12 months before the go-live
//     month / the mean monthly margin of the N baseline months a year earlier — "this month is
//     usually twice the baseline season" carried over at the baseline's level. When the account's
//     history (its first deal) begins after the first of the baseline months a year earlier, or
//     nothing was won in them (or no margin), S cannot be known and the plain baseline is used;
//     the crm_roi report says which.
//   - The baseline accrues by day: a month's baseline spread evenly over its days, so that a
//     go-live on the 16th, or a period ending mid-month, compares like with like.
//   - Incremental margin at instant T = margin of [go-live, T) − baseline accrued over [go-live, T).
//   - crm_roi at the end of a period = (incremental margin − TCO) / TCO × 100.
//   - payback_month = k, the first month after go-live (the go-live month is 1) at whose end (or at
//     the period's end, for the month it ends in) cumulative incremental margin ≥ TCO > 0; null
//     while not reached, or with no cost entered.

const factsROI factGroup = "roi" // TCO, incremental margin and payback at each bucket's end

func init() {
	registerFacts(factsROI, (*Engine).roiFacts)
	register(&KPI{ID: "tco", NameRU: "Стоимость владения (TCO)", NameEN: "Total cost of ownership", Unit: Money,
		facts:      []factGroup{factsROI},
		Definition: "Σ CRM costs charged before the end of the period: one-off entries on incurred_on, monthly entries on incurred_on and on the 1st of every later month through ends_on. Administrators only, in totals",
		eval: func(f facts) (*float64, *float64, *float64) {
			t, ok := f["tco"]
			if !ok {
				return nil, nil, nil
			}
			return ptr(t), ptr(t), nil
		}})
	register(&KPI{ID: "crm_roi", NameRU: "ROI внедрения CRM", NameEN: "CRM ROI", Unit: Percent,
		facts:      []factGroup{factsROI},
		Definition: "(incremental margin − TCO) / TCO × 100 at the end of the period; incremental margin = margin won since go-live − the baseline (mean monthly margin of the N months before the go-live month) accrued by day over the same time. Numerator = incremental margin − TCO, denominator = TCO. Administrators only, in totals",
		eval: func(f facts) (*float64, *float64, *float64) {
			inc, ok := f["incremental"]
			if !ok {
				return nil, nil, nil
			}
			return ratio(inc-f["tco"], f["tco"], 100), ptr(inc - f["tco"]), ptr(f["tco"])
		}})
	register(&KPI{ID: "payback_month", NameRU: "Срок окупаемости", NameEN: "Payback month", Unit: "months",
		facts:      []factGroup{factsROI},
		Definition: "the number of the first month since go-live (the go-live month is 1) by whose end cumulative incremental margin ≥ cumulative TCO > 0; null while not reached by the end of the period. Numerator / denominator = the incremental margin and the TCO at that month's end. The report crm_roi names the month",
		eval: func(f facts) (*float64, *float64, *float64) {
			k, ok := f["payback"]
			if !ok {
				return nil, nil, nil
			}
			return ptr(k), ptr(f["payback_incremental"]), ptr(f["payback_tco"])
		}})
}

// roiData is what crm_roi needs up to an end: the go-live date, the baseline, the cumulative
// margin and baseline since go-live at each point of interest, and the cost ledger.
type roiData struct {
	goLive     crm.Date
	loc        *time.Location
	months     int       // N
	baseMonths []Span    // the N months of the baseline
	baseMargin []float64 // their margins
	baseline   *float64  // mean monthly margin; nil without history
	// The seasonal baseline, when asked for and possible: season[c] is S of calendar month c
	// (1…12), from the margins of the 12 months before the go-live month (seasonMonths) over the
	// mean of the baseline months a year earlier (yearEarlier, their margins yearMargin).
	seasonalAsked bool
	season        map[time.Month]float64
	seasonMonths  []Span
	seasonMargin  []float64
	yearEarlier   []Span
	yearMargin    []float64
	points        []crm.Date
	cumMargin     []float64 // margin of [goLive, points[k])
	cumBase       []float64 // baseline accrued over [goLive, points[k])
	costs         []*crm.CRMCost
}

// at returns the cumulative margin and accrued baseline of [goLive, x); x must be one of
// the points, or not after the go-live date.
func (r *roiData) at(x crm.Date) (margin, base float64) {
	k, ok := slices.BinarySearchFunc(r.points, x, func(a, b crm.Date) int { return compareDates(a, b) })
	if !ok {
		return 0, 0
	}
	return r.cumMargin[k], r.cumBase[k]
}

func compareDates(a, b crm.Date) int {
	switch {
	case a.Before(b):
		return -1
	case b.Before(a):
		return 1
	}
	return 0
}

// tcoBefore returns Σ the charges of the costs on days before x.
func tcoBefore(costs []*crm.CRMCost, x crm.Date) float64 {
	var total int64
	for _, c := range costs {
		if !c.IncurredOn.Before(x) {
			continue
		}
		if c.Recurrence != "monthly" {
			total += c.Amount
			continue
		}
		// Charged on incurred_on, then on the 1st of each month through ends_on's month.
		total += c.Amount
		for m := c.IncurredOn.NextMonth(); m.Before(x); m = m.NextMonth() {
			if !c.EndsOn.IsZero() && c.EndsOn.MonthStart().Before(m) {
				break
			}
			total += c.Amount
		}
	}
	return float64(total)
}

// roi reads what crm_roi needs up to the dates ends; without a go-live date only the costs
// (goLive is zero).
func (e *Engine) roi(ctx context.Context, actor *crm.Actor, ends []crm.Date) (*roiData, error) {
	st := e.settings(ctx, actor)
	r := &roiData{months: st.BaselineMonths, seasonalAsked: st.SeasonalBaseline}
	var tz string
	if err := e.db.Reader().QueryRowContext(ctx, `SELECT go_live_date, time_zone FROM accounts WHERE id = $1`, actor.AccountID).Scan(&r.goLive, &tz); err != nil {
		return nil, fmt.Errorf("analytics: account: %w", err)
	}
	r.loc = time.UTC
	if loc, err := time.LoadLocation(tz); err == nil {
		r.loc = loc
	}
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT category, incurred_on, recurrence, ends_on, amount FROM crm_costs
		WHERE account_id = $1 AND deleted_at IS NULL`, actor.AccountID)
	if err != nil {
		return nil, fmt.Errorf("analytics: costs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := &crm.CRMCost{}
		if err := rows.Scan(&c.Category, &c.IncurredOn, &c.Recurrence, &c.EndsOn, &c.Amount); err != nil {
			return nil, fmt.Errorf("analytics: costs: %w", err)
		}
		r.costs = append(r.costs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if r.goLive.IsZero() {
		return r, nil
	}
	// The baseline months, then the pieces since go-live: cut at every month start and every end.
	m0 := r.goLive.MonthStart()
	first := monthsBefore(m0, r.months)
	r.baseMonths = Period{From: first, To: m0, Loc: r.loc}.Spans(Month)
	last := r.goLive
	for _, x := range ends {
		if last.Before(x) {
			last = x
		}
	}
	r.points = []crm.Date{r.goLive}
	for m := m0.NextMonth(); m.Before(last); m = m.NextMonth() {
		r.points = append(r.points, m)
	}
	for _, x := range ends {
		if r.goLive.Before(x) {
			r.points = append(r.points, x)
		}
	}
	if r.goLive.Before(last) {
		r.points = append(r.points, last)
	}
	slices.SortFunc(r.points, compareDates)
	r.points = slices.Compact(r.points)
	intervals := slices.Clone(r.baseMonths)
	for k := 1; k < len(r.points); k++ {
		intervals = append(intervals, Period{From: r.points[k-1], To: r.points[k], Loc: r.loc}.Span())
	}
	if r.seasonalAsked {
		r.seasonMonths = Period{From: monthsBefore(m0, 12), To: m0, Loc: r.loc}.Spans(Month)
		r.yearEarlier = Period{From: monthsBefore(first, 12), To: monthsBefore(m0, 12), Loc: r.loc}.Spans(Month)
		intervals = append(append(intervals, r.seasonMonths...), r.yearEarlier...)
	}
	margins, won, err := e.wonMargins(ctx, actor, intervals)
	if err != nil {
		return nil, err
	}
	if r.seasonalAsked {
		n := len(r.baseMonths) + len(r.points) - 1
		r.seasonMargin = margins[n : n+len(r.seasonMonths)]
		r.yearMargin = margins[n+len(r.seasonMonths):]
		var yearSum, yearWon float64
		for i := range r.yearEarlier {
			yearSum += r.yearMargin[i]
			yearWon += won[n+len(r.seasonMonths)+i]
		}
		// Months before the account's first deal are no history, not months without sales.
		// (ORDER BY … LIMIT 1, not MIN: SQLite returns an aggregate of timestamps as text.)
		var firstDeal time.Time
		err := e.db.Reader().QueryRowContext(ctx, `SELECT created_at FROM deals WHERE account_id = $1 AND deleted_at IS NULL
			ORDER BY created_at LIMIT 1`, actor.AccountID).Scan(&firstDeal)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("analytics: first deal: %w", err)
		}
		covered := err == nil && !r.yearEarlier[0].FromDate.Before(crm.DateOf(firstDeal.In(r.loc)).MonthStart())
		if covered && yearWon > 0 && yearSum > 0 {
			mean := yearSum / float64(len(r.yearEarlier))
			r.season = map[time.Month]float64{}
			for i, m := range r.seasonMonths {
				r.season[m.FromDate.Month] = r.seasonMargin[i] / mean
			}
		}
	}
	var baseSum, baseWon float64
	for i := range r.baseMonths {
		r.baseMargin = append(r.baseMargin, margins[i])
		baseSum += margins[i]
		baseWon += won[i]
	}
	if baseWon > 0 {
		r.baseline = ptr(baseSum / float64(r.months))
	}
	r.cumMargin = make([]float64, len(r.points))
	r.cumBase = make([]float64, len(r.points))
	for k := 1; k < len(r.points); k++ {
		from, to := r.points[k-1], r.points[k]
		month := from.MonthStart()
		r.cumMargin[k] = r.cumMargin[k-1] + margins[len(r.baseMonths)+k-1]
		r.cumBase[k] = r.cumBase[k-1]
		if r.baseline != nil {
			r.cumBase[k] += r.monthBaseline(month) * float64(crm.Days(from, to)) / float64(crm.Days(month, month.NextMonth()))
		}
	}
	return r, nil
}

// monthBaseline is the baseline of the month starting at month: the mean of the baseline months,
// × the season of its calendar month when the seasonal baseline applies.
func (r *roiData) monthBaseline(month crm.Date) float64 {
	if r.season == nil {
		return *r.baseline
	}
	return *r.baseline * r.season[month.Month]
}

// monthsBefore is the first day of the month n months before the month of d.
func monthsBefore(d crm.Date, n int) crm.Date {
	return crm.DateOf(time.Date(d.Year, d.Month-time.Month(n), 1, 0, 0, 0, 0, time.UTC))
}

// wonMargins returns the margin (Σ amount − cost) and the number of the account's deals won in
// each interval, in chunks that keep under the engines' parameter limits.
func (e *Engine) wonMargins(ctx context.Context, actor *crm.Actor, intervals []Span) (margin, won []float64, err error) {
	margin, won = make([]float64, len(intervals)), make([]float64, len(intervals))
	const chunk = 1000
	for lo := 0; lo < len(intervals); lo += chunk {
		part := intervals[lo:min(lo+chunk, len(intervals))]
		q := &query{engine: e.db.Engine}
		cte := q.spansCTE(part)
		sqlText := fmt.Sprintf(`WITH %s
			SELECT b.i, SUM(d.amount - d.cost), COUNT(*)
			FROM deals d JOIN spans b ON d.closed_at >= b.s AND d.closed_at < b.e
			WHERE d.account_id = %s AND d.deleted_at IS NULL AND d.status = 'won' GROUP BY b.i`, cte, q.add(actor.AccountID))
		rows, err := q.rows(ctx, e.db.Reader(), sqlText)
		if err != nil {
			return nil, nil, fmt.Errorf("analytics: margins: %w", err)
		}
		for rows.Next() {
			var i int
			var m, n float64
			if err := rows.Scan(&i, &m, &n); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("analytics: margins: %w", err)
			}
			margin[lo+i], won[lo+i] = m, n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return margin, won, nil
}

// payback returns the number of the first month since go-live (1 = the go-live month) by whose
// end, or by end for the month end falls in, cumulative incremental margin ≥ TCO > 0, with the two
// figures; 0 when not reached by end.
func (r *roiData) payback(end crm.Date) (k int, inc, tco float64) {
	if r.baseline == nil || r.goLive.IsZero() || !r.goLive.Before(end) {
		return 0, 0, 0
	}
	n := 0
	for m := r.goLive.MonthStart(); m.Before(end); m = m.NextMonth() {
		n++
		x := m.NextMonth()
		if end.Before(x) {
			x = end
		}
		mg, b := r.at(x)
		t := tcoBefore(r.costs, x)
		if t > 0 && mg-b >= t {
			return n, mg - b, t
		}
	}
	return 0, 0, 0
}

// roiFacts are the figures of tco, crm_roi and payback_month at the end of each bucket.
func (e *Engine) roiFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	out := map[sliceKey]facts{}
	if !actor.SeesAll() || len(by) != 0 || f != (Filter{}) || len(spans) == 0 {
		return out, nil
	}
	ends := make([]crm.Date, len(spans))
	for i, s := range spans {
		ends[i] = s.ToDate
	}
	r, err := e.roi(ctx, actor, ends)
	if err != nil {
		return nil, err
	}
	for i, end := range ends {
		fs := facts{"tco": tcoBefore(r.costs, end)}
		if r.baseline != nil && r.goLive.Before(end) {
			mg, b := r.at(end)
			fs["incremental"] = mg - b
			if k, inc, t := r.payback(end); k > 0 {
				fs["payback"], fs["payback_incremental"], fs["payback_tco"] = float64(k), inc, t
			}
		}
		out[sliceKey{bucket: i}] = fs
	}
	return out, nil
}
