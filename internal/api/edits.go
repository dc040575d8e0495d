package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// optDate parses an optional date field.
func optDate(v *crm.Validation, field string, s *string) *crm.Date {
	if s == nil {
		return nil
	}
	d := parseDateField(v, field, *s, false)
	return &d
}

func (h *Handlers) registerEdits(a huma.API) {
	o := op("update-payment-plan", http.MethodPatch, "/payment-plans/{id}", "Change a scheduled payment", "Payments")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			DueOn   *string `json:"due_on,omitempty"`
			Amount  *int64  `json:"amount,omitempty"`
			Note    *string `json:"note,omitempty" maxLength:"1000"`
			Version *int64  `json:"version,omitempty"`
		}
	}) (*struct{ Body PaymentPlanOut }, error) {
		var v crm.Validation
		due := optDate(&v, "due_on", in.Body.DueOn)
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		p, err := h.svc.UpdatePaymentPlan(ctx, actorOf(ctx), in.ID, due, in.Body.Amount, in.Body.Note, in.Body.Version)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PaymentPlanOut }{PaymentPlanOut{ID: p.ID, DealID: p.DealID, DueOn: p.DueOn.String(), Amount: p.Amount, Note: p.Note}}, nil
	})

	o = op("update-complaint", http.MethodPatch, "/complaints/{id}", "Change a complaint", "Complaints")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Category      *string `json:"category,omitempty" maxLength:"200"`
			Text          *string `json:"text,omitempty" maxLength:"20000"`
			ResponsibleID *int64  `json:"responsible_id,omitempty"`
			Version       *int64  `json:"version,omitempty"`
		}
	}) (*struct{ Body ComplaintOut }, error) {
		c, err := h.svc.UpdateComplaint(ctx, actorOf(ctx), in.ID, in.Body.Category, in.Body.Text, in.Body.ResponsibleID, in.Body.Version)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ComplaintOut }{complaintOut(c)}, nil
	})
	o = op("delete-complaint", http.MethodDelete, "/complaints/{id}", "Delete a complaint (restorable)", "Complaints")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteComplaint(ctx, actorOf(ctx), in.ID))
	})
	o = op("restore-complaint", http.MethodPost, "/complaints/{id}/restore", "Restore a deleted complaint", "Complaints")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestoreComplaint(ctx, actorOf(ctx), in.ID))
	})
	o = op("delete-nps", http.MethodDelete, "/nps/{id}", "Delete an NPS answer recorded by mistake", "NPS")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteNPS(ctx, actorOf(ctx), in.ID))
	})

	o = op("update-spend", http.MethodPatch, "/marketing-spend/{id}", "Change a spend entry (administrators and heads)", "Marketing")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			StartsOn *string `json:"starts_on,omitempty"`
			EndsOn   *string `json:"ends_on,omitempty"`
			Amount   *int64  `json:"amount,omitempty"`
			Note     *string `json:"note,omitempty" maxLength:"1000"`
			Version  *int64  `json:"version,omitempty"`
		}
	}) (*struct{ Body SpendOut }, error) {
		var v crm.Validation
		b := in.Body
		starts, ends := optDate(&v, "starts_on", b.StartsOn), optDate(&v, "ends_on", b.EndsOn)
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		e, err := h.svc.UpdateSpend(ctx, actorOf(ctx), in.ID, starts, ends, b.Amount, b.Note, b.Version)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body SpendOut }{SpendOut{ID: e.ID, ChannelID: e.ChannelID, StartsOn: e.StartsOn.String(), EndsOn: e.EndsOn.String(), Amount: e.Amount, Note: e.Note}}, nil
	})

	o = op("update-crm-cost", http.MethodPatch, "/crm-costs/{id}", "Change a CRM cost (administrators)", "CRM costs")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Category    *string `json:"category,omitempty" enum:"licence,implementation,customisation,training,hardware,support,admin_salary,other"`
			IncurredOn  *string `json:"incurred_on,omitempty"`
			Recurrence  *string `json:"recurrence,omitempty" enum:"one_off,monthly"`
			EndsOn      *string `json:"ends_on,omitempty" doc:"Empty clears it"`
			Amount      *int64  `json:"amount,omitempty"`
			Acquisition *bool   `json:"acquisition,omitempty"`
			Note        *string `json:"note,omitempty" maxLength:"1000"`
			Version     *int64  `json:"version,omitempty"`
		}
	}) (*struct{ Body CostOut }, error) {
		var v crm.Validation
		b := in.Body
		upd := crm.CostUpdate{Category: b.Category, Recurrence: b.Recurrence, Note: b.Note, Amount: b.Amount, Acquisition: b.Acquisition, Version: b.Version,
			IncurredOn: optDate(&v, "incurred_on", b.IncurredOn), EndsOn: optDate(&v, "ends_on", b.EndsOn)}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		c, err := h.svc.UpdateCost(ctx, actorOf(ctx), in.ID, upd)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body CostOut }{CostOut{ID: c.ID, Category: c.Category, IncurredOn: c.IncurredOn.String(), Recurrence: c.Recurrence,
			EndsOn: dateOut(c.EndsOn), Amount: c.Amount, Acquisition: c.Acquisition, Note: c.Note}}, nil
	})
}
