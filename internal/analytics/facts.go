package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// A fact group is one aggregate query over deals (or another table), grouped by bucket and slice;
// several KPIs read their figures from the same group. The groups of this file are SQL over
// deals; a file of another KPI group adds its own with registerFacts.
type factGroup string

const (
	factsCreated factGroup = "created" // deals by created_at: leads, and how many of them are won by now
	factsClosed  factGroup = "closed"  // deals by closed_at: won, lost, revenue, margin, days to win
	factsAddOn   factGroup = "add_on"  // won deals by closed_at: with add-ons, their money, of existing clients
	factsCycle   factGroup = "cycle"   // won deals by closed_at: the median days from creation to win
	factsOpen    factGroup = "open"    // deals open at the end of each bucket
	factsTouch   factGroup = "touch"   // leads by created_at and their first touch: response time and its median, uncontacted
	factsSpend   factGroup = "spend"   // marketing spend pro-rated into the buckets (marketing.go)
)

// factFunc computes a fact group: its aggregates by (bucket, slice) for what the actor may see,
// filtered. Totals have the empty labels; sliced keys join the labels of by with \x1f.
type factFunc func(e *Engine, ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error)

// factFuncs holds the fact groups other files define (marketing spend, plans, customers…).
var factFuncs = map[factGroup]factFunc{}

// registerFacts adds a fact group computed by fn.
func registerFacts(g factGroup, fn factFunc) {
	if _, dup := factFuncs[g]; dup {
		panic("analytics: fact group registered twice: " + string(g))
	}
	factFuncs[g] = fn
}

// isTouch is the condition that activity a is a touch (KPI.md): an outbound call, e-mail or
// message, or a meeting, logged by a user.
const isTouch = `a.user_id IS NOT NULL AND a.deleted_at IS NULL
	AND (a.kind = 'meeting' OR (a.kind IN ('call', 'email', 'message') AND a.direction = 'out'))`

// firstTouch is the SQL of the first touch of deal d since its creation, on the deal or its client
// (its contact or company): three index lookups, not an OR that no index serves.
const firstTouch = `(SELECT MIN(t.at) FROM (
		SELECT MIN(a.at) AS at FROM activities a WHERE a.account_id = d.account_id AND a.deal_id = d.id AND a.at >= d.created_at AND ` + isTouch + `
		UNION ALL
		SELECT MIN(a.at) FROM activities a WHERE a.account_id = d.account_id AND d.contact_id IS NOT NULL AND a.contact_id = d.contact_id
			AND a.at >= d.created_at AND ` + isTouch + `
		UNION ALL
		SELECT MIN(a.at) FROM activities a WHERE a.account_id = d.account_id AND d.company_id IS NOT NULL AND a.company_id = d.company_id
			AND a.at >= d.created_at AND ` + isTouch + `) t)`

// existingClient is 1 when the client of deal d (its company when it has one, else its main
// contact; KPI.md) had a won deal closed before d was created — d is an existing client's deal —
// and 0 when d is a new client's (or has no client). Two EXISTS behind a CASE rather than one OR,
// so that each runs on the deals_company or deals_contact index; SQLite is told so (INDEXED BY),
// as without statistics it prefers deals_closed and scans every earlier deal for each one.
func (q *query) existingClient() string {
	company, contact := "deals p", "deals p"
	if q.engine == store.SQLite {
		company, contact = "deals p INDEXED BY deals_company", "deals p INDEXED BY deals_contact"
	}
	return `(CASE
	WHEN d.company_id IS NOT NULL THEN (CASE WHEN EXISTS (SELECT 1 FROM ` + company + `
		WHERE p.account_id = d.account_id AND p.company_id = d.company_id
		AND p.status = 'won' AND p.deleted_at IS NULL AND p.closed_at < d.created_at) THEN 1 ELSE 0 END)
	WHEN d.contact_id IS NOT NULL THEN (CASE WHEN EXISTS (SELECT 1 FROM ` + contact + `
		WHERE p.account_id = d.account_id AND p.contact_id = d.contact_id AND p.company_id IS NULL
		AND p.status = 'won' AND p.deleted_at IS NULL AND p.closed_at < d.created_at) THEN 1 ELSE 0 END)
	ELSE 0 END)`
}

