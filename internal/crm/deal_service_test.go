package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// dealEnv is an org with its default pipeline looked up.
type dealEnv struct {
	db    *store.DB
	svc   *crm.Service
	clock *testkit.Clock
	o     *testkit.Org
	p     *crm.Pipeline // the default pipeline: 4 open stages, won, lost
}

func newDealEnv(t *testing.T, db *store.DB) *dealEnv {
	svc, clock := testkit.Service(db)
	o := testkit.NewOrg(t, svc, "acme")
	ps, err := svc.Pipelines(context.Background(), o.Actor(t, o.Admin), false)
	if err != nil || len(ps) != 1 {
		t.Fatalf("default pipeline: %v %v", ps, err)
	}
	return &dealEnv{db: db, svc: svc, clock: clock, o: o, p: ps[0]}
}

func (e *dealEnv) stage(kind string, n int) *crm.Stage {
	for _, s := range e.p.Stages {
		if s.Kind == kind {
			if n == 0 {
				return s
			}
			n--
		}
	}
	panic("no stage")
}

func (e *dealEnv) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDefaultPipeline(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDealEnv(t, db)
		kinds := ""
		for _, s := range e.p.Stages {
			kinds += s.Kind[:1]
		}
		if kinds != "oooowl" || e.p.Stages[0].Probability != 10 || e.p.Stages[4].Probability != 100 {
			t.Errorf("default pipeline stages %q", kinds)
		}
		if rs, _ := e.svc.LossReasons(context.Background(), e.o.Actor(t, e.o.North1)); len(rs) != len(crm.DefaultLossReasons) {
			t.Errorf("loss reasons: %d", len(rs))
		}
		admin := e.o.Actor(t, e.o.Admin)
		for _, bad := range [][]crm.StageInput{
			{{Name: "A", Kind: "won"}, {Name: "B", Kind: "lost"}},
			{{Name: "A", Kind: "open"}, {Name: "B", Kind: "won"}},
			{{Name: "A", Kind: "open"}, {Name: "W", Kind: "won"}, {Name: "B", Kind: "open"}, {Name: "L", Kind: "lost"}},
			{{Name: "A", Kind: "open", Probability: 101}, {Name: "W", Kind: "won"}, {Name: "L", Kind: "lost"}},
		} {
			_, err := e.svc.CreatePipeline(context.Background(), admin, "B2B", bad)
			wantCode(t, err, crm.EINVALID, "")
		}
		_, err := e.svc.CreatePipeline(context.Background(), e.o.Actor(t, e.o.NorthHead), "B2B", []crm.StageInput{{Name: "A", Kind: "open"}, {Name: "W", Kind: "won"}, {Name: "L", Kind: "lost"}})
		wantCode(t, err, crm.EFORBIDDEN, "")
	})
}

