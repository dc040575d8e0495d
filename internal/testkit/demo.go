package testkit

import (
	"context"
	"slices"
	"testing"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/demo"
	"github.com/voronka/voronka/internal/store"
)

// DemoAccount is a demo travel agency generated in a test's database, with an actor of each role.
type DemoAccount struct {
	Svc     *crm.Service
	Res     *demo.Result
	Admin   *crm.Actor
	Head    *crm.Actor // the first head of sales
	Manager *crm.Actor // the first manager
}

// Demo generates a demo account of deals deals whose history ends on 31 October 2026.
func Demo(tb testing.TB, db *store.DB, deals int) *DemoAccount {
	tb.Helper()
	ctx := context.Background()
	svc, _ := Service(db)
	res, err := demo.Generate(ctx, db, svc, demo.Options{Deals: deals, Until: crm.Date{Year: 2026, Month: 10, Day: 31}, AdminPassword: "demo-password"})
	if err != nil {
		tb.Fatal(err)
	}
	actor := func(id int64) *crm.Actor {
		a, err := svc.ActorFor(ctx, res.Account.ID, id)
		if err != nil {
			tb.Fatal(err)
		}
		return a
	}
	d := &DemoAccount{Svc: svc, Res: res, Admin: actor(res.Admin.ID)}
	for _, role := range []crm.Role{crm.RoleHead, crm.RoleManager} {
		i := slices.IndexFunc(res.Users, func(u *crm.User) bool { return u.Role == role })
		if i < 0 {
			tb.Fatalf("the demo has no %s", role)
		}
		if role == crm.RoleHead {
			d.Head = actor(res.Users[i].ID)
		} else {
			d.Manager = actor(res.Users[i].ID)
		}
	}
	return d
}
