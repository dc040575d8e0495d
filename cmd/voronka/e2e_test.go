package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// dsns returns a fresh database of each engine, by name.
func dsns(t *testing.T) map[string]string {
	return map[string]string{
		"sqlite":   filepath.Join(t.TempDir(), "voronka.db"),
		"postgres": testkit.PostgresDSN(t),
	}
}

var (
	urlRe   = regexp.MustCompile(`Voronka is running at (http://\S+)`)
	loginRe = regexp.MustCompile(`Login: (\S+)  Password: (\S+)  \(generated`)
)

func startMain(t *testing.T, dsn, password string) (*Main, string, string) {
	t.Helper()
	cfg, err := DefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL, cfg.Addr, cfg.AdminEmail, cfg.AdminPassword = dsn, "127.0.0.1:0", "boss@example.com", password
	var stdout, stderr bytes.Buffer
	m := NewMain(cfg, &stdout, &stderr)
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	u := urlRe.FindStringSubmatch(stdout.String())
	if u == nil {
		t.Fatalf("no URL printed: %q", stdout.String())
	}
	return m, u[1], stdout.String()
}

func postJSON(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestServeFirstStartAndRestart(t *testing.T) {
	for engine, dsn := range dsns(t) {
		t.Run(engine, func(t *testing.T) {
			m, url, out := startMain(t, dsn, "")
			login := loginRe.FindStringSubmatch(out)
			if login == nil || login[1] != "boss@example.com" {
				t.Fatalf("no generated login printed: %q", out)
			}
			for _, p := range []string{"/healthz", "/readyz"} {
				resp, err := http.Get(url + p)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("%s: %v %v", p, resp, err)
				}
				resp.Body.Close()
			}
			status, tok := postJSON(t, url+"/api/v1/auth/token", "", map[string]string{"email": login[1], "password": login[2]})
			if status != 201 || tok["token"] == nil {
				t.Fatalf("token with the printed password: %d %v", status, tok)
			}
			req, _ := http.NewRequest("GET", url+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok["token"].(string))
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("me: %v %v", resp, err)
			}
			resp.Body.Close()
			if err := m.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			// A second start finds the account: no new one, no new password; the old one works.
			m2, url2, out2 := startMain(t, dsn, "")
			defer m2.Close()
			if strings.Contains(out2, "Login:") {
				t.Errorf("restart created another admin: %q", out2)
			}
			if status, _ := postJSON(t, url2+"/api/v1/auth/token", "", map[string]string{"email": login[1], "password": login[2]}); status != 201 {
				t.Errorf("old password after restart: %d", status)
			}
		})
	}
}

// A request in flight when the server is asked to stop completes; then the database is closed
// cleanly (on SQLite the WAL is checkpointed into the database file).
func TestGracefulShutdown(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "voronka.db")
	m, url, _ := startMain(t, dsn, "long enough password")
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", url+"/api/v1/auth/token", pr)
	req.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	_, _ = pw.Write([]byte(`{"email":"boss@example.com",`))
	time.Sleep(200 * time.Millisecond) // the request is being read
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the request in flight finished", err)
	default:
	}
	_, _ = pw.Write([]byte(`"password":"long enough password"}`))
	_ = pw.Close()
	if r := <-done; r.err != nil || r.status != 201 {
		t.Fatalf("the request in flight: %d %v", r.status, r.err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Errorf("the server still answers after Close")
	}
	if st, err := os.Stat(dsn + "-wal"); err == nil && st.Size() > 0 {
		t.Errorf("WAL not checkpointed: %d bytes", st.Size())
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db.Close()
}

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestMigrateAndUserCommands(t *testing.T) {
	for engine, dsn := range dsns(t) {
		t.Run(engine, func(t *testing.T) {
			out, err := runCmd(t, "migrate", "-db", dsn, "status")
			if err != nil || !strings.Contains(out, "00001  pending") {
				t.Fatalf("status before: %v %q", err, out)
			}
			if out, err = runCmd(t, "migrate", "-db", dsn, "up"); err != nil || !strings.Contains(out, "applied 00001") {
				t.Fatalf("up: %v %q", err, out)
			}
			if out, _ = runCmd(t, "migrate", "-db", dsn, "up"); !strings.Contains(out, "up to date") {
				t.Fatalf("second up: %q", out)
			}
			if out, _ = runCmd(t, "migrate", "-db", dsn, "status"); strings.Contains(out, "pending") {
				t.Fatalf("status after: %q", out)
			}
			m, _, _ := startMain(t, dsn, "first admin password")
			m.Close()

			out, err = runCmd(t, "user", "create", "-db", dsn, "-email", "anna@example.com", "-name", "Anna", "-role", "head", "-team", "North")
			pw := regexp.MustCompile(`Password: (\S+)`).FindStringSubmatch(out)
			if err != nil || !strings.Contains(out, "Created user") || pw == nil {
				t.Fatalf("user create: %v %q", err, out)
			}
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			svc := crm.NewService(db)
			u, err := svc.Authenticate(context.Background(), "", "anna@example.com", pw[1])
			if err != nil || u.Role != crm.RoleHead || u.TeamID == 0 {
				t.Fatalf("anna logs in with the printed password: %+v %v", u, err)
			}
			if _, err := runCmd(t, "user", "set-password", "-db", dsn, "-email", "anna@example.com", "-password", "new secret 123"); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(context.Background(), "", "anna@example.com", "new secret 123"); err != nil {
				t.Errorf("new password: %v", err)
			}
			if _, err := svc.Authenticate(context.Background(), "", "anna@example.com", pw[1]); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
				t.Errorf("old password still works: %v", err)
			}
			if out, _ := runCmd(t, "user", "list", "-db", dsn); !strings.Contains(out, "anna@example.com") || !strings.Contains(out, "head") {
				t.Errorf("list: %q", out)
			}
			if _, err := runCmd(t, "user", "deactivate", "-db", dsn, "-email", "anna@example.com"); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(context.Background(), "", "anna@example.com", "new secret 123"); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
				t.Errorf("deactivated user logs in: %v", err)
			}
			if _, err := runCmd(t, "user", "create", "-db", dsn, "-email", "not-an-email", "-name", "X"); err == nil || !strings.Contains(err.Error(), "email") {
				t.Errorf("bad e-mail: %v", err)
			}
		})
	}
}

func TestVersionUsageAndConfig(t *testing.T) {
	if out, err := runCmd(t, "version"); err != nil || strings.TrimSpace(out) != "voronka dev" {
		t.Errorf("version: %q %v", out, err)
	}
	if _, err := runCmd(t, "frobnicate"); err == nil {
		t.Errorf("an unknown command succeeded")
	}
	if _, err := runCmd(t); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("no command: %v", err)
	}
	t.Setenv("VORONKA_ADMIN_PASSWORD_FILE", filepath.Join(t.TempDir(), "missing"))
	if _, err := DefaultConfig(); err == nil || !strings.Contains(err.Error(), "VORONKA_ADMIN_PASSWORD_FILE") {
		t.Errorf("missing secret file: %v", err)
	}
	f := filepath.Join(t.TempDir(), "secret")
	_ = os.WriteFile(f, []byte("  from a file \n"), 0o600)
	t.Setenv("VORONKA_ADMIN_PASSWORD_FILE", f)
	if c, err := DefaultConfig(); err != nil || c.AdminPassword != "from a file" {
		t.Errorf("secret from a file: %q %v", c.AdminPassword, err)
	}
}
