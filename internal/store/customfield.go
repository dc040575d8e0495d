package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/voronka/voronka/internal/crm"
)

// InsertCustomField stores a custom field definition.
func (t *Tx) InsertCustomField(ctx context.Context, actor *crm.Actor, f *crm.CustomField) error {
	options, _ := json.Marshal(f.Options)
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO custom_fields (account_id, entity, key, name, type, options, required, position, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id, version`,
		actor.AccountID, f.Entity, f.Key, f.Name, f.Type, string(options), f.Required, f.Position, f.CreatedAt.UTC(), f.UpdatedAt.UTC()).Scan(&f.ID, &f.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "This key is taken.", Fields: []crm.FieldError{{Field: "key", Code: "taken", Message: f.Key + " is already a field of " + f.Entity}}}
	}
	f.AccountID = actor.AccountID
	return wrap("insert custom field", err)
}

// FindCustomField returns a live definition of the account.
func (t *Tx) FindCustomField(ctx context.Context, actor *crm.Actor, id int64) (*crm.CustomField, error) {
	var f crm.CustomField
	var options string
	var created, updated sql.NullTime
	err := t.q.QueryRowContext(ctx, `
		SELECT id, account_id, entity, key, name, type, options, required, position, created_at, updated_at, version
		FROM custom_fields WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, actor.AccountID, id).Scan(
		&f.ID, &f.AccountID, &f.Entity, &f.Key, &f.Name, &f.Type, &options, &f.Required, &f.Position, &created, &updated, &f.Version)
	if err != nil {
		return nil, notFound("find custom field", err, "Custom field", id)
	}
	f.CreatedAt, f.UpdatedAt = utc(created), utc(updated)
	return &f, json.Unmarshal([]byte(options), &f.Options)
}

// UpdateCustomField stores a definition (name, options, required, position, deleted_at).
func (t *Tx) UpdateCustomField(ctx context.Context, actor *crm.Actor, f *crm.CustomField, expectVersion int64) error {
	options, _ := json.Marshal(f.Options)
	res, err := t.q.ExecContext(ctx, `
		UPDATE custom_fields SET name = $1, options = $2, required = $3, position = $4, updated_at = $5, deleted_at = $6, version = version + 1
		WHERE account_id = $7 AND id = $8 AND version = $9`,
		f.Name, string(options), f.Required, f.Position, f.UpdatedAt.UTC(), nullTime(f.DeletedAt), actor.AccountID, f.ID, expectVersion)
	if err != nil {
		return wrap("update custom field", err)
	}
	if err := checkVersioned(res, "Custom field", f.ID); err != nil {
		return err
	}
	f.Version = expectVersion + 1
	return nil
}
