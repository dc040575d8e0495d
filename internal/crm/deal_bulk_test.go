package crm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// CreateDeals creates the valid items of a batch exactly as CreateDeal creates one deal — the same
// deal with its items, other contacts and tags, the same stage history, audit entry and events —
// and reports each invalid item on its own: a bad amount, an external id taken before or twice in
// the batch.
func TestCreateDealsIsCreateDealInBulk(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newDealEnv(t, db)
		admin := e.o.Actor(t, e.o.Admin)
		var contacts []int64
		for _, name := range []string{"Ольга", "Пётр"} {
			c, _, err := e.svc.CreateContact(ctx, admin, crm.ContactInput{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			contacts = append(contacts, c.ID)
		}
		price, cost := int64(70_000), int64(20_000)
		created := e.clock.T.Add(-30 * 24 * time.Hour)
		in := func(ext string) crm.DealCreate {
			return crm.DealCreate{Name: "  Тур  на Бали ", ResponsibleID: e.o.North1.ID, ContactID: contacts[0], ContactIDs: contacts,
				Tags: []string{"VIP", "бали"}, Region: "Москва", UTM: crm.UTM{Source: "yandex"},
				Items:     []crm.ItemInput{{Name: "Тур", Quantity: 2, Price: &price, Cost: &cost}, {Name: "Страховка", Quantity: 1, Price: &cost, Upsell: true}},
				CreatedAt: created, ClosedAt: created.Add(72 * time.Hour),
				StageHistory: []crm.StageStep{{StageID: e.stage(crm.StageOpen, 1).ID, At: created.Add(24 * time.Hour)},
					{StageID: e.stage(crm.StageWon, 0).ID, At: created.Add(72 * time.Hour)}},
				ExternalSource: "test", ExternalID: ext}
		}
		one, err := e.svc.CreateDeal(ctx, admin, in("one"))
		if err != nil {
			t.Fatal(err)
		}
		bad := in("bad")
		bad.Items, bad.Amount = nil, -5
		deals, errs, err := e.svc.CreateDeals(ctx, admin, []crm.DealCreate{in("bulk"), bad, in("one"), in("twice"), in("twice")})
		if err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || deals[0] == nil || errs[3] != nil || deals[3] == nil {
			t.Fatalf("valid items not created: %v", errs)
		}
		if crm.ErrorCode(errs[1]) != crm.EINVALID || deals[1] != nil {
			t.Errorf("negative amount: %v", errs[1])
		}
		if !crm.ExternalTaken(errs[2]) || !crm.ExternalTaken(errs[4]) {
			t.Errorf("external ids taken before or twice in the batch: %v, %v", errs[2], errs[4])
		}
		if n := e.count(t, `SELECT COUNT(*) FROM deals WHERE external_id IN ('bad', 'twice')`); n != 1 {
			t.Errorf("%d deals for the bad and the repeated item, want 1", n)
		}

		// What CreateDeal stored for "one" is what CreateDeals stored for "bulk", ids aside.
		a, b := describeDeal(t, e, admin, one.ID), describeDeal(t, e, admin, deals[0].ID)
		if a != b {
			t.Errorf("CreateDeal stored\n%s\nCreateDeals stored\n%s", a, b)
		}
		// The fixture: the name trimmed, the amount from the items (2 × 70,000 + 20,000), the cost
		// (2 × 20,000; the add-on has none), 2 stage events (the history as given), one other contact.
		if deals[0].Name != "Тур  на Бали" {
			t.Errorf("name %q", deals[0].Name)
		}
		if deals[0].Amount != 160_000 || deals[0].Cost != 40_000 || deals[0].Status != crm.DealWon {
			t.Errorf("bulk deal %+v", deals[0])
		}
		if n := e.count(t, `SELECT COUNT(*) FROM deal_stage_events WHERE deal_id = $1`, deals[0].ID); n != 2 {
			t.Errorf("%d stage events, want 2 (Квалификация, won)", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM deal_contacts WHERE deal_id = $1`, deals[0].ID); n != 1 {
			t.Errorf("%d other contacts, want 1 (the main one is not repeated)", n)
		}
	})
}

// UpdateDeals applies each update of a batch exactly as UpdateDeal applies it — the same deal,
// items, tags and other contacts, the same stage move, responsible change, audit entry and events
// — writes nothing for an update that changes nothing, and reports each failing update on its own:
// a deal deleted or out of the actor's sight, an invalid amount.
func TestUpdateDealsIsUpdateDealInBulk(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newDealEnv(t, db)
		admin := e.o.Actor(t, e.o.Admin)
		c, _, err := e.svc.CreateContact(ctx, admin, crm.ContactInput{Name: "Ольга"})
		if err != nil {
			t.Fatal(err)
		}
		price := int64(70_000)
		mk := func(name string) int64 {
			t.Helper()
			d, err := e.svc.CreateDeal(ctx, admin, crm.DealCreate{Name: name, ResponsibleID: e.o.North1.ID, Amount: 50_000, Tags: []string{"старый"}})
			if err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		one, bulk, same, gone, invalid, south := mk("Тур"), mk("Тур"), mk("Тур"), mk("Тур"), mk("Тур"), mk("Тур")
		if err := e.svc.DeleteDeal(ctx, admin, gone); err != nil {
			t.Fatal(err)
		}
		won := e.stage(crm.StageWon, 0).ID
		name, region := "  Тур на Бали ", "Москва"
		tags := []string{"VIP"}
		items := []crm.ItemInput{{Name: "Тур", Quantity: 2, Price: &price}}
		upd := crm.DealUpdate{Name: &name, Region: &region, StageID: &won, ResponsibleID: &e.o.North2.ID, ContactID: &c.ID,
			Tags: &tags, Items: &items}
		e.clock.T = e.clock.T.Add(time.Hour)
		if _, err := e.svc.UpdateDeal(ctx, admin, one, upd); err != nil {
			t.Fatal(err)
		}
		neg := int64(-5)
		unchanged := crm.DealUpdate{Name: ptrTo("Тур"), ResponsibleID: &e.o.North1.ID}
		errs, err := e.svc.UpdateDeals(ctx, admin, []int64{bulk, same, gone, invalid}, []crm.DealUpdate{upd, unchanged, upd, {Amount: &neg}})
		if err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("valid updates failed: %v", errs)
		}
		if crm.ErrorCode(errs[2]) != crm.ENOTFOUND || crm.ErrorCode(errs[3]) != crm.EINVALID {
			t.Errorf("deleted deal: %v; negative amount: %v", errs[2], errs[3])
		}
		// A manager of the other team does not see north1's deal.
		errs, err = e.svc.UpdateDeals(ctx, e.o.Actor(t, e.o.South1), []int64{south}, []crm.DealUpdate{upd})
		if err != nil || crm.ErrorCode(errs[0]) != crm.ENOTFOUND {
			t.Errorf("another team's deal: %v %v", errs, err)
		}
		for _, id := range []int64{same, invalid, south} {
			if n := e.count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'deal' AND entity_id = $1 AND action = 'update'`, id); n != 0 {
				t.Errorf("deal %d: %d update audit entries, want none", id, n)
			}
			if d, err := e.svc.Deal(ctx, admin, id); err != nil || d.Version != 1 || d.Amount != 50_000 {
				t.Errorf("deal %d written: %+v %v", id, d, err)
			}
		}
		if _, err := e.svc.UpdateDeals(ctx, admin, []int64{one, one}, []crm.DealUpdate{upd, upd}); err == nil {
			t.Error("a deal twice in a batch was accepted")
		}

		// What UpdateDeal stored for one is what UpdateDeals stored for bulk, ids aside.
		a, b := describeDeal(t, e, admin, one), describeDeal(t, e, admin, bulk)
		if a != b {
			t.Errorf("UpdateDeal stored\n%s\nUpdateDeals stored\n%s", a, b)
		}
		// The fixture: won, 140,000 from the items, north2's, the tags replaced.
		d, _ := e.svc.Deal(ctx, admin, bulk)
		if d.Status != crm.DealWon || d.Amount != 140_000 || d.ResponsibleID != e.o.North2.ID || d.Name != "Тур на Бали" || len(d.Tags) != 1 || d.Tags[0] != "VIP" || d.Version != 2 {
			t.Errorf("bulk deal %+v", d)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// describeDeal is everything stored of a deal but its ids: its fields, items and stage history,
// then its audit entries, events and responsible changes, a line each in order.
func describeDeal(t *testing.T, e *dealEnv, admin *crm.Actor, id int64) string {
	t.Helper()
	ctx := context.Background()
	d, err := e.svc.Deal(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := e.svc.DealHistory(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	items := d.Items
	d.ID, d.ExternalID, d.Items = 0, "", nil
	s := fmt.Sprintf("%+v items:", *d)
	for _, it := range items {
		it.ID = 0
		s += fmt.Sprintf(" %+v", *it)
	}
	for _, st := range stages {
		st.ID, st.DealID = 0, 0
		s += fmt.Sprintf(" stage %+v", *st)
	}
	rows, err := e.db.SQL().Query(`SELECT 'audit ' || action || ' ' || changes FROM audit_log WHERE entity = 'deal' AND entity_id = $1
		UNION ALL SELECT 'event ' || type || ' ' || payload FROM events WHERE entity = 'deal' AND entity_id = $1
		UNION ALL SELECT 'responsible ' || CAST(from_user_id AS TEXT) || ' → ' || CAST(to_user_id AS TEXT) FROM deal_responsible_events WHERE deal_id = $1
		ORDER BY 1`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		s += "\n" + line
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}
