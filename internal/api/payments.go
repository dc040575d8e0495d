package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// PaymentPlanOut is a scheduled payment.
type PaymentPlanOut struct {
	ID     int64  `json:"id"`
	DealID int64  `json:"deal_id"`
	DueOn  string `json:"due_on" example:"2026-02-10"`
	Amount int64  `json:"amount" doc:"Minor units"`
	Note   string `json:"note"`
}

// PaymentOut is money received.
type PaymentOut struct {
	ID        int64     `json:"id"`
	DealID    int64     `json:"deal_id"`
	InvoiceID *int64    `json:"invoice_id"`
	PaidAt    time.Time `json:"paid_at"`
	Amount    int64     `json:"amount" doc:"Minor units"`
	Method    string    `json:"method" example:"card"`
	Note      string    `json:"note"`
}

// InvoiceOut is an invoice.
type InvoiceOut struct {
	ID       int64   `json:"id"`
	DealID   int64   `json:"deal_id"`
	Number   string  `json:"number" example:"СЧ-2026-014"`
	IssuedOn string  `json:"issued_on"`
	DueOn    *string `json:"due_on"`
	Amount   int64   `json:"amount"`
	Status   string  `json:"status" enum:"issued,paid,cancelled"`
	Version  int64   `json:"version"`
}

