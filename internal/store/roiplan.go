package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/voronka/voronka/internal/crm"
)

// FindROIPlan returns the account's planner inputs; ENOTFOUND when none were saved.
func (t *Tx) FindROIPlan(ctx context.Context, actor *crm.Actor) (*crm.ROIPlan, error) {
	var raw string
	var updated sql.NullTime
	p := &crm.ROIPlan{}
	err := t.q.QueryRowContext(ctx, `SELECT inputs, updated_at, version FROM roi_plans WHERE account_id = $1`, actor.AccountID).
		Scan(&raw, &updated, &p.Version)
	if err != nil {
		return nil, notFound("find roi plan", err, "ROI plan of account", actor.AccountID)
	}
	if err := json.Unmarshal([]byte(raw), &p.Inputs); err != nil {
		return nil, wrap("find roi plan", err)
	}
	p.UpdatedAt = utc(updated)
	return p, nil
}

// SaveROIPlan inserts the account's plan when expectVersion is 0, else updates it if its version is
// still expectVersion (ECONFLICT otherwise, or when a plan was inserted meanwhile).
func (t *Tx) SaveROIPlan(ctx context.Context, actor *crm.Actor, p *crm.ROIPlan, expectVersion int64) error {
	raw, err := json.Marshal(p.Inputs)
	if err != nil {
		return wrap("save roi plan", err)
	}
	if expectVersion == 0 {
		_, err := t.q.ExecContext(ctx, `INSERT INTO roi_plans (account_id, inputs, updated_at, version) VALUES ($1, $2, $3, 1)`,
			actor.AccountID, string(raw), p.UpdatedAt.UTC())
		if err != nil {
			return wrap("save roi plan", err)
		}
		p.Version = 1
		return nil
	}
	res, err := t.q.ExecContext(ctx, `UPDATE roi_plans SET inputs = $1, updated_at = $2, version = version + 1
		WHERE account_id = $3 AND version = $4`, string(raw), p.UpdatedAt.UTC(), actor.AccountID, expectVersion)
	if err != nil {
		return wrap("save roi plan", err)
	}
	if err := checkVersioned(res, "ROI plan of account", actor.AccountID); err != nil {
		return err
	}
	p.Version = expectVersion + 1
	return nil
}
