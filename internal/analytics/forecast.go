package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// The sales forecast of KPI.md («Прогноз»): the revenue of each of the next N months is
//
//   - the weighted pipeline closing in the month: the deals open at the forecast's start, each
//     amount × the probability of the stage it was in then, learned from history — of the deals
//     closed in the history that were ever in the stage (deal_stage_events), the share won —
//     or the probability set on the stage when fewer than minLearned closed deals were in it. A deal
//     falls in the month of its expected close date (one already past: the first month), or, when
//     it has none, in the month of its creation + the median days from creation to win of the
//     history's won deals (already past, or no won deal to learn from: the first month). Deals
//     falling after the horizon are left out and reported;
//   - plus the new business: the revenue of deals not created yet. For month k it is forecast
//     from the monthly history of revenue won from deals created at most k − 1 calendar months
//     before their win (a deal created in the forecast's first month and won in its third counts in
//     the third month's new business; the deals already open are the pipeline's) — Holt-Winters with
//     a yearly season given ≥ 24 months of history, else a linear trend — and never below 0.
//
// The interval is ± 1.96 σ, σ² = (σ₁ √k)² + Σ amount² p (1 − p): σ₁ the standard deviation of the
// new-business model's one-step-ahead errors widened with the horizon k, plus the variance of the
// open deals as independent wins. The forecast starts at the first day of the month holding the
// period's end; the history is the period's whole months before it. The backtest runs the same
// forecast from six months earlier, knowing only what was known then (the stages of that day from
// the stage history, probabilities and the median learned from the deals closed before it), and
// compares it with the revenue those months brought: MAE and MAPE.
//
// It is a report, not a KPI: a forecast is of the months after a history, not a figure of a
// bucket and a slice of the period the KPI engine asks about.

// minLearned is the fewest closed deals a stage must have held for its probability to be learned.
const minLearned = 10

// backtestMonths is how far back the backtest starts.
const backtestMonths = 6

// maxForecastMonths bounds the horizon.
const maxForecastMonths = 36

// ForecastMonth is a month of the forecast, in minor units. Low and High are nil when the history
// is too short to know the model's error; Actual is set in the backtest.
type ForecastMonth struct {
	Month       string   `json:"month"`
	Pipeline    float64  `json:"pipeline"`
	NewBusiness float64  `json:"new_business"`
	Forecast    float64  `json:"forecast"`
	Low         *float64 `json:"low"`
	High        *float64 `json:"high"`
	Actual      *float64 `json:"actual,omitempty"`
}

// StageProbability is the probability of winning a deal in a stage, as the forecast uses it.
type StageProbability struct {
	StageID     int64   `json:"stage_id"`
	Stage       string  `json:"stage"`
	Pipeline    string  `json:"pipeline"`
	Closed      int     `json:"closed"` // closed deals of the history that were ever in the stage
	Won         int     `json:"won"`
	Set         float64 `json:"set"`         // the probability set on the stage, 0..1
	Probability float64 `json:"probability"` // the one used, 0..1
	Learned     bool    `json:"learned"`     // learned from history (Closed ≥ 10), else Set
}

// SalesForecast is the answer of the forecast.
type SalesForecast struct {
	Start        crm.Date `json:"start"` // the first forecast month
	HistoryStart crm.Date `json:"history_start"`
	// RequestedStart is the period's first whole month when the history starts later, at the
	// month of the first deal; nil otherwise.
	RequestedStart *crm.Date          `json:"requested_start,omitempty"`
	History        []ForecastMonth    `json:"history"` // Actual only
	Months         []ForecastMonth    `json:"months"`
	Model          string             `json:"model"` // of the new business: holt_winters, trend, none
	Alpha          float64            `json:"alpha,omitempty"`
	Beta           float64            `json:"beta,omitempty"`
	Gamma          float64            `json:"gamma,omitempty"`
	Stages         []StageProbability `json:"stages"`
	MedianDays     *float64           `json:"median_days"`    // creation to win, of the history's won deals
	BeyondHorizon  float64            `json:"beyond_horizon"` // weighted amount of open deals expected later
	Backtest       []ForecastMonth    `json:"backtest"`       // nil when the history is too short
	MAE            *float64           `json:"mae"`
	MAPE           *float64           `json:"mape"` // percent, over the backtest months with revenue
}

