package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// The customer KPIs of KPI.md («Показатели клиентов»). The client of a deal is its company when it
// has one, else its main contact (a deal with neither has no client and counts in none of these
// figures); a customer is a client with a won deal — won now, not deleted.
//
// A customer belongs to its first won deal (the one that acquired it, the earliest closed_at, then
// the lowest id): its manager, team, pipeline, channel, region and segment are that deal's. Slices,
// filters and visibility apply to that deal, so that every customer is counted in exactly one slice
// and the slices add up to the total; a manager sees the customers they brought in, a head of sales
// those their team brought in. Once a customer is theirs, all its won deals count for it (repeat
// purchases, activity, margin for CLV), whoever sold them.

const (
	factsCustomers      factGroup = "customers"         // customers by their first won deal at the bounds of each bucket
	factsCustomerActive factGroup = "customer_activity" // customers active at the bounds of each bucket and a year earlier: churn, CLV
	factsNewContacts    factGroup = "new_contacts"      // contacts and companies created in each bucket
)

// clientKey is the SQL of the client of deal d as one number: 2 × company id for a company,
// 2 × contact id + 1 for a contact without a company.
const clientKey = `CASE WHEN d.company_id IS NOT NULL THEN 2 * d.company_id ELSE 2 * d.contact_id + 1 END`

// clvMaxYears caps a customer's expected lifetime in CLV (KPI.md: when churn is 0, or so small that
// 1/churn exceeds it).
const clvMaxYears = 10

func init() {
	registerFacts(factsCustomers, (*Engine).customerFacts)
	registerFacts(factsCustomerActive, (*Engine).customerActivityFacts)
	registerFacts(factsNewContacts, (*Engine).newContactFacts)
	register(&KPI{ID: "customer_base", NameRU: "Клиентская база", NameEN: "Customer base", Unit: Count,
		facts:      []factGroup{factsCustomers},
		Definition: "customers at the end of the period: clients (the company of a deal, else its main contact) with a won deal closed before the end",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["cust_end"]), ptr(f["cust_end"]), nil
		}})
	register(&KPI{ID: "new_customers", NameRU: "Новые клиенты", NameEN: "New customers", Unit: Count,
		facts:      []factGroup{factsCustomers},
		Definition: "clients whose first won deal closed in the period; sliced by that deal's manager, channel…",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["cust_new"]), ptr(f["cust_new"]), nil
		}})
	register(&KPI{ID: "base_growth", NameRU: "Рост базы", NameEN: "Customer base growth", Unit: Percent,
		facts:      []factGroup{factsCustomers},
		Definition: "new_customers / customer_base at the start of the period × 100",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["cust_new"], f["cust_start"], 100), ptr(f["cust_new"]), ptr(f["cust_start"])
		}})
	register(&KPI{ID: "repeat_purchase_rate", NameRU: "Доля повторных покупок", NameEN: "Repeat purchase rate", Unit: Percent,
		facts:      []factGroup{factsCustomers},
		Definition: "customers with ≥ 2 won deals / customers × 100, at the end of the period",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["cust_repeat"], f["cust_end"], 100), ptr(f["cust_repeat"]), ptr(f["cust_end"])
		}})
	register(&KPI{ID: "churn_rate", NameRU: "Отток (Churn Rate)", NameEN: "Churn rate", Unit: Percent,
		facts: []factGroup{factsCustomerActive},
		Definition: "customers active at the start of the period and not at its end / customers active at the start × 100; " +
			"active at t = a won deal closed in [t − W days, t), W = the account's purchase cycle (default 365); " +
			"a customer marked lost (churned_at) keeps only the deals won after the mark",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["act_churned"], f["act_from"], 100), ptr(f["act_churned"]), ptr(f["act_from"])
		}})
	register(&KPI{ID: "clv", NameRU: "Пожизненная ценность клиента (CLV)", NameEN: "Customer lifetime value", Unit: Money,
		facts: []factGroup{factsCustomerActive},
		Definition: "annual margin per customer × expected lifetime in years: (margin of the won deals of the 12 months before the end of the period / " +
			"customers with a won deal in them) / max(annual churn, 1/10), annual churn = churn_rate over those 12 months as a fraction " +
			"(lifetime 1/churn, capped at 10 years); numerator = the annual margin per customer, denominator = the churn used",
		eval: func(f facts) (*float64, *float64, *float64) {
			if f["act_12m"] == 0 {
				return nil, nil, nil
			}
			perCustomer := f["margin_12m"] / f["act_12m"]
			if f["act_year_ago"] == 0 {
				return nil, ptr(perCustomer), nil
			}
			churn := max(f["act_churned_year"]/f["act_year_ago"], 1.0/clvMaxYears)
			return ptr(perCustomer / churn), ptr(perCustomer), ptr(churn)
		}})
	register(&KPI{ID: "new_contacts", NameRU: "Потенциальные клиенты", NameEN: "New contacts", Unit: Count,
		facts:      []factGroup{factsNewContacts},
		Definition: "contacts and companies created in the period, not deleted; sliced by their responsible manager, team, channel (contacts), region, segment",
		eval: func(f facts) (*float64, *float64, *float64) {
			n, ok := f["new_contacts"]
			if !ok {
				return nil, nil, nil
			}
			return ptr(n), ptr(n), nil
		}})
}

