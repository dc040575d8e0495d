package analytics

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// The drill-down of records other than deals (drill.go): each list is the query of its fact group
// with the aggregate taken off — the same rows, owner, visibility and filters.

// otherRecords is the record query (recordCols) of a part whose records are not deals nor ledger
// entries.
func (e *Engine) otherRecords(ctx context.Context, actor *crm.Actor, q *query, p drillPart, req DrillRequest) (string, error) {
	span := req.Period.Span()
	f := req.Filter
	switch p.kind {
	case KindPayment:
		// As paidFacts (payments.go): live payments of live deals the actor sees, by paid_at.
		return fmt.Sprintf(`SELECT p.id AS id, 'payment' AS kind, d.name AS title, p.method AS status, '' AS grp, %[1]s AS score,
				p.amount AS amount, CAST(p.amount AS DOUBLE PRECISION) AS v, p.paid_at AS at, %[2]s AS day,
				d.responsible_id AS responsible_id, u.name AS responsible, d.id AS deal_id, d.name AS deal,
				d.contact_id AS contact_id, d.company_id AS company_id, %[3]s AS c_at, %[3]s AS x_at
			FROM payments p JOIN deals d ON d.account_id = p.account_id AND d.id = p.deal_id JOIN users u ON u.id = d.responsible_id
			WHERE p.deleted_at IS NULL AND p.paid_at >= %[4]s AND p.paid_at < %[5]s AND %[6]s`,
			nullInt, nullDate, nullTime, q.add(span.Start), q.add(span.End), q.where(actor, f)), nil
	case KindScheduled:
		if p.set == "due" {
			// As dueFacts: live scheduled payments of live deals not lost, due on a day of the period.
			return fmt.Sprintf(`SELECT pp.id AS id, 'scheduled_payment' AS kind, d.name AS title, '' AS status, '' AS grp, %[1]s AS score,
					pp.amount AS amount, CAST(pp.amount AS DOUBLE PRECISION) AS v, %[2]s AS at, pp.due_on AS day,
					d.responsible_id AS responsible_id, u.name AS responsible, d.id AS deal_id, d.name AS deal,
					d.contact_id AS contact_id, d.company_id AS company_id, %[2]s AS c_at, %[2]s AS x_at
				FROM payment_plans pp JOIN deals d ON d.account_id = pp.account_id AND d.id = pp.deal_id JOIN users u ON u.id = d.responsible_id
				WHERE pp.deleted_at IS NULL AND d.status <> 'lost' AND pp.due_on >= %[3]s AND pp.due_on < %[4]s AND %[5]s`,
				nullInt, nullTime, q.add(span.FromDate), q.add(span.ToDate), q.where(actor, f)), nil
		}
		// Overdue at the period's end, as OverduePayments (payments.go): each scheduled payment due
		// before the end's day, less what the deal's payments received before the end cover of the
		// deal's schedule in due-date order; v is what remains of it.
		acc := q.add(actor.AccountID)
		toArg, endArg := q.add(req.Period.To), q.add(span.End)
		return fmt.Sprintf(`WITH s AS (SELECT pp.id, pp.deal_id, pp.due_on, pp.amount,
					SUM(pp.amount) OVER (PARTITION BY pp.deal_id ORDER BY pp.due_on, pp.id) AS cum
				FROM payment_plans pp WHERE pp.account_id = %[1]s AND pp.deleted_at IS NULL AND pp.due_on < %[2]s),
			pa AS (SELECT p.deal_id, SUM(p.amount) AS amt FROM payments p
				WHERE p.account_id = %[1]s AND p.deleted_at IS NULL AND p.paid_at < %[3]s GROUP BY p.deal_id)
			SELECT s.id AS id, 'scheduled_payment' AS kind, d.name AS title, 'overdue' AS status, '' AS grp, %[4]s AS score,
				s.amount AS amount,
				CAST(CASE WHEN s.cum - COALESCE(pa.amt, 0) < s.amount THEN s.cum - COALESCE(pa.amt, 0) ELSE s.amount END AS DOUBLE PRECISION) AS v,
				%[5]s AS at, s.due_on AS day, d.responsible_id AS responsible_id, u.name AS responsible, d.id AS deal_id, d.name AS deal,
				d.contact_id AS contact_id, d.company_id AS company_id, %[5]s AS c_at, %[5]s AS x_at
			FROM s JOIN deals d ON d.account_id = %[1]s AND d.id = s.deal_id JOIN users u ON u.id = d.responsible_id
				LEFT JOIN pa ON pa.deal_id = s.deal_id
			WHERE %[6]s AND d.status <> 'lost' AND s.cum > COALESCE(pa.amt, 0)`,
			acc, toArg, endArg, nullInt, nullTime, q.where(actor, f)), nil
	case KindNPS:
		// As npsFacts (feedback.go): the answer belongs to its live deal's manager, else to its
		// contact's responsible.
		acc := q.add(actor.AccountID)
		s, en := q.add(span.Start), q.add(span.End)
		_, _, where := feedbackSQL(q, actor, nil, f)
		var cond, v string
		switch p.set {
		case "answers":
			cond, v = "TRUE", nullNum
		case "scored":
			cond, v = "x.score >= 9 OR x.score <= 6", "CASE WHEN x.score >= 9 THEN 1.0 ELSE -1.0 END"
		default:
			cond, v = "("+npsGroup+") = "+q.add(p.set), nullNum
		}
		return fmt.Sprintf(`WITH x AS (SELECT n.id, n.answered_at AS at, n.score, n.contact_id, c.name AS contact, d.id AS deal_id, d.name AS deal,
					COALESCE(d.responsible_id, c.responsible_id) AS owner_id, %[1]s
				FROM nps_answers n JOIN contacts c ON c.account_id = n.account_id AND c.id = n.contact_id
					LEFT JOIN deals d ON d.account_id = n.account_id AND d.id = n.deal_id AND d.deleted_at IS NULL
				WHERE n.account_id = %[2]s AND n.deleted_at IS NULL AND n.answered_at >= %[3]s AND n.answered_at < %[4]s)
			SELECT x.id AS id, 'nps_answer' AS kind, x.contact AS title, '' AS status, %[5]s AS grp, CAST(x.score AS BIGINT) AS score,
				%[6]s AS amount, CAST(%[7]s AS DOUBLE PRECISION) AS v, x.at AS at, %[8]s AS day,
				x.owner_id AS responsible_id, u.name AS responsible, x.deal_id AS deal_id, x.deal AS deal,
				x.contact_id AS contact_id, %[6]s AS company_id, %[9]s AS c_at, %[9]s AS x_at
			FROM x JOIN users u ON u.id = x.owner_id WHERE %[10]s AND (%[11]s)`,
			dealOf, acc, s, en, npsGroup, nullInt, v, nullDate, nullTime, where, cond), nil
	case KindComplaint:
		// As complaintFacts and complaintSolvedFacts (feedback.go): the complaint belongs to its
		// live deal's manager, else to its own responsible.
		acc := q.add(actor.AccountID)
		s, en := q.add(span.Start), q.add(span.End)
		_, _, where := feedbackSQL(q, actor, nil, f)
		at, v := "x.registered_at", nullNum
		if p.set == "resolved" {
			at = "x.resolved_at"
			if p.measure == measureHours {
				v = q.seconds("x.registered_at", "x.resolved_at") + " / 3600.0"
			}
		}
		return fmt.Sprintf(`WITH x AS (SELECT k.id, k.registered_at, k.resolved_at, k.category, k.text, k.contact_id, k.company_id,
					d.id AS deal_id, d.name AS deal, COALESCE(d.responsible_id, k.responsible_id) AS owner_id, %[1]s
				FROM complaints k LEFT JOIN deals d ON d.account_id = k.account_id AND d.id = k.deal_id AND d.deleted_at IS NULL
				WHERE k.account_id = %[2]s AND k.deleted_at IS NULL)
			SELECT x.id AS id, 'complaint' AS kind, CASE WHEN x.category = '' THEN x.text ELSE x.category || ': ' || x.text END AS title,
				CASE WHEN x.resolved_at IS NULL THEN 'open' ELSE 'resolved' END AS status, '' AS grp, %[3]s AS score,
				%[3]s AS amount, CAST(%[4]s AS DOUBLE PRECISION) AS v, %[5]s AS at, %[6]s AS day,
				x.owner_id AS responsible_id, u.name AS responsible, x.deal_id AS deal_id, x.deal AS deal,
				x.contact_id AS contact_id, x.company_id AS company_id, %[7]s AS c_at, %[7]s AS x_at
			FROM x JOIN users u ON u.id = x.owner_id WHERE %[8]s AND %[5]s >= %[9]s AND %[5]s < %[10]s`,
			dealOf, acc, nullInt, v, at, nullDate, nullTime, where, s, en), nil
	case KindTask:
		// As taskFacts (discipline.go): tasks due in the period, of their responsible; the due
		// time passed by now, and not completed by it.
		s, en := q.add(span.Start), q.add(span.End)
		nowArg := q.add(now().UTC())
		cond := "t.due_at < " + nowArg
		if p.set == "overdue" {
			cond += " AND (t.done_at IS NULL OR t.done_at > t.due_at)"
		}
		return fmt.Sprintf(`SELECT t.id AS id, 'task' AS kind, t.title AS title, CASE WHEN t.done_at IS NULL THEN 'open' ELSE 'done' END AS status,
				t.type AS grp, %[1]s AS score, %[1]s AS amount, %[2]s AS v, t.due_at AS at, %[3]s AS day,
				t.responsible_id AS responsible_id, u.name AS responsible, d.id AS deal_id, d.name AS deal,
				t.contact_id AS contact_id, t.company_id AS company_id, %[4]s AS c_at, t.done_at AS x_at
			FROM tasks t LEFT JOIN deals d ON d.account_id = t.account_id AND d.id = t.deal_id AND d.deleted_at IS NULL
				JOIN users u ON u.id = t.responsible_id
			WHERE t.due_at >= %[5]s AND t.due_at < %[6]s AND %[7]s AND %[8]s`,
			nullInt, nullNum, nullDate, nullTime, s, en, q.userWhere(actor, f, "t", "t.responsible_id"), cond), nil
	case KindActivity:
		// As touchLogFacts (discipline.go): touches by the user who logged them.
		s, en := q.add(span.Start), q.add(span.End)
		return fmt.Sprintf(`SELECT a.id AS id, 'activity' AS kind, CASE WHEN a.subject = '' THEN a.kind ELSE a.subject END AS title,
				a.kind AS status, '' AS grp, %[1]s AS score, %[1]s AS amount, %[2]s AS v, a.at AS at, %[3]s AS day,
				a.user_id AS responsible_id, u.name AS responsible, d.id AS deal_id, d.name AS deal,
				a.contact_id AS contact_id, a.company_id AS company_id, %[4]s AS c_at, %[4]s AS x_at
			FROM activities a LEFT JOIN deals d ON d.account_id = a.account_id AND d.id = a.deal_id AND d.deleted_at IS NULL
				JOIN users u ON u.id = a.user_id
			WHERE a.at >= %[5]s AND a.at < %[6]s AND %[7]s AND %[8]s`,
			nullInt, nullNum, nullDate, nullTime, s, en, q.userWhere(actor, f, "a", "a.user_id"), isTouch), nil
	case KindClient:
		if p.set == "new_contacts" {
			return e.newContactRecords(q, actor, span, f)
		}
		return e.customerRecords(ctx, actor, q, p.set, req)
	}
	return "", fmt.Errorf("analytics: drill: no records of kind %q", p.kind)
}

