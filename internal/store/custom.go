package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/voronka/voronka/internal/crm"
)

// customText returns an expression giving the text of custom field key (a placeholder) of the JSON
// column col: the same meaning on both engines.
func (t *Tx) customText(col, keyArg string) string {
	if t.engine == Postgres {
		return fmt.Sprintf("(%s::jsonb ->> %s)", col, keyArg)
	}
	return fmt.Sprintf("CAST(json_extract(%s, '$.\"' || %s || '\"') AS TEXT)", col, keyArg)
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
