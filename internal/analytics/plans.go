package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// Plan/fact of revenue and margin (KPI.md): the revenue or margin of the deals won in the period over
// the sales plan of the same people. Plans are monthly (table sales_plans) for a manager (scope
// user), a team or the account. The plan of a period is the sum of its months' plans, each month
// pro-rated by its days when the period covers only a part of it (crm.ProRate: the parts of a month
// add up exactly to its plan). The plan of a row is the plan of the people whose deals the row
// counts:
//
//   - a manager's row: the manager's own plan;
//   - a team's row, or a total of several people: for each team whose every member is counted, the
//     team's plan when it has one, else the sum of its members' plans; for a team only partly
//     counted (a manager looking at their own figures), the plans of the members counted;
//   - the account's total (an administrator, no filter): the account's plan when it has one for the
//     month, else the sum above over the teams.
//
// A month without any plan of these people adds nothing; a row with no plan in any of its months has
// no plan (null), and neither has a row cut by a pipeline, channel, region or segment, or filtered
// by one of them: plans are not set for those.

const factsPlan factGroup = "sales_plan"

func init() {
	registerFacts(factsPlan, (*Engine).planFacts)
	register(&KPI{ID: "plan_fact_revenue", NameRU: "План/факт по выручке", NameEN: "Revenue plan/fact", Unit: Percent,
		facts:      []factGroup{factsClosed, factsPlan},
		Definition: "revenue of the deals won in the period / planned revenue × 100, per manager (their plan), team (its plan, else its members') and account (its plan, else its teams'); a month partly in the period counts its plan pro-rated by days",
		eval: func(f facts) (*float64, *float64, *float64) {
			return planFact(f["revenue"], f, "plan_revenue")
		}})
	register(&KPI{ID: "plan_fact_margin", NameRU: "План/факт по марже", NameEN: "Margin plan/fact", Unit: Percent,
		facts:      []factGroup{factsClosed, factsPlan},
		Definition: "margin of the deals won in the period / planned margin × 100, with the plans chosen and pro-rated as for plan_fact_revenue",
		eval: func(f facts) (*float64, *float64, *float64) {
			return planFact(f["revenue"]-f["cost"], f, "plan_margin")
		}})
}

func planFact(fact float64, f facts, plan string) (*float64, *float64, *float64) {
	p, ok := f[plan]
	if !ok {
		return nil, ptr(fact), nil
	}
	return ratio(fact, p, 100), ptr(fact), ptr(p)
}

type planUser struct {
	id       int64
	name     string
	team     int64
	teamName string
}

// planAmounts is a month's plan of one scope.
type planAmounts struct{ revenue, margin int64 }

type planKey struct {
	month crm.Date
	scope string
	id    int64
}

