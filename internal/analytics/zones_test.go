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

// Day and month buckets are the account's calendar: in New York across both daylight-saving
// changes of 2026 (8 March, a 23-hour day; 1 November, a 25-hour day whose 01:30 happens twice),
// and in Kolkata at +05:30, where 00:15 on 1 April is still 31 March in UTC.
func TestBucketsInNewYorkAndKolkata(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		o := testkit.NewOrg(t, svc, "zones")
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		ny, _ := time.LoadLocation("America/New_York")
		kol, _ := time.LoadLocation("Asia/Kolkata")
		mk := func(at time.Time) {
			t.Helper()
			if _, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "lead", ResponsibleID: o.North1.ID, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		// New York, spring: 23:30 on 7 March (EST), 00:30 and 03:30 on 8 March (EST, then EDT: 02:00
		// does not exist), 00:10 on 9 March (EDT).
		mk(time.Date(2026, 3, 7, 23, 30, 0, 0, ny))
		mk(time.Date(2026, 3, 8, 0, 30, 0, 0, ny))
		mk(time.Date(2026, 3, 8, 3, 30, 0, 0, ny))
		mk(time.Date(2026, 3, 9, 0, 10, 0, 0, ny))
		// New York, autumn: 01:30 EDT and 01:30 EST on 1 November (05:30 and 06:30 UTC), and 23:59
		// EST on 1 November (04:59 UTC on 2 November).
		mk(time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC))
		mk(time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC))
		mk(time.Date(2026, 11, 1, 23, 59, 0, 0, ny))
		// Kolkata: 23:45 on 31 May and 00:15 on 1 June (18:45 UTC on 31 May).
		mk(time.Date(2026, 5, 31, 23, 45, 0, 0, kol))
		mk(time.Date(2026, 6, 1, 0, 15, 0, 0, kol))

		fx := &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}
		days := func(from, to crm.Date, loc *time.Location) map[string]analytics.Result {
			return fx.compute(t, admin, analytics.Request{IDs: []string{"leads"}, Period: analytics.Period{From: from, To: to, Loc: loc}, Bucket: analytics.Day})
		}
		spring := days(crm.Date{Year: 2026, Month: 3, Day: 7}, crm.Date{Year: 2026, Month: 3, Day: 10}, ny)
		expect(t, spring, "leads|2026-03-07", f(1), nil, nil)
		expect(t, spring, "leads|2026-03-08", f(2), nil, nil)
		expect(t, spring, "leads|2026-03-09", f(1), nil, nil)
		autumn := days(crm.Date{Year: 2026, Month: 10, Day: 31}, crm.Date{Year: 2026, Month: 11, Day: 3}, ny)
		expect(t, autumn, "leads|2026-10-31", f(0), nil, nil)
		expect(t, autumn, "leads|2026-11-01", f(3), nil, nil)
		expect(t, autumn, "leads|2026-11-02", f(0), nil, nil)
		months := fx.compute(t, admin, analytics.Request{IDs: []string{"leads"}, Bucket: analytics.Month,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 5, Day: 1}, To: crm.Date{Year: 2026, Month: 7, Day: 1}, Loc: kol}})
		expect(t, months, "leads|2026-05", f(1), nil, nil)
		expect(t, months, "leads|2026-06", f(1), nil, nil)
		// The same two leads in UTC months both fall in May.
		utc := fx.compute(t, admin, analytics.Request{IDs: []string{"leads"}, Bucket: analytics.Month,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 5, Day: 1}, To: crm.Date{Year: 2026, Month: 7, Day: 1}, Loc: time.UTC}})
		expect(t, utc, "leads|2026-05", f(2), nil, nil)
	})
}
