package analytics_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/demo"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// customersFixture is an account with a purchase cycle W of 90 days and these clients (times in
// Moscow; the client of a deal is its company, else its main contact):
//
//	client            first manager, channel   won deals (margin, kopecks)
//	company A         north1, Ads              2025-11-10 (1,000,000); 2026-03-05 (amount 2,000,000, cost 500,000)
//	company G         north1, Ads              2025-12-01 (500,000)
//	contact F         north1, Ads              2026-01-10 (300,000); marked lost on 2026-02-20
//	contact B         south1, Seo              2026-01-31 23:30 (400,000); 2026-02-15 by north1 (600,000)
//	contact Anna      north1, —                2026-02-01 00:30 (700,000) — Anna also is the main contact of A's deals
//	company E         north2, Seo              2026-05-10 (800,000); a deleted won deal of 2026-04-20 (Ads)
//	contact H         south2, —                2025-06-10 (200,000); 2026-06-05 (900,000)
//	company D         south1                   its only won deal (2026-03-10) was reopened: not a customer
//	(no client)       north1                   a won deal of 2026-03-15: no client, in no customer figure
//
// Customers by their first won deal: A 2025-11, G 2025-12, F 2026-01, B 2026-01, Anna 2026-02,
// E 2026-05, H 2025-06. Second won deals: A 2026-03-05, B 2026-02-15, H 2026-06-05.
type customersFixture struct {
	org      *testkit.Org
	eng      *analytics.Engine
	ctx      context.Context
	ads, seo *crm.Channel
}

