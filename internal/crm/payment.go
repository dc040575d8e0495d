package crm

import (
	"context"
	"strings"
	"time"
)

// PaymentPlan is a payment scheduled on a deal (the plan of payments_plan).
type PaymentPlan struct {
	ID        int64
	DealID    int64
	DueOn     Date
	Amount    int64
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Payment is money received for a deal (payments_fact).
type Payment struct {
	ID        int64
	DealID    int64
	InvoiceID int64
	PaidAt    time.Time
	Amount    int64
	Method    string
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
	Version   int64
}

// Invoice is a bill issued for a deal.
type Invoice struct {
	ID        int64
	DealID    int64
	Number    string
	IssuedOn  Date
	DueOn     Date
	Amount    int64
	Status    string // issued, paid, cancelled
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// PaymentFilter selects payments across deals.
type PaymentFilter struct {
	DealID           int64
	Method           string
	PaidFrom, PaidTo time.Time
}

// PaymentStore stores payment plans, payments and invoices. Every method is limited to deals the
// actor may see (by the deal's responsible user).
type PaymentStore interface {
	InsertPaymentPlan(ctx context.Context, actor *Actor, p *PaymentPlan) error
	FindPaymentPlans(ctx context.Context, actor *Actor, dealID int64) ([]*PaymentPlan, error)
	FindPaymentPlan(ctx context.Context, actor *Actor, id int64) (*PaymentPlan, error)
	UpdatePaymentPlan(ctx context.Context, actor *Actor, p *PaymentPlan, expectVersion int64) error
	DeletePaymentPlan(ctx context.Context, actor *Actor, id int64, at time.Time) error
	InsertPayment(ctx context.Context, actor *Actor, p *Payment) error
	FindPayment(ctx context.Context, actor *Actor, id int64, withDeleted bool) (*Payment, error)
	FindPayments(ctx context.Context, actor *Actor, f PaymentFilter, p Page) (*List[*Payment], error)
	SetPaymentDeleted(ctx context.Context, actor *Actor, id int64, at time.Time) error
	InsertInvoice(ctx context.Context, actor *Actor, inv *Invoice) error
	FindInvoices(ctx context.Context, actor *Actor, dealID int64) ([]*Invoice, error)
	FindInvoice(ctx context.Context, actor *Actor, id int64) (*Invoice, error)
	UpdateInvoice(ctx context.Context, actor *Actor, inv *Invoice, expectVersion int64) error
}

// AddPaymentPlan schedules a payment on a deal the actor may see. ENOTFOUND (deal), EINVALID.
func (s *Service) AddPaymentPlan(ctx context.Context, actor *Actor, p *PaymentPlan) error {
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
	return s.store.Write(ctx, func(tx Tx) error {
		if _, err := tx.FindDeal(ctx, actor, p.DealID, false); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = s.Now(), s.Now()
		if err := tx.InsertPaymentPlan(ctx, actor, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "deal", p.DealID, "payment_planned", map[string]Change{"payment_plan": {After: map[string]any{"due_on": p.DueOn.String(), "amount": p.Amount}}})
	})
}

// PaymentPlans lists a deal's schedule, by due date.
func (s *Service) PaymentPlans(ctx context.Context, actor *Actor, dealID int64) ([]*PaymentPlan, error) {
	var out []*PaymentPlan
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.FindDeal(ctx, actor, dealID, false); err != nil {
			return err
		}
		var err error
		out, err = tx.FindPaymentPlans(ctx, actor, dealID)
		return err
	})
	return out, err
}

// RemovePaymentPlan deletes a scheduled payment. ENOTFOUND.
func (s *Service) RemovePaymentPlan(ctx context.Context, actor *Actor, id int64) error {
	return s.store.Write(ctx, func(tx Tx) error {
		p, err := tx.FindPaymentPlan(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := tx.DeletePaymentPlan(ctx, actor, id, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "deal", p.DealID, "payment_unplanned", map[string]Change{"payment_plan": {Before: map[string]any{"due_on": p.DueOn.String(), "amount": p.Amount}}})
	})
}

// RecordPayment records money received for a deal the actor may see; emits payment.received.
// ENOTFOUND (deal), EINVALID.
func (s *Service) RecordPayment(ctx context.Context, actor *Actor, p *Payment) error {
	now := s.Now()
	if p.PaidAt.IsZero() {
		p.PaidAt = now
	}
	p.PaidAt = p.PaidAt.UTC().Truncate(time.Microsecond)
	p.Method = strings.TrimSpace(p.Method)
	var v Validation
	if p.Amount <= 0 {
		v.Add("amount", "out_of_range", "must be more than 0")
	}
	if p.PaidAt.After(now.Add(5 * time.Minute)) {
		v.Add("paid_at", "future", "must not be in the future")
	}
	v.MaxLen("method", p.Method, 100)
	v.MaxLen("note", p.Note, 1000)
	return s.store.Write(ctx, func(tx Tx) error {
		if _, err := tx.FindDeal(ctx, actor, p.DealID, false); err != nil {
			return err
		}
		if p.InvoiceID != 0 {
			if inv, err := tx.FindInvoice(ctx, actor, p.InvoiceID); err != nil || inv.DealID != p.DealID {
				v.Add("invoice_id", "unknown", "no such invoice of this deal")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = now, now
		if err := tx.InsertPayment(ctx, actor, p); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "payment", p.ID, "create", map[string]Change{"amount": {After: p.Amount}, "paid_at": {After: p.PaidAt}}); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "payment.received", "deal", p.DealID, map[string]any{"payment_id": p.ID, "amount": p.Amount})
	})
}

// Payments returns a page of payments on deals the actor may see, newest first.
func (s *Service) Payments(ctx context.Context, actor *Actor, f PaymentFilter, p Page) (*List[*Payment], error) {
	p.Normalize()
	var l *List[*Payment]
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = tx.FindPayments(ctx, actor, f, p)
		return err
	})
	return l, err
}

