package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func date(s string) crm.Date {
	d, err := crm.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestPaymentsAndReceivables(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		mgr := o.Actor(t, o.North1)
		deal, _ := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Тур", Amount: 300000})
		for _, p := range []*crm.PaymentPlan{{DealID: deal.ID, DueOn: date("2026-01-10"), Amount: 100000}, {DealID: deal.ID, DueOn: date("2026-02-10"), Amount: 200000}} {
			if err := svc.AddPaymentPlan(ctx, mgr, p); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, svc.AddPaymentPlan(ctx, mgr, &crm.PaymentPlan{DealID: deal.ID, DueOn: date("2026-03-01"), Amount: 0}), crm.EINVALID, "amount")
		wantCode(t, svc.AddPaymentPlan(ctx, o.Actor(t, o.North2), &crm.PaymentPlan{DealID: deal.ID, DueOn: date("2026-03-01"), Amount: 1}), crm.ENOTFOUND, "")
		inv := &crm.Invoice{DealID: deal.ID, Number: "СЧ-1", Amount: 100000}
		if err := svc.IssueInvoice(ctx, mgr, inv); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.IssueInvoice(ctx, mgr, &crm.Invoice{DealID: deal.ID, Number: "СЧ-1", Amount: 5}), crm.ECONFLICT, "number")
		pay := &crm.Payment{DealID: deal.ID, InvoiceID: inv.ID, Amount: 60000, Method: "card", PaidAt: time.Date(2026, 1, 12, 10, 0, 0, 0, time.UTC)}
		if err := svc.RecordPayment(ctx, mgr, pay); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.RecordPayment(ctx, mgr, &crm.Payment{DealID: deal.ID, Amount: -5}), crm.EINVALID, "amount")
		wantCode(t, svc.RecordPayment(ctx, mgr, &crm.Payment{DealID: deal.ID, Amount: 5, PaidAt: clock.Now().Add(time.Hour)}), crm.EINVALID, "paid_at")
		plans, _ := svc.PaymentPlans(ctx, mgr, deal.ID)
		l, _ := svc.Payments(ctx, mgr, crm.PaymentFilter{DealID: deal.ID}, crm.Page{})
		// On 15 Jan: 100000 was due on the 10th, 60000 paid → 40000 overdue; planned to date 100000.
		r := crm.ReceivablesOf(deal.ID, plans, l.Items, date("2026-01-15"), time.UTC)
		if r.PlannedToDate != 100000 || r.PaidToDate != 60000 || r.Overdue != 40000 {
			t.Errorf("receivable on 15 Jan: %+v", r)
		}
		// On 10 Feb the second payment is due today, not yet overdue.
		if r := crm.ReceivablesOf(deal.ID, plans, l.Items, date("2026-02-10"), time.UTC); r.PlannedToDate != 300000 || r.Overdue != 40000 {
			t.Errorf("receivable on 10 Feb: %+v", r)
		}
		if r := crm.ReceivablesOf(deal.ID, plans, l.Items, date("2026-02-11"), time.UTC); r.Overdue != 240000 {
			t.Errorf("receivable on 11 Feb: %+v", r)
		}
		var events int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE type = 'payment.received'`).Scan(&events)
		if events != 1 {
			t.Errorf("payment.received events: %d", events)
		}
		if l, _ := svc.Payments(ctx, o.Actor(t, o.North2), crm.PaymentFilter{}, crm.Page{}); len(l.Items) != 0 {
			t.Errorf("another manager sees %d payments", len(l.Items))
		}
		if err := svc.DeletePayment(ctx, mgr, pay.ID); err != nil {
			t.Fatal(err)
		}
		if l, _ := svc.Payments(ctx, mgr, crm.PaymentFilter{}, crm.Page{}); len(l.Items) != 0 {
			t.Errorf("a deleted payment is listed")
		}
	})
}

func TestComplaintsAndNPS(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		mgr := o.Actor(t, o.North1)
		anna, _, _ := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Анна"})
		c := &crm.Complaint{ContactID: anna.ID, Category: "качество", Text: "Отель не соответствует описанию"}
		if err := svc.RegisterComplaint(ctx, mgr, c); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.RegisterComplaint(ctx, mgr, &crm.Complaint{Text: "x"}), crm.EINVALID, "contact_id")
		wantCode(t, svc.RegisterComplaint(ctx, mgr, &crm.Complaint{ContactID: anna.ID, Text: " "}), crm.EINVALID, "text")
		clock.Advance(26 * time.Hour)
		got, err := svc.ResolveComplaint(ctx, mgr, c.ID, "Компенсация 10%")
		if err != nil || got.ResolvedAt.Sub(got.RegisteredAt) != 26*time.Hour {
			t.Fatalf("resolve: %+v %v", got, err)
		}
		if _, err := svc.Complaint(ctx, o.Actor(t, o.South1), c.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("south1 reads the complaint: %v", err)
		}
		for _, score := range []int{10, 9, 8, 6, 0} {
			if err := svc.RecordNPS(ctx, mgr, &crm.NPSAnswer{ContactID: anna.ID, Score: score}); err != nil {
				t.Fatal(err)
			}
		}
		for _, bad := range []int{-1, 11} {
			wantCode(t, svc.RecordNPS(ctx, mgr, &crm.NPSAnswer{ContactID: anna.ID, Score: bad}), crm.EINVALID, "score")
		}
		wantCode(t, svc.RecordNPS(ctx, mgr, &crm.NPSAnswer{ContactID: 999999, Score: 5}), crm.EINVALID, "contact_id")
		answers, _ := svc.NPSAnswers(ctx, mgr, time.Time{}, time.Time{})
		if len(answers) != 5 {
			t.Errorf("answers: %d", len(answers))
		}
		if answers, _ := svc.NPSAnswers(ctx, o.Actor(t, o.South1), time.Time{}, time.Time{}); len(answers) != 0 {
			t.Errorf("south1 sees %d answers of north1's contact", len(answers))
		}
	})
}

func TestSpendPlansAndCosts(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		admin, head, mgr := o.Actor(t, o.Admin), o.Actor(t, o.NorthHead), o.Actor(t, o.North1)
		ch, _ := svc.CreateChannel(ctx, admin, "Яндекс.Директ")
		e := &crm.SpendEntry{ChannelID: ch.ID, StartsOn: date("2026-01-20"), EndsOn: date("2026-02-09"), Amount: 31000}
		if err := svc.AddSpend(ctx, head, e); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.AddSpend(ctx, mgr, &crm.SpendEntry{ChannelID: ch.ID, StartsOn: date("2026-01-01"), EndsOn: date("2026-01-02")}), crm.EFORBIDDEN, "")
		wantCode(t, svc.AddSpend(ctx, head, &crm.SpendEntry{ChannelID: ch.ID, StartsOn: date("2026-01-05"), EndsOn: date("2026-01-02")}), crm.EINVALID, "ends_on")
		wantCode(t, svc.AddSpend(ctx, head, &crm.SpendEntry{ChannelID: 99999, StartsOn: date("2026-01-01"), EndsOn: date("2026-01-02")}), crm.EINVALID, "channel_id")
		feb, _ := svc.Spend(ctx, mgr, 0, date("2026-02-01"), date("2026-02-28"))
		if len(feb) != 1 || crm.ProRate(feb[0].Amount, feb[0].StartsOn, feb[0].EndsOn, date("2026-02-01"), date("2026-03-01")) != 13286 {
			t.Errorf("February spend: %+v", feb)
		}
		if none, _ := svc.Spend(ctx, mgr, 0, date("2026-03-01"), date("2026-03-31")); len(none) != 0 {
			t.Errorf("March spend: %d entries", len(none))
		}

		month := date("2026-03-01")
		err := svc.SetSalesPlans(ctx, head, month, []*crm.SalesPlan{{Scope: "user", ScopeID: o.North1.ID, Revenue: 1000000, WonDeals: 5}, {Scope: "team", ScopeID: o.North.ID, Revenue: 3000000}})
		if err != nil {
			t.Fatal(err)
		}
		err = svc.SetSalesPlans(ctx, head, month, []*crm.SalesPlan{{Scope: "user", ScopeID: o.South1.ID, Revenue: 1}})
		wantCode(t, err, crm.EINVALID, "plans[0].scope_id")
		if err := svc.SetSalesPlans(ctx, admin, month, []*crm.SalesPlan{{Scope: "account", Revenue: 9000000}, {Scope: "user", ScopeID: o.North1.ID, Revenue: 1200000, WonDeals: 6}}); err != nil {
			t.Fatal(err)
		}
		plans, _ := svc.SalesPlans(ctx, mgr, date("2026-03-15"))
		var mine int64
		for _, p := range plans {
			if p.Scope == "user" && p.ScopeID == o.North1.ID {
				mine = p.Revenue
			}
		}
		if len(plans) != 3 || mine != 1200000 {
			t.Errorf("north1's plans: %d plans, own revenue %d", len(plans), mine)
		}

		if err := svc.AddCost(ctx, admin, &crm.CRMCost{Category: "licence", IncurredOn: date("2026-01-01"), Recurrence: "monthly", Amount: 1500000}); err != nil {
			t.Fatal(err)
		}
		if err := svc.AddCost(ctx, admin, &crm.CRMCost{Category: "implementation", IncurredOn: date("2026-01-15"), Amount: 50000000, Acquisition: false}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.AddCost(ctx, admin, &crm.CRMCost{Category: "beer", IncurredOn: date("2026-01-01"), Amount: 1}), crm.EINVALID, "category")
		wantCode(t, svc.AddCost(ctx, admin, &crm.CRMCost{Category: "other", IncurredOn: date("2026-01-01"), EndsOn: date("2026-02-01"), Amount: 1}), crm.EINVALID, "ends_on")
		wantCode(t, svc.AddCost(ctx, head, &crm.CRMCost{Category: "other", IncurredOn: date("2026-01-01"), Amount: 1}), crm.EFORBIDDEN, "")
		_, err = svc.Costs(ctx, mgr)
		wantCode(t, err, crm.EFORBIDDEN, "")
		costs, _ := svc.Costs(ctx, head)
		if got := crm.CostsUpTo(costs, date("2026-03-31")); got != 3*1500000+50000000 {
			t.Errorf("TCO through March: %d", got)
		}
	})
}