// addMonths returns the first day of the month n months after d's.
func addMonths(d crm.Date, n int) crm.Date {
	return crm.DateOf(time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC))
}

// SalesForecast forecasts the revenue of the months months after the period's end (see the top of
// this file), from the deals the actor sees, filtered. EINVALID for a horizon beyond 36 months.
func (e *Engine) SalesForecast(ctx context.Context, actor *crm.Actor, p Period, months int, f Filter) (*SalesForecast, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if months == 0 {
		months = 6
	}
	if months < 1 || months > maxForecastMonths {
		var v crm.Validation
		v.Add("months", "out_of_range", fmt.Sprintf("the horizon is 1 to %d months", maxForecastMonths))
		return nil, v.Err()
	}
	start := p.To.MonthStart()
	h0 := p.From.MonthStart()
	if h0 != p.From {
		h0 = addMonths(h0, 1)
	}
	// Months before the first deal are not months without sales but months without records (the
	// CRM, an import, a manager or a channel began later): as zeros they would teach the models a
	// slump and a climb that never happened. The history starts with the month of the first deal.
	first, err := e.firstDealMonth(ctx, actor, f, p.Loc)
	if err != nil {
		return nil, err
	}
	var requested *crm.Date
	if first != nil && h0.Before(*first) {
		asked := h0
		requested, h0 = &asked, *first
	}
	if start.Before(h0) {
		h0 = start
	}
	out := &SalesForecast{Start: start, HistoryStart: h0, RequestedStart: requested}
	maxLag := max(months, backtestMonths)
	rev, err := e.revenueByLag(ctx, actor, f, p.Loc, h0, start, maxLag)
	if err != nil {
		return nil, err
	}
	for i, r := range rev {
		out.History = append(out.History, ForecastMonth{Month: addMonths(h0, i).String()[:7], Actual: ptr(sum(r))})
	}
	fc, err := e.forecastAt(ctx, actor, f, p.Loc, h0, start, months, rev)
	if err != nil {
		return nil, err
	}
	out.Months, out.Stages, out.MedianDays, out.BeyondHorizon = fc.months, fc.stages, fc.median, fc.beyond
	out.Model, out.Alpha, out.Beta, out.Gamma = fc.fit.Model, fc.fit.Alpha, fc.fit.Beta, fc.fit.Gamma
	// The backtest: the same forecast six months earlier, against what came. It needs three
	// months of history before it.
	if k := len(rev) - backtestMonths; k >= 3 {
		bt, err := e.forecastAt(ctx, actor, f, p.Loc, h0, addMonths(h0, k), backtestMonths, rev[:k])
		if err != nil {
			return nil, err
		}
		var abs, pct float64
		var withRevenue int
		for j := range bt.months {
			m := &bt.months[j]
			a := sum(rev[k+j])
			m.Actual = ptr(a)
			abs += math.Abs(m.Forecast - a)
			if a > 0 {
				pct += math.Abs(m.Forecast-a) / a * 100
				withRevenue++
			}
		}
		out.Backtest = bt.months
		out.MAE = ptr(abs / float64(len(bt.months)))
		if withRevenue > 0 {
			out.MAPE = ptr(pct / float64(withRevenue))
		}
	}
	return out, nil
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

// forecastResult is a forecast from one start.
type forecastResult struct {
	months []ForecastMonth
	stages []StageProbability
	median *float64
	beyond float64
	fit    *seriesFit // the first month's new-business model
}

// forecastAt forecasts months months from start, learning from [h0, start); rev is the revenue of
// the history's months by lag (revenueByLag), as many months as lie in [h0, start).
func (e *Engine) forecastAt(ctx context.Context, actor *crm.Actor, f Filter, loc *time.Location, h0, start crm.Date, months int, rev [][]float64) (*forecastResult, error) {
	from, to := h0.In(loc).UTC(), start.In(loc).UTC() // the store keeps and compares UTC
	stages, err := e.learnedProbabilities(ctx, actor, f, from, to)
	if err != nil {
		return nil, err
	}
	median, err := e.medianDaysToWin(ctx, actor, f, from, to)
	if err != nil {
		return nil, err
	}
	spans := Period{From: start, To: addMonths(start, months), Loc: loc}.Spans(Month)
	pipe, variance, beyond, err := e.pipelineByMonth(ctx, actor, f, to, spans, median, stages)
	if err != nil {
		return nil, err
	}
	out := &forecastResult{stages: stages, median: median, beyond: math.Round(beyond)}
	for k := 1; k <= months; k++ {
		// Revenue of deals created at most k − 1 months before their win month.
		series := make([]float64, len(rev))
		for m, byLag := range rev {
			for lag := 0; lag < k && lag < len(byLag); lag++ {
				series[m] += byLag[lag]
			}
		}
		fit := fitSeries(series, 12)
		if k == 1 {
			out.fit = fit
		}
		nb := math.Round(math.Max(0, fit.Forecast(k)))
		pm := math.Round(pipe[k-1])
		fm := ForecastMonth{Month: spans[k-1].Label, Pipeline: pm, NewBusiness: nb, Forecast: pm + nb}
		if fit.HasSigma {
			s := fit.Sigma * math.Sqrt(float64(k))
			sigma := math.Sqrt(s*s + variance[k-1])
			fm.Low = ptr(math.Max(0, math.Round(fm.Forecast-1.96*sigma)))
			fm.High = ptr(math.Round(fm.Forecast + 1.96*sigma))
		}
		out.months = append(out.months, fm)
	}
	return out, nil
}

// monthsCTE lists spans as rows name(i, s, e): index, start and end instants shifted back by shift.
func monthsCTE(q *query, name string, spans []Span, shift time.Duration) string {
	rows := make([]string, len(spans))
	for i, s := range spans {
		if q.engine == store.Postgres {
			rows[i] = fmt.Sprintf("(%s::int, %s::timestamptz, %s::timestamptz, %s::date, %s::date)", q.add(i), q.add(s.Start.Add(-shift)), q.add(s.End.Add(-shift)), q.add(s.FromDate), q.add(s.ToDate))
		} else {
			rows[i] = fmt.Sprintf("(%s, %s, %s, %s, %s)", q.add(i), q.add(s.Start.Add(-shift)), q.add(s.End.Add(-shift)), q.add(s.FromDate), q.add(s.ToDate))
		}
	}
	return name + "(i, s, e, ds, de) AS (VALUES " + strings.Join(rows, ", ") + ")"
}

// revenueByLag returns, for each month of [h0, start), the revenue won in it by the lag in calendar
// months from the deal's creation to its win: rev[m][lag], lag 0..maxLag, the last holding every
// lag ≥ maxLag. One aggregate query.
func (e *Engine) revenueByLag(ctx context.Context, actor *crm.Actor, f Filter, loc *time.Location, h0, start crm.Date, maxLag int) ([][]float64, error) {
	if !h0.Before(start) {
		return nil, nil
	}
	won := Period{From: h0, To: start, Loc: loc}.Spans(Month)
	created := Period{From: addMonths(h0, -maxLag), To: start, Loc: loc}.Spans(Month)
	q := &query{engine: e.db.Engine}
	sqlText := fmt.Sprintf(`WITH %s, %s
		SELECT w.i, c.i, SUM(d.amount)
		FROM deals d JOIN ws w ON d.closed_at >= w.s AND d.closed_at < w.e
			LEFT JOIN cs c ON d.created_at >= c.s AND d.created_at < c.e
		WHERE %s AND d.status = 'won' GROUP BY w.i, c.i`,
		monthsCTE(q, "ws", won, 0), monthsCTE(q, "cs", created, 0), q.where(actor, f))
	rows, err := q.rows(ctx, e.db.Reader(), sqlText)
	if err != nil {
		return nil, fmt.Errorf("analytics: forecast revenue: %w", err)
	}
	defer rows.Close()
	rev := make([][]float64, len(won))
	for i := range rev {
		rev[i] = make([]float64, maxLag+1)
	}
	for rows.Next() {
		var w int
		var c sql.NullInt64
		var amount float64
		if err := rows.Scan(&w, &c, &amount); err != nil {
			return nil, fmt.Errorf("analytics: forecast revenue: %w", err)
		}
		lag := maxLag // created before the months listed: at least maxLag months before
		if c.Valid {
			lag = min(maxLag, w+maxLag-int(c.Int64))
		}
		rev[w][lag] += amount
	}
	return rev, rows.Err()
}

// firstDealMonth is the first day of the month of the first deal the actor sees, filtered (in loc);
// nil without deals.
func (e *Engine) firstDealMonth(ctx context.Context, actor *crm.Actor, f Filter, loc *time.Location) (*crm.Date, error) {
	q := &query{engine: e.db.Engine}
	// ORDER BY … LIMIT 1, not MIN: SQLite returns an aggregate of timestamps as text.
	var first time.Time
	err := q.row(ctx, e.db.Reader(), `SELECT d.created_at FROM deals d WHERE `+q.where(actor, f)+
		` ORDER BY d.created_at LIMIT 1`).Scan(&first)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("analytics: forecast history: %w", err)
	}
	m := crm.DateOf(first.In(loc)).MonthStart()
	return &m, nil
}

