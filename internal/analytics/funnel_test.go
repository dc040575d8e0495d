package analytics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// funnelFixture is March 2026 in the default pipeline «Продажи» (s1 Новая заявка, s2 Квалификация,
// s3 КП отправлено, s4 Переговоры, won, lost), day 0 being 2 March 09:00 Moscow. The paths, in
// days from day 0 ([a, b] = in the stage from day a to day b):
//
//	D1  north1 Сайт  Тур       company C1 (won in Feb: existing)  s1 [0,2] s2 [2,5] s3 [5,6] s4 [6,10] won
//	D2  north1 Сайт  Тур+Виза  company C2 (contact K2 won before, but the client is C2: new)
//	                                                  s1 [0,1] s3 [1,4] lost «Дорого» (s2 skipped)
//	D3  south1 Звонок          contact K2 (won in Feb: existing)  s1 [0,3] s2 [3,…) still there
//	D4  south1 Звонок  Виза    contact K3                         created in s2: s2 [0,2] won
//	D5  north2                 contact K3 (K3's win, D4, closes after D5 came in: new)
//	                                                  s1 [0,1] s2 [1,2] s1 [2,5] s2 [5,7] lost «Выбрали конкурента»
//	D6  north1 Сайт                                   s1 [0,1] won [1,3] reopened: s1 [3,…)
//	D7  south1                                        created lost, no reason
//	D8  north1   created in «Партнёры» on day 0, moved into s3 on day 2: s3 [2,6] s4 [6,9] won
//	D9  north1                                        s1 [0,1], moved to «Партнёры»
//	D14 north2   created 1 March 00:30 Moscow (28 Feb 21:30 UTC): March's; s1 [.., still there)
//
// Not in March's cohort: D10 (deleted), D0 (C1's win: created 1 Feb), D11 (created 25 Feb, moved
// in March), D12 (created in Продажи 20 Feb, moved out 22 Feb, back on day 1: its first entry is
// February's), D15 (28 Feb 23:30 Moscow), D00 (K2's win, in «Партнёры»).
type funnelFixture struct {
	org  *testkit.Org
	svc  *crm.Service
	eng  *analytics.Engine
	ctx  context.Context
	pipe *crm.Pipeline
	q    *crm.Pipeline // «Партнёры»
	site int64         // the channel Сайт
}

