package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// disciplineFixture is March 2026 (Moscow) of one account, hand-computed in the comments. March
// 2026 begins on a Sunday; its working days are 2–6, 9–13, 16–20, 23–27, 30–31: 22.
type disciplineFixture struct {
	org *testkit.Org
	svc *crm.Service
	eng *analytics.Engine
	ctx context.Context
}

func mar(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, msk) }

func newDisciplineFixture(t *testing.T, db *store.DB) *disciplineFixture {
	t.Helper()
	svc, clock := testkit.Service(db) // 2026-01-15: the users exist from then
	o := testkit.NewOrg(t, svc, "disc")
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	fx := &disciplineFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	first, second, won := p.Stages[0], p.Stages[1], p.Stages[len(p.Stages)-2]
	site, err := svc.CreateChannel(ctx, admin, "Сайт")
	if err != nil {
		t.Fatal(err)
	}
	contact := func(who *crm.User, name string) *crm.Contact {
		t.Helper()
		c, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: name, ResponsibleID: who.ID})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	deal := func(who *crm.User, in crm.DealCreate) *crm.Deal {
		t.Helper()
		in.Name, in.ResponsibleID = who.Name+" deal", who.ID
		if in.CreatedAt.IsZero() {
			in.CreatedAt = mar(1, 9, 0)
		}
		d, err := svc.CreateDeal(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	task := func(who *crm.User, dealID int64, due, done time.Time) *crm.Task {
		t.Helper()
		tk, err := svc.CreateTask(ctx, admin, crm.TaskInput{Title: "call back", ResponsibleID: who.ID, DealID: dealID,
			DueAt: due, DoneAt: done, CreatedAt: mar(1, 8, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	log := func(who *crm.User, kind, dir string, dealID, contactID int64, at time.Time, secs int) {
		t.Helper()
		if err := svc.LogActivity(ctx, admin, &crm.Activity{Kind: kind, Direction: dir, DealID: dealID, ContactID: contactID,
			UserID: who.ID, At: at, DurationSeconds: secs}); err != nil {
			t.Fatal(err)
		}
	}
	c1, c2, c3, c4 := contact(o.South1, "Клиент 1"), contact(o.North1, "Клиент 2"), contact(o.North2, "Клиент 3"), contact(o.South2, "Клиент 4")

	// Deals open at the end of March (2026-04-01 00:00 MSK); stalled_days is 7, so the window of
	// touches is [25 March 00:00, 1 April 00:00) MSK.
	d1 := deal(o.North1, crm.DealCreate{StageID: first.ID})                                                           // no touch: stalled
	d2 := deal(o.North1, crm.DealCreate{StageID: first.ID})                                                           // touched on 28 March: not stalled
	d3 := deal(o.North1, crm.DealCreate{StageID: first.ID})                                                           // touched on 20 March only: stalled
	d4 := deal(o.North1, crm.DealCreate{StageID: first.ID, Amount: 10_000_000, ContactID: c2.ID, ChannelID: site.ID}) // an open task: not stalled; every field filled
	d5 := deal(o.North1, crm.DealCreate{StageID: first.ID, CreatedAt: mar(28, 10, 0)})                                // 4 days old: not stalled
	d6 := deal(o.South1, crm.DealCreate{StageID: first.ID, Amount: 5_000_000, ContactID: c1.ID, ChannelID: site.ID})  // its client e-mailed on 29 March: not stalled; no task
	d7 := deal(o.South1, crm.DealCreate{StageID: first.ID})                                                           // only an incoming call: stalled
	d10 := deal(o.North1, crm.DealCreate{StageID: first.ID})                                                          // its task was done on 10 March: stalled
	gone := deal(o.North1, crm.DealCreate{StageID: first.ID})                                                         // deleted: nowhere
	// Won in March: d8 touched before the win, d11 never, d12 only after the win.
	d8 := deal(o.South1, crm.DealCreate{StageID: won.ID, Amount: 5_000_000, ClosedAt: mar(15, 12, 0)})
	deal(o.North1, crm.DealCreate{StageID: won.ID, Amount: 2_000_000, ClosedAt: mar(20, 12, 0)})
	d12 := deal(o.North1, crm.DealCreate{StageID: won.ID, Amount: 3_000_000, ClosedAt: mar(22, 12, 0)})

	// Tasks due in March: north1 on time (t1), late (t2), open (t3, t4 at 23:30 on the 31st); south1
	// open (s1), done exactly at due (s2). Due in April: t5 (00:30 on 1 April), s3. Deleted: one
	// task, and one on a deleted deal. Far in the future: one of north2's, not yet overdue.
	task(o.North1, d10.ID, mar(10, 10, 0), mar(10, 9, 0))
	task(o.North1, 0, mar(11, 10, 0), mar(12, 10, 0))
	task(o.North1, d4.ID, mar(12, 10, 0), time.Time{})
	task(o.North1, 0, mar(31, 23, 30), time.Time{})
	task(o.North1, 0, time.Date(2026, 4, 1, 0, 30, 0, 0, msk), time.Time{})
	task(o.South1, 0, mar(5, 10, 0), time.Time{})
	task(o.South1, 0, mar(6, 10, 0), mar(6, 10, 0))
	task(o.South1, 0, time.Date(2026, 4, 5, 10, 0, 0, 0, msk), mar(30, 10, 0))
	dropped := task(o.South1, 0, mar(7, 10, 0), time.Time{})
	if err := svc.DeleteTask(ctx, admin, dropped.ID); err != nil {
		t.Fatal(err)
	}
	task(o.North1, gone.ID, mar(8, 10, 0), time.Time{})
	task(o.North2, 0, time.Date(2099, 1, 15, 10, 0, 0, 0, msk), time.Time{})

	// Activities. Touches in March: north1 3 (20, 25, 28 March), north2 2 (10 March while absent,
	// 17 March), south1 2 (13 and 29 March), south2 1 (16 March). Not touches: a note, incoming
	// calls, a call on a deal deleted since. One touch of north1 at 00:30 on 1 April.
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	log(o.North1, "call", "out", d3.ID, 0, mar(20, 11, 0), 60)
	log(o.North1, "note", "", d3.ID, 0, mar(20, 11, 30), 0)
	log(o.North1, "call", "out", d12.ID, 0, mar(25, 11, 0), 60)
	log(o.North1, "call", "out", d2.ID, 0, mar(28, 11, 0), 300)
	log(o.North1, "call", "out", d2.ID, 0, time.Date(2026, 4, 1, 0, 30, 0, 0, msk), 60)
	log(o.North2, "call", "out", 0, c3.ID, mar(10, 11, 0), 60)
	log(o.North2, "meeting", "", 0, c3.ID, mar(17, 11, 0), 3600)
	log(o.South1, "meeting", "", d8.ID, 0, mar(13, 11, 0), 3600)
	log(o.South1, "email", "out", 0, c1.ID, mar(29, 11, 0), 0)
	log(o.South1, "call", "in", d7.ID, 0, mar(30, 11, 0), 120)
	log(o.South1, "call", "in", 0, c1.ID, mar(30, 12, 0), 60)
	log(o.South2, "email", "out", 0, c4.ID, mar(16, 10, 0), 0)
	log(o.North1, "call", "out", gone.ID, 0, mar(21, 11, 0), 60) // on the deal deleted next: nowhere
	if err := svc.DeleteDeal(ctx, admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	_ = d1
	_ = d6

	// north1 moves d5 on Monday 30 March; south2 is deactivated on Monday 16 March at 12:00;
	// north2 is away 9–13 March.
	clock.T = mar(30, 12, 0).UTC()
	if _, err := svc.UpdateDeal(ctx, o.Actor(t, o.North1), d5.ID, crm.DealUpdate{StageID: &second.ID}); err != nil {
		t.Fatal(err)
	}
	clock.T = mar(16, 12, 0).UTC()
	off := false
	if _, err := svc.UpdateUser(ctx, admin, o.South2.ID, crm.UserUpdate{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddAbsence(ctx, admin, &crm.Absence{UserID: o.North2.ID, StartsOn: crm.Date{Year: 2026, Month: 3, Day: 9},
		EndsOn: crm.Date{Year: 2026, Month: 3, Day: 13}}); err != nil {
		t.Fatal(err)
	}
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	return fx
}

func (fx *disciplineFixture) compute(t *testing.T, actor *crm.Actor, req analytics.Request) map[string]analytics.Result {
	t.Helper()
	return (&salesFixture{eng: fx.eng, ctx: fx.ctx}).compute(t, actor, req)
}

func marchOnly() analytics.Period {
	return analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 5, Day: 1}, Loc: msk}
}

func TestDisciplineKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newDisciplineFixture(t, db)
		o := fx.org
		admin := o.Actor(t, o.Admin)
		ids := []string{"overdue_tasks", "overdue_tasks_rate", "stalled_deals", "manager_activity"}
		req := analytics.Request{IDs: ids, Period: marchOnly(), Bucket: analytics.Month}
		got := fx.compute(t, admin, req)

		// Due in March and past due: t1, t2, t3, t4, s1, s2 = 6; not done by the due time: t2 (late),
		// t3, t4, s1 = 4. The deleted task and the task of the deleted deal count nowhere.
		expect(t, got, "overdue_tasks|2026-03", f(4), f(4), f(6))
		expect(t, got, "overdue_tasks_rate|2026-03", f(100*4.0/6), f(4), f(6))
		// April: t5 open (overdue), s3 done before due.
		expect(t, got, "overdue_tasks|2026-04", f(1), f(1), f(2))
		// Open at the end of March: d1, d2, d3, d4, d5, d6, d7, d10 = 8; stalled d1, d3, d7, d10.
		expect(t, got, "stalled_deals|2026-03", f(4), f(4), f(8))
		// Touches: 3 + 2 + 2 + 1; April: north1's at 00:30 on 1 April.
		expect(t, got, "manager_activity|2026-03", f(8), nil, nil)
		expect(t, got, "manager_activity|2026-04", f(1), nil, nil)

		byMgr := fx.compute(t, admin, analytics.Request{IDs: ids, Period: marchOnly(), Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "overdue_tasks|2026-03|manager=north1", f(3), f(3), f(4))
		expect(t, byMgr, "overdue_tasks|2026-03|manager=south1", f(1), f(1), f(2))
		expect(t, byMgr, "stalled_deals|2026-03|manager=north1", f(3), f(3), f(6))
		expect(t, byMgr, "stalled_deals|2026-03|manager=south1", f(1), f(1), f(2))
		expect(t, byMgr, "manager_activity|2026-03|manager=north1", f(3), nil, nil)
		expect(t, byMgr, "manager_activity|2026-03|manager=north2", f(2), nil, nil)
		expect(t, byMgr, "manager_activity|2026-03|manager=south2", f(1), nil, nil)
		// By team: North = north1 + north2.
		byTeam := fx.compute(t, admin, analytics.Request{IDs: ids, Period: marchOnly(), Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByTeam}})
		expect(t, byTeam, "manager_activity|2026-03|team=North", f(5), nil, nil)
		expect(t, byTeam, "overdue_tasks|2026-03|team=South", f(1), f(1), f(2))

		// Stalled by day: on 31 March at 00:00 the window is [24 March, 31 March): d2's touch of
		// the 28th and d3's of the 20th as before; d5 (created the 28th) still too young.
		byDay := fx.compute(t, admin, analytics.Request{IDs: []string{"stalled_deals"}, Bucket: analytics.Day,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 30}, To: crm.Date{Year: 2026, Month: 3, Day: 31}, Loc: msk}})
		expect(t, byDay, "stalled_deals|2026-03-30", f(4), f(4), f(8))

		// A manager sees their own; a head their team's.
		mine := fx.compute(t, o.Actor(t, o.South1), req)
		expect(t, mine, "overdue_tasks|2026-03", f(1), f(1), f(2))
		expect(t, mine, "stalled_deals|2026-03", f(1), f(1), f(2))
		expect(t, mine, "manager_activity|2026-03", f(2), nil, nil)
		north := fx.compute(t, o.Actor(t, o.NorthHead), req)
		expect(t, north, "overdue_tasks|2026-03", f(3), f(3), f(4))
		expect(t, north, "manager_activity|2026-03", f(5), nil, nil)

		// Far in the future: a task due but not yet overdue; no task passed due, so no rate.
		future := fx.compute(t, admin, analytics.Request{IDs: ids,
			Period: analytics.Period{From: crm.Date{Year: 2099, Month: 1, Day: 1}, To: crm.Date{Year: 2099, Month: 2, Day: 1}, Loc: msk}})
		expect(t, future, "overdue_tasks|2099-01-01..2099-02-01", f(0), f(0), f(0))
		expect(t, future, "overdue_tasks_rate|2099-01-01..2099-02-01", nil, f(0), f(0))
		// An empty month.
		feb := fx.compute(t, admin, analytics.Request{IDs: ids,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 2, Day: 1}, To: crm.Date{Year: 2026, Month: 3, Day: 1}, Loc: msk}})
		expect(t, feb, "overdue_tasks_rate|2026-02-01..2026-03-01", nil, f(0), f(0))
		expect(t, feb, "manager_activity|2026-02-01..2026-03-01", f(0), nil, nil)
		expect(t, feb, "stalled_deals|2026-02-01..2026-03-01", f(0), f(0), f(0))
	})
}

func TestCRMEfficiencyKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newDisciplineFixture(t, db)
		o := fx.org
		admin := o.Actor(t, o.Admin)
		ids := []string{"crm_adoption", "crm_adoption_won_touched", "data_quality", "productivity", "productivity_won_deals"}
		req := analytics.Request{IDs: ids, Period: marchOnly(), Bucket: analytics.Month}
		got := fx.compute(t, admin, req)

		// Working days: north1 22; north2 22 − 5 away = 17; south1 22; south2, deactivated on
		// Monday the 16th at noon, 2–6, 9–13 and 16 = 11: 72. Active ones: north1 20 (touch), 25
		// (touch), 30 (moved d5) — the 28th is a Saturday; north2 the 17th (the 10th is an absence);
		// south1 the 13th (the 29th is a Sunday; incoming calls are no touch); south2 the 16th: 6.
		expect(t, got, "crm_adoption|2026-03", f(100*6.0/72), f(6), f(72))
		// Won: d8 (touched on the 13th, before its win), d11 (never), d12 (only after its win).
		expect(t, got, "crm_adoption_won_touched|2026-03", f(100.0/3), f(1), f(3))
		// Open at the end: 8; only d4 has amount, client, channel and an open task (d6 has no task).
		expect(t, got, "data_quality|2026-03", f(100.0/8), f(1), f(8))
		// Revenue 50,000 + 20,000 + 30,000 ₽ over manager-months: three whole and south2's 16 of 31
		// days (active until noon of the 16th).
		mm := 3 + 16.0/31
		expect(t, got, "productivity|2026-03", f(10_000_000/mm), f(10_000_000), f(mm))
		expect(t, got, "productivity_won_deals|2026-03", f(3/mm), f(3), f(mm))
		// April has 22 working days (Wednesday the 1st to Thursday the 30th); south2 no longer
		// counts; north1's touch at 00:30 on Wednesday 1 April makes one active day.
		expect(t, got, "crm_adoption|2026-04", f(100*1.0/66), f(1), f(66))
		expect(t, got, "productivity|2026-04", f(0), f(0), f(3))

		byMgr := fx.compute(t, admin, analytics.Request{IDs: ids, Period: marchOnly(), Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "crm_adoption|2026-03|manager=north1", f(100*3.0/22), f(3), f(22))
		expect(t, byMgr, "crm_adoption|2026-03|manager=north2", f(100*1.0/17), f(1), f(17))
		expect(t, byMgr, "crm_adoption|2026-03|manager=south2", f(100*1.0/11), f(1), f(11))
		expect(t, byMgr, "productivity|2026-03|manager=north1", f(5_000_000), f(5_000_000), f(1))
		expect(t, byMgr, "productivity|2026-03|manager=south2", f(0), f(0), f(16.0/31))
		expect(t, byMgr, "data_quality|2026-03|manager=north1", f(100.0/6), f(1), f(6))
		expect(t, byMgr, "crm_adoption_won_touched|2026-03|manager=south1", f(100), f(1), f(1))
		// The admin's own deals would have revenue but no manager-months: no productivity.

		// Weeks: the week of 16 March (Mon 16 – Sun 22): north1 5 days (active the 20th), north2 5
		// (the 17th), south1 5, south2 1 (the 16th, active): 3 of 16.
		weeks := fx.compute(t, admin, analytics.Request{IDs: []string{"crm_adoption"}, Bucket: analytics.Week,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 16}, To: crm.Date{Year: 2026, Month: 3, Day: 23}, Loc: msk}})
		expect(t, weeks, "crm_adoption|2026-W12", f(100*3.0/16), f(3), f(16))

		// A manager sees their own; a head their team's.
		mine := fx.compute(t, o.Actor(t, o.South1), req)
		expect(t, mine, "crm_adoption|2026-03", f(100*1.0/22), f(1), f(22))
		expect(t, mine, "productivity|2026-03", f(5_000_000), f(5_000_000), f(1))
		north := fx.compute(t, o.Actor(t, o.NorthHead), req)
		expect(t, north, "crm_adoption|2026-03", f(100*4.0/39), f(4), f(39))
		// Under a deal filter, figures of people do not exist.
		piped := fx.compute(t, admin, analytics.Request{IDs: []string{"crm_adoption", "productivity"}, Period: marchOnly(), Bucket: analytics.Month,
			Filter: analytics.Filter{ChannelID: 1}})
		expect(t, piped, "crm_adoption|2026-03", nil, nil, nil)
		expect(t, piped, "productivity|2026-03", nil, nil, nil)
	})
}

