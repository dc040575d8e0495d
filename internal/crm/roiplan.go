package crm

import (
	"context"
	"fmt"
	"time"
)

// ROIPlanInputs are the inputs of the ROI planner (KPI.md «Прогноз эффекта до внедрения»): the
// business as it is before the CRM, the effects expected of it and what it will cost. Money is in
// minor units; percentages are percents (15 is 15 %). The JSON form is how the plan is stored.
type ROIPlanInputs struct {
	MonthlyLeads       int64      `json:"monthly_leads"`
	ConversionPct      float64    `json:"conversion_pct"`  // leads to sales
	AverageCheck       int64      `json:"average_check"`   // minor units
	MarginRatePct      float64    `json:"margin_rate_pct"` // margin / revenue
	CustomerBase       int64      `json:"customer_base"`
	ChurnPctYear       float64    `json:"churn_pct_year"`
	Managers           int64      `json:"managers"`
	ManagerMonthlyCost int64      `json:"manager_monthly_cost"` // minor units, each, with taxes
	Effects            ROIEffects `json:"effects"`
	Costs              []ROICost  `json:"costs"`
	HorizonMonths      int        `json:"horizon_months"`
	DiscountRatePct    float64    `json:"discount_rate_pct"` // per year
}

// ROIEffects are the effects expected of the CRM at full strength, in percent.
type ROIEffects struct {
	SalesPct        float64 `json:"sales_pct"`        // more sales (margin) from the same leads
	ProductivityPct float64 `json:"productivity_pct"` // managers' productivity
	LifetimePct     float64 `json:"lifetime_pct"`     // customer lifetime (1 / churn)
	BasePct         float64 `json:"base_pct"`         // customer base growth, reached over BaseMonths
	BaseMonths      int     `json:"base_months"`      // 0: 24 (two years)
	RampUpMonths    int     `json:"ramp_up_months"`   // the other effects grow linearly to full over these; 0: full at once
}

// ROICost is an item of the CRM's cost schedule: one-off in its month, or monthly from its month
// to the horizon. Month 1 is the first month of the plan (the go-live month).
type ROICost struct {
	Month  int    `json:"month"`
	Amount int64  `json:"amount"`
	Kind   string `json:"kind"` // one_off, monthly
}

// ROIPlan is an account's saved planner inputs.
type ROIPlan struct {
	Inputs    ROIPlanInputs
	UpdatedAt time.Time
	Version   int64
}

// ROIPlanStore stores the planner's inputs, one set per account.
type ROIPlanStore interface {
	// FindROIPlan returns the account's plan; ENOTFOUND when none was saved.
	FindROIPlan(ctx context.Context, actor *Actor) (*ROIPlan, error)
	// SaveROIPlan inserts the account's plan (expectVersion 0) or replaces it when its version is
	// expectVersion; ECONFLICT otherwise. It sets p.Version.
	SaveROIPlan(ctx context.Context, actor *Actor, p *ROIPlan, expectVersion int64) error
}

// Bounds of the planner's inputs.
const (
	maxPlanHorizon = 120
	maxPlanCosts   = 200
	maxPlanMoney   = 1_000_000_000_000_000 // 10¹⁵ minor units: far above any plan, far below 2⁶³
)

// Normalize fills the defaults: the base grows over 24 months.
func (in *ROIPlanInputs) Normalize() {
	if in.Effects.BaseMonths == 0 {
		in.Effects.BaseMonths = 24
	}
}