func newCustomersFixture(t *testing.T, db *store.DB) *customersFixture {
	t.Helper()
	svc, clock := testkit.Service(db)
	clock.T = time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
	o := testkit.NewOrg(t, svc, "cust")
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	settings := crm.DefaultAccountSettings()
	settings.PurchaseCycleDays = 90
	if _, err := svc.UpdateAccount(ctx, admin, crm.AccountUpdate{Settings: &settings}); err != nil {
		t.Fatal(err)
	}
	ads, err := svc.CreateChannel(ctx, admin, "Ads")
	if err != nil {
		t.Fatal(err)
	}
	seo, err := svc.CreateChannel(ctx, admin, "Seo")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	won, lost, first := p.Stages[len(p.Stages)-2], p.Stages[len(p.Stages)-1], p.Stages[0]
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, msk) }
	old := at(2025, 5, 15, 12, 0)
	company := func(name string, who *crm.User, created time.Time) *crm.Company {
		t.Helper()
		c := &crm.Company{Name: name, ResponsibleID: who.ID, CreatedAt: created}
		if _, err := svc.CreateCompany(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	contact := func(name string, who *crm.User, companyID, channelID int64, created time.Time) *crm.Contact {
		t.Helper()
		c, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: name, ResponsibleID: who.ID, CompanyID: companyID, ChannelID: channelID, CreatedAt: created})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	type client struct{ company, contact int64 }
	deal := func(cl client, who *crm.User, ch *crm.Channel, st *crm.Stage, closed time.Time, amount int64, items []crm.ItemInput) *crm.Deal {
		t.Helper()
		in := crm.DealCreate{Name: "deal", ResponsibleID: who.ID, CompanyID: cl.company, ContactID: cl.contact, StageID: st.ID,
			CreatedAt: closed.AddDate(0, 0, -2), ClosedAt: closed, Amount: amount, Items: items}
		if ch != nil {
			in.ChannelID = ch.ID
		}
		d, err := svc.CreateDeal(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	coA := company("A", o.North1, old)
	coG := company("G", o.North1, old)
	coD := company("D", o.South1, old)
	coE := company("E", o.North2, at(2026, 3, 31, 23, 30)) // March in Moscow
	anna := contact("Anna", o.North1, coA.ID, 0, old)
	cF := contact("F", o.North1, 0, ads.ID, at(2026, 1, 5, 10, 0))
	cB := contact("B", o.South1, 0, seo.ID, old)
	cH := contact("H", o.South2, 0, 0, old)
	// Prospects: one on 1 April 00:30 in Moscow (31 March in UTC), a company in April, and a deleted
	// contact that counts nowhere.
	contact("Zoya", o.North2, 0, 0, at(2026, 4, 1, 0, 30))
	company("Omega", o.South1, at(2026, 4, 10, 12, 0))
	gone := contact("Gone", o.North1, 0, 0, at(2026, 4, 12, 12, 0))
	if err := svc.DeleteContact(ctx, admin, gone.ID); err != nil {
		t.Fatal(err)
	}

	price, cost := int64(2_000_000), int64(500_000)
	deal(client{coA.ID, anna.ID}, o.North1, ads, won, at(2025, 11, 10, 12, 0), 1_000_000, nil)
	deal(client{coA.ID, anna.ID}, o.North1, ads, won, at(2026, 3, 5, 12, 0), 0, []crm.ItemInput{{Name: "Тур", Quantity: 1, Price: &price, Cost: &cost}})
	deal(client{coA.ID, anna.ID}, o.North1, ads, lost, at(2026, 2, 1, 12, 0), 111_100, nil)
	deal(client{coG.ID, 0}, o.North1, ads, won, at(2025, 12, 1, 10, 0), 500_000, nil)
	deal(client{0, cF.ID}, o.North1, ads, won, at(2026, 1, 10, 12, 0), 300_000, nil)
	deal(client{0, cB.ID}, o.South1, seo, won, at(2026, 1, 31, 23, 30), 400_000, nil)
	deal(client{0, cB.ID}, o.North1, seo, won, at(2026, 2, 15, 12, 0), 600_000, nil)
	deal(client{0, anna.ID}, o.North1, nil, won, at(2026, 2, 1, 0, 30), 700_000, nil)
	deal(client{coE.ID, 0}, o.North2, seo, won, at(2026, 5, 10, 12, 0), 800_000, nil)
	del := deal(client{coE.ID, 0}, o.North2, ads, won, at(2026, 4, 20, 12, 0), 9_900_000, nil)
	if err := svc.DeleteDeal(ctx, admin, del.ID); err != nil {
		t.Fatal(err)
	}
	deal(client{0, cH.ID}, o.South2, nil, won, at(2025, 6, 10, 12, 0), 200_000, nil)
	deal(client{0, cH.ID}, o.South2, nil, won, at(2026, 6, 5, 12, 0), 900_000, nil)
	re := deal(client{coD.ID, 0}, o.South1, ads, won, at(2026, 3, 10, 12, 0), 5_000_000, nil)
	if _, err := svc.UpdateDeal(ctx, admin, re.ID, crm.DealUpdate{StageID: &first.ID}); err != nil {
		t.Fatal(err)
	}
	deal(client{}, o.North1, ads, won, at(2026, 3, 15, 12, 0), 1_234_500, nil)
	churned := at(2026, 2, 20, 12, 0)
	if _, err := svc.UpdateContact(ctx, admin, cF.ID, crm.ContactUpdate{ChurnedAt: &churned}); err != nil {
		t.Fatal(err)
	}

	// Acquisition costs: Ads spends 3,100,000 in January; Seo 31,000 over 20 Jan – 9 Feb (17,714 in
	// January, 13,286 in February); a monthly acquisition cost of 1,000,000 from 15 January to
	// 10 March (each of January, February, March); a one-off acquisition cost of 250,000 on 31 May;
	// a licence of 5,000,000 in January that is not an acquisition cost.
	for _, e := range []*crm.SpendEntry{
		{ChannelID: ads.ID, StartsOn: crm.Date{Year: 2026, Month: 1, Day: 1}, EndsOn: crm.Date{Year: 2026, Month: 1, Day: 31}, Amount: 3_100_000},
		{ChannelID: seo.ID, StartsOn: crm.Date{Year: 2026, Month: 1, Day: 20}, EndsOn: crm.Date{Year: 2026, Month: 2, Day: 9}, Amount: 31_000},
	} {
		if err := svc.AddSpend(ctx, admin, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*crm.CRMCost{
		{Category: "admin_salary", IncurredOn: crm.Date{Year: 2026, Month: 1, Day: 15}, Recurrence: "monthly", EndsOn: crm.Date{Year: 2026, Month: 3, Day: 10}, Amount: 1_000_000, Acquisition: true},
		{Category: "other", IncurredOn: crm.Date{Year: 2026, Month: 5, Day: 31}, Amount: 250_000, Acquisition: true},
		{Category: "licence", IncurredOn: crm.Date{Year: 2026, Month: 1, Day: 10}, Amount: 5_000_000},
	} {
		if err := svc.AddCost(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
	}
	return &customersFixture{org: o, eng: analytics.NewEngine(db), ctx: ctx, ads: ads, seo: seo}
}

func (fx *customersFixture) compute(t *testing.T, actor *crm.Actor, req analytics.Request) map[string]analytics.Result {
	t.Helper()
	return (&salesFixture{eng: fx.eng, ctx: fx.ctx}).compute(t, actor, req)
}

func months(y1 int, m1 time.Month, y2 int, m2 time.Month) analytics.Period {
	return analytics.Period{From: crm.Date{Year: y1, Month: m1, Day: 1}, To: crm.Date{Year: y2, Month: m2, Day: 1}, Loc: msk}
}

var customerKPIs = []string{"customer_base", "new_customers", "base_growth", "repeat_purchase_rate", "churn_rate", "clv", "new_contacts"}

func TestCustomerBaseKPIs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newCustomersFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		h1 := months(2026, 1, 2026, 7)
		got := fx.compute(t, admin, analytics.Request{IDs: customerKPIs, Period: h1, Bucket: analytics.Month})
		// Customers at the end of each month: H, A, G before 2026; F and B (31 Jan 23:30 in Moscow)
		// join in January, Anna (1 Feb 00:30) in February, E in May (its deleted April deal does
		// not count); D, whose only won deal was reopened, and the deal with no client never do.
		for m, want := range []float64{5, 6, 6, 6, 7, 7} {
			expect(t, got, "customer_base|2026-0"+string(rune('1'+m)), f(want), nil, nil)
		}
		for m, want := range []float64{2, 1, 0, 0, 1, 0} {
			expect(t, got, "new_customers|2026-0"+string(rune('1'+m)), f(want), nil, nil)
		}
		// Growth: new / customers at the start (3, 5, 6, 6, 6, 7).
		expect(t, got, "base_growth|2026-01", f(200.0/3), f(2), f(3))
		expect(t, got, "base_growth|2026-02", f(20), f(1), f(5))
		expect(t, got, "base_growth|2026-03", f(0), f(0), f(6))
		expect(t, got, "base_growth|2026-05", f(100.0/6), f(1), f(6))
		// Repeat: B has two won deals from 15 Feb, A from 5 Mar, H from 5 Jun.
		expect(t, got, "repeat_purchase_rate|2026-01", f(0), f(0), f(5))
		expect(t, got, "repeat_purchase_rate|2026-02", f(100.0/6), f(1), f(6))
		expect(t, got, "repeat_purchase_rate|2026-03", f(200.0/6), f(2), f(6))
		expect(t, got, "repeat_purchase_rate|2026-06", f(300.0/7), f(3), f(7))

		// Before anyone bought: ratios over nothing are null. In June 2025 H is new, over a base of 0.
		early := fx.compute(t, admin, analytics.Request{IDs: customerKPIs, Period: months(2025, 5, 2025, 7), Bucket: analytics.Month})
		expect(t, early, "customer_base|2025-05", f(0), nil, nil)
		expect(t, early, "base_growth|2025-05", nil, f(0), f(0))
		expect(t, early, "repeat_purchase_rate|2025-05", nil, f(0), f(0))
		expect(t, early, "churn_rate|2025-05", nil, f(0), f(0))
		expect(t, early, "clv|2025-05", nil, nil, nil)
		expect(t, early, "new_customers|2025-06", f(1), nil, nil)
		expect(t, early, "base_growth|2025-06", nil, f(1), f(0))

		// The whole half-year as one bucket: 7 at the end; F, B, Anna, E new over H, A, G at the start.
		whole := fx.compute(t, admin, analytics.Request{IDs: customerKPIs, Period: h1})
		expect(t, whole, "customer_base|2026-01-01..2026-07-01", f(7), nil, nil)
		expect(t, whole, "base_growth|2026-01-01..2026-07-01", f(400.0/3), f(4), f(3))

		// By the first won deal's manager: the slices add up to the total; B is south1's although
		// north1 sold its second deal, so B's repeat purchase counts for south1.
		byMgr := fx.compute(t, admin, analytics.Request{IDs: customerKPIs, Period: h1, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByManager}})
		expect(t, byMgr, "customer_base|2026-06|manager=north1", f(4), nil, nil)
		expect(t, byMgr, "customer_base|2026-06|manager=south1", f(1), nil, nil)
		expect(t, byMgr, "customer_base|2026-06|manager=north2", f(1), nil, nil)
		expect(t, byMgr, "customer_base|2026-06|manager=south2", f(1), nil, nil)
		expect(t, byMgr, "repeat_purchase_rate|2026-06|manager=north1", f(25), f(1), f(4))
		expect(t, byMgr, "repeat_purchase_rate|2026-06|manager=south1", f(100), f(1), f(1))
		expect(t, byMgr, "new_contacts|2026-04|manager=north2", f(1), nil, nil)
		expect(t, byMgr, "new_contacts|2026-04|manager=south1", f(1), nil, nil)
		// By the first won deal's channel: E came from Seo (its deleted Ads deal does not count).
		byCh := fx.compute(t, admin, analytics.Request{IDs: []string{"new_customers"}, Period: h1, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByChannel}})
		expect(t, byCh, "new_customers|2026-01|channel=Ads", f(1), nil, nil)
		expect(t, byCh, "new_customers|2026-01|channel=Seo", f(1), nil, nil)
		expect(t, byCh, "new_customers|2026-02|channel=(none)", f(1), nil, nil)
		expect(t, byCh, "new_customers|2026-05|channel=Seo", f(1), nil, nil)
		if r, ok := byCh["new_customers|2026-05|channel=Ads"]; ok && *r.Value != 0 {
			t.Errorf("new_customers|2026-05|channel=Ads = %g, want none", *r.Value)
		}

		// A manager sees the customers they brought in: A, G, F, Anna for north1.
		mine := fx.compute(t, fx.org.Actor(t, fx.org.North1), analytics.Request{IDs: customerKPIs, Period: h1, Bucket: analytics.Month})
		expect(t, mine, "customer_base|2026-06", f(4), nil, nil)
		expect(t, mine, "new_customers|2026-01", f(1), nil, nil)
		expect(t, mine, "repeat_purchase_rate|2026-06", f(25), f(1), f(4))
		// Active on 1 Feb {A, G, F}, on 1 Mar {G, Anna}: A and F churned.
		expect(t, mine, "churn_rate|2026-02", f(200.0/3), f(2), f(3))
		// The South head: B (south1) and H (south2).
		south := fx.compute(t, fx.org.Actor(t, fx.org.SouthHead), analytics.Request{IDs: customerKPIs, Period: h1, Bucket: analytics.Month})
		expect(t, south, "customer_base|2026-06", f(2), nil, nil)
		// A filter applies to the first won deal too.
		only := fx.compute(t, admin, analytics.Request{IDs: customerKPIs, Period: h1, Bucket: analytics.Month, Filter: analytics.Filter{ChannelID: fx.ads.ID}})
		expect(t, only, "customer_base|2026-06", f(3), nil, nil)
	})
}

