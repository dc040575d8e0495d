package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// The discipline KPIs of KPI.md («Скорость и дисциплина»): overdue tasks, stalled deals and the
// managers' logged touches. Tasks and activities belong to a user (the task's responsible, the
// activity's author); the manager and team slices are that user's, the pipeline, channel, region
// and segment slices those of the deal the record is on ("(none)" when it is on no deal).

const (
	factsTasks    factGroup = "discipline_tasks"    // tasks by due_at: due, overdue, done late
	factsStalled  factGroup = "discipline_stalled"  // open deals at each bucket's end with no touch and no open task
	factsTouchLog factGroup = "discipline_touchlog" // touches logged by users in each bucket
)

// now is the instant "not done by its due time" is judged at; tests never need to move it, as
// their tasks are due in the past or far in the future.
var now = time.Now

func init() {
	registerFacts(factsTasks, (*Engine).taskFacts)
	registerFacts(factsStalled, (*Engine).stalledFacts)
	registerFacts(factsTouchLog, (*Engine).touchLogFacts)
	register(&KPI{ID: "overdue_tasks", NameRU: "Просроченные задачи", NameEN: "Overdue tasks", Unit: Count,
		facts:      []factGroup{factsTasks},
		Definition: "tasks due in the period not completed by their due time: still open after it, or completed after it; the denominator is the tasks due in the period whose due time has passed, so numerator / denominator is the share (overdue_tasks_rate)",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["overdue"]), ptr(f["overdue"]), ptr(f["due_passed"])
		}})
	register(&KPI{ID: "overdue_tasks_rate", NameRU: "Доля просроченных задач", NameEN: "Overdue task rate", Unit: Percent,
		facts:      []factGroup{factsTasks},
		Definition: "overdue_tasks / tasks due in the period whose due time has passed × 100",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["overdue"], f["due_passed"], 100), ptr(f["overdue"]), ptr(f["due_passed"])
		}})
	register(&KPI{ID: "stalled_deals", NameRU: "Зависшие сделки", NameEN: "Stalled deals", Unit: Count,
		facts:      []factGroup{factsStalled, factsOpen},
		Definition: "deals open at the end of the period, created more than N days (the account's stalled_days, default 7) before it, with no touch on the deal or its client in the last N days and no open task on the deal; the denominator is the open deals, so numerator / denominator is the share",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["stalled"]), ptr(f["stalled"]), ptr(f["open"])
		}})
	register(&KPI{ID: "manager_activity", NameRU: "Активность менеджеров", NameEN: "Manager activity", Unit: Count,
		facts:      []factGroup{factsTouchLog},
		Definition: "touches (outbound calls, e-mails and messages, meetings) logged by the user in the period; the full daily breakdown is the report manager_activity",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["touches"]), ptr(f["touches"]), nil
		}})
}

// userDimSQL is how a dimension reads for rows that belong to a user (userCol) and may be on a deal
// d, LEFT JOINed: manager and team are the user's, the rest the deal's, "(none)" without one.
func userDimSQL(d Dimension, userCol string) (label, join string) {
	switch d {
	case ByManager:
		return "um.name", "JOIN users um ON um.id = " + userCol
	case ByTeam:
		return "COALESCE(ut.name, '(none)')", "JOIN users utu ON utu.id = " + userCol + " LEFT JOIN teams ut ON ut.id = utu.team_id"
	case ByPipeline:
		return "COALESCE(dp.name, '(none)')", "LEFT JOIN pipelines dp ON dp.id = d.pipeline_id"
	case ByChannel:
		return "COALESCE(dc.name, '(none)')", "LEFT JOIN channels dc ON dc.id = d.channel_id"
	case ByRegion:
		return "CASE WHEN d.region IS NULL OR d.region = '' THEN '(none)' ELSE d.region END", ""
	default:
		return "CASE WHEN d.segment IS NULL OR d.segment = '' THEN '(none)' ELSE d.segment END", ""
	}
}

// userWhere is the condition of user-owned rows x (tasks, activities) of the account: live, of a
// user the actor may see, not on a deleted deal (d is x's deal, LEFT JOINed live), filtered: the
// manager and team filters by the user, the others by the deal (a row on no deal is filtered out).
func (q *query) userWhere(actor *crm.Actor, f Filter, x, userCol string) string {
	conds := []string{x + ".account_id = " + q.add(actor.AccountID), x + ".deleted_at IS NULL",
		"(" + x + ".deal_id IS NULL OR d.id IS NOT NULL)"}
	conds = append(conds, q.userConds(actor, f, userCol)...)
	return strings.Join(conds, " AND ")
}