func TestManagerActivityReport(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newDisciplineFixture(t, db)
		o := fx.org
		rep, err := fx.eng.Report(fx.ctx, o.Actor(t, o.Admin), "manager_activity", analytics.ReportRequest{
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 28}, To: crm.Date{Year: 2026, Month: 3, Day: 31}, Loc: msk}})
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]analytics.Row{}
		for _, r := range rep.Rows {
			rows[r["day"].(string)+" "+r["manager"].(string)] = r
		}
		// Saturday 28th: north1's call (5 min) and d5 created; Sunday 29th: south1's e-mail; Monday
		// 30th: south1's two incoming calls (3 min) and s3 completed, north1's move. Every active
		// manager has a row on a working day: north2 with zeros; south2, deactivated, has none.
		// No zero rows on the weekend.
		want := map[string]map[string]float64{
			"2026-03-28 north1": {"calls": 1, "call_minutes": 5, "touches": 1, "deals_created": 1},
			"2026-03-29 south1": {"emails": 1, "touches": 1},
			"2026-03-30 south1": {"calls": 2, "call_minutes": 3, "tasks_completed": 1},
			"2026-03-30 north1": {"deals_moved": 1},
			"2026-03-30 north2": {},
		}
		if len(rows) != len(want) {
			t.Errorf("rows: %v", rows)
		}
		for k, w := range want {
			r, ok := rows[k]
			if !ok {
				t.Errorf("%s: no row", k)
				continue
			}
			for _, c := range []string{"calls", "call_minutes", "emails", "meetings", "messages", "notes", "touches", "tasks_completed", "deals_created", "deals_moved", "deals_won"} {
				if v := r[c].(float64); !near(v, w[c]) {
					t.Errorf("%s %s = %g, want %g", k, c, v, w[c])
				}
			}
		}
		// A manager's report has their rows only.
		mine, err := fx.eng.Report(fx.ctx, o.Actor(t, o.South1), "manager_activity", analytics.ReportRequest{
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 28}, To: crm.Date{Year: 2026, Month: 3, Day: 31}, Loc: msk}})
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Rows) != 2 || mine.Rows[0]["manager"] != "south1" || mine.Rows[1]["manager"] != "south1" {
			t.Errorf("south1's report: %v", mine.Rows)
		}
		// The adoption report is a table of KPIs by manager.
		ad, err := fx.eng.Report(fx.ctx, o.Actor(t, o.Admin), "crm_adoption", analytics.ReportRequest{Period: marchOnly(), Bucket: analytics.Month})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range ad.Rows {
			if r["bucket"] == "2026-03" && r["manager"] == "north2" {
				found = true
				if v := r["crm_adoption"].(*float64); v == nil || !near(*v, 100.0/17) {
					t.Errorf("north2's adoption in the report: %v", r)
				}
			}
		}
		if !found {
			t.Errorf("crm_adoption report has no row of north2: %v", ad.Rows)
		}
	})
}

