package crm

import (
	"context"
	"slices"
	"strings"
	"time"
)

func validateTask(v *Validation, t *Task) {
	if !slices.Contains(TaskTypes, t.Type) {
		v.Add("type", "one_of", "must be one of "+strings.Join(TaskTypes, ", "))
	}
	if v.Required("title", t.Title) {
		v.MaxLen("title", t.Title, 500)
	}
	v.MaxLen("description", t.Description, 10000)
	v.MaxLen("result", t.Result, 5000)
	if t.DueAt.IsZero() {
		v.Add("due_at", "required", "must be a date and time")
	}
}

func (s *Service) checkLinks(ctx context.Context, tx Tx, actor *Actor, v *Validation, deal, contact, company int64) {
	if deal != 0 {
		if _, err := tx.FindDeal(ctx, actor, deal, false); err != nil { // only a deal the actor sees
			v.Add("deal_id", "unknown", "no such deal in this account")
		}
	}
	s.checkRef(ctx, tx, actor, v, "contact_id", "contacts", contact)
	s.checkRef(ctx, tx, actor, v, "company_id", "companies", company)
}

// CreateTask adds a task. A manager sets tasks for themselves, a head for the team. EINVALID,
// EFORBIDDEN (history by a non-administrator).
func (s *Service) CreateTask(ctx context.Context, actor *Actor, in TaskInput) (*Task, error) {
	if (!in.CreatedAt.IsZero() || !in.DoneAt.IsZero()) && !actor.IsAdmin() {
		return nil, Errorf(EFORBIDDEN, "Only an administrator may set created_at or done_at (migrating history).")
	}
	now := s.Now()
	t := &Task{Type: in.Type, Title: strings.TrimSpace(in.Title), Description: in.Description, DealID: in.DealID, ContactID: in.ContactID,
		CompanyID: in.CompanyID, DueAt: in.DueAt.UTC().Truncate(time.Microsecond), Result: in.Result, CreatedBy: actor.UserID,
		CreatedAt: now, UpdatedAt: now, ExternalSource: in.ExternalSource, ExternalID: in.ExternalID}
	if t.Type == "" {
		t.Type = "follow_up"
	}
	if !in.CreatedAt.IsZero() {
		t.CreatedAt = in.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	if !in.DoneAt.IsZero() {
		t.DoneAt = in.DoneAt.UTC().Truncate(time.Microsecond)
	}
	var v Validation
	validateTask(&v, t)
	if (t.ExternalSource == "") != (t.ExternalID == "") {
		v.Add("external_id", "required", "external_source and external_id go together")
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		t.ResponsibleID = cmp(in.ResponsibleID, actor.UserID)
		s.checkResponsible(ctx, tx, actor, &v, t.ResponsibleID)
		s.checkLinks(ctx, tx, actor, &v, t.DealID, t.ContactID, t.CompanyID)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.InsertTask(ctx, actor, t); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "task", t.ID, "create", map[string]Change{"title": {After: t.Title}, "due_at": {After: t.DueAt}, "responsible_id": {After: t.ResponsibleID}}); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "task.created", "task", t.ID, map[string]any{"responsible_id": t.ResponsibleID, "deal_id": t.DealID, "due_at": t.DueAt})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Task returns a task the actor may see. ENOTFOUND.
func (s *Service) Task(ctx context.Context, actor *Actor, id int64) (*Task, error) {
	var t *Task
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		t, err = tx.FindTask(ctx, actor, id, false)
		return err
	})
	return t, err
}

// Tasks returns a page of the tasks the actor may see; Overdue is judged at the service clock.
func (s *Service) Tasks(ctx context.Context, actor *Actor, f TaskFilter, p Page) (*List[*Task], error) {
	p.Normalize()
	if p.Sort != "" && !slices.Contains(TaskSorts, p.Sort) {
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "sort", Code: "one_of", Message: "must be one of " + strings.Join(TaskSorts, ", ")}}}
	}
	var l *List[*Task]
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = tx.FindTasks(ctx, actor, f, s.Now(), p)
		return err
	})
	return l, err
}

