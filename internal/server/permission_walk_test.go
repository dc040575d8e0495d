package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// The permission walk tries every operation of the API as an admin, a head of sales (North team)
// and a manager (North) on records owned by themselves, by their team, by someone else in the
// account, and by another account, and checks the status and that a refused write changed nothing.

// Owners of the record an operation targets, seen from the actor.
const (
	ownOwner   = "own"   // the actor is responsible
	teamOwner  = "team"  // a manager of the actor's team (North2) is responsible
	otherOwner = "other" // a manager of another team (South1) is responsible
	foreign    = "other-account"
)

var walkOwners = []string{ownOwner, teamOwner, otherOwner, foreign}

// walkOp is one operation of the walk.
type walkOp struct {
	method, path string // path with {id} for the target record
	query        string // appended to the URL
	body         string
	header       []string // request headers, name and value (default Content-Type: application/json)
	// target creates (or picks) a record owned by owner for the actor and returns its id; nil for
	// operations on no record.
	target func(w *walker, actor *crm.User, owner string) int64
	// want is the expected status for the actor's role and the owner.
	want func(role crm.Role, owner string) int
	// bodyFn builds the body from the target when it depends on it (overrides body).
	bodyFn func(w *walker, owner string, id int64) string
	// snapshot returns the target's state (as an admin of its account sees it) to check that a
	// refused write changed nothing; nil for reads.
	snapshot func(w *walker, owner string, id int64) string
}

type walker struct {
	*env
	tokens   map[int64]string
	pathUser int64 // the user of a /users/{id}/… path whose {id} names another record
	extraID  int64 // a second record made by the last target (the one merged away)
	actor    *crm.User
}

func (w *walker) tokenOf(u *crm.User) string {
	if t, ok := w.tokens[u.ID]; ok {
		return t
	}
	t := w.token(u)
	w.tokens[u.ID] = t
	return t
}

// ownerUser returns the user who owns a record of the owner class, seen from actor.
func (w *walker) ownerUser(actor *crm.User, owner string) *crm.User {
	switch owner {
	case ownOwner:
		return actor
	case teamOwner:
		if actor.ID == w.alpha.North2.ID {
			return w.alpha.North1
		}
		return w.alpha.North2
	case otherOwner:
		return w.alpha.South1
	default:
		return w.beta.North1
	}
}

// Expected statuses.
func readableByAll(role crm.Role, owner string) int {
	if owner == foreign {
		return 404
	}
	return 200
}

func byVisibility(okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		switch {
		case owner == foreign:
			return 404
		case role == crm.RoleAdmin, owner == ownOwner, role == crm.RoleHead && owner == teamOwner:
			return okStatus
		default:
			return 404
		}
	}
}

func selfOrAdmin(okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		switch {
		case owner == foreign:
			return 404
		case role == crm.RoleAdmin || owner == ownOwner:
			return okStatus
		default:
			return 403
		}
	}
}

func selfHeadOrAdmin(okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		switch {
		case owner == foreign:
			return 404
		case role == crm.RoleAdmin || owner == ownOwner || role == crm.RoleHead && owner == teamOwner:
			return okStatus
		default:
			return 403
		}
	}
}

func adminOnly(okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		if owner == foreign {
			return 404
		}
		if role == crm.RoleAdmin {
			return okStatus
		}
		return 403
	}
}

// privateToOwner: only the owner and admins know the record exists (API tokens).
func privateToOwner(okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		if owner != foreign && (role == crm.RoleAdmin || owner == ownOwner) {
			return okStatus
		}
		return 404
	}
}

func anyUser(status int) func(crm.Role, string) int {
	return func(crm.Role, string) int { return status }
}

func userTarget(w *walker, actor *crm.User, owner string) int64 { return w.ownerUser(actor, owner).ID }

func (w *walker) userSnapshot(owner string, id int64) string {
	o := w.alpha
	if owner == foreign {
		o = w.beta
	}
	u, err := w.svc.User(w.t.Context(), o.Actor(w.t, o.Admin), id)
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%s|%s|%s|%d|%v|%d", u.Email, u.Name, u.Role, u.TeamID, u.Active, u.Version)
}

func tokenTarget(w *walker, actor *crm.User, owner string) int64 {
	u := w.ownerUser(actor, owner)
	o := w.alpha
	if owner == foreign {
		o = w.beta
	}
	tk, _, err := w.svc.CreateToken(w.t.Context(), o.Actor(w.t, u), "walk", w.svc.Now().AddDate(1, 0, 0))
	if err != nil {
		w.t.Fatal(err)
	}
	return tk.ID
}

func absenceTarget(w *walker, actor *crm.User, owner string) int64 {
	return w.ownerUser(actor, owner).ID
}

// absenceOf creates an absence of the owner and returns its id; the path names the user through
// pathUser.
func absenceOf(w *walker, actor *crm.User, owner string) int64 {
	u := w.ownerUser(actor, owner)
	o := w.alpha
	if owner == foreign {
		o = w.beta
	}
	a := &crm.Absence{UserID: u.ID, StartsOn: crm.Date{Year: 2026, Month: 9, Day: 1}, EndsOn: crm.Date{Year: 2026, Month: 9, Day: 3}}
	if err := w.svc.AddAbsence(w.t.Context(), o.Actor(w.t, o.Admin), a); err != nil {
		w.t.Fatal(err)
	}
	w.pathUser = u.ID
	return a.ID
}

func teamTarget(w *walker, actor *crm.User, owner string) int64 {
	if owner == foreign {
		return w.beta.North.ID
	}
	return w.alpha.South.ID
}

