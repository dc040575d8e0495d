package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// GET /kpi answers with value, numerator, denominator and unit, per bucket and slice, within what
// the caller may see; a bad request names its fields.
func TestKPIAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mgr, other := e.token(e.alpha.North1), e.token(e.alpha.South1)
		var now time.Time
		for i, tok := range []string{mgr, mgr, mgr, other} {
			r := e.do(nil, "POST", "/api/v1/deals", tok, []byte(fmt.Sprintf(`{"name":"Лид %d","amount":%d}`, i, 1000*(i+1))))
			if r.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			now, _ = time.Parse(time.RFC3339, r.json(t)["created_at"].(string)) // the service's clock
		}
		now = now.AddDate(0, 0, -1)
		from, to := now.Format(time.DateOnly), now.AddDate(0, 0, 2).Format(time.DateOnly)
		q := fmt.Sprintf("/api/v1/kpi?ids=leads,lead_conversion&from=%s&to=%s&by=manager", from, to)
		var out struct {
			Results []struct {
				KPI         string            `json:"kpi"`
				Slice       map[string]string `json:"slice"`
				Value       *float64          `json:"value"`
				Numerator   *float64          `json:"numerator"`
				Denominator *float64          `json:"denominator"`
				Unit        string            `json:"unit"`
			} `json:"results"`
		}
		admin := e.token(e.alpha.Admin)
		r := e.do(nil, "GET", q, admin, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("kpi: %d %s", r.Status, r.Body)
		}
		if err := json.Unmarshal(r.Body, &out); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, x := range out.Results {
			key := x.KPI + "|" + x.Slice["manager"]
			got[key] = fmt.Sprintf("%v/%v/%v/%s", deref(x.Value), deref(x.Numerator), deref(x.Denominator), x.Unit)
		}
		for k, want := range map[string]string{
			"leads|":                 "4/4/<nil>/count",
			"leads|north1":           "3/3/<nil>/count",
			"leads|south1":           "1/1/<nil>/count",
			"lead_conversion|":       "0/0/4/percent",
			"lead_conversion|north1": "0/0/3/percent",
		} {
			if got[k] != want {
				t.Errorf("%s = %s, want %s", k, got[k], want)
			}
		}
		// The manager sees their own three.
		out.Results = nil
		_ = json.Unmarshal(e.do(nil, "GET", q, mgr, nil).Body, &out)
		for _, x := range out.Results {
			if x.KPI == "leads" && len(x.Slice) == 0 && deref(x.Value) != "3" {
				t.Errorf("the manager's total leads: %v", deref(x.Value))
			}
			if x.Slice["manager"] == "south1" {
				t.Errorf("the manager sees a colleague's slice")
			}
		}
		// The other account sees none of it.
		out.Results = nil
		_ = json.Unmarshal(e.do(nil, "GET", q, e.token(e.beta.Admin), nil).Body, &out)
		for _, x := range out.Results {
			if x.KPI == "leads" && deref(x.Value) != "0" {
				t.Errorf("another account's leads: %v", deref(x.Value))
			}
		}
		bad := e.do(nil, "GET", "/api/v1/kpi?ids=leads,joy&from=2026-13-01&to=2026-02-01&by=planet", admin, nil)
		if bad.Status != http.StatusUnprocessableEntity && bad.Status != http.StatusBadRequest {
			t.Fatalf("bad request: %d %s", bad.Status, bad.Body)
		}
		if !strings.Contains(string(bad.Body), `"from"`) {
			t.Errorf("the error does not name from: %s", bad.Body)
		}
		bad = e.do(nil, "GET", fmt.Sprintf("/api/v1/kpi?ids=leads,joy&from=%s&to=%s&by=planet", from, to), admin, nil)
		if !strings.Contains(string(bad.Body), `"ids"`) || !strings.Contains(string(bad.Body), `"by"`) {
			t.Errorf("the error does not name ids and by: %d %s", bad.Status, bad.Body)
		}
		// Fifty years by day is more buckets than a request may have: a 422 naming bucket.
		bad = e.do(nil, "GET", "/api/v1/kpi?ids=leads,clv&from=1980-01-01&to=2029-12-31&bucket=day", admin, nil)
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(string(bad.Body), `"bucket"`) {
			t.Errorf("too many buckets: %d %s", bad.Status, bad.Body)
		}
		// Before/after needs the account's go-live date.
		r = e.do(nil, "GET", q+"&compare=go_live", admin, nil)
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "go-live") {
			t.Errorf("compare without a go-live date: %d %s", r.Status, r.Body)
		}
		var catalog []map[string]any
		_ = json.Unmarshal(e.do(nil, "GET", "/api/v1/kpi/catalog", mgr, nil).Body, &catalog)
		if len(catalog) < 11 {
			t.Errorf("catalog: %d KPIs", len(catalog))
		}

		// The drill-down lists the deals behind a figure, a manager's own only.
		r = e.do(nil, "GET", fmt.Sprintf("/api/v1/kpi/records?kpi=leads&from=%s&to=%s", from, to), mgr, nil)
		var dr struct {
			Total int `json:"total"`
			Deals []struct {
				ResponsibleID int64 `json:"responsible_id"`
			} `json:"deals"`
		}
		if err := json.Unmarshal(r.Body, &dr); r.Status != http.StatusOK || err != nil || dr.Total != 3 || len(dr.Deals) != 3 {
			t.Errorf("drill-down: %d %s", r.Status, r.Body)
		}
		for _, d := range dr.Deals {
			if d.ResponsibleID != e.alpha.North1.ID {
				t.Errorf("a manager drilled into a deal of user %d", d.ResponsibleID)
			}
		}
		// Spend is the account's: its entries are listed to an administrator only.
		r = e.do(nil, "GET", fmt.Sprintf("/api/v1/kpi/records?kpi=marketing_spend&from=%s&to=%s", from, to), admin, nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"kind":"marketing_spend"`) {
			t.Errorf("drilling into spend: %d %s", r.Status, r.Body)
		}
		r = e.do(nil, "GET", fmt.Sprintf("/api/v1/kpi/records?kpi=marketing_spend&from=%s&to=%s", from, to), mgr, nil)
		if r.Status != http.StatusForbidden {
			t.Errorf("a manager drilling into spend: %d %s", r.Status, r.Body)
		}
		// A plan is no records; NPS groups are of NPS answers only.
		for _, u := range []string{"kpi=plan_fact_revenue&part=denominator", "kpi=leads&group=promoter"} {
			r = e.do(nil, "GET", fmt.Sprintf("/api/v1/kpi/records?%s&from=%s&to=%s", u, from, to), admin, nil)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s, want 422", u, r.Status, r.Body)
			}
		}

		// A report: the channels table, and a clear 4xx for an unknown one.
		r = e.do(nil, "GET", fmt.Sprintf("/api/v1/reports/channels?from=%s&to=%s", from, to), admin, nil)
		var rep struct {
			Name    string           `json:"name"`
			Columns []map[string]any `json:"columns"`
			Rows    []map[string]any `json:"rows"`
		}
		if err := json.Unmarshal(r.Body, &rep); r.Status != http.StatusOK || err != nil || rep.Name != "channels" || len(rep.Rows) == 0 || rep.Rows[0]["channel"] != "(all)" {
			t.Errorf("channels report: %d %s", r.Status, r.Body)
		}
		r = e.do(nil, "GET", fmt.Sprintf("/api/v1/reports/gossip?from=%s&to=%s", from, to), admin, nil)
		if r.Status/100 != 4 || !strings.Contains(string(r.Body), "gossip") {
			t.Errorf("unknown report: %d %s", r.Status, r.Body)
		}
	})
}

func deref(v *float64) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprint(*v)
}

// Every KPI of the registry answers through GET /kpi on a demo account, by month and manager,
// with the engine's own figures: for the administrator, and for a manager only their own.
func TestKPIAPIAnswersEveryKPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		acc := testkit.Demo(t, db, 300)
		period := analytics.Period{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}}
		q := "/api/v1/kpi?ids=" + strings.Join(analytics.IDs(), ",") + "&from=2025-11-01&to=2026-11-01&bucket=month&by=manager"
		for _, who := range []*crm.Actor{acc.Admin, acc.Manager} {
			u, err := acc.Svc.User(t.Context(), who, who.UserID)
			if err != nil {
				t.Fatal(err)
			}
			r := e.do(nil, "GET", q, e.demoToken(u.Email), nil)
			if r.Status != http.StatusOK {
				t.Fatalf("as %s: %d %.300s", who.Role, r.Status, r.Body)
			}
			var out struct{ Results []analytics.Result }
			if err := json.Unmarshal(r.Body, &out); err != nil {
				t.Fatal(err)
			}
			a, err := acc.Svc.Account(t.Context(), who)
			if err != nil {
				t.Fatal(err)
			}
			period.Loc = a.Location()
			want, err := analytics.NewEngine(db).Compute(t.Context(), who, analytics.Request{IDs: analytics.IDs(), Period: period,
				Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
			if err != nil {
				t.Fatal(err)
			}
			answered := map[string]bool{}
			for _, x := range out.Results {
				answered[x.KPI] = true
			}
			for _, id := range analytics.IDs() {
				if !answered[id] {
					t.Errorf("as %s: no row of %s", who.Role, id)
				}
			}
			got, _ := json.Marshal(out.Results)
			exp, _ := json.Marshal(want)
			if string(got) != string(exp) {
				t.Errorf("as %s: the API's %d rows differ from the engine's %d", who.Role, len(out.Results), len(want))
			}
		}
	})
}

// demoToken logs a demo user in (the demo's password) and returns the token.
func (e *env) demoToken(email string) string {
	e.t.Helper()
	r := e.do(nil, "POST", "/api/v1/auth/token", "", mustJSON(map[string]string{"email": email, "password": "demo-password"}))
	if r.Status != http.StatusCreated {
		e.t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	return r.json(e.t)["token"].(string)
}
