package crm

import (
	"context"
	"strings"
	"time"
)

// Complaint is a client's complaint (рекламация).
type Complaint struct {
	ID            int64
	ContactID     int64
	CompanyID     int64
	DealID        int64
	ResponsibleID int64
	Category      string
	Text          string
	RegisteredAt  time.Time
	ResolvedAt    time.Time
	Resolution    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeletedAt     time.Time
	Version       int64
}

// NPSAnswer is a client's answer to "would you recommend us", 0 to 10.
type NPSAnswer struct {
	ID         int64
	ContactID  int64
	DealID     int64
	Score      int
	Comment    string
	AnsweredAt time.Time
	CreatedAt  time.Time
}

// FeedbackStore stores complaints and NPS answers.
type FeedbackStore interface {
	InsertComplaint(ctx context.Context, actor *Actor, c *Complaint) error
	// FindComplaint returns a complaint the actor may see (by its responsible user); ENOTFOUND.
	FindComplaint(ctx context.Context, actor *Actor, id int64, withDeleted bool) (*Complaint, error)
	FindComplaints(ctx context.Context, actor *Actor, from, to time.Time, openOnly bool, p Page) (*List[*Complaint], error)
	UpdateComplaint(ctx context.Context, actor *Actor, c *Complaint, expectVersion int64) error
	InsertNPS(ctx context.Context, actor *Actor, a *NPSAnswer) error
	// FindNPS returns the answers of contacts the actor may see, answered in [from, to).
	FindNPS(ctx context.Context, actor *Actor, from, to time.Time) ([]*NPSAnswer, error)
}

// RegisterComplaint records a complaint; emits complaint.registered. The client is a contact or a
// company (at least one), optionally a deal, all ones the actor may see. EINVALID.
func (s *Service) RegisterComplaint(ctx context.Context, actor *Actor, c *Complaint) error {
	now := s.Now()
	if !c.RegisteredAt.IsZero() && !actor.IsAdmin() {
		return Errorf(EFORBIDDEN, "Only an administrator may set registered_at (migrating history).")
	}
	if c.RegisteredAt.IsZero() {
		c.RegisteredAt = now
	}
	c.RegisteredAt = c.RegisteredAt.UTC().Truncate(time.Microsecond)
	c.Text, c.Category = strings.TrimSpace(c.Text), strings.TrimSpace(c.Category)
	var v Validation
	if v.Required("text", c.Text) {
		v.MaxLen("text", c.Text, 20000)
	}
	v.MaxLen("category", c.Category, 200)
	if c.ContactID == 0 && c.CompanyID == 0 {
		v.Add("contact_id", "required", "a complaint names its client: a contact or a company")
	}
	return s.store.Write(ctx, func(tx Tx) error {
		c.ResponsibleID = cmp(c.ResponsibleID, actor.UserID)
		s.checkResponsible(ctx, tx, actor, &v, c.ResponsibleID)
		s.checkLinks(ctx, tx, actor, &v, c.DealID, c.ContactID, c.CompanyID)
		if err := v.Err(); err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = now, now
		if err := tx.InsertComplaint(ctx, actor, c); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "complaint", c.ID, "create", map[string]Change{"category": {After: c.Category}}); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "complaint.registered", "complaint", c.ID, map[string]any{"deal_id": c.DealID, "category": c.Category})
	})
}

// Complaint returns a complaint the actor may see. ENOTFOUND.
func (s *Service) Complaint(ctx context.Context, actor *Actor, id int64) (*Complaint, error) {
	var c *Complaint
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		c, err = tx.FindComplaint(ctx, actor, id, false)
		return err
	})
	return c, err
}

// Complaints returns a page of the complaints the actor may see registered in [from, to) (zero
// times: no bound), newest first.
func (s *Service) Complaints(ctx context.Context, actor *Actor, from, to time.Time, openOnly bool, p Page) (*List[*Complaint], error) {
	p.Normalize()
	var l *List[*Complaint]
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = tx.FindComplaints(ctx, actor, from, to, openOnly, p)
		return err
	})
	return l, err
}

// ResolveComplaint marks a complaint resolved now with a resolution. ENOTFOUND, EINVALID.
func (s *Service) ResolveComplaint(ctx context.Context, actor *Actor, id int64, resolution string) (*Complaint, error) {
	var c *Complaint
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindComplaint(ctx, actor, id, false); err != nil {
			return err
		}
		if !c.ResolvedAt.IsZero() {
			return nil
		}
		var v Validation
		if v.Required("resolution", resolution) {
			v.MaxLen("resolution", resolution, 20000)
		}
		if err := v.Err(); err != nil {
			return err
		}
		c.ResolvedAt, c.Resolution, c.UpdatedAt = s.Now(), resolution, s.Now()
		if err := tx.UpdateComplaint(ctx, actor, c, c.Version); err != nil {
			return err
		}
		c.Version++
		return s.audit(ctx, tx, actor, "complaint", id, "resolve", map[string]Change{"resolved_at": {After: c.ResolvedAt}})
	})
	return c, err
}

// RecordNPS records an answer on the 0–10 scale of a contact the actor may see; emits nps.answered.
// EINVALID (score out of 0..10), ENOTFOUND-as-EINVALID on contact_id.
func (s *Service) RecordNPS(ctx context.Context, actor *Actor, a *NPSAnswer) error {
	now := s.Now()
	if a.AnsweredAt.IsZero() {
		a.AnsweredAt = now
	}
	a.AnsweredAt = a.AnsweredAt.UTC().Truncate(time.Microsecond)
	var v Validation
	if a.Score < 0 || a.Score > 10 {
		v.Add("score", "out_of_range", "must be a whole number from 0 to 10")
	}
	v.MaxLen("comment", a.Comment, 5000)
	if a.AnsweredAt.After(now.Add(5 * time.Minute)) {
		v.Add("answered_at", "future", "must not be in the future")
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if a.ContactID == 0 {
			v.Add("contact_id", "required", "an answer belongs to a contact")
		} else if _, err := tx.FindContact(ctx, actor, a.ContactID, false); err != nil {
			v.Add("contact_id", "unknown", "no such contact in this account")
		}
		s.checkLinks(ctx, tx, actor, &v, a.DealID, 0, 0)
		if err := v.Err(); err != nil {
			return err
		}
		a.CreatedAt = now
		if err := tx.InsertNPS(ctx, actor, a); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "nps.answered", "contact", a.ContactID, map[string]any{"score": a.Score, "answer_id": a.ID})
	})
}

// NPSAnswers returns the answers, given in [from, to), of the contacts the actor may see.
func (s *Service) NPSAnswers(ctx context.Context, actor *Actor, from, to time.Time) ([]*NPSAnswer, error) {
	var out []*NPSAnswer
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.FindNPS(ctx, actor, from, to)
		return err
	})
	return out, err
}
