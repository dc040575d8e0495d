package crm_test

import (
	"context"
	"testing"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestCreateAccountValidates(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		good := crm.AccountCreate{Name: "Acme Travel", AdminEmail: "boss@acme.test", AdminPassword: "long enough"}
		cases := []struct {
			name  string
			edit  func(*crm.AccountCreate)
			field string
		}{
			{"bad email", func(a *crm.AccountCreate) { a.AdminEmail = "boss at acme" }, "admin_email"},
			{"empty password", func(a *crm.AccountCreate) { a.AdminPassword = "" }, "admin_password"},
			{"short password", func(a *crm.AccountCreate) { a.AdminPassword = "short" }, "admin_password"},
			{"currency", func(a *crm.AccountCreate) { a.Currency = "rubles" }, "currency"},
			{"time zone", func(a *crm.AccountCreate) { a.TimeZone = "Mars/Olympus" }, "time_zone"},
			{"locale", func(a *crm.AccountCreate) { a.Locale = "de" }, "locale"},
			{"empty name", func(a *crm.AccountCreate) { a.Name = " " }, "name"},
		}
		for _, c := range cases {
			in := good
			c.edit(&in)
			_, _, err := svc.CreateAccount(ctx, in)
			wantCode(t, err, crm.EINVALID, c.field)
		}
		var n int
		_ = db.Read(ctx, func(tx crm.Tx) error { n, _ = tx.CountAccounts(ctx); return nil })
		if n != 0 {
			t.Fatalf("invalid input stored %d accounts", n)
		}
		acc, admin, err := svc.CreateAccount(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		if acc.Slug != "acme-travel" || acc.Currency != "RUB" || acc.TimeZone != "Europe/Moscow" || admin.Role != crm.RoleAdmin {
			t.Errorf("defaults: slug %q currency %q tz %q role %q", acc.Slug, acc.Currency, acc.TimeZone, admin.Role)
		}
		_, _, err = svc.CreateAccount(ctx, good)
		wantCode(t, err, crm.ECONFLICT, "")
	})
}

func TestBootstrapOnlyOnEmptyDatabase(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		in := crm.AccountCreate{Name: "Voronka", AdminEmail: "Admin@Example.com"}
		acc, admin, pw, created, err := svc.Bootstrap(ctx, in)
		if err != nil || !created {
			t.Fatalf("first bootstrap: created=%v err=%v", created, err)
		}
		if len(pw) < 12 || admin.Email != "admin@example.com" || acc.ID == 0 {
			t.Errorf("generated password %q, email %q", pw, admin.Email)
		}
		if _, err := svc.Authenticate(ctx, "", "admin@example.com", pw); err != nil {
			t.Errorf("the printed password does not log in: %v", err)
		}
		_, _, _, created, err = svc.Bootstrap(ctx, in)
		if err != nil || created {
			t.Errorf("second bootstrap: created=%v err=%v", created, err)
		}
	})
}

func TestUserRulesAndVersions(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		admin, manager := o.Actor(t, o.Admin), o.Actor(t, o.North1)

		_, err := svc.CreateUser(ctx, manager, crm.UserCreate{Email: "x@acme.test", Name: "X", Password: testkit.Password, Role: crm.RoleManager})
		wantCode(t, err, crm.EFORBIDDEN, "")
		_, err = svc.CreateUser(ctx, admin, crm.UserCreate{Email: "NORTH1@acme.test", Name: "Dup", Password: testkit.Password, Role: crm.RoleManager})
		wantCode(t, err, crm.ECONFLICT, "email")
		_, err = svc.CreateUser(ctx, admin, crm.UserCreate{Email: "new@acme.test", Name: "New", Password: testkit.Password, Role: "boss"})
		wantCode(t, err, crm.EINVALID, "role")
		_, err = svc.CreateUser(ctx, admin, crm.UserCreate{Email: "new@acme.test", Name: "New", Password: testkit.Password, Role: crm.RoleManager, TeamID: 9999})
		wantCode(t, err, crm.EINVALID, "team_id")

		// A manager may rename themselves but not change their role or anyone else.
		name := "Anna North"
		if _, err := svc.UpdateUser(ctx, manager, o.North1.ID, crm.UserUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
		head := crm.RoleHead
		_, err = svc.UpdateUser(ctx, manager, o.North1.ID, crm.UserUpdate{Role: &head})
		wantCode(t, err, crm.EFORBIDDEN, "")
		_, err = svc.UpdateUser(ctx, manager, o.North2.ID, crm.UserUpdate{Name: &name})
		wantCode(t, err, crm.EFORBIDDEN, "")

		// An admin cannot demote themselves.
		mgr := crm.RoleManager
		_, err = svc.UpdateUser(ctx, admin, o.Admin.ID, crm.UserUpdate{Role: &mgr})
		wantCode(t, err, crm.EFORBIDDEN, "")

		// A stale version conflicts and changes nothing.
		u, _ := svc.User(ctx, admin, o.North1.ID)
		stale := u.Version - 1
		other := "Someone Else"
		_, err = svc.UpdateUser(ctx, admin, u.ID, crm.UserUpdate{Name: &other, Version: &stale})
		wantCode(t, err, crm.ECONFLICT, "")
		if after, _ := svc.User(ctx, admin, u.ID); after.Name != name || after.Version != u.Version {
			t.Errorf("after a conflict: name %q version %d, want %q %d", after.Name, after.Version, name, u.Version)
		}

		// Deactivation: the user can no longer log in or act, and their record stays.
		off := false
		if _, err := svc.UpdateUser(ctx, admin, o.North2.ID, crm.UserUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Authenticate(ctx, "", o.North2.Email, testkit.Password)
		wantCode(t, err, crm.EUNAUTHORIZED, "")
		_, err = svc.ActorFor(ctx, o.Account.ID, o.North2.ID)
		wantCode(t, err, crm.EUNAUTHORIZED, "")
		if still, err := svc.User(ctx, admin, o.North2.ID); err != nil || still.Active {
			t.Errorf("deactivated user: %+v, %v", still, err)
		}

		// Every change is in the audit log, with before and after.
		var entries []*crm.AuditEntry
		_ = db.Read(ctx, func(tx crm.Tx) error {
			entries, err = tx.FindAudit(ctx, admin, "user", o.North1.ID)
			return err
		})
		if len(entries) != 2 || entries[1].Changes["name"].After != name || entries[1].UserID != o.North1.ID {
			t.Errorf("audit of north1: %+v", entries)
		}
	})
}

