package analytics_test

import (
	"testing"

	"github.com/voronka/voronka/internal/analytics"
	"github.com/voronka/voronka/internal/crm"
)

// planInputs is the small business of the hand-computed plan: 100 leads a month, 10 % converted,
// an average check of 1,000.00 ₽ (100,000 kopecks), 40 % margin — 400,000 kopecks of margin a
// month; 100 customers (4,000 a customer a month), 12 % churn a year (1 % a month); 2 managers at
// 100,000 a month. Effects: sales +15 %, productivity +25 %, lifetime +25 %, base +24 % over 24
// months; a ramp-up of 2 months. Costs: 150,000 one-off and 10,000 a month from month 1. Three
// months at 12 % a year (1 % a month).
func planInputs() crm.ROIPlanInputs {
	return crm.ROIPlanInputs{MonthlyLeads: 100, ConversionPct: 10, AverageCheck: 100_000, MarginRatePct: 40,
		CustomerBase: 100, ChurnPctYear: 12, Managers: 2, ManagerMonthlyCost: 100_000,
		Effects:       crm.ROIEffects{SalesPct: 15, ProductivityPct: 25, LifetimePct: 25, BasePct: 24, BaseMonths: 24, RampUpMonths: 2},
		Costs:         []crm.ROICost{{Month: 1, Amount: 150_000, Kind: "one_off"}, {Month: 1, Amount: 10_000, Kind: "monthly"}},
		HorizonMonths: 3, DiscountRatePct: 12}
}

