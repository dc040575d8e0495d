package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/demo"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

var until = crm.Date{Year: 2026, Month: 10, Day: 15}

func generate(t *testing.T, db *store.DB, deals int, seed uint64) (*demo.Result, *crm.Service) {
	t.Helper()
	svc, _ := testkit.Service(db)
	res, err := demo.Generate(context.Background(), db, svc, demo.Options{Deals: deals, Seed: seed, Until: until, AdminPassword: "demo-password"})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return res, svc
}

// fingerprint sums up the generated history in figures that change if any row does.
func fingerprint(t *testing.T, db *store.DB) string {
	t.Helper()
	var out string
	for _, q := range []string{
		`SELECT COUNT(*), SUM(amount), SUM(cost), SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) FROM deals`,
		`SELECT COUNT(*), SUM(to_stage_id), COUNT(from_stage_id) FROM deal_stage_events`,
		`SELECT COUNT(*), SUM(duration_seconds), SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) FROM activities`,
		`SELECT COUNT(*), SUM(amount) FROM payments`,
		`SELECT COUNT(*), SUM(amount) FROM payment_plans`,
		`SELECT COUNT(*), SUM(score) FROM nps_answers`,
		`SELECT COUNT(*), SUM(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END) FROM tasks`,
		`SELECT COUNT(*), SUM(amount) FROM marketing_spend`,
		`SELECT COUNT(*), SUM(revenue) FROM sales_plans`,
		`SELECT COUNT(*) FROM complaints`,
		`SELECT COUNT(*) FROM contacts`,
	} {
		rows, err := db.SQL().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintln(vals...)
		}
		rows.Close()
	}
	return out
}

// The same seed gives the same history, on either engine; another seed gives another.
func TestDemoIsDeterministic(t *testing.T) {
	a, b, c := testkit.OpenSQLite(t), testkit.OpenPostgres(t), testkit.OpenSQLite(t)
	generate(t, a, 1500, 7)
	generate(t, b, 1500, 7)
	generate(t, c, 1500, 8)
	fa, fb, fc := fingerprint(t, a), fingerprint(t, b), fingerprint(t, c)
	if fa != fb {
		t.Errorf("same seed, different data:\nsqlite:\n%s\npostgres:\n%s", fa, fb)
	}
	if fa == fc {
		t.Errorf("seeds 7 and 8 gave the same data:\n%s", fa)
	}
}

