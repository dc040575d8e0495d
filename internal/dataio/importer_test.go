package dataio_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/dataio"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// An amoCRM export as a Russian user saves it from Excel: Windows-1251, semicolons, CRLF.
const amoExport = "ID;Название сделки;Бюджет;Этап сделки;Ответственный;Дата создания;Дата закрытия;Компания;Телефон;Источник;Теги\r\n" +
	"101;Тур в Турцию;125 000,50 руб.;Первичный контакт;Анна Смирнова;01.03.2025 10:15:00;;ООО «Ромашка»;+7 912 345-67-89;Яндекс Директ;горящий, VIP\r\n" +
	"102;Тур в Египет;99000;Успешно реализовано;Анна Смирнова;02.03.2025 11:00:00;10.03.2025 18:30:00;;8 (913) 111-22-33;Сайт;\r\n" +
	"103;Плохая дата;1000;Переговоры;Анна Смирнова;31.02.2025;;;;Сайт;\r\n" +
	"104;Отрицательная;-5 000;Переговоры;Анна Смирнова;03.03.2025;;ООО «Фантом»;;Сайт;\r\n" +
	"105;Чужой этап;1000;Отложено;Анна Смирнова;03.03.2025;;;;Сайт;\r\n" +
	"106;Чужой менеджер;1000;Переговоры;Иван Незнакомов;03.03.2025;;;;Сайт;\r\n" +
	"107;Закрыта раньше;1000;Успешно реализовано;Анна Смирнова;05.03.2025;01.03.2025;;;Сайт;\r\n"

func win1251(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type importCase struct {
	db    *store.DB
	svc   *crm.Service
	actor *crm.Actor
}

func newImportCase(t *testing.T, db *store.DB) *importCase {
	svc, _ := testkit.Service(db)
	actor := newAccount(t, svc, "agency", "RUB", "Europe/Moscow")
	if _, err := svc.CreateUser(context.Background(), actor, crm.UserCreate{Email: "anna@agency.example", Name: "Анна Смирнова",
		Password: "long enough password", Role: crm.RoleManager}); err != nil {
		t.Fatal(err)
	}
	return &importCase{db: db, svc: svc, actor: actor}
}

func (c *importCase) run(t *testing.T, file []byte, m *dataio.Mapping, mod func(*dataio.Importer)) (*dataio.Summary, [][]string, error) {
	t.Helper()
	rr, err := dataio.NewCSVReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if m == nil {
		if m, err = dataio.AutoMapping(rr.Columns(), nil); err != nil {
			t.Fatal(err)
		}
	}
	var report bytes.Buffer
	im := &dataio.Importer{Service: c.svc, Tx: c.db, Actor: c.actor, Mapping: m, Errors: &report}
	if mod != nil {
		mod(im)
	}
	sum, err := im.Run(context.Background(), rr)
	recs, rerr := csv.NewReader(&report).ReadAll()
	if rerr != nil {
		t.Fatalf("report: %v\n%s", rerr, report.String())
	}
	return sum, recs, err
}

// runEntity imports file as the entity, without a mapping (source overrides the detected one when
// given), and returns the summary and the report's rows.
func (c *importCase) runEntity(t *testing.T, entity, source, file string) (*dataio.Summary, [][]string) {
	t.Helper()
	rr, err := dataio.NewCSVReader(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	m, err := dataio.AutoMappingFor(entity, rr.Columns(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if source != "" {
		m.Source = source
	}
	var report bytes.Buffer
	im := &dataio.Importer{Service: c.svc, Tx: c.db, Actor: c.actor, Mapping: m, Errors: &report}
	sum, err := im.Run(context.Background(), rr)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&report).ReadAll()
	return sum, recs
}

func (c *importCase) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := c.db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The report names the line, column, value and reason of every rejected row; the good rows are
// imported whatever chunk they share with bad ones; a rejected row leaves nothing behind.
func TestImportAmoCRMExportWithBadRows(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := newImportCase(t, db)
		sum, report, err := c.run(t, win1251(t, amoExport), nil, func(im *dataio.Importer) { im.Chunk = 3 })
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows != 7 || sum.Created != 2 || sum.Rejected != 5 {
			t.Fatalf("summary %+v; report %v", sum, report)
		}
		want := map[string][]string{ // line → column and words of the reason
			"4": {"Дата создания", "31.02.2025", "not a date"},
			"5": {"Бюджет", "-5 000", "negative"},
			"6": {"Этап сделки", "Отложено", "no stage"},
			"7": {"Ответственный", "Иван Незнакомов", "no user"},
			"8": {"Дата закрытия", "01.03.2025", "before the deal was created"},
		}
		for _, r := range report[1:] {
			w, ok := want[r[0]]
			if !ok {
				t.Errorf("unexpected report line %v", r)
				continue
			}
			if r[1] != w[0] || r[2] != w[1] || !strings.Contains(r[3], w[2]) {
				t.Errorf("line %s reported as %v, want column %q value %q and %q", r[0], r, w[0], w[1], w[2])
			}
			delete(want, r[0])
		}
		if len(want) > 0 {
			t.Errorf("not reported: %v", want)
		}
		// Row 101: the amount, the stage translated from amoCRM's, the company, the phone, tags.
		list, err := c.svc.Deals(context.Background(), c.actor, crm.DealFilter{Q: "Турцию"}, crm.Page{Limit: 5})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("deal 101: %v %v", list, err)
		}
		d := list.Items[0]
		if d.Amount != 12_500_050 || d.ExternalSource != "amocrm" || d.ExternalID != "101" || d.CompanyID == 0 || d.ContactID == 0 || len(d.Tags) != 2 {
			t.Errorf("deal 101 imported as %+v", d)
		}
		if c.count(t, `SELECT COUNT(*) FROM deals d JOIN stages s ON s.id = d.stage_id WHERE s.name = 'Новая заявка' AND d.id = $1`, d.ID) != 1 {
			t.Error("Первичный контакт did not become Новая заявка")
		}
		if c.count(t, `SELECT COUNT(*) FROM deals WHERE external_id = '102' AND status = 'won' AND closed_at IS NOT NULL`) != 1 {
			t.Error("deal 102 is not won with its close date")
		}
		// The bad row 104 named a new company; its rollback took the company with it.
		if n := c.count(t, `SELECT COUNT(*) FROM companies WHERE name = 'ООО «Фантом»'`); n != 0 {
			t.Errorf("a rejected row left its company behind (%d)", n)
		}
	})
}