func newFunnelFixture(t *testing.T, db *store.DB) *funnelFixture {
	t.Helper()
	svc, clock := testkit.Service(db)
	clock.T = time.Date(2026, 3, 2, 9, 0, 0, 0, msk)
	o := testkit.NewOrg(t, svc, "funnel")
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	ps, err := svc.Pipelines(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	s1, s2, s3, s4, won, lost := p.Stages[0], p.Stages[1], p.Stages[2], p.Stages[3], p.Stages[4], p.Stages[5]
	q, err := svc.CreatePipeline(ctx, admin, "Партнёры", []crm.StageInput{{Name: "A", Kind: crm.StageOpen}, {Name: "W", Kind: crm.StageWon}, {Name: "L", Kind: crm.StageLost}})
	if err != nil {
		t.Fatal(err)
	}
	qa, qw := q.Stages[0], q.Stages[1]
	reasons, err := svc.LossReasons(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	reason := map[string]int64{}
	for _, r := range reasons {
		reason[r.Name] = r.ID
	}
	site, err := svc.CreateChannel(ctx, admin, "Сайт")
	if err != nil {
		t.Fatal(err)
	}
	call, err := svc.CreateChannel(ctx, admin, "Звонок")
	if err != nil {
		t.Fatal(err)
	}
	product := func(name string) int64 {
		pr := &crm.Product{Name: name, Price: 1_000_000, Active: true}
		if err := svc.CreateProduct(ctx, admin, pr); err != nil {
			t.Fatal(err)
		}
		return pr.ID
	}
	tour, visa := product("Тур"), product("Виза")
	company := func(name string) int64 {
		c := &crm.Company{Name: name}
		if _, err := svc.CreateCompany(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	contact := func(name string) int64 {
		c, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	c1, c2 := company("C1"), company("C2")
	k2, k3 := contact("K2"), contact("K3")
	deal := func(in crm.DealCreate) int64 {
		t.Helper()
		in.Name = fmt.Sprintf("deal %d", clock.T.UnixNano())
		d, err := svc.CreateDeal(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	move := func(id int64, st *crm.Stage, upd crm.DealUpdate) {
		t.Helper()
		upd.StageID, upd.PipelineID = &st.ID, &st.PipelineID
		if _, err := svc.UpdateDeal(ctx, admin, id, upd); err != nil {
			t.Fatal(err)
		}
	}
	items := func(ids ...int64) []crm.ItemInput {
		var out []crm.ItemInput
		for _, id := range ids {
			out = append(out, crm.ItemInput{ProductID: id, Quantity: 1})
		}
		return out
	}
	feb := func(day, hour, minute int) time.Time { return time.Date(2026, 2, day, hour, minute, 0, 0, msk) }

	// History before March.
	deal(crm.DealCreate{ResponsibleID: o.North1.ID, CompanyID: c1, StageID: won.ID, CreatedAt: feb(1, 10, 0), ClosedAt: feb(10, 10, 0)})                 // D0
	deal(crm.DealCreate{ResponsibleID: o.South1.ID, ContactID: k2, PipelineID: q.ID, StageID: qw.ID, CreatedAt: feb(2, 10, 0), ClosedAt: feb(5, 10, 0)}) // D00
	d11 := deal(crm.DealCreate{ResponsibleID: o.North1.ID, StageID: s1.ID, CreatedAt: feb(25, 10, 0)})
	d12 := deal(crm.DealCreate{ResponsibleID: o.North1.ID, CreatedAt: feb(20, 10, 0), StageHistory: []crm.StageStep{
		{StageID: s1.ID, At: feb(20, 10, 0)}, {PipelineID: q.ID, StageID: qa.ID, At: feb(22, 10, 0)}}})
	deal(crm.DealCreate{ResponsibleID: o.North2.ID, StageID: s1.ID, CreatedAt: feb(28, 23, 30)})                         // D15
	deal(crm.DealCreate{ResponsibleID: o.North2.ID, StageID: s1.ID, CreatedAt: time.Date(2026, 3, 1, 0, 30, 0, 0, msk)}) // D14

	// Day 0.
	d1 := deal(crm.DealCreate{ResponsibleID: o.North1.ID, ChannelID: site.ID, CompanyID: c1, StageID: s1.ID, Items: items(tour)})
	d2 := deal(crm.DealCreate{ResponsibleID: o.North1.ID, ChannelID: site.ID, CompanyID: c2, ContactID: k2, StageID: s1.ID, Items: items(tour, visa)})
	d3 := deal(crm.DealCreate{ResponsibleID: o.South1.ID, ChannelID: call.ID, ContactID: k2, StageID: s1.ID})
	d4 := deal(crm.DealCreate{ResponsibleID: o.South1.ID, ChannelID: call.ID, ContactID: k3, StageID: s2.ID, Items: items(visa)})
	d5 := deal(crm.DealCreate{ResponsibleID: o.North2.ID, ContactID: k3, StageID: s1.ID})
	d6 := deal(crm.DealCreate{ResponsibleID: o.North1.ID, ChannelID: site.ID, StageID: s1.ID})
	deal(crm.DealCreate{ResponsibleID: o.South1.ID, StageID: lost.ID}) // D7
	d8 := deal(crm.DealCreate{ResponsibleID: o.North1.ID, PipelineID: q.ID, StageID: qa.ID})
	d9 := deal(crm.DealCreate{ResponsibleID: o.North1.ID, StageID: s1.ID})
	d10 := deal(crm.DealCreate{ResponsibleID: o.South1.ID, StageID: s1.ID})

	day := func() { clock.Advance(24 * time.Hour) }
	day() // 1
	move(d2, s3, crm.DealUpdate{})
	move(d5, s2, crm.DealUpdate{})
	move(d6, won, crm.DealUpdate{})
	move(d9, qa, crm.DealUpdate{})
	move(d11, s2, crm.DealUpdate{})
	move(d12, s1, crm.DealUpdate{})
	day() // 2
	move(d1, s2, crm.DealUpdate{})
	move(d4, won, crm.DealUpdate{})
	move(d5, s1, crm.DealUpdate{})
	move(d8, s3, crm.DealUpdate{})
	move(d10, won, crm.DealUpdate{})
	day() // 3
	move(d3, s2, crm.DealUpdate{})
	move(d6, s1, crm.DealUpdate{})
	day() // 4
	r := reason["Дорого"]
	move(d2, lost, crm.DealUpdate{LossReasonID: &r})
	day() // 5
	move(d1, s3, crm.DealUpdate{})
	move(d5, s2, crm.DealUpdate{})
	day() // 6
	move(d1, s4, crm.DealUpdate{})
	move(d8, s4, crm.DealUpdate{})
	day() // 7
	r = reason["Выбрали конкурента"]
	move(d5, lost, crm.DealUpdate{LossReasonID: &r})
	day()
	day() // 9
	move(d8, won, crm.DealUpdate{})
	day() // 10
	move(d1, won, crm.DealUpdate{})
	if err := svc.DeleteDeal(ctx, admin, d10); err != nil {
		t.Fatal(err)
	}
	return &funnelFixture{org: o, svc: svc, eng: analytics.NewEngine(db), ctx: ctx, pipe: p, q: q, site: site.ID}
}

func monthOf(y int, m time.Month) analytics.Period {
	from := crm.Date{Year: y, Month: m, Day: 1}
	to := crm.DateOf(time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC))
	return analytics.Period{From: from, To: to, Loc: msk}
}

func (fx *funnelFixture) funnel(t *testing.T, actor *crm.Actor, req analytics.FunnelRequest) *analytics.Funnel {
	t.Helper()
	if req.PipelineID == 0 {
		req.PipelineID = fx.pipe.ID
	}
	fn, err := fx.eng.Funnel(fx.ctx, actor, req)
	if err != nil {
		t.Fatal(err)
	}
	return fn
}

func sliceOf(t *testing.T, fn *analytics.Funnel, label string) analytics.FunnelSlice {
	t.Helper()
	for _, s := range fn.Slices {
		if s.Label == label {
			return s
		}
	}
	t.Fatalf("no slice %q in %v", label, fn.Slices)
	return analytics.FunnelSlice{}
}

// eqf compares an optional figure with a wanted one (nil: must be nil).
func eqf(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if (got == nil) != (want == nil) || got != nil && !near(*got, *want) {
		t.Errorf("%s = %s, want %s", what, show(got), show(want))
	}
}

// checkCounts compares entry, reached per stage, won, lost, open, moved out.
func checkCounts(t *testing.T, s analytics.FunnelSlice, entry int64, reached [4]int64, won, lost, open, moved int64) {
	t.Helper()
	if s.Entry != entry || s.Won != won || s.Lost != lost || s.Open != open || s.MovedOut != moved {
		t.Errorf("%q: entry %d won %d lost %d open %d moved %d, want %d %d %d %d %d", s.Label, s.Entry, s.Won, s.Lost, s.Open, s.MovedOut, entry, won, lost, open, moved)
	}
	if len(s.Stages) != 4 {
		t.Fatalf("%q: %d stages", s.Label, len(s.Stages))
	}
	for i, st := range s.Stages {
		if st.Reached != reached[i] {
			t.Errorf("%q: %s reached %d, want %d", s.Label, st.Name, st.Reached, reached[i])
		}
	}
}

func TestFunnel(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		fx := newFunnelFixture(t, db)
		admin := fx.org.Actor(t, fx.org.Admin)
		fn := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 3)})
		if fn.Pipeline != "Продажи" || len(fn.Stages) != 5 || fn.Stages[4].Kind != crm.StageWon {
			t.Fatalf("pipeline %q, stages %v", fn.Pipeline, fn.Stages)
		}
		tot := fn.Total
		// Entry: D1–D9 and D14. Reached s1: all but D7 (created lost); s2: less D9, D14 (s1 only);
		// s3: less D3, D5 (s2 at most); s4: less D2 (s3 at most). D4, D6 (won once), D8 reached all.
		checkCounts(t, tot, 10, [4]int64{9, 7, 5, 4}, 3, 3, 3, 1)
		eqf(t, "conversion", tot.Conversion, f(30))
		want := []struct {
			prev, entry  float64
			drop         int64
			median, mean *float64
			timed, inNow int64
			name         string
			dropRate     float64
		}{
			// s1 times: D1 2, D2 1, D3 3, D5 1+3, D9 1 → 1 1 2 3 4; D6 (back in it) and D14 are in it now.
			{prev: 90, entry: 90, drop: 2, median: f(2), mean: f(11.0 / 5), timed: 5, inNow: 2, name: "Новая заявка", dropRate: 100 * 2.0 / 9},
			// s2: D1 3, D4 2, D5 1+2; D3 is in it now.
			{prev: 100 * 7.0 / 9, entry: 70, drop: 2, median: f(3), mean: f(8.0 / 3), timed: 3, inNow: 1, name: "Квалификация", dropRate: 100 * 2.0 / 7},
			// s3: D1 1, D2 3, D8 4.
			{prev: 100 * 5.0 / 7, entry: 50, drop: 1, median: f(3), mean: f(8.0 / 3), timed: 3, name: "КП отправлено", dropRate: 20},
			// s4: D1 4, D8 3; drop-off: reached 4, won 3.
			{prev: 80, entry: 40, drop: 1, median: f(3.5), mean: f(3.5), timed: 2, name: "Переговоры", dropRate: 25},
		}
		for i, w := range want {
			st := tot.Stages[i]
			if st.Name != w.name || st.DropOff != w.drop || st.Timed != w.timed || st.InStageNow != w.inNow {
				t.Errorf("stage %d: %s drop %d timed %d now %d, want %s %d %d %d", i, st.Name, st.DropOff, st.Timed, st.InStageNow, w.name, w.drop, w.timed, w.inNow)
			}
			eqf(t, st.Name+" conversion_prev", st.ConversionPrev, f(w.prev))
			eqf(t, st.Name+" conversion_entry", st.ConversionEntry, f(w.entry))
			eqf(t, st.Name+" drop_off_rate", st.DropOffRate, f(w.dropRate))
			eqf(t, st.Name+" median_days", st.MedianDays, w.median)
			eqf(t, st.Name+" mean_days", st.MeanDays, w.mean)
		}
		// Lost by reason, most first, then by name.
		if got := fmt.Sprint(tot.LostByReason); got != "[{(none) 1} {Выбрали конкурента 1} {Дорого 1}]" {
			t.Errorf("lost by reason: %s", got)
		}
		// Funnel length: D4 2 days, D8 7 (from its move in on day 2 to day 9), D1 10.
		eqf(t, "length", tot.LengthDays, f(7))
		eqf(t, "length mean", tot.LengthMeanDays, f(19.0/3))
		// Steps: s1→s2 7/9, s2→s3 5/7 (the lowest), s3→s4 4/5, s4→won 3/4. Slowest: s4, 3.5 days.
		if b := tot.Bottleneck; b == nil || b.Stage != "Квалификация" || b.Next != "КП отправлено" || !near(b.Value, 100*5.0/7) {
			t.Errorf("bottleneck %+v", b)
		}
		if b := tot.Slowest; b == nil || b.Stage != "Переговоры" || !near(b.Value, 3.5) {
			t.Errorf("slowest %+v", b)
		}

		// By manager: north1 D1 D2 D6 D8 D9; north2 D5 D14; south1 D3 D4 D7.
		byMgr := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 3), By: analytics.ByManager})
		if len(byMgr.Slices) != 3 {
			t.Fatalf("manager slices: %v", byMgr.Slices)
		}
		n1 := sliceOf(t, byMgr, "north1")
		checkCounts(t, n1, 5, [4]int64{5, 4, 4, 3}, 2, 1, 1, 1)
		eqf(t, "north1 length", n1.LengthDays, f(8.5)) // D8 7, D1 10
		checkCounts(t, sliceOf(t, byMgr, "north2"), 2, [4]int64{2, 1, 0, 0}, 0, 1, 1, 0)
		s1 := sliceOf(t, byMgr, "south1")
		checkCounts(t, s1, 3, [4]int64{2, 2, 1, 1}, 1, 1, 1, 0)
		eqf(t, "south1 s1 median", s1.Stages[0].MedianDays, f(3)) // D3 only
		if s1.Stages[0].Timed != 1 || s1.Stages[1].InStageNow != 1 {
			t.Errorf("south1 times: %+v", s1.Stages)
		}

		// A manager sees the funnel of their own deals: north1's total is the admin's north1 slice.
		own := fx.funnel(t, fx.org.Actor(t, fx.org.North1), analytics.FunnelRequest{Period: monthOf(2026, 3), By: analytics.ByManager})
		checkCounts(t, own.Total, 5, [4]int64{5, 4, 4, 3}, 2, 1, 1, 1)
		if len(own.Slices) != 1 || own.Slices[0].Label != "north1" {
			t.Errorf("north1 sees slices %v", own.Slices)
		}
		// The head of North: north1 + north2.
		head := fx.funnel(t, fx.org.Actor(t, fx.org.NorthHead), analytics.FunnelRequest{Period: monthOf(2026, 3)})
		checkCounts(t, head.Total, 7, [4]int64{7, 5, 4, 3}, 2, 2, 2, 1)

		// By channel: Сайт D1 D2 D6, Звонок D3 D4, none D5 D7 D8 D9 D14.
		byCh := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 3), By: analytics.ByChannel})
		checkCounts(t, sliceOf(t, byCh, "Сайт"), 3, [4]int64{3, 3, 3, 2}, 1, 1, 1, 0)
		checkCounts(t, sliceOf(t, byCh, "Звонок"), 2, [4]int64{2, 2, 1, 1}, 1, 0, 1, 0)
		checkCounts(t, sliceOf(t, byCh, "(none)"), 5, [4]int64{4, 2, 1, 1}, 1, 2, 1, 1)
		// A filter narrows the cohort.
		site := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 3), Filter: analytics.Filter{ChannelID: fx.site, PipelineID: 999}})
		checkCounts(t, site.Total, 3, [4]int64{3, 3, 3, 2}, 1, 1, 1, 0)

		// By product: D2 counts under both of its products; deals without items are (none).
		byPr := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 3), By: analytics.ByProduct})
		checkCounts(t, sliceOf(t, byPr, "Тур"), 2, [4]int64{2, 2, 2, 1}, 1, 1, 0, 0)
		checkCounts(t, sliceOf(t, byPr, "Виза"), 2, [4]int64{2, 2, 2, 1}, 1, 1, 0, 0)
		checkCounts(t, sliceOf(t, byPr, "(none)"), 7, [4]int64{6, 4, 2, 2}, 1, 2, 3, 1)
		if v := sliceOf(t, byPr, "Виза"); v.Stages[1].Timed != 1 || !near(*v.Stages[1].MedianDays, 2) {
			t.Errorf("Виза s2 times: %+v", v.Stages[1]) // D4 only: D2 skipped s2
		}

		// New and existing clients: D1 (C1 won in February) and D3 (K2 won in February) are existing;
		// D2 is C2's (its contact's win does not make C2 a customer); D5's K3 won only after D5 came in.
		byCl := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 3), By: analytics.ByClientType})
		ex := sliceOf(t, byCl, "existing")
		checkCounts(t, ex, 2, [4]int64{2, 2, 1, 1}, 1, 0, 1, 0)
		eqf(t, "existing conversion", ex.Conversion, f(50))
		checkCounts(t, sliceOf(t, byCl, "new"), 8, [4]int64{7, 5, 4, 3}, 2, 3, 2, 1)

		// February: D0, D11, D12 (entered on 20 Feb; its return in March is no new entry) and D15.
		febr := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 2)})
		// D0 won (reached all); D11 now in s2; D12 in s1 again; D15 in s1.
		checkCounts(t, febr.Total, 4, [4]int64{4, 2, 1, 1}, 1, 0, 3, 0)
		// C1's February win: created 1 Feb 10:00, won 10 Feb 10:00.
		eqf(t, "february length", febr.Total.LengthDays, f(9))
		// Cohorts of consecutive periods add up.
		both := fx.funnel(t, admin, analytics.FunnelRequest{Period: analytics.Period{From: crm.Date{Year: 2026, Month: 2, Day: 1}, To: crm.Date{Year: 2026, Month: 4, Day: 1}, Loc: msk}})
		checkCounts(t, both.Total, 14, [4]int64{13, 9, 6, 5}, 4, 3, 6, 1)

		// An empty period: nothing entered, every ratio null.
		apr := fx.funnel(t, admin, analytics.FunnelRequest{Period: monthOf(2026, 4), By: analytics.ByManager})
		checkCounts(t, apr.Total, 0, [4]int64{}, 0, 0, 0, 0)
		if apr.Total.Conversion != nil || apr.Total.Stages[0].ConversionPrev != nil || apr.Total.Stages[0].DropOffRate != nil ||
			apr.Total.LengthDays != nil || apr.Total.Bottleneck != nil || apr.Total.Slowest != nil || len(apr.Slices) != 0 {
			t.Errorf("empty period: %+v", apr.Total)
		}

		// The other pipeline: D8 was created there (and moved out), D9 moved in on day 1, D12's move
		// back out on day 1 is no entry (it entered on 22 Feb).
		q := fx.funnel(t, admin, analytics.FunnelRequest{PipelineID: fx.q.ID, Period: monthOf(2026, 3)})
		if q.Pipeline != "Партнёры" || q.Total.Entry != 2 || q.Total.MovedOut != 1 || q.Total.Open != 1 || q.Total.Stages[0].Reached != 2 {
			t.Errorf("Партнёры: %s %+v", q.Pipeline, q.Total)
		}
	})
}

