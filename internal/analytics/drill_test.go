package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// notListed are the parts of KPIs with no records behind them, and why.
var notListed = map[string]string{
	"crm_adoption|numerator":             "active manager-days",
	"crm_adoption|denominator":           "manager working days",
	"productivity|denominator":           "manager-months",
	"productivity_won_deals|denominator": "manager-months",
	"plan_fact_revenue|denominator":      "a plan",
	"plan_fact_margin|denominator":       "a plan",
	"clv|numerator":                      "margin per customer",
	"clv|denominator":                    "a churn rate",
	"crm_roi|numerator":                  "incremental margin − TCO",
	"payback_month|numerator":            "incremental margin at the payback month",
	"payback_month|denominator":          "TCO at the payback month",
}

// closeTo compares a sum of records with a figure, to the float error of adding fractions.
func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// On a demo account, for an administrator and a manager and under several filters, every part of
// every KPI that has a figure lists exactly its records: as many as the figure for a count, values
// that add up to it for a sum; the few parts that are no records (a plan, manager-months) say so.
func TestEveryFigureListsItsRecords(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := testkit.Demo(t, db, 400)
		svc, res, admin := acc.Svc, acc.Res, acc.Admin
		users, _ := svc.Users(ctx, admin, crm.UserFilter{})
		var manager *crm.Actor
		for _, u := range users {
			if u.Role == crm.RoleManager && u.Active && manager == nil {
				manager, _ = svc.ActorFor(ctx, res.Account.ID, u.ID)
			}
		}
		eng := analytics.NewEngine(db)
		periods := []analytics.Period{
			{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}, Loc: msk},
			{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk},
		}
		filters := []analytics.Filter{{}, {ManagerID: manager.UserID}, {ClientType: analytics.ClientExisting}, {ChannelID: 1},
			{PipelineID: 1}, {ProductID: 1}, {Region: "Москва"}}
		checked, listed := 0, map[string]bool{}
		for pi, period := range periods {
			for _, who := range []*crm.Actor{admin, manager} {
				for _, flt := range filters {
					if pi > 0 && flt != (analytics.Filter{}) && flt.ManagerID == 0 {
						continue
					}
					rs, err := eng.Compute(ctx, who, analytics.Request{IDs: analytics.IDs(), Period: period, Filter: flt})
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range rs {
						for _, part := range []string{"numerator", "denominator"} {
							figure := r.Numerator
							if part == "denominator" {
								figure = r.Denominator
							}
							if figure == nil {
								continue
							}
							where := r.KPI + " " + part + " as " + string(who.Role) + " " + period.From.String()
							d, err := eng.Records(ctx, who, analytics.DrillRequest{KPI: r.KPI, Part: part, Period: period, Filter: flt, Limit: 3})
							if _, skip := notListed[r.KPI+"|"+part]; skip {
								var e *crm.Error
								if err == nil || !errors.As(err, &e) || e.Code != crm.EINVALID {
									t.Errorf("%s: not a list of records, yet answered %v", where, err)
								}
								continue
							}
							if err != nil {
								t.Errorf("%s, filter %+v: %v", where, flt, err)
								continue
							}
							checked++
							listed[r.KPI+"|"+part] = true
							switch {
							case r.KPI == "romi" && part == "numerator":
								// The gain: the margin of the won deals listed less the spend (the denominator).
								if r.Denominator == nil || d.Sum == nil || !closeTo(*d.Sum-*r.Denominator, *figure) {
									t.Errorf("%s, filter %+v: margin %v − spend %v ≠ %v", where, flt, show(d.Sum), show(r.Denominator), *figure)
								}
							case d.Measure == "":
								if float64(d.Total) != *figure {
									t.Errorf("%s, filter %+v: figure %v, %d records", where, flt, *figure, d.Total)
								}
							default:
								if d.Sum == nil || !closeTo(*d.Sum, *figure) {
									t.Errorf("%s, filter %+v: figure %v, its %d records sum to %v", where, flt, *figure, d.Total, show(d.Sum))
								}
							}
							if want := min(3, d.Total); len(d.Records) != want {
								t.Errorf("%s: a page of %d records of %d", where, len(d.Records), d.Total)
							}
							for _, x := range d.Records {
								if x.Kind != d.Kind && !(d.Kind == analytics.KindClient && (x.Kind == analytics.KindContact || x.Kind == analytics.KindCompany)) &&
									!(d.Kind == analytics.KindAcquisition && (x.Kind == analytics.KindSpend || x.Kind == analytics.KindCost)) {
									t.Errorf("%s: a %s record in a list of %s", where, x.Kind, d.Kind)
								}
								if x.ID == 0 || x.Link == "" || x.At.IsZero() {
									t.Errorf("%s: record %+v lacks an id, link or time", where, x)
								}
								if who == manager && x.ResponsibleID != nil && *x.ResponsibleID != manager.UserID {
									t.Errorf("%s: the manager is shown a record of user %d", where, *x.ResponsibleID)
								}
							}
							if d.Kind == analytics.KindDeal && len(d.Deals) != len(d.Records) {
								t.Errorf("%s: %d deals, %d records", where, len(d.Deals), len(d.Records))
							}
						}
					}
				}
			}
		}
		// Every KPI with a countable part was listed at least once.
		for _, id := range analytics.IDs() {
			for _, part := range []string{"numerator", "denominator"} {
				n, dn := analytics.DrillParts(id)
				set := n
				if part == "denominator" {
					set = dn
				}
				if set != "" && !listed[id+"|"+part] {
					t.Errorf("%s %s (%s) was never checked against its figure", id, part, set)
				}
			}
		}
		t.Logf("%d lists checked against their figures", checked)
		// NPS answers by group: each count is its KPI's.
		period := periods[0]
		rs, err := eng.Compute(ctx, admin, analytics.Request{IDs: []string{"nps_promoters", "nps_passives", "nps_detractors"}, Period: period})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			group := map[string]string{"nps_promoters": "promoter", "nps_passives": "passive", "nps_detractors": "detractor"}[r.KPI]
			d, err := eng.Records(ctx, admin, analytics.DrillRequest{KPI: "nps", Part: "denominator", Group: group, Period: period, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if float64(d.Total) != *r.Value || d.Groups[group] != d.Total {
				t.Errorf("NPS answers of group %s: %d (groups %v), the KPI says %v", group, d.Total, d.Groups, *r.Value)
			}
		}
	})
}

