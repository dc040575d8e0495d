package analytics

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// The reports of discipline and CRM efficiency: the managers' day, adoption, the ROI of the CRM.

func init() {
	registerReport(&ReportDef{Name: "manager_activity", TitleRU: "Активность менеджеров", TitleEN: "Manager activity",
		Description: "a row per user per day: calls (count, minutes), e-mails, meetings, messages, notes, touches, tasks completed, deals created, moved, won; every manager has a row on each of their working days, even an empty one",
		run:         managerActivityReport})
	registerReport(&ReportDef{Name: "crm_adoption", TitleRU: "Использование CRM", TitleEN: "CRM adoption",
		Description: "per manager and bucket: adoption (active working days), won deals with a logged touch, data quality, overdue tasks, stalled deals, touches",
		run: kpiTable([]string{"crm_adoption", "crm_adoption_won_touched", "data_quality", "overdue_tasks", "overdue_tasks_rate",
			"stalled_deals", "manager_activity", "productivity"}, []Dimension{ByManager})})
	registerReport(&ReportDef{Name: "crm_roi", TitleRU: "ROI внедрения CRM", TitleEN: "CRM ROI",
		Description: "month by month: the baseline months before go-live (with a seasonal baseline, first the same months a year earlier and the 12 months before go-live), then each month since: margin, baseline, incremental margin, cumulative, TCO, ROI, and the payback month. Administrators only",
		run:         crmROIReport})
}

var activityColumns = []Column{
	{Key: "calls", TitleRU: "Звонки", TitleEN: "Calls", Unit: Count},
	{Key: "call_minutes", TitleRU: "Минуты разговоров", TitleEN: "Call minutes", Unit: Minutes},
	{Key: "emails", TitleRU: "Письма", TitleEN: "E-mails", Unit: Count},
	{Key: "meetings", TitleRU: "Встречи", TitleEN: "Meetings", Unit: Count},
	{Key: "messages", TitleRU: "Сообщения", TitleEN: "Messages", Unit: Count},
	{Key: "notes", TitleRU: "Заметки", TitleEN: "Notes", Unit: Count},
	{Key: "touches", TitleRU: "Касания", TitleEN: "Touches", Unit: Count},
	{Key: "tasks_completed", TitleRU: "Задач выполнено", TitleEN: "Tasks completed", Unit: Count},
	{Key: "deals_created", TitleRU: "Сделок создано", TitleEN: "Deals created", Unit: Count},
	{Key: "deals_moved", TitleRU: "Переводов по этапам", TitleEN: "Stage moves", Unit: Count},
	{Key: "deals_won", TitleRU: "Сделок выиграно", TitleEN: "Deals won", Unit: Count},
}