// npsGroup is the SQL of an answer x's group.
const npsGroup = "CASE WHEN x.score >= 9 THEN 'promoter' WHEN x.score >= 7 THEN 'passive' ELSE 'detractor' END"

// newContactRecords lists the contacts and companies created in the span, as newContactFacts
// (customers.go): by their responsible, a pipeline filter has no figure.
func (e *Engine) newContactRecords(q *query, actor *crm.Actor, span Span, f Filter) (string, error) {
	if f.PipelineID != 0 {
		var v crm.Validation
		v.Add("filter", "no_figure", "contacts and companies have no pipeline: new_contacts has no figure under a pipeline filter")
		return "", v.Err()
	}
	acc := q.add(actor.AccountID)
	s, en := q.add(span.Start), q.add(span.End)
	vis, vargs := store.Visible(actor, "r.responsible_id", len(q.args)+1)
	q.args = append(q.args, vargs...)
	conds := []string{vis}
	if f.ManagerID != 0 {
		conds = append(conds, "r.responsible_id = "+q.add(f.ManagerID))
	}
	if f.TeamID != 0 {
		conds = append(conds, "r.responsible_id IN (SELECT id FROM users WHERE account_id = "+acc+" AND team_id = "+q.add(f.TeamID)+")")
	}
	if f.ChannelID != 0 {
		conds = append(conds, "r.channel_id = "+q.add(f.ChannelID))
	}
	if f.Region != "" {
		conds = append(conds, "r.region = "+q.add(f.Region))
	}
	if f.Segment != "" {
		conds = append(conds, "r.segment = "+q.add(f.Segment))
	}
	return fmt.Sprintf(`SELECT r.id AS id, r.kind AS kind, r.name AS title, '' AS status, '' AS grp, %[1]s AS score, %[1]s AS amount,
			%[2]s AS v, r.created_at AS at, %[3]s AS day, r.responsible_id AS responsible_id, u.name AS responsible,
			%[1]s AS deal_id, '' AS deal, r.contact_id AS contact_id, r.company_id AS company_id, %[4]s AS c_at, %[4]s AS x_at
		FROM (SELECT id, 'contact' AS kind, name, responsible_id, channel_id, region, segment, created_at, id AS contact_id, company_id
				FROM contacts WHERE account_id = %[5]s AND deleted_at IS NULL AND created_at >= %[6]s AND created_at < %[7]s
			UNION ALL
			SELECT id, 'company', name, responsible_id, %[1]s, region, segment, created_at, %[1]s, id
				FROM companies WHERE account_id = %[5]s AND deleted_at IS NULL AND created_at >= %[6]s AND created_at < %[7]s) r
			JOIN users u ON u.id = r.responsible_id
		WHERE %[8]s`, nullInt, nullNum, nullDate, nullTime, acc, s, en, strings.Join(conds, " AND ")), nil
}

