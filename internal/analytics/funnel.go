package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/voronka/voronka/internal/crm"
	"golang.org/x/sync/errgroup"
)

// The funnel analysis of KPI.md («Анализ воронки»): one pipeline, the cohort of deals that entered
// it in the period, followed stage by stage to the exit, in total and per slice. The definitions
// (docs/kpi.md has them for readers):
//
//   - A deal enters a pipeline when it is created in it or moved into it from another pipeline (a
//     row of deal_stage_events whose to_pipeline_id is the pipeline and whose from_pipeline_id is
//     NULL or another one). The moment of a creation is the deal's created_at, of a move the move's
//     time. A deal counts once, in the cohort of its first entry into the pipeline: a deal that
//     left and came back is not a new entry, so the cohorts of consecutive periods never overlap.
//   - A deal reached open stage k if it was ever in stage k or a later open stage of the pipeline,
//     or ever in its won stage (a won deal reached every stage; a stage skipped counts as reached
//     when a later one is). Being lost reaches nothing. Stages removed from the pipeline (archived)
//     are not in its funnel, and a visit to one reaches nothing.
//   - The exit is the deal's state now: won or lost in the pipeline, still open in it, or moved out
//     (it is now in another pipeline, whatever its state there). won + lost + open + moved out =
//     entry. A won deal that was reopened is open; it still reached every stage.
//   - Time in a stage is, per deal, the total time of its visits to the stage (from entering it to
//     the next stage change, which may be a move to another pipeline). A deal still in the stage
//     is left out of the median and mean (its time is not known yet) and counted in in_stage_now.
//   - Funnel length is the median (and mean) days from entry to closed_at of the deals now won in
//     the pipeline (0 for a deal moved in already won).
//   - The bottleneck is the step with the lowest conversion from one stage to the next (the last
//     open stage's next is the won stage); the slowest stage has the longest median time. Ties go
//     to the earlier stage.
//
// Slices: manager, team, channel, region, segment (the deal's current values), product (the
// deal's line items: a deal with several products counts in each; a line item without a catalogue
// product by its name; a deal without items is "(none)"), client_type (new / existing: the
// client, its company else its main contact, had a won deal closed before the deal's created_at).

// FunnelDimensions lists the slices a funnel may be broken down by.
var FunnelDimensions = []Dimension{ByManager, ByTeam, ByChannel, ByRegion, BySegment, ByProduct, ByClientType}

// FunnelRequest asks for the funnel of a pipeline (0: the account's first pipeline) over the
// cohort of deals that entered it in the period, optionally by a slice. Filter.PipelineID is
// ignored (the funnel's pipeline is PipelineID).
type FunnelRequest struct {
	PipelineID int64
	Period     Period
	By         Dimension
	Filter     Filter
}

// Funnel is the answer: the total and, with By, one row per slice that had entries.
type Funnel struct {
	PipelineID int64         `json:"pipeline_id"`
	Pipeline   string        `json:"pipeline"`
	Period     string        `json:"period"`
	By         Dimension     `json:"by,omitempty"`
	Stages     []FunnelStep  `json:"stages"` // the pipeline's open stages in order, then its won stage
	Total      FunnelSlice   `json:"total"`
	Slices     []FunnelSlice `json:"slices"`
	Notes      []string      `json:"notes"`
}

// FunnelStep names a stage of the funnel.
type FunnelStep struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// FunnelSlice is the funnel of the total (Label "") or of one slice. Ratios are percent, nil over
// nothing; days are fractional.
type FunnelSlice struct {
	Label          string            `json:"label"`
	Entry          int64             `json:"entry"`
	Stages         []FunnelStage     `json:"stages"`
	Won            int64             `json:"won"`
	Lost           int64             `json:"lost"`
	LostByReason   []FunnelReason    `json:"lost_by_reason"`
	Open           int64             `json:"open"`
	MovedOut       int64             `json:"moved_out"`
	Conversion     *float64          `json:"conversion"`       // won / entry × 100
	LengthDays     *float64          `json:"length_days"`      // median days from entry to win
	LengthMeanDays *float64          `json:"length_mean_days"` // mean of the same
	Bottleneck     *FunnelBottleneck `json:"bottleneck"`       // the lowest stage-to-stage conversion
	Slowest        *FunnelBottleneck `json:"slowest"`          // the longest median time in a stage
}