// userRows is the join and the condition of user-owned rows x (tasks, activities) as userWhere
// has them. When neither the slices nor the filter need x's deal, the deal is not joined: "not on
// a deleted deal" is then a NOT IN over the account's deleted deals, a few, kept in memory —
// rather than a lookup of the deal for every row (the touch log over a year of a 1M-deal account:
// 7.1 s joined, 4.8 s so).
func (q *query) userRows(actor *crm.Actor, by []Dimension, f Filter, x, userCol string) (join, where string) {
	needDeal := f.PipelineID != 0 || f.ChannelID != 0 || f.Region != "" || f.Segment != ""
	for _, d := range by {
		needDeal = needDeal || d == ByPipeline || d == ByChannel || d == ByRegion || d == BySegment
	}
	if needDeal {
		return "LEFT JOIN deals d ON d.account_id = " + x + ".account_id AND d.id = " + x + ".deal_id AND d.deleted_at IS NULL",
			q.userWhere(actor, f, x, userCol)
	}
	acc := q.add(actor.AccountID)
	conds := []string{x + ".account_id = " + acc, x + ".deleted_at IS NULL",
		"(" + x + ".deal_id IS NULL OR " + x + ".deal_id NOT IN (SELECT id FROM deals WHERE account_id = " + acc + " AND deleted_at IS NOT NULL))"}
	conds = append(conds, q.userConds(actor, f, userCol)...)
	return "", strings.Join(conds, " AND ")
}

// userConds are the conditions on the user of a user-owned row: visible to the actor, and the
// manager and team filters; then the deal filters on its deal d.
func (q *query) userConds(actor *crm.Actor, f Filter, userCol string) []string {
	vis, vargs := store.Visible(actor, userCol, len(q.args)+1)
	q.args = append(q.args, vargs...)
	conds := []string{vis}
	if f.ManagerID != 0 {
		conds = append(conds, userCol+" = "+q.add(f.ManagerID))
	}
	if f.TeamID != 0 {
		conds = append(conds, userCol+" IN (SELECT id FROM users WHERE account_id = "+q.add(actor.AccountID)+" AND team_id = "+q.add(f.TeamID)+")")
	}
	if f.PipelineID != 0 {
		conds = append(conds, "d.pipeline_id = "+q.add(f.PipelineID))
	}
	if f.ChannelID != 0 {
		conds = append(conds, "d.channel_id = "+q.add(f.ChannelID))
	}
	if f.Region != "" {
		conds = append(conds, "d.region = "+q.add(f.Region))
	}
	if f.Segment != "" {
		conds = append(conds, "d.segment = "+q.add(f.Segment))
	}
	return conds
}

// groupSQL returns the labels and joins of by for a deal-centric query (dimSQL) or, when userCol is
// given, a user-owned one (userDimSQL).
func groupSQL(by []Dimension, userCol string) (labels []string, joins string) {
	var js []string
	for _, d := range by {
		l, j := dimSQL[d].label, dimSQL[d].join
		if userCol != "" {
			l, j = userDimSQL(d, userCol)
		}
		labels = append(labels, l)
		if j != "" {
			js = append(js, j)
		}
	}
	return labels, strings.Join(js, " ")
}

// runFacts runs a fact query whose rows are (bucket, labels…, values…) and returns the values by
// (bucket, slice) under names.
func (e *Engine) runFacts(ctx context.Context, q *query, sqlText string, nLabels int, names []string) (map[sliceKey]facts, error) {
	return collectFacts(ctx, e, q, sqlText, nLabels, names)
}

