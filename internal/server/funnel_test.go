package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// GET /funnel answers with the cohort's funnel of a pipeline, in total and by a slice, within what
// the caller may see; a bad request names its fields.
func TestFunnelAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mgr, other, admin := e.token(e.alpha.North1), e.token(e.alpha.South1), e.token(e.alpha.Admin)
		ps, err := e.svc.Pipelines(t.Context(), e.alpha.Actor(t, e.alpha.Admin), false)
		if err != nil {
			t.Fatal(err)
		}
		p := ps[0]
		var now time.Time
		var ids []int64
		for i, tok := range []string{mgr, mgr, mgr, other} {
			r := e.do(nil, "POST", "/api/v1/deals", tok, []byte(fmt.Sprintf(`{"name":"Лид %d"}`, i)))
			if r.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			body := r.json(t)
			now, _ = time.Parse(time.RFC3339, body["created_at"].(string))
			ids = append(ids, int64(body["id"].(float64)))
		}
		// north1: one deal to the third stage, one won, one stays; south1's is lost.
		for i, st := range map[int]int64{0: p.Stages[2].ID, 1: p.Stages[4].ID, 3: p.Stages[5].ID} {
			tok := mgr
			if i == 3 {
				tok = other
			}
			if r := e.do(nil, "POST", fmt.Sprintf("/api/v1/deals/%d/move", ids[i]), tok, []byte(fmt.Sprintf(`{"stage_id":%d}`, st))); r.Status != http.StatusOK {
				t.Fatalf("move: %d %s", r.Status, r.Body)
			}
		}
		from, to := now.AddDate(0, 0, -1).Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)
		q := fmt.Sprintf("/api/v1/funnel?pipeline_id=%d&from=%s&to=%s&by=manager", p.ID, from, to)
		type slice struct {
			Label  string `json:"label"`
			Entry  int64  `json:"entry"`
			Won    int64  `json:"won"`
			Lost   int64  `json:"lost"`
			Open   int64  `json:"open"`
			Stages []struct {
				Name           string   `json:"name"`
				Reached        int64    `json:"reached"`
				ConversionPrev *float64 `json:"conversion_prev"`
			} `json:"stages"`
			LostByReason []struct {
				Reason string `json:"reason"`
				Count  int64  `json:"count"`
			} `json:"lost_by_reason"`
			Conversion *float64 `json:"conversion"`
		}
		var out struct {
			Pipeline string  `json:"pipeline"`
			Total    slice   `json:"total"`
			Slices   []slice `json:"slices"`
		}
		get := func(tok, url string) {
			t.Helper()
			out.Slices = nil
			r := e.do(nil, "GET", url, tok, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("funnel: %d %s", r.Status, r.Body)
			}
			if err := json.Unmarshal(r.Body, &out); err != nil {
				t.Fatal(err)
			}
		}
		get(admin, q)
		show := func(s slice) string {
			reached := ""
			for _, st := range s.Stages {
				reached += fmt.Sprintf(" %d", st.Reached)
			}
			conv := "null"
			if s.Conversion != nil {
				conv = fmt.Sprintf("%.1f", *s.Conversion)
			}
			return fmt.Sprintf("%s: %d →%s | won %d lost %d open %d | %s %%", s.Label, s.Entry, reached, s.Won, s.Lost, s.Open, conv)
		}
		// Reached: the won deal every stage, the moved one the first three, the new one and the lost
		// one (lost from the first stage) the first.
		if got := show(out.Total); out.Pipeline != p.Name || got != ": 4 → 4 2 2 1 | won 1 lost 1 open 2 | 25.0 %" {
			t.Errorf("total: %s %s", out.Pipeline, got)
		}
		if len(out.Slices) != 2 || show(out.Slices[0]) != "north1: 3 → 3 2 2 1 | won 1 lost 0 open 2 | 33.3 %" ||
			show(out.Slices[1]) != "south1: 1 → 1 0 0 0 | won 0 lost 1 open 0 | 0.0 %" {
			t.Errorf("slices: %v", out.Slices)
		}
		if l := out.Total.LostByReason; len(l) != 1 || l[0].Reason != "(none)" || l[0].Count != 1 {
			t.Errorf("lost by reason: %v", l)
		}
		// The drill-down: the deals behind each figure.
		records := func(tok, query string) []int64 {
			t.Helper()
			r := e.do(nil, "GET", fmt.Sprintf("/api/v1/funnel/records?pipeline_id=%d&from=%s&to=%s&%s", p.ID, from, to, query), tok, nil)
			var d struct {
				Total   int `json:"total"`
				Records []struct {
					ID   int64  `json:"id"`
					Kind string `json:"kind"`
					Link string `json:"link"`
				} `json:"records"`
			}
			if err := json.Unmarshal(r.Body, &d); r.Status != http.StatusOK || err != nil || d.Total != len(d.Records) {
				t.Fatalf("funnel records %s: %d %s", query, r.Status, r.Body)
			}
			var got []int64
			for _, x := range d.Records {
				if x.Kind != "deal" || x.Link != fmt.Sprintf("/deals/%d", x.ID) {
					t.Errorf("funnel records %s: %+v", query, x)
				}
				got = append(got, x.ID)
			}
			slices.Sort(got)
			return got
		}
		for query, want := range map[string][]int64{
			"part=entry": ids,
			fmt.Sprintf("part=reached&stage_id=%d", p.Stages[1].ID):  {ids[0], ids[1]},
			fmt.Sprintf("part=drop_off&stage_id=%d", p.Stages[0].ID): {ids[2], ids[3]},
			fmt.Sprintf("part=drop_off&stage_id=%d", p.Stages[3].ID): nil, // the won deal reached it and won
			fmt.Sprintf("part=in_stage&stage_id=%d", p.Stages[2].ID): {ids[0]},
			"part=won":                    {ids[1]},
			"part=lost&loss_reason_id=-1": {ids[3]},
			"part=open":                   {ids[0], ids[2]},
			"part=moved_out":              nil,
		} {
			if got := records(admin, query); !slices.Equal(got, want) {
				t.Errorf("funnel records %s: %v, want %v", query, got, want)
			}
		}
		if got := records(mgr, "part=entry"); !slices.Equal(got, ids[:3]) {
			t.Errorf("the manager's cohort: %v, want their %v", got, ids[:3])
		}
		if r := e.do(nil, "GET", fmt.Sprintf("/api/v1/funnel/records?from=%s&to=%s&part=reached", from, to), admin, nil); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("reached without a stage: %d %s", r.Status, r.Body)
		}
		// The manager sees their own deals only; another account nothing; no pipeline_id is the first.
		get(mgr, q)
		if out.Total.Entry != 3 || len(out.Slices) != 1 || out.Slices[0].Label != "north1" {
			t.Errorf("the manager sees %s and %d slices", show(out.Total), len(out.Slices))
		}
		get(e.token(e.beta.Admin), fmt.Sprintf("/api/v1/funnel?from=%s&to=%s", from, to))
		if out.Total.Entry != 0 || out.Total.Conversion != nil || out.Total.Stages[0].ConversionPrev != nil {
			t.Errorf("another account: %s", show(out.Total))
		}
		// Another account's pipeline is unknown here; a bad slice or date is named.
		for url, field := range map[string]string{
			fmt.Sprintf("/api/v1/funnel?pipeline_id=%d&from=%s&to=%s", p.ID, from, to): "",
			fmt.Sprintf("/api/v1/funnel?from=%s&to=%s&by=pipeline", from, to):          `"by`,
			fmt.Sprintf("/api/v1/funnel?from=2026-13-01&to=%s", to):                    `"from"`,
		} {
			tok := admin
			if field == "" {
				tok, field = e.token(e.beta.Admin), `"pipeline_id"`
			}
			r := e.do(nil, "GET", url, tok, nil)
			if r.Status/100 != 4 || !strings.Contains(string(r.Body), field) {
				t.Errorf("%s: %d %s, want a 4xx naming %s", url, r.Status, r.Body, field)
			}
		}
	})
}