// On a demo account, for every pipeline, an administrator and a manager, and with filters, each
// figure of the funnel drills into exactly as many deals: entry; per stage reached, dropped off
// after it and in it now; won, lost (by each reason), open, moved out.
func TestFunnelRecordsMatchTheFunnel(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := testkit.Demo(t, db, 400)
		svc, res, admin := acc.Svc, acc.Res, acc.Admin
		users, _ := svc.Users(ctx, admin, crm.UserFilter{})
		var manager *crm.Actor
		for _, u := range users {
			if u.Role == crm.RoleManager && u.Active && manager == nil {
				manager, _ = svc.ActorFor(ctx, res.Account.ID, u.ID)
			}
		}
		pipelines, _ := svc.Pipelines(ctx, admin, false)
		reasons, _ := svc.LossReasons(ctx, admin)
		reasonID := map[string]int64{"(none)": -1}
		for _, r := range reasons {
			reasonID[r.Name] = r.ID
		}
		eng := analytics.NewEngine(db)
		period := analytics.Period{From: crm.Date{Year: 2025, Month: 11, Day: 1}, To: crm.Date{Year: 2026, Month: 11, Day: 1}, Loc: msk}
		checked := 0
		for _, p := range pipelines {
			for _, who := range []*crm.Actor{admin, manager} {
				for _, flt := range []analytics.Filter{{}, {ChannelID: 1}, {ClientType: analytics.ClientNew}, {ProductID: 1}} {
					fn, err := eng.Funnel(ctx, who, analytics.FunnelRequest{PipelineID: p.ID, Period: period, Filter: flt})
					if err != nil {
						t.Fatal(err)
					}
					count := func(part string, stage, reason int64) int {
						t.Helper()
						d, err := eng.FunnelRecords(ctx, who, analytics.FunnelRecordsRequest{PipelineID: p.ID, Period: period, Filter: flt,
							Part: part, StageID: stage, LossReasonID: reason, Limit: 2})
						if err != nil {
							t.Fatalf("%s %s: %v", p.Name, part, err)
						}
						if len(d.Records) != min(2, d.Total) || len(d.Deals) != len(d.Records) {
							t.Errorf("%s %s: a page of %d records, %d deals, of %d", p.Name, part, len(d.Records), len(d.Deals), d.Total)
						}
						for _, x := range d.Deals {
							if who == manager && x.ResponsibleID != manager.UserID {
								t.Errorf("%s %s: the manager is shown deal %d of user %d", p.Name, part, x.ID, x.ResponsibleID)
							}
						}
						checked++
						return d.Total
					}
					tot := fn.Total
					where := fmt.Sprintf("%s as %s, filter %+v", p.Name, who.Role, flt)
					for part, want := range map[string]int64{analytics.FunnelEntry: tot.Entry, analytics.FunnelWon: tot.Won,
						analytics.FunnelLost: tot.Lost, analytics.FunnelOpen: tot.Open, analytics.FunnelMovedOut: tot.MovedOut} {
						if got := count(part, 0, 0); int64(got) != want {
							t.Errorf("%s: %s lists %d deals, the funnel says %d", where, part, got, want)
						}
					}
					for _, r := range tot.LostByReason {
						if got := count(analytics.FunnelLost, 0, reasonID[r.Reason]); int64(got) != r.Count {
							t.Errorf("%s: lost for %q lists %d deals, the funnel says %d", where, r.Reason, got, r.Count)
						}
					}
					for _, st := range tot.Stages {
						for part, want := range map[string]int64{analytics.FunnelReached: st.Reached, analytics.FunnelDropOff: st.DropOff,
							analytics.FunnelInStage: st.InStageNow} {
							if got := count(part, st.StageID, 0); int64(got) != want {
								t.Errorf("%s: stage %s %s lists %d deals, the funnel says %d", where, st.Name, part, got, want)
							}
						}
					}
				}
			}
		}
		t.Logf("%d funnel lists checked", checked)
		if _, err := eng.FunnelRecords(ctx, admin, analytics.FunnelRecordsRequest{Period: period, Part: analytics.FunnelReached}); err == nil {
			t.Error("reached without a stage was answered")
		}
		if _, err := eng.FunnelRecords(ctx, admin, analytics.FunnelRecordsRequest{Period: period, Part: "churned"}); err == nil {
			t.Error("an unknown part was answered")
		}
	})
}

