package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
)

// ReportQuery asks for a report: GET /reports/channels?from=2026-01-01&to=2027-01-01.
type ReportQuery struct {
	Name       string `path:"name" doc:"The report's name: see GET /reports" example:"channels"`
	From       string `query:"from" required:"true" doc:"First day, YYYY-MM-DD, in the account's time zone" example:"2026-01-01"`
	To         string `query:"to" required:"true" doc:"The day after the last, YYYY-MM-DD: the period is [from, to)" example:"2027-01-01"`
	Bucket     string `query:"bucket" enum:"day,week,month,quarter,year," doc:"Cut the period into calendar buckets where the report has a row per bucket"`
	By         string `query:"by" doc:"Comma-separated slices replacing the report's own" example:"manager"`
	PipelineID int64  `query:"pipeline_id"`
	FilterQuery
	Days   int `query:"days" minimum:"0" doc:"The report's own number of days where it has one (e.g. the days after which a deal is stalled)"`
	Months int `query:"months" minimum:"0" doc:"The report's own number of months where it has one (e.g. the forecast's horizon)"`
}

// ReportInfo describes a report.
type ReportInfo struct {
	Name        string `json:"name" example:"channels"`
	TitleRU     string `json:"title_ru" example:"Каналы продаж"`
	TitleEN     string `json:"title_en" example:"Sales channels"`
	Description string `json:"description"`
}

func (h *Handlers) registerReports(a huma.API) {
	huma.Register(a, op("list-reports", http.MethodGet, "/reports", "List the reports", "KPI"),
		func(ctx context.Context, in *struct{}) (*struct{ Body []ReportInfo }, error) {
			out := []ReportInfo{}
			for _, n := range analytics.ReportNames() {
				r := analytics.LookupReport(n)
				out = append(out, ReportInfo{Name: r.Name, TitleRU: r.TitleRU, TitleEN: r.TitleEN, Description: r.Description})
			}
			return &struct{ Body []ReportInfo }{out}, nil
		})
	o := op("get-report", http.MethodGet, "/reports/{name}", "Compute a report", "KPI")
	o.Description = "A table of columns (key, titles, unit) and rows (values by column key; money in minor units, " +
		"a figure over nothing null). Each user sees in it what they see in the KPIs."
	huma.Register(a, o, func(ctx context.Context, in *struct{ ReportQuery }) (*struct{ Body *analytics.Report }, error) {
		actor := actorOf(ctx)
		period, err := h.period(ctx, actor, in.From, in.To)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		req := analytics.ReportRequest{Period: period, Bucket: analytics.Bucket(in.Bucket), Days: in.Days, Months: in.Months,
			Filter: in.filter(in.PipelineID)}
		for _, d := range splitList(in.By) {
			req.By = append(req.By, analytics.Dimension(d))
		}
		rep, err := h.kpi.Report(ctx, actor, in.Name, req)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body *analytics.Report }{rep}, nil
	})
}

// period reads a [from, to) period of the account's zone from query parameters.
func (h *Handlers) period(ctx context.Context, actor *crm.Actor, from, to string) (analytics.Period, error) {
	acc, err := h.svc.Account(ctx, actor)
	if err != nil {
		return analytics.Period{}, err
	}
	return parsePeriod(acc.Location(), from, to)
}

// parsePeriod reads the from and to query parameters as a period of the zone loc; EINVALID names
// the parameter at fault.
func parsePeriod(loc *time.Location, from, to string) (analytics.Period, error) {
	var v crm.Validation
	fd, ferr := crm.ParseDate(from)
	if ferr != nil {
		v.Add("from", "format", ferr.Error())
	}
	td, terr := crm.ParseDate(to)
	if terr != nil {
		v.Add("to", "format", terr.Error())
	}
	if err := v.Err(); err != nil {
		return analytics.Period{}, err
	}
	return analytics.Period{From: fd, To: td, Loc: loc}, nil
}