func TestChurnAndCLV(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newCustomersFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		got := fx.compute(t, admin, analytics.Request{IDs: customerKPIs, Period: months(2026, 1, 2026, 7), Bucket: analytics.Month})
		// Active at t: a won deal in [t − 90 days, t). The windows: 1 Jan [3 Oct, 1 Jan),
		// 1 Feb [3 Nov, 1 Feb), 1 Mar [1 Dec, 1 Mar), 1 Apr [1 Jan, 1 Apr), 1 May [31 Jan, 1 May),
		// 1 Jun [3 Mar, 1 Jun), 1 Jul [2 Apr, 1 Jul). Active: 1 Jan {A, G}; 1 Feb {A, G, F, B} (not
		// Anna, 1 Feb 00:30); 1 Mar {G, B, Anna} (F was marked lost on 20 Feb, with no purchase
		// since; G's deal of 1 Dec 10:00 is still in); 1 Apr {A, B, Anna}; 1 May {A, B, Anna}
		// (B's deal of 31 Jan 23:30 just in); 1 Jun {A, E}; 1 Jul {E, H}.
		expect(t, got, "churn_rate|2026-01", f(0), f(0), f(2))
		expect(t, got, "churn_rate|2026-02", f(50), f(2), f(4)) // A, and F by the mark (without it, 1 of 4)
		expect(t, got, "churn_rate|2026-03", f(100.0/3), f(1), f(3))
		expect(t, got, "churn_rate|2026-04", f(0), f(0), f(3))
		expect(t, got, "churn_rate|2026-05", f(200.0/3), f(2), f(3))
		expect(t, got, "churn_rate|2026-06", f(50), f(1), f(2))

		// CLV at the end of June 2026: the won deals of [1 Jul 2025, 1 Jul 2026) have a margin of
		// 1,000,000 + 1,500,000 + 500,000 + 300,000 + 400,000 + 600,000 + 700,000 + 800,000 + 900,000
		// = 6,700,000 over 7 customers (A, G, F, B, Anna, E, H). Active on 1 Jul 2025: {H}, still
		// active on 1 Jul 2026: annual churn 0, lifetime capped at 10 years (churn taken as 0.1).
		expect(t, got, "clv|2026-06", f(6_700_000.0/7/0.1), f(6_700_000.0/7), f(0.1))
		// January: nobody was active on 1 Feb 2025, so the annual churn does not exist: null, with
		// the margin per customer of [1 Feb 2025, 1 Feb 2026) as the numerator (H, A, G, F, B).
		expect(t, got, "clv|2026-01", nil, f((200_000.0+1_000_000+500_000+300_000+400_000)/5), nil)
		// December 2026: [1 Jan 2026, 1 Jan 2027) has 1,500,000 + 300,000 + 400,000 + 600,000 +
		// 700,000 + 800,000 + 900,000 = 5,200,000 over A, F, B, Anna, E, H; active on 1 Jan 2026
		// {A, G}, on 1 Jan 2027 nobody: annual churn 100 %, lifetime 1 year.
		dec := fx.compute(t, admin, analytics.Request{IDs: []string{"clv", "churn_rate"}, Period: months(2026, 12, 2027, 1), Bucket: analytics.Month})
		expect(t, dec, "clv|2026-12", f(5_200_000.0/6), f(5_200_000.0/6), f(1))
		// In December nobody is active at its start (1 Dec: [2 Sep, 1 Dec) is empty): null.
		expect(t, dec, "churn_rate|2026-12", nil, f(0), f(0))

		// A purchase cycle of 365 days (the default) keeps everyone of 2026 active through June.
		settings := crm.DefaultAccountSettings()
		svc, _ := testkit.Service(db)
		if _, err := svc.UpdateAccount(fx.ctx, admin, crm.AccountUpdate{Settings: &settings}); err != nil {
			t.Fatal(err)
		}
		year := fx.compute(t, admin, analytics.Request{IDs: []string{"churn_rate"}, Period: months(2026, 2, 2026, 3), Bucket: analytics.Month})
		// 1 Feb, [1 Feb 2025, 1 Feb 2026): {A, G, F, B, H}; 1 Mar, [1 Mar 2025, 1 Mar 2026): {A, G,
		// B, Anna, H} — F only by the mark.
		expect(t, year, "churn_rate|2026-02", f(20), f(1), f(5))
	})
}