// walkOps lists every operation of the API. TestPermissionWalkCoversTheAPI fails when the OpenAPI
// document has one that is neither here nor in walkExempt.
var walkOps = []walkOp{
	{method: "GET", path: "/me", want: anyUser(200)},
	{method: "GET", path: "/account", want: anyUser(200)},
	{method: "PATCH", path: "/account", body: `{"name":"Renamed"}`, want: func(role crm.Role, _ string) int {
		if role == crm.RoleAdmin {
			return 200
		}
		return 403
	}},
	{method: "GET", path: "/users", want: anyUser(200)},
	{method: "POST", path: "/users", body: `{"email":"walk-%d@alpha.test","name":"Walk","password":"long enough","role":"manager"}`, want: func(role crm.Role, _ string) int {
		if role == crm.RoleAdmin {
			return 201
		}
		return 403
	}},
	{method: "GET", path: "/users/{id}", target: userTarget, want: readableByAll},
	{method: "PATCH", path: "/users/{id}", body: `{"name":"Walked"}`, target: userTarget, want: selfOrAdmin(200),
		snapshot: func(w *walker, owner string, id int64) string { return w.userSnapshot(owner, id) }},
	{method: "GET", path: "/users/{id}/absences", target: absenceTarget, want: readableByAll},
	{method: "POST", path: "/users/{id}/absences", body: `{"starts_on":"2026-08-01","ends_on":"2026-08-02"}`, target: absenceTarget, want: selfHeadOrAdmin(201),
		snapshot: func(w *walker, owner string, id int64) string {
			var n int
			_ = w.db.SQL().QueryRow(`SELECT COUNT(*) FROM user_absences WHERE user_id = $1`, id).Scan(&n)
			return fmt.Sprint(n)
		}},
	{method: "DELETE", path: "/users/{id}/absences/{absence_id}", target: absenceOf, want: selfHeadOrAdmin(204),
		snapshot: func(w *walker, owner string, id int64) string {
			var n int
			_ = w.db.SQL().QueryRow(`SELECT COUNT(*) FROM user_absences WHERE id = $1`, id).Scan(&n)
			return fmt.Sprint(n)
		}},
	{method: "GET", path: "/teams", want: anyUser(200)},
	{method: "POST", path: "/teams", body: `{"name":"Walk %d"}`, want: func(role crm.Role, _ string) int {
		if role == crm.RoleAdmin {
			return 201
		}
		return 403
	}},
	{method: "PATCH", path: "/teams/{id}", body: `{"name":"Walk team %d"}`, target: teamTarget, want: adminOnly(200),
		snapshot: func(w *walker, owner string, id int64) string {
			var name string
			_ = w.db.SQL().QueryRow(`SELECT name FROM teams WHERE id = $1`, id).Scan(&name)
			return name
		}},
	{method: "GET", path: "/auth/tokens", want: anyUser(200)},
	{method: "DELETE", path: "/auth/tokens/{id}", target: tokenTarget, want: privateToOwner(204),
		snapshot: func(w *walker, owner string, id int64) string {
			var revoked bool
			_ = w.db.SQL().QueryRow(`SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = $1`, id).Scan(&revoked)
			return fmt.Sprint(revoked)
		}},
}

// orgOf returns the org owning records of the owner class.
func (w *walker) orgOf(owner string) *testkit.Org {
	if owner == foreign {
		return w.beta
	}
	return w.alpha
}

// dealTarget creates a deal whose responsible user is the owner (deleted when del).
func dealTarget(del bool) func(w *walker, actor *crm.User, owner string) int64 {
	return func(w *walker, actor *crm.User, owner string) int64 {
		o, u := w.orgOf(owner), w.ownerUser(actor, owner)
		d, err := w.svc.CreateDeal(w.t.Context(), o.Actor(w.t, o.Admin), crm.DealCreate{Name: "Walk deal", Amount: 1000, ResponsibleID: u.ID})
		if err != nil {
			w.t.Fatal(err)
		}
		if del {
			if err := w.svc.DeleteDeal(w.t.Context(), o.Actor(w.t, o.Admin), d.ID); err != nil {
				w.t.Fatal(err)
			}
		}
		return d.ID
	}
}

func (w *walker) dealSnapshot(owner string, id int64) string {
	var name, status string
	var version int64
	var deleted bool
	_ = w.db.SQL().QueryRow(`SELECT name, status, version, deleted_at IS NOT NULL FROM deals WHERE id = $1`, id).Scan(&name, &status, &version, &deleted)
	return fmt.Sprintf("%s|%s|%d|%v", name, status, version, deleted)
}

func pipelineTarget(w *walker, _ *crm.User, owner string) int64 {
	o := w.orgOf(owner)
	ps, err := w.svc.Pipelines(w.t.Context(), o.Actor(w.t, o.Admin), false)
	if err != nil {
		w.t.Fatal(err)
	}
	return ps[0].ID
}

// productTarget creates a product of the owner's account (products belong to no user).
func productTarget(del bool) func(w *walker, actor *crm.User, owner string) int64 {
	return func(w *walker, _ *crm.User, owner string) int64 {
		o := w.orgOf(owner)
		p := &crm.Product{Name: "Walk product", Price: 100}
		if err := w.svc.CreateProduct(w.t.Context(), o.Actor(w.t, o.Admin), p); err != nil {
			w.t.Fatal(err)
		}
		if del {
			if err := w.svc.DeleteProduct(w.t.Context(), o.Actor(w.t, o.Admin), p.ID); err != nil {
				w.t.Fatal(err)
			}
		}
		return p.ID
	}
}

func (w *walker) productSnapshot(_ string, id int64) string {
	var name string
	var version int64
	var deleted bool
	_ = w.db.SQL().QueryRow(`SELECT name, version, deleted_at IS NOT NULL FROM products WHERE id = $1`, id).Scan(&name, &version, &deleted)
	return fmt.Sprintf("%s|%d|%v", name, version, deleted)
}

