package store

import (
	"context"
	"fmt"
	"strings"
)

// setTags replaces the tags of one record.
func (t *Tx) setTags(ctx context.Context, accountID int64, entity string, id int64, tags []string) error {
	if _, err := t.q.ExecContext(ctx, `DELETE FROM taggings WHERE account_id = $1 AND entity = $2 AND entity_id = $3`, accountID, entity, id); err != nil {
		return wrap("set tags", err)
	}
	for _, tag := range tags {
		if _, err := t.q.ExecContext(ctx, `INSERT INTO taggings (account_id, entity, entity_id, tag) VALUES ($1, $2, $3, $4)`,
			accountID, entity, id, tag); err != nil {
			return wrap("set tags", err)
		}
	}
	return nil
}

// loadTags returns the tags of several records of one entity, by record id, each list sorted.
func (t *Tx) loadTags(ctx context.Context, accountID int64, entity string, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	a := args{}
	a.add(accountID)
	a.add(entity)
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.add(id)
	}
	rows, err := t.q.QueryContext(ctx, fmt.Sprintf(`SELECT entity_id, tag FROM taggings WHERE account_id = $1 AND entity = $2 AND entity_id IN (%s) ORDER BY entity_id, tag`,
		strings.Join(ph, ", ")), a.list...)
	if err != nil {
		return nil, wrap("load tags", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, wrap("load tags", err)
		}
		out[id] = append(out[id], tag)
	}
	return out, wrap("load tags", rows.Err())
}

// tagFilter returns a condition that the record (column idCol) has every one of tags.
func tagFilter(a *args, entity, idCol string, accountArg string, tags []string) string {
	var conds []string
	for _, tag := range tags {
		conds = append(conds, fmt.Sprintf("EXISTS (SELECT 1 FROM taggings tg WHERE tg.account_id = %s AND tg.entity = %s AND tg.entity_id = %s AND tg.tag = %s)",
			accountArg, a.add(entity), idCol, a.add(tag)))
	}
	return strings.Join(conds, " AND ")
}
