package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestDealsAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mgr := e.token(e.alpha.North1)
		var pipes []struct {
			ID     int64 `json:"id"`
			Stages []struct {
				ID   int64  `json:"id"`
				Kind string `json:"kind"`
			} `json:"stages"`
		}
		_ = json.Unmarshal(e.do(nil, "GET", "/api/v1/pipelines", mgr, nil).Body, &pipes)
		won := pipes[0].Stages[4].ID

		r := e.do(nil, "POST", "/api/v1/deals", mgr, []byte(`{"name":"Тур в Сочи","tags":["vip"],"region":"Москва",
			"items":[{"name":"Тур","quantity":2,"price":15000000,"cost":9000000,"discount":1000000},{"name":"Страховка","quantity":1,"price":500000,"upsell":true}]}`))
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		d := r.json(t)
		if d["amount"].(float64) != 29500000 || d["cost"].(float64) != 18000000 || d["status"] != "open" {
			t.Errorf("created deal: amount %v cost %v status %v", d["amount"], d["cost"], d["status"])
		}
		id := int64(d["id"].(float64))
		path := fmt.Sprintf("/api/v1/deals/%d", id)
		moved := e.do(nil, "POST", path+"/move", mgr, []byte(fmt.Sprintf(`{"stage_id":%d}`, won))).json(t)
		if moved["status"] != "won" || moved["closed_at"] == nil {
			t.Errorf("moved: %v", moved)
		}
		list := e.do(nil, "GET", "/api/v1/deals?q=%D1%81%D0%BE%D1%87%D0%B8&tag=vip&status=won&amount_min=29500000&with_total=true", mgr, nil).json(t)
		if list["total"].(float64) != 1 || len(list["items"].([]any)) != 1 {
			t.Errorf("filtered list: %v", list)
		}
		if l := e.do(nil, "GET", "/api/v1/deals?amount_min=29500001", mgr, nil).json(t); len(l["items"].([]any)) != 0 {
			t.Errorf("amount_min above the amount still lists it")
		}
		wantError(t, e.do(nil, "GET", "/api/v1/deals?created_from=yesterday", mgr, nil), 422, "invalid", "created_from")
		wantError(t, e.do(nil, "POST", "/api/v1/deals", mgr, []byte(`{"name":"x","items":[{"name":"y","quantity":0,"price":1}]}`)), 422, "invalid", "items[0].quantity")
		wantError(t, e.do(nil, "POST", "/api/v1/deals", mgr, []byte(`{"name":"x","amount":-5}`)), 422, "invalid", "amount")
		wantError(t, e.do(nil, "POST", "/api/v1/deals", mgr, []byte(`{"name":"x","expected_close_date":"31.12.2026"}`)), 422, "invalid", "expected_close_date")

		// Bulk: one bad item and nothing is stored; errors name the request's own lists.
		count := func() int {
			var n int
			_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM deals`).Scan(&n)
			return n
		}
		before := count()
		bad := fmt.Sprintf(`{"create":[{"name":"A"},{"name":"B","stage_id":999999},{"name":"C"}],"update":[{"id":%d,"amount":-1}]}`, id)
		wantError(t, e.do(nil, "POST", "/api/v1/deals/bulk", mgr, []byte(bad)), 422, "invalid", "create[1].stage_id")
		r = e.do(nil, "POST", "/api/v1/deals/bulk", mgr, []byte(bad))
		if m := r.json(t); len(m["fields"].([]any)) != 2 || m["fields"].([]any)[1].(map[string]any)["field"] != "update[0].amount" {
			t.Errorf("bulk errors: %s", r.Body)
		}
		if count() != before {
			t.Fatalf("a failed bulk stored %d deals", count()-before)
		}
		good := fmt.Sprintf(`{"create":[{"name":"A"},{"name":"B"}],"update":[{"id":%d,"name":"Тур в Сочи (оплачен)"}]}`, id)
		r = e.do(nil, "POST", "/api/v1/deals/bulk", mgr, []byte(good))
		if r.Status != 200 || count() != before+2 {
			t.Fatalf("bulk: %d %s, deals %d", r.Status, r.Body, count()-before)
		}
	})
}