func TestDealItemsAndAmounts(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDealEnv(t, db)
		ctx := context.Background()
		admin := e.o.Actor(t, e.o.Admin)
		tour := &crm.Product{Name: "Тур в Сочи", Price: 150000, Cost: 90000}
		if err := e.svc.CreateProduct(ctx, admin, tour); err != nil {
			t.Fatal(err)
		}
		insurance := int64(50000)
		insCost := int64(20000)
		d, err := e.svc.CreateDeal(ctx, e.o.Actor(t, e.o.North1), crm.DealCreate{
			Name:   "Семья Ивановых",
			Amount: 999, // ignored: the items decide
			Items: []crm.ItemInput{
				{ProductID: tour.ID, Quantity: 2, Discount: 10000},
				{Name: "Страховка", Quantity: 1, Price: &insurance, Cost: &insCost, Upsell: true},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		// 2×150000 − 10000 + 1×50000 = 340000; cost 2×90000 + 1×20000 = 200000.
		if d.Amount != 340000 || d.Cost != 200000 {
			t.Errorf("amount %d cost %d, want 340000 and 200000", d.Amount, d.Cost)
		}
		got, _ := e.svc.Deal(ctx, admin, d.ID)
		if len(got.Items) != 2 || got.Items[0].Name != "Тур в Сочи" || got.Items[0].Amount != 290000 || !got.Items[1].Upsell || got.Amount != 340000 {
			t.Errorf("stored items: %+v %+v", got.Items[0], got.Items[1])
		}
		// Replacing the items recomputes; removing them all keeps the amount given.
		items := []crm.ItemInput{{ProductID: tour.ID, Quantity: 3}}
		d, err = e.svc.UpdateDeal(ctx, admin, d.ID, crm.DealUpdate{Items: &items})
		if err != nil || d.Amount != 450000 || d.Cost != 270000 {
			t.Fatalf("after replacing items: amount %d cost %d %v", d.Amount, d.Cost, err)
		}
		none, amount := []crm.ItemInput{}, int64(123400)
		d, err = e.svc.UpdateDeal(ctx, admin, d.ID, crm.DealUpdate{Items: &none, Amount: &amount})
		if err != nil || d.Amount != 123400 || d.Cost != 0 {
			t.Fatalf("without items: amount %d cost %d %v", d.Amount, d.Cost, err)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM deal_items WHERE deal_id = $1`, d.ID); n != 0 {
			t.Errorf("%d items left", n)
		}
	})
}

func TestDealMoves(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDealEnv(t, db)
		ctx := context.Background()
		mgr := e.o.Actor(t, e.o.North1)
		d, err := e.svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: "Круиз", Amount: 500000})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != crm.DealOpen || d.StageID != e.stage("open", 0).ID || !d.ClosedAt.IsZero() || d.ResponsibleID != e.o.North1.ID {
			t.Fatalf("new deal: %+v", d)
		}
		move := func(stage int64, pipeline *int64) (*crm.Deal, error) {
			e.clock.Advance(time.Hour)
			return e.svc.UpdateDeal(ctx, mgr, d.ID, crm.DealUpdate{StageID: &stage, PipelineID: pipeline})
		}
		won := e.stage("won", 0).ID
		if d, err = move(won, nil); err != nil {
			t.Fatal(err)
		}
		if d.Status != crm.DealWon || !d.ClosedAt.Equal(e.clock.Now()) {
			t.Fatalf("won: status %s closed %v, want %v", d.Status, d.ClosedAt, e.clock.Now())
		}
		// Reopen: back to an open stage clears closed_at.
		if d, err = move(e.stage("open", 2).ID, nil); err != nil || d.Status != crm.DealOpen || !d.ClosedAt.IsZero() {
			t.Fatalf("reopened: %+v %v", d, err)
		}
		// Lost with a reason; the reason goes when it is reopened.
		reasons, _ := e.svc.LossReasons(ctx, mgr)
		lost, reason := e.stage("lost", 0).ID, reasons[0].ID
		e.clock.Advance(time.Hour)
		d, err = e.svc.UpdateDeal(ctx, mgr, d.ID, crm.DealUpdate{StageID: &lost, LossReasonID: &reason})
		if err != nil || d.Status != crm.DealLost || d.LossReasonID != reason || !d.ClosedAt.Equal(e.clock.Now()) {
			t.Fatalf("lost: %+v %v", d, err)
		}
		if d, err = move(e.stage("open", 0).ID, nil); err != nil || d.LossReasonID != 0 {
			t.Fatalf("reopened lost: %+v %v", d, err)
		}
		// A loss reason on an open deal is refused.
		_, err = e.svc.UpdateDeal(ctx, mgr, d.ID, crm.DealUpdate{LossReasonID: &reason})
		wantCode(t, err, crm.EINVALID, "loss_reason_id")

		// Another pipeline: its stage alone is refused; naming the pipeline moves the deal there.
		b2b, err := e.svc.CreatePipeline(ctx, e.o.Actor(t, e.o.Admin), "B2B", []crm.StageInput{
			{Name: "Лид", Kind: "open", Probability: 20}, {Name: "Договор", Kind: "open", Probability: 60},
			{Name: "Оплачено", Kind: "won", Probability: 100}, {Name: "Отказ", Kind: "lost"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = move(b2b.Stages[1].ID, nil)
		wantCode(t, err, crm.EINVALID, "stage_id")
		if e := err.(*crm.Error); e.Fields[0].Code != "other_pipeline" {
			t.Errorf("code %q, want other_pipeline", e.Fields[0].Code)
		}
		if d, err = move(b2b.Stages[1].ID, &b2b.ID); err != nil || d.PipelineID != b2b.ID || d.StageID != b2b.Stages[1].ID {
			t.Fatalf("moved to B2B: %+v %v", d, err)
		}

		// History: one row per move, from → to, in order.
		hist, _, err := e.svc.DealHistory(ctx, mgr, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ from, to int64 }{
			{0, e.stage("open", 0).ID}, {e.stage("open", 0).ID, won}, {won, e.stage("open", 2).ID},
			{e.stage("open", 2).ID, lost}, {lost, e.stage("open", 0).ID}, {e.stage("open", 0).ID, b2b.Stages[1].ID},
		}
		if len(hist) != len(want) {
			t.Fatalf("history has %d rows, want %d", len(hist), len(want))
		}
		for i, w := range want {
			if hist[i].FromStageID != w.from || hist[i].ToStageID != w.to {
				t.Errorf("history[%d]: %d → %d, want %d → %d", i, hist[i].FromStageID, hist[i].ToStageID, w.from, w.to)
			}
		}
		if last := hist[len(hist)-1]; last.FromPipelineID != e.p.ID || last.ToPipelineID != b2b.ID || last.UserID != e.o.North1.ID {
			t.Errorf("pipeline move row: %+v", last)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM events WHERE entity_id = $1 AND type = 'deal.stage_changed'`, d.ID); n != 5 {
			t.Errorf("stage_changed events: %d, want 5", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM events WHERE entity_id = $1 AND type IN ('deal.won', 'deal.lost')`, d.ID); n != 2 {
			t.Errorf("won/lost events: %d, want 2", n)
		}
	})
}

func TestDealHistoryImport(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDealEnv(t, db)
		ctx := context.Background()
		at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
		in := crm.DealCreate{
			Name: "Из amoCRM", Amount: 7700000, ResponsibleID: e.o.North2.ID,
			CreatedAt: at("2024-03-01T09:00:00Z"),
			StageHistory: []crm.StageStep{
				{StageID: e.stage("open", 0).ID, At: at("2024-03-01T09:00:00Z")},
				{StageID: e.stage("open", 2).ID, At: at("2024-03-04T12:30:00Z")}, // a skipped stage
				{StageID: e.stage("won", 0).ID, At: at("2024-03-20T16:00:00Z")},
			},
			ExternalSource: "amocrm", ExternalID: "18233",
		}
		_, err := e.svc.CreateDeal(ctx, e.o.Actor(t, e.o.NorthHead), in)
		wantCode(t, err, crm.EFORBIDDEN, "")
		admin := e.o.Actor(t, e.o.Admin)
		d, err := e.svc.CreateDeal(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if !d.CreatedAt.Equal(in.CreatedAt) || !d.ClosedAt.Equal(at("2024-03-20T16:00:00Z")) || d.Status != crm.DealWon {
			t.Errorf("imported: created %v closed %v status %s", d.CreatedAt, d.ClosedAt, d.Status)
		}
		hist, _, _ := e.svc.DealHistory(ctx, admin, d.ID)
		if len(hist) != 3 || !hist[1].At.Equal(in.StageHistory[1].At) || hist[1].FromStageID != e.stage("open", 0).ID || hist[2].ToStageID != e.stage("won", 0).ID {
			t.Fatalf("history read back: %+v", hist)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM events WHERE entity_id = $1 AND type = 'deal.won'`, d.ID); n != 0 {
			t.Errorf("an imported deal fired %d deal.won events", n)
		}
		_, err = e.svc.CreateDeal(ctx, admin, in)
		wantCode(t, err, crm.ECONFLICT, "external_id")

		bad := in
		bad.ExternalID = "18234"
		bad.StageHistory = []crm.StageStep{{StageID: e.stage("open", 0).ID, At: at("2024-02-01T00:00:00Z")}}
		_, err = e.svc.CreateDeal(ctx, admin, bad)
		wantCode(t, err, crm.EINVALID, "stage_history[0].at")
		bad.StageHistory = nil
		bad.ClosedAt = at("2024-03-02T00:00:00Z")
		_, err = e.svc.CreateDeal(ctx, admin, bad)
		wantCode(t, err, crm.EINVALID, "closed_at") // the deal is in an open stage
	})
}

func TestDealBadInputStoresNothing(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDealEnv(t, db)
		ctx := context.Background()
		beta := testkit.NewOrg(t, e.svc, "beta")
		var foreignContact int64
		if err := db.SQL().QueryRow(`INSERT INTO contacts (account_id, name, responsible_id, created_at, updated_at) VALUES ($1, 'Чужой', $2, $3, $3) RETURNING id`,
			beta.Account.ID, beta.Admin.ID, time.Now().UTC()).Scan(&foreignContact); err != nil {
			t.Fatal(err)
		}
		betaPipes, _ := e.svc.Pipelines(ctx, beta.Actor(t, beta.Admin), false)
		mgr := e.o.Actor(t, e.o.North1)
		zero := int64(0)
		for _, c := range []struct {
			name  string
			in    crm.DealCreate
			field string
		}{
			{"no name", crm.DealCreate{Name: " "}, "name"},
			{"unknown stage", crm.DealCreate{Name: "x", StageID: 999999}, "stage_id"},
			{"stage of another account", crm.DealCreate{Name: "x", StageID: betaPipes[0].Stages[0].ID}, "stage_id"},
			{"stage of another pipeline", crm.DealCreate{Name: "x", PipelineID: e.p.ID, StageID: betaPipes[0].Stages[0].ID}, "stage_id"},
			{"unknown pipeline", crm.DealCreate{Name: "x", PipelineID: betaPipes[0].ID}, "pipeline_id"},
			{"negative amount", crm.DealCreate{Name: "x", Amount: -1}, "amount"},
			{"quantity 0", crm.DealCreate{Name: "x", Items: []crm.ItemInput{{Name: "Тур", Quantity: 0, Price: &zero}}}, "items[0].quantity"},
			{"item without name", crm.DealCreate{Name: "x", Items: []crm.ItemInput{{Quantity: 1}}}, "items[0].name"},
			{"contact of another account", crm.DealCreate{Name: "x", ContactID: foreignContact}, "contact_id"},
			{"colleague as responsible", crm.DealCreate{Name: "x", ResponsibleID: e.o.North2.ID}, "responsible_id"},
			{"unknown custom field", crm.DealCreate{Name: "x", Custom: map[string]any{"colour": "red"}}, "custom.colour"},
			{"history by a manager", crm.DealCreate{Name: "x", CreatedAt: time.Now()}, ""},
		} {
			_, err := e.svc.CreateDeal(ctx, mgr, c.in)
			if err == nil {
				t.Errorf("%s: accepted", c.name)
				continue
			}
			if c.field != "" {
				wantCode(t, err, crm.EINVALID, c.field)
			}
		}
		if n := e.count(t, `SELECT COUNT(*) FROM deals`); n != 0 {
			t.Errorf("bad input stored %d deals", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM events WHERE type LIKE 'deal.%'`); n != 0 {
			t.Errorf("bad input emitted %d events", n)
		}
	})
}

func TestDealVisibilityAndVersions(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDealEnv(t, db)
		ctx := context.Background()
		beta := testkit.NewOrg(t, e.svc, "beta")
		mk := func(o *testkit.Org, u *crm.User) *crm.Deal {
			d, err := e.svc.CreateDeal(ctx, o.Actor(t, u), crm.DealCreate{Name: "Deal of " + u.Name, Amount: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		own, team, other, foreign := mk(e.o, e.o.North1), mk(e.o, e.o.North2), mk(e.o, e.o.South1), mk(beta, beta.North1)
		name := "Renamed"
		for _, c := range []struct {
			who  *crm.User
			deal *crm.Deal
			sees bool
		}{
			{e.o.North1, own, true}, {e.o.North1, team, false}, {e.o.North1, other, false}, {e.o.North1, foreign, false},
			{e.o.NorthHead, own, true}, {e.o.NorthHead, team, true}, {e.o.NorthHead, other, false}, {e.o.NorthHead, foreign, false},
			{e.o.Admin, other, true}, {e.o.Admin, foreign, false},
		} {
			a := e.o.Actor(t, c.who)
			_, err := e.svc.Deal(ctx, a, c.deal.ID)
			if (err == nil) != c.sees {
				t.Errorf("%s gets deal of %d: %v, want visible=%v", c.who.Name, c.deal.ResponsibleID, err, c.sees)
			}
			if !c.sees {
				wantCode(t, err, crm.ENOTFOUND, "")
				_, err = e.svc.UpdateDeal(ctx, a, c.deal.ID, crm.DealUpdate{Name: &name})
				wantCode(t, err, crm.ENOTFOUND, "")
				wantCode(t, e.svc.DeleteDeal(ctx, a, c.deal.ID), crm.ENOTFOUND, "")
			}
		}
		list, _ := e.svc.Deals(ctx, e.o.Actor(t, e.o.NorthHead), crm.DealFilter{}, crm.Page{})
		if len(list.Items) != 2 {
			t.Errorf("head lists %d deals, want 2 (own team)", len(list.Items))
		}
		// A stale version conflicts and changes nothing.
		stale := own.Version
		mgr := e.o.Actor(t, e.o.North1)
		if _, err := e.svc.UpdateDeal(ctx, mgr, own.ID, crm.DealUpdate{Name: &name, Version: &stale}); err != nil {
			t.Fatal(err)
		}
		other2 := "Other"
		_, err := e.svc.UpdateDeal(ctx, mgr, own.ID, crm.DealUpdate{Name: &other2, Version: &stale})
		wantCode(t, err, crm.ECONFLICT, "")
		if got, _ := e.svc.Deal(ctx, mgr, own.ID); got.Name != name || got.Version != stale+1 {
			t.Errorf("after a conflict: %q v%d", got.Name, got.Version)
		}
		// Soft delete hides it; restore brings it back; the head may do both for the team.
		head := e.o.Actor(t, e.o.NorthHead)
		if err := e.svc.DeleteDeal(ctx, head, own.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Deal(ctx, mgr, own.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("deleted deal still readable: %v", err)
		}
		deleted, _ := e.svc.Deals(ctx, head, crm.DealFilter{Deleted: true}, crm.Page{})
		if len(deleted.Items) != 1 {
			t.Errorf("deleted list: %d", len(deleted.Items))
		}
		if err := e.svc.RestoreDeal(ctx, head, own.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Deal(ctx, mgr, own.ID); err != nil {
			t.Errorf("restored deal: %v", err)
		}
	})
}

func TestDealListFiltersAndPages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		e := newDealEnv(t, db)
		ctx := context.Background()
		admin := e.o.Actor(t, e.o.Admin)
		amounts := []int64{500, 100, 700, 300, 100, 900, 200}
		for i, a := range amounts {
			e.clock.Advance(time.Minute)
			tags := []string{"b2c"}
			if i%2 == 0 {
				tags = append(tags, "vip")
			}
			if _, err := e.svc.CreateDeal(ctx, admin, crm.DealCreate{Name: "Сделка " + string(rune('A'+i)), Amount: a, Tags: tags, Region: "Москва"}); err != nil {
				t.Fatal(err)
			}
		}
		var seen []int64
		var pages []int
		p := crm.Page{Limit: 3, Sort: "amount", Desc: true, WithTotal: true}
		for {
			l, err := e.svc.Deals(ctx, admin, crm.DealFilter{}, p)
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != 7 {
				t.Errorf("total %d", l.Total)
			}
			pages = append(pages, len(l.Items))
			for _, d := range l.Items {
				seen = append(seen, d.Amount)
			}
			if l.Next == "" {
				break
			}
			p.After = l.Next
		}
		if len(pages) != 3 || pages[0] != 3 || pages[2] != 1 {
			t.Errorf("pages %v", pages)
		}
		want := []int64{900, 700, 500, 300, 200, 100, 100}
		for i := range want {
			if seen[i] != want[i] {
				t.Fatalf("amounts by page %v, want %v", seen, want)
			}
		}
		vip, _ := e.svc.Deals(ctx, admin, crm.DealFilter{Tags: []string{"vip"}}, crm.Page{})
		min := int64(300)
		big, _ := e.svc.Deals(ctx, admin, crm.DealFilter{AmountMin: &min, Q: "сделка"}, crm.Page{})
		if len(vip.Items) != 4 || len(big.Items) != 4 {
			t.Errorf("vip %d (want 4), amount ≥ 300 %d (want 4)", len(vip.Items), len(big.Items))
		}
		_, err := e.svc.Deals(ctx, admin, crm.DealFilter{}, crm.Page{After: "garbage"})
		wantCode(t, err, crm.EINVALID, "after")
	})
}
