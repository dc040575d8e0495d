package analytics

import (
	"context"
	"fmt"

	"github.com/voronka/voronka/internal/crm"
)

func init() {
	registerReport(&ReportDef{Name: "customers", TitleRU: "Клиенты", TitleEN: "Customers",
		Description: "per bucket: customer base, new customers, base growth, churn, repeat purchase rate, CLV",
		run:         kpiTable([]string{"customer_base", "new_customers", "base_growth", "churn_rate", "repeat_purchase_rate", "clv"}, nil)})
	registerReport(&ReportDef{Name: "customer_cohorts", TitleRU: "Когорты клиентов", TitleEN: "Customer cohorts",
		Description: "customers by the month of their first won deal (rows) × months since (m0..mN): the share of the cohort with a won deal closed in that month",
		run:         customerCohorts})
}

// customerCohorts is the monthly retention table: a row for each month of the period in which
// customers made their first won deal (the cohort), with the cohort's size and, for each month k
// since (m0 = the cohort's month, 100 %), the percentage of the cohort that had a won deal closed in
// that month. Months after the period's end are null. Whom the actor sees is as in the customer
// KPIs (the first won deal's manager); the request's filters apply to the first won deal.
func customerCohorts(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	spans := req.Period.Spans(Month)
	q := &query{engine: e.db.Engine}
	spansSQL := q.spansCTE(spans)
	won := wonCTE(q, actor)
	cust, _ := custCTE(q, actor, nil, req.Filter, false)
	sqlText := fmt.Sprintf(`WITH %s, %s, %s
		SELECT fb.i, wb.i, COUNT(DISTINCT c.ck)
		FROM cust c JOIN spans fb ON c.first_at >= fb.s AND c.first_at < fb.e
			JOIN spans wb ON c.closed_at >= wb.s AND c.closed_at < wb.e
		GROUP BY fb.i, wb.i`, spansSQL, won, cust)
	rows, err := q.rows(ctx, e.db.Reader(), sqlText)
	if err != nil {
		return nil, fmt.Errorf("analytics: cohorts: %w", err)
	}
	defer rows.Close()
	cells := map[[2]int]float64{}
	for rows.Next() {
		var i, j int
		var n float64
		if err := rows.Scan(&i, &j, &n); err != nil {
			return nil, fmt.Errorf("analytics: cohorts: %w", err)
		}
		cells[[2]int{i, j}] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rep := &Report{Columns: []Column{
		{Key: "cohort", TitleRU: "Когорта", TitleEN: "Cohort"},
		{Key: "customers", TitleRU: "Новых клиентов", TitleEN: "New customers", Unit: Count},
	}}
	for k := range spans {
		rep.Columns = append(rep.Columns, Column{Key: fmt.Sprintf("m%d", k), TitleRU: fmt.Sprintf("Месяц %d", k), TitleEN: fmt.Sprintf("Month %d", k), Unit: Percent})
	}
	for i, s := range spans {
		size := cells[[2]int{i, i}]
		if size == 0 {
			continue
		}
		row := Row{"cohort": s.Label, "customers": size}
		for k := range spans {
			if i+k < len(spans) {
				row[fmt.Sprintf("m%d", k)] = ratio(cells[[2]int{i, i + k}], size, 100)
			} else {
				row[fmt.Sprintf("m%d", k)] = (*float64)(nil)
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	w := e.settings(ctx, actor).PurchaseCycleDays
	rep.Notes = append(rep.Notes,
		"A cohort is the customers whose first won deal closed in that month; m0 is that month (100 %), mk the share of the cohort with a won deal closed k months later. Months after the period are empty.",
		fmt.Sprintf("A customer is the company of a deal, else its main contact. Churn in the customers report uses the purchase cycle of %d days instead.", w))
	return rep, nil
}
