package dataio_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// dataDir returns ../shared/data beside the project (VORONKA_DATA_DIR overrides it). Without it the
// test skips, except in CI (VORONKA_REQUIRE_DATA=1), where a missing data set is a failure.
func dataDir(t *testing.T, set string) string {
	t.Helper()
	dir := os.Getenv("VORONKA_DATA_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	dir = filepath.Join(dir, set)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("VORONKA_REQUIRE_DATA") == "1" {
			t.Fatalf("data set %s is missing (%v): CI needs ../shared/data", set, err)
		}
		t.Skipf("data set %s not found at %s: set VORONKA_DATA_DIR to run this test", set, dir)
	}
	return dir
}

// readCSV reads a whole file with the standard library, independently of the importer.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = strings.TrimSpace(r[i])
		}
		out = append(out, m)
	}
	return out
}

func mapping(t *testing.T, name string) *dataio.Mapping {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := dataio.ReadMapping(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// importFile runs an import of path into a fresh account with the given currency and zone.
func importFile(t *testing.T, db *store.DB, svc *crm.Service, actor *crm.Actor, m *dataio.Mapping, path string) (*dataio.Summary, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rr, err := dataio.OpenRows(f, path, "")
	if err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	im := &dataio.Importer{Service: svc, Tx: db, Actor: actor, Mapping: m, Dir: filepath.Dir(path), Errors: &report}
	sum, err := im.Run(context.Background(), rr)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return sum, report.String()
}

func newAccount(t *testing.T, svc *crm.Service, slug, currency, zone string) *crm.Actor {
	t.Helper()
	acc, admin, err := svc.CreateAccount(context.Background(), crm.AccountCreate{Name: slug, Slug: slug, Currency: currency,
		TimeZone: zone, Locale: "en", AdminEmail: "admin@" + slug + ".example", AdminPassword: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := svc.ActorFor(context.Background(), acc.ID, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	return actor
}

// counts runs a GROUP BY query of (label, count, sum) rows.
func counts(t *testing.T, db *store.DB, q string, args ...any) map[string][2]int64 {
	t.Helper()
	rows, err := db.SQL().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]int64{}
	for rows.Next() {
		var k string
		var n, s int64
		if err := rows.Scan(&k, &n, &s); err != nil {
			t.Fatal(err)
		}
		out[k] = [2]int64{n, s}
	}
	return out
}

func sameCounts(t *testing.T, what string, got, want map[string][2]int64) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s %q: imported %v (count, sum), the file has %v", what, k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %q: imported %v, not in the file", what, k, got[k])
		}
	}
}

