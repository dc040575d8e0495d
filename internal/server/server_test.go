package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/jobs"
	"github.com/voronka/voronka/internal/server"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is a running server over a fresh database with two accounts.
type env struct {
	t      *testing.T
	db     *store.DB
	svc    *crm.Service
	srv    *httptest.Server
	alpha  *testkit.Org
	beta   *testkit.Org
	server *server.Server
	jobs   *jobs.Client // not started: imports wait in the queue unless a test starts it
}

func newEnv(t *testing.T, db *store.DB) *env {
	svc, _ := testkit.Service(db)
	e := &env{t: t, db: db, svc: svc}
	e.alpha = testkit.NewOrg(t, svc, "alpha")
	e.beta = testkit.NewOrg(t, svc, "beta")
	jc, err := jobs.New(t.Context(), db, jobs.Config{Service: svc, Test: true, PollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.jobs = jc
	e.server = server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: 1 << 20, Jobs: jc}, db, svc)
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// response is a finished request: status, headers and the body, decoded when it is JSON.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// do sends a request with an optional bearer token and raw body.
func (e *env) do(client *http.Client, method, path, token string, body []byte, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// token logs u in through the API and returns the token.
func (e *env) token(u *crm.User) string {
	e.t.Helper()
	r := e.do(nil, "POST", "/api/v1/auth/token", "", mustJSON(map[string]string{"email": u.Email, "password": testkit.Password}))
	if r.Status != http.StatusCreated {
		e.t.Fatalf("login %s: %d %s", u.Email, r.Status, r.Body)
	}
	return r.json(e.t)["token"].(string)
}

// wantError checks an error response: status, code and, when given, the field it names.
func wantError(t *testing.T, r response, status int, code, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	m := r.json(t)
	if m["code"] != code {
		t.Fatalf("code %v, want %s: %s", m["code"], code, r.Body)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Fatalf("error without a message: %s", r.Body)
	}
	for _, leak := range []string{"SELECT", "INSERT", "goroutine", "sqlite", "pgx", "panic"} {
		if strings.Contains(string(r.Body), leak) {
			t.Fatalf("error body leaks %q: %s", leak, r.Body)
		}
	}
	if field == "" {
		return
	}
	fields, _ := m["fields"].([]any)
	for _, f := range fields {
		if f.(map[string]any)["field"] == field {
			return
		}
	}
	t.Fatalf("error does not name field %q: %s", field, r.Body)
}

func TestHealth(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		if r := e.do(nil, "GET", "/healthz", "", nil); r.Status != 200 {
			t.Errorf("healthz: %d", r.Status)
		}
		if r := e.do(nil, "GET", "/readyz", "", nil); r.Status != 200 {
			t.Errorf("readyz: %d", r.Status)
		}
		r := e.do(nil, "GET", "/healthz", "", nil, "X-Request-ID", "abc123")
		if r.Header.Get("X-Request-ID") != "abc123" {
			t.Errorf("request id not echoed: %q", r.Header.Get("X-Request-ID"))
		}
		if r := e.do(nil, "GET", "/healthz", "", nil); len(r.Header.Get("X-Request-ID")) != 16 {
			t.Errorf("no generated request id: %q", r.Header.Get("X-Request-ID"))
		}
	})
}

