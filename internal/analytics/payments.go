package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// The payment KPIs of KPI.md: payments received (the fact), scheduled payments due (the plan), their
// ratio, and the overdue receivables. Payments and schedules belong to a deal: they are sliced and
// seen by the deal (its manager, team, pipeline, channel…), and those of deleted deals count
// nowhere. The schedule of a lost deal is not owed (the sale fell through): it counts neither in the
// plan nor in the overdue receivables, while money received on a lost deal is still money received.

const (
	factsPaid    factGroup = "payments_paid"    // payments by paid_at
	factsDue     factGroup = "payments_due"     // scheduled payments by due_on
	factsOverdue factGroup = "payments_overdue" // receivables overdue at the end of each bucket
)

func init() {
	registerFacts(factsPaid, (*Engine).paidFacts)
	registerFacts(factsDue, (*Engine).dueFacts)
	registerFacts(factsOverdue, (*Engine).overdueStates) // states.go
	register(&KPI{ID: "payments_fact", NameRU: "Факт оплат", NameEN: "Payments received", Unit: Money,
		facts:      []factGroup{factsPaid},
		Definition: "Σ payments received in the period (by paid_at, in the account's time zone); deleted payments and payments of deleted deals do not count",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["paid"]), ptr(f["paid"]), nil
		}})
	register(&KPI{ID: "payments_plan", NameRU: "План оплат", NameEN: "Payments scheduled", Unit: Money,
		facts:      []factGroup{factsDue},
		Definition: "Σ scheduled payments due in the period (due_on a day of the period), of deals not lost",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["due"]), ptr(f["due"]), nil
		}})
	register(&KPI{ID: "payment_plan_fact", NameRU: "План/факт оплат", NameEN: "Payments plan/fact", Unit: Percent,
		facts:      []factGroup{factsPaid, factsDue},
		Definition: "payments_fact / payments_plan × 100",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ratio(f["paid"], f["due"], 100), ptr(f["paid"]), ptr(f["due"])
		}})
	register(&KPI{ID: "overdue_receivables", NameRU: "Просроченная дебиторская задолженность", NameEN: "Overdue receivables", Unit: Money,
		facts: []factGroup{factsOverdue},
		Definition: "at the end of the period, per deal not lost: max(0, Σ scheduled payments due before the period's end − Σ payments received before it), summed; " +
			"payments cover a deal's schedule in due-date order, never another deal's; the denominator is the number of deals in arrears",
		eval: func(f facts) (*float64, *float64, *float64) {
			return ptr(f["overdue"]), ptr(f["overdue"]), ptr(f["overdue_deals"])
		}})
}

