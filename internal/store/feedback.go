package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const complaintColumns = `x.id, x.contact_id, x.company_id, x.deal_id, x.responsible_id, x.category, x.text, x.registered_at, x.resolved_at,
	x.resolution, x.created_at, x.updated_at, x.deleted_at, x.version`

// InsertComplaint stores a complaint.
func (t *Tx) InsertComplaint(ctx context.Context, actor *crm.Actor, c *crm.Complaint) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO complaints (account_id, contact_id, company_id, deal_id, responsible_id, category, text,
			registered_at, resolved_at, resolution, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1) RETURNING id, version`,
		actor.AccountID, nullID(c.ContactID), nullID(c.CompanyID), nullID(c.DealID), c.ResponsibleID, c.Category, c.Text, c.RegisteredAt.UTC(),
		nullTime(c.ResolvedAt), c.Resolution, c.CreatedAt.UTC(), c.UpdatedAt.UTC()).Scan(&c.ID, &c.Version)
	return wrap("insert complaint", err)
}

// FindComplaint returns a complaint the actor may see.
func (t *Tx) FindComplaint(ctx context.Context, actor *crm.Actor, id int64, withDeleted bool) (*crm.Complaint, error) {
	vis, vargs := visible(actor, "x.responsible_id", 4)
	c, err := scanComplaint(t.q.QueryRowContext(ctx, `SELECT `+complaintColumns+` FROM complaints x
		WHERE x.account_id = $1 AND x.id = $2 AND ($3 OR x.deleted_at IS NULL) AND `+vis, append([]any{actor.AccountID, id, withDeleted}, vargs...)...))
	return c, notFound("find complaint", err, "Complaint", id)
}

// FindComplaints returns one page of the complaints the actor may see, newest first.
func (t *Tx) FindComplaints(ctx context.Context, actor *crm.Actor, from, to time.Time, openOnly bool, p crm.Page) (*crm.List[*crm.Complaint], error) {
	a := &args{}
	conds := []string{"x.account_id = " + a.add(actor.AccountID), "x.deleted_at IS NULL"}
	vis, vargs := visible(actor, "x.responsible_id", a.next())
	a.addAll(vargs)
	conds = append(conds, vis)
	if !from.IsZero() {
		conds = append(conds, "x.registered_at >= "+a.add(from.UTC()))
	}
	if !to.IsZero() {
		conds = append(conds, "x.registered_at < "+a.add(to.UTC()))
	}
	if openOnly {
		conds = append(conds, "x.resolved_at IS NULL")
	}
	p.Desc = true
	countArgs := slices.Clone(a.list)
	where, tail, err := pageClause(a, sortKey{"x.registered_at", "time"}, "x.id", p)
	if err != nil {
		return nil, err
	}
	out := &crm.List[*crm.Complaint]{Items: []*crm.Complaint{}, Total: -1}
	if p.WithTotal {
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM complaints x WHERE `+and(conds...), countArgs...).Scan(&out.Total); err != nil {
			return nil, wrap("count complaints", err)
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT `+complaintColumns+` FROM complaints x WHERE `+and(append(conds, where)...)+tail, a.list...)
	if err != nil {
		return nil, wrap("find complaints", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, wrap("find complaints", err)
		}
		out.Items = append(out.Items, c)
	}
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		last := out.Items[len(out.Items)-1]
		out.Next = crm.EncodeCursor(cursorOf(last.RegisteredAt), last.ID)
	}
	return out, wrap("find complaints", rows.Err())
}

// UpdateComplaint stores a complaint's resolution when its version is expectVersion.
func (t *Tx) UpdateComplaint(ctx context.Context, actor *crm.Actor, c *crm.Complaint, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE complaints SET category = $1, text = $2, resolved_at = $3, resolution = $4, updated_at = $5, version = version + 1
		WHERE account_id = $6 AND id = $7 AND version = $8`,
		c.Category, c.Text, nullTime(c.ResolvedAt), c.Resolution, c.UpdatedAt.UTC(), actor.AccountID, c.ID, expectVersion)
	if err != nil {
		return wrap("update complaint", err)
	}
	return checkVersioned(res, "Complaint", c.ID)
}

func scanComplaint(s scanner) (*crm.Complaint, error) {
	var c crm.Complaint
	var contact, company, deal sql.NullInt64
	var registered, resolved, created, updated, deleted sql.NullTime
	if err := s.Scan(&c.ID, &contact, &company, &deal, &c.ResponsibleID, &c.Category, &c.Text, &registered, &resolved, &c.Resolution,
		&created, &updated, &deleted, &c.Version); err != nil {
		return nil, err
	}
	c.ContactID, c.CompanyID, c.DealID = contact.Int64, company.Int64, deal.Int64
	c.RegisteredAt, c.ResolvedAt, c.CreatedAt, c.UpdatedAt, c.DeletedAt = utc(registered), utc(resolved), utc(created), utc(updated), utc(deleted)
	return &c, nil
}

// InsertNPS stores an NPS answer.
func (t *Tx) InsertNPS(ctx context.Context, actor *crm.Actor, n *crm.NPSAnswer) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO nps_answers (account_id, contact_id, deal_id, score, comment, answered_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		actor.AccountID, n.ContactID, nullID(n.DealID), n.Score, n.Comment, n.AnsweredAt.UTC(), n.CreatedAt.UTC()).Scan(&n.ID)
	return wrap("insert nps", err)
}

// FindNPS returns the answers in [from, to) of contacts the actor may see, oldest first.
func (t *Tx) FindNPS(ctx context.Context, actor *crm.Actor, from, to time.Time) ([]*crm.NPSAnswer, error) {
	a := &args{}
	acc := a.add(actor.AccountID)
	vis, vargs := visible(actor, "c.responsible_id", a.next())
	a.addAll(vargs)
	conds := []string{"x.account_id = " + acc, "x.deleted_at IS NULL",
		"EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = " + acc + " AND c.id = x.contact_id AND " + vis + ")"}
	if !from.IsZero() {
		conds = append(conds, "x.answered_at >= "+a.add(from.UTC()))
	}
	if !to.IsZero() {
		conds = append(conds, "x.answered_at < "+a.add(to.UTC()))
	}
	rows, err := t.q.QueryContext(ctx, `SELECT x.id, x.contact_id, x.deal_id, x.score, x.comment, x.answered_at, x.created_at FROM nps_answers x
		WHERE `+and(conds...)+` ORDER BY x.answered_at, x.id`, a.list...)
	if err != nil {
		return nil, wrap("find nps", err)
	}
	defer rows.Close()
	out := []*crm.NPSAnswer{}
	for rows.Next() {
		var n crm.NPSAnswer
		var deal sql.NullInt64
		var answered, created sql.NullTime
		if err := rows.Scan(&n.ID, &n.ContactID, &deal, &n.Score, &n.Comment, &answered, &created); err != nil {
			return nil, wrap("find nps", err)
		}
		n.DealID, n.AnsweredAt, n.CreatedAt = deal.Int64, utc(answered), utc(created)
		out = append(out, &n)
	}
	return out, wrap("find nps", rows.Err())
}
