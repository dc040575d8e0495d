package crm

import (
	"context"
	"time"
)

// Service is the one door for writes: the web UI, the API, the importer and automation change data
// only through it. Each write validates its input, checks the actor's permission, stores in one
// transaction, appends to the audit log and records the domain event.
type Service struct {
	store    Store
	now      func() time.Time
	password PasswordParams
}

// NewService returns a Service over store with the real clock and the default password cost.
func NewService(store Store) *Service {
	return &Service{store: store, now: time.Now, password: DefaultPasswordParams}
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetPasswordParams replaces the argon2id cost, for tests.
func (s *Service) SetPasswordParams(p PasswordParams) { s.password = p }

// PasswordParams returns the argon2id cost the service hashes with.
func (s *Service) PasswordParams() PasswordParams { return s.password }

// Now returns the service clock's current time in UTC, truncated to microseconds (what both
// engines store).
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Service) audit(ctx context.Context, tx Tx, actor *Actor, entity string, id int64, action string, changes map[string]Change) error {
	return tx.InsertAudit(ctx, actor, &AuditEntry{
		At: s.Now(), UserID: actor.UserID, Entity: entity, EntityID: id, Action: action, Changes: changes,
	})
}

func (s *Service) emit(ctx context.Context, tx Tx, actor *Actor, typ, entity string, id int64, payload map[string]any) error {
	return tx.InsertEvent(ctx, actor, &Event{
		At: s.Now(), Type: typ, Entity: entity, EntityID: id, UserID: actor.UserID, Payload: payload,
	})
}

func requireAdmin(actor *Actor) error {
	if !actor.IsAdmin() {
		return Errorf(EFORBIDDEN, "Only an administrator may do this.")
	}
	return nil
}

func checkVersion(given *int64, stored int64) error {
	if given != nil && *given != stored {
		return Errorf(ECONFLICT, "The record was changed by someone else (version %d, yours %d): reload it and try again.", stored, *given)
	}
	return nil
}
