package server_test

import (
	"net/http"
	"testing"

	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestIdempotencyKey(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.token(e.alpha.Admin)
		countTeams := func() int {
			var n int
			_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM teams WHERE account_id = $1`, e.alpha.Account.ID).Scan(&n)
			return n
		}
		before := countTeams()
		body := []byte(`{"name":"West"}`)
		first := e.do(nil, "POST", "/api/v1/teams", admin, body, "Idempotency-Key", "team-west-1")
		if first.Status != http.StatusCreated {
			t.Fatalf("first create: %d %s", first.Status, first.Body)
		}
		again := e.do(nil, "POST", "/api/v1/teams", admin, body, "Idempotency-Key", "team-west-1")
		if again.Status != http.StatusCreated || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %q replayed=%q, want the first answer %s", again.Status, again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
		}
		if got := countTeams(); got != before+1 {
			t.Fatalf("teams: %d, want %d (one create)", got, before+1)
		}
		// The same key for another request is refused; nothing is created.
		wantError(t, e.do(nil, "POST", "/api/v1/teams", admin, []byte(`{"name":"East"}`), "Idempotency-Key", "team-west-1"), 422, "invalid", "Idempotency-Key")
		// Keys belong to their user: another admin's same key is a new request.
		other := e.token(e.beta.Admin)
		if r := e.do(nil, "POST", "/api/v1/teams", other, body, "Idempotency-Key", "team-west-1"); r.Status != http.StatusCreated {
			t.Fatalf("beta's request with the same key: %d %s", r.Status, r.Body)
		}
		// Without a key every POST creates (and here conflicts on the name).
		wantError(t, e.do(nil, "POST", "/api/v1/teams", admin, body), 409, "conflict", "name")
		if got := countTeams(); got != before+1 {
			t.Fatalf("teams after the refused requests: %d, want %d", got, before+1)
		}
	})
}