func TestFunnelRequestErrors(t *testing.T) {
	db := testkit.OpenSQLite(t)
	svc, _ := testkit.Service(db)
	o := testkit.NewOrg(t, svc, "funnelerr")
	other := testkit.NewOrg(t, svc, "funnelother")
	eng := analytics.NewEngine(db)
	ctx := context.Background()
	admin := o.Actor(t, o.Admin)
	code := func(err error) string {
		if ce, ok := err.(*crm.Error); ok && len(ce.Fields) > 0 {
			return ce.Code + ":" + ce.Fields[0].Field
		}
		return fmt.Sprint(err)
	}
	_, err := eng.Funnel(ctx, admin, analytics.FunnelRequest{Period: monthOf(2026, 3), By: analytics.ByPipeline})
	if code(err) != "invalid:by" {
		t.Errorf("by pipeline: %v", err)
	}
	ps, _ := svc.Pipelines(ctx, other.Actor(t, other.Admin), false)
	_, err = eng.Funnel(ctx, admin, analytics.FunnelRequest{PipelineID: ps[0].ID, Period: monthOf(2026, 3)})
	if code(err) != "invalid:pipeline_id" {
		t.Errorf("another account's pipeline: %v", err)
	}
	_, err = eng.Funnel(ctx, admin, analytics.FunnelRequest{Period: analytics.Period{From: crm.Date{Year: 2026, Month: 3, Day: 1}, Loc: msk}})
	if code(err) != "invalid:to" {
		t.Errorf("no end: %v", err)
	}
	// No pipeline named: the account's first.
	fn, err := eng.Funnel(ctx, admin, analytics.FunnelRequest{Period: monthOf(2026, 3)})
	if err != nil || fn.Pipeline != "Продажи" || fn.Total.Entry != 0 {
		t.Errorf("default pipeline: %v %+v", err, fn)
	}
}