func TestHeadSeesTeam(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		o := testkit.NewOrg(t, svc, "acme")
		head, manager, admin := o.Actor(t, o.NorthHead), o.Actor(t, o.North1), o.Actor(t, o.Admin)
		for _, c := range []struct {
			actor *crm.Actor
			owner *crm.User
			want  bool
		}{
			{head, o.NorthHead, true}, {head, o.North1, true}, {head, o.North2, true},
			{head, o.South1, false}, {head, o.SouthHead, false},
			{manager, o.North1, true}, {manager, o.North2, false}, {manager, o.NorthHead, false},
			{admin, o.South2, true},
		} {
			if got := c.actor.CanSee(c.owner.ID); got != c.want {
				t.Errorf("user %d (%s) sees records of %s: %v, want %v", c.actor.UserID, c.actor.Role, c.owner.Name, got, c.want)
			}
		}
	})
}

func TestAbsences(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		d := func(s string) crm.Date { v, _ := crm.ParseDate(s); return v }
		if err := svc.AddAbsence(ctx, o.Actor(t, o.NorthHead), &crm.Absence{UserID: o.North1.ID, StartsOn: d("2026-07-01"), EndsOn: d("2026-07-14"), Reason: "vacation"}); err != nil {
			t.Fatal(err)
		}
		err := svc.AddAbsence(ctx, o.Actor(t, o.North1), &crm.Absence{UserID: o.North2.ID, StartsOn: d("2026-07-01"), EndsOn: d("2026-07-02")})
		wantCode(t, err, crm.EFORBIDDEN, "")
		err = svc.AddAbsence(ctx, o.Actor(t, o.North1), &crm.Absence{UserID: o.North1.ID, StartsOn: d("2026-07-05"), EndsOn: d("2026-07-01")})
		wantCode(t, err, crm.EINVALID, "ends_on")
		as, err := svc.Absences(ctx, o.Actor(t, o.Admin), o.North1.ID)
		if err != nil || len(as) != 1 || as[0].StartsOn != d("2026-07-01") || as[0].EndsOn != d("2026-07-14") {
			t.Fatalf("absences: %+v %v", as, err)
		}
		if err := svc.RemoveAbsence(ctx, o.Actor(t, o.North1), o.North1.ID, as[0].ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAccountSettings(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		goLive, _ := crm.ParseDate("2025-03-01")
		_, err := svc.UpdateAccount(ctx, o.Actor(t, o.NorthHead), crm.AccountUpdate{GoLiveDate: &goLive})
		wantCode(t, err, crm.EFORBIDDEN, "")
		bad := crm.DefaultAccountSettings()
		bad.LeadSLAMinutes = 0
		_, err = svc.UpdateAccount(ctx, o.Actor(t, o.Admin), crm.AccountUpdate{Settings: &bad})
		wantCode(t, err, crm.EINVALID, "settings.lead_sla_minutes")
		sla := crm.DefaultAccountSettings()
		sla.LeadSLAMinutes = 30
		a, err := svc.UpdateAccount(ctx, o.Actor(t, o.Admin), crm.AccountUpdate{GoLiveDate: &goLive, Settings: &sla})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := svc.Account(ctx, o.Actor(t, o.North1))
		if got.GoLiveDate != goLive || got.Settings.LeadSLAMinutes != 30 || got.Version != a.Version || got.Version != 2 {
			t.Errorf("account after update: go-live %v, SLA %d, version %d", got.GoLiveDate, got.Settings.LeadSLAMinutes, got.Version)
		}
	})
}