// catalogue: admins and heads change products of their account; managers may not.
func catalogue(okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		switch {
		case owner == foreign:
			return 404
		case role == crm.RoleManager:
			return 403
		}
		return okStatus
	}
}

func adminCreates(role crm.Role, _ string) int {
	if role == crm.RoleAdmin {
		return 201
	}
	return 403
}

func init() {
	dealSnap := func(w *walker, owner string, id int64) string { return w.dealSnapshot(owner, id) }
	productSnap := func(w *walker, owner string, id int64) string { return w.productSnapshot(owner, id) }
	wonStage := func(w *walker, owner string, id int64) string {
		o := w.orgOf(owner)
		ps, _ := w.svc.Pipelines(w.t.Context(), o.Actor(w.t, o.Admin), false)
		return fmt.Sprintf(`{"stage_id":%d}`, ps[0].Stages[4].ID)
	}
	walkOps = append(walkOps,
		walkOp{method: "GET", path: "/deals", want: anyUser(200)},
		walkOp{method: "GET", path: "/deals/export", want: anyUser(200)},
		walkOp{method: "GET", path: "/kpi", query: "?ids=leads,win_rate&from=2026-01-01&to=2026-02-01&by=manager", want: anyUser(200)},
		walkOp{method: "GET", path: "/kpi/catalog", want: anyUser(200)},
		walkOp{method: "GET", path: "/reports", want: anyUser(200)},
		walkOp{method: "GET", path: "/kpi/records", query: "?kpi=won_deals&from=2026-01-01&to=2026-02-01", want: anyUser(200)},
		walkOp{method: "GET", path: "/reports/{name}", query: "?from=2026-01-01&to=2026-02-01", want: anyUser(200)},
		walkOp{method: "GET", path: "/funnel", query: "?from=2026-01-01&to=2026-02-01&by=channel", want: anyUser(200)},
		walkOp{method: "GET", path: "/funnel/records", query: "?from=2026-01-01&to=2026-02-01&part=entry", want: anyUser(200)},
		walkOp{method: "GET", path: "/contacts/export", want: anyUser(200)},
		walkOp{method: "GET", path: "/companies/export", want: anyUser(200)},
		walkOp{method: "GET", path: "/payments/export", want: anyUser(200)},
		walkOp{method: "GET", path: "/tasks/export", want: anyUser(200)},
		walkOp{method: "GET", path: "/activities/export", want: anyUser(200)},
		walkOp{method: "POST", path: "/deals", body: `{"name":"Walk %d","amount":100}`, want: anyUser(201)},
		walkOp{method: "POST", path: "/deals/bulk", body: `{"create":[{"name":"Bulk %d"}]}`, want: anyUser(200)},
		walkOp{method: "GET", path: "/deals/{id}", target: dealTarget(false), want: byVisibility(200)},
		walkOp{method: "PATCH", path: "/deals/{id}", body: `{"name":"Walked %d"}`, target: dealTarget(false), want: byVisibility(200), snapshot: dealSnap},
		walkOp{method: "POST", path: "/deals/{id}/move", bodyFn: wonStage, target: dealTarget(false), want: byVisibility(200), snapshot: dealSnap},
		walkOp{method: "DELETE", path: "/deals/{id}", target: dealTarget(false), want: byVisibility(204), snapshot: dealSnap},
		walkOp{method: "POST", path: "/deals/{id}/restore", target: dealTarget(true), want: byVisibility(204), snapshot: dealSnap},
		walkOp{method: "GET", path: "/deals/{id}/history", target: dealTarget(false), want: byVisibility(200)},
		walkOp{method: "GET", path: "/pipelines", want: anyUser(200)},
		walkOp{method: "POST", path: "/pipelines", body: `{"name":"Walk %d","stages":[{"name":"A","kind":"open","probability":10},{"name":"W","kind":"won","probability":100},{"name":"L","kind":"lost","probability":0}]}`, want: adminCreates},
		walkOp{method: "GET", path: "/pipelines/{id}", target: pipelineTarget, want: readableByAll},
		walkOp{method: "PATCH", path: "/pipelines/{id}", body: `{"name":"Walk pipeline %d"}`, target: pipelineTarget, want: adminOnly(200),
			snapshot: func(w *walker, owner string, id int64) string {
				var name string
				_ = w.db.SQL().QueryRow(`SELECT name FROM pipelines WHERE id = $1`, id).Scan(&name)
				return name
			}},
		walkOp{method: "GET", path: "/loss-reasons", want: anyUser(200)},
		walkOp{method: "POST", path: "/loss-reasons", body: `{"name":"Walk reason %d"}`, want: adminCreates},
		walkOp{method: "GET", path: "/products", want: anyUser(200)},
		walkOp{method: "POST", path: "/products", body: `{"name":"Walk %d","price":100}`, want: func(role crm.Role, _ string) int {
			if role == crm.RoleManager {
				return 403
			}
			return 201
		}},
		walkOp{method: "GET", path: "/products/{id}", target: productTarget(false), want: readableByAll},
		walkOp{method: "PATCH", path: "/products/{id}", body: `{"name":"Walked %d"}`, target: productTarget(false), want: catalogue(200), snapshot: productSnap},
		walkOp{method: "DELETE", path: "/products/{id}", target: productTarget(false), want: catalogue(204), snapshot: productSnap},
		walkOp{method: "POST", path: "/products/{id}/restore", target: productTarget(true), want: catalogue(204), snapshot: productSnap},
	)
}