// The Maven CRM data set imports through docs/examples/maven-deals.json: every opportunity, with
// the counts and the won value per stage and per agent the files give.
func TestImportMaven(t *testing.T) {
	dir := dataDir(t, "maven-crm-sales-opportunities")
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		actor := newAccount(t, svc, "maven", "USD", "America/New_York")
		sum, report := importFile(t, db, svc, actor, mapping(t, "maven-deals.json"), filepath.Join(dir, "sales_pipeline.csv"))

		rows := readCSV(t, filepath.Join(dir, "sales_pipeline.csv"))
		byStage, byAgent := map[string][2]int64{}, map[string][2]int64{}
		for _, r := range rows {
			var cents int64
			if r["deal_stage"] == "Won" {
				v, err := dataio.ParseMoney(r["close_value"], false)
				if err != nil {
					t.Fatal(err)
				}
				cents = v
			}
			s, a := byStage[r["deal_stage"]], byAgent[r["sales_agent"]]
			byStage[r["deal_stage"]] = [2]int64{s[0] + 1, s[1] + cents}
			byAgent[r["sales_agent"]] = [2]int64{a[0] + 1, a[1] + cents}
		}
		if sum.Rows != len(rows) || sum.Created != len(rows) || sum.Rejected != 0 {
			t.Fatalf("summary %+v for %d rows; report:\n%s", sum, len(rows), report)
		}
		won := `SUM(CASE WHEN d.status = 'won' THEN d.amount ELSE 0 END)`
		sameCounts(t, "stage", counts(t, db, `SELECT s.name, COUNT(*), `+won+` FROM deals d JOIN stages s ON s.id = d.stage_id
			WHERE d.account_id = $1 GROUP BY s.name`, actor.AccountID), byStage)
		sameCounts(t, "agent", counts(t, db, `SELECT u.name, COUNT(*), `+won+` FROM deals d JOIN users u ON u.id = d.responsible_id
			WHERE d.account_id = $1 GROUP BY u.name`, actor.AccountID), byAgent)

		// Agents sit in their manager's team, deals carry the regional office; the misspelt
		// product and sector are mapped.
		var teams, products, techs int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM teams WHERE account_id = $1`, actor.AccountID).Scan(&teams)
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM products WHERE account_id = $1`, actor.AccountID).Scan(&products)
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM companies WHERE account_id = $1 AND industry = 'technology'`, actor.AccountID).Scan(&techs)
		if teams != 6 || products != 7 || techs == 0 {
			t.Errorf("teams %d (want 6 managers), products %d (want 7), technology companies %d", teams, products, techs)
		}

		// Importing the same file again updates every deal and duplicates none. (On SQLite only:
		// re-imports are tested on both engines elsewhere, and this one is 40 s on PostgreSQL.)
		if db.Engine != store.SQLite {
			return
		}
		again, report := importFile(t, db, svc, actor, mapping(t, "maven-deals.json"), filepath.Join(dir, "sales_pipeline.csv"))
		if again.Created != 0 || again.Updated != len(rows) || again.Rejected != 0 {
			t.Errorf("re-import: %+v; report:\n%s", again, report)
		}
		var n int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM deals WHERE account_id = $1`, actor.AccountID).Scan(&n)
		if n != len(rows) {
			t.Errorf("after a re-import %d deals, want %d", n, len(rows))
		}
	})
}

// The Olist marketing funnel imports through docs/examples/olist-leads.json: leads joined with
// closed deals by mql_id, counted per origin (blank origins as "(no origin)") and won.
func TestImportOlist(t *testing.T) {
	dir := dataDir(t, "olist-marketing-funnel")
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		actor := newAccount(t, svc, "olist", "BRL", "America/Sao_Paulo")
		sum, report := importFile(t, db, svc, actor, mapping(t, "olist-leads.json"), filepath.Join(dir, "olist_marketing_qualified_leads_dataset.csv"))

		leads := readCSV(t, filepath.Join(dir, "olist_marketing_qualified_leads_dataset.csv"))
		closed := map[string]bool{}
		for _, d := range readCSV(t, filepath.Join(dir, "olist_closed_deals_dataset.csv")) {
			closed[d["mql_id"]] = true
		}
		byOrigin := map[string][2]int64{}
		wonTotal := 0
		for _, l := range leads {
			o := l["origin"]
			if o == "" {
				o = "(no origin)"
			}
			c := byOrigin[o]
			w := int64(0)
			if closed[l["mql_id"]] {
				w = 1
				wonTotal++
			}
			byOrigin[o] = [2]int64{c[0] + 1, c[1] + w}
		}
		if sum.Rows != len(leads) || sum.Created != len(leads) || sum.Rejected != 0 {
			t.Fatalf("summary %+v for %d leads; report:\n%s", sum, len(leads), report)
		}
		// One deal is won before its first contact: imported, closed when created, and reported.
		if sum.Warnings != 1 || !strings.Contains(report, "before the deal was created") {
			t.Errorf("warnings %d; report:\n%s", sum.Warnings, report)
		}
		sameCounts(t, "origin", counts(t, db, `SELECT c.name, COUNT(*), SUM(CASE WHEN d.status = 'won' THEN 1 ELSE 0 END)
			FROM deals d JOIN channels c ON c.id = d.channel_id WHERE d.account_id = $1 GROUP BY c.name`, actor.AccountID), byOrigin)
		if wonTotal != 842 {
			t.Errorf("the files give %d won leads, the README says 842", wonTotal)
		}
	})
}