// A dry run checks every row and reports like a real run, and writes nothing.
func TestImportDryRunWritesNothing(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := newImportCase(t, db)
		before := c.count(t, `SELECT COUNT(*) FROM deals`) + c.count(t, `SELECT COUNT(*) FROM companies`) + c.count(t, `SELECT COUNT(*) FROM channels`)
		sum, report, err := c.run(t, win1251(t, amoExport), nil, func(im *dataio.Importer) { im.DryRun = true })
		if err != nil {
			t.Fatal(err)
		}
		if sum.Created != 2 || sum.Rejected != 5 || len(report) != 6 {
			t.Errorf("dry run: %+v, %d report lines", sum, len(report))
		}
		after := c.count(t, `SELECT COUNT(*) FROM deals`) + c.count(t, `SELECT COUNT(*) FROM companies`) + c.count(t, `SELECT COUNT(*) FROM channels`)
		if after != before {
			t.Errorf("a dry run wrote %d records", after-before)
		}
	})
}

// An import cut off half-way and run again ends with every row once: re-imported rows update.
func TestImportResumesWithoutDuplicates(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := newImportCase(t, db)
		var b strings.Builder
		b.WriteString("ID,Название,Сумма,Этап,Ответственный,Дата создания\n")
		for i := range 45 {
			b.WriteString(strings.Join([]string{itoa(1000 + i), "Сделка " + itoa(i), itoa(100 * (i + 1)), "Квалификация", "anna@agency.example", "2025-04-01"}, ",") + "\n")
		}
		file := []byte(b.String())
		ctx, cancel := context.WithCancel(context.Background())
		rr, _ := dataio.NewCSVReader(bytes.NewReader(file))
		m, _ := dataio.AutoMapping(rr.Columns(), nil)
		im := &dataio.Importer{Service: c.svc, Tx: c.db, Actor: c.actor, Mapping: m, Chunk: 10,
			Progress: func(s dataio.Summary) {
				if s.Rows >= 20 {
					cancel() // the process is killed after two chunks
				}
			}}
		if _, err := im.Run(ctx, rr); !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted import: %v", err)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM deals WHERE external_source = 'csv'`); n%10 != 0 || n == 0 || n == 45 {
			t.Fatalf("after the interruption %d deals: want whole chunks only", n)
		}
		sum, report, err := c.run(t, file, nil, nil)
		if err != nil || sum.Rejected != 0 {
			t.Fatalf("resume: %+v %v %v", sum, report, err)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM deals WHERE external_source = 'csv'`); n != 45 {
			t.Errorf("after the resume %d deals, want 45", n)
		}
		if sum.Created+sum.Updated != 45 || sum.Updated == 0 {
			t.Errorf("resume summary %+v", sum)
		}
		if c.count(t, `SELECT COUNT(*) FROM deals WHERE external_id = '1044' AND amount = 450000`) != 1 {
			t.Error("the last row's amount is wrong")
		}
	})
}

// A Bitrix24 export: its column names and stage ids are understood without a mapping.
func TestImportBitrix24Preset(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := newImportCase(t, db)
		file := "\ufeffID,TITLE,OPPORTUNITY,STAGE_ID,ASSIGNED_BY_ID,DATE_CREATE,CLOSEDATE,SOURCE_ID\n" +
			"7,Поставка оборудования,\"1,250,000.00\",WON,Анна Смирнова,2025-05-02 09:00:00,2025-05-20 12:00:00,CALL\n" +
			"8,Консультация,15000,PREPARATION,Анна Смирнова,2025-05-03 09:00:00,,WEB\n"
		sum, report, err := c.run(t, []byte(file), nil, nil)
		if err != nil || sum.Created != 2 || sum.Rejected != 0 {
			t.Fatalf("%+v %v %v", sum, report, err)
		}
		if c.count(t, `SELECT COUNT(*) FROM deals WHERE external_source = 'bitrix24' AND external_id = '7' AND status = 'won' AND amount = 125000000`) != 1 {
			t.Error("deal 7 is not won with 1,250,000.00")
		}
		if c.count(t, `SELECT COUNT(*) FROM deals d JOIN stages s ON s.id = d.stage_id WHERE d.external_id = '8' AND s.name = 'Квалификация'`) != 1 {
			t.Error("PREPARATION did not become Квалификация")
		}
	})
}

// Mappings with mistakes are refused as a whole, with every mistake named.
func TestMappingErrors(t *testing.T) {
	_, err := dataio.ReadMapping(strings.NewReader(`{"entity":"contacts","fields":{"nmae":{"column":"a"},"amount":{"column":"x","value":"1"},
		"created_at":{"column":"d","format":"DD-MM"}},"create":["planets"]}`))
	if err == nil {
		t.Fatal("a bad mapping was accepted")
	}
	for _, want := range []string{"source: required", "fields.nmae: unknown field", "fields.amount: unknown field of contacts", "fields.amount: give exactly one", "date format \"DD-MM\"", "create: \"planets\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %q: %v", want, err)
		}
	}
	if _, err := dataio.ReadMapping(strings.NewReader(`{"entity":"planets","source":"x","fields":{}}`)); err == nil || !strings.Contains(err.Error(), "entity: \"planets\" is not supported") {
		t.Errorf("an unknown entity: %v", err)
	}
	if _, err := dataio.ReadMapping(strings.NewReader(`{"entity":"deals","source":"x","fields":{},"typo":1}`)); err == nil || !strings.Contains(err.Error(), "typo") {
		t.Errorf("an unknown key: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A mapping file of any content is either refused with an error or accepted as a valid mapping.
func FuzzReadMapping(f *testing.F) {
	f.Add(`{"entity":"deals","source":"x","fields":{"name":{"column":"a"}}}`)
	f.Add(`{"entity":"deals","source":"x","fields":{"created_at":{"column":"d","format":"DD.MM.YYYY"}},"stage_dates":{"A":{"value":"1"}}}`)
	f.Add(`{"entity":`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := dataio.ReadMapping(strings.NewReader(s))
		if err == nil && m.Check() != nil {
			t.Fatalf("accepted an invalid mapping: %q", s)
		}
	})
}

// Companies, then their people: Russian headers matched without a mapping, several phones in a
// cell, the company found by name, a bad e-mail reported; a second import updates in place.
func TestImportCompaniesAndContacts(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := newImportCase(t, db)
		companies := "ID;Название компании;ИНН;Отрасль;Сайт;Ответственный\n" +
			"c1;ООО «Ромашка»;7701234567;Торговля;romashka.example;Анна Смирнова\n" +
			"c2;АО «Вектор»;7709876543;IT;;Анна Смирнова\n"
		run := func(entity, file string) (*dataio.Summary, [][]string) { return c.runEntity(t, entity, "", file) }
		if sum, rep := run("companies", companies); sum.Created != 2 || sum.Rejected != 0 {
			t.Fatalf("companies: %+v %v", sum, rep)
		}
		contacts := "ID;ФИО;Должность;Компания;Телефон;Email\n" +
			"p1;Петров Иван;Директор;ООО «Ромашка»;8 (912) 345-67-89, +7 913 000-00-01;ivan@romashka.example\n" +
			"p2;Сидорова Ольга;Бухгалтер;АО «Вектор»;+7 (495) 123-45-67;olga(at)vector\n" +
			"p3;Козлов Пётр;;Новая компания;+7 900 111-22-33;\n"
		sum, rep := run("contacts", contacts)
		if sum.Created != 2 || sum.Rejected != 1 || len(rep) != 2 || rep[1][0] != "3" || !strings.Contains(rep[1][3], "emails") {
			t.Fatalf("contacts: %+v %v", sum, rep)
		}
		list, err := c.svc.Contacts(context.Background(), c.actor, crm.ContactFilter{Phone: "+7 913 000 00 01"}, crm.Page{Limit: 5})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("the second phone does not find Petrov: %v %v", list, err)
		}
		ivan := list.Items[0]
		if ivan.Name != "Петров Иван" || len(ivan.Phones) != 2 || len(ivan.Emails) != 1 || ivan.CompanyID == 0 || ivan.ExternalID != "p1" {
			t.Errorf("Petrov imported as %+v", ivan)
		}
		// A company the file names that does not exist yet is created with its contact; the
		// rejected row p2 left nothing behind.
		if n := c.count(t, `SELECT COUNT(*) FROM contacts c JOIN companies co ON co.id = c.company_id WHERE c.external_id = 'p3' AND co.name = 'Новая компания'`); n != 1 {
			t.Errorf("p3: %d contacts with the new company", n)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM contacts WHERE external_id = 'p2'`); n != 0 {
			t.Errorf("the rejected p2 was stored")
		}
		// Again, with a new position: updated, not duplicated.
		sum, _ = run("contacts", strings.Replace(contacts, "Директор", "Генеральный директор", 1))
		if sum.Updated != 2 || sum.Created != 0 {
			t.Errorf("second import: %+v", sum)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM contacts WHERE external_id = 'p1' AND position = 'Генеральный директор'`); n != 1 {
			t.Error("p1 was not updated")
		}
		if n := c.count(t, `SELECT COUNT(*) FROM companies WHERE tax_id = '7701234567' AND industry = 'Торговля' AND website = 'romashka.example'`); n != 1 {
			t.Error("the company's fields were not imported")
		}
	})
}

// Payments find their deals by the deals' ids in the same source; marketing spend is a channel's
// month or period. Importing either again changes nothing.
func TestImportPaymentsAndSpend(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := newImportCase(t, db)
		if sum, rep, err := c.run(t, win1251(t, amoExport), nil, nil); err != nil || sum.Created != 2 {
			t.Fatalf("deals: %+v %v %v", sum, rep, err)
		}
		run := func(entity, source, file string) (*dataio.Summary, [][]string) {
			return c.runEntity(t, entity, source, file)
		}
		payments := "ID сделки;Дата оплаты;Сумма;Способ оплаты\n" +
			"102;11.03.2025 12:00;49 500,00;card\n" +
			"102;20.03.2025;49 500,00;transfer\n" +
			"999;20.03.2025;100;card\n"
		for round := range 2 {
			sum, rep := run("payments", "amocrm", payments)
			if sum.Rejected != 1 || len(rep) != 2 || rep[1][0] != "4" || !strings.Contains(rep[1][3], "import the deals first") {
				t.Fatalf("round %d: %+v %v", round, sum, rep)
			}
			if (round == 0 && sum.Created != 2) || (round == 1 && (sum.Created != 0 || sum.Updated != 2)) {
				t.Errorf("round %d: %+v", round, sum)
			}
		}
		if n := c.count(t, `SELECT COALESCE(SUM(p.amount), 0) FROM payments p JOIN deals d ON d.id = p.deal_id WHERE d.external_id = '102'`); n != 9_900_000 {
			t.Errorf("paid for deal 102: %d", n)
		}
		spend := "Канал;Месяц;Расход\nЯндекс Директ;03.2025;120 000\nЯндекс Директ;2025-04;80 000\nVK Реклама;13.2025;1\n"
		sum, rep := run("spend", "csv", spend)
		if sum.Created != 2 || sum.Rejected != 1 || rep[1][1] != "Месяц" {
			t.Fatalf("spend: %+v %v", sum, rep)
		}
		sum, _ = run("spend", "csv", strings.Replace(spend, "80 000", "85 000", 1))
		if sum.Created != 0 || sum.Updated != 2 {
			t.Errorf("spend again: %+v", sum)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM marketing_spend s JOIN channels ch ON ch.id = s.channel_id
			WHERE ch.name = 'Яндекс Директ' AND s.starts_on = '2025-04-01' AND s.ends_on = '2025-04-30' AND s.amount = 8500000 AND s.deleted_at IS NULL`); n != 1 {
			t.Errorf("April's spend was not updated to 85 000 (%d rows)", n)
		}
	})
}

