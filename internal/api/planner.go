package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
)

// PlannerOut is the ROI planner's page: the saved inputs (null before the first save), the plan
// computed from them, and, after go-live, crm_roi as measured so far.
type PlannerOut struct {
	Inputs    *crm.ROIPlanInputs     `json:"inputs"`
	Version   int64                  `json:"version" doc:"0 before the first save; send it back with PUT"`
	UpdatedAt *time.Time             `json:"updated_at"`
	Plan      *analytics.Plan        `json:"plan"`
	Measured  *analytics.MeasuredROI `json:"measured_crm_roi,omitempty" doc:"crm_roi from go-live to the start of this month, when the account has gone live"`
}

func (h *Handlers) registerPlanner(a huma.API) {
	o := op("get-planner", http.MethodGet, "/planner", "The ROI planner: saved inputs, the plan and the measured ROI (administrators and heads)", "Planner")
	huma.Register(a, o, func(ctx context.Context, _ *struct{}) (*struct{ Body PlannerOut }, error) {
		actor := actorOf(ctx)
		out := PlannerOut{}
		p, err := h.svc.ROIPlan(ctx, actor)
		switch {
		case err == nil:
			out.Inputs, out.Version, out.UpdatedAt, out.Plan = &p.Inputs, p.Version, &p.UpdatedAt, analytics.ComputePlan(p.Inputs)
		case crm.ErrorCode(err) != crm.ENOTFOUND:
			return nil, handlerErr(ctx, err)
		}
		acc, err := h.svc.Account(ctx, actor)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		if out.Measured, err = h.kpi.MeasuredCRMROI(ctx, actor, acc.GoLiveDate, h.svc.Now(), acc.Location()); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PlannerOut }{out}, nil
	})
	o = op("save-planner", http.MethodPut, "/planner", "Save the ROI planner's inputs (administrators)", "Planner")
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			Inputs  crm.ROIPlanInputs `json:"inputs"`
			Version *int64            `json:"version,omitempty" doc:"The version read (0 before the first save); a stale one is 409"`
		}
	}) (*struct{ Body PlannerOut }, error) {
		p, err := h.svc.SaveROIPlan(ctx, actorOf(ctx), in.Body.Inputs, in.Body.Version)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body PlannerOut }{PlannerOut{Inputs: &p.Inputs, Version: p.Version, UpdatedAt: &p.UpdatedAt, Plan: analytics.ComputePlan(p.Inputs)}}, nil
	})
	o = op("preview-planner", http.MethodPost, "/planner/preview", "Compute a plan without saving it (administrators and heads)", "Planner")
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			Inputs crm.ROIPlanInputs `json:"inputs"`
		}
	}) (*struct{ Body *analytics.Plan }, error) {
		inputs := in.Body.Inputs
		if err := h.svc.CheckROIPlan(actorOf(ctx), &inputs); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body *analytics.Plan }{analytics.ComputePlan(inputs)}, nil
	})
}
