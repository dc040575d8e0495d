package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// plannerInputs is a valid set of the ROI planner's inputs: 3 months of the hand-computed plan of
// internal/analytics (base scenario gains 56,666, 109,244, 114,044 against 160,000, 10,000, 10,000).
const plannerInputs = `{"monthly_leads":100,"conversion_pct":10,"average_check":100000,"margin_rate_pct":40,
	"customer_base":100,"churn_pct_year":12,"managers":2,"manager_monthly_cost":100000,
	"effects":{"sales_pct":15,"productivity_pct":25,"lifetime_pct":25,"base_pct":24,"base_months":24,"ramp_up_months":2},
	"costs":[{"month":1,"amount":150000,"kind":"one_off"},{"month":1,"amount":10000,"kind":"monthly"}],
	"horizon_months":3,"discount_rate_pct":12}`

// The planner in the permission walk: administrators and heads read and preview, only
// administrators save; a refused save leaves the saved plan as it was.
func init() {
	version := func(w *walker, owner string, _ int64) string {
		var v int64
		_ = w.db.SQL().QueryRow(`SELECT version FROM roi_plans WHERE account_id = $1`, w.orgOf(owner).Account.ID).Scan(&v)
		return fmt.Sprint(v)
	}
	walkOps = append(walkOps,
		walkOp{method: "GET", path: "/planner", want: roleGate(notManager, 200)},
		walkOp{method: "PUT", path: "/planner", body: `{"inputs":` + plannerInputs + `}`, want: roleGate(onlyAdmin, 200), snapshot: version},
		walkOp{method: "POST", path: "/planner/preview", body: `{"inputs":` + plannerInputs + `}`, want: roleGate(notManager, 200)},
	)
}

func TestPlannerAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin, head, mgr := e.token(e.alpha.Admin), e.token(e.alpha.NorthHead), e.token(e.alpha.North1)
		type plan struct {
			MonthlyMargin int64 `json:"monthly_margin"`
			Scenarios     []struct {
				Name   string `json:"name"`
				Months []struct {
					Gain    int64 `json:"gain"`
					Cost    int64 `json:"cost"`
					CumGain int64 `json:"cum_gain"`
					CumCost int64 `json:"cum_cost"`
				} `json:"months"`
				ROI          *float64 `json:"roi"`
				PaybackMonth *int     `json:"payback_month"`
				NPV          int64    `json:"npv"`
			} `json:"scenarios"`
		}
		var page struct {
			Inputs   map[string]any `json:"inputs"`
			Version  int64          `json:"version"`
			Plan     *plan          `json:"plan"`
			Measured map[string]any `json:"measured_crm_roi"`
		}
		decode := func(r response, v any) {
			t.Helper()
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if err := json.Unmarshal(r.Body, v); err != nil {
				t.Fatal(err)
			}
		}
		// Before the first save: no inputs, no plan.
		decode(e.do(nil, "GET", "/api/v1/planner", admin, nil), &page)
		if page.Inputs != nil || page.Plan != nil || page.Version != 0 {
			t.Errorf("before saving: %+v", page)
		}
		// The account has no go-live date: nothing measured beside the plan.
		if page.Measured != nil {
			t.Errorf("measured ROI without go-live: %v", page.Measured)
		}
		// A manager may not save, nor read; the plan stays unsaved.
		wantError(t, e.do(nil, "PUT", "/api/v1/planner", mgr, []byte(`{"inputs":`+plannerInputs+`}`)), 403, "forbidden", "")
		wantError(t, e.do(nil, "GET", "/api/v1/planner", mgr, nil), 403, "forbidden", "")
		// Invalid inputs: 422 naming the fields.
		bad := `{"inputs":` + plannerInputs[:len(plannerInputs)-len(`"horizon_months":3,"discount_rate_pct":12}`)] + `"horizon_months":0,"discount_rate_pct":120}}`
		r := e.do(nil, "PUT", "/api/v1/planner", admin, []byte(bad))
		wantError(t, r, 422, "invalid", "horizon_months")
		wantError(t, r, 422, "invalid", "discount_rate_pct")
		// The administrator saves; the answer is the plan.
		decode(e.do(nil, "PUT", "/api/v1/planner", admin, []byte(`{"inputs":`+plannerInputs+`,"version":0}`)), &page)
		if page.Version != 1 || page.Plan == nil || page.Plan.MonthlyMargin != 400_000 {
			t.Fatalf("saved: %+v", page)
		}
		base := page.Plan.Scenarios[1]
		if base.Name != "base" || len(base.Months) != 3 || base.Months[2].CumGain != 279_954 || base.Months[2].CumCost != 180_000 ||
			base.PaybackMonth == nil || *base.PaybackMonth != 3 || base.NPV != 95_962 {
			t.Errorf("base scenario: %+v", base)
		}
		// A head reads it back; a stale version conflicts.
		decode(e.do(nil, "GET", "/api/v1/planner", head, nil), &page)
		if page.Version != 1 || page.Inputs["monthly_leads"] != float64(100) || page.Plan == nil {
			t.Errorf("read back: %+v", page)
		}
		wantError(t, e.do(nil, "PUT", "/api/v1/planner", admin, []byte(`{"inputs":`+plannerInputs+`,"version":0}`)), 409, "conflict", "")
		// Preview computes without saving.
		var preview plan
		decode(e.do(nil, "POST", "/api/v1/planner/preview", head, []byte(`{"inputs":`+plannerInputs+`}`)), &preview)
		if len(preview.Scenarios) != 3 || preview.Scenarios[2].PaybackMonth == nil || *preview.Scenarios[2].PaybackMonth != 2 {
			t.Errorf("preview: %+v", preview)
		}
		wantError(t, e.do(nil, "POST", "/api/v1/planner/preview", admin, []byte(bad)), 422, "invalid", "horizon_months")
		// The other account has no plan.
		var other struct {
			Plan *plan `json:"plan"`
		}
		decode(e.do(nil, "GET", "/api/v1/planner", e.token(e.beta.Admin), nil), &other)
		if other.Plan != nil {
			t.Errorf("another account sees a plan")
		}
	})
}