// customerRecords lists customers (clients: a company, else a deal's main contact) as the
// customer KPIs count them (customers.go): each by its first won deal, whose manager, team and
// attributes the visibility and filters apply to. At is when it became a customer.
func (e *Engine) customerRecords(ctx context.Context, actor *crm.Actor, q *query, set string, req DrillRequest) (string, error) {
	span := req.Period.Span()
	won := wonCTE(q, actor)
	var with, from, cond string
	switch set {
	case "customers_end", "customers_start", "repeat_customers":
		cust, _ := custCTE(q, actor, nil, req.Filter, true)
		with = won + ", " + cust
		from = "cust c"
		switch set {
		case "customers_end":
			cond = "c.first_at < " + q.add(span.End)
		case "customers_start":
			cond = "c.first_at < " + q.add(span.Start)
		default:
			cond = "c.second_at < " + q.add(span.End)
		}
	case "churned", "active_start":
		// As customerActivityFacts: active at t = a won deal closed in [t − W days, t), a deal
		// before the client's lost mark counting only until the mark.
		loc, err := e.location(ctx, actor)
		if err != nil {
			return "", err
		}
		w := e.settings(ctx, actor).PurchaseCycleDays
		s, en := q.add(span.Start), q.add(span.End)
		fw, ew := q.add(span.FromDate.AddDays(-w).In(loc).UTC()), q.add(span.ToDate.AddDays(-w).In(loc).UTC())
		cust, _ := custCTE(q, actor, nil, req.Filter, false)
		active := func(lo, hi string) string {
			return fmt.Sprintf(`MAX(CASE WHEN c.closed_at >= %s AND c.closed_at < %s
				AND (c.churned_at IS NULL OR c.churned_at >= %s OR c.closed_at >= c.churned_at) THEN 1 ELSE 0 END)`, lo, hi, hi)
		}
		with = won + ", " + cust + fmt.Sprintf(`, act AS (SELECT c.ck, MIN(c.first_at) AS first_at, %s AS at_from, %s AS at_to
			FROM cust c WHERE c.closed_at >= %s AND c.closed_at < %s GROUP BY c.ck)`, active(fw, s), active(ew, en), fw, en)
		from = "act c"
		cond = "c.at_from = 1"
		if set == "churned" {
			cond += " AND c.at_to = 0"
		}
	default:
		return "", fmt.Errorf("analytics: drill: no customer set %q", set)
	}
	// The client and its first won deal from the client key (2 × company id, 2 × contact id + 1).
	return fmt.Sprintf(`WITH %[1]s
		SELECT CASE WHEN c.ck %% 2 = 0 THEN c.ck / 2 ELSE (c.ck - 1) / 2 END AS id,
			CASE WHEN c.ck %% 2 = 0 THEN 'company' ELSE 'contact' END AS kind,
			COALESCE(co.name, ct.name, '') AS title, '' AS status, '' AS grp, %[2]s AS score, %[2]s AS amount, %[3]s AS v,
			c.first_at AS at, %[4]s AS day, fd.responsible_id AS responsible_id, u.name AS responsible, fd.id AS deal_id, fd.name AS deal,
			CASE WHEN c.ck %% 2 = 1 THEN (c.ck - 1) / 2 END AS contact_id, CASE WHEN c.ck %% 2 = 0 THEN c.ck / 2 END AS company_id,
			%[5]s AS c_at, %[5]s AS x_at
		FROM %[6]s JOIN won w ON w.ck = c.ck AND w.rn = 1 JOIN deals fd ON fd.id = w.first_id JOIN users u ON u.id = fd.responsible_id
			LEFT JOIN companies co ON co.account_id = fd.account_id AND co.id = fd.company_id AND c.ck %% 2 = 0
			LEFT JOIN contacts ct ON ct.account_id = fd.account_id AND ct.id = fd.contact_id AND c.ck %% 2 = 1
		WHERE %[7]s`, with, nullInt, nullNum, nullDate, nullTime, from, cond), nil
}

