package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// viaDeal is the condition that the row x's deal is live and visible to the actor.
func viaDeal(a *args, actor *crm.Actor, acc string) string {
	vis, vargs := visible(actor, "d.responsible_id", a.next())
	a.addAll(vargs)
	return "EXISTS (SELECT 1 FROM deals d WHERE d.account_id = " + acc + " AND d.id = x.deal_id AND d.deleted_at IS NULL AND " + vis + ")"
}

// InsertPaymentPlan stores a scheduled payment.
func (t *Tx) InsertPaymentPlan(ctx context.Context, actor *crm.Actor, p *crm.PaymentPlan) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO payment_plans (account_id, deal_id, due_on, amount, note, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 1) RETURNING id, version`,
		actor.AccountID, p.DealID, p.DueOn, p.Amount, p.Note, p.CreatedAt.UTC(), p.UpdatedAt.UTC()).Scan(&p.ID, &p.Version)
	return wrap("insert payment plan", err)
}

func (t *Tx) findPaymentPlans(ctx context.Context, actor *crm.Actor, cond string, arg int64) ([]*crm.PaymentPlan, error) {
	a := &args{}
	acc := a.add(actor.AccountID)
	c := a.add(arg)
	q := `SELECT x.id, x.deal_id, x.due_on, x.amount, x.note, x.created_at, x.updated_at, x.version FROM payment_plans x
		WHERE x.account_id = ` + acc + ` AND x.deleted_at IS NULL AND ` + cond + ` = ` + c + ` AND ` + viaDeal(a, actor, acc) + ` ORDER BY x.due_on, x.id`
	rows, err := t.q.QueryContext(ctx, q, a.list...)
	if err != nil {
		return nil, wrap("find payment plans", err)
	}
	defer rows.Close()
	out := []*crm.PaymentPlan{}
	for rows.Next() {
		var p crm.PaymentPlan
		var created, updated sql.NullTime
		if err := rows.Scan(&p.ID, &p.DealID, &p.DueOn, &p.Amount, &p.Note, &created, &updated, &p.Version); err != nil {
			return nil, wrap("find payment plans", err)
		}
		p.CreatedAt, p.UpdatedAt = utc(created), utc(updated)
		out = append(out, &p)
	}
	return out, wrap("find payment plans", rows.Err())
}

// FindPaymentPlans returns a deal's schedule by due date.
func (t *Tx) FindPaymentPlans(ctx context.Context, actor *crm.Actor, dealID int64) ([]*crm.PaymentPlan, error) {
	return t.findPaymentPlans(ctx, actor, "x.deal_id", dealID)
}

// FindPaymentPlan returns a scheduled payment on a deal the actor may see.
func (t *Tx) FindPaymentPlan(ctx context.Context, actor *crm.Actor, id int64) (*crm.PaymentPlan, error) {
	ps, err := t.findPaymentPlans(ctx, actor, "x.id", id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, crm.Errorf(crm.ENOTFOUND, "Payment plan %d not found.", id)
	}
	return ps[0], nil
}

// UpdatePaymentPlan stores a scheduled payment when its version is expectVersion.
func (t *Tx) UpdatePaymentPlan(ctx context.Context, actor *crm.Actor, p *crm.PaymentPlan, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE payment_plans SET due_on = $1, amount = $2, note = $3, updated_at = $4, version = version + 1
		WHERE account_id = $5 AND id = $6 AND version = $7`, p.DueOn, p.Amount, p.Note, p.UpdatedAt.UTC(), actor.AccountID, p.ID, expectVersion)
	if err != nil {
		return wrap("update payment plan", err)
	}
	return checkVersioned(res, "Payment plan", p.ID)
}