// contactTarget creates a contact (and, for merges, a second one in extraID) owned by the owner.
func contactTarget(del bool) func(w *walker, actor *crm.User, owner string) int64 {
	return func(w *walker, actor *crm.User, owner string) int64 {
		o, u := w.orgOf(owner), w.ownerUser(actor, owner)
		mk := func() int64 {
			c, _, err := w.svc.CreateContact(w.t.Context(), o.Actor(w.t, o.Admin), crm.ContactInput{Name: "Walk contact", ResponsibleID: u.ID})
			if err != nil {
				w.t.Fatal(err)
			}
			return c.ID
		}
		id := mk()
		w.extraID = mk()
		if del {
			if err := w.svc.DeleteContact(w.t.Context(), o.Actor(w.t, o.Admin), id); err != nil {
				w.t.Fatal(err)
			}
		}
		return id
	}
}

func companyTarget(del bool) func(w *walker, actor *crm.User, owner string) int64 {
	return func(w *walker, actor *crm.User, owner string) int64 {
		o, u := w.orgOf(owner), w.ownerUser(actor, owner)
		mk := func() int64 {
			c := &crm.Company{Name: "Walk company", ResponsibleID: u.ID}
			if _, err := w.svc.CreateCompany(w.t.Context(), o.Actor(w.t, o.Admin), c); err != nil {
				w.t.Fatal(err)
			}
			return c.ID
		}
		id := mk()
		w.extraID = mk()
		if del {
			if err := w.svc.DeleteCompany(w.t.Context(), o.Actor(w.t, o.Admin), id); err != nil {
				w.t.Fatal(err)
			}
		}
		return id
	}
}

func rowSnapshot(table string) func(w *walker, owner string, id int64) string {
	return func(w *walker, owner string, id int64) string {
		var name string
		var version int64
		var deleted bool
		_ = w.db.SQL().QueryRow(`SELECT name, version, deleted_at IS NOT NULL FROM `+table+` WHERE id = $1`, id).Scan(&name, &version, &deleted)
		return fmt.Sprintf("%s|%d|%v", name, version, deleted)
	}
}

func channelTarget(w *walker, _ *crm.User, owner string) int64 {
	o := w.orgOf(owner)
	c, err := w.svc.CreateChannel(w.t.Context(), o.Actor(w.t, o.Admin), fmt.Sprintf("Walk channel %d", w.nextSeq()))
	if err != nil {
		w.t.Fatal(err)
	}
	return c.ID
}

func customFieldTarget(w *walker, _ *crm.User, owner string) int64 {
	o := w.orgOf(owner)
	f := &crm.CustomField{Entity: "contact", Key: fmt.Sprintf("walk_%d", w.nextSeq()), Name: "Walk", Type: crm.FieldText}
	if err := w.svc.CreateCustomField(w.t.Context(), o.Actor(w.t, o.Admin), f); err != nil {
		w.t.Fatal(err)
	}
	return f.ID
}

var walkSeq int64

func (w *walker) nextSeq() int64 { walkSeq++; return walkSeq }

func init() {
	mergeBody := func(w *walker, _ string, _ int64) string { return fmt.Sprintf(`{"from_id":%d}`, w.extraID) }
	walkOps = append(walkOps,
		walkOp{method: "GET", path: "/channels", want: anyUser(200)},
		walkOp{method: "POST", path: "/channels", body: `{"name":"Walk %d"}`, want: adminCreates},
		walkOp{method: "PATCH", path: "/channels/{id}", body: `{"active":false}`, target: channelTarget, want: adminOnly(200),
			snapshot: func(w *walker, _ string, id int64) string {
				var active bool
				_ = w.db.SQL().QueryRow(`SELECT active FROM channels WHERE id = $1`, id).Scan(&active)
				return fmt.Sprint(active)
			}},
		walkOp{method: "GET", path: "/custom-fields", query: "?entity=contact", want: anyUser(200)},
		walkOp{method: "POST", path: "/custom-fields", body: `{"entity":"deal","key":"walk_post_%d","name":"W","type":"text"}`, want: adminCreates},
		walkOp{method: "PATCH", path: "/custom-fields/{id}", body: `{"name":"Walked"}`, target: customFieldTarget, want: adminOnly(200), snapshot: rowSnapshot("custom_fields")},
		walkOp{method: "DELETE", path: "/custom-fields/{id}", target: customFieldTarget, want: adminOnly(204), snapshot: rowSnapshot("custom_fields")},
		walkOp{method: "GET", path: "/contacts", want: anyUser(200)},
		walkOp{method: "POST", path: "/contacts", body: `{"name":"Walk %d","phones":[{"phone":"+7 912 000 00 00"}]}`, want: anyUser(201)},
		walkOp{method: "GET", path: "/contacts/duplicates", query: "?phone=89120000000", want: anyUser(200)},
		walkOp{method: "GET", path: "/contacts/{id}", target: contactTarget(false), want: byVisibility(200)},
		walkOp{method: "PATCH", path: "/contacts/{id}", body: `{"name":"Walked %d"}`, target: contactTarget(false), want: byVisibility(200), snapshot: rowSnapshot("contacts")},
		walkOp{method: "DELETE", path: "/contacts/{id}", target: contactTarget(false), want: byVisibility(204), snapshot: rowSnapshot("contacts")},
		walkOp{method: "POST", path: "/contacts/{id}/restore", target: contactTarget(true), want: byVisibility(204), snapshot: rowSnapshot("contacts")},
		walkOp{method: "POST", path: "/contacts/{id}/merge", bodyFn: mergeBody, target: contactTarget(false), want: byVisibility(200), snapshot: rowSnapshot("contacts")},
		walkOp{method: "GET", path: "/companies", want: anyUser(200)},
		walkOp{method: "POST", path: "/companies", body: `{"name":"Walk %d"}`, want: anyUser(201)},
		walkOp{method: "GET", path: "/companies/{id}", target: companyTarget(false), want: byVisibility(200)},
		walkOp{method: "PATCH", path: "/companies/{id}", body: `{"name":"Walked %d"}`, target: companyTarget(false), want: byVisibility(200), snapshot: rowSnapshot("companies")},
		walkOp{method: "DELETE", path: "/companies/{id}", target: companyTarget(false), want: byVisibility(204), snapshot: rowSnapshot("companies")},
		walkOp{method: "POST", path: "/companies/{id}/restore", target: companyTarget(true), want: byVisibility(204), snapshot: rowSnapshot("companies")},
		walkOp{method: "POST", path: "/companies/{id}/merge", bodyFn: mergeBody, target: companyTarget(false), want: byVisibility(200), snapshot: rowSnapshot("companies")},
	)
}