func TestNewContacts(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newCustomersFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		req := analytics.Request{IDs: []string{"new_contacts"}, Period: months(2026, 1, 2026, 7), Bucket: analytics.Month}
		got := fx.compute(t, admin, req)
		// F in January; E (31 Mar 23:30 in Moscow) in March; Zoya (1 Apr 00:30) and Omega in April,
		// not the deleted contact.
		for m, want := range []float64{1, 0, 1, 2, 0, 0} {
			expect(t, got, "new_contacts|2026-0"+string(rune('1'+m)), f(want), nil, nil)
		}
		mine := fx.compute(t, fx.org.Actor(t, fx.org.North1), req)
		expect(t, mine, "new_contacts|2026-01", f(1), nil, nil)
		expect(t, mine, "new_contacts|2026-04", f(0), nil, nil)
		byCh := fx.compute(t, admin, analytics.Request{IDs: []string{"new_contacts"}, Period: months(2026, 1, 2026, 7), Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByChannel}})
		expect(t, byCh, "new_contacts|2026-01|channel=Ads", f(1), nil, nil)
		expect(t, byCh, "new_contacts|2026-04|channel=(none)", f(2), nil, nil)
		// Contacts have no pipeline: the figure does not exist for one.
		req.Filter = analytics.Filter{PipelineID: 1}
		none := fx.compute(t, admin, req)
		expect(t, none, "new_contacts|2026-01", nil, nil, nil)
	})
}