// Tasks and the call history find their deals by the deals' ids in the same source; Russian
// words for types and kinds are understood; importing again updates instead of duplicating.
func TestImportTasksAndActivities(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		c := newImportCase(t, db)
		if sum, rep, err := c.run(t, win1251(t, amoExport), nil, nil); err != nil || sum.Created != 2 {
			t.Fatalf("deals: %+v %v %v", sum, rep, err)
		}
		run := func(entity, file string) (*dataio.Summary, [][]string) { return c.runEntity(t, entity, "amocrm", file) }
		tasks := "ID задачи;ID сделки;Тип;Задача;Срок;Выполнена;Ответственный\n" +
			"t1;101;Звонок;Перезвонить по туру;02.03.2025 12:00;02.03.2025 11:40;Анна Смирнова\n" +
			"t2;102;Встреча;Подписать договор;05.03.2025 15:00;;Анна Смирнова\n" +
			"t3;555;Звонок;Чужая сделка;05.03.2025 15:00;;Анна Смирнова\n"
		sum, rep := run("tasks", tasks)
		if sum.Created != 2 || sum.Rejected != 1 || rep[1][0] != "4" || rep[1][1] != "ID сделки" {
			t.Fatalf("tasks: %+v %v", sum, rep)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM tasks t JOIN deals d ON d.id = t.deal_id WHERE d.external_id = '101' AND t.type = 'call' AND t.done_at IS NOT NULL`); n != 1 {
			t.Error("task t1 is not a done call on deal 101")
		}
		calls := "ID события;ID сделки;Тип;Дата;Длительность;Результат;Пользователь\n" +
			"a1;101;Исходящий звонок;01.03.2025 10:30;1:35;Обсудили даты;Анна Смирнова\n" +
			"a2;101;Входящий звонок;01.03.2025 16:05;42;Клиент перезвонил;Анна Смирнова\n" +
			"a3;102;Письмо;02.03.2025 11:00;;КП отправлено;Анна Смирнова\n" +
			"a4;102;Звонок;02.03.2025 12:00;полчаса;;Анна Смирнова\n"
		sum, rep = run("activities", calls)
		if sum.Created != 3 || sum.Rejected != 1 || rep[1][1] != "Длительность" {
			t.Fatalf("activities: %+v %v", sum, rep)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM activities WHERE external_id = 'a1' AND kind = 'call' AND direction = 'out' AND duration_seconds = 95`); n != 1 {
			t.Error("a1 is not an outgoing call of 95 s")
		}
		if n := c.count(t, `SELECT COUNT(*) FROM activities WHERE external_id = 'a2' AND direction = 'in'`); n != 1 {
			t.Error("a2 is not incoming")
		}
		sum, _ = run("activities", strings.Replace(calls, "Обсудили даты", "Обсудили даты и отели", 1))
		if sum.Created != 0 || sum.Updated != 3 {
			t.Errorf("activities again: %+v", sum)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM activities WHERE external_id = 'a1' AND result = 'Обсудили даты и отели'`); n != 1 {
			t.Error("a1 was not updated")
		}
		if sum, _ = run("tasks", tasks); sum.Created != 0 || sum.Updated != 2 {
			t.Errorf("tasks again: %+v", sum)
		}
	})
}
