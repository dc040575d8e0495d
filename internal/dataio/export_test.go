package dataio_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/demo"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func demoAccount(t *testing.T, db *store.DB, svc *crm.Service, slug string, deals int, seed uint64) *crm.Actor {
	t.Helper()
	res, err := demo.Generate(context.Background(), db, svc, demo.Options{Deals: deals, Seed: seed, AccountSlug: slug,
		AdminEmail: "admin@" + slug + ".example", AdminPassword: "long enough password", Until: crm.Date{Year: 2026, Month: 10, Day: 31}})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := svc.ActorFor(context.Background(), res.Account.ID, res.Admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	return actor
}

// dealFacts describes every deal of an account by what a user sees, keyed by key(deal).
func dealFacts(t *testing.T, db *store.DB, accountID int64, keyExpr string) map[string]string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT `+keyExpr+`, d.name, s.name, d.status, d.amount, u.name, COALESCE(c.name, ''),
		COALESCE(ch.name, ''), d.created_at, COALESCE(lr.name, ''),
		(SELECT COUNT(*) FROM deal_items i WHERE i.deal_id = d.id), (SELECT COALESCE(SUM(i.amount), 0) FROM deal_items i WHERE i.deal_id = d.id AND i.upsell),
		(SELECT COUNT(*) FROM taggings g WHERE g.entity = 'deal' AND g.entity_id = d.id)
		FROM deals d JOIN stages s ON s.id = d.stage_id JOIN users u ON u.id = d.responsible_id
		LEFT JOIN companies c ON c.id = d.company_id LEFT JOIN channels ch ON ch.id = d.channel_id
		LEFT JOIN loss_reasons lr ON lr.id = d.loss_reason_id
		WHERE d.account_id = $1 AND d.deleted_at IS NULL`, accountID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		vals := make([]any, 13)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprint(vals[0])
		if b, ok := vals[0].([]byte); ok {
			k = string(b)
		}
		if tm, ok := vals[8].(interface{ Unix() int64 }); ok {
			vals[8] = tm.Unix()
		}
		out[k] = fmt.Sprint(vals[1:]...)
	}
	return out
}

// An export imports again: into its own account it updates every deal and changes nothing; into
// another it creates the same deals, with their stages, money, line items, people and tags.
func TestExportRoundTrip(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC) // after the demo's history
		ctx := context.Background()
		a := demoAccount(t, db, svc, "alpha", 300, 3)
		before := dealFacts(t, db, a.AccountID, "CAST(d.id AS TEXT)")

		for _, lang := range []string{"ru", "en"} {
			var file bytes.Buffer
			n, err := dataio.ExportDeals(ctx, svc, a, crm.DealFilter{}, &file, "csv", lang)
			if err != nil || n != 300 {
				t.Fatalf("export %s: %d deals, %v", lang, n, err)
			}
			// Into its own account: every row updates its deal.
			c := &importCase{db: db, svc: svc, actor: a}
			sum, report, err := c.run(t, file.Bytes(), nil, nil)
			if err != nil || sum.Updated != 300 || sum.Created != 0 || sum.Rejected != 0 {
				t.Fatalf("re-import of the %s export: %+v %v %v", lang, sum, report, err)
			}
			if after := dealFacts(t, db, a.AccountID, "CAST(d.id AS TEXT)"); fmt.Sprint(after) != fmt.Sprint(before) {
				for k, v := range before {
					if after[k] != v {
						t.Errorf("deal %s changed by the round trip:\n  before %s\n  after  %s", k, v, after[k])
						break
					}
				}
			}
		}

		// Into another account with the same pipelines: the same deals appear.
		b := demoAccount(t, db, svc, "beta", 20, 4)
		var file bytes.Buffer
		if _, err := dataio.ExportDeals(ctx, svc, a, crm.DealFilter{}, &file, "xlsx", "en"); err != nil {
			t.Fatal(err)
		}
		rr, err := dataio.NewXLSXReader(bytes.NewReader(file.Bytes()), "")
		if err != nil {
			t.Fatal(err)
		}
		m, err := dataio.AutoMapping(rr.Columns(), []string{"users"})
		if err != nil {
			t.Fatal(err)
		}
		var report bytes.Buffer
		im := &dataio.Importer{Service: svc, Tx: db, Actor: b, Mapping: m, Errors: &report}
		sum, err := im.Run(ctx, rr)
		if err != nil || sum.Created != 300 || sum.Rejected != 0 {
			t.Fatalf("import into another account: %+v %v\n%s", sum, err, report.String())
		}
		copied := dealFacts(t, db, b.AccountID, "COALESCE(d.external_id, '')")
		for id, want := range before {
			if copied[id] != want {
				t.Errorf("deal %s in the other account:\n  got  %s\n  want %s", id, copied[id], want)
			}
		}

		// Filters apply: an export of won deals holds only them.
		var won bytes.Buffer
		n, err := dataio.ExportDeals(ctx, svc, a, crm.DealFilter{Status: "won"}, &won, "csv", "en")
		if err != nil {
			t.Fatal(err)
		}
		var want int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM deals WHERE account_id = $1 AND status = 'won'`, a.AccountID).Scan(&want)
		if n != want || strings.Count(won.String(), "\n") < n {
			t.Errorf("won export: %d deals, want %d", n, want)
		}

		// A manager exports only their own deals.
		var mgrID int64
		var mgrName string
		_ = db.SQL().QueryRow(`SELECT id, name FROM users WHERE account_id = $1 AND role = 'manager' ORDER BY id LIMIT 1`, a.AccountID).Scan(&mgrID, &mgrName)
		mgr, err := svc.ActorFor(ctx, a.AccountID, mgrID)
		if err != nil {
			t.Fatal(err)
		}
		var own bytes.Buffer
		if n, err = dataio.ExportDeals(ctx, svc, mgr, crm.DealFilter{}, &own, "csv", "en"); err != nil {
			t.Fatal(err)
		}
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM deals WHERE account_id = $1 AND responsible_id = $2`, a.AccountID, mgrID).Scan(&want)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(own.String(), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if n != want || len(recs) != want+1 {
			t.Errorf("the manager exported %d deals (%d rows), owns %d", n, len(recs)-1, want)
		}
		for _, r := range recs[1:] {
			if r[5] != mgrName {
				t.Fatalf("the manager's export holds a deal of %q", r[5])
			}
		}
	})
}

func TestItemsCellRoundTrip(t *testing.T) {
	for _, it := range []*crm.DealItem{
		{Name: "Тур в Турцию, 7 ночей", Quantity: 2, Price: 9_500_000},
		{Name: "Страховка × особая", Quantity: 1, Price: 250_050, Discount: 50_000, Upsell: true},
	} {
		for _, comma := range []bool{false, true} {
			cell := dataio.FormatItem(it, comma)
			got, err := dataio.ParseItems(cell, comma)
			if err != nil || len(got) != 1 {
				t.Fatalf("%q: %v %v", cell, got, err)
			}
			g := got[0]
			if g.Name != it.Name || g.Quantity != it.Quantity || g.Price != it.Price || g.Discount != it.Discount || g.Upsell != it.Upsell {
				t.Errorf("%q read back as %+v", cell, g)
			}
		}
	}
	if _, err := dataio.ParseItems("Тур × два × 100", false); err == nil {
		t.Error("a bad quantity was read")
	}
}

// An items cell from a file users edited by hand never crashes the reader, and what it reads
// back is a valid item.
func FuzzParseItems(f *testing.F) {
	f.Add("Тур в Турцию × 2 × 95000.00", false)
	f.Add("Страховка × 1 × 2500,50 − 500,00 (+)\nТрансфер × 1 × 4000,00", true)
	f.Add("×××", false)
	f.Add("a × 99999999999999999999 × 1", false)
	f.Fuzz(func(t *testing.T, cell string, comma bool) {
		items, err := dataio.ParseItems(cell, comma)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.Quantity <= 0 || it.Price < 0 || it.Discount < 0 || it.Name == "" {
				t.Fatalf("%q read as %+v", cell, it)
			}
		}
	})
}

// Contacts, companies and payments export and import again into their account without a change;
// tasks and activities export every record the actor sees.
func TestExportListsRoundTrip(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
		ctx := context.Background()
		a := demoAccount(t, db, svc, "gamma", 150, 5)
		c := &importCase{db: db, svc: svc, actor: a}
		fingerprint := func(q string) string {
			rows, err := db.SQL().Query(q, a.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var b strings.Builder
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				_ = rows.Scan(ptrs...)
				fmt.Fprintln(&b, vals...)
			}
			return b.String()
		}
		for _, tc := range []struct {
			entity, lang, query string
			count               string
		}{
			{"companies", "ru", `SELECT id, name, tax_id, industry, region, segment, phone, responsible_id FROM companies WHERE account_id = $1 ORDER BY id`, `SELECT COUNT(*) FROM companies WHERE account_id = $1`},
			{"contacts", "en", `SELECT c.id, c.name, c.position, c.company_id, c.region, c.segment, c.channel_id, (SELECT COUNT(*) FROM contact_phones p WHERE p.contact_id = c.id), (SELECT COUNT(*) FROM contact_emails e WHERE e.contact_id = c.id) FROM contacts c WHERE c.account_id = $1 ORDER BY c.id`, `SELECT COUNT(*) FROM contacts WHERE account_id = $1`},
			{"payments", "ru", `SELECT deal_id, paid_at, amount, method FROM payments WHERE account_id = $1 ORDER BY id`, `SELECT COUNT(*) FROM payments WHERE account_id = $1`},
		} {
			before := fingerprint(tc.query)
			var file bytes.Buffer
			n, err := dataio.Export(ctx, svc, a, tc.entity, dataio.ExportFilter{}, &file, "csv", tc.lang)
			if err != nil || n != c.count(t, tc.count, a.AccountID) {
				t.Fatalf("%s: exported %d, %v", tc.entity, n, err)
			}
			rr, err := dataio.NewCSVReader(bytes.NewReader(file.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			m, err := dataio.AutoMappingFor(tc.entity, rr.Columns(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var report bytes.Buffer
			im := &dataio.Importer{Service: svc, Tx: db, Actor: a, Mapping: m, Errors: &report}
			sum, err := im.Run(ctx, rr)
			if err != nil || sum.Created != 0 || sum.Updated != n || sum.Rejected != 0 {
				t.Fatalf("%s imported again: %+v %v\n%s", tc.entity, sum, err, report.String())
			}
			if after := fingerprint(tc.query); after != before {
				b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
				for i := range b {
					if i < len(a) && a[i] != b[i] {
						t.Errorf("%s changed by the round trip:\n  before %s\n  after  %s", tc.entity, b[i], a[i])
						break
					}
				}
			}
		}
		for _, e := range []struct{ entity, count string }{
			{"tasks", `SELECT COUNT(*) FROM tasks WHERE account_id = $1`},
			{"activities", `SELECT COUNT(*) FROM activities WHERE account_id = $1`},
		} {
			var file bytes.Buffer
			n, err := dataio.Export(ctx, svc, a, e.entity, dataio.ExportFilter{}, &file, "xlsx", "en")
			if err != nil || n != c.count(t, e.count, a.AccountID) {
				t.Errorf("%s: exported %d of %d, %v", e.entity, n, c.count(t, e.count, a.AccountID), err)
			}
		}
		if _, err := dataio.Export(ctx, svc, a, "planets", dataio.ExportFilter{}, io.Discard, "csv", "en"); crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("an unknown list: %v", err)
		}
	})
}
