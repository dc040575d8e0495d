package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// "voronka report" on a demo account: the figures in JSON, CSV and as a table agree; the slices
// of an additive KPI add up to its total; the drill-down lists as many records as the figure
// counts, summing to the figure it sums; a manager (-as) gets only their own deals; bad requests
// name what is wrong.
func TestReportCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "voronka.db")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-db", db, "-deals", "300", "-until", "2026-10-31",
		"-admin-password", "demo-password-4", "-quiet"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (string, error) {
		t.Helper()
		out.Reset()
		errOut.Reset()
		err := run(context.Background(), append(args[:1:1], append([]string{"-db", db}, args[1:]...)...), &out, &errOut)
		return out.String(), err
	}
	period := []string{"-from", "2025-11-01", "-to", "2026-11-01"}
	report := func(args ...string) string {
		t.Helper()
		s, err := cmd(append(append([]string{"report"}, period...), args...)...)
		if err != nil {
			t.Fatalf("report %v: %v %s", args, err, errOut.String())
		}
		return s
	}

	// The totals in JSON.
	var totals struct{ Results []analytics.Result }
	if err := json.Unmarshal([]byte(report("-kpi", "won_deals,revenue,win_rate", "-format", "json")), &totals); err != nil {
		t.Fatal(err)
	}
	total := map[string]analytics.Result{}
	for _, r := range totals.Results {
		if len(r.Slice) != 0 {
			t.Errorf("a total row with a slice: %+v", r)
		}
		total[r.KPI] = r
	}
	won, revenue, winRate := total["won_deals"], total["revenue"], total["win_rate"]
	if won.Value == nil || *won.Value < 10 || revenue.Value == nil || *revenue.Value <= 0 || winRate.Value == nil {
		t.Fatalf("the demo's year has too little to check: %+v", totals.Results)
	}
	if *winRate.Numerator != *won.Value || *winRate.Value != *winRate.Numerator / *winRate.Denominator * 100 || revenue.Unit != analytics.Money {
		t.Errorf("win_rate %v = %v / %v × 100, won %v; revenue in %q", *winRate.Value, *winRate.Numerator, *winRate.Denominator, *won.Value, revenue.Unit)
	}

	// By month and manager in CSV: the managers' won deals add up to each month's, the months'
	// to the year's.
	rows, err := csv.NewReader(strings.NewReader(report("-kpi", "won_deals", "-bucket", "month", "-by", "manager", "-format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "kpi,bucket,manager,value,numerator,denominator,unit" {
		t.Fatalf("header %v", rows[0])
	}
	monthTotal, managerSum := map[string]float64{}, map[string]float64{}
	var yearSum float64
	for _, r := range rows[1:] {
		v, _ := strconv.ParseFloat(r[3], 64)
		if r[2] == "(all)" {
			monthTotal[r[1]] = v
			yearSum += v
		} else {
			managerSum[r[1]] += v
		}
	}
	if len(monthTotal) != 12 || yearSum != *won.Value {
		t.Errorf("%d months adding up to %v won deals, the year has %v", len(monthTotal), yearSum, *won.Value)
	}
	for m, v := range monthTotal {
		if managerSum[m] != v {
			t.Errorf("%s: managers' won deals add up to %v, the month has %v", m, managerSum[m], v)
		}
	}

	// The table shows money in roubles and kopecks.
	if table := report("-kpi", "revenue"); !strings.Contains(table, strconv.FormatFloat(*revenue.Value/100, 'f', 2, 64)) {
		t.Errorf("the table lacks revenue %v: %s", *revenue.Value/100, table)
	}

	// The drill-down: the won deals behind the figure, and the revenue they sum to.
	var drill struct {
		Total   int      `json:"total"`
		Sum     *float64 `json:"sum"`
		Records []struct {
			Kind   string `json:"kind"`
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(report("-kpi", "won_deals", "-records", "numerator", "-limit", "1000", "-format", "json")), &drill); err != nil {
		t.Fatal(err)
	}
	if float64(drill.Total) != *won.Value || len(drill.Records) != drill.Total {
		t.Errorf("won_deals lists %d records (total %d), the figure is %v", len(drill.Records), drill.Total, *won.Value)
	}
	for _, r := range drill.Records {
		if r.Kind != "deal" || r.Status != "won" {
			t.Errorf("a record behind won_deals: %+v", r)
		}
	}
	list, err := csv.NewReader(strings.NewReader(report("-kpi", "revenue", "-records", "numerator", "-limit", "1000", "-format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, r := range list[1:] {
		v, _ := strconv.ParseFloat(r[6], 64)
		sum += v
	}
	if len(list)-1 != drill.Total || sum != *revenue.Value {
		t.Errorf("revenue's records: %d summing to %v; want %d summing to %v", len(list)-1, sum, drill.Total, *revenue.Value)
	}
	if head := strings.SplitN(report("-kpi", "revenue", "-records", "numerator", "-limit", "5"), "\n", 2)[0]; !strings.Contains(head, strconv.Itoa(drill.Total)+" deal records") ||
		!strings.Contains(head, strconv.FormatFloat(*revenue.Value/100, 'f', 2, 64)) || !strings.Contains(head, "5 listed") {
		t.Errorf("the table's first line: %q", head)
	}

	// A manager's view: only their own won deals, fewer than the account's.
	out.Reset()
	err = run(context.Background(), []string{"user", "list", "-db", db}, &out, &errOut)
	users := out.String()
	if err != nil {
		t.Fatal(err)
	}
	var email, name string
	for _, l := range strings.Split(users, "\n") {
		if f := strings.Fields(l); len(f) >= 6 && f[len(f)-3] == "manager" && f[len(f)-1] == "true" {
			email, name = f[1], strings.Join(f[2:len(f)-3], " ")
			break
		}
	}
	if email == "" {
		t.Fatalf("no active manager in:\n%s", users)
	}
	mine := report("-kpi", "won_deals", "-records", "numerator", "-limit", "1000", "-as", email, "-format", "csv")
	mineRows, _ := csv.NewReader(strings.NewReader(mine)).ReadAll()
	if len(mineRows) < 2 || len(mineRows)-1 >= drill.Total {
		t.Errorf("%s sees %d won deals of the account's %d", email, len(mineRows)-1, drill.Total)
	}
	for _, r := range mineRows[1:] {
		if r[8] != name {
			t.Errorf("%s (%s) sees %s's deal %s", email, name, r[8], r[1])
		}
	}

	// Every KPI of the registry answers through the CLI, by quarter and manager, with the
	// engine's own figures.
	all := strings.Join(analytics.IDs(), ",")
	var every struct{ Results []analytics.Result }
	if err := json.Unmarshal([]byte(report("-kpi", all, "-bucket", "quarter", "-by", "manager", "-format", "json")), &every); err != nil {
		t.Fatal(err)
	}
	want := engineResults(t, db, analytics.Request{IDs: analytics.IDs(), Bucket: analytics.Quarter, By: []analytics.Dimension{analytics.ByManager},
		Period: analytics.Period{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}}})
	answered := map[string]bool{}
	for _, r := range every.Results {
		answered[r.KPI] = true
	}
	for _, id := range analytics.IDs() {
		if !answered[id] {
			t.Errorf("the CLI gave no row of %s", id)
		}
	}
	if got, exp := mustMarshal(t, every.Results), mustMarshal(t, want); got != exp {
		t.Errorf("the CLI's %d rows differ from the engine's %d", len(every.Results), len(want))
	}

	// Reports, before/after and the list.
	if s := report("-report", "payments", "-format", "csv"); !strings.HasPrefix(s, "section,") {
		t.Errorf("payments report: %.200s", s)
	}
	if s := report("-kpi", "win_rate", "-compare"); !strings.Contains(s, "before") || !strings.Contains(s, "win_rate") {
		t.Errorf("compare: %s", s)
	}
	if s, err := cmd("report", "-list"); err != nil || !strings.Contains(s, "won_deals") || !strings.Contains(s, "customer_cohorts") {
		t.Errorf("list: %v %.300s", err, s)
	}

	// Bad requests say what is wrong.
	for args, want := range map[string]string{
		"-kpi nope":                                  "nope",
		"-kpi won_deals -records sideways":           "sideways",
		"-kpi won_deals -records numerator -by team": "-records",
		"-kpi won_deals,revenue -records numerator":  "one -kpi",
		"-kpi won_deals -bucket fortnight":           "fortnight",
		"-kpi won_deals -format xml":                 "xml",
	} {
		_, err := cmd(append(append([]string{"report"}, period...), strings.Fields(args)...)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("report %s: %v, want an error naming %q", args, err, want)
		}
	}
}

// engineResults computes req straight through the engine over the database file as the account's
// administrator, in the account's time zone.
func engineResults(t *testing.T, path string, req analytics.Request) []analytics.Result {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := crm.NewService(db)
	actor, err := reportActor(ctx, db, svc, "", "")
	if err != nil {
		t.Fatal(err)
	}
	acc, err := svc.Account(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	req.Period.Loc = acc.Location()
	rs, err := analytics.NewEngine(db).Compute(ctx, actor, req)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