func taskTarget(del bool) func(w *walker, actor *crm.User, owner string) int64 {
	return func(w *walker, actor *crm.User, owner string) int64 {
		o, u := w.orgOf(owner), w.ownerUser(actor, owner)
		k, err := w.svc.CreateTask(w.t.Context(), o.Actor(w.t, o.Admin), crm.TaskInput{Title: "Walk task", DueAt: w.svc.Now().Add(time.Hour), ResponsibleID: u.ID})
		if err != nil {
			w.t.Fatal(err)
		}
		if del {
			if err := w.svc.DeleteTask(w.t.Context(), o.Actor(w.t, o.Admin), k.ID); err != nil {
				w.t.Fatal(err)
			}
		}
		return k.ID
	}
}

// activityTarget logs, as the owner, a note on the owner's deal.
func activityTarget(del bool) func(w *walker, actor *crm.User, owner string) int64 {
	return func(w *walker, actor *crm.User, owner string) int64 {
		o, u := w.orgOf(owner), w.ownerUser(actor, owner)
		d, err := w.svc.CreateDeal(w.t.Context(), o.Actor(w.t, o.Admin), crm.DealCreate{Name: "Walk", ResponsibleID: u.ID})
		if err != nil {
			w.t.Fatal(err)
		}
		x := &crm.Activity{Kind: "note", DealID: d.ID, Body: "walk"}
		if err := w.svc.LogActivity(w.t.Context(), o.Actor(w.t, u), x); err != nil {
			w.t.Fatal(err)
		}
		if del {
			if err := w.svc.DeleteActivity(w.t.Context(), o.Actor(w.t, u), x.ID); err != nil {
				w.t.Fatal(err)
			}
		}
		return x.ID
	}
}

// authorOrAdmin: visible as byVisibility, changed only by its author or an administrator.
func authorOrAdmin(okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		switch {
		case owner == foreign:
			return 404
		case role == crm.RoleAdmin || owner == ownOwner:
			return okStatus
		case role == crm.RoleHead && owner == teamOwner:
			return 403
		}
		return 404
	}
}

func (w *walker) ownDealBody(kind string) func(*walker, string, int64) string {
	return func(w *walker, _ string, _ int64) string {
		d, err := w.svc.CreateDeal(w.t.Context(), w.alpha.Actor(w.t, w.actor), crm.DealCreate{Name: "Walk"})
		if err != nil {
			w.t.Fatal(err)
		}
		return fmt.Sprintf(`{"kind":%q,"deal_id":%d}`, kind, d.ID)
	}
}

func init() {
	taskSnap := func(w *walker, _ string, id int64) string {
		var title string
		var version int64
		var deleted, done bool
		_ = w.db.SQL().QueryRow(`SELECT title, version, deleted_at IS NOT NULL, done_at IS NOT NULL FROM tasks WHERE id = $1`, id).Scan(&title, &version, &deleted, &done)
		return fmt.Sprintf("%s|%d|%v|%v", title, version, deleted, done)
	}
	actSnap := func(w *walker, _ string, id int64) string {
		var body string
		var version int64
		var deleted bool
		_ = w.db.SQL().QueryRow(`SELECT body, version, deleted_at IS NOT NULL FROM activities WHERE id = $1`, id).Scan(&body, &version, &deleted)
		return fmt.Sprintf("%s|%d|%v", body, version, deleted)
	}
	walkOps = append(walkOps,
		walkOp{method: "GET", path: "/deals/{id}/timeline", target: dealTarget(false), want: byVisibility(200)},
		walkOp{method: "GET", path: "/contacts/{id}/timeline", target: contactTarget(false), want: byVisibility(200)},
		walkOp{method: "GET", path: "/companies/{id}/timeline", target: companyTarget(false), want: byVisibility(200)},
		walkOp{method: "GET", path: "/tasks", want: anyUser(200)},
		walkOp{method: "POST", path: "/tasks", body: `{"title":"Walk %d","due_at":"2030-01-01T10:00:00Z"}`, want: anyUser(201)},
		walkOp{method: "GET", path: "/tasks/{id}", target: taskTarget(false), want: byVisibility(200)},
		walkOp{method: "PATCH", path: "/tasks/{id}", body: `{"title":"Walked %d"}`, target: taskTarget(false), want: byVisibility(200), snapshot: taskSnap},
		walkOp{method: "POST", path: "/tasks/{id}/complete", body: `{"result":"ok"}`, target: taskTarget(false), want: byVisibility(200), snapshot: taskSnap},
		walkOp{method: "POST", path: "/tasks/{id}/reopen", target: taskTarget(false), want: byVisibility(200), snapshot: taskSnap},
		walkOp{method: "DELETE", path: "/tasks/{id}", target: taskTarget(false), want: byVisibility(204), snapshot: taskSnap},
		walkOp{method: "POST", path: "/tasks/{id}/restore", target: taskTarget(true), want: byVisibility(204), snapshot: taskSnap},
		walkOp{method: "GET", path: "/activities", want: anyUser(200)},
		walkOp{method: "POST", path: "/activities", bodyFn: (&walker{}).ownDealBody("note"), want: anyUser(201)},
		walkOp{method: "GET", path: "/activities/{id}", target: activityTarget(false), want: byVisibility(200)},
		walkOp{method: "PATCH", path: "/activities/{id}", body: `{"body":"walked %d"}`, target: activityTarget(false), want: authorOrAdmin(200), snapshot: actSnap},
		walkOp{method: "DELETE", path: "/activities/{id}", target: activityTarget(false), want: authorOrAdmin(204), snapshot: actSnap},
		walkOp{method: "POST", path: "/activities/{id}/restore", target: activityTarget(true), want: authorOrAdmin(204), snapshot: actSnap},
	)
}

