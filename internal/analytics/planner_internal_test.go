package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/testkit"
)

// The measured crm_roi beside the plan: from go-live to the first day of today's month, in the
// account's zone — the crm_roi KPI over that window; absent before a day of it has passed or
// without go-live. (The KPI's own figures are tested in roi_test.go.)
func TestMeasuredCRMROI(t *testing.T) {
	db := testkit.OpenSQLite(t)
	svc, clock := testkit.Service(db)
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	o := testkit.NewOrg(t, svc, "roi")
	e, ctx, admin := NewEngine(db), context.Background(), o.Actor(t, o.Admin)
	msk, _ := time.LoadLocation("Europe/Moscow")
	goLive := crm.Date{Year: 2026, Month: 2, Day: 10}
	if _, err := svc.UpdateAccount(ctx, admin, crm.AccountUpdate{GoLiveDate: &goLive}); err != nil {
		t.Fatal(err)
	}
	// A baseline (a win in December), a win after go-live and a cost: crm_roi has a value.
	ps, _ := svc.Pipelines(ctx, admin, false)
	for _, at := range []time.Time{time.Date(2025, 12, 10, 12, 0, 0, 0, msk), time.Date(2026, 3, 10, 12, 0, 0, 0, msk)} {
		if _, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "win", ResponsibleID: o.North1.ID, Amount: 600_000,
			CreatedAt: at.AddDate(0, 0, -3), StageID: ps[0].Stages[4].ID, ClosedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.AddCost(ctx, admin, &crm.CRMCost{Category: "implementation", IncurredOn: goLive, Amount: 100_000}); err != nil {
		t.Fatal(err)
	}
	// 23:30 on 31 May in Moscow is 20:30 UTC: still May, so the measure ends on 1 May.
	m, err := e.MeasuredCRMROI(ctx, admin, goLive, time.Date(2026, 5, 31, 20, 30, 0, 0, time.UTC), msk)
	if err != nil || m == nil || m.From != goLive || m.To != (crm.Date{Year: 2026, Month: 5, Day: 1}) || m.Value == nil {
		t.Fatalf("measured: %+v %v", m, err)
	}
	rs, err := e.Compute(ctx, admin, Request{IDs: []string{"crm_roi"}, Period: Period{From: goLive, To: m.To, Loc: msk}})
	if err != nil || len(rs) != 1 || rs[0].Value == nil || *rs[0].Value != *m.Value {
		t.Errorf("measured %v, the crm_roi KPI over the window %+v %v", *m.Value, rs, err)
	}
	// 00:30 on 1 June in Moscow (21:30 UTC on 31 May): June, so to 1 June.
	m, _ = e.MeasuredCRMROI(ctx, admin, goLive, time.Date(2026, 5, 31, 21, 30, 0, 0, time.UTC), msk)
	if m == nil || m.To != (crm.Date{Year: 2026, Month: 6, Day: 1}) {
		t.Errorf("after midnight in Moscow: %+v", m)
	}
	// Go-live this month, or none: nothing measured yet.
	if m, _ := e.MeasuredCRMROI(ctx, admin, crm.Date{Year: 2026, Month: 5, Day: 3}, time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC), msk); m != nil {
		t.Errorf("go-live this month: %+v", m)
	}
	if m, _ := e.MeasuredCRMROI(ctx, admin, crm.Date{}, time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC), msk); m != nil {
		t.Errorf("no go-live: %+v", m)
	}
}
