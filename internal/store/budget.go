package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// InsertSpend stores a marketing spend entry.
func (t *Tx) InsertSpend(ctx context.Context, actor *crm.Actor, e *crm.SpendEntry) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO marketing_spend (account_id, channel_id, starts_on, ends_on, amount, note, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id, version`,
		actor.AccountID, e.ChannelID, e.StartsOn, e.EndsOn, e.Amount, e.Note, e.CreatedAt.UTC(), e.UpdatedAt.UTC()).Scan(&e.ID, &e.Version)
	return wrap("insert spend", err)
}

// FindSpend returns the live spend entries overlapping [from, to].
func (t *Tx) FindSpend(ctx context.Context, actor *crm.Actor, channelID int64, from, to crm.Date) ([]*crm.SpendEntry, error) {
	a := &args{}
	conds := []string{"account_id = " + a.add(actor.AccountID), "deleted_at IS NULL"}
	if channelID != 0 {
		conds = append(conds, "channel_id = "+a.add(channelID))
	}
	if !from.IsZero() {
		conds = append(conds, "ends_on >= "+a.add(from))
	}
	if !to.IsZero() {
		conds = append(conds, "starts_on <= "+a.add(to))
	}
	rows, err := t.q.QueryContext(ctx, `SELECT id, channel_id, starts_on, ends_on, amount, note, created_at, updated_at, version FROM marketing_spend
		WHERE `+and(conds...)+` ORDER BY starts_on, id`, a.list...)
	if err != nil {
		return nil, wrap("find spend", err)
	}
	defer rows.Close()
	out := []*crm.SpendEntry{}
	for rows.Next() {
		var e crm.SpendEntry
		var created, updated sql.NullTime
		if err := rows.Scan(&e.ID, &e.ChannelID, &e.StartsOn, &e.EndsOn, &e.Amount, &e.Note, &created, &updated, &e.Version); err != nil {
			return nil, wrap("find spend", err)
		}
		e.CreatedAt, e.UpdatedAt = utc(created), utc(updated)
		out = append(out, &e)
	}
	return out, wrap("find spend", rows.Err())
}

// DeleteSpend soft-deletes a spend entry; ENOTFOUND when the account has no live one with the id.
func (t *Tx) DeleteSpend(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	res, err := t.q.ExecContext(ctx, `UPDATE marketing_spend SET deleted_at = $1 WHERE account_id = $2 AND id = $3 AND deleted_at IS NULL`, at.UTC(), actor.AccountID, id)
	if err != nil {
		return wrap("delete spend", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.Errorf(crm.ENOTFOUND, "Spend entry %d not found.", id)
	}
	return nil
}

// UpsertSalesPlan stores the plan of (month, scope, scope id).
func (t *Tx) UpsertSalesPlan(ctx context.Context, actor *crm.Actor, p *crm.SalesPlan, at time.Time) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO sales_plans (account_id, month, scope, scope_id, revenue, margin, won_deals, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)
		ON CONFLICT (account_id, month, scope, scope_id) DO UPDATE SET revenue = excluded.revenue, margin = excluded.margin,
			won_deals = excluded.won_deals, updated_at = excluded.updated_at, version = sales_plans.version + 1
		RETURNING id, version`,
		actor.AccountID, p.Month, p.Scope, p.ScopeID, p.Revenue, p.Margin, p.WonDeals, at.UTC()).Scan(&p.ID, &p.Version)
	return wrap("upsert sales plan", err)
}

// FindSalesPlans returns the plans of a month.
func (t *Tx) FindSalesPlans(ctx context.Context, actor *crm.Actor, month crm.Date) ([]*crm.SalesPlan, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT id, month, scope, scope_id, revenue, margin, won_deals, version FROM sales_plans
		WHERE account_id = $1 AND month = $2 ORDER BY scope, scope_id`, actor.AccountID, month)
	if err != nil {
		return nil, wrap("find sales plans", err)
	}
	defer rows.Close()
	out := []*crm.SalesPlan{}
	for rows.Next() {
		var p crm.SalesPlan
		if err := rows.Scan(&p.ID, &p.Month, &p.Scope, &p.ScopeID, &p.Revenue, &p.Margin, &p.WonDeals, &p.Version); err != nil {
			return nil, wrap("find sales plans", err)
		}
		out = append(out, &p)
	}
	return out, wrap("find sales plans", rows.Err())
}

// InsertCost stores a CRM cost entry.
func (t *Tx) InsertCost(ctx context.Context, actor *crm.Actor, c *crm.CRMCost) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO crm_costs (account_id, category, incurred_on, recurrence, ends_on, amount, acquisition, note, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id, version`,
		actor.AccountID, c.Category, c.IncurredOn, c.Recurrence, c.EndsOn, c.Amount, c.Acquisition, c.Note, c.CreatedAt.UTC(), c.UpdatedAt.UTC()).Scan(&c.ID, &c.Version)
	return wrap("insert cost", err)
}

// FindCosts returns the live cost entries by date.
func (t *Tx) FindCosts(ctx context.Context, actor *crm.Actor) ([]*crm.CRMCost, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT id, category, incurred_on, recurrence, ends_on, amount, acquisition, note, created_at, updated_at, version
		FROM crm_costs WHERE account_id = $1 AND deleted_at IS NULL ORDER BY incurred_on, id`, actor.AccountID)
	if err != nil {
		return nil, wrap("find costs", err)
	}
	defer rows.Close()
	out := []*crm.CRMCost{}
	for rows.Next() {
		var c crm.CRMCost
		var created, updated sql.NullTime
		if err := rows.Scan(&c.ID, &c.Category, &c.IncurredOn, &c.Recurrence, &c.EndsOn, &c.Amount, &c.Acquisition, &c.Note, &created, &updated, &c.Version); err != nil {
			return nil, wrap("find costs", err)
		}
		c.CreatedAt, c.UpdatedAt = utc(created), utc(updated)
		out = append(out, &c)
	}
	return out, wrap("find costs", rows.Err())
}

// DeleteCost soft-deletes a cost entry; ENOTFOUND when there is no live one with the id.
func (t *Tx) DeleteCost(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	res, err := t.q.ExecContext(ctx, `UPDATE crm_costs SET deleted_at = $1 WHERE account_id = $2 AND id = $3 AND deleted_at IS NULL`, at.UTC(), actor.AccountID, id)
	if err != nil {
		return wrap("delete cost", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.Errorf(crm.ENOTFOUND, "Cost entry %d not found.", id)
	}
	return nil
}