// managerActivityReport counts, per day of the period and user, what the user did. Calls, e-mails
// and messages count in both directions (call minutes are their duration); touches are the
// manager_activity KPI's. Tasks completed are the user's tasks done that day; deals created and won
// are the user's deals (responsible) created or won that day; moves are stage changes the user made.
func managerActivityReport(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	loc, err := e.location(ctx, actor)
	if err != nil {
		return nil, err
	}
	period := req.Period
	period.Loc = loc
	ds := period.Spans(Day)
	type key struct {
		day  int
		user int64
	}
	vals := map[key]map[string]float64{}
	const chunk = 500
	for lo := 0; lo < len(ds); lo += chunk {
		part := ds[lo:min(lo+chunk, len(ds))]
		for _, build := range activityQueries {
			q := &query{engine: e.db.Engine}
			sqlText, names := build(q, q.spansCTE(part), actor, req.Filter)
			rows, err := q.rows(ctx, e.db.Reader(), sqlText)
			if err != nil {
				return nil, fmt.Errorf("analytics: manager activity: %w", err)
			}
			for rows.Next() {
				var k key
				vs := make([]float64, len(names))
				dest := []any{&k.day, &k.user}
				for i := range vs {
					dest = append(dest, &vs[i])
				}
				if err := rows.Scan(dest...); err != nil {
					rows.Close()
					return nil, fmt.Errorf("analytics: manager activity: %w", err)
				}
				k.day += lo
				if vals[k] == nil {
					vals[k] = map[string]float64{}
				}
				for i, n := range names {
					vals[k][n] += vs[i]
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	// Every manager has a row on each working day, active or not.
	staff := map[int64]*staffer{}
	if staffSlices(nil, req.Filter) {
		ms, err := e.managers(ctx, actor, req.Filter, period.From, period.To)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			staff[m.id] = m
			for i, d := range ds {
				if k := (key{i, m.id}); vals[k] == nil && m.workingDay(d.FromDate, d.Start, d.End) {
					vals[k] = map[string]float64{}
				}
			}
		}
	}
	names := map[int64][2]string{}
	urows, err := e.db.Reader().QueryContext(ctx, `SELECT u.id, u.name, COALESCE(t.name, '(none)') FROM users u
		LEFT JOIN teams t ON t.id = u.team_id WHERE u.account_id = $1`, actor.AccountID)
	if err != nil {
		return nil, fmt.Errorf("analytics: users: %w", err)
	}
	defer urows.Close()
	for urows.Next() {
		var id int64
		var n, t string
		if err := urows.Scan(&id, &n, &t); err != nil {
			return nil, err
		}
		names[id] = [2]string{n, t}
	}
	if err := urows.Err(); err != nil {
		return nil, err
	}
	keys := make([]key, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].day != keys[j].day {
			return keys[i].day < keys[j].day
		}
		return names[keys[i].user][0] < names[keys[j].user][0]
	})
	rep := &Report{Columns: append([]Column{
		{Key: "day", TitleRU: "День", TitleEN: "Day"},
		{Key: "manager", TitleRU: "Менеджер", TitleEN: "Manager"},
		{Key: "team", TitleRU: "Отдел", TitleEN: "Team"},
	}, activityColumns...)}
	for _, k := range keys {
		row := Row{"day": ds[k.day].Label, "manager": names[k.user][0], "team": names[k.user][1]}
		for _, c := range activityColumns {
			row[c.Key] = vals[k][c.Key]
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Notes = []string{"Calls, e-mails and messages count in both directions; touches are outbound calls, e-mails and messages and meetings (the manager_activity KPI).",
		"Deals created and won are the user's own (responsible); stage moves are those the user made."}
	return rep, nil
}

// activityQueries build the SQL of the manager_activity report: each returns rows (day index, user
// id, values…) and the names of the values.
var activityQueries = []func(q *query, cte string, actor *crm.Actor, f Filter) (string, []string){
	func(q *query, cte string, actor *crm.Actor, f Filter) (string, []string) {
		within := q.within("a.at")
		dealJoin, where := q.userRows(actor, nil, f, "a", "a.user_id")
		return fmt.Sprintf(`WITH %s
			SELECT b.i, a.user_id,
				SUM(CASE WHEN a.kind = 'call' THEN 1 ELSE 0 END),
				SUM(CASE WHEN a.kind = 'call' THEN a.duration_seconds ELSE 0 END) / 60.0,
				SUM(CASE WHEN a.kind = 'email' THEN 1 ELSE 0 END),
				SUM(CASE WHEN a.kind = 'meeting' THEN 1 ELSE 0 END),
				SUM(CASE WHEN a.kind = 'message' THEN 1 ELSE 0 END),
				SUM(CASE WHEN a.kind = 'note' THEN 1 ELSE 0 END),
				SUM(CASE WHEN %s THEN 1 ELSE 0 END)
			FROM activities a %s %s
			WHERE a.user_id IS NOT NULL AND %s GROUP BY b.i, a.user_id`, cte, isTouch, within, dealJoin, where),
			[]string{"calls", "call_minutes", "emails", "meetings", "messages", "notes", "touches"}
	},
	func(q *query, cte string, actor *crm.Actor, f Filter) (string, []string) {
		within := q.within("t.done_at")
		dealJoin, where := q.userRows(actor, nil, f, "t", "t.responsible_id")
		return fmt.Sprintf(`WITH %s
			SELECT b.i, t.responsible_id, COUNT(*)
			FROM tasks t %s %s
			WHERE %s GROUP BY b.i, t.responsible_id`, cte, within, dealJoin, where),
			[]string{"tasks_completed"}
	},
	func(q *query, cte string, actor *crm.Actor, f Filter) (string, []string) {
		return fmt.Sprintf(`WITH %s
			SELECT b.i, d.responsible_id, COUNT(*)
			FROM deals d %s
			WHERE %s GROUP BY b.i, d.responsible_id`, cte, q.within("d.created_at"), q.where(actor, f)),
			[]string{"deals_created"}
	},
	func(q *query, cte string, actor *crm.Actor, f Filter) (string, []string) {
		return fmt.Sprintf(`WITH %s
			SELECT b.i, d.responsible_id, COUNT(*)
			FROM deals d %s
			WHERE %s AND d.status = 'won' GROUP BY b.i, d.responsible_id`, cte, q.within("d.closed_at"), q.where(actor, f)),
			[]string{"deals_won"}
	},
	func(q *query, cte string, actor *crm.Actor, f Filter) (string, []string) {
		conds := append([]string{"ev.account_id = " + q.add(actor.AccountID), "ev.from_stage_id IS NOT NULL", "ev.user_id IS NOT NULL"},
			q.userConds(actor, f, "ev.user_id")...)
		return fmt.Sprintf(`WITH %s
			SELECT b.i, ev.user_id, COUNT(*)
			FROM deal_stage_events ev %s
				JOIN deals d ON d.account_id = ev.account_id AND d.id = ev.deal_id AND d.deleted_at IS NULL
			WHERE %s GROUP BY b.i, ev.user_id`, cte, q.within("ev.at"), strings.Join(conds, " AND ")),
			[]string{"deals_moved"}
	},
}

// crmROIReport shows crm_roi month by month: the N baseline months before the go-live month (their
// margins make the baseline), then each month from the go-live month to the end of the period
// (clipped to it): margin, accrued baseline, incremental margin and its cumulative sum, the costs
// charged in the month and TCO by its end, ROI at its end; the payback month is marked.
func crmROIReport(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	if !actor.SeesAll() {
		return nil, crm.Errorf(crm.EFORBIDDEN, "The ROI of the CRM is an account figure: administrators only.")
	}
	end := req.Period.To
	r, err := e.roi(ctx, actor, []crm.Date{end})
	if err != nil {
		return nil, err
	}
	rep := &Report{Columns: []Column{
		{Key: "month", TitleRU: "Месяц", TitleEN: "Month"},
		{Key: "phase", TitleRU: "Этап", TitleEN: "Phase"},
		{Key: "margin", TitleRU: "Маржа", TitleEN: "Margin", Unit: Money},
		{Key: "baseline", TitleRU: "База", TitleEN: "Baseline", Unit: Money},
		{Key: "incremental", TitleRU: "Прирост маржи", TitleEN: "Incremental margin", Unit: Money},
		{Key: "incremental_cumulative", TitleRU: "Прирост нарастающим итогом", TitleEN: "Cumulative incremental margin", Unit: Money},
		{Key: "tco_month", TitleRU: "Затраты месяца", TitleEN: "Costs of the month", Unit: Money},
		{Key: "tco", TitleRU: "TCO нарастающим итогом", TitleEN: "Cumulative TCO", Unit: Money},
		{Key: "roi", TitleRU: "ROI", TitleEN: "ROI", Unit: Percent},
		{Key: "payback", TitleRU: "Окупаемость", TitleEN: "Payback"},
	}}
	if r.goLive.IsZero() {
		rep.Notes = []string{"The account has no go-live date: set it in the account settings."}
		return rep, nil
	}
	history := func(phase string, months []Span, margins []float64) {
		for i, m := range months {
			rep.Rows = append(rep.Rows, Row{"month": m.Label, "phase": phase, "margin": margins[i],
				"baseline": nil, "incremental": nil, "incremental_cumulative": nil, "tco_month": nil, "tco": nil, "roi": nil, "payback": false})
		}
	}
	if r.season != nil {
		history("baseline_year_earlier", r.yearEarlier, r.yearMargin)
		history("season", r.seasonMonths, r.seasonMargin)
	}
	history("baseline", r.baseMonths, r.baseMargin)
	k, _, _ := r.payback(end)
	paybackLabel := ""
	n := 0
	for m := r.goLive.MonthStart(); m.Before(end); m = m.NextMonth() {
		n++
		from, to := m, m.NextMonth()
		if from.Before(r.goLive) {
			from = r.goLive
		}
		if end.Before(to) {
			to = end
		}
		m0, b0 := r.at(from)
		m1, b1 := r.at(to)
		t0, t1 := tcoBefore(r.costs, from), tcoBefore(r.costs, to)
		row := Row{"month": fmt.Sprintf("%04d-%02d", m.Year, m.Month), "phase": "after", "margin": m1 - m0,
			"baseline": nil, "incremental": nil, "incremental_cumulative": nil, "tco_month": t1 - t0, "tco": t1,
			"roi": (*float64)(nil), "payback": n == k}
		if r.baseline != nil {
			row["baseline"], row["incremental"], row["incremental_cumulative"] = b1-b0, (m1-b1)-(m0-b0), m1-b1
			row["roi"] = ratio(m1-b1-t1, t1, 100)
		}
		if n == k {
			paybackLabel = row["month"].(string)
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("Go-live %s; baseline = mean monthly margin of the %d months before %04d-%02d, accrued by day.",
		r.goLive, r.months, r.goLive.Year, r.goLive.Month))
	switch {
	case r.season != nil:
		rep.Notes = append(rep.Notes, "Seasonal baseline: each month after go-live gets the baseline × (the margin of the same calendar month in the 12 months before go-live (phase season) / "+
			"the mean monthly margin of the baseline months a year earlier (phase baseline_year_earlier)).")
	case r.seasonalAsked:
		rep.Notes = append(rep.Notes, "No seasonal adjustment: the seasonal baseline needs the account's history to cover the baseline months a year earlier, with deals won in them; it does not (or they made no margin), so the plain baseline is used.")
	default:
		rep.Notes = append(rep.Notes, "No seasonal adjustment (the account's seasonal_baseline setting is off).")
	}
	switch {
	case r.baseline == nil:
		rep.Notes = append(rep.Notes, "No deal was won in the baseline months: without history there is no baseline, ROI or payback.")
	case paybackLabel == "":
		rep.Notes = append(rep.Notes, "Payback: not reached by the end of the period.")
	default:
		rep.Notes = append(rep.Notes, fmt.Sprintf("Payback: %s (month %d since go-live).", paybackLabel, k))
	}
	return rep, nil
}

func init() {
	registerReport(&ReportDef{Name: "data_quality", TitleRU: "Качество данных", TitleEN: "Data quality",
		Description: "per manager at the end of each bucket: open deals, the share with every field filled and the deals missing each (amount, client, channel, next task); open deals, contacts and companies untouched for 90 days; duplicate contacts (a phone or e-mail shared with another live contact)",
		run:         dataQualityReport})
}

// untouchedDays is how long without a touch makes a record "untouched" in the data_quality report.
const untouchedDays = 90

// dataQualityReport is the data_quality KPI by manager (the deal's responsible, the contact's)
// with its parts, and the records that rot: open deals, contacts and companies with no touch in the
// 90 days before the end of the bucket (and older than that), and live contacts sharing a phone or
// an e-mail with another live contact of the account.
func dataQualityReport(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	by := []Dimension{ByManager}
	spans := req.Period.Spans(req.Bucket)
	quality, err := e.facts(ctx, actor, factsQuality, spans, by, req.Filter)
	if err != nil {
		return nil, err
	}
	q := &query{engine: e.db.Engine}
	cte := q.spansCutCTE(spans, untouchedDays*24*time.Hour)
	labels, joins := groupSQL(by, "")
	sel := strings.Join(append([]string{"b.i"}, labels...), ", ")
	untouched, err := e.runFacts(ctx, q, fmt.Sprintf(`WITH %s
		SELECT %s, COUNT(*) FROM deals d CROSS JOIN spans b %s
		WHERE d.created_at < b.c AND (d.closed_at IS NULL OR d.closed_at >= b.e) AND %s AND %s AND NOT %s GROUP BY %s`, cte, sel, joins, q.where(actor, req.Filter), q.openAtAnEnd(spans), touchSince, sel), 1, []string{"untouched_deals"})
	if err != nil {
		return nil, err
	}
	contacts := map[sliceKey]facts{}
	if staffSlices(nil, req.Filter) {
		q := &query{engine: e.db.Engine}
		cte := q.spansCutCTE(spans, untouchedDays*24*time.Hour)
		dup := func(table, col string) string {
			return fmt.Sprintf(`EXISTS (SELECT 1 FROM %[1]s p JOIN %[1]s p2 ON p2.account_id = p.account_id AND p2.%[2]s = p.%[2]s AND p2.contact_id <> p.contact_id
				JOIN contacts c2 ON c2.account_id = p2.account_id AND c2.id = p2.contact_id AND c2.deleted_at IS NULL AND c2.created_at < b.e
				WHERE p.account_id = c.account_id AND p.contact_id = c.id AND p.%[2]s <> '')`, table, col)
		}
		conds := append([]string{"c.account_id = " + q.add(actor.AccountID), "c.deleted_at IS NULL"}, q.userConds(actor, Filter{ManagerID: req.Filter.ManagerID, TeamID: req.Filter.TeamID}, "c.responsible_id")...)
		contacts, err = e.runFacts(ctx, q, fmt.Sprintf(`WITH %s
			SELECT b.i, um.name,
				SUM(CASE WHEN %s OR %s THEN 1 ELSE 0 END),
				SUM(CASE WHEN c.created_at < b.c AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.account_id = c.account_id
					AND a.contact_id = c.id AND a.at >= b.c AND a.at < b.e AND %s) THEN 1 ELSE 0 END)
			FROM contacts c JOIN spans b ON c.created_at < b.e JOIN users um ON um.id = c.responsible_id
			WHERE %s GROUP BY b.i, um.name`, cte, dup("contact_phones", "phone"), dup("contact_emails", "email"), isTouch,
			strings.Join(conds, " AND ")), 1, []string{"duplicate_contacts", "untouched_contacts"})
		if err != nil {
			return nil, err
		}
		// Companies: untouched when no touch was logged on the company nor on one of its live
		// contacts in the 90 days (calls go to people more often than to the firm).
		q = &query{engine: e.db.Engine}
		cte = q.spansCutCTE(spans, untouchedDays*24*time.Hour)
		conds = append([]string{"co.account_id = " + q.add(actor.AccountID), "co.deleted_at IS NULL"}, q.userConds(actor, Filter{ManagerID: req.Filter.ManagerID, TeamID: req.Filter.TeamID}, "co.responsible_id")...)
		companies, err := e.runFacts(ctx, q, fmt.Sprintf(`WITH %s
			SELECT b.i, um.name, COUNT(*)
			FROM companies co JOIN spans b ON co.created_at < b.c JOIN users um ON um.id = co.responsible_id
			WHERE %s
				AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.account_id = co.account_id AND a.company_id = co.id
					AND a.at >= b.c AND a.at < b.e AND %s)
				AND NOT EXISTS (SELECT 1 FROM contacts ct JOIN activities a ON a.account_id = ct.account_id AND a.contact_id = ct.id
						AND a.at >= b.c AND a.at < b.e AND %s
					WHERE ct.account_id = co.account_id AND ct.company_id = co.id AND ct.deleted_at IS NULL)
			GROUP BY b.i, um.name`, cte, strings.Join(conds, " AND "), isTouch, isTouch), 1, []string{"untouched_companies"})
		if err != nil {
			return nil, err
		}
		for k, fs := range companies {
			if contacts[k] == nil {
				contacts[k] = facts{}
			}
			contacts[k]["untouched_companies"] = fs["untouched_companies"]
		}
	}
	// The rows: each (bucket, manager) any part has, and a total per bucket.
	rows := map[sliceKey]Row{}
	cols := []string{"open_deals", "complete", "data_quality", "no_amount", "no_client", "no_channel", "no_task", "untouched_deals", "duplicate_contacts", "untouched_contacts", "untouched_companies"}
	row := func(k sliceKey) Row {
		r := rows[k]
		if r == nil {
			r = Row{"bucket": spans[k.bucket].Label, "manager": k.labels}
			if k.labels == "" {
				r["manager"] = "(all)"
			}
			for _, c := range cols {
				if c != "data_quality" {
					r[c] = 0.0
				}
			}
			r["data_quality"] = (*float64)(nil)
			rows[k] = r
		}
		return r
	}
	add := func(k sliceKey, name string, v float64) {
		row(k)[name] = row(k)[name].(float64) + v
		tk := sliceKey{bucket: k.bucket}
		row(tk)[name] = row(tk)[name].(float64) + v
	}
	for i := range spans {
		row(sliceKey{bucket: i})
	}
	for k, fs := range quality {
		add(k, "open_deals", fs["quality_open"])
		add(k, "complete", fs["complete"])
		for _, n := range []string{"no_amount", "no_client", "no_channel", "no_task"} {
			add(k, n, fs[n])
		}
	}
	for k, fs := range untouched {
		add(k, "untouched_deals", fs["untouched_deals"])
	}
	for k, fs := range contacts {
		add(k, "duplicate_contacts", fs["duplicate_contacts"])
		add(k, "untouched_contacts", fs["untouched_contacts"])
		add(k, "untouched_companies", fs["untouched_companies"])
	}
	keys := make([]sliceKey, 0, len(rows))
	for k, r := range rows {
		r["data_quality"] = ratio(r["complete"].(float64), r["open_deals"].(float64), 100)
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].bucket != keys[j].bucket {
			return keys[i].bucket < keys[j].bucket
		}
		return keys[i].labels < keys[j].labels
	})
	rep := &Report{Columns: []Column{
		{Key: "bucket", TitleRU: "Период", TitleEN: "Period"},
		{Key: "manager", TitleRU: "Менеджер", TitleEN: "Manager"},
		{Key: "open_deals", TitleRU: "Открытые сделки", TitleEN: "Open deals", Unit: Count},
		{Key: "complete", TitleRU: "Заполнены полностью", TitleEN: "Complete", Unit: Count},
		{Key: "data_quality", TitleRU: "Качество данных", TitleEN: "Data quality", Unit: Percent},
		{Key: "no_amount", TitleRU: "Без суммы", TitleEN: "No amount", Unit: Count},
		{Key: "no_client", TitleRU: "Без клиента", TitleEN: "No client", Unit: Count},
		{Key: "no_channel", TitleRU: "Без канала", TitleEN: "No channel", Unit: Count},
		{Key: "no_task", TitleRU: "Без следующей задачи", TitleEN: "No next task", Unit: Count},
		{Key: "untouched_deals", TitleRU: "Сделки без касаний 90 дней", TitleEN: "Deals untouched for 90 days", Unit: Count},
		{Key: "duplicate_contacts", TitleRU: "Дубли контактов", TitleEN: "Duplicate contacts", Unit: Count},
		{Key: "untouched_contacts", TitleRU: "Контакты без касаний 90 дней", TitleEN: "Contacts untouched for 90 days", Unit: Count},
		{Key: "untouched_companies", TitleRU: "Компании без касаний 90 дней", TitleEN: "Companies untouched for 90 days", Unit: Count},
	}}
	for _, k := range keys {
		rep.Rows = append(rep.Rows, rows[k])
	}
	rep.Notes = []string{"Open deals at the end of each bucket; a deal is complete with an amount, a client, a channel and an open task. Untouched: created more than 90 days before the end, no touch in those 90 days (a company: none on it nor on its contacts). A duplicate contact shares a phone or an e-mail with another live contact of the account. Contacts and companies count by their responsible manager and are not cut by deal filters."}
	return rep, nil
}