// wonCTE is the won deals of the account that have a client, each with its client key (ck), its
// rank among its client's won deals (rn, 1 = the first won), and of its client the first won deal
// (first_id, first_at) and when the second closed (second_at, NULL for none): one sort by window
// functions, no self-join.
func wonCTE(q *query, actor *crm.Actor) string {
	w := fmt.Sprintf("PARTITION BY %s ORDER BY d.closed_at, d.id", clientKey)
	return fmt.Sprintf(`won AS (
		SELECT d.id, d.closed_at, d.amount - d.cost AS margin, %s AS ck,
			ROW_NUMBER() OVER (%s) AS rn,
			FIRST_VALUE(d.id) OVER (%s) AS first_id,
			FIRST_VALUE(d.closed_at) OVER (%s) AS first_at,
			NTH_VALUE(d.closed_at, 2) OVER (%s ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS second_at
		FROM deals d
		WHERE d.account_id = %s AND d.deleted_at IS NULL AND d.status = 'won'
			AND (d.company_id IS NOT NULL OR d.contact_id IS NOT NULL))`, clientKey, w, w, w, w, q.add(actor.AccountID))
}

// custCTE is "cust": the won deals (only the first of each client when firstsOnly) of the customers
// the actor may see by their first won deal d, filtered on d, each row with its client's key, first
// and second won closes, the time the client was marked lost, and the labels g1..gN of by — d's.
func custCTE(q *query, actor *crm.Actor, by []Dimension, f Filter, firstsOnly bool) (cte string, cols []string) {
	var joins, sel []string
	for i, d := range by {
		ds := dimSQL[d]
		if ds.join != "" {
			joins = append(joins, ds.join)
		}
		cols = append(cols, fmt.Sprintf("g%d", i+1))
		sel = append(sel, ds.label+" AS "+cols[i])
	}
	extra, only, materialized := "", "", ""
	if len(sel) > 0 {
		extra = ", " + strings.Join(sel, ", ")
	}
	if firstsOnly {
		// One row a customer, joined with every bucket after: computed once. Left to itself
		// SQLite worked the CTE into the join: the customer query took 0.63 s instead of 0.33 s
		// at 100,000 deals. The activity query gained nothing from it and leaves it be.
		only, materialized = "w.rn = 1 AND ", " MATERIALIZED"
	}
	return fmt.Sprintf(`cust AS%s (
		SELECT w.ck, w.closed_at, w.margin, w.first_at, w.second_at,
			CASE WHEN d.company_id IS NOT NULL THEN co.churned_at ELSE ct.churned_at END AS churned_at%s
		FROM won w JOIN deals d ON d.id = w.first_id
			LEFT JOIN companies co ON co.account_id = d.account_id AND co.id = d.company_id
			LEFT JOIN contacts ct ON ct.account_id = d.account_id AND ct.id = d.contact_id
			%s
		WHERE %s%s)`, materialized, extra, strings.Join(joins, " "), only, q.where(actor, f)), cols
}

