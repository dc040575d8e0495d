package analytics

import (
	"context"
	"math"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// The ROI planner of KPI.md («Прогноз эффекта до внедрения»): before go-live, the month-by-month
// margin the CRM should add, from the company's own business model, against what it costs.
//
// Today's monthly margin is leads × conversion × average check × margin rate; a customer's monthly
// margin is that margin / the customer base. Month t of the plan (1 = the go-live month) gains:
//
//   - sales: today's monthly margin × sales % × ramp(t);
//   - productivity: the payroll the managers no longer spend on the same work, managers × monthly
//     cost × q / (1 + q), q = productivity % × ramp(t) (25 % more productive: the work takes 80 % of
//     the time, 20 % of the payroll is freed);
//   - lifetime: customers kept. Monthly churn is annual churn / 12; a lifetime longer by
//     L = lifetime % × ramp(t) divides it by 1 + L; the customers kept accumulate,
//     kept(t) = kept(t − 1) + base × (churn − churn / (1 + L)), each worth a customer's monthly margin;
//   - base: the base grows linearly to base % at base_months (24 by default) and stays there; the
//     extra customers × a customer's monthly margin;
//
// ramp(t) = min(1, t / ramp_up_months) (1 without a ramp-up). Each part is rounded to a minor unit
// per month and the month's gain is their sum, so the figures add up exactly. Costs: a one-off item
// in its month, a monthly item every month from its month. ROI = (Σ gain − Σ cost) / Σ cost × 100 over
// the horizon (null without costs); the payback month is the first month with costs so far whose
// cumulative gain ≥ cumulative cost (null if none) — as payback_month is measured after go-live;
// NPV = Σ (gain − cost) / (1 + r/12)^t, r the annual discount rate (compounded monthly), rounded.
// The effects are independent as entered: one already contained in another (a base growth that is
// the sales growth) must be left at 0. Scenarios scale every effect: pessimistic × 0.5, base × 1,
// optimistic × 1.5; the costs are the same in all three.

// PlanScenarios are the scenarios of the planner and their effect factors.
var PlanScenarios = []struct {
	Name   string
	Factor float64
}{{"pessimistic", 0.5}, {"base", 1}, {"optimistic", 1.5}}

// PlanMonth is a month of a planned scenario; money in minor units, cumulative from month 1.
type PlanMonth struct {
	Month        int   `json:"month"`
	Sales        int64 `json:"sales"`
	Productivity int64 `json:"productivity"`
	Lifetime     int64 `json:"lifetime"`
	Base         int64 `json:"base"`
	Gain         int64 `json:"gain"`
	Cost         int64 `json:"cost"`
	CumGain      int64 `json:"cum_gain"`
	CumCost      int64 `json:"cum_cost"`
}

// PlanScenario is the plan of one scenario.
type PlanScenario struct {
	Name         string      `json:"name"`
	Factor       float64     `json:"factor"`
	Months       []PlanMonth `json:"months"`
	TotalGain    int64       `json:"total_gain"`
	TotalCost    int64       `json:"total_cost"`
	ROI          *float64    `json:"roi"`           // percent
	PaybackMonth *int        `json:"payback_month"` // 1-based
	NPV          int64       `json:"npv"`
}

// Plan is the planner's answer.
type Plan struct {
	MonthlyMargin int64          `json:"monthly_margin"` // today's, rounded
	Scenarios     []PlanScenario `json:"scenarios"`
}

// ComputePlan computes the three scenarios of valid, normalised inputs.
func ComputePlan(in crm.ROIPlanInputs) *Plan {
	margin := float64(in.MonthlyLeads) * in.ConversionPct / 100 * float64(in.AverageCheck) * in.MarginRatePct / 100
	plan := &Plan{MonthlyMargin: int64(math.Round(margin))}
	for _, sc := range PlanScenarios {
		plan.Scenarios = append(plan.Scenarios, planScenario(in, margin, sc.Name, sc.Factor))
	}
	return plan
}

func planScenario(in crm.ROIPlanInputs, margin float64, name string, factor float64) PlanScenario {
	ef := in.Effects
	baseMonths := ef.BaseMonths
	if baseMonths <= 0 {
		baseMonths = 24
	}
	var perCustomer float64
	if in.CustomerBase > 0 {
		perCustomer = margin / float64(in.CustomerBase)
	}
	base := float64(in.CustomerBase)
	churn := in.ChurnPctYear / 100 / 12
	payroll := float64(in.Managers) * float64(in.ManagerMonthlyCost)
	rate := in.DiscountRatePct / 100 / 12
	sc := PlanScenario{Name: name, Factor: factor}
	var kept, npv float64
	for t := 1; t <= in.HorizonMonths; t++ {
		ramp := 1.0
		if ef.RampUpMonths > 0 {
			ramp = math.Min(1, float64(t)/float64(ef.RampUpMonths))
		}
		m := PlanMonth{Month: t}
		m.Sales = round(margin * ef.SalesPct / 100 * factor * ramp)
		q := ef.ProductivityPct / 100 * factor * ramp
		m.Productivity = round(payroll * q / (1 + q))
		l := ef.LifetimePct / 100 * factor * ramp
		kept += base * (churn - churn/(1+l))
		m.Lifetime = round(kept * perCustomer)
		m.Base = round(base * ef.BasePct / 100 * factor * math.Min(1, float64(t)/float64(baseMonths)) * perCustomer)
		m.Gain = m.Sales + m.Productivity + m.Lifetime + m.Base
		for _, c := range in.Costs {
			if c.Month == t || c.Kind == "monthly" && c.Month < t {
				m.Cost += c.Amount
			}
		}
		sc.TotalGain += m.Gain
		sc.TotalCost += m.Cost
		m.CumGain, m.CumCost = sc.TotalGain, sc.TotalCost
		if sc.PaybackMonth == nil && m.CumCost > 0 && m.CumGain >= m.CumCost {
			sc.PaybackMonth = &m.Month
		}
		npv += float64(m.Gain-m.Cost) / math.Pow(1+rate, float64(t))
		sc.Months = append(sc.Months, m)
	}
	sc.ROI = ratio(float64(sc.TotalGain-sc.TotalCost), float64(sc.TotalCost), 100)
	sc.NPV = round(npv)
	return sc
}

func round(x float64) int64 { return int64(math.Round(x)) }

// MeasuredROI is crm_roi as measured over [From, To).
type MeasuredROI struct {
	From        crm.Date `json:"from"`
	To          crm.Date `json:"to"`
	Value       *float64 `json:"value"` // percent
	Numerator   *float64 `json:"numerator"`
	Denominator *float64 `json:"denominator"`
}

// MeasuredCRMROI is crm_roi measured for the actor from the go-live date to the first day of
// today's month in the account's zone, to be put beside the plan; nil when the KPI is not
// registered, there is no go-live date, or no day lies between the two.
func (e *Engine) MeasuredCRMROI(ctx context.Context, actor *crm.Actor, goLive crm.Date, now time.Time, loc *time.Location) (*MeasuredROI, error) {
	if Lookup("crm_roi") == nil || goLive.IsZero() {
		return nil, nil
	}
	to := crm.DateOf(now.In(loc)).MonthStart()
	if !goLive.Before(to) {
		return nil, nil
	}
	rs, err := e.Compute(ctx, actor, Request{IDs: []string{"crm_roi"}, Period: Period{From: goLive, To: to, Loc: loc}})
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if len(r.Slice) == 0 {
			return &MeasuredROI{From: goLive, To: to, Value: r.Value, Numerator: r.Numerator, Denominator: r.Denominator}, nil
		}
	}
	return nil, nil
}