func TestPlannerByHand(t *testing.T) {
	plan := analytics.ComputePlan(planInputs())
	if plan.MonthlyMargin != 400_000 || len(plan.Scenarios) != 3 {
		t.Fatalf("margin %d, %d scenarios", plan.MonthlyMargin, len(plan.Scenarios))
	}
	base := plan.Scenarios[1]
	if base.Name != "base" || base.Factor != 1 {
		t.Fatalf("scenario %s ×%g", base.Name, base.Factor)
	}
	// Month 1 (ramp ½): sales 400,000 × 15 % × ½ = 30,000; productivity q = 12.5 %:
	// 200,000 × 0.125 / 1.125 = 22,222.2 → 22,222; lifetime: churn 1 % / 1.125, kept
	// 100 × (0.01 − 0.0088889) = 0.11111 customers × 4,000 = 444.4 → 444; base 100 × 24 % × 1/24 = 1
	// customer × 4,000. Gain 56,666; cost 150,000 + 10,000.
	// Month 2 (full): sales 60,000; productivity 200,000 × 0.25 / 1.25 = 40,000; kept + 100 × (0.01 −
	// 0.008) = 0.31111 × 4,000 = 1,244.4 → 1,244; base 2 customers = 8,000. Gain 109,244; cost 10,000.
	// Month 3: 60,000 + 40,000 + 0.51111 × 4,000 = 2,044 + 12,000 = 114,044; cost 10,000.
	want := []analytics.PlanMonth{
		{Month: 1, Sales: 30_000, Productivity: 22_222, Lifetime: 444, Base: 4_000, Gain: 56_666, Cost: 160_000, CumGain: 56_666, CumCost: 160_000},
		{Month: 2, Sales: 60_000, Productivity: 40_000, Lifetime: 1_244, Base: 8_000, Gain: 109_244, Cost: 10_000, CumGain: 165_910, CumCost: 170_000},
		{Month: 3, Sales: 60_000, Productivity: 40_000, Lifetime: 2_044, Base: 12_000, Gain: 114_044, Cost: 10_000, CumGain: 279_954, CumCost: 180_000},
	}
	for i, w := range want {
		if base.Months[i] != w {
			t.Errorf("month %d: %+v, want %+v", i+1, base.Months[i], w)
		}
	}
	// Month 2: 165,910 < 170,000; month 3: 279,954 ≥ 180,000.
	if base.PaybackMonth == nil || *base.PaybackMonth != 3 {
		t.Errorf("payback %v, want month 3", base.PaybackMonth)
	}
	if base.ROI == nil || !near(*base.ROI, 99_954.0/180_000*100) {
		t.Errorf("ROI %s, want 55.53 %%", show(base.ROI))
	}
	// NPV: −103,334 / 1.01 + 99,244 / 1.01² + 104,044 / 1.01³ = 95,961.69 → 95,962.
	if base.NPV != 95_962 || base.TotalGain != 279_954 || base.TotalCost != 180_000 {
		t.Errorf("NPV %d, gain %d, cost %d", base.NPV, base.TotalGain, base.TotalCost)
	}
	// Pessimistic, effects halved: month 1 sales 15,000; productivity 200,000 × 0.0625 / 1.0625 =
	// 11,764.7 → 11,765; kept 100 × (0.01 − 0.01 / 1.0625) = 0.058824 × 4,000 = 235; base 2,000.
	// Its cumulative gain never reaches the cost: no payback, ROI (145,248 − 180,000) / 180,000.
	pess := plan.Scenarios[0]
	if m := pess.Months[0]; m.Sales != 15_000 || m.Productivity != 11_765 || m.Lifetime != 235 || m.Base != 2_000 || m.Gain != 29_000 {
		t.Errorf("pessimistic month 1: %+v", m)
	}
	if pess.PaybackMonth != nil || pess.TotalGain != 29_000+56_902+59_346 || !near(*pess.ROI, float64(145_248-180_000)/180_000*100) {
		t.Errorf("pessimistic: payback %v, gain %d, ROI %s", pess.PaybackMonth, pess.TotalGain, show(pess.ROI))
	}
	// Optimistic (× 1.5) pays back in month 2: 83,211 + 158,267 ≥ 170,000.
	if opt := plan.Scenarios[2]; opt.PaybackMonth == nil || *opt.PaybackMonth != 2 || opt.Months[1].CumGain != 241_478 {
		t.Errorf("optimistic: payback %v, %+v", opt.PaybackMonth, opt.Months[1])
	}

	// Without costs there is no ROI and no payback; without customers the customer parts are 0; a
	// zero discount rate makes the NPV the plain sum.
	in := planInputs()
	in.Costs, in.CustomerBase, in.DiscountRatePct = nil, 0, 0
	free := analytics.ComputePlan(in).Scenarios[1]
	if free.ROI != nil || free.PaybackMonth != nil || free.Months[2].Lifetime != 0 || free.Months[2].Base != 0 || free.NPV != free.TotalGain {
		t.Errorf("no costs, no base: %+v", free)
	}
	if free.TotalGain != 30_000+22_222+60_000+40_000+60_000+40_000 {
		t.Errorf("gain %d", free.TotalGain)
	}
}

func TestPlannerValidation(t *testing.T) {
	in := planInputs()
	in.Normalize()
	if err := in.Validate(); err != nil {
		t.Fatalf("valid inputs: %v", err)
	}
	bad := planInputs()
	bad.ConversionPct = 101
	bad.AverageCheck = -1
	bad.HorizonMonths = 0
	bad.Effects.RampUpMonths = -2
	bad.Costs = append(bad.Costs, crm.ROICost{Month: 0, Amount: 5, Kind: "yearly"})
	err := bad.Validate()
	if crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("invalid inputs: %v", err)
	}
	fields := map[string]bool{}
	for _, f := range err.(*crm.Error).Fields {
		fields[f.Field] = true
	}
	for _, f := range []string{"conversion_pct", "average_check", "horizon_months", "effects.ramp_up_months", "costs[2].month", "costs[2].kind"} {
		if !fields[f] {
			t.Errorf("no error for %s: %v", f, fields)
		}
	}
	if len(fields) != 6 {
		t.Errorf("fields %v, want exactly the 6 at fault", fields)
	}
}
