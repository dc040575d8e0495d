package crm_test

import (
	"context"
	"testing"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

// A domain event exists if and only if the write that caused it committed: a bulk whose last item
// fails rolls back the records and the events of the items before it.
func TestEventsOnlyForCommittedWrites(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		mgr := o.Actor(t, o.North1)
		count := func(typ string) int {
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE account_id = $1 AND type = $2`, o.Account.ID, typ).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		names := []string{"Первая", "Вторая", ""}
		err := svc.Bulk(ctx, len(names), func(ctx context.Context, i int) error {
			_, err := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: names[i]})
			return err
		})
		wantCode(t, err, crm.EINVALID, "items[2].name")
		if n := count("deal.created"); n != 0 {
			t.Fatalf("deal.created events after a rolled-back bulk: %d", n)
		}
		names[2] = "Третья"
		if err := svc.Bulk(ctx, len(names), func(ctx context.Context, i int) error {
			_, err := svc.CreateDeal(ctx, mgr, crm.DealCreate{Name: names[i]})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var deals int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM deals WHERE account_id = $1`, o.Account.ID).Scan(&deals)
		if n := count("deal.created"); n != 3 || deals != 3 {
			t.Fatalf("after a committed bulk: %d events, %d deals; want 3 and 3", n, deals)
		}
		// Each kind of write leaves its event.
		c, _, _ := svc.CreateContact(ctx, mgr, crm.ContactInput{Name: "Анна"})
		_ = svc.RecordNPS(ctx, mgr, &crm.NPSAnswer{ContactID: c.ID, Score: 9})
		_ = svc.RegisterComplaint(ctx, mgr, &crm.Complaint{ContactID: c.ID, Text: "x"})
		for _, typ := range []string{"contact.created", "nps.answered", "complaint.registered"} {
			if n := count(typ); n != 1 {
				t.Errorf("%s events: %d, want 1", typ, n)
			}
		}
	})
}
