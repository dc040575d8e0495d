package analytics

import (
	"context"
	"fmt"

	"github.com/voronka/voronka/internal/crm"
)

// CAC (KPI.md «Каналы продаж»): what acquiring a customer costs. Like marketing spend it is a figure
// of the whole account, for administrators only, in totals and by channel (marketing.go).

// factsAcquisition is the CRM cost ledger's acquisition entries spread into the buckets.
const factsAcquisition factGroup = "acquisition_costs"

func init() {
	registerFacts(factsAcquisition, (*Engine).acquisitionFacts)
	register(&KPI{ID: "cac", NameRU: "CAC, стоимость привлечения клиента", NameEN: "Customer acquisition cost", Unit: Money,
		facts: []factGroup{factsSpend, factsAcquisition, factsCustomers},
		Definition: "acquisition costs / new customers; acquisition costs = marketing spend (pro-rated by day) + CRM cost entries marked " +
			"acquisition (one-off in the day incurred, monthly ones each month from incurred_on through ends_on, spread over that month's days). " +
			"Per channel: the channel's spend / new customers whose first won deal came from it. Administrators only",
		eval: func(f facts) (*float64, *float64, *float64) {
			s, ok := f["spend"]
			if !ok {
				return nil, nil, nil
			}
			c := s + f["acq_costs"]
			return ratio(c, f["cust_new"], 1), ptr(c), ptr(f["cust_new"])
		}})
}

// acquisitionFacts spreads the account's CRM cost entries marked acquisition into the spans: in
// totals only (a cost belongs to no channel, manager or region), for administrators, with no filter
// (a channel filter keeps the channel's spend alone). The ledger is small: it is read and split here.
func (e *Engine) acquisitionFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	out := map[sliceKey]facts{}
	if !actor.SeesAll() || len(by) != 0 || f != (Filter{}) || len(spans) == 0 {
		return out, nil
	}
	_, _, _, to := spanBounds(spans)
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT incurred_on, recurrence, ends_on, amount FROM crm_costs
		WHERE account_id = $1 AND deleted_at IS NULL AND acquisition = TRUE AND incurred_on < $2`,
		actor.AccountID, to)
	if err != nil {
		return nil, fmt.Errorf("analytics: acquisition costs: %w", err)
	}
	defer rows.Close()
	var costs []*crm.CRMCost
	for rows.Next() {
		c := &crm.CRMCost{}
		if err := rows.Scan(&c.IncurredOn, &c.Recurrence, &c.EndsOn, &c.Amount); err != nil {
			return nil, fmt.Errorf("analytics: acquisition costs: %w", err)
		}
		costs = append(costs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, s := range spans {
		var sum int64
		for _, c := range costs {
			sum += costInDays(c, s.FromDate, s.ToDate)
		}
		out[sliceKey{bucket: i}] = facts{"acq_costs": float64(sum)}
	}
	return out, nil
}

// costInDays is the part of CRM cost entry c that falls in the days [from, to): a one-off entry
// all on the day it was incurred; a monthly entry its amount in each month crm.CostInMonth says it
// applies to (as TCO counts it), spread by crm.ProRate over the days of that month the entry covers
// (from incurred_on in its first month, through ends_on in its last), so whole months get the whole
// amount and no kopeck is lost or doubled across buckets.
func costInDays(c *crm.CRMCost, from, to crm.Date) int64 {
	if c.Recurrence != "monthly" {
		return crm.ProRate(c.Amount, c.IncurredOn, c.IncurredOn, from, to)
	}
	m := c.IncurredOn.MonthStart()
	if m.Before(from.MonthStart()) {
		m = from.MonthStart()
	}
	var sum int64
	for ; m.Before(to); m = m.NextMonth() {
		if !c.EndsOn.IsZero() && c.EndsOn.Before(m) {
			break
		}
		v := crm.CostInMonth(c, m)
		first, last := m, m.NextMonth().AddDays(-1)
		if m.Before(c.IncurredOn) {
			first = c.IncurredOn
		}
		if !c.EndsOn.IsZero() && c.EndsOn.Before(last) {
			last = c.EndsOn
		}
		sum += crm.ProRate(v, first, last, from, to)
	}
	return sum
}
