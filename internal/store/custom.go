package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/voronka/voronka/internal/crm"
)

// customCond returns the condition that custom field key (a placeholder) of the JSON column col
// equals the text value (a placeholder), with the same meaning on both engines: a checkbox matches
// "true" or "false", a number its digits as stored, a multiselect when it holds the value.
func (t *Tx) customCond(col, keyArg, valArg string) string {
	if t.engine == Postgres {
		return fmt.Sprintf("((%[1]s::jsonb ->> %[2]s) = %[3]s OR (jsonb_typeof(%[1]s::jsonb -> %[2]s) = 'array' AND (%[1]s::jsonb -> %[2]s) @> to_jsonb(CAST(%[3]s AS TEXT))))",
			col, keyArg, valArg)
	}
	path := "'$.\"' || " + keyArg + " || '\"'"
	return fmt.Sprintf("(CASE json_type(%[1]s, %[2]s) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'array' THEN NULL "+
		"ELSE CAST(json_extract(%[1]s, %[2]s) AS TEXT) END = %[3]s "+
		"OR (json_type(%[1]s, %[2]s) = 'array' AND EXISTS (SELECT 1 FROM json_each(%[1]s, %[2]s) je WHERE je.value = %[3]s)))",
		col, path, valArg)
}

// FindCustomFields returns the live custom field definitions of an entity, by position.
func (t *Tx) FindCustomFields(ctx context.Context, actor *crm.Actor, entity string) ([]*crm.CustomField, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, account_id, entity, key, name, type, options, required, position, created_at, updated_at, version
		FROM custom_fields WHERE account_id = $1 AND entity = $2 AND deleted_at IS NULL ORDER BY position, id`,
		actor.AccountID, entity)
	if err != nil {
		return nil, wrap("find custom fields", err)
	}
	defer rows.Close()
	var out []*crm.CustomField
	for rows.Next() {
		var f crm.CustomField
		var options string
		var created, updated sql.NullTime
		if err := rows.Scan(&f.ID, &f.AccountID, &f.Entity, &f.Key, &f.Name, &f.Type, &options, &f.Required, &f.Position,
			&created, &updated, &f.Version); err != nil {
			return nil, wrap("find custom fields", err)
		}
		if err := json.Unmarshal([]byte(options), &f.Options); err != nil {
			return nil, wrap("find custom fields", err)
		}
		f.CreatedAt, f.UpdatedAt = utc(created), utc(updated)
		out = append(out, &f)
	}
	return out, wrap("find custom fields", rows.Err())
}

// marshalCustom encodes custom values for a JSON text column.
func marshalCustom(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// unmarshalCustom decodes a JSON text column; numbers stay json.Number so that money keeps every digit.
func unmarshalCustom(s string) (map[string]any, error) {
	m := map[string]any{}
	if s == "" {
		return m, nil
	}
	d := json.NewDecoder(stringsReader(s))
	d.UseNumber()
	return m, d.Decode(&m)
}
