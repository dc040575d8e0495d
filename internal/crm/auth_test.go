package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestAuthenticate(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		a := testkit.NewOrg(t, svc, "alpha")
		b := testkit.NewOrg(t, svc, "beta")
		u, err := svc.Authenticate(ctx, "", "  North1@Alpha.TEST ", testkit.Password)
		if err != nil || u.ID != a.North1.ID {
			t.Fatalf("login: %v %v", u, err)
		}
		_, err = svc.Authenticate(ctx, "", a.North1.Email, "wrong password")
		wantCode(t, err, crm.EUNAUTHORIZED, "")
		_, err = svc.Authenticate(ctx, "", "nobody@alpha.test", testkit.Password)
		wantCode(t, err, crm.EUNAUTHORIZED, "")
		_, err = svc.Authenticate(ctx, "", "", "")
		wantCode(t, err, crm.EINVALID, "email")

		// The same e-mail in two accounts with the same password: the account must be named.
		if _, err := svc.CreateUser(ctx, b.Actor(t, b.Admin), crm.UserCreate{Email: a.North1.Email, Name: "Twin", Password: testkit.Password, Role: crm.RoleManager}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Authenticate(ctx, "", a.North1.Email, testkit.Password)
		wantCode(t, err, crm.EINVALID, "account")
		u, err = svc.Authenticate(ctx, "beta", a.North1.Email, testkit.Password)
		if err != nil || u.AccountID != b.Account.ID {
			t.Fatalf("login to beta: %+v %v", u, err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		ctx := context.Background()
		a := testkit.NewOrg(t, svc, "alpha")
		b := testkit.NewOrg(t, svc, "beta")
		mgr := a.Actor(t, a.North1)
		tok, secret, err := svc.CreateToken(ctx, mgr, "integration", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		actor, err := svc.ActorForToken(ctx, secret)
		if err != nil || actor.UserID != a.North1.ID || actor.AccountID != a.Account.ID || actor.Role != crm.RoleManager {
			t.Fatalf("actor for token: %+v %v", actor, err)
		}
		for _, bad := range []string{"", "vrk_", "vrk_zz_x", secret + "x", "Bearer " + secret} {
			_, err := svc.ActorForToken(ctx, bad)
			wantCode(t, err, crm.EUNAUTHORIZED, "")
		}
		// Stored hashed: the secret is nowhere in the table.
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1`, secret).Scan(&n); err != nil || n != 0 {
			t.Errorf("the secret is stored in plain text (%d rows, %v)", n, err)
		}
		// Another manager and another account cannot revoke it; the owner can.
		wantCode(t, svc.RevokeToken(ctx, a.Actor(t, a.North2), tok.ID), crm.ENOTFOUND, "")
		wantCode(t, svc.RevokeToken(ctx, b.Actor(t, b.Admin), tok.ID), crm.ENOTFOUND, "")
		ts, _ := svc.Tokens(ctx, a.Actor(t, a.North2), false)
		if len(ts) != 0 {
			t.Errorf("north2 lists %d tokens of north1", len(ts))
		}
		_, err = svc.Tokens(ctx, mgr, true)
		wantCode(t, err, crm.EFORBIDDEN, "")
		if ts, _ := svc.Tokens(ctx, a.Actor(t, a.Admin), true); len(ts) != 1 {
			t.Errorf("admin lists %d tokens, want 1", len(ts))
		}
		if err := svc.RevokeToken(ctx, mgr, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.ActorForToken(ctx, secret)
		wantCode(t, err, crm.EUNAUTHORIZED, "")

		// Expiry.
		_, short, err := svc.CreateToken(ctx, mgr, "short", clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ActorForToken(ctx, short); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		_, err = svc.ActorForToken(ctx, short)
		wantCode(t, err, crm.EUNAUTHORIZED, "")
		_, _, err = svc.CreateToken(ctx, mgr, "past", clock.Now().Add(-time.Minute))
		wantCode(t, err, crm.EINVALID, "expires_at")
	})
}

// A write that fails leaves neither its record nor its audit entry behind.
func TestFailedWriteLeavesNoTrace(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		count := func() (users, audit int) {
			_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM users`).Scan(&users)
			_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&audit)
			return
		}
		u0, a0 := count()
		_, err := svc.CreateUser(ctx, o.Actor(t, o.Admin), crm.UserCreate{Email: o.South1.Email, Name: "Dup", Password: testkit.Password, Role: crm.RoleManager})
		wantCode(t, err, crm.ECONFLICT, "email")
		if u1, a1 := count(); u1 != u0 || a1 != a0 {
			t.Errorf("after a failed create: users %d→%d, audit %d→%d", u0, u1, a0, a1)
		}
	})
}