// customerFacts counts, per bucket and slice, the customers at its start (cust_start) and end
// (cust_end), those new in it (cust_new) and those with two won deals by its end (cust_repeat).
func (e *Engine) customerFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	spansSQL := q.spansCTE(spans)
	won := wonCTE(q, actor)
	cust, cols := custCTE(q, actor, by, f, true)
	group := strings.Join(append([]string{"b.i"}, prefixed("c.", cols)...), ", ")
	sqlText := fmt.Sprintf(`WITH %s, %s, %s
		SELECT %s,
			SUM(CASE WHEN c.first_at < b.s THEN 1 ELSE 0 END),
			COUNT(*),
			SUM(CASE WHEN c.first_at >= b.s THEN 1 ELSE 0 END),
			SUM(CASE WHEN c.second_at < b.e THEN 1 ELSE 0 END)
		FROM cust c JOIN spans b ON c.first_at < b.e
		GROUP BY %s`, spansSQL, won, cust, group, group)
	return collectFacts(ctx, e, q, sqlText, len(cols), []string{"cust_start", "cust_end", "cust_new", "cust_repeat"})
}

// customerActivityFacts counts, per bucket and slice, the customers active at its start
// (act_from), at its end (act_to) and 12 months before its end (act_year_ago); those of act_from
// not active at the end (act_churned) and those of act_year_ago not active at the end
// (act_churned_year); the customers with a won deal in the 12 months before the end (act_12m) and
// the margin of those deals (margin_12m).
//
// Active at t: a won deal closed in [t − W days, t), W the account's purchase cycle, days of the
// account's zone. A customer marked lost at c (churned_at) is active at t > c only by deals won at
// or after c: the mark ends what came before, a purchase after it brings the customer back.
func (e *Engine) customerActivityFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	loc, err := e.location(ctx, actor)
	if err != nil {
		return nil, err
	}
	w := e.settings(ctx, actor).PurchaseCycleDays
	q := &query{engine: e.db.Engine}
	// The bounds of each bucket: s, e; the windows before them fw = s − W, ew = e − W; the year
	// before the end y = e − 12 months and its window yw = y − W; lo, the earliest of them.
	rows := make([]string, len(spans))
	for i, s := range spans {
		fw := s.FromDate.AddDays(-w).In(loc).UTC()
		ew := s.ToDate.AddDays(-w).In(loc).UTC()
		y := time.Date(s.ToDate.Year-1, s.ToDate.Month, s.ToDate.Day, 0, 0, 0, 0, loc)
		yw := crm.DateOf(y).AddDays(-w).In(loc).UTC()
		lo := fw
		for _, t := range []time.Time{ew, yw, y.UTC()} {
			if t.Before(lo) {
				lo = t
			}
		}
		vals := []any{s.Start, s.End, fw, ew, y.UTC(), yw, lo}
		cells := []string{q.add(i)}
		if q.engine == store.Postgres {
			cells[0] += "::int"
		}
		for _, v := range vals {
			c := q.add(v)
			if q.engine == store.Postgres {
				c += "::timestamptz"
			}
			cells = append(cells, c)
		}
		rows[i] = "(" + strings.Join(cells, ", ") + ")"
	}
	spansSQL := "spans(i, s, e, fw, ew, y, yw, lo) AS (VALUES " + strings.Join(rows, ", ") + ")"
	won := wonCTE(q, actor)
	cust, cols := custCTE(q, actor, by, f, false)
	cc := prefixed("c.", cols)
	active := func(lo, hi string) string {
		return fmt.Sprintf(`MAX(CASE WHEN c.closed_at >= %s AND c.closed_at < %s
			AND (c.churned_at IS NULL OR c.churned_at >= %s OR c.closed_at >= c.churned_at) THEN 1 ELSE 0 END)`, lo, hi, hi)
	}
	inner := strings.Join(append([]string{"b.i", "c.ck"}, cc...), ", ")
	outer := strings.Join(append([]string{"i"}, cols...), ", ")
	sqlText := fmt.Sprintf(`WITH %s, %s, %s,
		act AS (
			SELECT %s,
				%s AS at_from, %s AS at_to, %s AS at_y,
				MAX(CASE WHEN c.closed_at >= b.y THEN 1 ELSE 0 END) AS in12,
				SUM(CASE WHEN c.closed_at >= b.y THEN c.margin ELSE 0 END) AS m12
			FROM cust c JOIN spans b ON c.closed_at >= b.lo AND c.closed_at < b.e
			GROUP BY %s)
		SELECT %s, SUM(at_from), SUM(at_to), SUM(at_from * (1 - at_to)), SUM(at_y), SUM(at_y * (1 - at_to)), SUM(in12), SUM(m12)
		FROM act GROUP BY %s`, spansSQL, won, cust, inner,
		active("b.fw", "b.s"), active("b.ew", "b.e"), active("b.yw", "b.y"), inner, outer, outer)
	return collectFacts(ctx, e, q, sqlText, len(cols),
		[]string{"act_from", "act_to", "act_churned", "act_year_ago", "act_churned_year", "act_12m", "margin_12m"})
}

