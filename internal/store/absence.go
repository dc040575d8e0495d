package store

import (
	"context"
	"database/sql"

	"github.com/voronka/voronka/internal/crm"
)

// InsertAbsence stores an absence of a user of the actor's account.
func (t *Tx) InsertAbsence(ctx context.Context, actor *crm.Actor, a *crm.Absence) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO user_absences (account_id, user_id, starts_on, ends_on, reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		actor.AccountID, a.UserID, a.StartsOn, a.EndsOn, a.Reason, a.CreatedAt.UTC()).Scan(&a.ID)
	return wrap("insert absence", err)
}

// FindAbsences returns a user's absences, earliest first.
func (t *Tx) FindAbsences(ctx context.Context, actor *crm.Actor, userID int64) ([]*crm.Absence, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, user_id, starts_on, ends_on, reason, created_at FROM user_absences
		WHERE account_id = $1 AND user_id = $2 ORDER BY starts_on, id`, actor.AccountID, userID)
	if err != nil {
		return nil, wrap("find absences", err)
	}
	defer rows.Close()
	var as []*crm.Absence
	for rows.Next() {
		var a crm.Absence
		var created sql.NullTime
		if err := rows.Scan(&a.ID, &a.UserID, &a.StartsOn, &a.EndsOn, &a.Reason, &created); err != nil {
			return nil, wrap("find absences", err)
		}
		a.CreatedAt = utc(created)
		as = append(as, &a)
	}
	return as, wrap("find absences", rows.Err())
}

// DeleteAbsence removes an absence of the actor's account.
func (t *Tx) DeleteAbsence(ctx context.Context, actor *crm.Actor, id int64) error {
	res, err := t.q.ExecContext(ctx, `DELETE FROM user_absences WHERE account_id = $1 AND id = $2`, actor.AccountID, id)
	if err != nil {
		return wrap("delete absence", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.Errorf(crm.ENOTFOUND, "Absence %d not found.", id)
	}
	return nil
}
