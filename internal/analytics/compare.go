package analytics

import (
	"context"
	"math"
	"slices"

	"github.com/voronka/voronka/internal/crm"
)

// Comparison is a KPI before and after the account's go-live date (KPI.md: «До/после внедрения»):
// After over [go-live, to), Before over as many days right before go-live, and YearEarlier over the
// After window a year earlier — the comparison to trust when Before covers other months of a
// seasonal business (Seasonal says they do).
type Comparison struct {
	KPI         string            `json:"kpi"`
	Slice       map[string]string `json:"slice"`
	Unit        Unit              `json:"unit"`
	Before      *float64          `json:"before"`
	After       *float64          `json:"after"`
	Delta       *float64          `json:"delta"`     // after − before
	DeltaPct    *float64          `json:"delta_pct"` // (after − before) / |before| × 100
	YearEarlier *float64          `json:"year_earlier"`
	YearDelta   *float64          `json:"year_delta_pct"` // (after − year earlier) / |year earlier| × 100
	Windows     map[string]string `json:"windows"`        // before, after, year_earlier: "from..to"
	Seasonal    bool              `json:"seasonal"`       // before and after cover different months of the year
}

// Compare computes the request's KPIs before and after goLive. The request's period must end after
// go-live; its bucket is ignored (each window is one figure).
func (e *Engine) Compare(ctx context.Context, actor *crm.Actor, req Request, goLive crm.Date) ([]Comparison, error) {
	var v crm.Validation
	if goLive.IsZero() {
		v.Add("compare", "no_go_live", "the account has no go-live date: set it in the account's settings")
	} else if !goLive.Before(req.Period.To) {
		v.Add("to", "before_go_live", "the period must end after the go-live date "+goLive.String())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	req.Bucket = None
	if err := req.Validate(); err != nil {
		return nil, err
	}
	type compareKey struct {
		Request
		GoLive crm.Date
	}
	return cachedAnswer(e, cacheKey(actor, compareKey{req, goLive}), func() ([]Comparison, error) {
		return e.compare(ctx, actor, req, goLive)
	})
}

// compare computes a valid comparison. The three windows are three buckets of one request: each
// fact query reads them all at once, where a request per window paid every query's fixed part
// (the customers' first purchases, the states at an end over all history) once per window and
// read the rows of overlapping windows again. The year-earlier window overlaps the before window
// when the windows are longer than half a year, and leaves a gap otherwise.
func (e *Engine) compare(ctx context.Context, actor *crm.Actor, req Request, goLive crm.Date) ([]Comparison, error) {
	loc := req.Period.Loc
	start, end := goLive.In(loc), req.Period.To.In(loc)
	days := int(end.Sub(start).Hours()/24 + 0.5)
	windows := map[string]Period{
		"after":        {From: goLive, To: req.Period.To, Loc: loc},
		"before":       {From: crm.DateOf(start.AddDate(0, 0, -days)), To: goLive, Loc: loc},
		"year_earlier": {From: crm.DateOf(start.AddDate(-1, 0, 0)), To: crm.DateOf(end.AddDate(-1, 0, 0)), Loc: loc},
	}
	values := map[string]map[string]Result{} // window → kpi|labels → result
	var order []string
	keep := func(name string, x Result) {
		if values[name] == nil {
			values[name] = map[string]Result{}
		}
		k := x.KPI + "\x1e" + sliceLabel(x.Slice, req.By)
		values[name][k] = x
		if name == "after" {
			order = append(order, k)
		}
	}
	spans := []Span{windows["year_earlier"].Span(), windows["before"].Span(), windows["after"].Span()}
	slices.SortStableFunc(spans, func(a, b Span) int { return a.Start.Compare(b.Start) })
	names := map[string]string{}
	for n, p := range windows {
		names[p.Span().Label] = n
	}
	rs, err := e.computeSpans(ctx, actor, req, spans)
	if err != nil {
		return nil, err
	}
	for _, x := range rs {
		keep(names[x.Bucket], x)
	}
	// Before and after cover the same months of the year only when the windows are whole years.
	years := float64(days) / 365.2425
	seasonal := math.Round(years) == 0 || math.Abs(years-math.Round(years)) > 0.01
	labels := map[string]string{}
	for n, p := range windows {
		labels[n] = p.From.String() + ".." + p.To.String()
	}
	var out []Comparison
	for _, k := range order {
		a := values["after"][k]
		b, hasB := values["before"][k]
		y, hasY := values["year_earlier"][k]
		c := Comparison{KPI: a.KPI, Slice: a.Slice, Unit: a.Unit, After: a.Value, Windows: labels, Seasonal: seasonal}
		if hasB {
			c.Before = b.Value
		}
		if hasY {
			c.YearEarlier = y.Value
		}
		if c.After != nil && c.Before != nil {
			d := *c.After - *c.Before
			c.Delta = &d
			c.DeltaPct = pctChange(*c.Before, *c.After)
		}
		if c.After != nil && c.YearEarlier != nil {
			c.YearDelta = pctChange(*c.YearEarlier, *c.After)
		}
		out = append(out, c)
	}
	return out, nil
}

// pctChange is (to − from) / |from| × 100; nil when from is 0.
func pctChange(from, to float64) *float64 {
	if from == 0 {
		return nil
	}
	if from < 0 {
		return ptr((to - from) / -from * 100)
	}
	return ptr((to - from) / from * 100)
}

func sliceLabel(s map[string]string, by []Dimension) string {
	out := ""
	for _, d := range by {
		if v, ok := s[string(d)]; ok {
			out += string(d) + "=" + v + "\x1f"
		}
	}
	return out
}
