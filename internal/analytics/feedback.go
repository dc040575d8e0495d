package analytics

import (
	"context"
	"fmt"
	"strings"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// NPS and complaints (KPI.md, «Показатели клиентов»). An answer or a complaint tied to a live deal
// belongs to that deal: its manager (the deal's responsible), team, pipeline, channel, region and
// segment. One not tied to a deal (or tied to a deleted one) belongs to the manager who owns it in
// the CRM — an NPS answer to its contact's responsible, a complaint to its own responsible — the
// same rule the lists of answers and complaints follow; in the pipeline, channel, region and
// segment slices it reads "(none)", and a filter on any of those leaves it out. Whoever owns a
// record is who sees it in the figures: a manager their own, a head their team's, an admin all.

// Hours is the unit of durations in hours.
const Hours Unit = "hours"

const (
	factsNPS              factGroup = "nps"               // NPS answers by answered_at
	factsComplaints       factGroup = "complaints"        // complaints by registered_at
	factsComplaintsSolved factGroup = "complaints_solved" // complaints by resolved_at: count, total and median time
)

func init() {
	registerFacts(factsNPS, (*Engine).npsFacts)
	registerFacts(factsComplaints, (*Engine).complaintFacts)
	registerFacts(factsComplaintsSolved, (*Engine).complaintSolvedFacts)
	register(&KPI{ID: "nps", NameRU: "Индекс NPS", NameEN: "Net Promoter Score", Unit: Percent,
		facts: []factGroup{factsNPS},
		Definition: "answers given in the period on the 0–10 scale: % promoters (9–10) − % detractors (0–6), from −100 to 100; " +
			"numerator = promoters − detractors, denominator = answers (the standard NPS; a 1–10 scale or another formula is not used)",
		eval: func(f facts) (*float64, *float64, *float64) {
			d := f["promoters"] - f["detractors"]
			return ratio(d, f["answers"], 100), ptr(d), ptr(f["answers"])
		}})
	for _, c := range []struct{ id, ru, en, fact, def string }{
		{"nps_promoters", "Промоутеры NPS", "NPS promoters", "promoters", "answers 9–10 given in the period"},
		{"nps_passives", "Нейтралы NPS", "NPS passives", "passives", "answers 7–8 given in the period"},
		{"nps_detractors", "Критики NPS", "NPS detractors", "detractors", "answers 0–6 given in the period"},
	} {
		register(&KPI{ID: c.id, NameRU: c.ru, NameEN: c.en, Unit: Count, facts: []factGroup{factsNPS},
			Definition: c.def + "; the denominator is all answers of the period, so numerator / denominator is the share",
			eval: func(f facts) (*float64, *float64, *float64) {
				return ptr(f[c.fact]), ptr(f[c.fact]), ptr(f["answers"])
			}})
	}
	register(&KPI{ID: "complaints", NameRU: "Рекламации", NameEN: "Complaints", Unit: Count,
		facts:      []factGroup{factsComplaints},
		Definition: "complaints registered in the period (deleted ones do not count)",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["complaints"]), ptr(f["complaints"]), nil
		}})
	register(&KPI{ID: "complaints_per_100_won", NameRU: "Рекламации на 100 сделок", NameEN: "Complaints per 100 won deals", Unit: Percent,
		facts:      []factGroup{factsComplaints, factsClosed},
		Definition: "complaints registered in the period / deals won in the period × 100",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["complaints"], f["won"], 100), ptr(f["complaints"]), ptr(f["won"])
		}})
	register(&KPI{ID: "complaints_resolve_hours", NameRU: "Время решения рекламации", NameEN: "Complaint resolution time", Unit: Hours,
		facts: []factGroup{factsComplaintsSolved},
		Definition: "median hours from registration to resolution of the complaints resolved in the period; " +
			"numerator / denominator = total hours / complaints resolved, whose ratio is the mean",
		eval: func(f facts) (*float64, *float64, *float64) {
			if f["solved"] == 0 {
				return nil, nil, ptr(0)
			}
			return ptr(f["solve_median_seconds"] / 3600), ptr(f["solve_seconds"] / 3600), ptr(f["solved"])
		}})
}

// feedbackDims are the slices of a feedback row x (owner_id, pipeline_id, channel_id, region,
// segment); the deal's attributes are NULL when the row has no live deal.
var feedbackDims = map[Dimension]struct{ label, join string }{
	ByManager:  {"fm.name", "JOIN users fm ON fm.id = x.owner_id"},
	ByTeam:     {"COALESCE(ft.name, '(none)')", "JOIN users ftu ON ftu.id = x.owner_id LEFT JOIN teams ft ON ft.id = ftu.team_id"},
	ByPipeline: {"COALESCE(fp.name, '(none)')", "LEFT JOIN pipelines fp ON fp.id = x.pipeline_id"},
	ByChannel:  {"COALESCE(fc.name, '(none)')", "LEFT JOIN channels fc ON fc.id = x.channel_id"},
	ByRegion:   {"CASE WHEN x.region IS NULL OR x.region = '' THEN '(none)' ELSE x.region END", ""},
	BySegment:  {"CASE WHEN x.segment IS NULL OR x.segment = '' THEN '(none)' ELSE x.segment END", ""},
}