// roleGate: a role that may never do this gets 403 before any lookup; for the others, another
// account's record is 404.
func roleGate(allowed func(crm.Role) bool, okStatus int) func(crm.Role, string) int {
	return func(role crm.Role, owner string) int {
		switch {
		case !allowed(role):
			return 403
		case owner == foreign:
			return 404
		}
		return okStatus
	}
}

func notManager(r crm.Role) bool { return r != crm.RoleManager }
func onlyAdmin(r crm.Role) bool  { return r == crm.RoleAdmin }

// onDeal creates a deal of the owner and, with make, a record on it, returning the record's id.
func onDeal(make func(w *walker, o *testkit.Org, dealID int64) int64) func(w *walker, actor *crm.User, owner string) int64 {
	return func(w *walker, actor *crm.User, owner string) int64 {
		dealID := dealTarget(false)(w, actor, owner)
		return make(w, w.orgOf(owner), dealID)
	}
}

func init() {
	adm := func(w *walker, o *testkit.Org) *crm.Actor { return o.Actor(w.t, o.Admin) }
	plan := onDeal(func(w *walker, o *testkit.Org, dealID int64) int64 {
		p := &crm.PaymentPlan{DealID: dealID, DueOn: crm.Date{Year: 2026, Month: 5, Day: 1}, Amount: 100}
		if err := w.svc.AddPaymentPlan(w.t.Context(), adm(w, o), p); err != nil {
			w.t.Fatal(err)
		}
		return p.ID
	})
	payment := func(del bool) func(*walker, *crm.User, string) int64 {
		return onDeal(func(w *walker, o *testkit.Org, dealID int64) int64 {
			p := &crm.Payment{DealID: dealID, Amount: 100}
			if err := w.svc.RecordPayment(w.t.Context(), adm(w, o), p); err != nil {
				w.t.Fatal(err)
			}
			if del {
				_ = w.svc.DeletePayment(w.t.Context(), adm(w, o), p.ID)
			}
			return p.ID
		})
	}
	invoice := onDeal(func(w *walker, o *testkit.Org, dealID int64) int64 {
		inv := &crm.Invoice{DealID: dealID, Number: fmt.Sprintf("W-%d", w.nextSeq()), Amount: 100}
		if err := w.svc.IssueInvoice(w.t.Context(), adm(w, o), inv); err != nil {
			w.t.Fatal(err)
		}
		return inv.ID
	})
	complaint := func(w *walker, actor *crm.User, owner string) int64 {
		o, u := w.orgOf(owner), w.ownerUser(actor, owner)
		c, _, _ := w.svc.CreateContact(w.t.Context(), adm(w, o), crm.ContactInput{Name: "W", ResponsibleID: u.ID})
		k := &crm.Complaint{ContactID: c.ID, Text: "walk", ResponsibleID: u.ID}
		if err := w.svc.RegisterComplaint(w.t.Context(), adm(w, o), k); err != nil {
			w.t.Fatal(err)
		}
		return k.ID
	}
	ownContact := func(field string) func(*walker, string, int64) string {
		return func(w *walker, _ string, _ int64) string {
			c, _, err := w.svc.CreateContact(w.t.Context(), w.alpha.Actor(w.t, w.actor), crm.ContactInput{Name: "W"})
			if err != nil {
				w.t.Fatal(err)
			}
			return fmt.Sprintf(`{"contact_id":%d,%s}`, c.ID, field)
		}
	}
	spend := func(w *walker, _ *crm.User, owner string) int64 {
		o := w.orgOf(owner)
		ch, _ := w.svc.CreateChannel(w.t.Context(), adm(w, o), fmt.Sprintf("Walk spend %d", w.nextSeq()))
		e := &crm.SpendEntry{ChannelID: ch.ID, StartsOn: crm.Date{Year: 2026, Month: 1, Day: 1}, EndsOn: crm.Date{Year: 2026, Month: 1, Day: 31}, Amount: 100}
		if err := w.svc.AddSpend(w.t.Context(), adm(w, o), e); err != nil {
			w.t.Fatal(err)
		}
		return e.ID
	}
	cost := func(w *walker, _ *crm.User, owner string) int64 {
		o := w.orgOf(owner)
		c := &crm.CRMCost{Category: "other", IncurredOn: crm.Date{Year: 2026, Month: 1, Day: 1}, Amount: 100}
		if err := w.svc.AddCost(w.t.Context(), adm(w, o), c); err != nil {
			w.t.Fatal(err)
		}
		return c.ID
	}
	rowExists := func(table string) func(w *walker, owner string, id int64) string {
		return func(w *walker, _ string, id int64) string {
			var n int
			_ = w.db.SQL().QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&n)
			return fmt.Sprint(n)
		}
	}
	channelBody := func(w *walker, _ string, _ int64) string {
		ch, _ := w.svc.CreateChannel(w.t.Context(), adm(w, w.alpha), fmt.Sprintf("Walk body %d", w.nextSeq()))
		return fmt.Sprintf(`{"channel_id":%d,"starts_on":"2026-01-01","ends_on":"2026-01-31","amount":100}`, ch.ID)
	}
	ownPlan := func(w *walker, _ string, _ int64) string {
		return fmt.Sprintf(`{"plans":[{"scope":"user","scope_id":%d,"revenue":100}]}`, w.actor.ID)
	}
	walkOps = append(walkOps,
		walkOp{method: "POST", path: "/contacts/bulk", body: `{"create":[{"name":"Bulk %d"}]}`, want: anyUser(200)},
		walkOp{method: "POST", path: "/companies/bulk", body: `{"create":[{"name":"Bulk %d"}]}`, want: anyUser(200)},
		walkOp{method: "POST", path: "/tasks/bulk", body: `{"create":[{"title":"Bulk %d","due_at":"2030-01-01T00:00:00Z"}]}`, want: anyUser(200)},
		walkOp{method: "GET", path: "/deals/{id}/payment-plans", target: dealTarget(false), want: byVisibility(200)},
		walkOp{method: "POST", path: "/deals/{id}/payment-plans", body: `{"due_on":"2026-04-01","amount":500}`, target: dealTarget(false), want: byVisibility(201), snapshot: func(w *walker, _ string, id int64) string {
			var n int
			_ = w.db.SQL().QueryRow(`SELECT COUNT(*) FROM payment_plans WHERE deal_id = $1`, id).Scan(&n)
			return fmt.Sprint(n)
		}},
		walkOp{method: "DELETE", path: "/payment-plans/{id}", target: plan, want: byVisibility(204), snapshot: rowExists("payment_plans")},
		walkOp{method: "GET", path: "/payments", want: anyUser(200)},
		walkOp{method: "POST", path: "/deals/{id}/payments", body: `{"amount":500}`, target: dealTarget(false), want: byVisibility(201), snapshot: func(w *walker, _ string, id int64) string {
			var n int
			_ = w.db.SQL().QueryRow(`SELECT COUNT(*) FROM payments WHERE deal_id = $1`, id).Scan(&n)
			return fmt.Sprint(n)
		}},
		walkOp{method: "DELETE", path: "/payments/{id}", target: payment(false), want: byVisibility(204), snapshot: rowExists("payments")},
		walkOp{method: "POST", path: "/payments/{id}/restore", target: payment(true), want: byVisibility(204), snapshot: rowExists("payments")},
		walkOp{method: "GET", path: "/deals/{id}/invoices", target: dealTarget(false), want: byVisibility(200)},
		walkOp{method: "POST", path: "/deals/{id}/invoices", body: `{"number":"WALK-%d","amount":500}`, target: dealTarget(false), want: byVisibility(201)},
		walkOp{method: "PATCH", path: "/invoices/{id}", body: `{"status":"paid"}`, target: invoice, want: byVisibility(200), snapshot: func(w *walker, _ string, id int64) string {
			var st string
			_ = w.db.SQL().QueryRow(`SELECT status FROM invoices WHERE id = $1`, id).Scan(&st)
			return st
		}},
		walkOp{method: "GET", path: "/complaints", want: anyUser(200)},
		walkOp{method: "POST", path: "/complaints", bodyFn: ownContact(`"text":"walk"`), want: anyUser(201)},
		walkOp{method: "GET", path: "/complaints/{id}", target: complaint, want: byVisibility(200)},
		walkOp{method: "POST", path: "/complaints/{id}/resolve", body: `{"resolution":"done"}`, target: complaint, want: byVisibility(200), snapshot: func(w *walker, _ string, id int64) string {
			var resolved bool
			_ = w.db.SQL().QueryRow(`SELECT resolved_at IS NOT NULL FROM complaints WHERE id = $1`, id).Scan(&resolved)
			return fmt.Sprint(resolved)
		}},
		walkOp{method: "GET", path: "/nps", want: anyUser(200)},
		walkOp{method: "POST", path: "/nps", bodyFn: ownContact(`"score":9`), want: anyUser(201)},
		walkOp{method: "GET", path: "/marketing-spend", want: anyUser(200)},
		walkOp{method: "POST", path: "/marketing-spend", bodyFn: channelBody, want: roleGate(notManager, 201)},
		walkOp{method: "DELETE", path: "/marketing-spend/{id}", target: spend, want: roleGate(notManager, 204), snapshot: rowExists("marketing_spend")},
		walkOp{method: "GET", path: "/sales-plans", query: "?month=2026-03", want: anyUser(200)},
		walkOp{method: "PUT", path: "/sales-plans", query: "?month=2026-03", bodyFn: ownPlan, want: roleGate(notManager, 200)},
		walkOp{method: "GET", path: "/crm-costs", want: roleGate(notManager, 200)},
		walkOp{method: "POST", path: "/crm-costs", body: `{"category":"other","incurred_on":"2026-01-01","amount":100}`, want: roleGate(onlyAdmin, 201)},
		walkOp{method: "DELETE", path: "/crm-costs/{id}", target: cost, want: roleGate(onlyAdmin, 204), snapshot: rowExists("crm_costs")},
		walkOp{method: "PATCH", path: "/crm-costs/{id}", body: `{"amount":777}`, target: cost, want: roleGate(onlyAdmin, 200), snapshot: func(w *walker, _ string, id int64) string {
			var amount int64
			_ = w.db.SQL().QueryRow(`SELECT amount FROM crm_costs WHERE id = $1`, id).Scan(&amount)
			return fmt.Sprint(amount)
		}},
		walkOp{method: "PATCH", path: "/marketing-spend/{id}", body: `{"amount":777}`, target: spend, want: roleGate(notManager, 200), snapshot: func(w *walker, _ string, id int64) string {
			var amount int64
			_ = w.db.SQL().QueryRow(`SELECT amount FROM marketing_spend WHERE id = $1`, id).Scan(&amount)
			return fmt.Sprint(amount)
		}},
		walkOp{method: "PATCH", path: "/payment-plans/{id}", body: `{"amount":777}`, target: plan, want: byVisibility(200), snapshot: func(w *walker, _ string, id int64) string {
			var amount int64
			_ = w.db.SQL().QueryRow(`SELECT amount FROM payment_plans WHERE id = $1`, id).Scan(&amount)
			return fmt.Sprint(amount)
		}},
		walkOp{method: "PATCH", path: "/complaints/{id}", body: `{"category":"walked"}`, target: complaint, want: byVisibility(200), snapshot: func(w *walker, _ string, id int64) string {
			var cat string
			_ = w.db.SQL().QueryRow(`SELECT category FROM complaints WHERE id = $1`, id).Scan(&cat)
			return cat
		}},
		walkOp{method: "DELETE", path: "/complaints/{id}", target: complaint, want: byVisibility(204), snapshot: rowExists("complaints")},
		walkOp{method: "POST", path: "/complaints/{id}/restore", target: func(w *walker, actor *crm.User, owner string) int64 {
			id := complaint(w, actor, owner)
			o := w.orgOf(owner)
			_ = w.svc.DeleteComplaint(w.t.Context(), o.Actor(w.t, o.Admin), id)
			return id
		}, want: byVisibility(204), snapshot: rowExists("complaints")},
		walkOp{method: "DELETE", path: "/nps/{id}", target: func(w *walker, actor *crm.User, owner string) int64 {
			o, u := w.orgOf(owner), w.ownerUser(actor, owner)
			c, _, _ := w.svc.CreateContact(w.t.Context(), adm(w, o), crm.ContactInput{Name: "W", ResponsibleID: u.ID})
			n := &crm.NPSAnswer{ContactID: c.ID, Score: 7}
			if err := w.svc.RecordNPS(w.t.Context(), adm(w, o), n); err != nil {
				w.t.Fatal(err)
			}
			return n.ID
		}, want: byVisibility(204), snapshot: rowExists("nps_answers")},
	)
}

