package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestContactsPhonesAndDuplicates(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		beta := testkit.NewOrg(t, svc, "beta")
		mgr := o.Actor(t, o.North1)
		anna, dups, err := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Анна Петрова",
			Phones: []crm.Phone{{Raw: "8 (912) 345-67-89", Kind: "mobile"}, {Raw: "+7 912 345 67 89"}},
			Emails: []crm.Email{{Email: " Anna@Example.RU "}}})
		if err != nil || len(dups) != 0 {
			t.Fatalf("create: %v %v", err, dups)
		}
		if len(anna.Phones) != 1 || anna.Phones[0].Phone != "79123456789" || anna.Emails[0].Email != "anna@example.ru" {
			t.Errorf("normalised: %+v %+v", anna.Phones, anna.Emails)
		}
		// In another account the same phone is no duplicate.
		if _, dups, _ := svc.CreateContact(ctx, beta.Actor(t, beta.North1), crm.ContactInput{Name: "Анна", Phones: []crm.Phone{{Raw: "89123456789"}}}); len(dups) != 0 {
			t.Errorf("a duplicate across accounts: %v", dups)
		}
		// A colleague's new contact with the number typed differently is reported, without the name.
		_, dups, err = svc.CreateContact(ctx, o.Actor(t, o.South1), crm.ContactInput{Name: "А. Петрова", Phones: []crm.Phone{{Raw: "+7(912)3456789"}}})
		if err != nil || len(dups) != 1 || dups[0].ID != anna.ID || dups[0].Match != "phone" || dups[0].Name != "" || dups[0].ResponsibleID != o.North1.ID {
			t.Errorf("duplicate for south1: %+v %v", dups, err)
		}
		// The head of North sees the name.
		dups, _ = svc.ContactDuplicates(ctx, o.Actor(t, o.NorthHead), nil, []crm.Email{{Email: "ANNA@example.ru"}})
		if len(dups) != 1 || dups[0].Name != "Анна Петрова" || dups[0].Match != "email" {
			t.Errorf("duplicates by e-mail: %+v", dups)
		}
		// Search by a phone typed any way, and by e-mail or name in any case.
		for _, q := range []string{"8-912-345-67-89", "3456789", "ANNA@", "петрова"} {
			l, err := svc.Contacts(ctx, mgr, crm.ContactFilter{Q: q}, crm.Page{})
			if err != nil || len(l.Items) != 1 || l.Items[0].ID != anna.ID {
				t.Errorf("search %q: %v %v", q, l, err)
			}
		}
		// Bad phones and e-mails name their index; nothing is stored.
		_, _, err = svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "X", Phones: []crm.Phone{{Raw: "+7 912 345 67 89"}, {Raw: "12"}}})
		wantCode(t, err, crm.EINVALID, "phones[1]")
		_, _, err = svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "X", Emails: []crm.Email{{Email: "nope"}}})
		wantCode(t, err, crm.EINVALID, "emails[0]")
		var foreignCompany crm.Company
		foreignCompany.Name = "Beta LLC"
		if _, err := svc.CreateCompany(ctx, beta.Actor(t, beta.Admin), &foreignCompany); err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "X", CompanyID: foreignCompany.ID})
		wantCode(t, err, crm.EINVALID, "company_id")
		var n int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM contacts WHERE account_id = $1`, o.Account.ID).Scan(&n)
		if n != 2 {
			t.Errorf("contacts stored: %d, want 2", n)
		}
	})
}

func TestCustomFieldsOnContacts(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		admin, mgr := o.Actor(t, o.Admin), o.Actor(t, o.North1)
		for _, f := range []*crm.CustomField{
			{Entity: "contact", Key: "source", Name: "Источник", Type: crm.FieldSelect, Options: []string{"сайт", "звонок"}},
			{Entity: "contact", Key: "budget", Name: "Бюджет", Type: crm.FieldMoney},
		} {
			if err := svc.CreateCustomField(ctx, admin, f); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, svc.CreateCustomField(ctx, admin, &crm.CustomField{Entity: "contact", Key: "source", Name: "x", Type: crm.FieldText}), crm.ECONFLICT, "key")
		wantCode(t, svc.CreateCustomField(ctx, admin, &crm.CustomField{Entity: "contact", Key: "Bad Key", Name: "x", Type: crm.FieldText}), crm.EINVALID, "key")
		wantCode(t, svc.CreateCustomField(ctx, admin, &crm.CustomField{Entity: "contact", Key: "kind", Name: "x", Type: crm.FieldSelect}), crm.EINVALID, "options")
		wantCode(t, svc.CreateCustomField(ctx, mgr, &crm.CustomField{Entity: "contact", Key: "k", Name: "x", Type: crm.FieldText}), crm.EFORBIDDEN, "")

		c, _, err := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Иван", Custom: map[string]any{"source": "сайт", "budget": float64(1500000)}})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Пётр", Custom: map[string]any{"source": "телевизор"}})
		wantCode(t, err, crm.EINVALID, "custom.source")
		_, _, err = svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Пётр", Custom: map[string]any{"budget": 10.5}})
		wantCode(t, err, crm.EINVALID, "custom.budget")
		_, _, err = svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Пётр", Custom: map[string]any{"colour": "red"}})
		wantCode(t, err, crm.EINVALID, "custom.colour")
		l, _ := svc.Contacts(ctx, mgr, crm.ContactFilter{Custom: map[string]string{"source": "сайт"}}, crm.Page{})
		if len(l.Items) != 1 || l.Items[0].ID != c.ID {
			t.Errorf("custom filter: %+v", l.Items)
		}
		got, _ := svc.Contact(ctx, mgr, c.ID)
		if got.Custom["budget"] == nil || got.Custom["source"] != "сайт" {
			t.Errorf("custom read back: %v", got.Custom)
		}
	})
}

func TestMergeContacts(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		mgr := o.Actor(t, o.North1)
		into, _, _ := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Анна Петрова", Phones: []crm.Phone{{Raw: "89123456789"}}, Tags: []string{"vip"}})
		from, _, _ := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Анна П.", Position: "Директор", Phones: []crm.Phone{{Raw: "+7 912 345-67-89"}, {Raw: "+7 495 000 00 00"}},
			Emails: []crm.Email{{Email: "anna@example.ru"}}, Tags: []string{"b2b"}})
		d1, _ := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Тур", ContactID: from.ID})
		d2, _ := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Круиз", ContactID: into.ID, ContactIDs: []int64{from.ID}})
		now := time.Now().UTC()
		if _, err := db.SQL().Exec(`INSERT INTO tasks (account_id, type, title, contact_id, responsible_id, due_at, created_at, updated_at) VALUES ($1, 'call', 'Перезвонить', $2, $3, $4, $4, $4)`,
			o.Account.ID, from.ID, o.North1.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(`INSERT INTO activities (account_id, kind, direction, contact_id, user_id, at, created_at, updated_at) VALUES ($1, 'call', 'out', $2, $3, $4, $4, $4)`,
			o.Account.ID, from.ID, o.North1.ID, now); err != nil {
			t.Fatal(err)
		}
		_, err := svc.MergeContacts(ctx, mgr, into.ID, into.ID)
		wantCode(t, err, crm.EINVALID, "from_id")
		_, err = svc.MergeContacts(ctx, o.Actor(t, o.North2), into.ID, from.ID)
		wantCode(t, err, crm.ENOTFOUND, "")

		merged, err := svc.MergeContacts(ctx, mgr, into.ID, from.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(merged.Phones) != 2 || len(merged.Emails) != 1 || merged.Position != "Директор" || len(merged.Tags) != 2 {
			t.Errorf("merged: phones %v emails %v position %q tags %v", merged.Phones, merged.Emails, merged.Position, merged.Tags)
		}
		count := func(q string, args ...any) int {
			var n int
			if err := db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM deals WHERE contact_id = $1`, into.ID); n != 2 {
			t.Errorf("deals of the merged contact: %d, want 2", n)
		}
		if n := count(`SELECT COUNT(*) FROM deal_contacts WHERE deal_id = $1`, d2.ID); n != 0 {
			t.Errorf("deal %d lists its main contact among the others (%d rows)", d2.ID, n)
		}
		if n := count(`SELECT COUNT(*) FROM tasks WHERE contact_id = $1`, into.ID) + count(`SELECT COUNT(*) FROM activities WHERE contact_id = $1`, into.ID); n != 2 {
			t.Errorf("task and activity moved: %d, want 2", n)
		}
		if _, err := svc.Contact(ctx, mgr, from.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("the merged-away contact is still live: %v", err)
		}
		if got, _ := svc.Deal(ctx, mgr, d1.ID); got.ContactID != into.ID {
			t.Errorf("deal %d contact %d", d1.ID, got.ContactID)
		}
		if err := svc.RestoreContact(ctx, mgr, from.ID); err != nil {
			t.Errorf("restore the merged-away contact: %v", err)
		}
	})
}