func TestCAC(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newCustomersFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		req := analytics.Request{IDs: []string{"cac"}, Period: months(2026, 1, 2026, 7), Bucket: analytics.Month}
		got := fx.compute(t, admin, req)
		// January: 3,100,000 + 17,714 spent + 1,000,000 monthly cost, over F and B.
		expect(t, got, "cac|2026-01", f(4_117_714.0/2), f(4_117_714), f(2))
		// February: 13,286 + 1,000,000 over Anna.
		expect(t, got, "cac|2026-02", f(1_013_286), f(1_013_286), f(1))
		// March: the monthly cost's last month, and nobody new: null.
		expect(t, got, "cac|2026-03", nil, f(1_000_000), f(0))
		expect(t, got, "cac|2026-04", nil, f(0), f(0))
		// May: the one-off 250,000 over E.
		expect(t, got, "cac|2026-05", f(250_000), f(250_000), f(1))
		// By channel: the channel's spend over the customers its first won deals brought.
		byCh := fx.compute(t, admin, analytics.Request{IDs: []string{"cac"}, Period: req.Period, Bucket: analytics.Month, By: []analytics.Dimension{analytics.ByChannel}})
		expect(t, byCh, "cac|2026-01|channel=Ads", f(3_100_000), f(3_100_000), f(1))
		expect(t, byCh, "cac|2026-01|channel=Seo", f(17_714), f(17_714), f(1))
		expect(t, byCh, "cac|2026-02|channel=Seo", nil, f(13_286), f(0))
		expect(t, byCh, "cac|2026-05|channel=Seo", f(0), f(0), f(1))
		expect(t, byCh, "cac|2026-01", f(4_117_714.0/2), f(4_117_714), f(2))
		// By day: the monthly cost is spread over 15–31 January (17 days): ⌊1,000,000 / 17⌋ on the
		// 15th, none on the 14th; Ads spends 100,000 a day.
		days := fx.compute(t, admin, analytics.Request{IDs: []string{"cac"}, Bucket: analytics.Day,
			Period: analytics.Period{From: crm.Date{Year: 2026, Month: 1, Day: 14}, To: crm.Date{Year: 2026, Month: 1, Day: 16}, Loc: msk}})
		expect(t, days, "cac|2026-01-14", nil, f(100_000), f(0))
		expect(t, days, "cac|2026-01-15", nil, f(100_000+58_823), f(0))
		// Account money: null for a manager and for a head.
		mine := fx.compute(t, fx.org.Actor(t, fx.org.North1), req)
		expect(t, mine, "cac|2026-01", nil, nil, nil)
		head := fx.compute(t, fx.org.Actor(t, fx.org.NorthHead), req)
		expect(t, head, "cac|2026-01", nil, nil, nil)
	})
}