// FunnelStage is one open stage of a slice's funnel.
type FunnelStage struct {
	StageID         int64    `json:"stage_id"`
	Name            string   `json:"name"`
	Reached         int64    `json:"reached"`
	ConversionPrev  *float64 `json:"conversion_prev"`  // reached / reached of the previous stage (of entry for the first) × 100
	ConversionEntry *float64 `json:"conversion_entry"` // reached / entry × 100
	DropOff         int64    `json:"drop_off"`         // reached here but not the next stage (won after the last)
	DropOffRate     *float64 `json:"drop_off_rate"`    // drop_off / reached × 100
	MedianDays      *float64 `json:"median_days"`      // time in the stage of the deals that left it
	MeanDays        *float64 `json:"mean_days"`
	Timed           int64    `json:"timed"`        // the deals the times are of
	InStageNow      int64    `json:"in_stage_now"` // deals of the cohort in the stage now, left out of the times
}

// FunnelReason is the number of lost deals with a loss reason ("(none)" without one).
type FunnelReason struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// FunnelBottleneck names a stage (and, for a conversion, the next step) with its figure.
type FunnelBottleneck struct {
	StageID int64   `json:"stage_id"`
	Stage   string  `json:"stage"`
	Next    string  `json:"next,omitempty"` // the stage after it: the conversion is Stage → Next
	Value   float64 `json:"value"`          // percent for the bottleneck, days for the slowest
}

// wonTop is the "position" of the won stage: beyond every open stage.
const wonTop = 1000000000

// funnelStage is a stage of the pipeline as read from the database.
type funnelStage struct {
	id       int64
	name     string
	position int64
	kind     string
}

// Funnel computes the funnel analysis for the actor, who sees in it the deals they may see: a
// manager their own, a head of sales their team's, an administrator the account's. EINVALID for
// a bad period, an unknown pipeline or slice.
func (e *Engine) Funnel(ctx context.Context, actor *crm.Actor, req FunnelRequest) (*Funnel, error) {
	return cachedAnswer(e, cacheKey(actor, req), func() (*Funnel, error) { return e.funnel(ctx, actor, req) })
}