// Validate checks the inputs; EINVALID naming every field at fault.
func (in *ROIPlanInputs) Validate() error {
	var v Validation
	count := func(field string, x, hi int64) {
		if x < 0 || x > hi {
			v.Add(field, "out_of_range", fmt.Sprintf("must be from 0 to %d", hi))
		}
	}
	pct := func(field string, x, hi float64) {
		if !(x >= 0 && x <= hi) {
			v.Add(field, "out_of_range", fmt.Sprintf("must be from 0 to %g %%", hi))
		}
	}
	count("monthly_leads", in.MonthlyLeads, 100_000_000)
	pct("conversion_pct", in.ConversionPct, 100)
	count("average_check", in.AverageCheck, maxPlanMoney)
	pct("margin_rate_pct", in.MarginRatePct, 100)
	count("customer_base", in.CustomerBase, 1_000_000_000)
	pct("churn_pct_year", in.ChurnPctYear, 100)
	count("managers", in.Managers, 1_000_000)
	count("manager_monthly_cost", in.ManagerMonthlyCost, maxPlanMoney)
	pct("effects.sales_pct", in.Effects.SalesPct, 1000)
	pct("effects.productivity_pct", in.Effects.ProductivityPct, 1000)
	pct("effects.lifetime_pct", in.Effects.LifetimePct, 1000)
	pct("effects.base_pct", in.Effects.BasePct, 1000)
	if in.Effects.BaseMonths < 0 || in.Effects.BaseMonths > maxPlanHorizon {
		v.Add("effects.base_months", "out_of_range", fmt.Sprintf("must be from 1 to %d (0: 24)", maxPlanHorizon))
	}
	if in.Effects.RampUpMonths < 0 || in.Effects.RampUpMonths > maxPlanHorizon {
		v.Add("effects.ramp_up_months", "out_of_range", fmt.Sprintf("must be from 0 to %d", maxPlanHorizon))
	}
	if in.HorizonMonths < 1 || in.HorizonMonths > maxPlanHorizon {
		v.Add("horizon_months", "out_of_range", fmt.Sprintf("must be from 1 to %d", maxPlanHorizon))
	}
	pct("discount_rate_pct", in.DiscountRatePct, 100)
	if len(in.Costs) > maxPlanCosts {
		v.Add("costs", "too_many", fmt.Sprintf("at most %d items", maxPlanCosts))
	}
	for i, c := range in.Costs {
		f := fmt.Sprintf("costs[%d].", i)
		if c.Month < 1 || c.Month > max(1, in.HorizonMonths) {
			v.Add(f+"month", "out_of_range", "must be a month of the plan, from 1 to horizon_months")
		}
		count(f+"amount", c.Amount, maxPlanMoney)
		if c.Kind != "one_off" && c.Kind != "monthly" {
			v.Add(f+"kind", "one_of", "must be one_off or monthly")
		}
	}
	return v.Err()
}

// ROIPlan returns the account's saved planner inputs. Administrators and heads of sales; ENOTFOUND
// when none were saved.
func (s *Service) ROIPlan(ctx context.Context, actor *Actor) (*ROIPlan, error) {
	if err := headOrAdmin(actor); err != nil {
		return nil, err
	}
	var p *ROIPlan
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		p, err = tx.FindROIPlan(ctx, actor)
		return err
	})
	return p, err
}

// CheckROIPlan normalises and validates inputs for a plan computed without saving them.
// Administrators and heads of sales. EFORBIDDEN, EINVALID.
func (s *Service) CheckROIPlan(actor *Actor, in *ROIPlanInputs) error {
	if err := headOrAdmin(actor); err != nil {
		return err
	}
	in.Normalize()
	return in.Validate()
}

// SaveROIPlan validates and stores the account's planner inputs, replacing the saved ones.
// version, when given, must be the saved version (0: none saved yet). Administrators only.
// EFORBIDDEN, EINVALID, ECONFLICT.
func (s *Service) SaveROIPlan(ctx context.Context, actor *Actor, in ROIPlanInputs, version *int64) (*ROIPlan, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	p := &ROIPlan{Inputs: in}
	err := s.store.Write(ctx, func(tx Tx) error {
		var stored int64
		old, err := tx.FindROIPlan(ctx, actor)
		switch {
		case err == nil:
			stored = old.Version
		case ErrorCode(err) != ENOTFOUND:
			return err
		}
		if err := checkVersion(version, stored); err != nil {
			return err
		}
		p.UpdatedAt = s.Now()
		if err := tx.SaveROIPlan(ctx, actor, p, stored); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "roi_plan", actor.AccountID, "save", map[string]Change{"version": {Before: stored, After: p.Version}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
