package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const activityColumns = `x.id, x.kind, x.direction, x.deal_id, x.contact_id, x.company_id, x.user_id, x.at, x.duration_seconds, x.result,
	x.subject, x.body, x.channel, x.recording_url, x.created_at, x.updated_at, x.deleted_at, x.version`

// activityVisible is the condition that the actor may see activity x: they (or their team) logged
// it, or it is on a deal, contact or company they may see.
func activityVisible(a *args, actor *crm.Actor) string {
	if actor.SeesAll() {
		return "TRUE"
	}
	acc := a.add(actor.AccountID)
	cond := func(col string) string {
		s, vargs := visible(actor, col, a.next())
		a.addAll(vargs)
		return s
	}
	return "(" + cond("x.user_id") +
		" OR EXISTS (SELECT 1 FROM deals d WHERE d.account_id = " + acc + " AND d.id = x.deal_id AND " + cond("d.responsible_id") + ")" +
		" OR EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = " + acc + " AND c.id = x.contact_id AND " + cond("c.responsible_id") + ")" +
		" OR EXISTS (SELECT 1 FROM companies co WHERE co.account_id = " + acc + " AND co.id = x.company_id AND " + cond("co.responsible_id") + "))"
}

// InsertActivity stores an activity.
func (t *Tx) InsertActivity(ctx context.Context, actor *crm.Actor, x *crm.Activity) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO activities (account_id, kind, direction, deal_id, contact_id, company_id, user_id, at, duration_seconds, result, subject,
			body, channel, recording_url, created_at, updated_at, version, external_source, external_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18) RETURNING id, version`,
		actor.AccountID, x.Kind, x.Direction, nullID(x.DealID), nullID(x.ContactID), nullID(x.CompanyID), nullID(x.UserID), x.At.UTC(),
		x.DurationSeconds, x.Result, x.Subject, x.Body, x.Channel, x.RecordingURL, x.CreatedAt.UTC(), x.UpdatedAt.UTC(),
		nullString(x.ExternalSource), nullString(x.ExternalID)).Scan(&x.ID, &x.Version)
	return wrap("insert activity", err)
}

// FindActivity returns an activity the actor may see.
func (t *Tx) FindActivity(ctx context.Context, actor *crm.Actor, id int64, withDeleted bool) (*crm.Activity, error) {
	a := &args{}
	a.add(actor.AccountID)
	a.add(id)
	a.add(withDeleted)
	vis := activityVisible(a, actor)
	x, err := scanActivity(t.q.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities x
		WHERE x.account_id = $1 AND x.id = $2 AND ($3 OR x.deleted_at IS NULL) AND `+vis, a.list...))
	return x, notFound("find activity", err, "Activity", id)
}

var activitySortKeys = map[string]sortKey{"": {"x.at", "time"}, "at": {"x.at", "time"}, "id": {"x.id", "int"}}

// FindActivities returns one page of the activities the actor may see; by default newest first.
func (t *Tx) FindActivities(ctx context.Context, actor *crm.Actor, f crm.ActivityFilter, p crm.Page) (*crm.List[*crm.Activity], error) {
	a := &args{}
	conds := []string{"x.account_id = " + a.add(actor.AccountID)}
	if f.Deleted {
		conds = append(conds, "x.deleted_at IS NOT NULL")
	} else {
		conds = append(conds, "x.deleted_at IS NULL")
	}
	conds = append(conds, activityVisible(a, actor))
	for _, e := range []struct {
		col string
		v   int64
	}{{"x.user_id", f.UserID}, {"x.deal_id", f.DealID}, {"x.contact_id", f.ContactID}, {"x.company_id", f.CompanyID}} {
		if e.v != 0 {
			conds = append(conds, e.col+" = "+a.add(e.v))
		}
	}
	if f.Kind != "" {
		conds = append(conds, "x.kind = "+a.add(f.Kind))
	}
	if f.Direction != "" {
		conds = append(conds, "x.direction = "+a.add(f.Direction))
	}
	if f.Touch {
		conds = append(conds, "x.user_id IS NOT NULL AND (x.kind = 'meeting' OR (x.direction = 'out' AND x.kind IN ('call', 'email', 'message')))")
	}
	if !f.From.IsZero() {
		conds = append(conds, "x.at >= "+a.add(f.From.UTC()))
	}
	if !f.To.IsZero() {
		conds = append(conds, "x.at < "+a.add(f.To.UTC()))
	}
	if p.Sort == "" {
		p.Desc = true
	}
	countArgs := slices.Clone(a.list)
	where, tail, err := pageClause(a, activitySortKeys[p.Sort], "x.id", p)
	if err != nil {
		return nil, err
	}
	out := &crm.List[*crm.Activity]{Items: []*crm.Activity{}, Total: -1}
	if p.WithTotal {
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM activities x WHERE `+and(conds...), countArgs...).Scan(&out.Total); err != nil {
			return nil, wrap("count activities", err)
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT `+activityColumns+` FROM activities x WHERE `+and(append(conds, where)...)+tail, a.list...)
	if err != nil {
		return nil, wrap("find activities", err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scanActivity(rows)
		if err != nil {
			return nil, wrap("find activities", err)
		}
		out.Items = append(out.Items, x)
	}
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		last := out.Items[len(out.Items)-1]
		var v any = last.At
		if p.Sort == "id" {
			v = last.ID
		}
		out.Next = crm.EncodeCursor(cursorOf(v), last.ID)
	}
	return out, wrap("find activities", rows.Err())
}

// UpdateActivity stores an activity when its version is expectVersion.
func (t *Tx) UpdateActivity(ctx context.Context, actor *crm.Actor, x *crm.Activity, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `
		UPDATE activities SET direction = $1, at = $2, duration_seconds = $3, result = $4, subject = $5, body = $6, channel = $7,
			recording_url = $8, updated_at = $9, version = version + 1
		WHERE account_id = $10 AND id = $11 AND version = $12`,
		x.Direction, x.At.UTC(), x.DurationSeconds, x.Result, x.Subject, x.Body, x.Channel, x.RecordingURL, x.UpdatedAt.UTC(),
		actor.AccountID, x.ID, expectVersion)
	if err != nil {
		return wrap("update activity", err)
	}
	return checkVersioned(res, "Activity", x.ID)
}

// SetActivityDeleted soft-deletes (at) or restores (zero at) an activity.
func (t *Tx) SetActivityDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE activities SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3`, nullTime(at), actor.AccountID, id)
	return wrap("delete activity", err)
}

func scanActivity(s scanner) (*crm.Activity, error) {
	var x crm.Activity
	var deal, contact, company, user sql.NullInt64
	var at, created, updated, deleted sql.NullTime
	if err := s.Scan(&x.ID, &x.Kind, &x.Direction, &deal, &contact, &company, &user, &at, &x.DurationSeconds, &x.Result, &x.Subject,
		&x.Body, &x.Channel, &x.RecordingURL, &created, &updated, &deleted, &x.Version); err != nil {
		return nil, err
	}
	x.DealID, x.ContactID, x.CompanyID, x.UserID = deal.Int64, contact.Int64, company.Int64, user.Int64
	x.At, x.CreatedAt, x.UpdatedAt, x.DeletedAt = utc(at), utc(created), utc(updated), utc(deleted)
	return &x, nil
}
