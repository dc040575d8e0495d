package dataio_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// richMapping uses every kind of thing an imported deal brings: history (created, closed, a stage
// date), records created on the way (companies, contacts, channels, products, loss reasons), line
// items, tags, a custom field, UTM and region.
const richMapping = `{
	"entity": "deals", "source": "crm1",
	"create": ["companies", "contacts", "channels", "products", "loss_reasons"],
	"fields": {
		"external_id": {"column": "ID"}, "name": {"column": "Name"}, "amount": {"column": "Amount"},
		"stage": {"column": "Stage"}, "responsible": {"column": "Manager"},
		"created_at": {"column": "Created", "format": "YYYY-MM-DD HH:mm"},
		"closed_at": {"column": "Closed", "format": "YYYY-MM-DD HH:mm"},
		"company": {"column": "Company"}, "contact.phone": {"column": "Phone"}, "channel": {"column": "Source"},
		"tags": {"column": "Tags", "split": ";"}, "product": {"column": "Product"}, "quantity": {"column": "Qty"},
		"loss_reason": {"column": "Reason"}, "region": {"column": "Region"}, "utm_source": {"column": "UTM"},
		"custom.tier": {"column": "Tier"}, "expected_close_date": {"column": "Expected", "format": "YYYY-MM-DD"}
	},
	"stage_dates": {"КП отправлено": {"column": "KP", "format": "YYYY-MM-DD"}}
}`

// richFile is n rows of every shape: each stage, won and lost deals with close dates, a stage date
// on some, companies and phones shared between rows, products with and without a quantity. With
// repeat, rows 5, 8 and 21 repeat the ids of rows 3, 2 and 4 (row 5 in the same chunk of 7 as row
// 3, the others in later chunks): a repeated id updates the deal, as one by one.
func richFile(n int, repeat bool) []byte {
	stages := []string{"Новая заявка", "Квалификация", "КП отправлено", "Переговоры", "Успешно реализовано", "Закрыто и не реализовано"}
	var b strings.Builder
	b.WriteString("ID,Name,Amount,Stage,Manager,Created,Closed,KP,Company,Phone,Source,Tags,Product,Qty,Reason,Region,UTM,Tier,Expected\n")
	for i := range n {
		id := 500 + i
		switch {
		case !repeat:
		case i == 5:
			id = 503
		case i == 8:
			id = 502
		case i == 21:
			id = 504
		}
		st := stages[i%len(stages)]
		created := time.Date(2025, 3, 1+i%27, 9+i%8, i%60, 0, 0, time.UTC)
		closed, kp, reason := "", "", ""
		if i%len(stages) >= 4 {
			closed = created.Add(time.Duration(24*(3+i%5)) * time.Hour).Format("2006-01-02 15:04")
		}
		if i%len(stages) >= 2 && i%3 != 0 {
			kp = created.Add(24 * time.Hour).Format("2006-01-02")
		}
		if st == "Закрыто и не реализовано" {
			reason = []string{"Дорого", "Нашли дешевле"}[i%2]
		}
		company, phone, product, qty, tags := "", "", "", "", ""
		if i%4 != 0 {
			company = fmt.Sprintf("ООО Клиент %d", i%5)
		}
		if i%3 == 1 {
			phone = fmt.Sprintf("+7 912 000-00-%02d", i%7)
		}
		if i%5 == 2 {
			product, qty = []string{"Тур в Турцию", "Страховка"}[i%2], fmt.Sprint(1+i%3)
		}
		if i%2 == 0 {
			tags = "импорт;" + []string{"vip", "горящий", "повтор"}[i%3]
		}
		expected := ""
		if i%4 == 1 {
			expected = created.AddDate(0, 1, 0).Format("2006-01-02")
		}
		fmt.Fprintf(&b, "%d,Сделка %d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", id, i, 10000+i*1500, st,
			[]string{"Анна Смирнова", "admin@agency.example"}[i%2], created.Format("2006-01-02 15:04"), closed, kp,
			company, phone, []string{"Сайт", "Выставка", ""}[i%3], tags, product, qty, reason,
			[]string{"Москва", "", "Казань"}[i%3], []string{"", "yandex"}[i%2], []string{"", "gold", "silver"}[i%3], expected)
	}
	return []byte(b.String())
}