// TestFunnelProperties builds random deal histories through the service and checks what must hold
// whatever the data: reached never grows down the stages, every ratio is within 0–100 %, the exit
// adds up to the entry, the slices of a partition add up to the total, and the entry and reach
// agree with an independent count from each deal's history.
func TestFunnelProperties(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		clock.T = time.Date(2026, 3, 1, 9, 0, 0, 0, msk)
		o := testkit.NewOrg(t, svc, "funnelprop")
		ctx := context.Background()
		admin := o.Actor(t, o.Admin)
		ps, _ := svc.Pipelines(ctx, admin, false)
		p := ps[0]
		q, err := svc.CreatePipeline(ctx, admin, "Второй", []crm.StageInput{{Name: "A", Kind: crm.StageOpen}, {Name: "B", Kind: crm.StageOpen}, {Name: "W", Kind: crm.StageWon}, {Name: "L", Kind: crm.StageLost}})
		if err != nil {
			t.Fatal(err)
		}
		reasons, _ := svc.LossReasons(ctx, admin)
		var channels, products []int64
		for _, n := range []string{"a", "b", "c"} {
			c, err := svc.CreateChannel(ctx, admin, n)
			if err != nil {
				t.Fatal(err)
			}
			channels = append(channels, c.ID)
			pr := &crm.Product{Name: "p" + n, Price: 100, Active: true}
			if err := svc.CreateProduct(ctx, admin, pr); err != nil {
				t.Fatal(err)
			}
			products = append(products, pr.ID)
		}
		var contacts []int64
		for i := range 4 {
			c, _, err := svc.CreateContact(ctx, admin, crm.ContactInput{Name: fmt.Sprintf("k%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			contacts = append(contacts, c.ID)
		}
		users := []*crm.User{o.North1, o.North2, o.South1, o.South2}
		stages := append(append([]*crm.Stage{}, p.Stages...), q.Stages...)
		rng := rand.New(rand.NewPCG(7, 11))
		var ids []int64
		for range 40 {
			in := crm.DealCreate{Name: "r", ResponsibleID: users[rng.IntN(4)].ID, StageID: stages[rng.IntN(len(stages))].ID}
			if rng.IntN(3) > 0 {
				in.ChannelID = channels[rng.IntN(3)]
			}
			if rng.IntN(2) == 0 {
				in.ContactID = contacts[rng.IntN(4)]
			}
			for _, pr := range products {
				if rng.IntN(3) == 0 {
					in.Items = append(in.Items, crm.ItemInput{ProductID: pr, Quantity: 1})
				}
			}
			if st := stagesByID(stages, in.StageID); st.Kind == crm.StageLost && rng.IntN(2) == 0 {
				in.LossReasonID = reasons[rng.IntN(len(reasons))].ID
			}
			d, err := svc.CreateDeal(ctx, admin, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
			clock.Advance(time.Duration(rng.IntN(20)) * time.Hour)
		}
		for range 120 {
			clock.Advance(time.Duration(1+rng.IntN(30)) * time.Hour)
			id := ids[rng.IntN(len(ids))]
			st := stages[rng.IntN(len(stages))]
			upd := crm.DealUpdate{StageID: &st.ID, PipelineID: &st.PipelineID}
			if st.Kind == crm.StageLost && rng.IntN(2) == 0 {
				upd.LossReasonID = &reasons[rng.IntN(len(reasons))].ID
			}
			if _, err := svc.UpdateDeal(ctx, admin, id, upd); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			if err := svc.DeleteDeal(ctx, admin, ids[rng.IntN(len(ids))]); err != nil {
				t.Fatal(err)
			}
		}
		eng := analytics.NewEngine(db)
		// The first half of March and the rest: moves run over about 80 days.
		periods := []analytics.Period{
			{From: crm.Date{Year: 2026, Month: 3, Day: 1}, To: crm.Date{Year: 2026, Month: 3, Day: 16}, Loc: msk},
			{From: crm.Date{Year: 2026, Month: 3, Day: 16}, To: crm.Date{Year: 2026, Month: 7, Day: 1}, Loc: msk},
		}
		entries := 0
		for _, pipe := range []*crm.Pipeline{p, q} {
			for _, per := range periods {
				for _, by := range analytics.FunnelDimensions {
					for _, actor := range []*crm.Actor{admin, o.Actor(t, o.NorthHead), o.Actor(t, o.South1)} {
						fn, err := eng.Funnel(ctx, actor, analytics.FunnelRequest{PipelineID: pipe.ID, Period: per, By: by})
						if err != nil {
							t.Fatal(err)
						}
						checkFunnelInvariants(t, fn, by != analytics.ByProduct)
						if actor == admin && by == analytics.ByManager {
							entries += int(fn.Total.Entry)
							checkAgainstHistory(t, svc, admin, pipe, per, ids, fn.Total)
						}
					}
				}
			}
		}
		if entries < 30 {
			t.Errorf("the random data gave only %d entries", entries)
		}
	})
}

func stagesByID(stages []*crm.Stage, id int64) *crm.Stage {
	for _, s := range stages {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func checkFunnelInvariants(t *testing.T, fn *analytics.Funnel, partition bool) {
	t.Helper()
	pct := func(what string, v *float64) {
		if v != nil && (*v < 0 || *v > 100+1e-9) {
			t.Errorf("%s %s: %g %% is out of 0–100", fn.Pipeline, what, *v)
		}
	}
	check := func(s analytics.FunnelSlice) {
		if s.Won+s.Lost+s.Open+s.MovedOut != s.Entry {
			t.Errorf("%s %q: exits %d+%d+%d+%d ≠ entry %d", fn.Pipeline, s.Label, s.Won, s.Lost, s.Open, s.MovedOut, s.Entry)
		}
		var lost int64
		for _, r := range s.LostByReason {
			lost += r.Count
		}
		if lost != s.Lost {
			t.Errorf("%q: lost by reason %d ≠ lost %d", s.Label, lost, s.Lost)
		}
		prev := s.Entry
		for _, st := range s.Stages {
			if st.Reached > prev || st.Reached < s.Won || st.DropOff < 0 {
				t.Errorf("%s %q %s: reached %d after %d (won %d, drop-off %d)", fn.Pipeline, s.Label, st.Name, st.Reached, prev, s.Won, st.DropOff)
			}
			prev = st.Reached
			pct("conversion_prev", st.ConversionPrev)
			pct("conversion_entry", st.ConversionEntry)
			pct("drop_off_rate", st.DropOffRate)
			if st.MedianDays != nil && (*st.MedianDays < 0 || st.Timed == 0) {
				t.Errorf("%q %s: median %g of %d", s.Label, st.Name, *st.MedianDays, st.Timed)
			}
		}
		pct("conversion", s.Conversion)
		if s.Bottleneck != nil {
			pct("bottleneck", &s.Bottleneck.Value)
		}
	}
	check(fn.Total)
	var entry, won, lost, open, moved int64
	reached := make([]int64, len(fn.Total.Stages))
	for _, s := range fn.Slices {
		check(s)
		if s.Entry == 0 {
			t.Errorf("%q: an empty slice is listed", s.Label)
		}
		entry, won, lost, open, moved = entry+s.Entry, won+s.Won, lost+s.Lost, open+s.Open, moved+s.MovedOut
		for i, st := range s.Stages {
			reached[i] += st.Reached
			if !partition && st.Reached > fn.Total.Stages[i].Reached {
				t.Errorf("%q %s: a product slice reached more than the total", s.Label, st.Name)
			}
		}
	}
	if fn.By == "" {
		return
	}
	if partition {
		if entry != fn.Total.Entry || won != fn.Total.Won || lost != fn.Total.Lost || open != fn.Total.Open || moved != fn.Total.MovedOut {
			t.Errorf("%s by %s: slices sum to %d/%d/%d/%d/%d, the total is %+v", fn.Pipeline, fn.By, entry, won, lost, open, moved, fn.Total)
		}
		for i := range reached {
			if reached[i] != fn.Total.Stages[i].Reached {
				t.Errorf("%s by %s: %s reached sums to %d, the total is %d", fn.Pipeline, fn.By, fn.Total.Stages[i].Name, reached[i], fn.Total.Stages[i].Reached)
			}
		}
	} else if entry < fn.Total.Entry {
		t.Errorf("by product: slices sum to %d entries, fewer than the total %d", entry, fn.Total.Entry)
	}
}

// checkAgainstHistory counts the cohort, reach and exits in Go from each deal's history, the
// definitions read literally, and compares them with the engine's total.
func checkAgainstHistory(t *testing.T, svc *crm.Service, admin *crm.Actor, p *crm.Pipeline, per analytics.Period, ids []int64, got analytics.FunnelSlice) {
	t.Helper()
	ctx := context.Background()
	from, to := per.From.In(per.Loc), per.To.In(per.Loc)
	pos := map[int64]int{}
	var open []*crm.Stage
	for _, s := range p.Stages {
		if s.Kind == crm.StageOpen {
			pos[s.ID] = len(open)
			open = append(open, s)
		}
	}
	var entry, won, lost, opened, moved int64
	reached := make([]int64, len(open))
	for _, id := range ids {
		d, err := svc.Deal(ctx, admin, id)
		if err != nil {
			continue // deleted
		}
		hist, _, err := svc.DealHistory(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		var entered time.Time
		top := -1
		for _, e := range hist {
			if e.ToPipelineID != p.ID {
				continue
			}
			if entered.IsZero() {
				entered = e.At
				if e.FromStageID == 0 {
					entered = d.CreatedAt
				}
			}
			st := p.Stage(e.ToStageID)
			switch {
			case st.Kind == crm.StageWon:
				top = len(open)
			case st.Kind == crm.StageOpen && pos[st.ID] > top:
				top = pos[st.ID]
			}
		}
		if entered.IsZero() || entered.Before(from) || !entered.Before(to) {
			continue
		}
		entry++
		for i := 0; i <= top && i < len(open); i++ {
			reached[i]++
		}
		switch {
		case d.PipelineID != p.ID:
			moved++
		case d.Status == crm.DealWon:
			won++
		case d.Status == crm.DealLost:
			lost++
		default:
			opened++
		}
	}
	if got.Entry != entry || got.Won != won || got.Lost != lost || got.Open != opened || got.MovedOut != moved {
		t.Errorf("%s %s: engine %d/%d/%d/%d/%d, history %d/%d/%d/%d/%d", p.Name, per.From, got.Entry, got.Won, got.Lost, got.Open, got.MovedOut,
			entry, won, lost, opened, moved)
	}
	for i := range open {
		if got.Stages[i].Reached != reached[i] {
			t.Errorf("%s %s: %s reached %d, history %d", p.Name, per.From, open[i].Name, got.Stages[i].Reached, reached[i])
		}
	}
}
