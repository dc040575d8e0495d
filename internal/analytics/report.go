package analytics

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// A report is a table built on the engine for one question of a head of sales («где теряем
// деньги по каналам?», «кто выполнил план?»): named columns and rows. Each report is defined in one
// place, next to the KPIs it shows, and registered by name; the API serves it at
// GET /api/v1/reports/{name} and the CLI at "voronka report -report NAME".

// Column is a column of a report. Unit is empty for labels (a manager's name, a month).
type Column struct {
	Key     string `json:"key"`
	TitleRU string `json:"title_ru"`
	TitleEN string `json:"title_en"`
	Unit    Unit   `json:"unit,omitempty"`
}

// Row is a row of a report: values by column key. A figure is a *float64 (nil where it does not
// exist) or a number; a label is a string.
type Row map[string]any

// Report is the answer of a report.
type Report struct {
	Name    string   `json:"name"`
	TitleRU string   `json:"title_ru"`
	TitleEN string   `json:"title_en"`
	Period  string   `json:"period"`
	Columns []Column `json:"columns"`
	Rows    []Row    `json:"rows"`
	Notes   []string `json:"notes,omitempty"` // what the reader must know: the definitions chosen, a caveat
}

// ReportRequest asks for a report over a period. Days and Months are the report's own knob where
// it has one (the days after which a deal is stalled, the months of a forecast); zero means the
// report's default.
type ReportRequest struct {
	Period Period
	Bucket Bucket
	By     []Dimension
	Filter Filter
	Days   int
	Months int
}

// ReportDef is a report of the registry.
type ReportDef struct {
	Name        string
	TitleRU     string
	TitleEN     string
	Description string
	run         func(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error)
}

var reports = map[string]*ReportDef{}

func registerReport(r *ReportDef) {
	if _, dup := reports[r.Name]; dup {
		panic("analytics: report registered twice: " + r.Name)
	}
	reports[r.Name] = r
}

// ReportNames lists the reports, sorted.
func ReportNames() []string {
	out := make([]string, 0, len(reports))
	for n := range reports {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LookupReport returns the report with the name, or nil.
func LookupReport(name string) *ReportDef { return reports[name] }

// Report computes the named report for the actor (who sees in it what they see in the KPIs).
func (e *Engine) Report(ctx context.Context, actor *crm.Actor, name string, req ReportRequest) (*Report, error) {
	def := reports[name]
	if def == nil {
		var v crm.Validation
		v.Add("name", "unknown", fmt.Sprintf("%q is not a report; known: %s", name, strings.Join(ReportNames(), ", ")))
		return nil, v.Err()
	}
	if err := req.Period.Validate(); err != nil {
		return nil, err
	}
	if err := req.Period.validateBuckets(req.Bucket); err != nil {
		return nil, err
	}
	if req.Days < 0 || req.Months < 0 {
		var v crm.Validation
		v.Add("days", "range", "days and months must not be negative")
		return nil, v.Err()
	}
	r, err := def.run(ctx, e, actor, req)
	if err != nil {
		return nil, err
	}
	r.Name, r.TitleRU, r.TitleEN = def.Name, def.TitleRU, def.TitleEN
	r.Period = req.Period.From.String() + ".." + req.Period.To.String()
	if r.Rows == nil {
		r.Rows = []Row{}
	}
	return r, nil
}

// kpiTable is a report that is a table of KPIs: a row for each (bucket, slice) of the request,
// totals first, a column for each KPI's value. Most reports of KPI.md are one.
func kpiTable(ids []string, by []Dimension) func(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
	return func(ctx context.Context, e *Engine, actor *crm.Actor, req ReportRequest) (*Report, error) {
		dims := req.By
		if len(dims) == 0 {
			dims = by
		}
		rs, err := e.Compute(ctx, actor, Request{IDs: ids, Period: req.Period, Bucket: req.Bucket, By: dims, Filter: req.Filter})
		if err != nil {
			return nil, err
		}
		rep := &Report{}
		if req.Bucket != None {
			rep.Columns = append(rep.Columns, Column{Key: "bucket", TitleRU: "Период", TitleEN: "Period"})
		}
		for _, d := range dims {
			rep.Columns = append(rep.Columns, Column{Key: string(d), TitleRU: dimTitleRU[d], TitleEN: string(d)})
		}
		for _, id := range ids {
			k := registry[id]
			rep.Columns = append(rep.Columns, Column{Key: id, TitleRU: k.NameRU, TitleEN: k.NameEN, Unit: k.Unit})
		}
		rows := map[string]Row{}
		var order []string
		for _, x := range rs {
			key := x.Bucket + "\x1e" + sliceLabel(x.Slice, dims)
			row, ok := rows[key]
			if !ok {
				row = Row{}
				if req.Bucket != None {
					row["bucket"] = x.Bucket
				}
				for _, d := range dims {
					l, ok := x.Slice[string(d)]
					if !ok {
						l = "(all)"
					}
					row[string(d)] = l
				}
				rows[key] = row
				order = append(order, key)
			}
			row[x.KPI] = x.Value
		}
		for _, k := range order {
			rep.Rows = append(rep.Rows, rows[k])
		}
		return rep, nil
	}
}

// dimTitleRU names the dimensions in Russian for report headers.
var dimTitleRU = map[Dimension]string{
	ByManager: "Менеджер", ByTeam: "Отдел", ByPipeline: "Воронка", ByChannel: "Канал", ByRegion: "Регион", BySegment: "Сегмент",
	ByProduct: "Продукт", ByClientType: "Тип клиента",
}

func init() {
	registerReport(&ReportDef{Name: "channels", TitleRU: "Каналы продаж", TitleEN: "Sales channels",
		Description: "per channel: spend, leads, cost per lead, won deals, cost per sale, new customers, CAC, revenue, margin, ROMI",
		run:         kpiTable([]string{"marketing_spend", "leads", "cost_per_lead", "won_deals", "cost_per_sale", "new_customers", "cac", "revenue", "margin", "romi"}, []Dimension{ByChannel})})
}
