package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/analytics"
)

// KPIQuery asks for KPIs: GET /kpi?ids=win_rate,revenue&from=2026-01-01&to=2027-01-01&bucket=month&by=manager,channel.
type KPIQuery struct {
	IDs        string `query:"ids" required:"true" doc:"Comma-separated KPI ids of KPI.md" example:"win_rate,revenue"`
	From       string `query:"from" required:"true" doc:"First day, YYYY-MM-DD, in the account's time zone" example:"2026-01-01"`
	To         string `query:"to" required:"true" doc:"The day after the last, YYYY-MM-DD: the period is [from, to)" example:"2027-01-01"`
	Bucket     string `query:"bucket" enum:"day,week,month,quarter,year," doc:"Cut the period into calendar buckets of the account's zone (ISO weeks)"`
	By         string `query:"by" doc:"Comma-separated slices: manager, team, pipeline, channel, region, segment, product, client_type" example:"manager"`
	PipelineID int64  `query:"pipeline_id"`
	FilterQuery
	Compare string `query:"compare" enum:"go_live," doc:"go_live adds each KPI before and after the account's go-live date (and a year earlier), with Δ and Δ %"`
}

// KPIResults are the figures of a KPI request.
type KPIResults struct {
	Results    []analytics.Result     `json:"results"`
	Comparison []analytics.Comparison `json:"comparison,omitempty"`
}

// KPIInfo describes a KPI of the catalog.
type KPIInfo struct {
	ID         string         `json:"id" example:"win_rate"`
	NameRU     string         `json:"name_ru" example:"Доля выигранных"`
	NameEN     string         `json:"name_en" example:"Win rate"`
	Unit       analytics.Unit `json:"unit" example:"percent"`
	Definition string         `json:"definition"`
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (h *Handlers) registerKPI(a huma.API) {
	o := op("get-kpi", http.MethodGet, "/kpi", "Compute KPIs", "KPI")
	o.Description = "Every figure carries its numerator and denominator; a ratio over nothing is null. " +
		"Each bucket has a total (an empty slice) and, with `by`, a row for each slice that had deals. Money is in minor units. " +
		"A manager gets the figures of their own deals, a head of sales their team's, an administrator the account's."
	huma.Register(a, o, func(ctx context.Context, in *struct{ KPIQuery }) (*struct{ Body KPIResults }, error) {
		actor := actorOf(ctx)
		acc, err := h.svc.Account(ctx, actor)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		period, err := parsePeriod(acc.Location(), in.From, in.To)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		req := analytics.Request{IDs: splitList(in.IDs), Period: period,
			Bucket: analytics.Bucket(in.Bucket), Filter: in.filter(in.PipelineID)}
		for _, d := range splitList(in.By) {
			req.By = append(req.By, analytics.Dimension(d))
		}
		rs, err := h.kpi.Compute(ctx, actor, req)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		if rs == nil {
			rs = []analytics.Result{}
		}
		out := KPIResults{Results: rs}
		if in.Compare == "go_live" {
			if out.Comparison, err = h.kpi.Compare(ctx, actor, req, acc.GoLiveDate); err != nil {
				return nil, handlerErr(ctx, err)
			}
		}
		return &struct{ Body KPIResults }{out}, nil
	})

	huma.Register(a, op("list-kpis", http.MethodGet, "/kpi/catalog", "List the KPIs Voronka computes", "KPI"),
		func(ctx context.Context, in *struct{}) (*struct{ Body []KPIInfo }, error) {
			var out []KPIInfo
			for _, id := range analytics.IDs() {
				k := analytics.Lookup(id)
				out = append(out, KPIInfo{ID: k.ID, NameRU: k.NameRU, NameEN: k.NameEN, Unit: k.Unit, Definition: k.Definition})
			}
			return &struct{ Body []KPIInfo }{out}, nil
		})
}

// DrillQuery asks for the records behind a figure.
type DrillQuery struct {
	KPI        string `query:"kpi" required:"true" doc:"The KPI's id" example:"won_deals"`
	Part       string `query:"part" enum:"numerator,denominator," doc:"The records behind the numerator (default) or the denominator"`
	Group      string `query:"group" enum:"promoter,passive,detractor," doc:"NPS answers of one group only"`
	From       string `query:"from" required:"true" doc:"First day, YYYY-MM-DD (for a bucket: the bucket's first day)" example:"2026-01-01"`
	To         string `query:"to" required:"true" doc:"The day after the last, YYYY-MM-DD" example:"2026-02-01"`
	PipelineID int64  `query:"pipeline_id"`
	FilterQuery
	Limit  int `query:"limit" minimum:"0" maximum:"1000" doc:"Records per page (default 100)"`
	Offset int `query:"offset" minimum:"0"`
}

func (h *Handlers) registerDrill(a huma.API) {
	o := op("get-kpi-records", http.MethodGet, "/kpi/records", "List the records behind a figure", "KPI")
	o.Description = "The drill-down of a KPI: the records its numerator or denominator counts or sums over a period " +
		"(deals, payments, scheduled payments, NPS answers, complaints, tasks, touches, contacts and companies, customers, " +
		"marketing spend and CRM cost entries), newest first, within what the user may see, by the figure's own rules. " +
		"`total` is how many there are; for a part that sums, each record's `value` is its share and `sum` adds them up to the figure. " +
		"`deals` repeats deal records in the first drill-down's shape. A slice of a figure is drilled into with the slice's filter " +
		"(manager_id, product_id, client_type…). 422 for a part that is no records (a plan, manager-months) or a figure that does not " +
		"exist under the filter; 403 for spend and CRM costs asked by someone not an administrator."
	huma.Register(a, o, func(ctx context.Context, in *struct{ DrillQuery }) (*struct{ Body *analytics.Drill }, error) {
		actor := actorOf(ctx)
		period, err := h.period(ctx, actor, in.From, in.To)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		d, err := h.kpi.Records(ctx, actor, analytics.DrillRequest{KPI: in.KPI, Part: in.Part, Group: in.Group, Period: period, Limit: in.Limit, Offset: in.Offset,
			Filter: in.filter(in.PipelineID)})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body *analytics.Drill }{d}, nil
	})
}
