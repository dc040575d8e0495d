package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/voronka/voronka/internal/crm"
)

// timelineEntity holds the SQL literal of each entity a timeline may be of: constants, never input.
var timelineEntity = map[string]string{"deal": "'deal'", "contact": "'contact'", "company": "'company'"}

// FindTimeline reads each source of the timeline — stage changes, responsible changes, field
// changes, activities, tasks — newest first after the cursor, at most limit rows each, and merges
// them in Go: every source is served by an index starting with (account_id, …), and no source reads
// more than a page.
func (t *Tx) FindTimeline(ctx context.Context, actor *crm.Actor, entity string, id int64, after *crm.TimelineCursor, limit int) ([]*crm.TimelineItem, error) {
	// Which deals' history belongs to the record: the deal itself, or the client's deals.
	var dealScope string
	switch entity {
	case "deal":
		dealScope = "= $2"
	case "contact":
		dealScope = "IN (SELECT id FROM deals WHERE account_id = $1 AND contact_id = $2 AND deleted_at IS NULL)"
	case "company":
		dealScope = "IN (SELECT id FROM deals WHERE account_id = $1 AND company_id = $2 AND deleted_at IS NULL)"
	default:
		return nil, fmt.Errorf("store: timeline of %q", entity)
	}
	linked := func(alias string) string { // activities and tasks of the record or of its deals
		if entity == "deal" {
			return alias + ".deal_id = $2"
		}
		return fmt.Sprintf("(%s.%s_id = $2 OR %s.deal_id %s)", alias, entity, alias, dealScope)
	}
	var items []*crm.TimelineItem
	page := func(typ, atCol, idCol string) (string, []any) {
		base := []any{actor.AccountID, id}
		if after == nil {
			return "", base
		}
		r := crm.TimelineRank[typ]
		switch {
		case r > after.Rank:
			return fmt.Sprintf(" AND %s <= $3", atCol), append(base, after.At)
		case r == after.Rank:
			return fmt.Sprintf(" AND (%s < $3 OR (%s = $3 AND %s < $4))", atCol, atCol, idCol), append(base, after.At, after.ID)
		default:
			return fmt.Sprintf(" AND %s < $3", atCol), append(base, after.At)
		}
	}
	lim := fmt.Sprintf(" LIMIT %d", limit)

	cond, args := page(crm.TimelineStageChange, "e.at", "e.id")
	rows, err := t.q.QueryContext(ctx, `SELECT e.id, e.deal_id, e.at, e.from_pipeline_id, e.from_stage_id, e.to_pipeline_id, e.to_stage_id, e.user_id
		FROM deal_stage_events e WHERE e.account_id = $1 AND e.deal_id `+dealScope+cond+` ORDER BY e.at DESC, e.id DESC`+lim, args...)
	if err != nil {
		return nil, wrap("timeline stages", err)
	}
	for rows.Next() {
		var e crm.StageEvent
		var at sql.NullTime
		var fp, fs, u sql.NullInt64
		if err := rows.Scan(&e.ID, &e.DealID, &at, &fp, &fs, &e.ToPipelineID, &e.ToStageID, &u); err != nil {
			rows.Close()
			return nil, wrap("timeline stages", err)
		}
		e.At, e.FromPipelineID, e.FromStageID, e.UserID = utc(at), fp.Int64, fs.Int64, u.Int64
		items = append(items, &crm.TimelineItem{At: e.At, Type: crm.TimelineStageChange, ID: e.ID, Stage: &e})
	}
	rows.Close()

	cond, args = page(crm.TimelineResponsibleChange, "e.at", "e.id")
	rows, err = t.q.QueryContext(ctx, `SELECT e.id, e.deal_id, e.at, e.from_user_id, e.to_user_id, e.by_user_id
		FROM deal_responsible_events e WHERE e.account_id = $1 AND e.deal_id `+dealScope+cond+` ORDER BY e.at DESC, e.id DESC`+lim, args...)
	if err != nil {
		return nil, wrap("timeline responsibles", err)
	}
	for rows.Next() {
		var e crm.ResponsibleEvent
		var at sql.NullTime
		var from, by sql.NullInt64
		if err := rows.Scan(&e.ID, &e.DealID, &at, &from, &e.ToUserID, &by); err != nil {
			rows.Close()
			return nil, wrap("timeline responsibles", err)
		}
		e.At, e.FromUserID, e.ByUserID = utc(at), from.Int64, by.Int64
		items = append(items, &crm.TimelineItem{At: e.At, Type: crm.TimelineResponsibleChange, ID: e.ID, Responsible: &e})
	}
	rows.Close()

	cond, args = page(crm.TimelineFieldChange, "l.at", "l.id")
	rows, err = t.q.QueryContext(ctx, `SELECT l.id, l.at, l.user_id, l.action, l.changes FROM audit_log l
		WHERE l.account_id = $1 AND l.entity = `+timelineEntity[entity]+` AND l.entity_id = $2 AND l.action <> 'create'`+cond+` ORDER BY l.at DESC, l.id DESC`+lim, args...)
	if err != nil {
		return nil, wrap("timeline changes", err)
	}
	for rows.Next() {
		e := crm.AuditEntry{Entity: entity, EntityID: id}
		var at sql.NullTime
		var user sql.NullInt64
		var changes string
		if err := rows.Scan(&e.ID, &at, &user, &e.Action, &changes); err != nil {
			rows.Close()
			return nil, wrap("timeline changes", err)
		}
		e.At, e.UserID = utc(at), user.Int64
		_ = json.Unmarshal([]byte(changes), &e.Changes)
		items = append(items, &crm.TimelineItem{At: e.At, Type: crm.TimelineFieldChange, ID: e.ID, Change: &e})
	}
	rows.Close()

	cond, args = page(crm.TimelineActivity, "x.at", "x.id")
	rows, err = t.q.QueryContext(ctx, `SELECT `+activityColumns+` FROM activities x
		WHERE x.account_id = $1 AND x.deleted_at IS NULL AND `+linked("x")+cond+` ORDER BY x.at DESC, x.id DESC`+lim, args...)
	if err != nil {
		return nil, wrap("timeline activities", err)
	}
	for rows.Next() {
		x, err := scanActivity(rows)
		if err != nil {
			rows.Close()
			return nil, wrap("timeline activities", err)
		}
		items = append(items, &crm.TimelineItem{At: x.At, Type: crm.TimelineActivity, ID: x.ID, Activity: x})
	}
	rows.Close()

	cond, args = page(crm.TimelineTask, "t.created_at", "t.id")
	rows, err = t.q.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks t
		WHERE t.account_id = $1 AND t.deleted_at IS NULL AND `+linked("t")+cond+` ORDER BY t.created_at DESC, t.id DESC`+lim, args...)
	if err != nil {
		return nil, wrap("timeline tasks", err)
	}
	for rows.Next() {
		k, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return nil, wrap("timeline tasks", err)
		}
		items = append(items, &crm.TimelineItem{At: k.CreatedAt, Type: crm.TimelineTask, ID: k.ID, Task: k})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("timeline", err)
	}

	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if !a.At.Equal(b.At) {
			return a.At.After(b.At)
		}
		if ra, rb := crm.TimelineRank[a.Type], crm.TimelineRank[b.Type]; ra != rb {
			return ra < rb
		}
		return a.ID > b.ID
	})
	if len(items) > limit {
		items = items[:limit]
	}
	return items, nil
}
