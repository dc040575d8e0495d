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

// paymentsFixture, January – April 2026 in Moscow, computed by hand:
//
//	deal A (north1, won, contact Альфа): due 10 Feb, 10 Mar, 10 Apr 100,000 each; paid 5 Feb 100,000,
//	  31 Mar 23:30 MSK 60,000 (March), 1 Apr 00:30 MSK 40,000 (April in Moscow, 31 March in UTC),
//	  and 1,000 on 20 Mar entered by mistake and deleted.
//	deal B (south1, won, company Бета): due 31 Mar 50,000 and 15 Apr 70,000 (and 1 Mar 777 removed);
//	  paid 20 Apr 20,000.
//	deal C (north1, lost): due 20 Mar 30,000, never paid — a lost deal owes nothing; yet 5,000 was
//	  received on 10 Mar, and money received is money received.
//	deal D (north1, deleted): due and paid 999 on 15 Mar — counts nowhere.
func paymentsFixture(t *testing.T, db *store.DB) (*salesFixture, map[string]int64) {
	t.Helper()
	svc, clock := testkit.Service(db)
	clock.T = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	o := testkit.NewOrg(t, svc, "pay")
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	st := ps[0].Stages
	won, lost := st[len(st)-2], st[len(st)-1]
	alpha, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: "Альфа"})
	if err != nil {
		t.Fatal(err)
	}
	betaContact, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: "Иван из Беты"})
	if err != nil {
		t.Fatal(err)
	}
	beta := &crm.Company{Name: "Бета"}
	if _, err := svc.CreateCompany(ctx, admin, beta); err != nil {
		t.Fatal(err)
	}
	jan := time.Date(2026, 1, 15, 12, 0, 0, 0, msk)
	deal := func(name string, who *crm.User, stage *crm.Stage, contact, company int64) int64 {
		t.Helper()
		d, err := svc.CreateDeal(ctx, admin, crm.DealCreate{Name: name, ResponsibleID: who.ID, StageID: stage.ID, CreatedAt: jan,
			ClosedAt: jan.AddDate(0, 0, 1), Amount: 300_000, ContactID: contact, CompanyID: company})
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	due := func(dealID int64, m time.Month, d int, amount int64) int64 {
		t.Helper()
		p := &crm.PaymentPlan{DealID: dealID, DueOn: crm.Date{Year: 2026, Month: m, Day: d}, Amount: amount}
		if err := svc.AddPaymentPlan(ctx, admin, p); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	pay := func(dealID int64, at time.Time, amount int64) int64 {
		t.Helper()
		p := &crm.Payment{DealID: dealID, PaidAt: at, Amount: amount}
		if err := svc.RecordPayment(ctx, admin, p); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	noon := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, msk) }
	a := deal("A", o.North1, won, alpha.ID, 0)
	due(a, 2, 10, 100_000)
	due(a, 3, 10, 100_000)
	due(a, 4, 10, 100_000)
	pay(a, noon(2, 5), 100_000)
	pay(a, time.Date(2026, 3, 31, 23, 30, 0, 0, msk), 60_000)
	pay(a, time.Date(2026, 4, 1, 0, 30, 0, 0, msk), 40_000)
	if err := svc.DeletePayment(ctx, admin, pay(a, noon(3, 20), 1_000)); err != nil {
		t.Fatal(err)
	}
	b := deal("B", o.South1, won, betaContact.ID, beta.ID)
	due(b, 3, 31, 50_000)
	due(b, 4, 15, 70_000)
	if err := svc.RemovePaymentPlan(ctx, admin, due(b, 3, 1, 777)); err != nil {
		t.Fatal(err)
	}
	pay(b, noon(4, 20), 20_000)
	c := deal("C", o.North1, lost, 0, 0)
	due(c, 3, 20, 30_000)
	pay(c, noon(3, 10), 5_000)
	d := deal("D", o.North1, won, 0, 0)
	due(d, 3, 15, 999)
	pay(d, noon(3, 15), 999)
	if err := svc.DeleteDeal(ctx, admin, d); err != nil {
		t.Fatal(err)
	}
	return &salesFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx}, map[string]int64{"A": a, "B": b, "C": c}
}

func TestPaymentKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx, _ := paymentsFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		ids := []string{"payments_fact", "payments_plan", "payment_plan_fact", "overdue_receivables"}
		period := analytics.Period{From: crm.Date{Year: 2026, Month: 1, Day: 1}, To: crm.Date{Year: 2026, Month: 5, Day: 1}, Loc: msk}
		got := fx.compute(t, admin, analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month})

		// January: nothing due, nothing paid: the ratio does not exist.
		expect(t, got, "payments_fact|2026-01", f(0), nil, nil)
		expect(t, got, "payments_plan|2026-01", f(0), nil, nil)
		expect(t, got, "payment_plan_fact|2026-01", nil, f(0), f(0))
		expect(t, got, "overdue_receivables|2026-01", f(0), f(0), f(0))
		// February: A's first 100,000 due and paid.
		expect(t, got, "payments_fact|2026-02", f(100_000), nil, nil)
		expect(t, got, "payments_plan|2026-02", f(100_000), nil, nil)
		expect(t, got, "payment_plan_fact|2026-02", f(100), f(100_000), f(100_000))
		expect(t, got, "overdue_receivables|2026-02", f(0), f(0), f(0))
		// March: paid A 60,000 (23:30 on the 31st, Moscow) + C 5,000; due A 100,000 + B 50,000 (C is
		// lost, D deleted, B's 777 removed, A's 1,000 payment deleted).
		expect(t, got, "payments_fact|2026-03", f(65_000), nil, nil)
		expect(t, got, "payments_plan|2026-03", f(150_000), nil, nil)
		expect(t, got, "payment_plan_fact|2026-03", f(100*65_000.0/150_000), f(65_000), f(150_000))
		// At 1 April 00:00 Moscow: A owes 200,000 − 160,000 = 40,000 (its 00:30 payment comes later);
		// B owes its 50,000 due on 31 March, the last day of the month.
		expect(t, got, "overdue_receivables|2026-03", f(90_000), f(90_000), f(2))
		// April: paid A 40,000 (00:30 on the 1st) + B 20,000; due A 100,000 + B 70,000. At 1 May:
		// A 300,000 − 200,000, B 120,000 − 20,000.
		expect(t, got, "payments_fact|2026-04", f(60_000), nil, nil)
		expect(t, got, "payments_plan|2026-04", f(170_000), nil, nil)
		expect(t, got, "payment_plan_fact|2026-04", f(100*60_000.0/170_000), f(60_000), f(170_000))
		expect(t, got, "overdue_receivables|2026-04", f(200_000), f(200_000), f(2))

		// The whole period in one bucket: the receivables are those at its end.
		all := fx.compute(t, admin, analytics.Request{IDs: ids, Period: period})
		expect(t, all, "payments_fact|2026-01-01..2026-05-01", f(225_000), nil, nil)
		expect(t, all, "payments_plan|2026-01-01..2026-05-01", f(420_000), nil, nil)
		expect(t, all, "overdue_receivables|2026-01-01..2026-05-01", f(200_000), f(200_000), f(2))

		// By manager: north1 has A and C, south1 has B.
		byMgr := fx.compute(t, admin, analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "payments_fact|2026-03|manager=north1", f(65_000), nil, nil)
		expect(t, byMgr, "payments_plan|2026-03|manager=north1", f(100_000), nil, nil)
		expect(t, byMgr, "payment_plan_fact|2026-03|manager=south1", f(0), f(0), f(50_000))
		expect(t, byMgr, "overdue_receivables|2026-03|manager=north1", f(40_000), f(40_000), f(1))
		expect(t, byMgr, "overdue_receivables|2026-03|manager=south1", f(50_000), f(50_000), f(1))

		// A manager sees their own deals only.
		mine := fx.compute(t, fx.org.Actor(t, fx.org.South1), analytics.Request{IDs: ids, Period: period, Bucket: analytics.Month})
		expect(t, mine, "payments_fact|2026-03", f(0), nil, nil)
		expect(t, mine, "payments_plan|2026-03", f(50_000), nil, nil)
		expect(t, mine, "overdue_receivables|2026-04", f(100_000), f(100_000), f(1))
		expect(t, mine, "payment_plan_fact|2026-04", f(100*20_000.0/70_000), f(20_000), f(70_000))
	})
}

func TestPaymentsReport(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx, deals := paymentsFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		type item struct {
			deal                int64
			client, due         string
			outstanding, amount float64
		}
		check := func(to crm.Date, want []item, wantFact, wantOverdue float64) {
			t.Helper()
			rep, err := fx.eng.Report(fx.ctx, admin, "payments", analytics.ReportRequest{
				Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: to, Loc: msk}})
			if err != nil {
				t.Fatal(err)
			}
			var got []item
			for _, r := range rep.Rows {
				switch r["section"] {
				case "plan_fact":
					if v := r["payments_fact"].(*float64); v == nil || *v != wantFact {
						t.Errorf("to %s: payments_fact %s, want %g", to, show(v), wantFact)
					}
					if v := r["overdue_receivables"].(*float64); v == nil || *v != wantOverdue {
						t.Errorf("to %s: overdue %s, want %g", to, show(v), wantOverdue)
					}
				case "overdue":
					got = append(got, item{r["deal_id"].(int64), r["client"].(string), r["due_on"].(string), r["outstanding"].(float64), r["scheduled"].(float64)})
				}
			}
			if len(got) != len(want) {
				t.Fatalf("to %s: overdue list %v, want %v", to, got, want)
			}
			var sum float64
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("to %s: overdue[%d] = %v, want %v", to, i, got[i], want[i])
				}
				sum += got[i].outstanding
			}
			// The list adds up to the figure.
			if sum != wantOverdue {
				t.Errorf("to %s: the list sums to %g, the figure is %g", to, sum, wantOverdue)
			}
		}
		// At 1 April 00:00 Moscow: A's March payment is 40,000 short (the 00:30 one is April's), B's
		// 31 March is not paid at all.
		check(crm.Date{Year: 2026, Month: 4, Day: 1}, []item{
			{deals["A"], "Альфа", "2026-03-10", 40_000, 100_000},
			{deals["B"], "Бета", "2026-03-31", 50_000, 50_000},
		}, 65_000, 90_000)
		// At 1 May: A's payments cover February and March, April is owed; B's 20,000 covers part of
		// 31 March (the oldest first).
		check(crm.Date{Year: 2026, Month: 5, Day: 1}, []item{
			{deals["B"], "Бета", "2026-03-31", 30_000, 50_000},
			{deals["A"], "Альфа", "2026-04-10", 100_000, 100_000},
			{deals["B"], "Бета", "2026-04-15", 70_000, 70_000},
		}, 125_000, 200_000)
	})
}