func TestReadyzFailsWithoutDatabase(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "gone.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db)
	db.Close()
	if r := e.do(nil, "GET", "/readyz", "", nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed database: %d", r.Status)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t, testkit.OpenSQLite(t))
	r := e.do(nil, "GET", "/api/v1/openapi.json", "", nil)
	if r.Status != 200 {
		t.Fatalf("openapi.json: %d", r.Status)
	}
	doc := r.json(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/auth/token", "/auth/tokens", "/auth/tokens/{id}", "/me", "/account", "/users", "/users/{id}", "/users/{id}/absences", "/teams", "/teams/{id}"} {
		if paths[p] == nil {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
	// The analytics filter is one embedded struct (api.FilterQuery): its parameters must still be
	// listed on every analytics operation.
	for _, p := range []string{"/kpi", "/kpi/records", "/reports/{name}", "/funnel", "/funnel/records"} {
		op, _ := paths[p].(map[string]any)["get"].(map[string]any)
		names := map[string]bool{}
		for _, prm := range op["parameters"].([]any) {
			names[prm.(map[string]any)["name"].(string)] = true
		}
		for _, n := range []string{"from", "to", "team_id", "manager_id", "channel_id", "region", "segment", "product_id", "tag", "client_type"} {
			if !names[n] {
				t.Errorf("OpenAPI: GET %s lacks the parameter %s", p, n)
			}
		}
	}
	if d := e.do(nil, "GET", "/api/docs", "", nil); d.Status != 200 || !strings.Contains(string(d.Body), "/auth/token") || strings.Contains(string(d.Body), "<script") {
		t.Errorf("docs page: %d, self-contained: %v", d.Status, !strings.Contains(string(d.Body), "<script"))
	}
}

func TestTokenLoginAndUse(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.token(e.alpha.North1)
		me := e.do(nil, "GET", "/api/v1/me", tok, nil)
		if me.Status != 200 {
			t.Fatalf("me: %d %s", me.Status, me.Body)
		}
		user := me.json(t)["user"].(map[string]any)
		if user["email"] != e.alpha.North1.Email || user["role"] != "manager" {
			t.Errorf("me: %s", me.Body)
		}
		if strings.Contains(string(me.Body), "password") || strings.Contains(string(me.Body), "argon2") {
			t.Errorf("me leaks the password hash: %s", me.Body)
		}
		wantError(t, e.do(nil, "GET", "/api/v1/me", "", nil), 401, "unauthorized", "")
		wantError(t, e.do(nil, "GET", "/api/v1/me", "vrk_1_nonsense", nil), 401, "unauthorized", "")
		wantError(t, e.do(nil, "POST", "/api/v1/auth/token", "", mustJSON(map[string]string{"email": e.alpha.North1.Email, "password": "wrong password"})), 401, "unauthorized", "")

		// Revoked: the token stops working at once.
		list := e.do(nil, "GET", "/api/v1/auth/tokens", tok, nil)
		var ts []map[string]any
		_ = json.Unmarshal(list.Body, &ts)
		if len(ts) != 1 || ts[0]["token"] != nil {
			t.Fatalf("token list: %s", list.Body)
		}
		id := int64(ts[0]["id"].(float64))
		if r := e.do(nil, "DELETE", "/api/v1/auth/tokens/"+itoa(id), tok, nil); r.Status != 204 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		wantError(t, e.do(nil, "GET", "/api/v1/me", tok, nil), 401, "unauthorized", "")
	})
}

func itoa(n int64) string {
	return strings.TrimSpace(strings.Replace(string(mustJSON(n)), "\"", "", -1))
}

func TestBadInput(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.token(e.alpha.Admin)
		countUsers := func() int {
			var n int
			_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM users`).Scan(&n)
			return n
		}
		before := countUsers()
		cases := []struct {
			name   string
			body   string
			status int
			code   string
			field  string
		}{
			{"malformed JSON", `{"email": "x@y.test",`, 400, "invalid", "body"},
			{"unknown field", `{"email":"x@alpha.test","name":"X","password":"long enough","role":"manager","salary":1}`, 422, "invalid", "salary"},
			{"wrong type", `{"email":"x@alpha.test","name":"X","password":"long enough","role":"manager","team_id":"north"}`, 422, "invalid", "team_id"},
			{"bad email", `{"email":"not-an-email","name":"X","password":"long enough","role":"manager"}`, 422, "invalid", "email"},
			{"empty password", `{"email":"x@alpha.test","name":"X","password":"","role":"manager"}`, 422, "invalid", "password"},
			{"missing name", `{"email":"x@alpha.test","password":"long enough","role":"manager"}`, 422, "invalid", "name"},
			{"bad role", `{"email":"x@alpha.test","name":"X","password":"long enough","role":"owner"}`, 422, "invalid", "role"},
			{"unknown team", `{"email":"x@alpha.test","name":"X","password":"long enough","role":"manager","team_id":424242}`, 422, "invalid", "team_id"},
			{"taken email", `{"email":"` + e.alpha.North1.Email + `","name":"X","password":"long enough","role":"manager"}`, 409, "conflict", "email"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, e.do(nil, "POST", "/api/v1/users", admin, []byte(c.body)), c.status, c.code, c.field)
			})
		}
		big := `{"email":"x@alpha.test","name":"` + strings.Repeat("x", 2<<20) + `","password":"long enough","role":"manager"}`
		if r := e.do(nil, "POST", "/api/v1/users", admin, []byte(big)); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized body: %d %s", r.Status, r.Body[:min(len(r.Body), 200)])
		}
		wantError(t, e.do(nil, "PATCH", "/api/v1/account", admin, []byte(`{"go_live_date":"01.03.2025"}`)), 422, "invalid", "go_live_date")
		wantError(t, e.do(nil, "PATCH", "/api/v1/account", admin, []byte(`{"time_zone":"Moscow"}`)), 422, "invalid", "time_zone")
		wantError(t, e.do(nil, "PATCH", "/api/v1/users/abc", admin, []byte(`{}`)), 422, "invalid", "id")
		if after := countUsers(); after != before {
			t.Errorf("bad input changed the users: %d → %d", before, after)
		}
	})
}

func TestIsolation(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alphaAdmin, betaAdmin := e.token(e.alpha.Admin), e.token(e.beta.Admin)
		north1, north2 := e.token(e.alpha.North1), e.token(e.alpha.North2)
		head := e.token(e.alpha.NorthHead)

		// Another account's user does not exist for you.
		wantError(t, e.do(nil, "GET", "/api/v1/users/"+itoa(e.beta.North1.ID), alphaAdmin, nil), 404, "not_found", "")
		wantError(t, e.do(nil, "PATCH", "/api/v1/users/"+itoa(e.beta.North1.ID), alphaAdmin, []byte(`{"name":"Hacked"}`)), 404, "not_found", "")
		if u, _ := e.svc.User(t.Context(), e.beta.Actor(t, e.beta.Admin), e.beta.North1.ID); u.Name != "north1" {
			t.Errorf("beta's user renamed by alpha: %q", u.Name)
		}
		var users []map[string]any
		_ = json.Unmarshal(e.do(nil, "GET", "/api/v1/users", betaAdmin, nil).Body, &users)
		for _, u := range users {
			if strings.HasSuffix(u["email"].(string), "@alpha.test") {
				t.Errorf("beta lists alpha's user %v", u["email"])
			}
		}
		// A team of another account cannot be assigned.
		wantError(t, e.do(nil, "PATCH", "/api/v1/users/"+itoa(e.alpha.North1.ID), alphaAdmin, mustJSON(map[string]any{"team_id": e.beta.North.ID})), 422, "invalid", "team_id")

		// A manager cannot change another user nor promote themselves; a head cannot administer.
		wantError(t, e.do(nil, "PATCH", "/api/v1/users/"+itoa(e.alpha.North2.ID), north1, []byte(`{"name":"X"}`)), 403, "forbidden", "")
		wantError(t, e.do(nil, "PATCH", "/api/v1/users/"+itoa(e.alpha.North1.ID), north1, []byte(`{"role":"admin"}`)), 403, "forbidden", "")
		wantError(t, e.do(nil, "POST", "/api/v1/teams", head, []byte(`{"name":"Mine"}`)), 403, "forbidden", "")
		wantError(t, e.do(nil, "PATCH", "/api/v1/account", north1, []byte(`{"name":"Mine"}`)), 403, "forbidden", "")

		// Absences: own and, for a head, the team's; not another manager's.
		abs := []byte(`{"starts_on":"2026-07-01","ends_on":"2026-07-10","reason":"vacation"}`)
		if r := e.do(nil, "POST", "/api/v1/users/"+itoa(e.alpha.North1.ID)+"/absences", head, abs); r.Status != 201 {
			t.Errorf("head records an absence of the team: %d %s", r.Status, r.Body)
		}
		wantError(t, e.do(nil, "POST", "/api/v1/users/"+itoa(e.alpha.South1.ID)+"/absences", head, abs), 403, "forbidden", "")
		wantError(t, e.do(nil, "POST", "/api/v1/users/"+itoa(e.alpha.North1.ID)+"/absences", north2, abs), 403, "forbidden", "")

		// Tokens: a manager sees and revokes only their own.
		var own []map[string]any
		_ = json.Unmarshal(e.do(nil, "GET", "/api/v1/auth/tokens", north1, nil).Body, &own)
		tokID := itoa(int64(own[0]["id"].(float64)))
		wantError(t, e.do(nil, "DELETE", "/api/v1/auth/tokens/"+tokID, north2, nil), 404, "not_found", "")
		wantError(t, e.do(nil, "DELETE", "/api/v1/auth/tokens/"+tokID, betaAdmin, nil), 404, "not_found", "")
		wantError(t, e.do(nil, "GET", "/api/v1/auth/tokens?all=true", north2, nil), 403, "forbidden", "")
		if r := e.do(nil, "GET", "/api/v1/me", north1, nil); r.Status != 200 {
			t.Errorf("north1's token stopped working after others tried to revoke it: %d", r.Status)
		}

		// A deactivated user's token stops working.
		if r := e.do(nil, "PATCH", "/api/v1/users/"+itoa(e.alpha.North2.ID), alphaAdmin, []byte(`{"active":false}`)); r.Status != 200 {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		wantError(t, e.do(nil, "GET", "/api/v1/me", north2, nil), 401, "unauthorized", "")
	})
}

func TestOptimisticConcurrency(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.token(e.alpha.Admin)
		path := "/api/v1/users/" + itoa(e.alpha.North1.ID)
		v := int64(e.do(nil, "GET", path, admin, nil).json(t)["version"].(float64))
		if r := e.do(nil, "PATCH", path, admin, mustJSON(map[string]any{"name": "First", "version": v})); r.Status != 200 {
			t.Fatalf("first write: %d %s", r.Status, r.Body)
		}
		wantError(t, e.do(nil, "PATCH", path, admin, mustJSON(map[string]any{"name": "Second", "version": v})), 409, "conflict", "")
		wantError(t, e.do(nil, "PATCH", path, admin, []byte(`{"name":"Third"}`), "If-Match", `"`+itoa(v)+`"`), 409, "conflict", "")
		if got := e.do(nil, "GET", path, admin, nil).json(t); got["name"] != "First" || int64(got["version"].(float64)) != v+1 {
			t.Errorf("after conflicts: %v", got)
		}
	})
}

func TestBruteForceIsLimited(t *testing.T) {
	e := newEnv(t, testkit.OpenSQLite(t))
	bad := mustJSON(map[string]string{"email": e.alpha.North1.Email, "password": "guess guess"})
	for i := range 5 {
		wantError(t, e.do(nil, "POST", "/api/v1/auth/token", "", bad), 401, "unauthorized", "")
		_ = i
	}
	r := e.do(nil, "POST", "/api/v1/auth/token", "", bad)
	wantError(t, r, 429, "too_many_requests", "")
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// Even the right password waits; another user is not blocked.
	good := mustJSON(map[string]string{"email": e.alpha.North1.Email, "password": testkit.Password})
	wantError(t, e.do(nil, "POST", "/api/v1/auth/token", "", good), 429, "too_many_requests", "")
	e.token(e.alpha.North2)
}

func TestBruteForcePerAddress(t *testing.T) {
	e := newEnv(t, testkit.OpenSQLite(t))
	for i := range 30 {
		body := mustJSON(map[string]string{"email": "nobody" + itoa(int64(i)) + "@alpha.test", "password": "guess guess"})
		wantError(t, e.do(nil, "POST", "/api/v1/auth/token", "", body), 401, "unauthorized", "")
	}
	wantError(t, e.do(nil, "POST", "/api/v1/auth/token", "", mustJSON(map[string]string{"email": e.alpha.North1.Email, "password": testkit.Password})), 429, "too_many_requests", "")
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// browser is a client with a cookie jar that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) form(c *http.Client, path string, values url.Values) response {
	e.t.Helper()
	resp, err := c.PostForm(e.srv.URL+path, values)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (e *env) csrf(c *http.Client) string {
	e.t.Helper()
	r := e.do(c, "GET", "/login", "", nil)
	m := csrfRe.FindSubmatch(r.Body)
	if m == nil {
		e.t.Fatalf("no CSRF token on the login page: %s", r.Body)
	}
	return string(m[1])
}

func sessionCookie(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "voronka_session" {
			return ck.Value
		}
	}
	return ""
}

func TestWebSessionLoginCSRFLogout(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := browser(t)
		if r := e.do(c, "GET", "/", "", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("home without login: %d → %s", r.Status, r.Header.Get("Location"))
		}
		token := e.csrf(c)
		before := sessionCookie(c, e.srv.URL)

		// Without the CSRF token the login is refused, even with the right password.
		r := e.form(c, "/login", url.Values{"email": {e.alpha.North1.Email}, "password": {testkit.Password}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("login without CSRF token: %d", r.Status)
		}
		r = e.form(c, "/login", url.Values{"email": {e.alpha.North1.Email}, "password": {"wrong one"}, "csrf_token": {token}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "Неверная почта или пароль") {
			t.Fatalf("wrong password: %d", r.Status)
		}
		r = e.form(c, "/login", url.Values{"email": {e.alpha.North1.Email}, "password": {testkit.Password}, "csrf_token": {token}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		after := sessionCookie(c, e.srv.URL)
		if after == "" || after == before {
			t.Fatalf("session id not rotated at login: before %q after %q", before, after)
		}
		home := e.do(c, "GET", "/", "", nil)
		if home.Status != 200 || !strings.Contains(string(home.Body), "north1") {
			t.Fatalf("home: %d %s", home.Status, home.Body)
		}
		newToken := string(csrfRe.FindSubmatch(home.Body)[1])

		// The session works for the API; writes need the CSRF header.
		if r := e.do(c, "GET", "/api/v1/me", "", nil); r.Status != 200 {
			t.Fatalf("API with the session: %d %s", r.Status, r.Body)
		}
		wantError(t, e.do(c, "PATCH", "/api/v1/users/"+itoa(e.alpha.North1.ID), "", []byte(`{"name":"Via session"}`)), 403, "forbidden", "")
		if r := e.do(c, "PATCH", "/api/v1/users/"+itoa(e.alpha.North1.ID), "", []byte(`{"name":"Via session"}`), "X-CSRF-Token", newToken); r.Status != 200 {
			t.Fatalf("API write with CSRF header: %d %s", r.Status, r.Body)
		}

		// Logout needs the token too, then the session is gone.
		if r := e.form(c, "/logout", url.Values{}); r.Status != http.StatusForbidden {
			t.Fatalf("logout without CSRF token: %d", r.Status)
		}
		if r := e.form(c, "/logout", url.Values{"csrf_token": {newToken}}); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		if r := e.do(c, "GET", "/", "", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("home after logout: %d", r.Status)
		}
		wantError(t, e.do(c, "GET", "/api/v1/me", "", nil), 401, "unauthorized", "")
	})
}

// The account's KPI settings go through the API and back, the seasonal ROI baseline among them;
// out-of-range values are refused with the field named.
func TestAccountSettingsRoundTrip(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.token(e.alpha.Admin)
		body := `{"settings":{"lead_sla_minutes":90,"purchase_cycle_days":180,"stalled_days":10,"baseline_months":12,"seasonal_baseline":true}}`
		if r := e.do(nil, "PATCH", "/api/v1/account", admin, []byte(body)); r.Status != http.StatusOK {
			t.Fatalf("PATCH settings: %d %s", r.Status, r.Body)
		}
		var acc struct {
			Settings map[string]any `json:"settings"`
		}
		r := e.do(nil, "GET", "/api/v1/account", admin, nil)
		if err := json.Unmarshal(r.Body, &acc); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"lead_sla_minutes": 90.0, "purchase_cycle_days": 180.0, "stalled_days": 10.0, "baseline_months": 12.0, "seasonal_baseline": true}
		for k, v := range want {
			if acc.Settings[k] != v {
				t.Errorf("settings.%s = %v, want %v (%s)", k, acc.Settings[k], v, r.Body)
			}
		}
		got, err := e.svc.Account(t.Context(), e.alpha.Actor(t, e.alpha.Admin))
		if err != nil || !got.Settings.SeasonalBaseline || got.Settings.BaselineMonths != 12 {
			t.Errorf("stored settings %+v %v", got.Settings, err)
		}
		wantError(t, e.do(nil, "PATCH", "/api/v1/account", admin, []byte(`{"settings":{"lead_sla_minutes":90,"purchase_cycle_days":180,"stalled_days":10,"baseline_months":40}}`)),
			422, "invalid", "settings.baseline_months")
		// Clients written before the setting existed leave it out: it is off.
		if r := e.do(nil, "PATCH", "/api/v1/account", admin, []byte(`{"settings":{"lead_sla_minutes":90,"purchase_cycle_days":180,"stalled_days":10,"baseline_months":6}}`)); r.Status != http.StatusOK {
			t.Fatalf("PATCH without seasonal_baseline: %d %s", r.Status, r.Body)
		}
		if got, _ := e.svc.Account(t.Context(), e.alpha.Actor(t, e.alpha.Admin)); got.Settings.SeasonalBaseline || got.Settings.BaselineMonths != 6 {
			t.Errorf("stored settings %+v", got.Settings)
		}
	})
}
