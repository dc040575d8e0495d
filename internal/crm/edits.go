package crm

import (
	"context"
	"slices"
	"strings"
	"time"
)

// EditStore has the remaining edits of payment plans, complaints, NPS answers, spend and costs.
type EditStore interface {
	// FindSpendEntry and FindCost return a live entry of the account; ENOTFOUND.
	FindSpendEntry(ctx context.Context, actor *Actor, id int64) (*SpendEntry, error)
	UpdateSpend(ctx context.Context, actor *Actor, e *SpendEntry, expectVersion int64) error
	FindCost(ctx context.Context, actor *Actor, id int64) (*CRMCost, error)
	UpdateCost(ctx context.Context, actor *Actor, c *CRMCost, expectVersion int64) error
	SetComplaintDeleted(ctx context.Context, actor *Actor, id int64, at time.Time) error
	// DeleteNPS soft-deletes an answer of a contact the actor may see; ENOTFOUND.
	DeleteNPS(ctx context.Context, actor *Actor, id int64, at time.Time) error
}

// UpdatePaymentPlan changes a scheduled payment. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdatePaymentPlan(ctx context.Context, actor *Actor, id int64, dueOn *Date, amount *int64, note *string, version *int64) (*PaymentPlan, error) {
	var p *PaymentPlan
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.FindPaymentPlan(ctx, actor, id); err != nil {
			return err
		}
		if err := checkVersion(version, p.Version); err != nil {
			return err
		}
		before := *p
		set(&p.DueOn, dueOn)
		set(&p.Amount, amount)
		set(&p.Note, note)
		var v Validation
		if p.Amount <= 0 {
			v.Add("amount", "out_of_range", "must be more than 0")
		}
		if p.DueOn.IsZero() {
			v.Add("due_on", "required", "must be a date")
		}
		v.MaxLen("note", p.Note, 1000)
		if err := v.Err(); err != nil {
			return err
		}
		ch := map[string]Change{}
		diff(ch, "due_on", before.DueOn.String(), p.DueOn.String())
		diff(ch, "amount", before.Amount, p.Amount)
		diff(ch, "note", before.Note, p.Note)
		if len(ch) == 0 {
			return nil
		}
		p.UpdatedAt = s.Now()
		if err := tx.UpdatePaymentPlan(ctx, actor, p, before.Version); err != nil {
			return err
		}
		p.Version++
		return s.audit(ctx, tx, actor, "payment_plan", id, "update", ch)
	})
	return p, err
}

// UpdateComplaint changes a complaint's category, text or responsible user. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateComplaint(ctx context.Context, actor *Actor, id int64, category, text *string, responsibleID, version *int64) (*Complaint, error) {
	var c *Complaint
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindComplaint(ctx, actor, id, false); err != nil {
			return err
		}
		if err := checkVersion(version, c.Version); err != nil {
			return err
		}
		before := *c
		set(&c.Category, category)
		set(&c.Text, text)
		c.Text = strings.TrimSpace(c.Text)
		var v Validation
		if v.Required("text", c.Text) {
			v.MaxLen("text", c.Text, 20000)
		}
		v.MaxLen("category", c.Category, 200)
		if responsibleID != nil && *responsibleID != c.ResponsibleID {
			c.ResponsibleID = *responsibleID
			s.checkResponsible(ctx, tx, actor, &v, c.ResponsibleID)
		}
		if err := v.Err(); err != nil {
			return err
		}
		ch := map[string]Change{}
		diff(ch, "category", before.Category, c.Category)
		diff(ch, "text", before.Text, c.Text)
		diff(ch, "responsible_id", before.ResponsibleID, c.ResponsibleID)
		if len(ch) == 0 {
			return nil
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateComplaint(ctx, actor, c, before.Version); err != nil {
			return err
		}
		c.Version++
		return s.audit(ctx, tx, actor, "complaint", id, "update", ch)
	})
	return c, err
}

// DeleteComplaint soft-deletes a complaint; RestoreComplaint brings it back.
func (s *Service) DeleteComplaint(ctx context.Context, actor *Actor, id int64) error {
	return s.setComplaintDeleted(ctx, actor, id, true)
}

// RestoreComplaint restores a deleted complaint.
func (s *Service) RestoreComplaint(ctx context.Context, actor *Actor, id int64) error {
	return s.setComplaintDeleted(ctx, actor, id, false)
}

func (s *Service) setComplaintDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		c, err := tx.FindComplaint(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if del == !c.DeletedAt.IsZero() {
			return nil
		}
		at, action := s.Now(), "delete"
		if !del {
			at, action = time.Time{}, "restore"
		}
		if err := tx.SetComplaintDeleted(ctx, actor, id, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "complaint", id, action, nil)
	})
}

