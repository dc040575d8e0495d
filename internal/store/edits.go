package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// FindSpendEntry returns a live spend entry of the account.
func (t *Tx) FindSpendEntry(ctx context.Context, actor *crm.Actor, id int64) (*crm.SpendEntry, error) {
	var e crm.SpendEntry
	var created, updated sql.NullTime
	err := t.q.QueryRowContext(ctx, `SELECT id, channel_id, starts_on, ends_on, amount, note, created_at, updated_at, version FROM marketing_spend
		WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, actor.AccountID, id).Scan(&e.ID, &e.ChannelID, &e.StartsOn, &e.EndsOn, &e.Amount, &e.Note, &created, &updated, &e.Version)
	if err != nil {
		return nil, notFound("find spend", err, "Spend entry", id)
	}
	e.CreatedAt, e.UpdatedAt = utc(created), utc(updated)
	return &e, nil
}

// UpdateSpend stores a spend entry when its version is expectVersion.
func (t *Tx) UpdateSpend(ctx context.Context, actor *crm.Actor, e *crm.SpendEntry, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE marketing_spend SET starts_on = $1, ends_on = $2, amount = $3, note = $4, updated_at = $5, version = version + 1
		WHERE account_id = $6 AND id = $7 AND version = $8`, e.StartsOn, e.EndsOn, e.Amount, e.Note, e.UpdatedAt.UTC(), actor.AccountID, e.ID, expectVersion)
	if err != nil {
		return wrap("update spend", err)
	}
	return checkVersioned(res, "Spend entry", e.ID)
}

// FindCost returns a live cost entry of the account.
func (t *Tx) FindCost(ctx context.Context, actor *crm.Actor, id int64) (*crm.CRMCost, error) {
	var c crm.CRMCost
	var created, updated sql.NullTime
	err := t.q.QueryRowContext(ctx, `SELECT id, category, incurred_on, recurrence, ends_on, amount, acquisition, note, created_at, updated_at, version
		FROM crm_costs WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, actor.AccountID, id).Scan(
		&c.ID, &c.Category, &c.IncurredOn, &c.Recurrence, &c.EndsOn, &c.Amount, &c.Acquisition, &c.Note, &created, &updated, &c.Version)
	if err != nil {
		return nil, notFound("find cost", err, "Cost entry", id)
	}
	c.CreatedAt, c.UpdatedAt = utc(created), utc(updated)
	return &c, nil
}

// UpdateCost stores a cost entry when its version is expectVersion.
func (t *Tx) UpdateCost(ctx context.Context, actor *crm.Actor, c *crm.CRMCost, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE crm_costs SET category = $1, incurred_on = $2, recurrence = $3, ends_on = $4, amount = $5, acquisition = $6,
			note = $7, updated_at = $8, version = version + 1 WHERE account_id = $9 AND id = $10 AND version = $11`,
		c.Category, c.IncurredOn, c.Recurrence, c.EndsOn, c.Amount, c.Acquisition, c.Note, c.UpdatedAt.UTC(), actor.AccountID, c.ID, expectVersion)
	if err != nil {
		return wrap("update cost", err)
	}
	return checkVersioned(res, "Cost entry", c.ID)
}

// SetComplaintDeleted soft-deletes (at) or restores (zero at) a complaint.
func (t *Tx) SetComplaintDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE complaints SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3`, nullTime(at), actor.AccountID, id)
	return wrap("delete complaint", err)
}

// DeleteNPS soft-deletes an answer of a contact the actor may see.
func (t *Tx) DeleteNPS(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	a := &args{}
	acc := a.add(actor.AccountID)
	vis, vargs := visible(actor, "c.responsible_id", a.next())
	a.addAll(vargs)
	res, err := t.q.ExecContext(ctx, `UPDATE nps_answers SET deleted_at = `+a.add(at.UTC())+` WHERE account_id = `+acc+` AND id = `+a.add(id)+
		` AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = `+acc+` AND c.id = nps_answers.contact_id AND `+vis+`)`, a.list...)
	if err != nil {
		return wrap("delete nps", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.Errorf(crm.ENOTFOUND, "NPS answer %d not found.", id)
	}
	return nil
}
