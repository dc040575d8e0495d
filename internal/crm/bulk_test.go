package crm_test

import (
	"context"
	"testing"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestBulkIsAllOrNothing(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, _ := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		admin := o.Actor(t, o.Admin)
		names := []string{"East", "", "West", "North", "Centre"} // item 1 is invalid, item 3 is taken
		err := svc.Bulk(ctx, len(names), func(ctx context.Context, i int) error {
			_, err := svc.CreateTeam(ctx, admin, names[i])
			return err
		})
		e, ok := err.(*crm.Error)
		if !ok || len(e.Fields) < 2 || e.Fields[0].Field != "items[1].name" || e.Fields[1].Field != "items[3].name" {
			t.Fatalf("bulk error: %v", err)
		}
		if e.Code != crm.ECONFLICT {
			t.Errorf("code %q, want conflict (item 3 is taken)", e.Code)
		}
		ts, _ := svc.Teams(ctx, admin)
		if len(ts) != 2 { // North and South of the fixture; East was rolled back
			t.Fatalf("teams after a failed bulk: %d, want 2", len(ts))
		}
		var audit int
		_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'team' AND action = 'create'`).Scan(&audit)
		if audit != 2 {
			t.Errorf("audit entries of teams: %d, want 2", audit)
		}

		ok2 := []string{"East", "West", "Centre"}
		if err := svc.Bulk(ctx, len(ok2), func(ctx context.Context, i int) error {
			_, err := svc.CreateTeam(ctx, admin, ok2[i])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ts, _ := svc.Teams(ctx, admin); len(ts) != 5 {
			t.Fatalf("teams after a good bulk: %d, want 5", len(ts))
		}
		err = svc.Bulk(ctx, crm.MaxBulk+1, func(context.Context, int) error { return nil })
		wantCode(t, err, crm.EINVALID, "items")
	})
}