func TestDemoHistory(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		const n = 4000
		res, svc := generate(t, db, n, 1)
		ctx := context.Background()
		q := func(query string, args ...any) float64 {
			t.Helper()
			var v float64
			if err := db.SQL().QueryRow(query, args...).Scan(&v); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			return v
		}
		if got := res.Rows["deals"]; got != n {
			t.Fatalf("deals loaded = %d, want %d", got, n)
		}
		if got := q(`SELECT COUNT(*) FROM deals WHERE account_id = $1`, res.Account.ID); got != n {
			t.Fatalf("deals stored = %v, want %d", got, n)
		}
		// Every deal has its creation event, and its current stage is the last event's.
		if got := q(`SELECT COUNT(*) FROM deals d WHERE NOT EXISTS (SELECT 1 FROM deal_stage_events e WHERE e.deal_id = d.id AND e.from_stage_id IS NULL)`); got != 0 {
			t.Errorf("%v deals without a creation event", got)
		}
		if got := q(`SELECT COUNT(*) FROM deals d WHERE d.stage_id <> (SELECT e.to_stage_id FROM deal_stage_events e WHERE e.deal_id = d.id ORDER BY e.at DESC, e.id DESC LIMIT 1)`); got != 0 {
			t.Errorf("%v deals whose stage is not their last event's", got)
		}
		// Amount and cost are the line items' sums; status follows the stage's kind.
		if got := q(`SELECT COUNT(*) FROM deals d WHERE d.amount <> (SELECT SUM(i.amount) FROM deal_items i WHERE i.deal_id = d.id)
			OR d.cost <> (SELECT SUM(i.cost * i.quantity) FROM deal_items i WHERE i.deal_id = d.id)`); got != 0 {
			t.Errorf("%v deals whose amount or cost is not their items' sum", got)
		}
		if got := q(`SELECT COUNT(*) FROM deals d JOIN stages s ON s.id = d.stage_id WHERE s.kind <> d.status`); got != 0 {
			t.Errorf("%v deals whose status is not their stage's kind", got)
		}
		if got := q(`SELECT COUNT(*) FROM deals WHERE status = 'lost' AND loss_reason_id IS NULL`); got != 0 {
			t.Errorf("%v lost deals without a reason", got)
		}
		// Nothing happens after the last day of history.
		end := until.In(mustLoc(t)).AddDate(0, 0, 1)
		for _, c := range []string{"deals.created_at", "deals.closed_at", "activities.at", "payments.paid_at", "deal_stage_events.at"} {
			table, col := c[:indexDot(c)], c[indexDot(c)+1:]
			if got := q(`SELECT COUNT(*) FROM `+table+` WHERE `+col+` >= $1`, end.UTC()); got != 0 {
				t.Errorf("%v rows with %s after the end of history", got, c)
			}
		}
		// History has volume: about four stage changes and nine activities a deal.
		ev, acts := float64(res.Rows["deal_stage_events"])/n, float64(res.Rows["activities"])/n
		if ev < 3 || acts < 6 {
			t.Errorf("per deal: %.1f stage events, %.1f activities; want ≥ 3 and ≥ 6", ev, acts)
		}
		t.Logf("per deal: %.2f stage events, %.2f activities; rows %v", ev, acts, res.Rows)

		// The go-live shows: of the leads created in the same stretch of months before and after,
		// more are won after, and faster.
		gl := res.GoLive.In(mustLoc(t)).UTC()
		yearBefore, yearAfter := gl.AddDate(-1, 0, 0), gl.AddDate(0, 9, 0)
		conv := func(from, to any) float64 {
			return q(`SELECT 100.0 * SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) / COUNT(*) FROM deals WHERE created_at >= $1 AND created_at < $2`, from, to)
		}
		before, after := conv(yearBefore, gl), conv(gl, yearAfter)
		if after < before*1.15 {
			t.Errorf("lead conversion %.1f %% before go-live, %.1f %% after: want a clear rise", before, after)
		}
		upsell := func(from, to any) float64 {
			return q(`SELECT 100.0 * COUNT(DISTINCT i.deal_id) / (SELECT COUNT(*) FROM deals WHERE status = 'won' AND closed_at >= $1 AND closed_at < $2)
				FROM deal_items i JOIN deals d ON d.id = i.deal_id WHERE i.upsell AND d.status = 'won' AND d.closed_at >= $1 AND d.closed_at < $2`, from, to)
		}
		if ub, ua := upsell(yearBefore, gl), upsell(gl, yearAfter); ua < ub*1.3 {
			t.Errorf("upsell share %.1f %% before go-live, %.1f %% after: want a clear rise", ub, ua)
		}
		t.Logf("conversion %.1f%% → %.1f%%", before, after)

		// The engine sees the go-live too: conversion, response speed and upsells improve.
		eng := analytics.NewEngine(db)
		admin, _ := svc.ActorFor(ctx, res.Account.ID, res.Admin.ID)
		cs, err := eng.Compare(ctx, admin, analytics.Request{IDs: []string{"lead_conversion", "lead_response_minutes", "upsell_rate", "uncontacted_leads"},
			Period: analytics.Period{From: res.From, To: crm.Date{Year: 2026, Month: 6, Day: 1}, Loc: mustLoc(t)}}, res.GoLive)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if len(c.Slice) > 0 || c.Before == nil || c.After == nil {
				continue
			}
			better := *c.After > *c.Before
			if c.KPI == "lead_response_minutes" || c.KPI == "uncontacted_leads" {
				better = *c.After < *c.Before
			}
			if !better {
				t.Errorf("%s: %.1f before go-live, %.1f after: want an improvement", c.KPI, *c.Before, *c.After)
			}
			t.Logf("%s: %.1f → %.1f", c.KPI, *c.Before, *c.After)
		}

		// Seasonality: B2C leads in July outnumber those in November.
		month := func(m int) float64 {
			return q(`SELECT COUNT(*) FROM deals d JOIN pipelines p ON p.id = d.pipeline_id WHERE p.name = 'Туры (B2C)'
				AND d.created_at >= $1 AND d.created_at < $2`, monthStart(t, 2025, m).UTC(), monthStart(t, 2025, m+1).UTC())
		}
		if jul, nov := month(7), month(11); jul < nov*1.5 {
			t.Errorf("B2C leads: July %v, November %v: want a summer peak", jul, nov)
		}

		// Every part the KPIs need is there.
		for _, table := range []string{"payments", "payment_plans", "nps_answers", "complaints", "tasks", "marketing_spend",
			"sales_plans", "crm_costs", "user_absences", "deal_responsible_events", "taggings", "companies"} {
			if q(`SELECT COUNT(*) FROM `+table) == 0 {
				t.Errorf("no %s", table)
			}
		}
		if q(`SELECT COUNT(*) FROM tasks WHERE done_at IS NULL AND due_at < $1`, end.UTC()) == 0 {
			t.Error("no overdue tasks")
		}
		if q(`SELECT COUNT(*) FROM payment_plans pp WHERE pp.due_on < $1 AND pp.amount > 0 AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.deal_id = pp.deal_id)`, until.String()) == 0 {
			t.Error("no overdue receivables")
		}
		if q(`SELECT COUNT(*) FROM users WHERE NOT active`) != 1 {
			t.Error("want one deactivated manager")
		}
		if q(`SELECT COUNT(*) FROM marketing_spend WHERE starts_on < $1 AND ends_on >= $1`, "2025-06-01") == 0 {
			t.Error("no spend entry spanning two months")
		}

		// The data is usable through the domain: a manager sees their own deals only.
		var mgr *crm.User
		for _, u := range res.Users {
			if u.Role == crm.RoleManager {
				mgr = u
				break
			}
		}
		actor, err := svc.ActorFor(ctx, res.Account.ID, mgr.ID)
		if err != nil {
			t.Fatal(err)
		}
		page, err := svc.Deals(ctx, actor, crm.DealFilter{}, crm.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 0 {
			t.Fatal("the manager sees no deals")
		}
		for _, d := range page.Items {
			if d.ResponsibleID != mgr.ID {
				t.Fatalf("manager %d sees deal %d of user %d", mgr.ID, d.ID, d.ResponsibleID)
			}
		}
		if _, err := svc.Timeline(ctx, actor, "deal", page.Items[0].ID, crm.Page{Limit: 50}); err != nil {
			t.Fatalf("timeline: %v", err)
		}
		// New records get ids after the loaded ones.
		if _, err := svc.CreateDeal(ctx, actor, crm.DealCreate{Name: "После демо"}); err != nil {
			t.Fatalf("create a deal after the load: %v", err)
		}
		if db.Engine == store.SQLite {
			rows, err := db.SQL().Query(`PRAGMA foreign_key_check`)
			if err != nil {
				t.Fatal(err)
			}
			if rows.Next() {
				t.Error("foreign key violations after the load")
			}
			rows.Close()
		}
	})
}

func indexDot(s string) int {
	for i := range s {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

func mustLoc(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(demo.DemoLocation)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func monthStart(t *testing.T, y, m int) time.Time {
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, mustLoc(t))
}
