package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// The managers of an account as figures per head need them (crm_adoption, productivity, the
// manager_activity report): who was a manager on which days, and which of those days were working
// days. The users of an account are few, so they are read and their days counted here.

// staffer is a user with the manager role, the instants they were active between and their
// absences.
type staffer struct {
	id         int64
	name, team string
	from       time.Time // created
	to         time.Time // deactivated; zero while active
	absences   [][2]crm.Date
}

// activeOn reports whether the manager was active at some time of the day [s, e).
func (m *staffer) activeOn(s, e time.Time) bool {
	return m.from.Before(e) && (m.to.IsZero() || m.to.After(s))
}

// workingDay reports whether day (starting at s, ending at e) is a working day of the manager:
// Monday to Friday, active that day, not absent.
func (m *staffer) workingDay(day crm.Date, s, e time.Time) bool {
	if wd := day.In(time.UTC).Weekday(); wd == time.Saturday || wd == time.Sunday || !m.activeOn(s, e) {
		return false
	}
	for _, a := range m.absences {
		if !day.Before(a[0]) && !a[1].Before(day) {
			return false
		}
	}
	return true
}

// labels is the slice key of the manager for by (manager and team only).
func (m *staffer) labels(by []Dimension) string {
	parts := make([]string, len(by))
	for i, d := range by {
		if d == ByManager {
			parts[i] = m.name
		} else {
			parts[i] = m.team
		}
	}
	return strings.Join(parts, "\x1f")
}

// staffSlices reports whether figures of managers exist in the slices by and under the filter f:
// the manager and team slices and filters only, as a manager belongs to no pipeline or channel.
func staffSlices(by []Dimension, f Filter) bool {
	for _, d := range by {
		if d != ByManager && d != ByTeam {
			return false
		}
	}
	return f.PipelineID == 0 && f.ChannelID == 0 && f.Region == "" && f.Segment == ""
}