func (e *Engine) funnel(ctx context.Context, actor *crm.Actor, req FunnelRequest) (*Funnel, error) {
	var v crm.Validation
	if req.By != "" && !slices.Contains(FunnelDimensions, req.By) {
		names := make([]string, len(FunnelDimensions))
		for i, d := range FunnelDimensions {
			names[i] = string(d)
		}
		v.Add("by", "unknown", fmt.Sprintf("%q is not a slice of the funnel; known: %s", req.By, strings.Join(names, ", ")))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := req.Period.Validate(); err != nil {
		return nil, err
	}
	fn := &Funnel{PipelineID: req.PipelineID, By: req.By, Slices: []FunnelSlice{}, Notes: funnelNotes}
	db := e.db.Reader()
	var err error
	if fn.PipelineID == 0 {
		err = db.QueryRowContext(ctx, `SELECT id, name FROM pipelines WHERE account_id = $1 AND NOT archived ORDER BY position, id LIMIT 1`,
			actor.AccountID).Scan(&fn.PipelineID, &fn.Pipeline)
	} else {
		err = db.QueryRowContext(ctx, `SELECT name FROM pipelines WHERE account_id = $1 AND id = $2`,
			actor.AccountID, fn.PipelineID).Scan(&fn.Pipeline)
	}
	if errors.Is(err, sql.ErrNoRows) {
		v.Add("pipeline_id", "unknown", "no such pipeline in this account")
		return nil, v.Err()
	} else if err != nil {
		return nil, fmt.Errorf("analytics: funnel pipeline: %w", err)
	}
	stages, stageIDs, err := e.funnelStages(ctx, actor, fn.PipelineID)
	if err != nil {
		return nil, err
	}
	for _, s := range stages {
		fn.Stages = append(fn.Stages, FunnelStep{ID: s.id, Name: s.name, Kind: s.kind})
	}
	span := req.Period.Span()
	fn.Period = span.Label
	f := req.Filter
	f.PipelineID = 0
	// The total, then the slices: each runs its queries side by side already, and more at once
	// than there are cores would only cost memory.
	totals, err := e.funnelFacts(ctx, actor, fn.PipelineID, stageIDs, span, "", f)
	if err != nil {
		return nil, err
	}
	fn.Total = totals[""].slice("", stages)
	if req.By != "" {
		bySlice, err := e.funnelFacts(ctx, actor, fn.PipelineID, stageIDs, span, req.By, f)
		if err != nil {
			return nil, err
		}
		labels := make([]string, 0, len(bySlice))
		for l := range bySlice {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			fn.Slices = append(fn.Slices, bySlice[l].slice(l, stages))
		}
	}
	return fn, nil
}

var funnelNotes = []string{
	"cohort: deals whose first entry into the pipeline (creation in it, or a move into it from another pipeline) is in the period; a deal counts once",
	"reached: ever in the stage or a later one, or ever won in the pipeline; skipped stages count as reached",
	"exit: the deal's state now — won, lost, open, or moved out to another pipeline",
	"time in stage: total time of a deal's visits to the stage; deals still in it are left out (in_stage_now)",
	"funnel length: median days from entry to the win of the deals won in the pipeline",
}

// funnelStages returns the pipeline's live open stages in order, then its won stage; and the ids
// of all its stages, archived and lost ones too.
func (e *Engine) funnelStages(ctx context.Context, actor *crm.Actor, pipelineID int64) ([]funnelStage, []int64, error) {
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT id, name, position, kind, archived FROM stages
		WHERE account_id = $1 AND pipeline_id = $2 ORDER BY position, id`, actor.AccountID, pipelineID)
	if err != nil {
		return nil, nil, fmt.Errorf("analytics: funnel stages: %w", err)
	}
	defer rows.Close()
	var open, won []funnelStage
	var ids []int64
	for rows.Next() {
		var s funnelStage
		var archived bool
		if err := rows.Scan(&s.id, &s.name, &s.position, &s.kind, &archived); err != nil {
			return nil, nil, fmt.Errorf("analytics: funnel stages: %w", err)
		}
		ids = append(ids, s.id)
		switch {
		case archived || s.kind == crm.StageLost:
		case s.kind == crm.StageWon:
			s.position = wonTop
			won = append(won, s)
		default:
			open = append(open, s)
		}
	}
	return append(open, won...), ids, rows.Err()
}

// funnelAgg holds the aggregates of one slice, as the database returns them.
type funnelAgg struct {
	tops    map[int64]int64 // deals by the furthest stage position reached (-1: none)
	exits   map[string]int64
	reasons map[string]int64
	times   map[int64]*stageTime
	wonN    int64
	wonSum  float64 // seconds
	wonMed  *float64
}

type stageTime struct {
	timed, now int64
	sum        float64
	median     *float64
}

func newFunnelAgg() *funnelAgg {
	return &funnelAgg{tops: map[int64]int64{}, exits: map[string]int64{}, reasons: map[string]int64{}, times: map[int64]*stageTime{}}
}

// slice turns the aggregates into the figures of a slice.
func (a *funnelAgg) slice(label string, stages []funnelStage) FunnelSlice {
	if a == nil {
		a = newFunnelAgg()
	}
	s := FunnelSlice{Label: label, Stages: []FunnelStage{}, LostByReason: []FunnelReason{}}
	for _, n := range a.tops {
		s.Entry += n
	}
	s.Won, s.Lost, s.Open, s.MovedOut = a.exits[crm.DealWon], a.exits[crm.DealLost], a.exits[crm.DealOpen], a.exits["moved"]
	for r, n := range a.reasons {
		s.LostByReason = append(s.LostByReason, FunnelReason{Reason: r, Count: n})
	}
	sort.Slice(s.LostByReason, func(i, j int) bool {
		x, y := s.LostByReason[i], s.LostByReason[j]
		return x.Count > y.Count || x.Count == y.Count && x.Reason < y.Reason
	})
	s.Conversion = ratio(float64(s.Won), float64(s.Entry), 100)
	if a.wonN > 0 {
		s.LengthDays = ptr(*a.wonMed / 86400)
		s.LengthMeanDays = ptr(a.wonSum / float64(a.wonN) / 86400)
	}
	var open []funnelStage
	wonName := ""
	for _, st := range stages {
		if st.kind == crm.StageOpen {
			open = append(open, st)
		} else {
			wonName = st.name
		}
	}
	prev := s.Entry
	for _, st := range open {
		var reached int64
		for top, n := range a.tops {
			if top >= st.position {
				reached += n
			}
		}
		fs := FunnelStage{StageID: st.id, Name: st.name, Reached: reached,
			ConversionPrev: ratio(float64(reached), float64(prev), 100), ConversionEntry: ratio(float64(reached), float64(s.Entry), 100)}
		if t := a.times[st.id]; t != nil {
			fs.Timed, fs.InStageNow = t.timed, t.now
			if t.timed > 0 && t.median != nil {
				fs.MedianDays = ptr(*t.median / 86400)
				fs.MeanDays = ptr(t.sum / float64(t.timed) / 86400)
			}
		}
		s.Stages = append(s.Stages, fs)
		prev = reached
	}
	for i := range s.Stages {
		next := s.Won
		if i+1 < len(s.Stages) {
			next = s.Stages[i+1].Reached
		}
		st := &s.Stages[i]
		st.DropOff = st.Reached - next
		st.DropOffRate = ratio(float64(st.DropOff), float64(st.Reached), 100)
	}
	// The bottleneck: the lowest conversion from a stage to the next (won after the last).
	for i, st := range s.Stages {
		nextName, next := wonName, s.Won
		if i+1 < len(s.Stages) {
			nextName, next = s.Stages[i+1].Name, s.Stages[i+1].Reached
		}
		c := ratio(float64(next), float64(st.Reached), 100)
		if c != nil && (s.Bottleneck == nil || *c < s.Bottleneck.Value) {
			s.Bottleneck = &FunnelBottleneck{StageID: st.StageID, Stage: st.Name, Next: nextName, Value: *c}
		}
		if st.MedianDays != nil && (s.Slowest == nil || *st.MedianDays > s.Slowest.Value) {
			s.Slowest = &FunnelBottleneck{StageID: st.StageID, Stage: st.Name, Value: *st.MedianDays}
		}
	}
	return s
}

// funnelCohort is the SQL of the cohort: CTEs ent (each deal's first entry into the pipeline, when
// it is in the span) and cd (the deals of the cohort the actor may see, filtered, with the label
// of their slice; a deal is in several rows for the product slice). Other CTEs and the SELECT
// follow it.
func (q *query) funnelCohort(actor *crm.Actor, pipelineID int64, stageIDs []int64, span Span, by Dimension, f Filter) string {
	acc, pid := q.add(actor.AccountID), q.add(pipelineID)
	from, to := q.add(span.Start), q.add(span.End)
	// The pipeline's stages as a list, so that the entries are read from the events' index on
	// (account, stage, time) rather than from every event of the account.
	in := make([]string, len(stageIDs))
	for i, id := range stageIDs {
		in[i] = q.add(id)
	}
	label, join, distinct := "''", "", ""
	switch by {
	case "":
	case ByProduct:
		label = "COALESCE(dpr.name, di.name, '(none)')"
		join = `LEFT JOIN deal_items di ON di.account_id = d.account_id AND di.deal_id = d.id
			LEFT JOIN products dpr ON dpr.account_id = di.account_id AND dpr.id = di.product_id`
		distinct = "DISTINCT "
	case ByClientType:
		label = "CASE WHEN " + q.existingClient() + " = 1 THEN 'existing' ELSE 'new' END"
	default:
		label, join = dimSQL[by].label, dimSQL[by].join
	}
	// Entries are found from the period's start on (an entry in the period happened at or after
	// it: a creation's event is never before created_at); a deal with any event into the pipeline
	// before the start entered it before, and is another period's.
	return fmt.Sprintf(`WITH entries AS MATERIALIZED (
			SELECT e.deal_id, CASE WHEN e.from_stage_id IS NULL THEN ed.created_at ELSE e.at END AS entered
			FROM deal_stage_events e JOIN deals ed ON ed.account_id = e.account_id AND ed.id = e.deal_id
			WHERE e.account_id = %[1]s AND e.to_stage_id IN (%[9]s) AND e.at >= %[3]s AND e.to_pipeline_id = %[2]s
				AND (e.from_pipeline_id IS NULL OR e.from_pipeline_id <> %[2]s)),
		ent AS (SELECT deal_id, MIN(entered) AS entered FROM entries GROUP BY deal_id),
		cd AS MATERIALIZED (
			SELECT %[5]sd.id AS deal_id, ent.entered, d.pipeline_id, d.stage_id, d.status, d.closed_at, d.loss_reason_id, %[6]s AS lbl
			FROM ent JOIN deals d ON d.account_id = %[1]s AND d.id = ent.deal_id %[7]s
			WHERE ent.entered >= %[3]s AND ent.entered < %[4]s
				AND NOT EXISTS (SELECT 1 FROM deal_stage_events x WHERE x.account_id = d.account_id
					AND x.deal_id = d.id AND x.to_pipeline_id = %[2]s AND x.at < %[3]s)
				AND %[8]s)`,
		acc, pid, from, to, distinct, label, join, q.where(actor, f), strings.Join(in, ", "))
}

// funnelFacts runs the funnel's aggregate queries for one slicing (by "" for the total) and
// returns the aggregates by label.
func (e *Engine) funnelFacts(ctx context.Context, actor *crm.Actor, pipelineID int64, stageIDs []int64, span Span, by Dimension, f Filter) (map[string]*funnelAgg, error) {
	out := map[string]*funnelAgg{}
	agg := func(l string) *funnelAgg {
		if out[l] == nil {
			out[l] = newFunnelAgg()
		}
		return out[l]
	}
	// The four queries below are independent: they run side by side (one per core), their rows
	// folded into out under a lock.
	var mu sync.Mutex
	group, gctx := errgroup.WithContext(ctx)
	group.SetLimit(queryParallelism())
	run := func(build func(q *query) string, scan func(rows *sql.Rows) error) {
		group.Go(func() error {
			q := &query{engine: e.db.Engine}
			text := build(q)
			rows, err := q.rows(gctx, e.db.Reader(), text)
			if err != nil {
				return fmt.Errorf("analytics: funnel: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				mu.Lock()
				err := scan(rows)
				mu.Unlock()
				if err != nil {
					return fmt.Errorf("analytics: funnel: %w", err)
				}
			}
			return rows.Err()
		})
	}
	// The furthest stage each deal reached: its events into the pipeline's stages and, should its
	// history lack it, the stage it is in now.
	reach := func(st string) string {
		return fmt.Sprintf("CASE WHEN %[1]s.kind = 'won' THEN %[2]d WHEN %[1]s.kind = 'open' AND NOT %[1]s.archived THEN %[1]s.position END", st, wonTop)
	}
	run(func(q *query) string {
		cte := q.funnelCohort(actor, pipelineID, stageIDs, span, by, f)
		acc, pid := q.add(actor.AccountID), q.add(pipelineID)
		return fmt.Sprintf(`%s,
			tops AS (
				SELECT deal_id, lbl, MAX(top) AS top FROM (
					SELECT cd.deal_id, cd.lbl, %s AS top
					FROM cd JOIN deal_stage_events ev ON ev.account_id = %s AND ev.deal_id = cd.deal_id AND ev.to_pipeline_id = %s
						JOIN stages es ON es.account_id = ev.account_id AND es.id = ev.to_stage_id
					UNION ALL
					SELECT cd.deal_id, cd.lbl, %s
					FROM cd JOIN stages cs ON cs.account_id = %s AND cs.id = cd.stage_id AND cs.pipeline_id = %s
				) t GROUP BY deal_id, lbl)
			SELECT lbl, top, COUNT(*) FROM tops GROUP BY lbl, top`,
			cte, reach("es"), acc, pid, reach("cs"), acc, pid)
	}, func(rows *sql.Rows) error {
		var l string
		var top sql.NullInt64
		var n int64
		if err := rows.Scan(&l, &top, &n); err != nil {
			return err
		}
		t := int64(-1)
		if top.Valid {
			t = top.Int64
		}
		agg(l).tops[t] += n
		return nil
	})
	// The exit: the deal's state now, with the loss reason of the lost.
	run(func(q *query) string {
		cte := q.funnelCohort(actor, pipelineID, stageIDs, span, by, f)
		acc, pid := q.add(actor.AccountID), q.add(pipelineID)
		return fmt.Sprintf(`%s,
			x AS (SELECT cd.lbl, CASE WHEN cd.pipeline_id <> %[3]s THEN 'moved' ELSE cd.status END AS ex,
					CASE WHEN cd.pipeline_id = %[3]s AND cd.status = 'lost' THEN COALESCE(lr.name, '(none)') ELSE '' END AS reason
				FROM cd LEFT JOIN loss_reasons lr ON lr.account_id = %[2]s AND lr.id = cd.loss_reason_id)
			SELECT lbl, ex, reason, COUNT(*) FROM x GROUP BY lbl, ex, reason`, cte, acc, pid)
	}, func(rows *sql.Rows) error {
		var l, ex, reason string
		var n int64
		if err := rows.Scan(&l, &ex, &reason, &n); err != nil {
			return err
		}
		a := agg(l)
		a.exits[ex] += n
		if ex == crm.DealLost {
			a.reasons[reason] += n
		}
		return nil
	})
	// Time in each open stage: a deal's visits, each from its event to the deal's next event.
	run(func(q *query) string {
		cte := q.funnelCohort(actor, pipelineID, stageIDs, span, by, f)
		acc, pid := q.add(actor.AccountID), q.add(pipelineID)
		secs := q.seconds("ev.at", "ev.left_at")
		return fmt.Sprintf(`%[1]s,
			ev AS (
				SELECT cd.lbl, e.deal_id, e.to_stage_id AS sid, e.at,
					LEAD(e.at) OVER (PARTITION BY cd.lbl, e.deal_id ORDER BY e.at, e.id) AS left_at
				FROM cd JOIN deal_stage_events e ON e.account_id = %[2]s AND e.deal_id = cd.deal_id),
			-- The label rides along from cd: joining cd with ds afterwards, PostgreSQL (which
			-- estimates cd at one row) rescanned ds for every deal of the cohort. ev CROSS JOIN
			-- stages: SQLite otherwise looped over the stages and built an index on ev for each
			-- (16.8 s instead of 19.2 s at 1M deals).
			x AS (
				SELECT ev.lbl, ev.sid, SUM(%[4]s) AS secs, COUNT(*) - COUNT(ev.left_at) AS open_visits
				FROM ev CROSS JOIN stages st
				WHERE st.account_id = %[2]s AND st.id = ev.sid AND st.pipeline_id = %[3]s
					AND st.kind = 'open' AND NOT st.archived
				GROUP BY ev.lbl, ev.deal_id, ev.sid),
			y AS (SELECT lbl, sid, secs,
					ROW_NUMBER() OVER (PARTITION BY lbl, sid ORDER BY secs) AS rn, COUNT(*) OVER (PARTITION BY lbl, sid) AS n
				FROM x WHERE open_visits = 0),
			m AS (SELECT lbl, sid, AVG(secs) AS med FROM y WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY lbl, sid),
			a AS (SELECT lbl, sid, SUM(CASE WHEN open_visits = 0 THEN 1 ELSE 0 END) AS timed,
					SUM(CASE WHEN open_visits = 0 THEN secs ELSE 0 END) AS total,
					SUM(CASE WHEN open_visits > 0 THEN 1 ELSE 0 END) AS now_in
				FROM x GROUP BY lbl, sid)
			SELECT a.lbl, a.sid, a.timed, a.total, a.now_in, m.med
			FROM a LEFT JOIN m ON m.lbl = a.lbl AND m.sid = a.sid`, cte, acc, pid, secs)
	}, func(rows *sql.Rows) error {
		var l string
		var sid, timed, now int64
		var total, med sql.NullFloat64
		if err := rows.Scan(&l, &sid, &timed, &total, &now, &med); err != nil {
			return err
		}
		t := &stageTime{timed: timed, now: now, sum: total.Float64}
		if med.Valid {
			t.median = ptr(med.Float64)
		}
		agg(l).times[sid] = t
		return nil
	})
	// Funnel length: entry to win of the deals won in the pipeline.
	run(func(q *query) string {
		cte := q.funnelCohort(actor, pipelineID, stageIDs, span, by, f)
		pid := q.add(pipelineID)
		secs := q.seconds("entered", "closed_at")
		return fmt.Sprintf(`%[1]s,
			w AS (SELECT lbl, CASE WHEN closed_at < entered THEN 0 ELSE %[3]s END AS v FROM cd WHERE pipeline_id = %[2]s AND status = 'won'),
			z AS (SELECT lbl, v, ROW_NUMBER() OVER (PARTITION BY lbl ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY lbl) AS n FROM w),
			m AS (SELECT lbl, AVG(v) AS med FROM z WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY lbl),
			a AS (SELECT lbl, COUNT(*) AS n, SUM(v) AS total FROM w GROUP BY lbl)
			SELECT a.lbl, a.n, a.total, m.med FROM a JOIN m ON m.lbl = a.lbl`, cte, pid, secs)
	}, func(rows *sql.Rows) error {
		var l string
		var n int64
		var total, med sql.NullFloat64
		if err := rows.Scan(&l, &n, &total, &med); err != nil {
			return err
		}
		a := agg(l)
		a.wonN, a.wonSum, a.wonMed = n, total.Float64, ptr(med.Float64)
		return nil
	})
	if err := group.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
