package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/analytics"
)

// FunnelQuery asks for the funnel analysis: GET /funnel?pipeline_id=1&from=2026-03-01&to=2026-04-01&by=channel.
type FunnelQuery struct {
	PipelineID int64  `query:"pipeline_id" doc:"The pipeline; left out, the account's first" example:"1"`
	From       string `query:"from" required:"true" doc:"First day, YYYY-MM-DD, in the account's time zone" example:"2026-03-01"`
	To         string `query:"to" required:"true" doc:"The day after the last, YYYY-MM-DD: the cohort entered the pipeline in [from, to)" example:"2026-04-01"`
	By         string `query:"by" enum:"manager,team,channel,region,segment,product,client_type," doc:"A slice: a funnel per manager, channel… (product: a deal with several products counts in each; client_type: new or existing)"`
	FilterQuery
}

func (h *Handlers) registerFunnel(a huma.API) {
	o := op("get-funnel", http.MethodGet, "/funnel", "Funnel analysis of a pipeline", "KPI")
	o.Description = "For the cohort of deals that entered the pipeline in the period (created in it or moved into it; " +
		"a deal counts once, at its first entry): entry; per open stage reached, conversion from the previous stage " +
		"and from entry, drop-off, median and mean days in the stage; the exit (won, lost by reason, open, moved out); " +
		"overall conversion, funnel length, the bottleneck and the slowest stage. In total and, with `by`, per slice. " +
		"Percentages are 0–100, null over nothing. A manager sees the funnel of their own deals, a head of sales their team's."
	huma.Register(a, o, func(ctx context.Context, in *struct{ FunnelQuery }) (*struct{ Body *analytics.Funnel }, error) {
		actor := actorOf(ctx)
		period, err := h.period(ctx, actor, in.From, in.To)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		fn, err := h.kpi.Funnel(ctx, actor, analytics.FunnelRequest{PipelineID: in.PipelineID, Period: period, By: analytics.Dimension(in.By),
			Filter: in.filter(0)})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body *analytics.Funnel }{fn}, nil
	})
}

// FunnelRecordsQuery asks for the deals behind a figure of the funnel:
// GET /funnel/records?pipeline_id=1&from=2026-03-01&to=2026-04-01&part=reached&stage_id=3.
type FunnelRecordsQuery struct {
	PipelineID   int64  `query:"pipeline_id" doc:"The pipeline; left out, the account's first" example:"1"`
	From         string `query:"from" required:"true" doc:"First day, YYYY-MM-DD, in the account's time zone" example:"2026-03-01"`
	To           string `query:"to" required:"true" doc:"The day after the last, YYYY-MM-DD" example:"2026-04-01"`
	Part         string `query:"part" required:"true" enum:"entry,reached,drop_off,in_stage,won,lost,open,moved_out" doc:"Which figure: the cohort, a stage's reached, drop-off or deals in it now, or an exit"`
	StageID      int64  `query:"stage_id" doc:"The open stage of reached, drop_off and in_stage"`
	LossReasonID int64  `query:"loss_reason_id" doc:"Lost deals with this reason only; -1 for those lost without one"`
	FilterQuery
	Limit  int `query:"limit" minimum:"0" maximum:"1000" doc:"Deals per page (default 100)"`
	Offset int `query:"offset" minimum:"0"`
}

func (h *Handlers) registerFunnelRecords(a huma.API) {
	o := op("get-funnel-records", http.MethodGet, "/funnel/records", "List the deals behind a figure of the funnel", "KPI")
	o.Description = "The drill-down of the funnel analysis: the deals of the cohort that entered the pipeline in the period, " +
		"reached a stage, dropped off after it, are in it now, won, lost (by reason), are open or moved out — as many as the funnel " +
		"counts, newest entry first, within what the user may see. A slice's row is drilled into with the slice's filter."
	huma.Register(a, o, func(ctx context.Context, in *struct{ FunnelRecordsQuery }) (*struct{ Body *analytics.Drill }, error) {
		actor := actorOf(ctx)
		period, err := h.period(ctx, actor, in.From, in.To)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		d, err := h.kpi.FunnelRecords(ctx, actor, analytics.FunnelRecordsRequest{PipelineID: in.PipelineID, Period: period, Part: in.Part,
			StageID: in.StageID, LossReasonID: in.LossReasonID, Limit: in.Limit, Offset: in.Offset,
			Filter: in.filter(0)})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body *analytics.Drill }{d}, nil
	})
}
