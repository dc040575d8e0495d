package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// InsertAudit appends an entry to the audit log.
func (t *Tx) InsertAudit(ctx context.Context, actor *crm.Actor, e *crm.AuditEntry) error {
	changes, err := changesJSON(e.Changes)
	if err != nil {
		return err
	}
	e.AccountID = actor.AccountID
	err = t.q.QueryRowContext(ctx, `
		INSERT INTO audit_log (account_id, at, user_id, entity, entity_id, action, changes)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		actor.AccountID, e.At.UTC(), nullID(e.UserID), e.Entity, e.EntityID, e.Action, string(changes)).Scan(&e.ID)
	return wrap("insert audit", err)
}

// FindAudit returns the audit entries of one record, oldest first.
func (t *Tx) FindAudit(ctx context.Context, actor *crm.Actor, entity string, entityID int64) ([]*crm.AuditEntry, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, account_id, at, user_id, entity, entity_id, action, changes FROM audit_log
		WHERE account_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY id`, actor.AccountID, entity, entityID)
	if err != nil {
		return nil, wrap("find audit", err)
	}
	defer rows.Close()
	var es []*crm.AuditEntry
	for rows.Next() {
		var e crm.AuditEntry
		var at sql.NullTime
		var user sql.NullInt64
		var changes string
		if err := rows.Scan(&e.ID, &e.AccountID, &at, &user, &e.Entity, &e.EntityID, &e.Action, &changes); err != nil {
			return nil, wrap("find audit", err)
		}
		e.At, e.UserID = utc(at), user.Int64
		if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
			return nil, wrap("find audit", err)
		}
		es = append(es, &e)
	}
	return es, wrap("find audit", rows.Err())
}

// InsertEvent appends a domain event.
func (t *Tx) InsertEvent(ctx context.Context, actor *crm.Actor, e *crm.Event) error {
	payload, err := payloadJSON(e.Payload)
	if err != nil {
		return err
	}
	e.AccountID = actor.AccountID
	err = t.q.QueryRowContext(ctx, `
		INSERT INTO events (account_id, at, type, entity, entity_id, user_id, payload)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		actor.AccountID, e.At.UTC(), e.Type, e.Entity, e.EntityID, nullID(e.UserID), string(payload)).Scan(&e.ID)
	return wrap("insert event", err)
}

// FindEvents returns the account's events after afterID, oldest first.
func (t *Tx) FindEvents(ctx context.Context, actor *crm.Actor, afterID int64, limit int) ([]*crm.Event, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, account_id, at, type, entity, entity_id, user_id, payload FROM events
		WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3`, actor.AccountID, afterID, limit)
	if err != nil {
		return nil, wrap("find events", err)
	}
	defer rows.Close()
	var es []*crm.Event
	for rows.Next() {
		var e crm.Event
		var at sql.NullTime
		var user sql.NullInt64
		var payload string
		if err := rows.Scan(&e.ID, &e.AccountID, &at, &e.Type, &e.Entity, &e.EntityID, &user, &payload); err != nil {
			return nil, wrap("find events", err)
		}
		e.At, e.UserID = utc(at), user.Int64
		if err := json.Unmarshal([]byte(payload), &e.Payload); err != nil {
			return nil, wrap("find events", err)
		}
		es = append(es, &e)
	}
	return es, wrap("find events", rows.Err())
}

// prefixed qualifies every column of a comma-separated list with p ("u.").
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = p + c
	}
	return strings.Join(cols, ", ")
}

// changesJSON and payloadJSON are the stored forms of an audit entry's changes and an event's
// payload, for the row-by-row and the bulk writers alike.
func changesJSON(c map[string]crm.Change) ([]byte, error) {
	if len(c) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(c)
}

func payloadJSON(p map[string]any) ([]byte, error) {
	if len(p) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(p)
}
