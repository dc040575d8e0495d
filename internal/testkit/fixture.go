package testkit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// CheapPasswords makes argon2id fast enough for tests that create many users.
var CheapPasswords = crm.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// Password is the password of every fixture user.
const Password = "correct horse battery"

// Clock is a settable test clock.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.T = c.T.Add(d) }

// Service returns a domain service over db with cheap password hashing and a clock set to
// 2026-01-15 09:00 UTC.
func Service(db *store.DB) (*crm.Service, *Clock) {
	clock := &Clock{T: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)}
	svc := crm.NewService(db)
	svc.SetClock(clock.Now)
	svc.SetPasswordParams(CheapPasswords)
	return svc, clock
}

// Org is an account with an admin, two teams with a head and two managers each:
//
//	team "North": head NorthHead, managers North1, North2
//	team "South": head SouthHead, managers South1, South2
type Org struct {
	Account              *crm.Account
	Admin                *crm.User
	North, South         *crm.Team
	NorthHead, SouthHead *crm.User
	North1, North2       *crm.User
	South1, South2       *crm.User
	actors               map[int64]*crm.Actor
	svc                  *crm.Service
}

// NewOrg creates an Org in a new account named name (its slug too).
func NewOrg(tb testing.TB, svc *crm.Service, name string) *Org {
	tb.Helper()
	ctx := context.Background()
	acc, admin, err := svc.CreateAccount(ctx, crm.AccountCreate{
		Name: name, Slug: name, Currency: "RUB", TimeZone: "Europe/Moscow", Locale: "ru",
		AdminEmail: "admin@" + name + ".test", AdminName: "Admin " + name, AdminPassword: Password,
	})
	if err != nil {
		tb.Fatalf("create account %s: %v", name, err)
	}
	o := &Org{Account: acc, Admin: admin, svc: svc}
	adminActor := o.Actor(tb, admin)
	team := func(n string) *crm.Team {
		t, err := svc.CreateTeam(ctx, adminActor, n)
		if err != nil {
			tb.Fatalf("create team %s: %v", n, err)
		}
		return t
	}
	user := func(login string, role crm.Role, t *crm.Team) *crm.User {
		u, err := svc.CreateUser(ctx, adminActor, crm.UserCreate{
			Email: fmt.Sprintf("%s@%s.test", login, name), Name: login, Password: Password, Role: role, TeamID: t.ID,
		})
		if err != nil {
			tb.Fatalf("create user %s: %v", login, err)
		}
		return u
	}
	o.North, o.South = team("North"), team("South")
	o.NorthHead, o.North1, o.North2 = user("northhead", crm.RoleHead, o.North), user("north1", crm.RoleManager, o.North), user("north2", crm.RoleManager, o.North)
	o.SouthHead, o.South1, o.South2 = user("southhead", crm.RoleHead, o.South), user("south1", crm.RoleManager, o.South), user("south2", crm.RoleManager, o.South)
	return o
}

// Actor returns the actor of u, resolved as a request would resolve it.
func (o *Org) Actor(tb testing.TB, u *crm.User) *crm.Actor {
	tb.Helper()
	a, err := o.svc.ActorFor(context.Background(), u.AccountID, u.ID)
	if err != nil {
		tb.Fatalf("actor of %s: %v", u.Email, err)
	}
	return a
}
