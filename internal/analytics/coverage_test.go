package analytics_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// Every KPI answers every slice, pair of slices and filter on a demo account, for every role,
// without an error; every report does too; and additive KPIs sum over a slice to the total.
func TestEveryKPIAnswersEverySlice(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := testkit.Demo(t, db, 400)
		svc, res, admin := acc.Svc, acc.Res, acc.Admin
		eng := analytics.NewEngine(db)
		period := analytics.Period{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}, Loc: msk}
		var slices [][]analytics.Dimension
		for _, d := range analytics.Dimensions {
			slices = append(slices, []analytics.Dimension{d})
		}
		slices = append(slices, []analytics.Dimension{analytics.ByChannel, analytics.ByProduct}, []analytics.Dimension{analytics.ByManager, analytics.ByClientType})
		for _, by := range slices {
			rs, err := eng.Compute(ctx, admin, analytics.Request{IDs: analytics.IDs(), Period: period, Bucket: analytics.Quarter, By: by})
			if err != nil {
				t.Fatalf("by %v: %v", by, err)
			}
			if len(by) == 1 && by[0] != analytics.ByProduct {
				checkAdditive(t, rs, by)
			}
			checkBounded(t, rs, by)
		}
		users, _ := svc.Users(ctx, admin, crm.UserFilter{})
		var head, manager *crm.Actor
		for _, u := range users {
			a, _ := svc.ActorFor(ctx, res.Account.ID, u.ID)
			switch {
			case u.Role == crm.RoleHead && head == nil:
				head = a
			case u.Role == crm.RoleManager && manager == nil && u.Active:
				manager = a
			}
		}
		for _, f := range []analytics.Filter{{ProductID: 1}, {Tag: "vip"}, {ClientType: analytics.ClientExisting}, {ClientType: analytics.ClientNew},
			{Region: "Москва"}, {TeamID: 1}, {ManagerID: manager.UserID}, {ChannelID: 1}, {PipelineID: 1}} {
			for _, who := range []*crm.Actor{admin, head, manager} {
				if _, err := eng.Compute(ctx, who, analytics.Request{IDs: analytics.IDs(), Period: period, Bucket: analytics.Month, Filter: f}); err != nil {
					t.Fatalf("filter %+v as %s: %v", f, who.Role, err)
				}
			}
		}
		for _, name := range analytics.ReportNames() {
			if _, err := eng.Report(ctx, admin, name, analytics.ReportRequest{Period: period, Bucket: analytics.Month}); err != nil {
				t.Errorf("report %s: %v", name, err)
			}
		}
	})
}

// additive KPIs are counts and sums of deals that each fall in exactly one slice of a dimension
// other than product.
var additive = []string{"leads", "won_deals", "lost_deals", "revenue", "margin", "upsell_deals", "upsell_revenue", "repeat_sales"}

func checkAdditive(t *testing.T, rs []analytics.Result, by []analytics.Dimension) {
	t.Helper()
	total, sum := map[string]float64{}, map[string]float64{}
	for _, r := range rs {
		if r.Value == nil {
			continue
		}
		k := r.KPI + "|" + r.Bucket
		if len(r.Slice) == 0 {
			total[k] = *r.Value
		} else {
			sum[k] += *r.Value
		}
	}
	for _, id := range additive {
		for k, v := range total {
			if len(k) > len(id) && k[:len(id)+1] == id+"|" && !near(sum[k], v) {
				t.Errorf("by %v: %s slices sum to %v, total %v", by, k, sum[k], v)
			}
		}
	}
}

// bounded are the shares that stay within 0–100 % (lead_conversion does not: deals won in a
// period may have come in before it; plan/fact and margin rate do not either).
var bounded = map[string][2]float64{
	"cohort_conversion": {0, 100}, "win_rate": {0, 100}, "upsell_rate": {0, 100}, "crm_adoption": {0, 100},
	"crm_adoption_won_touched": {0, 100}, "data_quality": {0, 100}, "repeat_purchase_rate": {0, 100},
	"churn_rate": {0, 100}, "overdue_tasks_rate": {0, 100}, "nps": {-100, 100},
}

func checkBounded(t *testing.T, rs []analytics.Result, by []analytics.Dimension) {
	t.Helper()
	for _, r := range rs {
		if b, ok := bounded[r.KPI]; ok && r.Value != nil && (*r.Value < b[0] || *r.Value > b[1]) {
			t.Errorf("by %v: %s %s %v = %v, outside %v", by, r.KPI, r.Bucket, r.Slice, *r.Value, b)
		}
	}
}

