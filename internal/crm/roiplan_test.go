package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"github.com/voronka/voronka/internal/testkit"
)

func TestROIPlanSaveAndLoad(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, db *store.DB) {
		svc, clock := testkit.Service(db)
		ctx := context.Background()
		o := testkit.NewOrg(t, svc, "acme")
		beta := testkit.NewOrg(t, svc, "beta")
		admin := o.Actor(t, o.Admin)
		// Nothing saved yet.
		_, err := svc.ROIPlan(ctx, admin)
		wantCode(t, err, crm.ENOTFOUND, "")
		in := crm.ROIPlanInputs{MonthlyLeads: 150, ConversionPct: 15.3, AverageCheck: 8_500_000, MarginRatePct: 22.5,
			CustomerBase: 1200, ChurnPctYear: 18, Managers: 6, ManagerMonthlyCost: 12_000_000,
			Effects:       crm.ROIEffects{SalesPct: 15, ProductivityPct: 25, LifetimePct: 10, BasePct: 20, RampUpMonths: 6},
			Costs:         []crm.ROICost{{Month: 1, Amount: 90_000_000, Kind: "one_off"}, {Month: 2, Amount: 1_500_000, Kind: "monthly"}},
			HorizonMonths: 36, DiscountRatePct: 16}
		p, err := svc.SaveROIPlan(ctx, admin, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != 1 || p.Inputs.Effects.BaseMonths != 24 {
			t.Errorf("saved: version %d, base months %d (default 24)", p.Version, p.Inputs.Effects.BaseMonths)
		}
		got, err := svc.ROIPlan(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.Effects.BaseMonths = 24
		if got.Version != 1 || got.Inputs.ConversionPct != 15.3 || got.Inputs.AverageCheck != 8_500_000 || len(got.Inputs.Costs) != 2 ||
			got.Inputs.Costs[1] != want.Costs[1] || got.Inputs.Effects != want.Effects || !got.UpdatedAt.Equal(clock.T.UTC().Truncate(time.Microsecond)) {
			t.Errorf("loaded %+v", got)
		}
		// A head reads it; a manager may not; another account has none.
		if _, err := svc.ROIPlan(ctx, o.Actor(t, o.NorthHead)); err != nil {
			t.Errorf("head: %v", err)
		}
		_, err = svc.ROIPlan(ctx, o.Actor(t, o.North1))
		wantCode(t, err, crm.EFORBIDDEN, "")
		_, err = svc.ROIPlan(ctx, beta.Actor(t, beta.Admin))
		wantCode(t, err, crm.ENOTFOUND, "")
		// Only an administrator saves; invalid inputs are refused with their fields and change nothing.
		_, err = svc.SaveROIPlan(ctx, o.Actor(t, o.NorthHead), in, nil)
		wantCode(t, err, crm.EFORBIDDEN, "")
		bad := in
		bad.ChurnPctYear = -1
		_, err = svc.SaveROIPlan(ctx, admin, bad, nil)
		wantCode(t, err, crm.EINVALID, "churn_pct_year")
		// Replacing: with the stored version, or none; a stale version conflicts.
		in.MonthlyLeads = 200
		v1 := int64(1)
		if p, err = svc.SaveROIPlan(ctx, admin, in, &v1); err != nil || p.Version != 2 {
			t.Fatalf("replace: %v %+v", err, p)
		}
		_, err = svc.SaveROIPlan(ctx, admin, in, &v1)
		wantCode(t, err, crm.ECONFLICT, "")
		if got, _ := svc.ROIPlan(ctx, admin); got.Inputs.MonthlyLeads != 200 || got.Version != 2 {
			t.Errorf("after replace: %+v", got)
		}
	})
}
