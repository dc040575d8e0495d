package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// SpendOut is marketing spend of a channel over a span of days.
type SpendOut struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on" doc:"Inclusive"`
	Amount    int64  `json:"amount" doc:"Minor units; reports pro-rate it by day"`
	Note      string `json:"note"`
}

// SalesPlanDTO is a month's plan of a manager, a team or the account.
type SalesPlanDTO struct {
	Scope    string `json:"scope" enum:"user,team,account"`
	ScopeID  int64  `json:"scope_id,omitempty" doc:"The user or team; absent for the account"`
	Revenue  int64  `json:"revenue" doc:"Minor units"`
	Margin   int64  `json:"margin,omitempty" doc:"Minor units"`
	WonDeals int    `json:"won_deals,omitempty"`
}

// CostOut is an entry of the CRM cost ledger.
type CostOut struct {
	ID          int64   `json:"id"`
	Category    string  `json:"category" enum:"licence,implementation,customisation,training,hardware,support,admin_salary,other"`
	IncurredOn  string  `json:"incurred_on"`
	Recurrence  string  `json:"recurrence" enum:"one_off,monthly"`
	EndsOn      *string `json:"ends_on"`
	Amount      int64   `json:"amount" doc:"Minor units (per month when monthly)"`
	Acquisition bool    `json:"acquisition" doc:"Counts as an acquisition cost in CAC"`
	Note        string  `json:"note"`
}

func (h *Handlers) registerBudget(a huma.API) {
	spendOut := func(e *crm.SpendEntry) SpendOut {
		return SpendOut{ID: e.ID, ChannelID: e.ChannelID, StartsOn: e.StartsOn.String(), EndsOn: e.EndsOn.String(), Amount: e.Amount, Note: e.Note}
	}
	huma.Register(a, op("list-spend", http.MethodGet, "/marketing-spend", "Marketing spend overlapping a period", "Marketing"), func(ctx context.Context, in *struct {
		ChannelID int64  `query:"channel_id"`
		From      string `query:"from" doc:"YYYY-MM-DD"`
		To        string `query:"to" doc:"YYYY-MM-DD, inclusive"`
	}) (*struct{ Body []SpendOut }, error) {
		var v crm.Validation
		from, to := parseDateField(&v, "from", in.From, false), parseDateField(&v, "to", in.To, false)
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		es, err := h.svc.Spend(ctx, actorOf(ctx), in.ChannelID, from, to)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := []SpendOut{}
		for _, e := range es {
			out = append(out, spendOut(e))
		}
		return &struct{ Body []SpendOut }{out}, nil
	})
	o := op("create-spend", http.MethodPost, "/marketing-spend", "Record marketing spend (administrators and heads)", "Marketing")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			ChannelID int64  `json:"channel_id"`
			StartsOn  string `json:"starts_on"`
			EndsOn    string `json:"ends_on"`
			Amount    int64  `json:"amount"`
			Note      string `json:"note,omitempty" maxLength:"1000"`
		}
	}) (*struct{ Body SpendOut }, error) {
		var v crm.Validation
		b := in.Body
		e := &crm.SpendEntry{ChannelID: b.ChannelID, StartsOn: parseDateField(&v, "starts_on", b.StartsOn, true), EndsOn: parseDateField(&v, "ends_on", b.EndsOn, true), Amount: b.Amount, Note: b.Note}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		if err := h.svc.AddSpend(ctx, actorOf(ctx), e); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body SpendOut }{spendOut(e)}, nil
	})
	o = op("delete-spend", http.MethodDelete, "/marketing-spend/{id}", "Remove a spend entry (administrators and heads)", "Marketing")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteSpend(ctx, actorOf(ctx), in.ID))
	})

	huma.Register(a, op("get-sales-plans", http.MethodGet, "/sales-plans", "A month's sales plans", "Plans"), func(ctx context.Context, in *struct {
		Month string `query:"month" required:"true" doc:"YYYY-MM"`
	}) (*struct{ Body []SalesPlanDTO }, error) {
		var v crm.Validation
		month := parseDateField(&v, "month", in.Month+"-01", true)
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		ps, err := h.svc.SalesPlans(ctx, actorOf(ctx), month)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := []SalesPlanDTO{}
		for _, p := range ps {
			out = append(out, SalesPlanDTO{Scope: p.Scope, ScopeID: p.ScopeID, Revenue: p.Revenue, Margin: p.Margin, WonDeals: p.WonDeals})
		}
		return &struct{ Body []SalesPlanDTO }{out}, nil
	})
	huma.Register(a, op("set-sales-plans", http.MethodPut, "/sales-plans", "Set a month's sales plans (administrators; heads for their team)", "Plans"), func(ctx context.Context, in *struct {
		Month string `query:"month" required:"true" doc:"YYYY-MM"`
		Body  struct {
			Plans []SalesPlanDTO `json:"plans"`
		}
	}) (*struct{ Body []SalesPlanDTO }, error) {
		var v crm.Validation
		month := parseDateField(&v, "month", in.Month+"-01", true)
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		var plans []*crm.SalesPlan
		for _, p := range in.Body.Plans {
			plans = append(plans, &crm.SalesPlan{Scope: p.Scope, ScopeID: p.ScopeID, Revenue: p.Revenue, Margin: p.Margin, WonDeals: p.WonDeals})
		}
		if err := h.svc.SetSalesPlans(ctx, actorOf(ctx), month, plans); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body []SalesPlanDTO }{in.Body.Plans}, nil
	})

	costOut := func(c *crm.CRMCost) CostOut {
		return CostOut{ID: c.ID, Category: c.Category, IncurredOn: c.IncurredOn.String(), Recurrence: c.Recurrence, EndsOn: dateOut(c.EndsOn), Amount: c.Amount, Acquisition: c.Acquisition, Note: c.Note}
	}
	huma.Register(a, op("list-crm-costs", http.MethodGet, "/crm-costs", "The CRM cost ledger (administrators and heads)", "CRM costs"), func(ctx context.Context, _ *struct{}) (*struct{ Body []CostOut }, error) {
		cs, err := h.svc.Costs(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := []CostOut{}
		for _, c := range cs {
			out = append(out, costOut(c))
		}
		return &struct{ Body []CostOut }{out}, nil
	})
	o = op("create-crm-cost", http.MethodPost, "/crm-costs", "Record a CRM cost (administrators)", "CRM costs")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			Category    string `json:"category" enum:"licence,implementation,customisation,training,hardware,support,admin_salary,other"`
			IncurredOn  string `json:"incurred_on"`
			Recurrence  string `json:"recurrence,omitempty" enum:"one_off,monthly,"`
			EndsOn      string `json:"ends_on,omitempty"`
			Amount      int64  `json:"amount"`
			Acquisition bool   `json:"acquisition,omitempty"`
			Note        string `json:"note,omitempty" maxLength:"1000"`
		}
	}) (*struct{ Body CostOut }, error) {
		var v crm.Validation
		b := in.Body
		c := &crm.CRMCost{Category: b.Category, IncurredOn: parseDateField(&v, "incurred_on", b.IncurredOn, true), Recurrence: b.Recurrence,
			EndsOn: parseDateField(&v, "ends_on", b.EndsOn, false), Amount: b.Amount, Acquisition: b.Acquisition, Note: b.Note}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		if err := h.svc.AddCost(ctx, actorOf(ctx), c); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body CostOut }{costOut(c)}, nil
	})
	o = op("delete-crm-cost", http.MethodDelete, "/crm-costs/{id}", "Remove a CRM cost (administrators)", "CRM costs")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteCost(ctx, actorOf(ctx), in.ID))
	})
}
