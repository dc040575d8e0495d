package analytics

import (
	"context"
	"fmt"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// The CRM-efficiency KPIs of KPI.md («Эффективность CRM») that are about people and records:
// adoption, data quality, productivity. (TCO, ROI and payback are in roi.go.)

const (
	factsStaff      factGroup = "efficiency_staff"       // managers' working days, active days, months (staff.go)
	factsWonTouched factGroup = "efficiency_won_touched" // won deals and those with a logged touch
	factsQuality    factGroup = "efficiency_quality"     // open deals and the fields they have filled
)

func init() {
	registerFacts(factsStaff, (*Engine).staffFacts)
	registerFacts(factsWonTouched, (*Engine).wonTouchedFacts)
	registerFacts(factsQuality, (*Engine).qualityFacts)
	register(&KPI{ID: "crm_adoption", NameRU: "Использование CRM", NameEN: "CRM adoption", Unit: Percent,
		facts:      []factGroup{factsStaff},
		Definition: "active manager-days / manager working days × 100: a working day is Monday to Friday of the account's zone on which the user (role manager) was active and not absent; the manager was active on it when they logged a touch or moved a deal to another stage. In totals and by manager or team; null in other slices and under deal filters",
		eval: func(f facts) (*float64, *float64, *float64) {
			wd, ok := f["working_days"]
			if !ok {
				return nil, nil, nil
			}
			return ratio(f["active_days"], wd, 100), ptr(f["active_days"]), ptr(wd)
		}})
	register(&KPI{ID: "crm_adoption_won_touched", NameRU: "Доля выигранных сделок с касанием", NameEN: "Won deals with a logged touch", Unit: Percent,
		facts:      []factGroup{factsWonTouched},
		Definition: "of the deals won in the period, the share with at least one touch logged on the deal or its client between the deal's creation and its close × 100: a low share shows sales closed outside the CRM",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["won_touched"], f["won_all"], 100), ptr(f["won_touched"]), ptr(f["won_all"])
		}})
	register(&KPI{ID: "data_quality", NameRU: "Качество данных", NameEN: "Data quality", Unit: Percent,
		facts:      []factGroup{factsQuality},
		Definition: "of the deals open at the end of the period, the share with an amount (> 0), a client (contact or company), a channel and an open next task all filled × 100; duplicates and untouched records are in the report data_quality",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["complete"], f["quality_open"], 100), ptr(f["complete"]), ptr(f["quality_open"])
		}})
	register(&KPI{ID: "productivity", NameRU: "Производительность", NameEN: "Productivity", Unit: Money,
		facts:      []factGroup{factsStaff, factsClosed},
		Definition: "revenue of the deals won in the period per active manager per month: revenue / manager-months, a manager-month being a month in which a user with the manager role was active (a manager active half a month is 0.5). In totals (all visible revenue over all managers) and by manager or team",
		eval: func(f facts) (*float64, *float64, *float64) {
			mm, ok := f["manager_months"]
			if !ok {
				return nil, nil, nil
			}
			return ratio(f["revenue"], mm, 1), ptr(f["revenue"]), ptr(mm)
		}})
	register(&KPI{ID: "productivity_won_deals", NameRU: "Сделок на менеджера в месяц", NameEN: "Won deals per manager-month", Unit: Count,
		facts:      []factGroup{factsStaff, factsClosed},
		Definition: "deals won in the period per active manager per month: won_deals / manager-months (see productivity)",
		eval: func(f facts) (*float64, *float64, *float64) {
			mm, ok := f["manager_months"]
			if !ok {
				return nil, nil, nil
			}
			return ratio(f["won"], mm, 1), ptr(f["won"]), ptr(mm)
		}})
}

// wonTouchedFacts counts the deals won in each bucket and those with a touch logged on the deal or
// its client between its creation and its close.
func (e *Engine) wonTouchedFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	labels, joins := groupSQL(by, "")
	sel := strings.Join(append([]string{"b.i"}, labels...), ", ")
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, COUNT(*), SUM(CASE WHEN %s <= d.closed_at THEN 1 ELSE 0 END)
		FROM deals d %s %s
		WHERE %s AND d.status = 'won' GROUP BY %s`, cte, sel, firstTouch, q.within("d.closed_at"), joins, q.where(actor, f), sel)
	return e.runFacts(ctx, q, sqlText, len(labels), []string{"won_all", "won_touched"})
}

// qualityFacts counts the deals open at the end of each bucket, those with every field of
// data_quality filled, and those missing each.
func (e *Engine) qualityFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	labels, joins := groupSQL(by, "")
	sel := strings.Join(append([]string{"b.i"}, labels...), ", ")
	hasClient := "(d.contact_id IS NOT NULL OR d.company_id IS NOT NULL)"
	hasTask := openTaskAt("b.e")
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, COUNT(*),
			SUM(CASE WHEN d.amount > 0 AND %s AND d.channel_id IS NOT NULL AND %s THEN 1 ELSE 0 END),
			SUM(CASE WHEN d.amount > 0 THEN 0 ELSE 1 END),
			SUM(CASE WHEN %s THEN 0 ELSE 1 END),
			SUM(CASE WHEN d.channel_id IS NOT NULL THEN 0 ELSE 1 END),
			SUM(CASE WHEN %s THEN 0 ELSE 1 END)
		FROM deals d CROSS JOIN spans b %s
		WHERE d.created_at < b.e AND (d.closed_at IS NULL OR d.closed_at >= b.e) AND %s AND %s GROUP BY %s`, cte, sel, hasClient, hasTask, hasClient, hasTask, joins, q.where(actor, f), q.openAtAnEnd(spans), sel)
	return e.runFacts(ctx, q, sqlText, len(labels), []string{"quality_open", "complete", "no_amount", "no_client", "no_channel", "no_task"})
}