func TestCustomerReports(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newCustomersFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		period := months(2026, 1, 2026, 7)
		rep, err := fx.eng.Report(fx.ctx, admin, "customers", analytics.ReportRequest{Period: period, Bucket: analytics.Month})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 6 {
			t.Fatalf("customers report: %d rows, want 6", len(rep.Rows))
		}
		if r := rep.Rows[1]; r["bucket"] != "2026-02" || *r["customer_base"].(*float64) != 6 || *r["churn_rate"].(*float64) != 50 {
			t.Errorf("customers report, February: %v", r)
		}

		co, err := fx.eng.Report(fx.ctx, admin, "customer_cohorts", analytics.ReportRequest{Period: period})
		if err != nil {
			t.Fatal(err)
		}
		// Cohorts: January {F, B}, February {Anna}, May {E}. B bought again in February (m1).
		want := map[string][]*float64{
			"2026-01": {f(100), f(50), f(0), f(0), f(0), f(0)},
			"2026-02": {f(100), f(0), f(0), f(0), f(0), nil},
			"2026-05": {f(100), f(0), nil, nil, nil, nil},
		}
		sizes := map[string]float64{"2026-01": 2, "2026-02": 1, "2026-05": 1}
		if len(co.Rows) != len(want) {
			t.Fatalf("cohorts: %d rows, want %d: %v", len(co.Rows), len(want), co.Rows)
		}
		for _, r := range co.Rows {
			label := r["cohort"].(string)
			if r["customers"] != sizes[label] {
				t.Errorf("cohort %s: %v customers, want %v", label, r["customers"], sizes[label])
			}
			for k, w := range want[label] {
				got := r["m"+string(rune('0'+k))].(*float64)
				if (got == nil) != (w == nil) || (got != nil && !near(*got, *w)) {
					t.Errorf("cohort %s m%d = %s, want %s", label, k, show(got), show(w))
				}
			}
		}
		// north1 sees F's cohort alone in January: F never bought again.
		mine, err := fx.eng.Report(fx.ctx, fx.org.Actor(t, fx.org.North1), "customer_cohorts", analytics.ReportRequest{Period: period})
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Rows) != 2 || mine.Rows[0]["customers"] != 1.0 || *mine.Rows[0]["m1"].(*float64) != 0 {
			t.Errorf("north1's cohorts: %v", mine.Rows)
		}
	})
}