// facts are the aggregates of one (bucket, slice).
type facts map[string]float64

// sliceKey identifies a bucket and a slice: the dimension labels joined by \x1f.
type sliceKey struct {
	bucket int
	labels string
}

func (k sliceKey) slice(by []Dimension) map[string]string {
	out := map[string]string{}
	if len(by) == 0 {
		return out
	}
	for i, l := range strings.Split(k.labels, "\x1f") {
		out[string(by[i])] = l
	}
	return out
}

// dimSQL is how a dimension reads in SQL: the label it shows and the joins it needs. Labels of
// missing values (no channel, no team) read "(none)".
var dimSQL = map[Dimension]struct{ label, join string }{
	ByManager:  {"dm.name", "JOIN users dm ON dm.id = d.responsible_id"},
	ByTeam:     {"COALESCE(dt.name, '(none)')", "JOIN users dtu ON dtu.id = d.responsible_id LEFT JOIN teams dt ON dt.id = dtu.team_id"},
	ByPipeline: {"dp.name", "JOIN pipelines dp ON dp.id = d.pipeline_id"},
	ByChannel:  {"COALESCE(dc.name, '(none)')", "LEFT JOIN channels dc ON dc.id = d.channel_id"},
	ByRegion:   {"CASE WHEN d.region = '' THEN '(none)' ELSE d.region END", ""},
	// The product slice joins the deal's line items grouped by product (productJoin): a deal with
	// several products counts in each, with that product's money.
	ByProduct:    {"COALESCE(dpi.product, '(none)')", ""},
	ByClientType: {"", ""}, // q.existingClient(), per engine
	BySegment:    {"CASE WHEN d.segment = '' THEN '(none)' ELSE d.segment END", ""},
}

// query builds the SQL of a fact group: the spans as a VALUES list the deals join by time, the
// visibility and filters, the slices.
type query struct {
	engine store.Engine
	args   []any
	spans  []Span // as given to spansCTE
}