func dateOut(d crm.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func parseDateField(v *crm.Validation, field, s string, required bool) crm.Date {
	if s == "" {
		if required {
			v.Add(field, "required", "must be a date, YYYY-MM-DD")
		}
		return crm.Date{}
	}
	d, err := crm.ParseDate(s)
	if err != nil {
		v.Add(field, "format", err.Error())
	}
	return d
}

func (h *Handlers) registerPayments(a huma.API) {
	huma.Register(a, op("list-payment-plans", http.MethodGet, "/deals/{id}/payment-plans", "A deal's payment schedule", "Payments"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body []PaymentPlanOut }, error) {
		ps, err := h.svc.PaymentPlans(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := []PaymentPlanOut{}
		for _, p := range ps {
			out = append(out, PaymentPlanOut{ID: p.ID, DealID: p.DealID, DueOn: p.DueOn.String(), Amount: p.Amount, Note: p.Note})
		}
		return &struct{ Body []PaymentPlanOut }{out}, nil
	})
	o := op("create-payment-plan", http.MethodPost, "/deals/{id}/payment-plans", "Schedule a payment", "Payments")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			DueOn  string `json:"due_on" doc:"YYYY-MM-DD"`
			Amount int64  `json:"amount" doc:"Minor units, > 0"`
			Note   string `json:"note,omitempty" maxLength:"1000"`
		}
	}) (*struct{ Body PaymentPlanOut }, error) {
		var v crm.Validation
		p := &crm.PaymentPlan{DealID: in.ID, DueOn: parseDateField(&v, "due_on", in.Body.DueOn, true), Amount: in.Body.Amount, Note: in.Body.Note}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		if err := h.svc.AddPaymentPlan(ctx, actorOf(ctx), p); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PaymentPlanOut }{PaymentPlanOut{ID: p.ID, DealID: p.DealID, DueOn: p.DueOn.String(), Amount: p.Amount, Note: p.Note}}, nil
	})
	o = op("delete-payment-plan", http.MethodDelete, "/payment-plans/{id}", "Remove a scheduled payment", "Payments")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RemovePaymentPlan(ctx, actorOf(ctx), in.ID))
	})

	paymentOut := func(p *crm.Payment) PaymentOut {
		return PaymentOut{ID: p.ID, DealID: p.DealID, InvoiceID: idPtr(p.InvoiceID), PaidAt: p.PaidAt, Amount: p.Amount, Method: p.Method, Note: p.Note}
	}
	huma.Register(a, op("list-payments", http.MethodGet, "/payments", "Payments received on the deals you see, newest first", "Payments"), func(ctx context.Context, in *struct {
		DealID   int64  `query:"deal_id"`
		Method   string `query:"method"`
		PaidFrom string `query:"paid_from"`
		PaidTo   string `query:"paid_to"`
		After    string `query:"after"`
		Limit    int    `query:"limit" minimum:"0" maximum:"500"`
	}) (*struct {
		Body struct {
			Items []PaymentOut `json:"items"`
			Next  string       `json:"next"`
		}
	}, error) {
		acc, err := h.svc.Account(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var v crm.Validation
		f := crm.PaymentFilter{DealID: in.DealID, Method: in.Method, PaidFrom: parseInstant(&v, "paid_from", in.PaidFrom, acc), PaidTo: parseInstant(&v, "paid_to", in.PaidTo, acc)}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		l, err := h.svc.Payments(ctx, actorOf(ctx), f, crm.Page{After: in.After, Limit: in.Limit})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := &struct {
			Body struct {
				Items []PaymentOut `json:"items"`
				Next  string       `json:"next"`
			}
		}{}
		out.Body.Items, out.Body.Next = []PaymentOut{}, l.Next
		for _, p := range l.Items {
			out.Body.Items = append(out.Body.Items, paymentOut(p))
		}
		return out, nil
	})
	o = op("record-payment", http.MethodPost, "/deals/{id}/payments", "Record a payment received", "Payments")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Amount    int64      `json:"amount" doc:"Minor units, > 0"`
			PaidAt    *time.Time `json:"paid_at,omitempty" doc:"Default now"`
			Method    string     `json:"method,omitempty" maxLength:"100" example:"card"`
			InvoiceID int64      `json:"invoice_id,omitempty"`
			Note      string     `json:"note,omitempty" maxLength:"1000"`
		}
	}) (*struct{ Body PaymentOut }, error) {
		b := in.Body
		p := &crm.Payment{DealID: in.ID, Amount: b.Amount, Method: b.Method, InvoiceID: b.InvoiceID, Note: b.Note}
		if b.PaidAt != nil {
			p.PaidAt = *b.PaidAt
		}
		if err := h.svc.RecordPayment(ctx, actorOf(ctx), p); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PaymentOut }{paymentOut(p)}, nil
	})
	o = op("delete-payment", http.MethodDelete, "/payments/{id}", "Delete a payment entered by mistake (restorable)", "Payments")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeletePayment(ctx, actorOf(ctx), in.ID))
	})
	o = op("restore-payment", http.MethodPost, "/payments/{id}/restore", "Restore a deleted payment", "Payments")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestorePayment(ctx, actorOf(ctx), in.ID))
	})

	invoiceOut := func(i *crm.Invoice) InvoiceOut {
		return InvoiceOut{ID: i.ID, DealID: i.DealID, Number: i.Number, IssuedOn: i.IssuedOn.String(), DueOn: dateOut(i.DueOn), Amount: i.Amount, Status: i.Status, Version: i.Version}
	}
	huma.Register(a, op("list-invoices", http.MethodGet, "/deals/{id}/invoices", "A deal's invoices", "Payments"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body []InvoiceOut }, error) {
		is, err := h.svc.Invoices(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := []InvoiceOut{}
		for _, i := range is {
			out = append(out, invoiceOut(i))
		}
		return &struct{ Body []InvoiceOut }{out}, nil
	})
	o = op("issue-invoice", http.MethodPost, "/deals/{id}/invoices", "Issue an invoice", "Payments")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Number   string `json:"number" maxLength:"100"`
			IssuedOn string `json:"issued_on,omitempty" doc:"Default today"`
			DueOn    string `json:"due_on,omitempty"`
			Amount   int64  `json:"amount"`
		}
	}) (*struct{ Body InvoiceOut }, error) {
		var v crm.Validation
		inv := &crm.Invoice{DealID: in.ID, Number: in.Body.Number, Amount: in.Body.Amount,
			IssuedOn: parseDateField(&v, "issued_on", in.Body.IssuedOn, false), DueOn: parseDateField(&v, "due_on", in.Body.DueOn, false)}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		if err := h.svc.IssueInvoice(ctx, actorOf(ctx), inv); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body InvoiceOut }{invoiceOut(inv)}, nil
	})
	o = op("update-invoice", http.MethodPatch, "/invoices/{id}", "Mark an invoice issued, paid or cancelled", "Payments")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Status  string `json:"status" enum:"issued,paid,cancelled"`
			Version *int64 `json:"version,omitempty"`
		}
	}) (*struct{ Body InvoiceOut }, error) {
		inv, err := h.svc.SetInvoiceStatus(ctx, actorOf(ctx), in.ID, in.Body.Status, in.Body.Version)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body InvoiceOut }{invoiceOut(inv)}, nil
	})
}
