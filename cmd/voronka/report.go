package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

const reportUsage = `usage: voronka report -kpi ID[,ID…] -from YYYY-MM-DD -to YYYY-MM-DD [-bucket month] [-by manager,…] [-format table|csv|json]
       voronka report -report NAME -from YYYY-MM-DD -to YYYY-MM-DD [-bucket month] [-days N] [-months N] [-format table|csv|json]
       voronka report -kpi ID -records numerator|denominator -from YYYY-MM-DD -to YYYY-MM-DD [-group G] [-limit N] [-offset N] [-format table|csv|json]

Computes KPIs or a report of the account as its administrator (or, with -as, as any user: a manager
gets their own figures). With -records, lists the records behind one KPI's numerator or denominator
over the whole period (the drill-down; narrow it with the filters to drill into a slice).
"voronka report -list" lists the KPIs and the reports.`

// runReport is "voronka report".
func runReport(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, reportUsage); fs.PrintDefaults() }
	cfg.bindDatabase(fs)
	var who accountFlags
	who.bind(fs, "the e-mail of the user whose view to compute (default the account's first administrator)")
	ids := fs.String("kpi", "", "comma-separated KPI ids")
	var span periodFlags
	span.bind(fs, "first day of the period, YYYY-MM-DD", "the day after the last, YYYY-MM-DD")
	bucket := fs.String("bucket", "", "day, week, month, quarter or year")
	by := fs.String("by", "", "comma-separated slices: manager, team, pipeline, channel, region, segment, product, client_type")
	format := fs.String("format", "table", "table, csv or json")
	var flt analytics.Filter
	fs.Int64Var(&flt.PipelineID, "pipeline-id", 0, "only deals of this pipeline")
	fs.Int64Var(&flt.TeamID, "team-id", 0, "only deals of this team's managers")
	fs.Int64Var(&flt.ManagerID, "manager-id", 0, "only deals of this manager")
	fs.Int64Var(&flt.ChannelID, "channel-id", 0, "only deals of this channel")
	fs.Int64Var(&flt.ProductID, "product-id", 0, "only deals with this product, counting its money")
	fs.StringVar(&flt.Region, "region", "", "only deals of this region")
	fs.StringVar(&flt.Segment, "segment", "", "only deals of this segment")
	fs.StringVar(&flt.Tag, "tag", "", "only deals with this tag")
	fs.StringVar(&flt.ClientType, "client-type", "", "only deals of new or existing clients")
	list := fs.Bool("list", false, "list the KPIs and the reports and exit")
	reportName := fs.String("report", "", "compute this report instead of KPIs (see -list)")
	days := fs.Int("days", 0, "the report's own number of days, where it has one")
	months := fs.Int("months", 0, "the report's own number of months, where it has one")
	compare := fs.Bool("compare", false, "before and after the account's go-live date (after = go-live … -to) instead of buckets")
	records := fs.String("records", "", "list the records behind the KPI's numerator or denominator instead of its figures")
	group := fs.String("group", "", "with -records, only NPS answers of this group: promoter, passive or detractor")
	limit := fs.Int("limit", 100, "with -records, at most this many records (up to 1000)")
	offset := fs.Int("offset", 0, "with -records, skip this many records first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, id := range analytics.IDs() {
			k := analytics.Lookup(id)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Unit, k.NameRU, k.Definition)
		}
		fmt.Fprintln(tw, "\nreport\t\t\t")
		for _, n := range analytics.ReportNames() {
			r := analytics.LookupReport(n)
			fmt.Fprintf(tw, "%s\t\t%s\t%s\n", r.Name, r.TitleRU, r.Description)
		}
		return tw.Flush()
	}
	if (*ids == "" && *reportName == "") || span.from == "" || span.to == "" {
		fs.Usage()
		return errors.New("-kpi or -report, -from and -to are required")
	}
	fd, td, err := span.dates()
	if err != nil {
		return err
	}
	b, err := analytics.ParseBucket(*bucket)
	if err != nil {
		return fmt.Errorf("-bucket: %s", *bucket)
	}
	in, err := who.open(ctx, cfg, reportActor)
	if err != nil {
		return err
	}
	defer in.db.Close()
	db, actor, acc := in.db, in.actor, in.acc
	req := analytics.Request{IDs: splitIDs(*ids), Period: analytics.Period{From: fd, To: td, Loc: acc.Location()}, Bucket: b, Filter: flt}
	for _, d := range strings.Split(*by, ",") {
		if d = strings.TrimSpace(d); d != "" {
			req.By = append(req.By, analytics.Dimension(d))
		}
	}
	eng := analytics.NewEngine(db)
	if *records != "" {
		if len(req.IDs) != 1 || *reportName != "" || *compare || len(req.By) > 0 || b != analytics.None {
			return errors.New("-records lists the records of one -kpi over the whole period: no -report, -compare, -by or -bucket")
		}
		d, err := eng.Records(ctx, actor, analytics.DrillRequest{KPI: req.IDs[0], Part: *records, Group: *group,
			Period: req.Period, Filter: flt, Limit: *limit, Offset: *offset})
		if err != nil {
			return describe(err)
		}
		return writeRecords(stdout, *format, d)
	}
	if *reportName != "" {
		rep, err := eng.Report(ctx, actor, *reportName, analytics.ReportRequest{Period: req.Period, Bucket: b, By: req.By, Filter: flt, Days: *days, Months: *months})
		if err != nil {
			return describe(err)
		}
		return writeTable(stdout, *format, rep)
	}
	if *compare {
		cs, err := eng.Compare(ctx, actor, req, acc.GoLiveDate)
		if err != nil {
			return describe(err)
		}
		return writeComparison(stdout, *format, req.By, cs)
	}
	rs, err := eng.Compute(ctx, actor, req)
	if err != nil {
		return describe(err)
	}
	return writeReport(stdout, *format, req.By, rs)
}