// DeleteNPS removes an answer recorded by mistake. ENOTFOUND.
func (s *Service) DeleteNPS(ctx context.Context, actor *Actor, id int64) error {
	return s.store.Write(ctx, func(tx Tx) error {
		if err := tx.DeleteNPS(ctx, actor, id, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "nps_answer", id, "delete", nil)
	})
}

// UpdateSpend changes a spend entry. Administrators and heads. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateSpend(ctx context.Context, actor *Actor, id int64, startsOn, endsOn *Date, amount *int64, note *string, version *int64) (*SpendEntry, error) {
	if err := headOrAdmin(actor); err != nil {
		return nil, err
	}
	var e *SpendEntry
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if e, err = tx.FindSpendEntry(ctx, actor, id); err != nil {
			return err
		}
		if err := checkVersion(version, e.Version); err != nil {
			return err
		}
		before := *e
		set(&e.StartsOn, startsOn)
		set(&e.EndsOn, endsOn)
		set(&e.Amount, amount)
		set(&e.Note, note)
		var v Validation
		if e.EndsOn.Before(e.StartsOn) {
			v.Add("ends_on", "order", "must not be before starts_on")
		}
		if e.Amount < 0 {
			v.Add("amount", "negative", "must not be negative")
		}
		v.MaxLen("note", e.Note, 1000)
		if err := v.Err(); err != nil {
			return err
		}
		ch := map[string]Change{}
		diff(ch, "starts_on", before.StartsOn.String(), e.StartsOn.String())
		diff(ch, "ends_on", before.EndsOn.String(), e.EndsOn.String())
		diff(ch, "amount", before.Amount, e.Amount)
		diff(ch, "note", before.Note, e.Note)
		if len(ch) == 0 {
			return nil
		}
		e.UpdatedAt = s.Now()
		if err := tx.UpdateSpend(ctx, actor, e, before.Version); err != nil {
			return err
		}
		e.Version++
		return s.audit(ctx, tx, actor, "marketing_spend", id, "update", ch)
	})
	return e, err
}

// CostUpdate changes a CRM cost entry; nil fields stay.
type CostUpdate struct {
	Category, Recurrence, Note *string
	IncurredOn, EndsOn         *Date
	Amount                     *int64
	Acquisition                *bool
	Version                    *int64
}

// UpdateCost changes a CRM cost entry. Administrators only. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateCost(ctx context.Context, actor *Actor, id int64, upd CostUpdate) (*CRMCost, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var c *CRMCost
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindCost(ctx, actor, id); err != nil {
			return err
		}
		if err := checkVersion(upd.Version, c.Version); err != nil {
			return err
		}
		before := *c
		set(&c.Category, upd.Category)
		set(&c.Recurrence, upd.Recurrence)
		set(&c.Note, upd.Note)
		set(&c.IncurredOn, upd.IncurredOn)
		set(&c.EndsOn, upd.EndsOn)
		set(&c.Amount, upd.Amount)
		set(&c.Acquisition, upd.Acquisition)
		var v Validation
		if !slices.Contains(CostCategories, c.Category) {
			v.Add("category", "one_of", "must be one of the cost categories")
		}
		if c.Recurrence != "one_off" && c.Recurrence != "monthly" {
			v.Add("recurrence", "one_of", "must be one_off or monthly")
		}
		if !c.EndsOn.IsZero() && (c.Recurrence != "monthly" || c.EndsOn.Before(c.IncurredOn)) {
			v.Add("ends_on", "invalid", "only a monthly cost ends, not before it starts")
		}
		if c.Amount < 0 {
			v.Add("amount", "negative", "must not be negative")
		}
		if err := v.Err(); err != nil {
			return err
		}
		ch := map[string]Change{}
		diff(ch, "category", before.Category, c.Category)
		diff(ch, "recurrence", before.Recurrence, c.Recurrence)
		diff(ch, "incurred_on", before.IncurredOn.String(), c.IncurredOn.String())
		diff(ch, "ends_on", before.EndsOn.String(), c.EndsOn.String())
		diff(ch, "amount", before.Amount, c.Amount)
		diff(ch, "acquisition", before.Acquisition, c.Acquisition)
		diff(ch, "note", before.Note, c.Note)
		if len(ch) == 0 {
			return nil
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateCost(ctx, actor, c, before.Version); err != nil {
			return err
		}
		c.Version++
		return s.audit(ctx, tx, actor, "crm_cost", id, "update", ch)
	})
	return c, err
}
