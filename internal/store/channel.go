package store

import (
	"context"
	"database/sql"

	"github.com/voronka/voronka/internal/crm"
)

// InsertChannel stores a channel.
func (t *Tx) InsertChannel(ctx context.Context, actor *crm.Actor, c *crm.Channel) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO channels (account_id, name, active, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, 1) RETURNING id, version`, actor.AccountID, c.Name, c.Active, c.CreatedAt.UTC(), c.UpdatedAt.UTC()).Scan(&c.ID, &c.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return channelTaken(c.Name)
	}
	return wrap("insert channel", err)
}

func channelTaken(name string) error {
	return &crm.Error{Code: crm.ECONFLICT, Message: "A channel with this name already exists.", Fields: []crm.FieldError{{Field: "name", Code: "taken", Message: name + " is already a channel"}}}
}

// FindChannel returns a channel of the account.
func (t *Tx) FindChannel(ctx context.Context, actor *crm.Actor, id int64) (*crm.Channel, error) {
	c, err := scanChannel(t.q.QueryRowContext(ctx, `SELECT id, name, active, created_at, updated_at, version FROM channels WHERE account_id = $1 AND id = $2`, actor.AccountID, id))
	return c, notFound("find channel", err, "Channel", id)
}

// FindChannels returns the account's channels by name.
func (t *Tx) FindChannels(ctx context.Context, actor *crm.Actor) ([]*crm.Channel, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT id, name, active, created_at, updated_at, version FROM channels WHERE account_id = $1 ORDER BY name, id`, actor.AccountID)
	if err != nil {
		return nil, wrap("find channels", err)
	}
	defer rows.Close()
	out := []*crm.Channel{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, wrap("find channels", err)
		}
		out = append(out, c)
	}
	return out, wrap("find channels", rows.Err())
}

// UpdateChannel stores a channel when its version is expectVersion.
func (t *Tx) UpdateChannel(ctx context.Context, actor *crm.Actor, c *crm.Channel, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE channels SET name = $1, active = $2, updated_at = $3, version = version + 1
		WHERE account_id = $4 AND id = $5 AND version = $6`, c.Name, c.Active, c.UpdatedAt.UTC(), actor.AccountID, c.ID, expectVersion)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return channelTaken(c.Name)
	} else if err != nil {
		return wrap("update channel", err)
	}
	if err := checkVersioned(res, "Channel", c.ID); err != nil {
		return err
	}
	c.Version = expectVersion + 1
	return nil
}

func scanChannel(s scanner) (*crm.Channel, error) {
	var c crm.Channel
	var created, updated sql.NullTime
	if err := s.Scan(&c.ID, &c.Name, &c.Active, &created, &updated, &c.Version); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = utc(created), utc(updated)
	return &c, nil
}