// location returns the account's time zone.
func (e *Engine) location(ctx context.Context, actor *crm.Actor) (*time.Location, error) {
	var tz string
	if err := e.db.Reader().QueryRowContext(ctx, `SELECT time_zone FROM accounts WHERE id = $1`, actor.AccountID).Scan(&tz); err != nil {
		return nil, fmt.Errorf("analytics: account: %w", err)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// managers returns the users with the manager role the actor may see, filtered by manager and
// team, with their absences overlapping [from, to). A user deactivated is active until their last
// deactivation in the audit log (or, without one, their last update); a user active now is active
// since they were created (a deactivation undone is not kept).
func (e *Engine) managers(ctx context.Context, actor *crm.Actor, f Filter, from, to crm.Date) ([]*staffer, error) {
	args := []any{actor.AccountID}
	vis, vargs := store.Visible(actor, "u.id", 2)
	args = append(args, vargs...)
	conds := []string{"u.account_id = $1", "u.role = 'manager'", vis}
	if f.ManagerID != 0 {
		args = append(args, f.ManagerID)
		conds = append(conds, fmt.Sprintf("u.id = $%d", len(args)))
	}
	if f.TeamID != 0 {
		args = append(args, f.TeamID)
		conds = append(conds, fmt.Sprintf("u.team_id = $%d", len(args)))
	}
	r := e.db.Reader()
	rows, err := r.QueryContext(ctx, `SELECT u.id, u.name, COALESCE(t.name, '(none)'), u.created_at, u.active, u.updated_at
		FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE `+strings.Join(conds, " AND ")+` ORDER BY u.name, u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: managers: %w", err)
	}
	defer rows.Close()
	var out []*staffer
	byID := map[int64]*staffer{}
	for rows.Next() {
		m := &staffer{}
		var active bool
		var updated time.Time
		if err := rows.Scan(&m.id, &m.name, &m.team, &m.from, &active, &updated); err != nil {
			return nil, fmt.Errorf("analytics: managers: %w", err)
		}
		if !active {
			m.to = updated
		}
		out = append(out, m)
		byID[m.id] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	// The last deactivation of each inactive manager, from the audit log.
	lrows, err := r.QueryContext(ctx, `SELECT l.entity_id, l.at FROM audit_log l
		WHERE l.account_id = $1 AND l.entity = 'user' AND l.action = 'deactivate'`, actor.AccountID)
	if err != nil {
		return nil, fmt.Errorf("analytics: deactivations: %w", err)
	}
	defer lrows.Close()
	seen := map[int64]bool{}
	for lrows.Next() {
		var id int64
		var at time.Time
		if err := lrows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("analytics: deactivations: %w", err)
		}
		if m := byID[id]; m != nil && !m.to.IsZero() && (!seen[id] || at.After(m.to)) {
			m.to, seen[id] = at, true
		}
	}
	if err := lrows.Err(); err != nil {
		return nil, err
	}
	arows, err := r.QueryContext(ctx, `SELECT user_id, starts_on, ends_on FROM user_absences
		WHERE account_id = $1 AND ends_on >= $2 AND starts_on < $3`, actor.AccountID, from, to)
	if err != nil {
		return nil, fmt.Errorf("analytics: absences: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		var s, x crm.Date
		if err := arows.Scan(&id, &s, &x); err != nil {
			return nil, fmt.Errorf("analytics: absences: %w", err)
		}
		if m := byID[id]; m != nil {
			m.absences = append(m.absences, [2]crm.Date{s, x})
		}
	}
	return out, arows.Err()
}

// days returns the days the spans hold, each with the indexes of the spans holding it: one for a
// period's buckets, none or several for windows with gaps or overlaps (spanBounds).
func days(spans []Span, loc *time.Location) (ds []Span, buckets [][]int) {
	if len(spans) == 0 {
		return nil, nil
	}
	_, _, from, to := spanBounds(spans)
	for _, d := range (Period{From: from, To: to, Loc: loc}).Spans(Day) {
		var in []int
		for i, s := range spans {
			if !d.Start.Before(s.Start) && d.Start.Before(s.End) {
				in = append(in, i)
			}
		}
		if len(in) > 0 {
			ds, buckets = append(ds, d), append(buckets, in)
		}
	}
	return ds, buckets
}

// activeDays returns, for the days ds, which (day index, user) of the users logged a touch or
// moved a deal (changed its stage, not created it): the use of the CRM crm_adoption counts. Each
// (day, user) is two index seeks (activities_user, deal_stage_events_user) rather than a join of
// every activity of the period with the days, which no index serves. Days go to the database in
// chunks, so that a long period stays under the engines' parameter limits.
func (e *Engine) activeDays(ctx context.Context, actor *crm.Actor, ds []Span, users []int64) (map[[2]int64]bool, error) {
	out := map[[2]int64]bool{}
	if len(users) == 0 {
		return out, nil
	}
	const chunk = 500
	for lo := 0; lo < len(ds); lo += chunk {
		part := ds[lo:min(lo+chunk, len(ds))]
		q := &query{engine: e.db.Engine}
		cte := q.spansCTE(part)
		acc := q.add(actor.AccountID)
		in := make([]string, len(users))
		for i, u := range users {
			in[i] = q.add(u)
		}
		sqlText := fmt.Sprintf(`WITH %s
			SELECT b.i, u.id FROM spans b CROSS JOIN users u
			WHERE u.account_id = %s AND u.id IN (%s) AND (
				EXISTS (SELECT 1 FROM activities a WHERE a.account_id = u.account_id AND a.user_id = u.id
					AND a.at >= b.s AND a.at < b.e AND %s)
				OR EXISTS (SELECT 1 FROM deal_stage_events ev WHERE ev.account_id = u.account_id AND ev.user_id = u.id
					AND ev.at >= b.s AND ev.at < b.e AND ev.from_stage_id IS NOT NULL))`, cte, acc, strings.Join(in, ", "), isTouch)
		rows, err := q.rows(ctx, e.db.Reader(), sqlText)
		if err != nil {
			return nil, fmt.Errorf("analytics: active days: %w", err)
		}
		for rows.Next() {
			var i, u int64
			if err := rows.Scan(&i, &u); err != nil {
				rows.Close()
				return nil, fmt.Errorf("analytics: active days: %w", err)
			}
			out[[2]int64{int64(lo) + i, u}] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// staffFacts are the figures of the managers by bucket (and manager or team): working_days (their
// working days: Monday to Friday, active, not absent), active_days (of them, the days they logged a
// touch or moved a deal), manager_months (Σ of the days each was active / the days of that
// month: a manager active all month is 1, one deactivated on the 15th of a 30-day month 0.5).
func (e *Engine) staffFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	out := map[sliceKey]facts{}
	if len(spans) == 0 || !staffSlices(by, f) {
		return out, nil
	}
	loc, err := e.location(ctx, actor)
	if err != nil {
		return nil, err
	}
	_, _, from, to := spanBounds(spans)
	ms, err := e.managers(ctx, actor, f, from, to)
	if err != nil || len(ms) == 0 {
		return out, err
	}
	ds, buckets := days(spans, loc)
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	act, err := e.activeDays(ctx, actor, ds, ids)
	if err != nil {
		return nil, err
	}
	// Days active by slice and month, divided by the month's days at the end (exact for whole months).
	monthDays := map[sliceKey]map[crm.Date]int{}
	for _, m := range ms {
		for i, d := range ds {
			if !m.activeOn(d.Start, d.End) {
				continue
			}
			working := m.workingDay(d.FromDate, d.Start, d.End)
			for _, b := range buckets[i] {
				k := sliceKey{bucket: b, labels: m.labels(by)}
				fs := out[k]
				if fs == nil {
					fs = facts{"working_days": 0, "active_days": 0, "manager_months": 0}
					out[k] = fs
				}
				if monthDays[k] == nil {
					monthDays[k] = map[crm.Date]int{}
				}
				monthDays[k][d.FromDate.MonthStart()]++
				if working {
					fs["working_days"]++
					if act[[2]int64{int64(i), m.id}] {
						fs["active_days"]++
					}
				}
			}
		}
	}
	for k, md := range monthDays {
		for month, n := range md {
			out[k]["manager_months"] += float64(n) / float64(crm.Days(month, month.NextMonth()))
		}
	}
	return out, nil
}
