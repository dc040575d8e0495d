package store

import (
	"context"
	"database/sql"

	"github.com/voronka/voronka/internal/crm"
)

const teamColumns = `id, account_id, name, created_at, updated_at, version`

// InsertTeam stores a new team in the actor's account.
func (t *Tx) InsertTeam(ctx context.Context, actor *crm.Actor, tm *crm.Team) error {
	tm.AccountID = actor.AccountID
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO teams (account_id, name, created_at, updated_at, version) VALUES ($1, $2, $3, $4, 1)
		RETURNING id, version`,
		actor.AccountID, tm.Name, tm.CreatedAt.UTC(), tm.UpdatedAt.UTC()).Scan(&tm.ID, &tm.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return teamTaken(tm.Name)
	}
	return wrap("insert team", err)
}

func teamTaken(name string) error {
	return &crm.Error{Code: crm.ECONFLICT, Message: "A team with this name already exists.",
		Fields: []crm.FieldError{{Field: "name", Code: "taken", Message: name + " is already a team of this account"}}}
}

// FindTeam returns a team of the actor's account.
func (t *Tx) FindTeam(ctx context.Context, actor *crm.Actor, id int64) (*crm.Team, error) {
	row := t.q.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE account_id = $1 AND id = $2`, actor.AccountID, id)
	tm, err := scanTeam(row)
	return tm, notFound("find team", err, "Team", id)
}

// FindTeamByName returns the team of the actor's account with the name.
func (t *Tx) FindTeamByName(ctx context.Context, actor *crm.Actor, name string) (*crm.Team, error) {
	row := t.q.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE account_id = $1 AND name = $2`, actor.AccountID, name)
	tm, err := scanTeam(row)
	return tm, notFound("find team", err, "Team", name)
}

// FindTeams returns the teams of the actor's account by name.
func (t *Tx) FindTeams(ctx context.Context, actor *crm.Actor) ([]*crm.Team, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE account_id = $1 ORDER BY name, id`, actor.AccountID)
	if err != nil {
		return nil, wrap("find teams", err)
	}
	defer rows.Close()
	var ts []*crm.Team
	for rows.Next() {
		tm, err := scanTeam(rows)
		if err != nil {
			return nil, wrap("find teams", err)
		}
		ts = append(ts, tm)
	}
	return ts, wrap("find teams", rows.Err())
}

// UpdateTeam renames a team if its version is still expectVersion.
func (t *Tx) UpdateTeam(ctx context.Context, actor *crm.Actor, tm *crm.Team, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `
		UPDATE teams SET name = $1, updated_at = $2, version = version + 1
		WHERE account_id = $3 AND id = $4 AND version = $5`,
		tm.Name, tm.UpdatedAt.UTC(), actor.AccountID, tm.ID, expectVersion)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return teamTaken(tm.Name)
	} else if err != nil {
		return wrap("update team", err)
	}
	if err := checkVersioned(res, "Team", tm.ID); err != nil {
		return err
	}
	tm.Version = expectVersion + 1
	return nil
}

func scanTeam(s scanner) (*crm.Team, error) {
	var tm crm.Team
	var created, updated sql.NullTime
	if err := s.Scan(&tm.ID, &tm.AccountID, &tm.Name, &created, &updated, &tm.Version); err != nil {
		return nil, err
	}
	tm.CreatedAt, tm.UpdatedAt = utc(created), utc(updated)
	return &tm, nil
}