// learnedProbabilities returns the probability of every open stage of the account: of the deals
// the actor sees closed in [from, to) that were ever in the stage, the share won; the stage's set
// probability when fewer than minLearned were. By pipeline and position.
func (e *Engine) learnedProbabilities(ctx context.Context, actor *crm.Actor, f Filter, from, to time.Time) ([]StageProbability, error) {
	q := &query{engine: e.db.Engine}
	sqlText := fmt.Sprintf(`SELECT ev.to_stage_id, COUNT(DISTINCT d.id), COUNT(DISTINCT CASE WHEN d.status = 'won' THEN d.id END)
		FROM deals d JOIN deal_stage_events ev ON ev.account_id = d.account_id AND ev.deal_id = d.id
		WHERE %s AND d.status IN ('won', 'lost') AND d.closed_at >= %s AND d.closed_at < %s
		GROUP BY ev.to_stage_id`, q.where(actor, f), q.add(from), q.add(to))
	rows, err := q.rows(ctx, e.db.Reader(), sqlText)
	if err != nil {
		return nil, fmt.Errorf("analytics: stage probabilities: %w", err)
	}
	defer rows.Close()
	type count struct{ closed, won int }
	counts := map[int64]count{}
	for rows.Next() {
		var id int64
		var c count
		if err := rows.Scan(&id, &c.closed, &c.won); err != nil {
			return nil, fmt.Errorf("analytics: stage probabilities: %w", err)
		}
		counts[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	srows, err := e.db.Reader().QueryContext(ctx, `SELECT s.id, s.name, p.name, s.probability FROM stages s
		JOIN pipelines p ON p.account_id = s.account_id AND p.id = s.pipeline_id
		WHERE s.account_id = $1 AND s.kind = 'open' ORDER BY p.position, p.id, s.position`, actor.AccountID)
	if err != nil {
		return nil, fmt.Errorf("analytics: stages: %w", err)
	}
	defer srows.Close()
	out := []StageProbability{}
	for srows.Next() {
		var sp StageProbability
		var set int
		if err := srows.Scan(&sp.StageID, &sp.Stage, &sp.Pipeline, &set); err != nil {
			return nil, fmt.Errorf("analytics: stages: %w", err)
		}
		c := counts[sp.StageID]
		sp.Closed, sp.Won, sp.Set = c.closed, c.won, float64(set)/100
		sp.Probability = sp.Set
		if c.closed >= minLearned {
			sp.Probability, sp.Learned = float64(c.won)/float64(c.closed), true
		}
		out = append(out, sp)
	}
	return out, srows.Err()
}

// medianDaysToWin is the median days from creation to win of the deals the actor sees won in
// [from, to); nil when there are none.
func (e *Engine) medianDaysToWin(ctx context.Context, actor *crm.Actor, f Filter, from, to time.Time) (*float64, error) {
	q := &query{engine: e.db.Engine}
	secs := q.seconds("d.created_at", "d.closed_at")
	sqlText := fmt.Sprintf(`WITH x AS (
			SELECT %s AS v, ROW_NUMBER() OVER (ORDER BY %s) AS rn, COUNT(*) OVER () AS n
			FROM deals d WHERE %s AND d.status = 'won' AND d.closed_at >= %s AND d.closed_at < %s)
		SELECT AVG(v) FROM x WHERE rn IN ((n + 1) / 2, (n + 2) / 2)`, secs, secs, q.where(actor, f), q.add(from), q.add(to))
	var v sql.NullFloat64
	if err := q.row(ctx, e.db.Reader(), sqlText).Scan(&v); err != nil {
		return nil, fmt.Errorf("analytics: median days to win: %w", err)
	}
	if !v.Valid {
		return nil, nil
	}
	return ptr(v.Float64 / 86400), nil
}

// pipelineByMonth places the deals the actor sees open at start (created before it, not closed by
// then) into the spans and weights them by the probability of the stage they were in at start:
// the weighted amount and its variance (Σ amount² p (1 − p)) by span, and the weighted amount
// falling after the last span.
func (e *Engine) pipelineByMonth(ctx context.Context, actor *crm.Actor, f Filter, start time.Time, spans []Span, medianDays *float64, stages []StageProbability) (weighted, variance []float64, beyond float64, err error) {
	var shift time.Duration
	if medianDays != nil {
		shift = time.Duration(*medianDays * 86400 * float64(time.Second))
	}
	q := &query{engine: e.db.Engine}
	float := "REAL"
	if q.engine == store.Postgres {
		float = "DOUBLE PRECISION"
	}
	cte := monthsCTE(q, "fm", spans, shift)
	at := q.add(start)
	sqlText := fmt.Sprintf(`WITH %s, o AS (
			SELECT d.amount AS amount, d.created_at AS c, d.expected_close_date AS x,
				COALESCE((SELECT ev.to_stage_id FROM deal_stage_events ev
					WHERE ev.account_id = d.account_id AND ev.deal_id = d.id AND ev.at < %s
					ORDER BY ev.at DESC, ev.id DESC LIMIT 1), d.stage_id) AS st
			FROM deals d WHERE %s AND d.created_at < %s AND (d.closed_at IS NULL OR d.closed_at >= %s))
		SELECT COALESCE(fm.i, -1), o.st, SUM(o.amount), SUM(CAST(o.amount AS %s) * o.amount)
		FROM o LEFT JOIN fm ON (o.x IS NOT NULL AND (fm.i = 0 OR o.x >= fm.ds) AND o.x < fm.de)
			OR (o.x IS NULL AND (fm.i = 0 OR o.c >= fm.s) AND o.c < fm.e)
		GROUP BY COALESCE(fm.i, -1), o.st`, cte, at, q.where(actor, f), at, at, float)
	rows, err := q.rows(ctx, e.db.Reader(), sqlText)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("analytics: forecast pipeline: %w", err)
	}
	defer rows.Close()
	prob := map[int64]float64{}
	for _, s := range stages {
		prob[s.StageID] = s.Probability
	}
	weighted, variance = make([]float64, len(spans)), make([]float64, len(spans))
	for rows.Next() {
		var i int
		var stage int64
		var amount, squares float64
		if err := rows.Scan(&i, &stage, &amount, &squares); err != nil {
			return nil, nil, 0, fmt.Errorf("analytics: forecast pipeline: %w", err)
		}
		p := prob[stage] // a stage no longer open (a reopened deal's won stage) or removed: 0
		if i < 0 {
			beyond += amount * p
			continue
		}
		weighted[i] += amount * p
		variance[i] += squares * p * (1 - p)
	}
	return weighted, variance, beyond, rows.Err()
}

func init() {
	registerReport(&ReportDef{Name: "sales_forecast", TitleRU: "Прогноз продаж", TitleEN: "Sales forecast",
		Description: "revenue of the next months (months=N, default 6) after the period's end: weighted pipeline by expected close + new business by Holt-Winters or trend, with an interval and a backtest on the last 6 months",
		run:         salesForecastReport})
}

// salesForecastReport shows the forecast as rows: the history's months (actual), the backtest's
// (actual beside what the forecast six months earlier said, and the error), the forecast's.
func salesForecastReport(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	fc, err := e.SalesForecast(ctx, actor, req.Period, req.Months, req.Filter)
	if err != nil {
		return nil, err
	}
	rep := &Report{Columns: []Column{
		{Key: "bucket", TitleRU: "Месяц", TitleEN: "Month"},
		{Key: "kind", TitleRU: "Вид", TitleEN: "Kind"},
		{Key: "actual", TitleRU: "Факт", TitleEN: "Actual", Unit: Money},
		{Key: "pipeline", TitleRU: "Взвешенная воронка", TitleEN: "Weighted pipeline", Unit: Money},
		{Key: "new_business", TitleRU: "Новые продажи", TitleEN: "New business", Unit: Money},
		{Key: "forecast", TitleRU: "Прогноз", TitleEN: "Forecast", Unit: Money},
		{Key: "low", TitleRU: "Нижняя граница", TitleEN: "Low (95 %)", Unit: Money},
		{Key: "high", TitleRU: "Верхняя граница", TitleEN: "High (95 %)", Unit: Money},
		{Key: "error", TitleRU: "Ошибка", TitleEN: "Error", Unit: Money},
	}}
	row := func(kind string, m ForecastMonth, forecast bool) Row {
		r := Row{"bucket": m.Month, "kind": kind, "actual": m.Actual, "pipeline": (*float64)(nil), "new_business": (*float64)(nil),
			"forecast": (*float64)(nil), "low": m.Low, "high": m.High, "error": (*float64)(nil)}
		if forecast {
			r["pipeline"], r["new_business"], r["forecast"] = ptr(m.Pipeline), ptr(m.NewBusiness), ptr(m.Forecast)
			if m.Actual != nil {
				r["error"] = ptr(m.Forecast - *m.Actual)
			}
		}
		return r
	}
	for _, m := range fc.History {
		rep.Rows = append(rep.Rows, row("actual", m, false))
	}
	for _, m := range fc.Backtest {
		rep.Rows = append(rep.Rows, row("backtest", m, true))
	}
	for _, m := range fc.Months {
		rep.Rows = append(rep.Rows, row("forecast", m, true))
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("The forecast starts %s; it learns from the %d whole months from %s. Revenue = the weighted pipeline open at the start, by expected close date (else creation + the median days to win), + new business forecast from the history of revenue won from deals created at most k − 1 months earlier. The interval is ±1.96 σ.",
		fc.Start, len(fc.History), fc.HistoryStart))
	if fc.RequestedStart != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("The months from %s to %s are left out of the history: they have no deals (the records begin later), and as zero sales they would skew the model.",
			*fc.RequestedStart, addMonths(fc.HistoryStart, -1).String()[:7]))
	}
	switch fc.Model {
	case ModelHoltWinters:
		rep.Notes = append(rep.Notes, fmt.Sprintf("New business: Holt-Winters, additive, yearly season (first month: α=%.1f, β=%.1f, γ=%.1f), fitted to the errors 1 to %d months ahead.", fc.Alpha, fc.Beta, fc.Gamma, hwHorizon))
	case ModelTrend:
		rep.Notes = append(rep.Notes, "New business: a linear trend (Holt-Winters needs 24 months of history).")
	default:
		rep.Notes = append(rep.Notes, "New business: no history, forecast as 0.")
	}
	if fc.MAE != nil {
		mape := "—"
		if fc.MAPE != nil {
			mape = fmt.Sprintf("%.1f %%", *fc.MAPE)
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("Backtest (the forecast made %d months earlier against what came): MAE %.0f (minor units), MAPE %s.", backtestMonths, *fc.MAE, mape))
	} else {
		rep.Notes = append(rep.Notes, fmt.Sprintf("No backtest: it needs %d months of history.", backtestMonths+3))
	}
	if fc.MedianDays != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Median days from creation to win: %.1f.", *fc.MedianDays))
	}
	if fc.BeyondHorizon > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Weighted pipeline expected after the horizon, not shown: %.0f (minor units).", fc.BeyondHorizon))
	}
	for _, s := range fc.Stages {
		how := fmt.Sprintf("set on the stage (%d closed deals: fewer than %d to learn from)", s.Closed, minLearned)
		if s.Learned {
			how = fmt.Sprintf("learned: %d won of %d closed deals", s.Won, s.Closed)
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s / %s: %.1f %%, %s.", s.Pipeline, s.Stage, s.Probability*100, how))
	}
	return rep, nil
}