func (e *Engine) paidFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := q.spansCTE(spans)
	joins, labels := dealDims(by)
	group := strings.Join(append([]string{"b.i"}, labels...), ", ")
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, SUM(p.amount)
		FROM payments p JOIN deals d ON d.account_id = p.account_id AND d.id = p.deal_id
			%s %s
		WHERE p.deleted_at IS NULL AND %s GROUP BY %s`, cte, group, q.within("p.paid_at"), strings.Join(joins, " "), q.where(actor, f), group)
	return collectFacts(ctx, e, q, sqlText, len(labels), []string{"paid"})
}

func (e *Engine) dueFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	q := &query{engine: e.db.Engine}
	cte := spansWithDatesCTE(q, spans)
	joins, labels := dealDims(by)
	group := strings.Join(append([]string{"b.i"}, labels...), ", ")
	sqlText := fmt.Sprintf(`WITH %s
		SELECT %s, SUM(pp.amount)
		FROM payment_plans pp JOIN deals d ON d.account_id = pp.account_id AND d.id = pp.deal_id
			JOIN spans b ON pp.due_on >= b.fd AND pp.due_on < b.td %s
		WHERE pp.deleted_at IS NULL AND d.status <> 'lost' AND %s GROUP BY %s`, cte, group, strings.Join(joins, " "), q.where(actor, f), group)
	return collectFacts(ctx, e, q, sqlText, len(labels), []string{"due"})
}

// OverduePayment is a scheduled payment overdue at a moment: the part of it the deal's payments
// (applied to its schedule in due-date order) have not covered.
type OverduePayment struct {
	PlanID      int64
	DealID      int64
	Deal        string
	Client      string // the deal's company, else its main contact; "" when it has neither
	Manager     string
	DueOn       crm.Date
	Amount      int64
	Outstanding int64
}

// overdueLimit bounds the list of the payments report.
const overdueLimit = 1000

// OverduePayments lists the scheduled payments of deals the actor sees (not lost, not deleted, as
// filtered) due before the day to (in the zone loc) and not covered by the payments received
// before to began, oldest due first; at most limit of them, and whether there were more.
func (e *Engine) OverduePayments(ctx context.Context, actor *crm.Actor, to crm.Date, loc *time.Location, f Filter, limit int) ([]OverduePayment, bool, error) {
	q := &query{engine: e.db.Engine}
	acc := q.add(actor.AccountID)
	toArg, endArg := q.add(to), q.add(to.In(loc).UTC())
	sqlText := fmt.Sprintf(`WITH s AS (SELECT pp.id, pp.deal_id, pp.due_on, pp.amount,
				SUM(pp.amount) OVER (PARTITION BY pp.deal_id ORDER BY pp.due_on, pp.id) AS cum
			FROM payment_plans pp WHERE pp.account_id = %s AND pp.deleted_at IS NULL AND pp.due_on < %s),
		pa AS (SELECT p.deal_id, SUM(p.amount) AS amt FROM payments p
			WHERE p.account_id = %s AND p.deleted_at IS NULL AND p.paid_at < %s GROUP BY p.deal_id)
		SELECT s.id, d.id, d.name, COALESCE(co.name, ct.name, ''), u.name, s.due_on, s.amount,
			CASE WHEN s.cum - COALESCE(pa.amt, 0) < s.amount THEN s.cum - COALESCE(pa.amt, 0) ELSE s.amount END
		FROM s JOIN deals d ON d.account_id = %s AND d.id = s.deal_id
			JOIN users u ON u.id = d.responsible_id
			LEFT JOIN pa ON pa.deal_id = s.deal_id
			LEFT JOIN companies co ON co.account_id = d.account_id AND co.id = d.company_id
			LEFT JOIN contacts ct ON ct.account_id = d.account_id AND ct.id = d.contact_id
		WHERE %s AND d.status <> 'lost' AND s.cum > COALESCE(pa.amt, 0)
		ORDER BY s.due_on, s.id LIMIT %d`, acc, toArg, acc, endArg, acc, q.where(actor, f), limit+1)
	rows, err := q.rows(ctx, e.db.Reader(), sqlText)
	if err != nil {
		return nil, false, fmt.Errorf("analytics: overdue payments: %w", err)
	}
	defer rows.Close()
	var out []OverduePayment
	for rows.Next() {
		var o OverduePayment
		var amount, outstanding sql.NullFloat64
		if err := rows.Scan(&o.PlanID, &o.DealID, &o.Deal, &o.Client, &o.Manager, &o.DueOn, &amount, &outstanding); err != nil {
			return nil, false, fmt.Errorf("analytics: overdue payments: %w", err)
		}
		o.Amount, o.Outstanding = int64(amount.Float64), int64(outstanding.Float64)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func init() {
	registerReport(&ReportDef{Name: "payments", TitleRU: "Оплаты и дебиторская задолженность", TitleEN: "Payments and receivables",
		Description: "per bucket: payments scheduled, received, plan/fact % and overdue receivables at the bucket's end; then every scheduled payment overdue at the period's end with its deal, client, due date and outstanding amount",
		run:         paymentsReport})
}

// paymentsReport is one table in two sections: the figures by bucket (and slice, when asked), then
// the list of scheduled payments overdue at the end of the period.
func paymentsReport(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	rep, err := kpiTable([]string{"payments_plan", "payments_fact", "payment_plan_fact", "overdue_receivables"}, nil)(ctx, e, actor, req)
	if err != nil {
		return nil, err
	}
	for _, r := range rep.Rows {
		r["section"] = "plan_fact"
	}
	rep.Columns = append([]Column{{Key: "section", TitleRU: "Раздел", TitleEN: "Section"}}, rep.Columns...)
	rep.Columns = append(rep.Columns,
		Column{Key: "deal", TitleRU: "Сделка", TitleEN: "Deal"},
		Column{Key: "client", TitleRU: "Клиент", TitleEN: "Client"},
		Column{Key: "manager", TitleRU: "Менеджер", TitleEN: "Manager"},
		Column{Key: "due_on", TitleRU: "Срок оплаты", TitleEN: "Due on"},
		Column{Key: "outstanding", TitleRU: "Не оплачено", TitleEN: "Outstanding", Unit: Money})
	list, more, err := e.OverduePayments(ctx, actor, req.Period.To, req.Period.Loc, req.Filter, overdueLimit)
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		rep.Rows = append(rep.Rows, Row{"section": "overdue", "deal_id": o.DealID, "deal": o.Deal, "client": o.Client,
			"manager": o.Manager, "due_on": o.DueOn.String(), "scheduled": float64(o.Amount), "outstanding": float64(o.Outstanding)})
	}
	rep.Notes = append(rep.Notes,
		"Overdue receivables at the end of a bucket: per deal (not lost), scheduled payments due on or before the bucket's last day less the payments received by its end; payments cover the deal's schedule in due-date order.",
		"Rows of section overdue list the scheduled payments overdue at the end of the period ("+req.Period.To.String()+" 00:00), oldest first.")
	if more {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Only the %d oldest overdue payments are listed.", overdueLimit))
	}
	return rep, nil
}