// reportActor is the active user with the e-mail, or the account's first administrator.
func reportActor(ctx context.Context, db *store.DB, svc *crm.Service, slug, email string) (*crm.Actor, error) {
	if email == "" {
		return importActor(ctx, db, svc, slug, "")
	}
	return findActor(ctx, db, svc, slug, email, false)
}

// writeReport prints results as an aligned table, CSV or JSON. Percentages and days show one
// decimal in the table; CSV and JSON carry the full precision.
func writeReport(w io.Writer, format string, by []analytics.Dimension, rs []analytics.Result) error {
	header := []string{"kpi", "bucket"}
	for _, d := range by {
		header = append(header, string(d))
	}
	header = append(header, "value", "numerator", "denominator", "unit")
	row := func(r analytics.Result, display bool) []string {
		out := []string{r.KPI, r.Bucket}
		for _, d := range by {
			v, ok := r.Slice[string(d)]
			if !ok {
				v = "(all)"
			}
			out = append(out, v)
		}
		num := func(v *float64, unit analytics.Unit) string {
			if v == nil {
				if display {
					return "—"
				}
				return ""
			}
			if display {
				switch unit {
				case analytics.Percent, analytics.Days, analytics.Minutes, analytics.Hours:
					return strconv.FormatFloat(*v, 'f', 1, 64)
				case analytics.Money:
					return strconv.FormatFloat(*v/100, 'f', 2, 64)
				}
			}
			return strconv.FormatFloat(*v, 'f', -1, 64)
		}
		return append(out, num(r.Value, r.Unit), num(r.Numerator, ""), num(r.Denominator, ""), string(r.Unit))
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"results": rs})
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		for _, r := range rs {
			_ = cw.Write(row(r, false))
		}
		cw.Flush()
		return cw.Error()
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
		for _, r := range rs {
			fmt.Fprintln(tw, strings.Join(row(r, true), "\t")+"\t")
		}
		return tw.Flush()
	}
	return fmt.Errorf("-format %q: table, csv or json", format)
}

// writeComparison prints before/after figures.
func writeComparison(w io.Writer, format string, by []analytics.Dimension, cs []analytics.Comparison) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"comparison": cs})
	}
	header := []string{"kpi"}
	for _, d := range by {
		header = append(header, string(d))
	}
	header = append(header, "before", "after", "delta", "delta_pct", "year_earlier", "year_delta_pct", "unit")
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	rows := [][]string{header}
	for _, c := range cs {
		r := []string{c.KPI}
		for _, d := range by {
			v, ok := c.Slice[string(d)]
			if !ok {
				v = "(all)"
			}
			r = append(r, v)
		}
		rows = append(rows, append(r, num(c.Before), num(c.After), num(c.Delta), num(c.DeltaPct), num(c.YearEarlier), num(c.YearDelta), string(c.Unit)))
	}
	if format == "csv" {
		cw := csv.NewWriter(w)
		_ = cw.WriteAll(rows)
		return cw.Error()
	}
	if len(cs) > 0 {
		fmt.Fprintf(w, "before %s, after %s, a year earlier %s", cs[0].Windows["before"], cs[0].Windows["after"], cs[0].Windows["year_earlier"])
		if cs[0].Seasonal {
			fmt.Fprint(w, " — before and after are different months of the year: mind the season, compare with a year earlier")
		}
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	return tw.Flush()
}

func splitIDs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// writeTable prints a report as an aligned table (money in major units, ratios with one decimal),
// CSV (full precision, minor units) or JSON.
func writeTable(w io.Writer, format string, rep *analytics.Report) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	display := format != "csv"
	cell := func(v any, unit analytics.Unit) string {
		var f float64
		switch x := v.(type) {
		case nil:
			if display {
				return "—"
			}
			return ""
		case *float64:
			if x == nil {
				if display {
					return "—"
				}
				return ""
			}
			f = *x
		case float64:
			f = x
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case string:
			return x
		default:
			return fmt.Sprint(x)
		}
		if display {
			switch unit {
			case analytics.Percent, analytics.Days, analytics.Minutes, analytics.Hours:
				return strconv.FormatFloat(f, 'f', 1, 64)
			case analytics.Money:
				return strconv.FormatFloat(f/100, 'f', 2, 64)
			}
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	rows := make([][]string, 0, len(rep.Rows)+1)
	var header []string
	for _, c := range rep.Columns {
		if display {
			header = append(header, c.TitleRU)
		} else {
			header = append(header, c.Key)
		}
	}
	rows = append(rows, header)
	for _, r := range rep.Rows {
		line := make([]string, len(rep.Columns))
		for i, c := range rep.Columns {
			line[i] = cell(r[c.Key], c.Unit)
		}
		rows = append(rows, line)
	}
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.WriteAll(rows)
		return cw.Error()
	case "table", "":
		fmt.Fprintf(w, "%s (%s), %s\n", rep.TitleRU, rep.TitleEN, rep.Period)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, n := range rep.Notes {
			fmt.Fprintln(w, "* "+n)
		}
		return nil
	}
	return fmt.Errorf("-format %q: table, csv or json", format)
}
