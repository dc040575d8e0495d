package crm

import (
	"context"
	"time"
)

// AuditEntry records one write: who did what to which record, and each changed field's value
// before and after.
type AuditEntry struct {
	ID        int64
	AccountID int64
	At        time.Time
	UserID    int64 // 0: Voronka itself
	Entity    string
	EntityID  int64
	Action    string // create, update, delete, restore, merge, login, revoke…
	Changes   map[string]Change
}

// Change is one field's value before and after a write.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Event is a domain event (deal created, stage changed, task done…), stored in the same transaction
// as the write that caused it, for automation to consume.
type Event struct {
	ID        int64
	AccountID int64
	At        time.Time
	Type      string
	Entity    string
	EntityID  int64
	UserID    int64
	Payload   map[string]any
}

// AuditStore appends to the audit log and the event log.
type AuditStore interface {
	// InsertAudit appends e to the audit log of the actor's account.
	InsertAudit(ctx context.Context, actor *Actor, e *AuditEntry) error
	// FindAudit returns the audit entries of one record, oldest first.
	FindAudit(ctx context.Context, actor *Actor, entity string, entityID int64) ([]*AuditEntry, error)
	// InsertEvent appends e to the event log of the actor's account.
	InsertEvent(ctx context.Context, actor *Actor, e *Event) error
	// FindEvents returns the account's events with an id above afterID, oldest first, at most limit.
	FindEvents(ctx context.Context, actor *Actor, afterID int64, limit int) ([]*Event, error)
}

// diff adds to changes the field whose value differs between before and after.
func diff[T comparable](changes map[string]Change, field string, before, after T) {
	if before != after {
		changes[field] = Change{Before: before, After: after}
	}
}
