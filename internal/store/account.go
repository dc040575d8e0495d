package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/voronka/voronka/internal/crm"
)

const accountColumns = `id, slug, name, currency, time_zone, locale, go_live_date, settings, created_at, updated_at, version`

// InsertAccount stores a new account.
func (t *Tx) InsertAccount(ctx context.Context, a *crm.Account) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return err
	}
	err = t.q.QueryRowContext(ctx, `
		INSERT INTO accounts (slug, name, currency, time_zone, locale, go_live_date, settings, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)
		RETURNING id, version`,
		a.Slug, a.Name, a.Currency, a.TimeZone, a.Locale, a.GoLiveDate, string(settings), a.CreatedAt.UTC(), a.UpdatedAt.UTC(),
	).Scan(&a.ID, &a.Version)
	return wrap("insert account", err)
}

// FindAccount returns the actor's account.
func (t *Tx) FindAccount(ctx context.Context, actor *crm.Actor) (*crm.Account, error) {
	row := t.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, actor.AccountID)
	a, err := scanAccount(row)
	return a, notFound("find account", err, "Account", actor.AccountID)
}

// FindAccountBySlug returns the account with the slug.
func (t *Tx) FindAccountBySlug(ctx context.Context, slug string) (*crm.Account, error) {
	row := t.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE slug = $1`, slug)
	a, err := scanAccount(row)
	return a, notFound("find account", err, "Account", slug)
}

// UpdateAccount stores a's fields if its version is still expectVersion.
func (t *Tx) UpdateAccount(ctx context.Context, a *crm.Account, expectVersion int64) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `
		UPDATE accounts SET name = $1, currency = $2, time_zone = $3, locale = $4, go_live_date = $5,
			settings = $6, updated_at = $7, version = version + 1
		WHERE id = $8 AND version = $9`,
		a.Name, a.Currency, a.TimeZone, a.Locale, a.GoLiveDate, string(settings), a.UpdatedAt.UTC(), a.ID, expectVersion)
	if err != nil {
		return wrap("update account", err)
	}
	if err := checkVersioned(res, "Account", a.ID); err != nil {
		return err
	}
	a.Version = expectVersion + 1
	return nil
}

// CountAccounts returns the number of accounts.
func (t *Tx) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, wrap("count accounts", err)
}

// FindAccounts returns every account by id.
func (t *Tx) FindAccounts(ctx context.Context) ([]*crm.Account, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, wrap("find accounts", err)
	}
	defer rows.Close()
	var as []*crm.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, wrap("find accounts", err)
		}
		as = append(as, a)
	}
	return as, wrap("find accounts", rows.Err())
}

func scanAccount(row scanner) (*crm.Account, error) {
	var a crm.Account
	var settings string
	var created, updated sql.NullTime
	if err := row.Scan(&a.ID, &a.Slug, &a.Name, &a.Currency, &a.TimeZone, &a.Locale, &a.GoLiveDate,
		&settings, &created, &updated, &a.Version); err != nil {
		return nil, err
	}
	a.Settings = crm.DefaultAccountSettings()
	if err := json.Unmarshal([]byte(settings), &a.Settings); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = utc(created), utc(updated)
	return &a, nil
}