// feedbackSQL returns the joins and labels of by over x, and the condition of what the actor sees
// and the filter asks for.
func feedbackSQL(q *query, actor *crm.Actor, by []Dimension, f Filter) (joins, labels []string, where string) {
	for _, d := range by {
		ds := feedbackDims[d]
		if ds.join != "" {
			joins = append(joins, ds.join)
		}
		labels = append(labels, ds.label)
	}
	vis, vargs := store.Visible(actor, "x.owner_id", len(q.args)+1)
	q.args = append(q.args, vargs...)
	conds := []string{vis}
	if f.ManagerID != 0 {
		conds = append(conds, "x.owner_id = "+q.add(f.ManagerID))
	}
	if f.TeamID != 0 {
		conds = append(conds, "x.owner_id IN (SELECT id FROM users WHERE account_id = "+q.add(actor.AccountID)+" AND team_id = "+q.add(f.TeamID)+")")
	}
	if f.PipelineID != 0 {
		conds = append(conds, "x.pipeline_id = "+q.add(f.PipelineID))
	}
	if f.ChannelID != 0 {
		conds = append(conds, "x.channel_id = "+q.add(f.ChannelID))
	}
	if f.Region != "" {
		conds = append(conds, "x.region = "+q.add(f.Region))
	}
	if f.Segment != "" {
		conds = append(conds, "x.segment = "+q.add(f.Segment))
	}
	return joins, labels, strings.Join(conds, " AND ")
}

// dealOf is the live deal's attributes a feedback row carries.
const dealOf = "d.pipeline_id, d.channel_id, d.region, d.segment"

func (e *Engine) npsFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	acc := q.add(actor.AccountID)
	rows := fmt.Sprintf(`x AS (SELECT n.answered_at AS at, n.score, COALESCE(d.responsible_id, c.responsible_id) AS owner_id, %s
		FROM nps_answers n JOIN contacts c ON c.account_id = n.account_id AND c.id = n.contact_id
			LEFT JOIN deals d ON d.account_id = n.account_id AND d.id = n.deal_id AND d.deleted_at IS NULL
		WHERE n.account_id = %s AND n.deleted_at IS NULL)`, dealOf, acc)
	joins, labels, where := feedbackSQL(q, actor, by, f)
	group := strings.Join(append([]string{"b.i"}, labels...), ", ")
	sqlText := fmt.Sprintf(`WITH %s, %s
		SELECT %s, COUNT(*),
			SUM(CASE WHEN x.score >= 9 THEN 1 ELSE 0 END),
			SUM(CASE WHEN x.score IN (7, 8) THEN 1 ELSE 0 END),
			SUM(CASE WHEN x.score <= 6 THEN 1 ELSE 0 END)
		FROM x %s %s
		WHERE %s GROUP BY %s`, cte, rows, group, q.within("x.at"), strings.Join(joins, " "), where, group)
	return collectFacts(ctx, e, q, sqlText, len(labels), []string{"answers", "promoters", "passives", "detractors"})
}

// complaintRows is the CTE x of the account's live complaints with their owner and deal.
func complaintRows(acc string) string {
	return fmt.Sprintf(`x AS (SELECT k.registered_at, k.resolved_at, COALESCE(d.responsible_id, k.responsible_id) AS owner_id, %s
		FROM complaints k LEFT JOIN deals d ON d.account_id = k.account_id AND d.id = k.deal_id AND d.deleted_at IS NULL
		WHERE k.account_id = %s AND k.deleted_at IS NULL)`, dealOf, acc)
}

func (e *Engine) complaintFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	rows := complaintRows(q.add(actor.AccountID))
	joins, labels, where := feedbackSQL(q, actor, by, f)
	group := strings.Join(append([]string{"b.i"}, labels...), ", ")
	sqlText := fmt.Sprintf(`WITH %s, %s
		SELECT %s, COUNT(*) FROM x %s %s
		WHERE %s GROUP BY %s`, cte, rows, group, q.within("x.registered_at"), strings.Join(joins, " "), where, group)
	return collectFacts(ctx, e, q, sqlText, len(labels), []string{"complaints"})
}

// complaintSolvedFacts gives, of the complaints resolved in each bucket, their number, the total
// seconds from registration to resolution and the median (the middle row, or the mean of the two
// middle rows, by window functions).
func (e *Engine) complaintSolvedFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	rows := complaintRows(q.add(actor.AccountID))
	joins, labels, where := feedbackSQL(q, actor, by, f)
	group := append([]string{"b.i"}, labels...)
	cols := make([]string, len(group))
	aliased := make([]string, len(group))
	for i, g := range group {
		cols[i] = fmt.Sprintf("g%d", i)
		aliased[i] = g + " AS " + cols[i]
	}
	gl := strings.Join(cols, ", ")
	sqlText := fmt.Sprintf(`WITH %s, %s,
		y AS (SELECT %s, %s AS v FROM x %s %s WHERE %s),
		z AS (SELECT %s, v, ROW_NUMBER() OVER (PARTITION BY %s ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY %s) AS n,
			SUM(v) OVER (PARTITION BY %s) AS total FROM y)
		SELECT %s, MAX(n), MAX(total), AVG(v) FROM z WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY %s`,
		cte, rows, strings.Join(aliased, ", "), q.seconds("x.registered_at", "x.resolved_at"), q.within("x.resolved_at"), strings.Join(joins, " "), where,
		gl, gl, gl, gl, gl, gl)
	return collectFacts(ctx, e, q, sqlText, len(labels), []string{"solved", "solve_seconds", "solve_median_seconds"})
}

func init() {
	registerReport(&ReportDef{Name: "nps_complaints", TitleRU: "NPS и рекламации", TitleEN: "NPS and complaints",
		Description: "by bucket: NPS with the promoters, passives and detractors, complaints registered, complaints per 100 won deals, median hours to resolve",
		run: kpiTable([]string{"nps", "nps_promoters", "nps_passives", "nps_detractors", "complaints", "won_deals",
			"complaints_per_100_won", "complaints_resolve_hours"}, nil)})
}
