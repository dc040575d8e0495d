package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/voronka/voronka/internal/analytics"
)

// writeRecords prints a drill-down: a line saying what is listed and how many (with the sum of a
// summing part, which is the figure), then the records as an aligned table (money in major units),
// CSV (minor units, full precision) or the API's JSON.
func writeRecords(w io.Writer, format string, d *analytics.Drill) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	display := format != "csv"
	header := []string{"kind", "id", "title", "status", "group", "amount", "value", "at", "responsible", "deal_id", "deal"}
	money := func(v *int64) string {
		switch {
		case v == nil:
			return ""
		case display:
			return strconv.FormatFloat(float64(*v)/100, 'f', 2, 64)
		}
		return strconv.FormatInt(*v, 10)
	}
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		if display && analytics.MoneyMeasure(d.Measure) {
			return strconv.FormatFloat(*v/100, 'f', 2, 64)
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	rows := [][]string{header}
	for _, r := range d.Records {
		at := "" // a record kept by day shows its day; others their moment, in UTC
		switch {
		case !r.Date.IsZero():
			at = r.Date.String()
		case !r.At.IsZero():
			at = r.At.UTC().Format(time.RFC3339)
		}
		dealID := ""
		if r.DealID != nil {
			dealID = strconv.FormatInt(*r.DealID, 10)
		}
		rows = append(rows, []string{r.Kind, strconv.FormatInt(r.ID, 10), r.Title, r.Status, r.Group,
			money(r.Amount), num(r.Value), at, r.Responsible, dealID, r.Deal})
	}
	if format == "csv" {
		cw := csv.NewWriter(w)
		_ = cw.WriteAll(rows)
		return cw.Error()
	}
	if format != "table" && format != "" {
		return fmt.Errorf("-format %q: table, csv or json", format)
	}
	head := fmt.Sprintf("%s, %s: %d %s records (%s)", d.KPI, d.Part, d.Total, d.Kind, d.Set)
	if d.Sum != nil {
		head += ", " + d.Measure + " Σ " + num(d.Sum)
	}
	if len(d.Records) < d.Total {
		head += fmt.Sprintf("; %d listed", len(d.Records))
	}
	fmt.Fprintln(w, head)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	return tw.Flush()
}