func TestDataQualityReport(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newDisciplineFixture(t, db)
		o := fx.org
		admin := o.Actor(t, o.Admin)
		contact := func(who *crm.User, created time.Time, in crm.ContactInput) *crm.Contact {
			t.Helper()
			in.Name, in.ResponsibleID, in.CreatedAt = "Дубль", who.ID, created
			c, _, err := fx.svc.CreateContact(fx.ctx, admin, in)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// One phone written two ways (south1's and north1's contact): two duplicates. An e-mail
		// shared with a deleted contact only: none. A contact of north2's from October, never
		// touched: untouched. A deal of north2's from December, never touched: untouched (and open).
		contact(o.South1, mar(1, 9, 0), crm.ContactInput{Phones: []crm.Phone{{Raw: "+7 912 345-67-89"}}})
		contact(o.North1, mar(1, 9, 0), crm.ContactInput{Phones: []crm.Phone{{Raw: "8 (912) 345-67-89"}}})
		contact(o.North1, mar(1, 9, 0), crm.ContactInput{Emails: []crm.Email{{Email: "a@x.ru"}}})
		gone := contact(o.South1, mar(1, 9, 0), crm.ContactInput{Emails: []crm.Email{{Email: "a@x.ru"}}})
		if err := fx.svc.DeleteContact(fx.ctx, admin, gone.ID); err != nil {
			t.Fatal(err)
		}
		contact(o.North2, time.Date(2025, 10, 1, 12, 0, 0, 0, msk), crm.ContactInput{})
		if _, err := fx.svc.CreateDeal(fx.ctx, admin, crm.DealCreate{Name: "old", ResponsibleID: o.North2.ID, CreatedAt: time.Date(2025, 12, 1, 12, 0, 0, 0, msk)}); err != nil {
			t.Fatal(err)
		}
		// Companies from October: A (north2) never touched; B (south1) touched through its contact
		// in March; C (north1) with only an inbound call in March (not a touch); E deleted. D
		// (north1) is from February, younger than 90 days at the end of March. Untouched: A and C.
		company := func(who *crm.User, name string, created time.Time) *crm.Company {
			t.Helper()
			c := &crm.Company{Name: name, ResponsibleID: who.ID, CreatedAt: created}
			if _, err := fx.svc.CreateCompany(fx.ctx, admin, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		oct := time.Date(2025, 10, 1, 12, 0, 0, 0, msk)
		company(o.North2, "A", oct)
		b := company(o.South1, "B", oct)
		bContact, _, err := fx.svc.CreateContact(fx.ctx, admin, crm.ContactInput{Name: "B's buyer", CompanyID: b.ID, ResponsibleID: o.South1.ID, CreatedAt: oct})
		if err != nil {
			t.Fatal(err)
		}
		c := company(o.North1, "C", oct)
		company(o.North1, "D", time.Date(2026, 2, 15, 12, 0, 0, 0, msk))
		e := company(o.South1, "E", oct)
		if err := fx.svc.DeleteCompany(fx.ctx, admin, e.ID); err != nil {
			t.Fatal(err)
		}
		for _, a := range []*crm.Activity{
			{Kind: "call", Direction: "out", ContactID: bContact.ID, UserID: o.South1.ID, At: mar(10, 11, 0)},
			{Kind: "call", Direction: "in", CompanyID: c.ID, UserID: o.North1.ID, At: mar(11, 11, 0)},
		} {
			if err := fx.svc.LogActivity(fx.ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := fx.eng.Report(fx.ctx, admin, "data_quality", analytics.ReportRequest{Period: analytics.Period{
			From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}})
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]analytics.Row{}
		for _, r := range rep.Rows {
			rows[r["manager"].(string)] = r
		}
		want := map[string]map[string]float64{
			// Open at the end of March: 8 of the fixture and the old deal; complete: d4.
			"(all)":  {"open_deals": 9, "complete": 1, "no_amount": 7, "no_client": 7, "no_channel": 7, "no_task": 8, "untouched_deals": 1, "duplicate_contacts": 2, "untouched_contacts": 1, "untouched_companies": 2},
			"north1": {"open_deals": 6, "complete": 1, "no_amount": 5, "no_client": 5, "no_channel": 5, "no_task": 5, "duplicate_contacts": 1, "untouched_companies": 1},
			"south1": {"open_deals": 2, "no_amount": 1, "no_client": 1, "no_channel": 1, "no_task": 2, "duplicate_contacts": 1},
			"north2": {"open_deals": 1, "no_amount": 1, "no_client": 1, "no_channel": 1, "no_task": 1, "untouched_deals": 1, "untouched_contacts": 1, "untouched_companies": 1},
		}
		if len(rows) != len(want) {
			t.Errorf("rows: %v", rep.Rows)
		}
		for m, w := range want {
			r := rows[m]
			if r == nil {
				t.Errorf("%s: no row", m)
				continue
			}
			for _, c := range []string{"open_deals", "complete", "no_amount", "no_client", "no_channel", "no_task", "untouched_deals", "duplicate_contacts", "untouched_contacts", "untouched_companies"} {
				if v := r[c].(float64); !near(v, w[c]) {
					t.Errorf("%s %s = %g, want %g", m, c, v, w[c])
				}
			}
			if dq, want := r["data_quality"].(*float64), 100*w["complete"]/w["open_deals"]; dq == nil || !near(*dq, want) {
				t.Errorf("%s data_quality = %v, want %g", m, dq, want)
			}
		}
		// A manager sees their own records.
		mine, err := fx.eng.Report(fx.ctx, o.Actor(t, o.South1), "data_quality", analytics.ReportRequest{Period: analytics.Period{
			From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}})
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Rows) != 2 || mine.Rows[0]["open_deals"].(float64) != 2 || mine.Rows[1]["manager"] != "south1" {
			t.Errorf("south1's data quality: %v", mine.Rows)
		}
	})
}