func (e *Engine) planFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	out := map[sliceKey]facts{}
	if len(spans) == 0 || f.PipelineID != 0 || f.ChannelID != 0 || f.Region != "" || f.Segment != "" {
		return out, nil
	}
	var byManager, byTeam bool
	for _, d := range by {
		switch d {
		case ByManager:
			byManager = true
		case ByTeam:
			byTeam = true
		default:
			return out, nil
		}
	}
	// The account's users (a small table), which of them the actor sees and the request counts.
	q := &query{engine: e.db.Engine}
	acc := q.add(actor.AccountID)
	vis, vargs := store.Visible(actor, "u.id", len(q.args)+1)
	q.args = append(q.args, vargs...)
	rows, err := q.rows(ctx, e.db.Reader(), fmt.Sprintf(`SELECT u.id, u.name, u.team_id, COALESCE(t.name, '(none)'),
			CASE WHEN %s THEN 1 ELSE 0 END
		FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE u.account_id = %s`, vis, acc))
	if err != nil {
		return nil, fmt.Errorf("analytics: plan users: %w", err)
	}
	defer rows.Close()
	var counted []planUser
	all, members := 0, map[int64]int{}
	for rows.Next() {
		var u planUser
		var team sql.NullInt64
		var seen int
		if err := rows.Scan(&u.id, &u.name, &team, &u.teamName, &seen); err != nil {
			return nil, fmt.Errorf("analytics: plan users: %w", err)
		}
		u.team = team.Int64
		all++
		members[u.team]++
		if seen == 1 && (f.ManagerID == 0 || u.id == f.ManagerID) && (f.TeamID == 0 || u.team == f.TeamID) {
			counted = append(counted, u)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The plans of the months the spans touch.
	plans := map[planKey]planAmounts{}
	_, _, from, to := spanBounds(spans)
	prow, err := e.db.Reader().QueryContext(ctx, `SELECT month, scope, scope_id, revenue, margin FROM sales_plans
		WHERE account_id = $1 AND month >= $2 AND month < $3`, actor.AccountID, from.MonthStart(), to)
	if err != nil {
		return nil, fmt.Errorf("analytics: plans: %w", err)
	}
	defer prow.Close()
	for prow.Next() {
		var k planKey
		var p planAmounts
		if err := prow.Scan(&k.month, &k.scope, &k.id, &p.revenue, &p.margin); err != nil {
			return nil, fmt.Errorf("analytics: plans: %w", err)
		}
		plans[k] = p
	}
	if err := prow.Err(); err != nil {
		return nil, err
	}

	// monthPlan is the plan of the users us for the month m, and whether any plan was set for them.
	monthPlan := func(us []planUser, m crm.Date, ownOnly bool) (planAmounts, bool) {
		if !ownOnly && len(us) == all {
			if p, ok := plans[planKey{m, "account", 0}]; ok {
				return p, true
			}
		}
		byTeamOf := map[int64][]planUser{}
		for _, u := range us {
			byTeamOf[u.team] = append(byTeamOf[u.team], u)
		}
		var sum planAmounts
		has := false
		for team, tus := range byTeamOf {
			if p, ok := plans[planKey{m, "team", team}]; ok && !ownOnly && team != 0 && len(tus) == members[team] {
				sum.revenue, sum.margin, has = sum.revenue+p.revenue, sum.margin+p.margin, true
				continue
			}
			for _, u := range tus {
				if p, ok := plans[planKey{m, "user", u.id}]; ok {
					sum.revenue, sum.margin, has = sum.revenue+p.revenue, sum.margin+p.margin, true
				}
			}
		}
		return sum, has
	}
	// add puts the plan of us, pro-rated into each span, under the labels.
	add := func(us []planUser, labels string, ownOnly bool) {
		for i, s := range spans {
			var rev, mar int64
			has := false
			for m := s.FromDate.MonthStart(); m.Before(s.ToDate); m = m.NextMonth() {
				p, ok := monthPlan(us, m, ownOnly)
				if !ok {
					continue
				}
				has = true
				last := m.NextMonth().AddDays(-1)
				rev += proRateSigned(p.revenue, m, last, s.FromDate, s.ToDate)
				mar += proRateSigned(p.margin, m, last, s.FromDate, s.ToDate)
			}
			if has {
				out[sliceKey{bucket: i, labels: labels}] = facts{"plan_revenue": float64(rev), "plan_margin": float64(mar)}
			}
		}
	}
	switch {
	case len(by) == 0:
		if len(counted) > 0 {
			add(counted, "", false)
		}
	case byManager:
		for _, u := range counted {
			labels := u.name
			if byTeam {
				if by[0] == ByTeam {
					labels = u.teamName + "\x1f" + u.name
				} else {
					labels = u.name + "\x1f" + u.teamName
				}
			}
			add([]planUser{u}, labels, true)
		}
	default:
		teams := map[string][]planUser{}
		var names []string
		for _, u := range counted {
			if teams[u.teamName] == nil {
				names = append(names, u.teamName)
			}
			teams[u.teamName] = append(teams[u.teamName], u)
		}
		sort.Strings(names)
		for _, n := range names {
			add(teams[n], n, false)
		}
	}
	return out, nil
}

// proRateSigned is crm.ProRate for an amount of either sign (a margin plan may be negative).
func proRateSigned(amount int64, starts, ends, from, to crm.Date) int64 {
	if amount < 0 {
		return -crm.ProRate(-amount, starts, ends, from, to)
	}
	return crm.ProRate(amount, starts, ends, from, to)
}

func init() {
	registerReport(&ReportDef{Name: "plan_fact", TitleRU: "План/факт продаж", TitleEN: "Sales plan/fact",
		Description: "per manager and per team (and the total): revenue plan, fact and %, margin plan, fact and %",
		run:         planFactReport})
}

// planFactReport is a row for the total, each manager and each team of every bucket: the plans,
// the facts and their ratios (the plans are the denominators of the KPIs, the facts their
// numerators).
func planFactReport(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	ids := []string{"plan_fact_revenue", "plan_fact_margin"}
	rep := &Report{}
	if req.Bucket != None {
		rep.Columns = append(rep.Columns, Column{Key: "bucket", TitleRU: "Период", TitleEN: "Period"})
	}
	rep.Columns = append(rep.Columns,
		Column{Key: "level", TitleRU: "Уровень", TitleEN: "Level"},
		Column{Key: "name", TitleRU: "Кто", TitleEN: "Who"},
		Column{Key: "revenue_plan", TitleRU: "План выручки", TitleEN: "Revenue plan", Unit: Money},
		Column{Key: "revenue", TitleRU: "Выручка", TitleEN: "Revenue", Unit: Money},
		Column{Key: "plan_fact_revenue", TitleRU: "План/факт по выручке", TitleEN: "Revenue plan/fact", Unit: Percent},
		Column{Key: "margin_plan", TitleRU: "План маржи", TitleEN: "Margin plan", Unit: Money},
		Column{Key: "margin", TitleRU: "Маржа", TitleEN: "Margin", Unit: Money},
		Column{Key: "plan_fact_margin", TitleRU: "План/факт по марже", TitleEN: "Margin plan/fact", Unit: Percent})
	type rowKey struct{ bucket, level, name string }
	rows := map[rowKey]Row{}
	var keys []rowKey
	bucketOrder := map[string]int{}
	for _, level := range []Dimension{ByManager, ByTeam} {
		rs, err := e.Compute(ctx, actor, Request{IDs: ids, Period: req.Period, Bucket: req.Bucket, By: []Dimension{level}, Filter: req.Filter})
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			k := rowKey{bucket: x.Bucket, level: string(level), name: x.Slice[string(level)]}
			if len(x.Slice) == 0 {
				if level == ByTeam {
					continue // the totals came with the managers
				}
				k.level, k.name = "total", "(all)"
			}
			if _, ok := bucketOrder[x.Bucket]; !ok {
				bucketOrder[x.Bucket] = len(bucketOrder)
			}
			row, ok := rows[k]
			if !ok {
				row = Row{"level": k.level, "name": k.name}
				if req.Bucket != None {
					row["bucket"] = x.Bucket
				}
				rows[k] = row
				keys = append(keys, k)
			}
			fact, plan := "revenue", "revenue_plan"
			if x.KPI == "plan_fact_margin" {
				fact, plan = "margin", "margin_plan"
			}
			row[x.KPI], row[fact], row[plan] = x.Value, x.Numerator, x.Denominator
		}
	}
	rank := map[string]int{"total": 0, string(ByManager): 1, string(ByTeam): 2}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if bucketOrder[a.bucket] != bucketOrder[b.bucket] {
			return bucketOrder[a.bucket] < bucketOrder[b.bucket]
		}
		if rank[a.level] != rank[b.level] {
			return rank[a.level] < rank[b.level]
		}
		return a.name < b.name
	})
	for _, k := range keys {
		rep.Rows = append(rep.Rows, rows[k])
	}
	rep.Notes = append(rep.Notes,
		"A manager's plan is their own; a team's is its plan, else the sum of its members'; the total is the account's plan, else the sum over the teams. A month partly in the period counts its plan pro-rated by days.")
	return rep, nil
}