// UpdateTask changes a task the actor may see. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateTask(ctx context.Context, actor *Actor, id int64, upd TaskUpdate) (*Task, error) {
	return s.changeTask(ctx, actor, id, upd.Version, "update", func(tx Tx, t *Task, v *Validation) {
		set(&t.Type, upd.Type)
		set(&t.Title, upd.Title)
		set(&t.Description, upd.Description)
		set(&t.Result, upd.Result)
		set(&t.DealID, upd.DealID)
		set(&t.ContactID, upd.ContactID)
		set(&t.CompanyID, upd.CompanyID)
		if upd.DueAt != nil {
			t.DueAt = upd.DueAt.UTC().Truncate(time.Microsecond)
		}
		if upd.DealID != nil || upd.ContactID != nil || upd.CompanyID != nil {
			s.checkLinks(ctx, tx, actor, v, t.DealID, t.ContactID, t.CompanyID)
		}
		if upd.ResponsibleID != nil && *upd.ResponsibleID != t.ResponsibleID {
			t.ResponsibleID = *upd.ResponsibleID
			s.checkResponsible(ctx, tx, actor, v, t.ResponsibleID)
		}
	})
}

// CompleteTask marks a task done now with a result; completing a done task changes nothing.
func (s *Service) CompleteTask(ctx context.Context, actor *Actor, id int64, result string) (*Task, error) {
	return s.changeTask(ctx, actor, id, nil, "complete", func(_ Tx, t *Task, _ *Validation) {
		if t.DoneAt.IsZero() {
			t.DoneAt, t.Result = s.Now(), result
		}
	})
}

// ReopenTask marks a done task not done.
func (s *Service) ReopenTask(ctx context.Context, actor *Actor, id int64) (*Task, error) {
	return s.changeTask(ctx, actor, id, nil, "reopen", func(_ Tx, t *Task, _ *Validation) { t.DoneAt = time.Time{} })
}

func (s *Service) changeTask(ctx context.Context, actor *Actor, id int64, version *int64, action string, apply func(Tx, *Task, *Validation)) (*Task, error) {
	var t *Task
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if t, err = tx.FindTask(ctx, actor, id, false); err != nil {
			return err
		}
		if err := checkVersion(version, t.Version); err != nil {
			return err
		}
		before := *t
		var v Validation
		apply(tx, t, &v)
		t.Title = strings.TrimSpace(t.Title)
		validateTask(&v, t)
		if err := v.Err(); err != nil {
			return err
		}
		ch := map[string]Change{}
		diff(ch, "type", before.Type, t.Type)
		diff(ch, "title", before.Title, t.Title)
		diff(ch, "description", before.Description, t.Description)
		diff(ch, "result", before.Result, t.Result)
		diff(ch, "deal_id", before.DealID, t.DealID)
		diff(ch, "contact_id", before.ContactID, t.ContactID)
		diff(ch, "company_id", before.CompanyID, t.CompanyID)
		diff(ch, "responsible_id", before.ResponsibleID, t.ResponsibleID)
		diff(ch, "due_at", before.DueAt, t.DueAt)
		diff(ch, "done_at", before.DoneAt, t.DoneAt)
		if len(ch) == 0 {
			return nil
		}
		t.UpdatedAt = s.Now()
		if err := tx.UpdateTask(ctx, actor, t, before.Version); err != nil {
			return err
		}
		t.Version = before.Version + 1
		if err := s.audit(ctx, tx, actor, "task", t.ID, action, ch); err != nil {
			return err
		}
		if before.DoneAt.IsZero() && !t.DoneAt.IsZero() {
			return s.emit(ctx, tx, actor, "task.done", "task", t.ID, map[string]any{"responsible_id": t.ResponsibleID, "deal_id": t.DealID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTask soft-deletes a task; RestoreTask brings it back.
func (s *Service) DeleteTask(ctx context.Context, actor *Actor, id int64) error {
	return s.setTaskDeleted(ctx, actor, id, true)
}

// RestoreTask restores a soft-deleted task.
func (s *Service) RestoreTask(ctx context.Context, actor *Actor, id int64) error {
	return s.setTaskDeleted(ctx, actor, id, false)
}

func (s *Service) setTaskDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		t, err := tx.FindTask(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if del == !t.DeletedAt.IsZero() {
			return nil
		}
		at, action := s.Now(), "delete"
		if !del {
			at, action = time.Time{}, "restore"
		}
		if err := tx.SetTaskDeleted(ctx, actor, id, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "task", id, action, nil)
	})
}