// The records behind payment and NPS figures, by hand on the payments fixture (payments_test.go),
// March 2026 in Moscow, with two NPS answers added: Альфа 9 on 5 March about deal A (north1's),
// Иван из Беты 3 on 6 March about no deal (his contact's responsible's: the administrator's).
func TestDrillRecordContent(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx, deals := paymentsFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		contacts, err := fx.svc.Contacts(fx.ctx, admin, crm.ContactFilter{}, crm.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range contacts.Items {
			a := &crm.NPSAnswer{ContactID: c.ID, Score: 9, AnsweredAt: time.Date(2026, 3, 5, 12, 0, 0, 0, msk), DealID: deals["A"]}
			if c.Name != "Альфа" {
				a = &crm.NPSAnswer{ContactID: c.ID, Score: 3, AnsweredAt: time.Date(2026, 3, 6, 12, 0, 0, 0, msk)}
			}
			if err := fx.svc.RecordNPS(fx.ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		march := analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}
		drill := func(who *crm.Actor, kpi, part, group string) *analytics.Drill {
			t.Helper()
			d, err := fx.eng.Records(fx.ctx, who, analytics.DrillRequest{KPI: kpi, Part: part, Group: group, Period: march})
			if err != nil {
				t.Fatalf("%s %s: %v", kpi, part, err)
			}
			return d
		}
		type row struct {
			kind          string
			deal          int64
			amount, value float64
			at            string
			who           string
		}
		rows := func(d *analytics.Drill) []row {
			var out []row
			for _, x := range d.Records {
				r := row{kind: x.Kind, at: x.At.In(msk).Format("2006-01-02 15:04"), who: x.Responsible}
				if x.DealID != nil {
					r.deal = *x.DealID
				}
				if x.Amount != nil {
					r.amount = float64(*x.Amount)
				}
				if x.Value != nil {
					r.value = *x.Value
				}
				out = append(out, r)
			}
			return out
		}
		check := func(what string, d *analytics.Drill, sum float64, want []row) {
			t.Helper()
			got := rows(d)
			if d.Total != len(want) || fmt.Sprint(got) != fmt.Sprint(want) || (d.Measure != "" && (d.Sum == nil || *d.Sum != sum)) {
				t.Errorf("%s: %d records %v, sum %s; want %v, sum %v", what, d.Total, got, show(d.Sum), want, sum)
			}
		}
		// Received in March: A's 60,000 at 23:30 on the 31st, C's 5,000 (lost, still received); not
		// A's deleted 1,000 nor the deleted deal D's 999.
		check("payments_fact", drill(admin, "payments_fact", "", ""), 65_000, []row{
			{"payment", deals["A"], 60_000, 60_000, "2026-03-31 23:30", "north1"},
			{"payment", deals["C"], 5_000, 5_000, "2026-03-10 12:00", "north1"},
		})
		// Due in March: B's 31 March 50,000 and A's 10 March 100,000 (C is lost: not owed).
		check("payments_plan", drill(admin, "payments_plan", "", ""), 150_000, []row{
			{"scheduled_payment", deals["B"], 50_000, 50_000, "2026-03-31 00:00", "south1"},
			{"scheduled_payment", deals["A"], 100_000, 100_000, "2026-03-10 00:00", "north1"},
		})
		// Overdue at 1 April: B's 31 March unpaid, and 40,000 of A's 10 March (A's 160,000 received
		// cover February's 100,000 first); the deals in arrears are A and B.
		check("overdue_receivables", drill(admin, "overdue_receivables", "", ""), 90_000, []row{
			{"scheduled_payment", deals["B"], 50_000, 50_000, "2026-03-31 00:00", "south1"},
			{"scheduled_payment", deals["A"], 100_000, 40_000, "2026-03-10 00:00", "north1"},
		})
		if d := drill(admin, "overdue_receivables", "denominator", ""); d.Total != 2 || d.Deals[0].ID != deals["B"] && d.Deals[1].ID != deals["B"] {
			t.Errorf("deals in arrears: %+v", d.Deals)
		}
		// south1 sees B's only.
		check("south1's overdue", drill(fx.org.Actor(t, fx.org.South1), "overdue_receivables", "", ""), 50_000, []row{
			{"scheduled_payment", deals["B"], 50_000, 50_000, "2026-03-31 00:00", "south1"},
		})
		// NPS: a promoter (+1) and a detractor (−1) make 0 points of 2 answers.
		d := drill(admin, "nps", "", "")
		check("nps", d, 0, []row{
			{"nps_answer", 0, 0, -1, "2026-03-06 12:00", "Admin pay"},
			{"nps_answer", deals["A"], 0, 1, "2026-03-05 12:00", "north1"},
		})
		if d.Groups["promoter"] != 1 || d.Groups["detractor"] != 1 || d.Records[1].Group != "promoter" || *d.Records[1].Score != 9 || d.Records[1].Title != "Альфа" {
			t.Errorf("nps answers: groups %v, %+v", d.Groups, d.Records)
		}
		if d := drill(fx.org.Actor(t, fx.org.North1), "nps_promoters", "denominator", ""); d.Total != 1 || d.Records[0].Link == "" {
			t.Errorf("north1's answers: %+v", d.Records)
		}
		if d := drill(admin, "nps", "denominator", "detractor"); d.Total != 1 || d.Records[0].Group != "detractor" {
			t.Errorf("detractors: %+v", d.Records)
		}
	})
}