func (q *query) add(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// spansCTE lists the buckets as rows (i, s, e). PostgreSQL must be told the types of parameters
// in a VALUES list; SQLite has no :: casts.
func (q *query) spansCTE(spans []Span) string {
	q.spans = spans
	rows := make([]string, len(spans))
	for i, s := range spans {
		if q.engine == store.Postgres {
			rows[i] = fmt.Sprintf("(%s::int, %s::timestamptz, %s::timestamptz)", q.add(i), q.add(s.Start), q.add(s.End))
		} else {
			rows[i] = fmt.Sprintf("(%s, %s, %s)", q.add(i), q.add(s.Start), q.add(s.End))
		}
	}
	return "spans(i, s, e) AS (VALUES " + strings.Join(rows, ", ") + ")"
}

// within joins the rows whose time col falls in a bucket with that bucket, as b: b.i only (not
// b.s or b.e). On SQLite it is the join with the spans, an index range a bucket. On PostgreSQL it is
// one range over the whole period and the bucket found by width_bucket over the bounds (a binary
// search a row), which lets the planner scan the period once: joining the VALUES list made it
// probe the index bucket by bucket, twice the time of a plain scan at 100,000 deals.
func (q *query) within(col string) string {
	contiguous := true
	for i := 1; i < len(q.spans); i++ {
		contiguous = contiguous && q.spans[i].Start.Equal(q.spans[i-1].End)
	}
	if q.engine != store.Postgres || !contiguous || len(q.spans) == 0 {
		return fmt.Sprintf("JOIN spans b ON %s >= b.s AND %s < b.e", col, col)
	}
	bounds := make([]time.Time, len(q.spans)+1)
	for i, s := range q.spans {
		bounds[i], bounds[i+1] = s.Start, s.End
	}
	return fmt.Sprintf("JOIN LATERAL (SELECT width_bucket(%s, %s::timestamptz[]) - 1 AS i) b ON %s >= %s AND %s < %s",
		col, q.add(bounds), col, q.add(bounds[0]), col, q.add(bounds[len(bounds)-1]))
}

// openAtAnEnd is a condition implied by "deal d is open at the end of one of the spans" (not
// closed before the earliest end): a query of the deals open at each end repeats it, so that the
// database reads only the deals still open or closed since that end (two ranges of deals_closed)
// instead of every deal created before each end — the open pipeline of a year by month at
// 100,000 deals: 1.1 s → 0.3 s on SQLite. Such a query writes "deals d CROSS JOIN spans b" with
// the conditions on b in WHERE: SQLite takes CROSS JOIN as the order to loop in, deals first;
// with "JOIN spans b ON …" it sometimes looped over the spans first and read deals_created again.
func (q *query) openAtAnEnd(spans []Span) string {
	if len(spans) == 0 {
		return "TRUE"
	}
	first := spans[0].End
	for _, s := range spans[1:] {
		if s.End.Before(first) {
			first = s.End
		}
	}
	return "(d.closed_at IS NULL OR d.closed_at >= " + q.add(first.UTC()) + ")"
}

// seconds is the SQL of the whole seconds from a to b.
func (q *query) seconds(a, b string) string {
	if q.engine == store.Postgres {
		return fmt.Sprintf("ROUND(EXTRACT(EPOCH FROM (%s - %s)))", b, a)
	}
	return fmt.Sprintf("ROUND((julianday(%s) - julianday(%s)) * 86400)", b, a)
}

// where is the condition every fact query shares: the account, live deals, what the actor may
// see, the request's filters.
func (q *query) where(actor *crm.Actor, f Filter) string {
	conds := []string{"d.account_id = " + q.add(actor.AccountID), "d.deleted_at IS NULL"}
	vis, vargs := store.Visible(actor, "d.responsible_id", len(q.args)+1)
	q.args = append(q.args, vargs...)
	conds = append(conds, vis)
	if f.PipelineID != 0 {
		conds = append(conds, "d.pipeline_id = "+q.add(f.PipelineID))
	}
	if f.ManagerID != 0 {
		conds = append(conds, "d.responsible_id = "+q.add(f.ManagerID))
	}
	if f.TeamID != 0 {
		conds = append(conds, "d.responsible_id IN (SELECT id FROM users WHERE account_id = "+q.add(actor.AccountID)+" AND team_id = "+q.add(f.TeamID)+")")
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
	if f.Tag != "" {
		conds = append(conds, "d.id IN (SELECT entity_id FROM taggings WHERE account_id = "+q.add(actor.AccountID)+
			" AND entity = 'deal' AND tag = "+q.add(f.Tag)+")")
	}
	switch f.ClientType {
	case ClientNew:
		conds = append(conds, q.existingClient()+" = 0")
	case ClientExisting:
		conds = append(conds, q.existingClient()+" = 1")
	}
	return strings.Join(conds, " AND ")
}

// productJoin joins deal d to its line items grouped by product (by the catalogue's name, or the
// item's own name for an item not from the catalogue) as dpi(deal_id, product, amount, cost,
// upsell_amount, upsell_items), when the request slices or filters by product; "" otherwise.
// Slicing keeps deals without items (product "(none)", with the deal's own money); filtering
// keeps only the deals with the product and counts that product's money.
func (q *query) productJoin(actor *crm.Actor, by []Dimension, f Filter) string {
	if !slices.Contains(by, ByProduct) && f.ProductID == 0 {
		return ""
	}
	join, only := "LEFT JOIN", ""
	if f.ProductID != 0 {
		join, only = "JOIN", " AND i.product_id = "+q.add(f.ProductID)
	}
	return join + ` (SELECT i.deal_id, COALESCE(pr.name, i.name) AS product, SUM(i.amount) AS amount,
			SUM(i.cost * i.quantity) AS cost, SUM(CASE WHEN i.upsell THEN i.amount ELSE 0 END) AS upsell_amount,
			SUM(CASE WHEN i.upsell THEN 1 ELSE 0 END) AS upsell_items
		FROM deal_items i LEFT JOIN products pr ON pr.id = i.product_id
		WHERE i.account_id = ` + q.add(actor.AccountID) + only + `
		GROUP BY i.deal_id, COALESCE(pr.name, i.name)) dpi ON dpi.deal_id = d.id`
}

// facts runs the query of group g and returns its aggregates by (bucket, slice).
func (e *Engine) facts(ctx context.Context, actor *crm.Actor, g factGroup, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	if fn, ok := factFuncs[g]; ok {
		return fn(e, ctx, actor, spans, by, f)
	}
	sets, err := e.sqlFacts(ctx, actor, g, spans, by, f, false)
	return sets[0], err
}

// withTotalsFacts are the fact groups that answer their slices and their totals in one query
// (factsWithTotals): medians, which slices cannot be added up into, over rows whose costly part —
// a lead's first touch — is then found once for both.
var withTotalsFacts = map[factGroup]bool{factsTouch: true, factsCycle: true}

// factsWithTotals runs group g (one of withTotalsFacts) sliced by by and in total in one query:
// [slices, totals].
func (e *Engine) factsWithTotals(ctx context.Context, actor *crm.Actor, g factGroup, spans []Span, by []Dimension, f Filter) ([2]map[sliceKey]facts, error) {
	return e.sqlFacts(ctx, actor, g, spans, by, f, true)
}

// sqlFacts builds and runs the query of a fact group of this file; withTotals (touch and cycle
// only) adds the totals to the slices, as collectFactSets reads them.
func (e *Engine) sqlFacts(ctx context.Context, actor *crm.Actor, g factGroup, spans []Span, by []Dimension, f Filter, withTotals bool) ([2]map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	var joins, labels []string
	// Money and add-ons are the deal's, or its items' of the product when by or for a product.
	amount, cost := "d.amount", "d.cost"
	upsellDeal := `EXISTS (SELECT 1 FROM deal_items i WHERE i.account_id = d.account_id AND i.deal_id = d.id AND i.upsell)`
	upsellSum := `(SELECT COALESCE(SUM(i.amount), 0) FROM deal_items i WHERE i.account_id = d.account_id AND i.deal_id = d.id AND i.upsell)`
	if pj := q.productJoin(actor, by, f); pj != "" {
		joins = append(joins, pj)
		amount, cost = "COALESCE(dpi.amount, d.amount)", "COALESCE(dpi.cost, d.cost)"
		upsellDeal, upsellSum = "COALESCE(dpi.upsell_items, 0) > 0", "COALESCE(dpi.upsell_amount, 0)"
	}
	for _, d := range by {
		ds := dimSQL[d]
		if ds.join != "" {
			joins = append(joins, ds.join)
		}
		if d == ByClientType {
			ds.label = "CASE WHEN " + q.existingClient() + " = 1 THEN 'existing' ELSE 'new' END"
		}
		labels = append(labels, ds.label)
	}
	group := append([]string{"b.i"}, labels...)
	sel := strings.Join(group, ", ")
	var sqlText string
	var names []string
	switch g {
	case factsCreated:
		names = []string{"leads", "cohort_won"}
		sqlText = fmt.Sprintf(`WITH %s
			SELECT %s, COUNT(*), SUM(CASE WHEN d.status = 'won' THEN 1 ELSE 0 END)
			FROM deals d %s %s
			WHERE %s GROUP BY %s`, cte, sel, q.within("d.created_at"), strings.Join(joins, " "), q.where(actor, f), sel)
	case factsClosed:
		names = []string{"won", "lost", "revenue", "cost", "cycle_seconds"}
		sqlText = fmt.Sprintf(`WITH %s
			SELECT %s,
				SUM(CASE WHEN d.status = 'won' THEN 1 ELSE 0 END),
				SUM(CASE WHEN d.status = 'lost' THEN 1 ELSE 0 END),
				SUM(CASE WHEN d.status = 'won' THEN %s ELSE 0 END),
				SUM(CASE WHEN d.status = 'won' THEN %s ELSE 0 END),
				SUM(CASE WHEN d.status = 'won' THEN %s ELSE 0 END)
			FROM deals d %s %s
			WHERE %s AND d.status IN ('won', 'lost') GROUP BY %s`, cte, sel, amount, cost, q.seconds("d.created_at", "d.closed_at"),
			q.within("d.closed_at"), strings.Join(joins, " "), q.where(actor, f), sel)
	case factsAddOn:
		// Apart from factsClosed: its subqueries (a lookup or two per won deal) are paid only by
		// the KPIs that need them.
		names = []string{"upsell_deals", "upsell_revenue", "repeat"}
		sqlText = fmt.Sprintf(`WITH %s
			SELECT %s,
				SUM(CASE WHEN %s THEN 1 ELSE 0 END),
				SUM(%s),
				SUM(%s)
			FROM deals d %s %s
			WHERE %s AND d.status = 'won' GROUP BY %s`, cte, sel, upsellDeal, upsellSum, q.existingClient(),
			q.within("d.closed_at"), strings.Join(joins, " "), q.where(actor, f), sel)
	case factsTouch:
		cols := make([]string, len(group))
		aliased := make([]string, len(group))
		for i, gexpr := range group {
			cols[i] = fmt.Sprintf("g%d", i)
			aliased[i] = gexpr + " AS " + cols[i]
		}
		gl := strings.Join(cols, ", ")
		// x is MATERIALIZED: inlined, PostgreSQL would run the first-touch subquery once for
		// every mention of ft and v (four times a lead). With the totals, y holds each lead twice:
		// in its slice (set 0) and in the totals (set 1, labels NULL).
		y := fmt.Sprintf("SELECT %s, CASE WHEN ft IS NULL THEN NULL ELSE %s END AS v FROM x", gl, q.seconds("c", "ft"))
		if withTotals {
			y = fmt.Sprintf("SELECT 0 AS gs, %s, v FROM (%s) y0 UNION ALL SELECT 1, %s, v FROM (%s) y1", gl, y, totalsCols(cols), y)
			gl = "gs, " + gl
		}
		leads := fmt.Sprintf(`%s, x AS MATERIALIZED (
				SELECT %s, d.created_at AS c, %s AS ft
				FROM deals d %s %s
				WHERE %s),
			y AS (%s)`,
			cte, strings.Join(aliased, ", "), firstTouch, q.within("d.created_at"), strings.Join(joins, " "), q.where(actor, f), y)
		// One pass gives the counts and the median: the first touches are the expensive part
		// (three index lookups a lead), so they are found once. Untouched leads sort last, so that
		// the touched ones are rows 1…n of their group.
		names = []string{"touch_leads", "uncontacted", "touched", "response_seconds", "response_median_seconds"}
		sqlText = fmt.Sprintf(`WITH %s,
			z AS (SELECT %s, v, ROW_NUMBER() OVER (PARTITION BY %s ORDER BY CASE WHEN v IS NULL THEN 1 ELSE 0 END, v) AS rn,
					COUNT(v) OVER (PARTITION BY %s) AS n
				FROM y)
			SELECT %s, COUNT(*), SUM(CASE WHEN v IS NULL OR v > %s THEN 1 ELSE 0 END), COUNT(v), SUM(v),
				AVG(CASE WHEN v IS NOT NULL AND rn IN ((n + 1) / 2, (n + 2) / 2) THEN v END)
			FROM z GROUP BY %s`, leads, gl, gl, gl, gl, q.add(e.slaSeconds(ctx, actor)), gl)
	case factsOpen:
		// Open at the end of the bucket: created before it ended and not closed by then. A deal
		// reopened after a win counts as open since its creation (its earlier close is not kept).
		names = []string{"open", "open_amount", "weighted_amount"}
		sqlText = fmt.Sprintf(`WITH %s
			SELECT %s, COUNT(*), SUM(%s), SUM(%s * st.probability) / 100.0
			FROM deals d CROSS JOIN spans b
				JOIN stages st ON st.id = d.stage_id %s
			WHERE d.created_at < b.e AND (d.closed_at IS NULL OR d.closed_at >= b.e) AND %s AND %s GROUP BY %s`, cte, sel, amount, amount, strings.Join(joins, " "), q.where(actor, f), q.openAtAnEnd(spans), sel)
	case factsCycle:
		// The median by window functions, which both engines have: the middle row, or the mean of
		// the two middle rows, of each group ordered by the days to win. With the totals, each won
		// deal is in w twice: in its slice (set 0) and in the totals (set 1, labels NULL).
		names = []string{"cycle_median_seconds"}
		cols := make([]string, len(group))
		for i := range group {
			cols[i] = fmt.Sprintf("g%d", i)
		}
		aliased := make([]string, len(group))
		for i, gexpr := range group {
			aliased[i] = gexpr + " AS " + cols[i]
		}
		gl := strings.Join(cols, ", ")
		w := fmt.Sprintf(`SELECT %s, %s AS v FROM deals d %s %s WHERE %s AND d.status = 'won'`,
			strings.Join(aliased, ", "), q.seconds("d.created_at", "d.closed_at"), q.within("d.closed_at"), strings.Join(joins, " "), q.where(actor, f))
		if withTotals {
			w = fmt.Sprintf("WITH w0 AS MATERIALIZED (%s) SELECT 0 AS gs, %s, v FROM w0 UNION ALL SELECT 1, %s, v FROM w0", w, gl, totalsCols(cols))
			gl = "gs, " + gl
		}
		sqlText = fmt.Sprintf(`WITH %s, w AS (%s), x AS (
				SELECT %s, v, ROW_NUMBER() OVER (PARTITION BY %s ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY %s) AS n FROM w)
			SELECT %s, AVG(v) FROM x WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY %s`,
			cte, w, gl, gl, gl, gl, gl)
	}
	return collectFactSets(ctx, e, q, sqlText, withTotals, len(labels), names)
}

// totalsCols are the columns g0 (the bucket), g1… (the labels) of a totals row: the bucket, and
// NULL for every label.
func totalsCols(cols []string) string {
	out := []string{cols[0]}
	for range cols[1:] {
		out = append(out, "NULL")
	}
	return strings.Join(out, ", ")
}

// settings are the account's analytics settings (SLA, purchase cycle, stalled days, ROI baseline),
// each defaulted where unset.
func (e *Engine) settings(ctx context.Context, actor *crm.Actor) crm.AccountSettings {
	def := crm.DefaultAccountSettings()
	st := def
	var raw string
	if err := e.db.Reader().QueryRowContext(ctx, `SELECT settings FROM accounts WHERE id = $1`, actor.AccountID).Scan(&raw); err == nil {
		_ = json.Unmarshal([]byte(raw), &st)
	}
	if st.LeadSLAMinutes <= 0 {
		st.LeadSLAMinutes = def.LeadSLAMinutes
	}
	if st.PurchaseCycleDays <= 0 {
		st.PurchaseCycleDays = def.PurchaseCycleDays
	}
	if st.StalledDays <= 0 {
		st.StalledDays = def.StalledDays
	}
	if st.BaselineMonths <= 0 {
		st.BaselineMonths = def.BaselineMonths
	}
	return st
}

// slaSeconds is the account's lead SLA (KPI.md: a lead not touched within it is uncontacted).
func (e *Engine) slaSeconds(ctx context.Context, actor *crm.Actor) int64 {
	return int64(e.settings(ctx, actor).LeadSLAMinutes) * 60
}
