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

// feedbackFixture, February – April 2026 in Moscow, computed by hand:
//
//	won in March: north1 4 deals (D1 among them), south1 3.
//	NPS in March, the KPI.md check: 10 answers, 5 promoters, 3 passives, 2 detractors → 30.
//	  On north1's deal D1 (whose contact CS belongs to south1): 10, 10, 9, 7, 6, 0 — north1's.
//	  Without a deal, from CS (south1's): 9, 9, 8 and 7 at 23:30 on 31 March, Moscow — south1's.
//	NPS in April: 10 at 00:30 on 1 April, Moscow (CS, south1's); 0 on north2's deal deleted since
//	  (falls back to the contact: south1's); 0 deleted — does not count.
//	complaints: K1 on D1, 2 Mar 10:00, resolved in 4 h; K2 on D1, 3 Mar 10:00, resolved in 24 h;
//	  K3 (south1's, no deal) 5 Mar 10:00, in 1 h; K4 (south1's) 31 Mar 23:30, resolved 1 Apr 01:30
//	  (2 h, April's); K5 (south1's) 1 Apr 00:30, open; K6 on 10 Mar, deleted.
func feedbackFixture(t *testing.T, db *store.DB) *salesFixture {
	t.Helper()
	svc, clock := testkit.Service(db)
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	o := testkit.NewOrg(t, svc, "fb")
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	won := ps[0].Stages[len(ps[0].Stages)-2]
	cs, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: "CS", ResponsibleID: o.South1.ID})
	if err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, msk) }
	deal := func(who *crm.User, contact int64) int64 {
		t.Helper()
		d, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "deal", ResponsibleID: who.ID, StageID: won.ID, ContactID: contact,
			CreatedAt: at(2, 20, 12, 0), ClosedAt: at(3, 1, 12, 0), Amount: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	d1 := deal(o.North1, cs.ID)
	for range 3 {
		deal(o.North1, 0)
	}
	for range 3 {
		deal(o.South1, 0)
	}
	answer := func(score int, dealID int64, when time.Time) int64 {
		t.Helper()
		a := &crm.NPSAnswer{ContactID: cs.ID, DealID: dealID, Score: score, AnsweredAt: when}
		if err := svc.RecordNPS(ctx, admin, a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	for i, s := range []int{10, 10, 9, 7, 6, 0} {
		answer(s, d1, at(3, 10+i, 12, 0))
	}
	answer(9, 0, at(3, 20, 12, 0))
	answer(9, 0, at(3, 21, 12, 0))
	answer(8, 0, at(3, 22, 12, 0))
	answer(7, 0, at(3, 31, 23, 30))
	answer(10, 0, at(4, 1, 0, 30))
	gone := deal(o.North2, cs.ID) // won on 1 March too, but deleted: no won deal
	answer(0, gone, at(4, 2, 12, 0))
	if err := svc.DeleteDeal(ctx, admin, gone); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteNPS(ctx, admin, answer(0, 0, at(4, 3, 12, 0))); err != nil {
		t.Fatal(err)
	}
	complaint := func(dealID int64, who *crm.User, registered, resolved time.Time) int64 {
		t.Helper()
		c := &crm.Complaint{ContactID: cs.ID, DealID: dealID, ResponsibleID: who.ID, Text: "broken", RegisteredAt: registered}
		if err := svc.RegisterComplaint(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		if !resolved.IsZero() {
			saved := clock.T
			clock.T = resolved
			if _, err := svc.ResolveComplaint(ctx, admin, c.ID, "fixed"); err != nil {
				t.Fatal(err)
			}
			clock.T = saved
		}
		return c.ID
	}
	// K1 and K2 name south1 as responsible, but they are on north1's deal: north1's.
	complaint(d1, o.South1, at(3, 2, 10, 0), at(3, 2, 14, 0))
	complaint(d1, o.South1, at(3, 3, 10, 0), at(3, 4, 10, 0))
	complaint(0, o.South1, at(3, 5, 10, 0), at(3, 5, 11, 0))
	complaint(0, o.South1, at(3, 31, 23, 30), at(4, 1, 1, 30))
	complaint(0, o.South1, at(4, 1, 0, 30), time.Time{})
	if err := svc.DeleteComplaint(ctx, admin, complaint(0, o.South1, at(3, 10, 10, 0), at(3, 10, 11, 0))); err != nil {
		t.Fatal(err)
	}
	return &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
}

var feedbackIDs = []string{"nps", "nps_promoters", "nps_passives", "nps_detractors", "complaints", "complaints_per_100_won", "complaints_resolve_hours"}

func TestNPSAndComplaintKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := feedbackFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		period := analytics.Period{From: crm.Date{Year: 2026, Month: 2, Day: 1}, To: crm.Date{Year: 2026, Month: 5, Day: 1}, Loc: msk}
		got := fx.compute(t, admin, analytics.Request{IDs: feedbackIDs, Period: period, Bucket: analytics.Month})

		// The KPI.md check: 5 promoters, 3 passives, 2 detractors of 10 answers → (5 − 2) / 10 = 30.
		expect(t, got, "nps|2026-03", f(30), f(3), f(10))
		expect(t, got, "nps_promoters|2026-03", f(5), f(5), f(10))
		expect(t, got, "nps_passives|2026-03", f(3), f(3), f(10))
		expect(t, got, "nps_detractors|2026-03", f(2), f(2), f(10))
		// April: the 10 at 00:30 Moscow and the 0 of the deleted deal; the deleted answer is out.
		expect(t, got, "nps|2026-04", f(0), f(0), f(2))
		// February: no answers, no NPS.
		expect(t, got, "nps|2026-02", nil, f(0), f(0))
		expect(t, got, "nps_promoters|2026-02", f(0), f(0), f(0))

		// Complaints: K1–K4 in March (K4 at 23:30 on the 31st), K5 in April; K6 deleted.
		expect(t, got, "complaints|2026-03", f(4), nil, nil)
		expect(t, got, "complaints|2026-04", f(1), nil, nil)
		expect(t, got, "complaints|2026-02", f(0), nil, nil)
		// 4 complaints per 7 won deals; none won in April.
		expect(t, got, "complaints_per_100_won|2026-03", f(400.0/7), f(4), f(7))
		expect(t, got, "complaints_per_100_won|2026-04", nil, f(1), f(0))
		// Resolved in March: 4, 24, 1 hours → median 4, mean 29 / 3. In April K4 in 2 hours.
		expect(t, got, "complaints_resolve_hours|2026-03", f(4), f(29), f(3))
		expect(t, got, "complaints_resolve_hours|2026-04", f(2), f(2), f(1))
		expect(t, got, "complaints_resolve_hours|2026-02", nil, nil, f(0))

		// By manager: a record on a deal is its manager's, one without a deal its owner's.
		byMgr := fx.compute(t, admin, analytics.Request{IDs: feedbackIDs, Period: period, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "nps|2026-03|manager=north1", f(100.0/6), f(1), f(6))
		expect(t, byMgr, "nps|2026-03|manager=south1", f(50), f(2), f(4))
		expect(t, byMgr, "nps|2026-04|manager=south1", f(0), f(0), f(2))
		expect(t, byMgr, "complaints_per_100_won|2026-03|manager=north1", f(50), f(2), f(4))
		expect(t, byMgr, "complaints_per_100_won|2026-03|manager=south1", f(200.0/3), f(2), f(3))
		// north1: 4 and 24 hours → the median is their mean, 14.
		expect(t, byMgr, "complaints_resolve_hours|2026-03|manager=north1", f(14), f(28), f(2))
		expect(t, byMgr, "complaints_resolve_hours|2026-03|manager=south1", f(1), f(1), f(1))
		// By pipeline, records without a deal read "(none)".
		byPipe := fx.compute(t, admin, analytics.Request{IDs: []string{"nps", "complaints"}, Period: period, Bucket: analytics.Month,
			By: []analytics.Dimension{analytics.ByPipeline}})
		expect(t, byPipe, "nps|2026-03|pipeline=(none)", f(50), f(2), f(4))
		expect(t, byPipe, "complaints|2026-03|pipeline=(none)", f(2), nil, nil)

		// A manager sees their own; a head their team's.
		north1 := fx.compute(t, fx.org.Actor(t, fx.org.North1), analytics.Request{IDs: feedbackIDs, Period: period, Bucket: analytics.Month})
		expect(t, north1, "nps|2026-03", f(100.0/6), f(1), f(6))
		expect(t, north1, "complaints|2026-03", f(2), nil, nil)
		expect(t, north1, "nps|2026-04", nil, f(0), f(0))
		south := fx.compute(t, fx.org.Actor(t, fx.org.SouthHead), analytics.Request{IDs: feedbackIDs, Period: period, Bucket: analytics.Month})
		expect(t, south, "nps|2026-03", f(50), f(2), f(4))
		expect(t, south, "complaints|2026-04", f(1), nil, nil)
		// A filter on a pipeline leaves out what has no deal.
		pipe := fx.compute(t, admin, analytics.Request{IDs: []string{"complaints"}, Period: period, Bucket: analytics.Month,
			Filter: analytics.Filter{PipelineID: pipelineOf(t, fx)}})
		expect(t, pipe, "complaints|2026-03", f(2), nil, nil)

		// The report: a row per month.
		rep, err := fx.eng.Report(fx.ctx, admin, "nps_complaints", analytics.ReportRequest{Period: period, Bucket: analytics.Month})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 3 {
			t.Fatalf("report rows %v", rep.Rows)
		}
		mar := rep.Rows[1]
		for key, want := range map[string]float64{"nps": 30, "nps_promoters": 5, "nps_passives": 3, "nps_detractors": 2,
			"complaints": 4, "won_deals": 7, "complaints_per_100_won": 400.0 / 7, "complaints_resolve_hours": 4} {
			if v := mar[key].(*float64); v == nil || !near(*v, want) {
				t.Errorf("report March %s = %s, want %g", key, show(v), want)
			}
		}
		if mar["bucket"] != "2026-03" || rep.Rows[0]["nps"].(*float64) != nil {
			t.Errorf("report rows %v", rep.Rows)
		}
	})
}

func pipelineOf(t *testing.T, fx *salesFixture) int64 {
	t.Helper()
	ps, err := fx.svc.Pipelines(fx.ctx, fx.org.Actor(t, fx.org.Admin), false)
	if err != nil {
		t.Fatal(err)
	}
	return ps[0].ID
}