func TestCompaniesAndVisibility(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		mgr := o.Actor(t, o.North1)
		c := &crm.Company{Name: "ООО «Ромашка»", TaxID: "7707083893", Phone: "8 (495) 123-45-67"}
		if _, err := svc.CreateCompany(ctx, mgr, c); err != nil {
			t.Fatal(err)
		}
		if c.Phone != "74951234567" {
			t.Errorf("company phone %q", c.Phone)
		}
		dups, err := svc.CreateCompany(ctx, o.Actor(t, o.South1), &crm.Company{Name: "Ромашка", TaxID: "7707083893"})
		if err != nil || len(dups) != 1 || dups[0].Match != "tax_id" || dups[0].Name != "" {
			t.Errorf("tax id duplicate: %+v %v", dups, err)
		}
		dups, _ = svc.CreateCompany(ctx, mgr, &crm.Company{Name: "ооо «ромашка»"})
		if len(dups) != 1 || dups[0].Match != "name" {
			t.Errorf("name duplicate: %+v", dups)
		}
		if dups, _ := svc.CreateCompany(ctx, mgr, &crm.Company{Name: "ООО «Ромашка» Плюс"}); len(dups) != 0 {
			t.Errorf("a longer name is no duplicate: %+v", dups)
		}
		_, err = svc.CreateCompany(ctx, mgr, &crm.Company{Name: "X", TaxID: "77-07"})
		wantCode(t, err, crm.EINVALID, "tax_id")
		if _, err := svc.Company(ctx, o.Actor(t, o.North2), c.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("another manager reads the company: %v", err)
		}
		if _, err := svc.Company(ctx, o.Actor(t, o.NorthHead), c.ID); err != nil {
			t.Errorf("the head reads the team's company: %v", err)
		}
		churned := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
		got, err := svc.UpdateCompany(ctx, mgr, c.ID, crm.CompanyUpdate{ChurnedAt: &churned})
		if err != nil || !got.ChurnedAt.Equal(churned) {
			t.Errorf("churned: %v %v", got, err)
		}
		l, _ := svc.Companies(ctx, mgr, crm.CompanyFilter{Q: "РОМАШКА"}, crm.Page{WithTotal: true})
		if l.Total != 3 {
			t.Errorf("search: %d companies", l.Total)
		}
	})
}

