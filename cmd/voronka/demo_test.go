package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// "serve -demo" on an empty database starts with a demo account whose printed login works and
// whose deals the API lists; a restart adds nothing.
func TestServeDemoFirstStart(t *testing.T) {
	for engine, dsn := range dsns(t) {
		t.Run(engine, func(t *testing.T) {
			start := func() (*Main, string, string) {
				cfg, err := DefaultConfig()
				if err != nil {
					t.Fatal(err)
				}
				cfg.DatabaseURL, cfg.Addr, cfg.AdminEmail, cfg.AdminPassword = dsn, "127.0.0.1:0", "owner@example.com", "demo-password-1"
				var stdout, stderr bytes.Buffer
				m := NewMain(cfg, &stdout, &stderr)
				if err := m.ParseFlags([]string{"-demo", "-demo-deals", "400", "-demo-until", "2026-10-31"}); err != nil {
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
			m, url, out := start()
			if !strings.Contains(out, "Login: owner@example.com  Password: demo-password-1") || !strings.Contains(out, "deals 400") {
				t.Fatalf("the demo summary lacks the login or the deals: %q", out)
			}
			status, tok := postJSON(t, url+"/api/v1/auth/token", "", map[string]string{"email": "owner@example.com", "password": "demo-password-1"})
			if status != 201 {
				t.Fatalf("token: %d %v", status, tok)
			}
			req, _ := http.NewRequest("GET", url+"/api/v1/deals?limit=5", nil)
			req.Header.Set("Authorization", "Bearer "+tok["token"].(string))
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var page struct {
				Items []map[string]any `json:"items"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(page.Items) != 5 {
				t.Fatalf("deals: %d, %d items", resp.StatusCode, len(page.Items))
			}
			m.Close()
			m2, _, out2 := start()
			defer m2.Close()
			if strings.Contains(out2, "demo deals") {
				t.Errorf("a restart generated the demo again: %q", out2)
			}
			n, err := m2.Service.CountAccounts(context.Background())
			if err != nil || n != 1 {
				t.Errorf("accounts after restart: %d %v", n, err)
			}
		})
	}
}

// "voronka demo" adds an account each time it runs, with the next free slug, and prints its login.
func TestDemoCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "voronka.db")
	slugRe := regexp.MustCompile(`\(slug (\S+)\)`)
	var slugs []string
	for range 2 {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"demo", "-db", path, "-deals", "300", "-until", "2026-10-31",
			"-admin-password", "demo-password-2", "-quiet"}, &stdout, &stderr)
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, stderr.String())
		}
		m := slugRe.FindStringSubmatch(stdout.String())
		if m == nil || !strings.Contains(stdout.String(), "deals 300") || !strings.Contains(stdout.String(), "Password: demo-password-2") {
			t.Fatalf("summary: %q", stdout.String())
		}
		slugs = append(slugs, m[1])
	}
	if slugs[0] != "demo-turagentstvo-gorizont" || slugs[1] != "demo-turagentstvo-gorizont-2" {
		t.Errorf("slugs %v", slugs)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-db", path, "-deals", "-5", "-admin-password", "x-long-password"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "-deals") {
		t.Errorf("negative deals: %v", err)
	}
	if err := run(context.Background(), []string{"demo", "-db", path, "-until", "31.10.2026", "-admin-password", "x-long-password"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "-until") {
		t.Errorf("bad until: %v", err)
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(250, 1000, 5*time.Second, "deals")
	want := "[=======>                      ]  25 % 250/1000 deals, 50/s, ETA 15s "
	if got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
	if got := progressLine(1000, 1000, 10*time.Second, "rows"); !strings.HasPrefix(got, "[==============================] 100 %") || !strings.HasSuffix(got, "ETA 0s ") {
		t.Errorf("finished: %q", got)
	}
}

// "voronka import" checks, imports and reports; "voronka export" writes what imports again.
func TestImportExportCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "voronka.db")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-db", db, "-deals", "50", "-until", "2026-10-31",
		"-admin-password", "demo-password-3", "-quiet"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "deals.csv")
	file := "Название сделки;Бюджет;Этап сделки;Ответственный;Дата создания\n" +
		"Тур на Байкал;150 000;Консультация;admin@example.com;01.09.2026\n" +
		"Без даты;1 000;Консультация;admin@example.com;не дата\n"
	if err := os.WriteFile(csvPath, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	runOK := func(args ...string) string {
		t.Helper()
		out.Reset()
		errOut.Reset()
		full := append([]string{args[0], "-db", db}, args[1:]...)
		if err := run(context.Background(), full, &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		return out.String()
	}
	// Flags go before the file name.
	got := runOK("import", "-quiet", "-dry-run", csvPath)
	if !strings.Contains(got, "1 deals would be created") || !strings.Contains(got, "1 rows rejected") {
		t.Errorf("dry run: %q", got)
	}
	report, err := os.ReadFile(filepath.Join(dir, "deals.errors.csv"))
	if err != nil || !strings.Contains(string(report), "3,Дата создания,не дата,") {
		t.Errorf("report: %q %v", report, err)
	}
	got = runOK("import", "-quiet", csvPath)
	if !strings.Contains(got, "1 deals created") {
		t.Errorf("import: %q", got)
	}
	got = runOK("import", "-quiet", csvPath)
	if !strings.Contains(got, "0 deals created, 1 updated") {
		t.Errorf("second import: %q", got)
	}
	xlsx := filepath.Join(dir, "out.xlsx")
	if got = runOK("export", "-o", xlsx); !strings.Contains(got, "Exported 51 deals") {
		t.Errorf("export: %q", got)
	}
	if got = runOK("import", "-quiet", xlsx); !strings.Contains(got, "0 deals created, 51 updated, 0 rows rejected") {
		t.Errorf("import of the export: %q", got)
	}
}