// On the demo account, the customer base at the end of its history is the number of distinct
// clients (company, else main contact) of the live won deals, counted here in Go from the deals
// themselves; a manager's is the number of those whose first won deal is theirs; the new customers
// of every month since the history began add up to it.
func TestCustomerBaseOnDemo(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		res, err := demo.Generate(ctx, db, svc, demo.Options{Deals: 600, Seed: 3, Until: crm.Date{Year: 2026, Month: 10, Day: 15}, AdminPassword: "demo-password"})
		if err != nil {
			t.Fatal(err)
		}
		admin, err := svc.ActorFor(ctx, res.Account.ID, res.Admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.SQL().Query(`SELECT id, status, deleted_at IS NOT NULL, company_id, contact_id, responsible_id, closed_at
			FROM deals WHERE account_id = $1`, res.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		type first struct {
			at      time.Time
			id, who int64
		}
		firsts := map[string]first{}
		for rows.Next() {
			var id, who int64
			var status string
			var deleted bool
			var company, contact sql.NullInt64
			var closed sql.NullTime
			if err := rows.Scan(&id, &status, &deleted, &company, &contact, &who, &closed); err != nil {
				t.Fatal(err)
			}
			if status != "won" || deleted {
				continue
			}
			var key string
			switch {
			case company.Valid:
				key = fmt.Sprint("company ", company.Int64)
			case contact.Valid:
				key = fmt.Sprint("contact ", contact.Int64)
			default:
				continue
			}
			if f, ok := firsts[key]; !ok || closed.Time.Before(f.at) || (closed.Time.Equal(f.at) && id < f.id) {
				firsts[key] = first{at: closed.Time, id: id, who: who}
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(firsts) < 50 {
			t.Fatalf("only %d customers in the demo: too few to test anything", len(firsts))
		}
		perManager := map[int64]int{}
		for _, f := range firsts {
			perManager[f.who]++
		}

		period := analytics.Period{From: res.From, To: res.Until.AddDays(1), Loc: msk}
		rs, err := analytics.NewEngine(db).Compute(ctx, admin, analytics.Request{IDs: []string{"customer_base", "new_customers"}, Period: period, Bucket: analytics.Month})
		if err != nil {
			t.Fatal(err)
		}
		var base, newSum float64
		for _, r := range rs {
			switch r.KPI {
			case "customer_base":
				base = *r.Value // the last bucket's
			case "new_customers":
				newSum += *r.Value
			}
		}
		if base != float64(len(firsts)) {
			t.Errorf("customer_base at the end = %g, counted from the deals %d", base, len(firsts))
		}
		if newSum != float64(len(firsts)) {
			t.Errorf("new customers of every month add up to %g, want %d", newSum, len(firsts))
		}
		checked := 0
		for _, u := range res.Users {
			if u.Role != crm.RoleManager {
				continue
			}
			a, err := svc.ActorFor(ctx, res.Account.ID, u.ID)
			if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
				continue // the manager who left the demo company
			}
			if err != nil {
				t.Fatal(err)
			}
			checked++
			mine, err := analytics.NewEngine(db).Compute(ctx, a, analytics.Request{IDs: []string{"customer_base"}, Period: period})
			if err != nil {
				t.Fatal(err)
			}
			if got := *mine[0].Value; got != float64(perManager[u.ID]) {
				t.Errorf("%s: customer_base = %g, counted from the deals %d", u.Name, got, perManager[u.ID])
			}
		}
		if checked < 3 {
			t.Errorf("only %d managers checked", checked)
		}

		// Each customer belongs to one slice of every dimension (its first won deal's): the slices
		// add up to the totals; so do the new contacts (but for the pipeline, which they lack).
		for _, d := range []analytics.Dimension{analytics.ByManager, analytics.ByTeam, analytics.ByPipeline, analytics.ByChannel, analytics.ByRegion, analytics.BySegment} {
			rs, err := analytics.NewEngine(db).Compute(ctx, admin, analytics.Request{IDs: []string{"customer_base", "new_customers", "new_contacts"},
				Period: period, Bucket: analytics.Quarter, By: []analytics.Dimension{d}})
			if err != nil {
				t.Fatal(err)
			}
			total, sum := map[string]float64{}, map[string]float64{}
			for _, r := range rs {
				if r.Value == nil {
					continue
				}
				if len(r.Slice) == 0 {
					total[r.KPI+"|"+r.Bucket] = *r.Value
				} else {
					sum[r.KPI+"|"+r.Bucket] += *r.Value
				}
			}
			for k, v := range total {
				if strings.HasPrefix(k, "new_contacts|") && d == analytics.ByPipeline {
					continue
				}
				if sum[k] != v {
					t.Errorf("by %s: %s slices sum to %g, the total is %g", d, k, sum[k], v)
				}
			}
		}
	})
}