// The registry is the catalog: every id ../shared/KPI.md names in backquotes in its tables (the
// first column's ids and the companions its definitions name, such as upsell_rate) is a KPI
// here. The catalog lives beside the project; without it the test skips, except in CI
// (VORONKA_REQUIRE_DATA=1).
func TestRegistryHoldsEveryKPIOfTheCatalog(t *testing.T) {
	// ../shared beside the project; VORONKA_DATA_DIR (its data/, as CI finds it) names it too.
	path := filepath.Join("..", "..", "..", "shared", "KPI.md")
	if dir := os.Getenv("VORONKA_DATA_DIR"); dir != "" {
		path = filepath.Join(dir, "..", "KPI.md")
	}
	text, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("VORONKA_REQUIRE_DATA") == "1" {
			t.Fatalf("the KPI catalog is missing: %v", err)
		}
		t.Skipf("the KPI catalog is not at %s", path)
	}
	known := map[string]bool{}
	for _, id := range analytics.IDs() {
		known[id] = true
	}
	// Column and value names the definitions quote, not KPIs.
	words := map[string]bool{"id": true, "created_at": true, "closed_at": true, "won": true, "lost": true, "null": true}
	ids := 0
	for _, line := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(line, -1) {
			if id := m[1]; !words[id] {
				ids++
				if !known[id] {
					t.Errorf("KPI.md names %q; the registry has no such KPI", id)
				}
			}
		}
	}
	if ids < 40 {
		t.Fatalf("found %d ids in %s; the catalog's tables were not read", ids, path)
	}
}

// The longest period a request may cut into days (analytics.MaxBuckets of them) answers every KPI
// and every report on both engines — each bucket is bound in the statements, and the engines limit
// how many values a statement binds —, and one day more is a validation error on bucket, not a
// database error. (Before/after ignores buckets.)
func TestMostBucketsAnswerAndOneMoreIsRefused(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := testkit.Demo(t, db, 60)
		eng := analytics.NewEngine(db).Uncached()
		from := crm.Date{Year: 2017, Month: 1, Day: 1}
		longest := analytics.Period{From: from, To: from.AddDays(analytics.MaxBuckets), Loc: msk}
		if n := len(longest.Spans(analytics.Day)); n != analytics.MaxBuckets {
			t.Fatalf("the period has %d days", n)
		}
		rs, err := eng.Compute(ctx, acc.Admin, analytics.Request{IDs: analytics.IDs(), Period: longest, Bucket: analytics.Day})
		if err != nil {
			t.Fatalf("every KPI by day over %d days: %v", analytics.MaxBuckets, err)
		}
		if len(rs) < len(analytics.IDs())*analytics.MaxBuckets {
			t.Errorf("%d results for %d KPIs and %d days", len(rs), len(analytics.IDs()), analytics.MaxBuckets)
		}
		for _, name := range analytics.ReportNames() {
			if _, err := eng.Report(ctx, acc.Admin, name, analytics.ReportRequest{Period: longest, Bucket: analytics.Day}); err != nil {
				t.Errorf("report %s by day over %d days: %v", name, analytics.MaxBuckets, err)
			}
		}
		tooLong := analytics.Period{From: from, To: from.AddDays(analytics.MaxBuckets + 1), Loc: msk}
		_, err = eng.Compute(ctx, acc.Admin, analytics.Request{IDs: []string{"leads"}, Period: tooLong, Bucket: analytics.Day})
		wantField(t, err, "bucket")
		_, err = eng.Report(ctx, acc.Admin, "channels", analytics.ReportRequest{Period: tooLong, Bucket: analytics.Day})
		wantField(t, err, "bucket")
		// Months over the same span are few: allowed.
		if _, err := eng.Compute(ctx, acc.Admin, analytics.Request{IDs: []string{"leads"}, Period: tooLong, Bucket: analytics.Month}); err != nil {
			t.Errorf("by month over %d days: %v", analytics.MaxBuckets+1, err)
		}
	})
}

// wantField checks that err is a validation error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ce *crm.Error
	if !errors.As(err, &ce) || ce.Code != crm.EINVALID {
		t.Fatalf("want a validation error on %s, got %v", field, err)
	}
	for _, f := range ce.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("the validation error names %+v, not %s", ce.Fields, field)
}