// bulkCase is an account (with Анна Смирнова and a custom field "tier") to import into.
func bulkCase(t *testing.T, db *store.DB) *importCase {
	t.Helper()
	c := newImportCase(t, db)
	if err := c.svc.CreateCustomField(context.Background(), c.actor, &crm.CustomField{Entity: "deal", Key: "tier", Name: "Tier", Type: crm.FieldText}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *importCase) runMapping(t *testing.T, file []byte, mapping string, mod func(*dataio.Importer)) (*dataio.Summary, [][]string) {
	t.Helper()
	m, err := dataio.ReadMapping(strings.NewReader(mapping))
	if err != nil {
		t.Fatal(err)
	}
	sum, report, err := c.run(t, file, m, mod)
	if err != nil {
		t.Fatal(err)
	}
	return sum, report
}

// dumpQueries read every table an imported deal writes to, in a stable order. The append-only
// logs (stage history, audit, events) are compared without their own ids: one by one, the records
// created on the way (a company…) interleave their audit entries with the deals', in bulk they come
// first; everything else, ids included, must be equal.
var dumpQueries = map[string]string{
	"deals":          `SELECT * FROM deals ORDER BY id`,
	"deal_items":     `SELECT * FROM deal_items ORDER BY id`,
	"deal_contacts":  `SELECT * FROM deal_contacts ORDER BY deal_id, contact_id`,
	"taggings":       `SELECT * FROM taggings ORDER BY entity, entity_id, tag`,
	"stage_events":   `SELECT account_id, deal_id, at, from_pipeline_id, from_stage_id, to_pipeline_id, to_stage_id, user_id FROM deal_stage_events ORDER BY deal_id, at, to_stage_id`,
	"audit_log":      `SELECT account_id, at, user_id, entity, entity_id, action, changes FROM audit_log ORDER BY entity, entity_id, action, changes`,
	"events":         `SELECT account_id, at, type, entity, entity_id, user_id, payload FROM events ORDER BY entity, entity_id, type, payload`,
	"companies":      `SELECT * FROM companies ORDER BY id`,
	"contacts":       `SELECT * FROM contacts ORDER BY id`,
	"contact_phones": `SELECT * FROM contact_phones ORDER BY contact_id, raw`,
	"channels":       `SELECT * FROM channels ORDER BY id`,
	"products":       `SELECT * FROM products ORDER BY id`,
	"loss_reasons":   `SELECT * FROM loss_reasons ORDER BY id`,
}

func dump(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The bulk path and the domain service one by one leave exactly the same rows: the same file
// imported both ways into two fresh databases gives equal tables — deals, items, tags, stage
// history, audit entries and events, and the records created on the way.
func TestImportBulkWritesWhatTheServiceWrites(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		file := richFile(30, true)
		one := bulkCase(t, db)
		bulk := bulkCase(t, testkit.Open(t, db.Engine))
		s1, r1 := one.runMapping(t, file, richMapping, func(im *dataio.Importer) { im.PerRow, im.Chunk = true, 7 })
		s2, r2 := bulk.runMapping(t, file, richMapping, func(im *dataio.Importer) { im.Chunk = 7 })
		if s1.Created != s2.Created || s1.Updated != s2.Updated || s1.Rejected != s2.Rejected || s1.Warnings != s2.Warnings {
			t.Errorf("summaries differ: one by one %+v, bulk %+v", s1, s2)
		}
		if s2.Created != 27 || s2.Updated != 3 || s2.Rejected != 0 {
			t.Errorf("bulk summary %+v, want 27 created and 3 updated (the repeated ids); report %v", s2, r2)
		}
		if !slices.EqualFunc(r1, r2, slices.Equal) {
			t.Errorf("reports differ:\n%v\n%v", r1, r2)
		}
		for name, q := range dumpQueries {
			a, b := dump(t, one.db.SQL(), q), dump(t, bulk.db.SQL(), q)
			if len(a) != len(b) {
				t.Errorf("%s: %d rows one by one, %d in bulk", name, len(a), len(b))
				continue
			}
			for i := range a {
				if a[i] != b[i] {
					t.Errorf("%s row %d differs:\none by one %s\nbulk       %s", name, i, a[i], b[i])
					break
				}
			}
		}
		// The fixture is what it claims to be. Rows i = 0…29, stage i%6; ids 502, 503 and 504 are
		// updated by rows 8, 5 and 21, so 27 deals.
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM deals`: 27,
			// A product on rows i%5 = 2: 2, 7, 12, 17, 22, 27; row 8 updating 502 names none.
			`SELECT COUNT(*) FROM deal_items`: 6,
			// Two tags on even rows: 12 deals of one even row, 502 (rows 2, 8) and 504 (row 4; row
			// 21 has none and leaves them): 14 × 2.
			`SELECT COUNT(*) FROM taggings WHERE entity = 'deal'`: 28,
			// Won: rows 10, 16, 22, 28 (row 4's deal 504 is moved back to Переговоры by row 21).
			`SELECT COUNT(*) FROM deals WHERE status = 'won'`: 4,
			// Lost with a reason: rows 11, 17, 23, 29 and 503 moved there by row 5.
			`SELECT COUNT(*) FROM deals WHERE loss_reason_id IS NOT NULL`: 5,
			// A tier on rows i%3 ≠ 0: 16 deals of one row, and 502, 503, 504 (one of their rows has it).
			`SELECT COUNT(*) FROM deals WHERE custom <> '{}'`: 19,
			// Created: 1 event for an open stage without a КП date, 2 for КП with its date or a
			// closed deal without, 3 for Переговоры or closed with one: 49 for the 27 creating rows;
			// the updates move 503 (row 5) and 504 (row 21): 51.
			`SELECT COUNT(*) FROM deal_stage_events`:                  51,
			`SELECT COUNT(*) FROM events WHERE type = 'deal.created'`: 27,
			// An expected close date on rows i%4 = 1 that create their deal: 1, 9, 13, 17, 25, 29.
			`SELECT COUNT(*) FROM deals WHERE expected_close_date IS NOT NULL`: 6,
			// 27 created, 3 updated.
			`SELECT COUNT(*) FROM audit_log WHERE entity = 'deal'`: 30,
		} {
			if got := bulk.count(t, q); got != want {
				t.Errorf("%s: %d, want %d", q, got, want)
			}
		}

		// A file without repeated ids, imported again, creates nothing: every row updates its deal,
		// and nothing changes.
		again := bulkCase(t, testkit.Open(t, db.Engine))
		plain := richFile(30, false)
		again.runMapping(t, plain, richMapping, nil)
		before := map[string][]string{}
		for _, name := range []string{"deals", "deal_items", "taggings", "stage_events", "events"} {
			before[name] = dump(t, again.db.SQL(), dumpQueries[name])
		}
		s3, r3 := again.runMapping(t, plain, richMapping, func(im *dataio.Importer) { im.Chunk = 7 })
		if s3.Created != 0 || s3.Updated != 30 || s3.Rejected != 0 {
			t.Errorf("re-import: %+v %v", s3, r3)
		}
		for name, rows := range before {
			if after := dump(t, again.db.SQL(), dumpQueries[name]); !slices.Equal(rows, after) {
				t.Errorf("re-import changed %s:\n%v\n%v", name, rows, after)
			}
		}
	})
}

// Bad rows of every kind — caught reading the row (a date, an amount) or by the domain's rules (a
// deactivated manager, a future date, a name too long) — are rejected with the same report as one
// by one; the good rows of their chunks are created; the rejected ones leave nothing behind, not
// even the company they named; a dry run reports the same and writes nothing.
func TestImportBulkRejectsBadRowsOnly(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		file := "ID,Name,Amount,Stage,Manager,Created,Company\n" +
			"1,Хорошая 1,1000,Квалификация,Анна Смирнова,2025-03-01 10:00,ООО Альфа\n" +
			"2,Плохая дата,1000,Квалификация,Анна Смирнова,2025-02-31 10:00,ООО Бета\n" +
			"3,Хорошая 3,3000,Переговоры,Анна Смирнова,2025-03-02 10:00,ООО Альфа\n" +
			"4,Уволенный,1000,Квалификация,Пётр Уволенный,2025-03-03 10:00,ООО Гамма\n" +
			"5,Из будущего,1000,Квалификация,Анна Смирнова,2027-03-03 10:00,ООО Дельта\n" +
			"6," + strings.Repeat("Д", 501) + ",1000,Квалификация,Анна Смирнова,2025-03-03 10:00,\n" +
			"7,Хорошая 7,7000,Успешно реализовано,Анна Смирнова,2025-03-04 10:00,\n" +
			"8,Минус,-7,Квалификация,Анна Смирнова,2025-03-04 10:00,\n" +
			"9,Хорошая 9,9000,Квалификация,Анна Смирнова,2025-03-05 10:00,ООО Эпсилон\n"
		mapping := `{"entity": "deals", "source": "csv", "create": ["companies"], "fields": {"external_id": {"column": "ID"},
			"name": {"column": "Name"}, "amount": {"column": "Amount"}, "stage": {"column": "Stage"}, "responsible": {"column": "Manager"},
			"created_at": {"column": "Created", "format": "YYYY-MM-DD HH:mm"}, "company": {"column": "Company"}}}`
		var reports [][][]string
		for _, mode := range []string{"one by one", "bulk", "bulk dry run"} {
			c := newImportCase(t, testkit.Open(t, db.Engine))
			gone, err := c.svc.CreateUser(ctx, c.actor, crm.UserCreate{Email: "petr@agency.example", Name: "Пётр Уволенный", Password: "long enough password", Role: crm.RoleManager})
			if err != nil {
				t.Fatal(err)
			}
			off := false
			if _, err := c.svc.UpdateUser(ctx, c.actor, gone.ID, crm.UserUpdate{Active: &off}); err != nil {
				t.Fatal(err)
			}
			sum, report := c.runMapping(t, []byte(file), mapping, func(im *dataio.Importer) {
				im.PerRow, im.DryRun = mode == "one by one", mode == "bulk dry run"
			})
			if sum.Created != 4 || sum.Rejected != 5 || sum.Updated != 0 {
				t.Errorf("%s: %+v %v", mode, sum, report)
			}
			reports = append(reports, report)
			wantDeals, wantCompanies := 4, 2 // Альфа and Эпсилон; none of Бета, Гамма, Дельта
			if mode == "bulk dry run" {
				wantDeals, wantCompanies = 0, 0
			}
			if n := c.count(t, `SELECT COUNT(*) FROM deals`); n != wantDeals {
				t.Errorf("%s: %d deals, want %d", mode, n, wantDeals)
			}
			if n := c.count(t, `SELECT COUNT(*) FROM companies`); n != wantCompanies {
				t.Errorf("%s: %d companies, want %d", mode, n, wantCompanies)
			}
			if mode != "bulk dry run" {
				if n := c.count(t, `SELECT COUNT(*) FROM deals WHERE external_id IN ('1', '3', '7', '9')`); n != 4 {
					t.Errorf("%s: %d of the good rows imported", mode, n)
				}
			}
		}
		lines := []string{}
		for _, r := range reports[1][1:] {
			lines = append(lines, r[0]+" "+r[1]+" "+r[3])
		}
		for _, want := range []string{"3 Created", "5 Manager", "6 Created", "7 Name", "9 Amount"} {
			if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
				t.Errorf("no report line %q in %v", want, lines)
			}
		}
		for i := 1; i < len(reports); i++ {
			if !slices.EqualFunc(reports[0], reports[i], slices.Equal) {
				t.Errorf("report %d differs from one by one:\n%v\n%v", i, reports[0], reports[i])
			}
		}
	})
}

// An import cut off half-way through bulk chunks and run again ends with every row once.
func TestImportBulkResumes(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := bulkCase(t, db)
		file := richFile(40, true)
		m, err := dataio.ReadMapping(strings.NewReader(richMapping))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		rr, _ := dataio.NewCSVReader(bytes.NewReader(file))
		im := &dataio.Importer{Service: c.svc, Tx: c.db, Actor: c.actor, Mapping: m, Chunk: 10,
			Progress: func(s dataio.Summary) {
				if s.Rows >= 20 {
					cancel()
				}
			}}
		if _, err := im.Run(ctx, rr); err == nil {
			t.Fatal("the interrupted import did not stop")
		}
		n := c.count(t, `SELECT COUNT(*) FROM deals`)
		if n == 0 || n >= 37 {
			t.Fatalf("after the interruption %d deals", n)
		}
		sum, report := c.runMapping(t, file, richMapping, func(im *dataio.Importer) { im.Chunk = 10 })
		if sum.Rejected != 0 || sum.Created+sum.Updated != 40 || sum.Updated < 20 {
			t.Errorf("resume: %+v %v", sum, report)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM deals`); n != 37 {
			t.Errorf("after the resume %d deals, want 37", n)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM (SELECT external_id FROM deals GROUP BY external_id HAVING COUNT(*) > 1) d`); n != 0 {
			t.Errorf("%d duplicated external ids", n)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM events WHERE type = 'deal.created'`); n != 37 {
			t.Errorf("%d deal.created events, want one a deal", n)
		}
	})
}