// ledgerRecords lists the entries of marketing spend and of the CRM cost ledger behind a figure,
// each with the part of it the figure counts: spend pro-rated into the period (marketing.go),
// acquisition costs spread into it (cac.go), costs charged before its end (tco, roi.go). They are
// the account's money: administrators only, as their KPIs, under the same filters (spend by
// channel; costs under no filter).
func (e *Engine) ledgerRecords(ctx context.Context, actor *crm.Actor, p drillPart, req DrillRequest) ([]DrillRecord, error) {
	if !actor.SeesAll() {
		return nil, crm.Errorf(crm.EFORBIDDEN, "Marketing spend and CRM costs are the account's: only administrators see them.")
	}
	f := req.Filter
	var v crm.Validation
	switch {
	case p.kind == KindCost && f != (Filter{}):
		v.Add("filter", "no_figure", "CRM costs belong to no manager, channel or pipeline: "+req.KPI+" has no figure under a filter")
	case (Filter{ChannelID: f.ChannelID}) != f:
		v.Add("filter", "no_figure", "marketing spend is by channel only: "+req.KPI+" has no figure under another filter")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out []DrillRecord
	from, to := req.Period.From, req.Period.To
	if p.kind == KindSpend || p.kind == KindAcquisition {
		args := []any{actor.AccountID, from, to}
		channel := ""
		if f.ChannelID != 0 {
			args = append(args, f.ChannelID)
			channel = " AND s.channel_id = $4"
		}
		rows, err := e.db.Reader().QueryContext(ctx, `SELECT s.id, c.name, s.starts_on, s.ends_on, s.amount, s.note
			FROM marketing_spend s JOIN channels c ON c.id = s.channel_id
			WHERE s.account_id = $1 AND s.deleted_at IS NULL AND s.ends_on >= $2 AND s.starts_on < $3`+channel, args...)
		if err != nil {
			return nil, fmt.Errorf("analytics: drill spend: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var x DrillRecord
			var starts, ends crm.Date
			var amount int64
			var note string
			if err := rows.Scan(&x.ID, &x.Title, &starts, &ends, &amount, &note); err != nil {
				return nil, fmt.Errorf("analytics: drill spend: %w", err)
			}
			x.Kind, x.Date, x.At, x.Amount = KindSpend, starts, starts.In(req.Period.Loc).UTC(), &amount
			x.Status = starts.String() + "…" + ends.String()
			if note != "" {
				x.Title += ": " + note
			}
			x.Value = ptr(float64(crm.ProRate(amount, starts, ends, from, to)))
			x.Link = recordLink(x)
			out = append(out, x)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if p.kind == KindCost || (p.kind == KindAcquisition && f == (Filter{})) {
		rows, err := e.db.Reader().QueryContext(ctx, `SELECT id, category, incurred_on, recurrence, ends_on, amount, acquisition, note FROM crm_costs
			WHERE account_id = $1 AND deleted_at IS NULL AND incurred_on < $2`, actor.AccountID, to)
		if err != nil {
			return nil, fmt.Errorf("analytics: drill costs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c := &crm.CRMCost{}
			var note string
			var id int64
			if err := rows.Scan(&id, &c.Category, &c.IncurredOn, &c.Recurrence, &c.EndsOn, &c.Amount, &c.Acquisition, &note); err != nil {
				return nil, fmt.Errorf("analytics: drill costs: %w", err)
			}
			var part int64
			if p.kind == KindCost {
				part = int64(tcoBefore([]*crm.CRMCost{c}, to))
			} else if c.Acquisition {
				part = costInDays(c, from, to)
			}
			if part == 0 {
				continue
			}
			x := DrillRecord{Kind: KindCost, ID: id, Title: c.Category, Status: c.Recurrence, Date: c.IncurredOn,
				At: c.IncurredOn.In(req.Period.Loc).UTC(), Amount: &c.Amount, Value: ptr(float64(part))}
			if note != "" {
				x.Title += ": " + note
			}
			x.Link = recordLink(x)
			out = append(out, x)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}