// Custom-field filters mean the same on both engines for every type: a checkbox is true or false,
// a number compares by its digits, a multiselect matches when it holds the value.
func TestCustomFieldFiltersAllTypes(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		admin, mgr := o.Actor(t, o.Admin), o.Actor(t, o.North1)
		for _, f := range []*crm.CustomField{
			{Entity: "contact", Key: "vip", Name: "VIP", Type: crm.FieldCheckbox},
			{Entity: "contact", Key: "langs", Name: "Языки", Type: crm.FieldMultiselect, Options: []string{"ru", "en", "de"}},
			{Entity: "contact", Key: "budget", Name: "Бюджет", Type: crm.FieldMoney},
			{Entity: "contact", Key: "rating", Name: "Оценка", Type: crm.FieldNumber},
		} {
			if err := svc.CreateCustomField(ctx, admin, f); err != nil {
				t.Fatal(err)
			}
		}
		a, _, _ := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "A", Custom: map[string]any{"vip": true, "langs": []any{"ru", "en"}, "budget": float64(1500000), "rating": 4.5}})
		b, _, _ := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "B", Custom: map[string]any{"vip": false, "langs": []any{"de"}, "budget": float64(20), "rating": float64(3)}})
		for _, c := range []struct {
			key, value string
			want       []int64
		}{
			{"vip", "true", []int64{a.ID}}, {"vip", "false", []int64{b.ID}},
			{"langs", "en", []int64{a.ID}}, {"langs", "de", []int64{b.ID}}, {"langs", "fr", nil},
			{"budget", "1500000", []int64{a.ID}}, {"rating", "4.5", []int64{a.ID}}, {"rating", "3", []int64{b.ID}},
		} {
			l, err := svc.Contacts(ctx, mgr, crm.ContactFilter{Custom: map[string]string{c.key: c.value}}, crm.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, x := range l.Items {
				got = append(got, x.ID)
			}
			if len(got) != len(c.want) || (len(got) == 1 && got[0] != c.want[0]) {
				t.Errorf("custom.%s=%s: %v, want %v", c.key, c.value, got, c.want)
			}
		}
	})
}