// DeletePayment soft-deletes a payment (a mistaken entry); RestorePayment brings it back.
func (s *Service) DeletePayment(ctx context.Context, actor *Actor, id int64) error {
	return s.setPaymentDeleted(ctx, actor, id, true)
}

// RestorePayment restores a deleted payment.
func (s *Service) RestorePayment(ctx context.Context, actor *Actor, id int64) error {
	return s.setPaymentDeleted(ctx, actor, id, false)
}

func (s *Service) setPaymentDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		p, err := tx.FindPayment(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if del == !p.DeletedAt.IsZero() {
			return nil
		}
		at, action := s.Now(), "delete"
		if !del {
			at, action = time.Time{}, "restore"
		}
		if err := tx.SetPaymentDeleted(ctx, actor, id, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "payment", id, action, nil)
	})
}

// IssueInvoice issues an invoice for a deal the actor may see. EINVALID, ECONFLICT (number taken).
func (s *Service) IssueInvoice(ctx context.Context, actor *Actor, inv *Invoice) error {
	inv.Number = strings.TrimSpace(inv.Number)
	inv.Status = "issued"
	var v Validation
	if v.Required("number", inv.Number) {
		v.MaxLen("number", inv.Number, 100)
	}
	if inv.Amount < 0 {
		v.Add("amount", "negative", "must not be negative")
	}
	if inv.IssuedOn.IsZero() {
		inv.IssuedOn = DateOf(s.Now())
	}
	if !inv.DueOn.IsZero() && inv.DueOn.Before(inv.IssuedOn) {
		v.Add("due_on", "order", "must not be before issued_on")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if _, err := tx.FindDeal(ctx, actor, inv.DealID, false); err != nil {
			return err
		}
		inv.CreatedAt, inv.UpdatedAt = s.Now(), s.Now()
		if err := tx.InsertInvoice(ctx, actor, inv); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "invoice", inv.ID, "create", map[string]Change{"number": {After: inv.Number}, "amount": {After: inv.Amount}})
	})
}

// Invoices lists a deal's invoices.
func (s *Service) Invoices(ctx context.Context, actor *Actor, dealID int64) ([]*Invoice, error) {
	var out []*Invoice
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.FindDeal(ctx, actor, dealID, false); err != nil {
			return err
		}
		var err error
		out, err = tx.FindInvoices(ctx, actor, dealID)
		return err
	})
	return out, err
}

// SetInvoiceStatus marks an invoice issued, paid or cancelled. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) SetInvoiceStatus(ctx context.Context, actor *Actor, id int64, status string, version *int64) (*Invoice, error) {
	if status != "issued" && status != "paid" && status != "cancelled" {
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "status", Code: "one_of", Message: "must be issued, paid or cancelled"}}}
	}
	var inv *Invoice
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if inv, err = tx.FindInvoice(ctx, actor, id); err != nil {
			return err
		}
		if err := checkVersion(version, inv.Version); err != nil {
			return err
		}
		if inv.Status == status {
			return nil
		}
		before := inv.Status
		inv.Status, inv.UpdatedAt = status, s.Now()
		if err := tx.UpdateInvoice(ctx, actor, inv, inv.Version); err != nil {
			return err
		}
		inv.Version++
		return s.audit(ctx, tx, actor, "invoice", id, "update", map[string]Change{"status": {Before: before, After: status}})
	})
	return inv, err
}

// Receivable is what a deal owes on a day: planned to date, paid to date, and overdue.
type Receivable struct {
	DealID        int64
	PlannedToDate int64 // Σ scheduled payments due on or before the day
	PaidToDate    int64 // Σ payments received up to the end of the day
	Overdue       int64 // max(0, planned due before the day − paid to date)
}

// ReceivablesOf computes a deal's receivable on asOf from its schedule and payments. Payments cover
// scheduled entries in due-date order, so what is overdue is the part of the entries due strictly
// before asOf that the payments received by the end of asOf do not cover.
func ReceivablesOf(dealID int64, plans []*PaymentPlan, payments []*Payment, asOf Date, loc *time.Location) Receivable {
	r := Receivable{DealID: dealID}
	var dueBefore int64
	for _, p := range plans {
		if !asOf.Before(p.DueOn) {
			r.PlannedToDate += p.Amount
		}
		if p.DueOn.Before(asOf) {
			dueBefore += p.Amount
		}
	}
	end := asOf.AddDays(1).In(loc)
	for _, p := range payments {
		if p.DeletedAt.IsZero() && p.PaidAt.Before(end) {
			r.PaidToDate += p.Amount
		}
	}
	r.Overdue = max(0, dueBefore-r.PaidToDate)
	return r
}