// newContactFacts counts the contacts and companies created in each bucket that the actor may see
// (by their responsible user), not deleted. They have no pipeline: sliced or filtered by one, the
// figure does not exist. Companies have no channel: by channel they read "(none)", and a channel
// filter leaves only contacts.
func (e *Engine) newContactFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	out := map[sliceKey]facts{}
	if f.PipelineID != 0 {
		return out, nil
	}
	for _, d := range by {
		if d == ByPipeline {
			return out, nil
		}
	}
	q := &query{engine: e.db.Engine}
	spansSQL := q.spansCTE(spans)
	acc := q.add(actor.AccountID)
	var joins, labels []string
	for _, d := range by {
		ds := dimSQL[d]
		if ds.join != "" {
			joins = append(joins, ds.join)
		}
		labels = append(labels, ds.label)
	}
	conds := []string{"TRUE"}
	vis, vargs := store.Visible(actor, "d.responsible_id", len(q.args)+1)
	q.args = append(q.args, vargs...)
	conds = append(conds, vis)
	if f.ManagerID != 0 {
		conds = append(conds, "d.responsible_id = "+q.add(f.ManagerID))
	}
	if f.TeamID != 0 {
		conds = append(conds, "d.responsible_id IN (SELECT id FROM users WHERE account_id = "+acc+" AND team_id = "+q.add(f.TeamID)+")")
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
	group := strings.Join(append([]string{"b.i"}, labels...), ", ")
	start, end, _, _ := spanBounds(spans)
	// The contacts and companies of the period are read once, each matched with the spans: joined
	// the other way round, SQLite read them all again for every span (12 times for a year by
	// month; 5.2 s at 1M deals).
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, COUNT(*)
		FROM (SELECT responsible_id, channel_id, region, segment, created_at FROM contacts
				WHERE account_id = %[3]s AND deleted_at IS NULL AND created_at >= %[7]s AND created_at < %[8]s
			UNION ALL
			SELECT responsible_id, NULL, region, segment, created_at FROM companies
				WHERE account_id = %[3]s AND deleted_at IS NULL AND created_at >= %[7]s AND created_at < %[8]s) d
			CROSS JOIN spans b %[4]s
		WHERE d.created_at >= b.s AND d.created_at < b.e AND %[5]s GROUP BY %[6]s`, spansSQL, group, acc, strings.Join(joins, " "), strings.Join(conds, " AND "), group,
		q.add(start), q.add(end))
	got, err := collectFacts(ctx, e, q, sqlText, len(labels), []string{"new_contacts"})
	if err != nil {
		return nil, err
	}
	for i := range spans {
		if len(by) == 0 && got[sliceKey{bucket: i}] == nil {
			got[sliceKey{bucket: i}] = facts{"new_contacts": 0}
		}
	}
	return got, nil
}

func prefixed(p string, cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + c
	}
	return out
}