// DeletePaymentPlan soft-deletes a scheduled payment.
func (t *Tx) DeletePaymentPlan(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE payment_plans SET deleted_at = $1 WHERE account_id = $2 AND id = $3`, at.UTC(), actor.AccountID, id)
	return wrap("delete payment plan", err)
}

const paymentColumns = `x.id, x.deal_id, x.invoice_id, x.paid_at, x.amount, x.method, x.note, x.created_at, x.updated_at, x.deleted_at, x.version`

// InsertPayment stores a payment.
func (t *Tx) InsertPayment(ctx context.Context, actor *crm.Actor, p *crm.Payment) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO payments (account_id, deal_id, invoice_id, paid_at, amount, method, note, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id, version`,
		actor.AccountID, p.DealID, nullID(p.InvoiceID), p.PaidAt.UTC(), p.Amount, p.Method, p.Note, p.CreatedAt.UTC(), p.UpdatedAt.UTC()).Scan(&p.ID, &p.Version)
	return wrap("insert payment", err)
}

// FindPayment returns a payment on a deal the actor may see.
func (t *Tx) FindPayment(ctx context.Context, actor *crm.Actor, id int64, withDeleted bool) (*crm.Payment, error) {
	a := &args{}
	acc := a.add(actor.AccountID)
	q := `SELECT ` + paymentColumns + ` FROM payments x WHERE x.account_id = ` + acc + ` AND x.id = ` + a.add(id) +
		` AND (` + a.add(withDeleted) + ` OR x.deleted_at IS NULL) AND ` + viaDeal(a, actor, acc)
	p, err := scanPayment(t.q.QueryRowContext(ctx, q, a.list...))
	return p, notFound("find payment", err, "Payment", id)
}

// FindPayments returns one page of payments on deals the actor may see, newest first.
func (t *Tx) FindPayments(ctx context.Context, actor *crm.Actor, f crm.PaymentFilter, p crm.Page) (*crm.List[*crm.Payment], error) {
	a := &args{}
	acc := a.add(actor.AccountID)
	conds := []string{"x.account_id = " + acc, "x.deleted_at IS NULL", viaDeal(a, actor, acc)}
	if f.DealID != 0 {
		conds = append(conds, "x.deal_id = "+a.add(f.DealID))
	}
	if f.Method != "" {
		conds = append(conds, "x.method = "+a.add(f.Method))
	}
	if !f.PaidFrom.IsZero() {
		conds = append(conds, "x.paid_at >= "+a.add(f.PaidFrom.UTC()))
	}
	if !f.PaidTo.IsZero() {
		conds = append(conds, "x.paid_at < "+a.add(f.PaidTo.UTC()))
	}
	p.Desc = true
	countArgs := slices.Clone(a.list)
	where, tail, err := pageClause(a, sortKey{"x.paid_at", "time"}, "x.id", p)
	if err != nil {
		return nil, err
	}
	out := &crm.List[*crm.Payment]{Items: []*crm.Payment{}, Total: -1}
	if p.WithTotal {
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments x WHERE `+and(conds...), countArgs...).Scan(&out.Total); err != nil {
			return nil, wrap("count payments", err)
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments x WHERE `+and(append(conds, where)...)+tail, a.list...)
	if err != nil {
		return nil, wrap("find payments", err)
	}
	defer rows.Close()
	for rows.Next() {
		pm, err := scanPayment(rows)
		if err != nil {
			return nil, wrap("find payments", err)
		}
		out.Items = append(out.Items, pm)
	}
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		last := out.Items[len(out.Items)-1]
		out.Next = crm.EncodeCursor(cursorOf(last.PaidAt), last.ID)
	}
	return out, wrap("find payments", rows.Err())
}

