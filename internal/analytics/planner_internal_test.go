package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/testkit"
)

// The measured crm_roi beside the plan: from go-live to the first day of today's month, in the
// account's zone; absent before a day of it has passed or without go-live. While no crm_roi KPI is
// registered, a stand-in with a known value takes its place for the test.
func TestMeasuredCRMROI(t *testing.T) {
	if Lookup("crm_roi") == nil {
		registry["crm_roi"] = &KPI{ID: "crm_roi", Unit: Percent, eval: func(facts) (*float64, *float64, *float64) { return ptr(42), ptr(84), ptr(200) }}
		defer delete(registry, "crm_roi")
	}
	db := testkit.OpenSQLite(t)
	svc, _ := testkit.Service(db)
	o := testkit.NewOrg(t, svc, "roi")
	e, ctx, admin := NewEngine(db), context.Background(), o.Actor(t, o.Admin)
	msk, _ := time.LoadLocation("Europe/Moscow")
	goLive := crm.Date{Year: 2026, Month: 2, Day: 10}
	// 23:30 on 31 May in Moscow is 20:30 UTC: still May, so the measure ends on 1 May.
	m, err := e.MeasuredCRMROI(ctx, admin, goLive, time.Date(2026, 5, 31, 20, 30, 0, 0, time.UTC), msk)
	if err != nil || m == nil || m.From != goLive || m.To != (crm.Date{Year: 2026, Month: 5, Day: 1}) || m.Value == nil {
		t.Fatalf("measured: %+v %v", m, err)
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