// taskFacts counts the tasks due in each bucket: those whose due time has passed (by now), and of
// them those not completed by it (open, or done after due_at).
func (e *Engine) taskFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	labels, joins := groupSQL(by, "t.responsible_id")
	sel := strings.Join(append([]string{"b.i"}, labels...), ", ")
	at := q.add(now().UTC())
	dealJoin, where := q.userRows(actor, by, f, "t", "t.responsible_id")
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, COUNT(*),
			SUM(CASE WHEN t.due_at < %s THEN 1 ELSE 0 END),
			SUM(CASE WHEN t.due_at < %s AND (t.done_at IS NULL OR t.done_at > t.due_at) THEN 1 ELSE 0 END),
			SUM(CASE WHEN t.done_at > t.due_at THEN 1 ELSE 0 END)
		FROM tasks t %s %s %s
		WHERE %s GROUP BY %s`, cte, sel, at, at, q.within("t.due_at"), dealJoin, joins, where, sel)
	return e.runFacts(ctx, q, sqlText, len(labels), []string{"due", "due_passed", "overdue", "done_late"})
}

// spansCutCTE lists the buckets as rows (i, s, e, c), c = e − cut: the start of the window that
// looks back from each bucket's end.
func (q *query) spansCutCTE(spans []Span, cut time.Duration) string {
	rows := make([]string, len(spans))
	for i, s := range spans {
		if q.engine == store.Postgres {
			rows[i] = fmt.Sprintf("(%s::int, %s::timestamptz, %s::timestamptz, %s::timestamptz)", q.add(i), q.add(s.Start), q.add(s.End), q.add(s.End.Add(-cut)))
		} else {
			rows[i] = fmt.Sprintf("(%s, %s, %s, %s)", q.add(i), q.add(s.Start), q.add(s.End), q.add(s.End.Add(-cut)))
		}
	}
	return "spans(i, s, e, c) AS (VALUES " + strings.Join(rows, ", ") + ")"
}

// touchSince is the SQL condition that deal d or its client had a touch in [b.c, b.e): three
// index lookups, as firstTouch.
const touchSince = `(EXISTS (SELECT 1 FROM activities a WHERE a.account_id = d.account_id AND a.deal_id = d.id
			AND a.at >= b.c AND a.at < b.e AND ` + isTouch + `)
		OR (d.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM activities a WHERE a.account_id = d.account_id
			AND a.contact_id = d.contact_id AND a.at >= b.c AND a.at < b.e AND ` + isTouch + `))
		OR (d.company_id IS NOT NULL AND EXISTS (SELECT 1 FROM activities a WHERE a.account_id = d.account_id
			AND a.company_id = d.company_id AND a.at >= b.c AND a.at < b.e AND ` + isTouch + `)))`

// openTaskAt is the SQL condition that deal d has a live task open at instant e: created before
// it and not done by it.
func openTaskAt(e string) string {
	return `EXISTS (SELECT 1 FROM tasks t WHERE t.account_id = d.account_id AND t.deal_id = d.id AND t.deleted_at IS NULL
			AND t.created_at < ` + e + ` AND (t.done_at IS NULL OR t.done_at >= ` + e + `))`
}

// stalledFacts counts the deals open at the end of each bucket that are stalled: created more than
// N days before it, no touch on the deal or its client in the N days before it, and no task open
// on the deal at it.
func (e *Engine) stalledFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	days := e.settings(ctx, actor).StalledDays
	cte := q.spansCutCTE(spans, time.Duration(days)*24*time.Hour)
	labels, joins := groupSQL(by, "")
	sel := strings.Join(append([]string{"b.i"}, labels...), ", ")
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, COUNT(*), SUM(d.amount)
		FROM deals d CROSS JOIN spans b %s
		WHERE d.created_at < b.c AND (d.closed_at IS NULL OR d.closed_at >= b.e) AND %s AND %s AND NOT %s AND NOT %s GROUP BY %s`,
		cte, sel, joins, q.where(actor, f), q.openAtAnEnd(spans), touchSince, openTaskAt("b.e"), sel)
	return e.runFacts(ctx, q, sqlText, len(labels), []string{"stalled", "stalled_amount"})
}

// touchLogFacts counts the touches users logged in each bucket, by the user who logged them.
func (e *Engine) touchLogFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	labels, joins := groupSQL(by, "a.user_id")
	sel := strings.Join(append([]string{"b.i"}, labels...), ", ")
	within := q.within("a.at")
	dealJoin, where := q.userRows(actor, by, f, "a", "a.user_id")
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, COUNT(*)
		FROM activities a %s %s %s
		WHERE %s AND %s GROUP BY %s`, cte, sel, within, dealJoin, joins, where, isTouch, sel)
	return e.runFacts(ctx, q, sqlText, len(labels), []string{"touches"})
}