// walkExempt lists operations the walk does not try, each with the reason.
var walkExempt = map[string]string{
	"POST /auth/token": "public login; covered by TestTokenLoginAndUse and the brute-force tests",
}

func TestPermissionWalk(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		w := &walker{env: newEnv(t, db), tokens: map[int64]string{}}
		actors := []*crm.User{w.alpha.Admin, w.alpha.NorthHead, w.alpha.North1}
		n := 0
		for _, op := range walkOps {
			owners := walkOwners
			if op.target == nil {
				owners = []string{""}
			}
			for _, actor := range actors {
				w.actor = actor
				for _, owner := range owners {
					if op.target != nil && owner == ownOwner && actor.Role == crm.RoleAdmin && strings.Contains(op.path, "/teams/") {
						continue
					}
					n++
					path := strings.Replace(op.path, "{name}", "channels", 1) // the one named path: /reports/{name}
					var id int64
					if op.target != nil {
						id = op.target(w, actor, owner)
						if strings.Contains(path, "{absence_id}") {
							path = strings.Replace(strings.Replace(path, "{absence_id}", fmt.Sprint(id), 1), "{id}", fmt.Sprint(w.pathUser), 1)
						}
						path = strings.Replace(path, "{id}", fmt.Sprint(id), 1)
					}
					body := op.body
					if op.bodyFn != nil {
						body = op.bodyFn(w, owner, id)
					}
					if strings.Contains(body, "%d") {
						body = fmt.Sprintf(body, n)
					}
					var before string
					if op.snapshot != nil {
						before = op.snapshot(w, owner, id)
					}
					var raw []byte
					if body != "" {
						raw = []byte(body)
					}
					r := w.do(nil, op.method, "/api/v1"+path+op.query, w.tokenOf(actor), raw, op.header...)
					want := op.want(actor.Role, owner)
					if r.Status != want {
						t.Errorf("%s %s as %s on %s record: status %d, want %d: %s", op.method, op.path, actor.Role, owner, r.Status, want, r.Body)
						continue
					}
					if r.Status >= 400 && op.snapshot != nil {
						if after := op.snapshot(w, owner, id); after != before {
							t.Errorf("%s %s as %s on %s record was refused (%d) but changed it: %q → %q", op.method, op.path, actor.Role, owner, r.Status, before, after)
						}
					}
				}
			}
		}
		if n < 50 {
			t.Errorf("the walk made only %d requests", n)
		}
	})
}

// Every operation in the OpenAPI document must be walked or exempted with a reason.
func TestPermissionWalkCoversTheAPI(t *testing.T) {
	e := newEnv(t, testkit.OpenSQLite(t))
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(e.do(nil, "GET", "/api/v1/openapi.json", "", nil).Body, &doc); err != nil {
		t.Fatal(err)
	}
	var walked []string
	for _, op := range walkOps {
		walked = append(walked, op.method+" "+op.path)
	}
	for path, methods := range doc.Paths {
		for m := range methods {
			key := strings.ToUpper(m) + " " + path
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, strings.ToUpper(m)) {
				continue
			}
			if !slices.Contains(walked, key) && walkExempt[key] == "" {
				t.Errorf("%s is not in the permission walk (add it to walkOps, or to walkExempt with a reason)", key)
			}
		}
	}
	_ = http.MethodGet
}
