package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const userColumns = `id, account_id, email, name, password_hash, role, team_id, active, last_login_at, created_at, updated_at, version`

// InsertUser stores a new user in the actor's account.
func (t *Tx) InsertUser(ctx context.Context, actor *crm.Actor, u *crm.User) error {
	u.AccountID = actor.AccountID
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO users (account_id, email, name, password_hash, role, team_id, active, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)
		RETURNING id, version`,
		actor.AccountID, u.Email, u.Name, u.PasswordHash, string(u.Role), nullID(u.TeamID), u.Active,
		u.CreatedAt.UTC(), u.UpdatedAt.UTC(),
	).Scan(&u.ID, &u.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return emailTaken(u.Email)
	}
	return wrap("insert user", err)
}

func emailTaken(email string) error {
	return &crm.Error{Code: crm.ECONFLICT, Message: "A user with this e-mail already exists.",
		Fields: []crm.FieldError{{Field: "email", Code: "taken", Message: email + " is already a user of this account"}}}
}

// FindUser returns a user of the actor's account.
func (t *Tx) FindUser(ctx context.Context, actor *crm.Actor, id int64) (*crm.User, error) {
	row := t.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE account_id = $1 AND id = $2`, actor.AccountID, id)
	u, err := scanUser(row)
	return u, notFound("find user", err, "User", id)
}

// FindUsers returns the users of the actor's account matching f, by id.
func (t *Tx) FindUsers(ctx context.Context, actor *crm.Actor, f crm.UserFilter) ([]*crm.User, error) {
	var active any
	if f.Active != nil {
		active = *f.Active
	}
	rows, err := t.q.QueryContext(ctx, `
		SELECT `+userColumns+` FROM users
		WHERE account_id = $1
		  AND ($2 = 0 OR id = $2)
		  AND ($3 = '' OR email = $3)
		  AND ($4 = 0 OR team_id = $4)
		  AND (CAST($5 AS BOOLEAN) IS NULL OR active = $5)
		ORDER BY id`,
		actor.AccountID, f.ID, crm.NormalizeEmail(f.Email), f.TeamID, active)
	if err != nil {
		return nil, wrap("find users", err)
	}
	defer rows.Close()
	var us []*crm.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("find users", err)
		}
		us = append(us, u)
	}
	return us, wrap("find users", rows.Err())
}

// UpdateUser stores u's fields if its version is still expectVersion.
func (t *Tx) UpdateUser(ctx context.Context, actor *crm.Actor, u *crm.User, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `
		UPDATE users SET email = $1, name = $2, password_hash = $3, role = $4, team_id = $5, active = $6,
			updated_at = $7, version = version + 1
		WHERE account_id = $8 AND id = $9 AND version = $10`,
		u.Email, u.Name, u.PasswordHash, string(u.Role), nullID(u.TeamID), u.Active, u.UpdatedAt.UTC(),
		actor.AccountID, u.ID, expectVersion)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return emailTaken(u.Email)
	} else if err != nil {
		return wrap("update user", err)
	}
	if err := checkVersioned(res, "User", u.ID); err != nil {
		return err
	}
	u.Version = expectVersion + 1
	return nil
}

// FindLoginCandidates returns the users with the e-mail, in the account with the slug if given.
// It is the one query that looks across accounts: at login the account is not known yet.
func (t *Tx) FindLoginCandidates(ctx context.Context, email, accountSlug string) ([]*crm.User, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT `+prefixed("u.", userColumns)+` FROM users u JOIN accounts a ON a.id = u.account_id
		WHERE u.email = $1 AND ($2 = '' OR a.slug = $2)
		ORDER BY u.account_id`, crm.NormalizeEmail(email), accountSlug)
	if err != nil {
		return nil, wrap("find login candidates", err)
	}
	defer rows.Close()
	var us []*crm.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("find login candidates", err)
		}
		us = append(us, u)
	}
	return us, wrap("find login candidates", rows.Err())
}

// TouchLogin records a login time.
func (t *Tx) TouchLogin(ctx context.Context, actor *crm.Actor, userID int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE account_id = $2 AND id = $3`,
		at.UTC(), actor.AccountID, userID)
	return wrap("touch login", err)
}

type scanner interface{ Scan(dest ...any) error }

func scanUser(s scanner) (*crm.User, error) {
	var u crm.User
	var role string
	var team sql.NullInt64
	var lastLogin, created, updated sql.NullTime
	if err := s.Scan(&u.ID, &u.AccountID, &u.Email, &u.Name, &u.PasswordHash, &role, &team, &u.Active,
		&lastLogin, &created, &updated, &u.Version); err != nil {
		return nil, err
	}
	u.Role, u.TeamID = crm.Role(role), team.Int64
	u.LastLoginAt, u.CreatedAt, u.UpdatedAt = utc(lastLogin), utc(created), utc(updated)
	return &u, nil
}
