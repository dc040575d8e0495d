package crm

import (
	"context"
	"strings"
	"time"
)

// LogActivity records a call, e-mail, meeting, message or note. It is logged by the actor, or,
// for an administrator, on behalf of another user (UserID). EINVALID.
func (s *Service) LogActivity(ctx context.Context, actor *Actor, a *Activity) error {
	now := s.Now()
	if a.UserID == 0 || !actor.IsAdmin() {
		a.UserID = actor.UserID
	}
	if a.At.IsZero() {
		a.At = now
	}
	a.At = a.At.UTC().Truncate(time.Microsecond)
	a.Channel = strings.ToLower(strings.TrimSpace(a.Channel))
	a.CreatedAt, a.UpdatedAt = now, now
	var v Validation
	validateActivity(&v, a, now)
	return s.store.Write(ctx, func(tx Tx) error {
		s.checkLinks(ctx, tx, actor, &v, a.DealID, a.ContactID, a.CompanyID)
		if a.UserID != actor.UserID {
			if u, err := tx.FindUser(ctx, actor, a.UserID); err != nil || !u.Active {
				v.Add("user_id", "unknown", "no such active user in this account")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.InsertActivity(ctx, actor, a); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "activity", a.ID, "create", map[string]Change{"kind": {After: a.Kind}, "at": {After: a.At}}); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "activity.logged", "activity", a.ID, map[string]any{"kind": a.Kind, "direction": a.Direction, "deal_id": a.DealID, "touch": a.IsTouch()})
	})
}

// Activity returns an activity the actor may see. ENOTFOUND.
func (s *Service) Activity(ctx context.Context, actor *Actor, id int64) (*Activity, error) {
	var a *Activity
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		a, err = tx.FindActivity(ctx, actor, id, false)
		return err
	})
	return a, err
}

// Activities returns a page of the activities the actor may see, newest first unless sorted.
func (s *Service) Activities(ctx context.Context, actor *Actor, f ActivityFilter, p Page) (*List[*Activity], error) {
	p.Normalize()
	var l *List[*Activity]
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = tx.FindActivities(ctx, actor, f, p)
		return err
	})
	return l, err
}

// UpdateActivity changes an activity. Only its author (or an administrator) may. EFORBIDDEN,
// ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateActivity(ctx context.Context, actor *Actor, id int64, upd ActivityUpdate) (*Activity, error) {
	var a *Activity
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if a, err = tx.FindActivity(ctx, actor, id, false); err != nil {
			return err
		}
		if a.UserID != actor.UserID && !actor.IsAdmin() {
			return Errorf(EFORBIDDEN, "Only its author or an administrator may change an activity.")
		}
		if err := checkVersion(upd.Version, a.Version); err != nil {
			return err
		}
		before := *a
		set(&a.Direction, upd.Direction)
		set(&a.Result, upd.Result)
		set(&a.Subject, upd.Subject)
		set(&a.Body, upd.Body)
		set(&a.Channel, upd.Channel)
		set(&a.RecordingURL, upd.RecordingURL)
		set(&a.DurationSeconds, upd.DurationSeconds)
		if upd.At != nil {
			a.At = upd.At.UTC().Truncate(time.Microsecond)
		}
		var v Validation
		validateActivity(&v, a, s.Now())
		if err := v.Err(); err != nil {
			return err
		}
		ch := map[string]Change{}
		diff(ch, "direction", before.Direction, a.Direction)
		diff(ch, "result", before.Result, a.Result)
		diff(ch, "subject", before.Subject, a.Subject)
		diff(ch, "body", before.Body, a.Body)
		diff(ch, "channel", before.Channel, a.Channel)
		diff(ch, "recording_url", before.RecordingURL, a.RecordingURL)
		diff(ch, "duration_seconds", before.DurationSeconds, a.DurationSeconds)
		diff(ch, "at", before.At, a.At)
		if len(ch) == 0 {
			return nil
		}
		a.UpdatedAt = s.Now()
		if err := tx.UpdateActivity(ctx, actor, a, before.Version); err != nil {
			return err
		}
		a.Version = before.Version + 1
		return s.audit(ctx, tx, actor, "activity", a.ID, "update", ch)
	})
	return a, err
}

// DeleteActivity soft-deletes an activity (its author or an administrator); RestoreActivity brings it back.
func (s *Service) DeleteActivity(ctx context.Context, actor *Actor, id int64) error {
	return s.setActivityDeleted(ctx, actor, id, true)
}

// RestoreActivity restores a soft-deleted activity.
func (s *Service) RestoreActivity(ctx context.Context, actor *Actor, id int64) error {
	return s.setActivityDeleted(ctx, actor, id, false)
}

func (s *Service) setActivityDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		a, err := tx.FindActivity(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if a.UserID != actor.UserID && !actor.IsAdmin() {
			return Errorf(EFORBIDDEN, "Only its author or an administrator may delete an activity.")
		}
		if del == !a.DeletedAt.IsZero() {
			return nil
		}
		at, action := s.Now(), "delete"
		if !del {
			at, action = time.Time{}, "restore"
		}
		if err := tx.SetActivityDeleted(ctx, actor, id, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "activity", id, action, nil)
	})
}