// SetPaymentDeleted soft-deletes (at) or restores (zero at) a payment.
func (t *Tx) SetPaymentDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE payments SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3`, nullTime(at), actor.AccountID, id)
	return wrap("delete payment", err)
}

func scanPayment(s scanner) (*crm.Payment, error) {
	var p crm.Payment
	var invoice sql.NullInt64
	var paid, created, updated, deleted sql.NullTime
	if err := s.Scan(&p.ID, &p.DealID, &invoice, &paid, &p.Amount, &p.Method, &p.Note, &created, &updated, &deleted, &p.Version); err != nil {
		return nil, err
	}
	p.InvoiceID = invoice.Int64
	p.PaidAt, p.CreatedAt, p.UpdatedAt, p.DeletedAt = utc(paid), utc(created), utc(updated), utc(deleted)
	return &p, nil
}

const invoiceColumns = `x.id, x.deal_id, x.number, x.issued_on, x.due_on, x.amount, x.status, x.created_at, x.updated_at, x.version`

// InsertInvoice stores an invoice; ECONFLICT when the number is taken in the account.
func (t *Tx) InsertInvoice(ctx context.Context, actor *crm.Actor, inv *crm.Invoice) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO invoices (account_id, deal_id, number, issued_on, due_on, amount, status, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id, version`,
		actor.AccountID, inv.DealID, inv.Number, inv.IssuedOn, inv.DueOn, inv.Amount, inv.Status, inv.CreatedAt.UTC(), inv.UpdatedAt.UTC()).Scan(&inv.ID, &inv.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "An invoice with this number exists.", Fields: []crm.FieldError{{Field: "number", Code: "taken", Message: inv.Number + " is taken"}}}
	}
	return wrap("insert invoice", err)
}

func (t *Tx) findInvoices(ctx context.Context, actor *crm.Actor, col string, v int64) ([]*crm.Invoice, error) {
	a := &args{}
	acc := a.add(actor.AccountID)
	q := `SELECT ` + invoiceColumns + ` FROM invoices x WHERE x.account_id = ` + acc + ` AND x.deleted_at IS NULL AND ` + col + ` = ` + a.add(v) +
		` AND ` + viaDeal(a, actor, acc) + ` ORDER BY x.issued_on, x.id`
	rows, err := t.q.QueryContext(ctx, q, a.list...)
	if err != nil {
		return nil, wrap("find invoices", err)
	}
	defer rows.Close()
	out := []*crm.Invoice{}
	for rows.Next() {
		var inv crm.Invoice
		var created, updated sql.NullTime
		if err := rows.Scan(&inv.ID, &inv.DealID, &inv.Number, &inv.IssuedOn, &inv.DueOn, &inv.Amount, &inv.Status, &created, &updated, &inv.Version); err != nil {
			return nil, wrap("find invoices", err)
		}
		inv.CreatedAt, inv.UpdatedAt = utc(created), utc(updated)
		out = append(out, &inv)
	}
	return out, wrap("find invoices", rows.Err())
}

// FindInvoices returns a deal's invoices.
func (t *Tx) FindInvoices(ctx context.Context, actor *crm.Actor, dealID int64) ([]*crm.Invoice, error) {
	return t.findInvoices(ctx, actor, "x.deal_id", dealID)
}

// FindInvoice returns an invoice of a deal the actor may see.
func (t *Tx) FindInvoice(ctx context.Context, actor *crm.Actor, id int64) (*crm.Invoice, error) {
	is, err := t.findInvoices(ctx, actor, "x.id", id)
	if err != nil {
		return nil, err
	}
	if len(is) == 0 {
		return nil, crm.Errorf(crm.ENOTFOUND, "Invoice %d not found.", id)
	}
	return is[0], nil
}

// UpdateInvoice stores an invoice's status when its version is expectVersion.
func (t *Tx) UpdateInvoice(ctx context.Context, actor *crm.Actor, inv *crm.Invoice, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE invoices SET status = $1, updated_at = $2, version = version + 1 WHERE account_id = $3 AND id = $4 AND version = $5`,
		inv.Status, inv.UpdatedAt.UTC(), actor.AccountID, inv.ID, expectVersion)
	if err != nil {
		return wrap("update invoice", err)
	}
	return checkVersioned(res, "Invoice", inv.ID)
}
