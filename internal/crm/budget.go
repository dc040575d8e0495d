package crm

import (
	"context"
	"slices"
	"time"
)

// SpendEntry is marketing spend of a channel over StartsOn..EndsOn inclusive; KPIs pro-rate it by day.
type SpendEntry struct {
	ID        int64
	ChannelID int64
	StartsOn  Date
	EndsOn    Date
	Amount    int64
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// SalesPlan is a month's plan of a manager (scope "user"), a team ("team") or the account ("account").
type SalesPlan struct {
	ID       int64
	Month    Date // the first day of the month
	Scope    string
	ScopeID  int64 // user or team id; 0 for the account
	Revenue  int64
	Margin   int64
	WonDeals int
	Version  int64
}

// CRM cost categories (administrator salary is admin_salary).
var CostCategories = []string{"licence", "implementation", "customisation", "training", "hardware", "support", "admin_salary", "other"}

// CRMCost is what the CRM itself costs: one-off, or monthly from IncurredOn through EndsOn.
type CRMCost struct {
	ID          int64
	Category    string
	IncurredOn  Date
	Recurrence  string // one_off, monthly
	EndsOn      Date
	Amount      int64
	Acquisition bool // counts as an acquisition cost in CAC
	Note        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// BudgetStore stores marketing spend, sales plans and CRM costs.
type BudgetStore interface {
	InsertSpend(ctx context.Context, actor *Actor, e *SpendEntry) error
	// FindSpend returns the live entries overlapping [from, to] (zero dates: unbounded), by start.
	FindSpend(ctx context.Context, actor *Actor, channelID int64, from, to Date) ([]*SpendEntry, error)
	DeleteSpend(ctx context.Context, actor *Actor, id int64, at time.Time) error
	// UpsertSalesPlan stores the plan of (month, scope, scope id), replacing the one there.
	UpsertSalesPlan(ctx context.Context, actor *Actor, p *SalesPlan, at time.Time) error
	FindSalesPlans(ctx context.Context, actor *Actor, month Date) ([]*SalesPlan, error)
	InsertCost(ctx context.Context, actor *Actor, c *CRMCost) error
	FindCosts(ctx context.Context, actor *Actor) ([]*CRMCost, error)
	DeleteCost(ctx context.Context, actor *Actor, id int64, at time.Time) error
}

func headOrAdmin(actor *Actor) error {
	if actor.Role == RoleManager {
		return Errorf(EFORBIDDEN, "Only administrators and heads of sales may do this.")
	}
	return nil
}

// AddSpend records marketing spend. Administrators and heads. EINVALID.
func (s *Service) AddSpend(ctx context.Context, actor *Actor, e *SpendEntry) error {
	if err := headOrAdmin(actor); err != nil {
		return err
	}
	var v Validation
	if e.StartsOn.IsZero() {
		v.Add("starts_on", "required", "must be a date")
	}
	if e.EndsOn.IsZero() {
		v.Add("ends_on", "required", "must be a date")
	} else if e.EndsOn.Before(e.StartsOn) {
		v.Add("ends_on", "order", "must not be before starts_on")
	}
	if e.Amount < 0 {
		v.Add("amount", "negative", "must not be negative")
	}
	v.MaxLen("note", e.Note, 1000)
	return s.store.Write(ctx, func(tx Tx) error {
		if e.ChannelID == 0 {
			v.Add("channel_id", "required", "spend belongs to a channel")
		} else {
			s.checkRef(ctx, tx, actor, &v, "channel_id", "channels", e.ChannelID)
		}
		if err := v.Err(); err != nil {
			return err
		}
		e.CreatedAt, e.UpdatedAt = s.Now(), s.Now()
		if err := tx.InsertSpend(ctx, actor, e); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "marketing_spend", e.ID, "create", map[string]Change{"amount": {After: e.Amount}, "channel_id": {After: e.ChannelID}})
	})
}

// Spend lists marketing spend overlapping [from, to] (zero dates: all). Every user may read it.
func (s *Service) Spend(ctx context.Context, actor *Actor, channelID int64, from, to Date) ([]*SpendEntry, error) {
	var out []*SpendEntry
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.FindSpend(ctx, actor, channelID, from, to)
		return err
	})
	return out, err
}

// DeleteSpend removes a spend entry. Administrators and heads. ENOTFOUND.
func (s *Service) DeleteSpend(ctx context.Context, actor *Actor, id int64) error {
	if err := headOrAdmin(actor); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if err := tx.DeleteSpend(ctx, actor, id, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "marketing_spend", id, "delete", nil)
	})
}

// SetSalesPlans stores the month's plans. Administrators set any; a head sets their team's and its
// members'. EFORBIDDEN, EINVALID (unknown user or team, negative figures).
func (s *Service) SetSalesPlans(ctx context.Context, actor *Actor, month Date, plans []*SalesPlan) error {
	if err := headOrAdmin(actor); err != nil {
		return err
	}
	month = month.MonthStart()
	var v Validation
	return s.store.Write(ctx, func(tx Tx) error {
		for i, p := range plans {
			f := func(name string) string { return "plans[" + itoa(i) + "]." + name }
			p.Month = month
			switch p.Scope {
			case "account":
				p.ScopeID = 0
				if !actor.IsAdmin() {
					v.Add(f("scope"), "forbidden", "only an administrator sets the account's plan")
				}
			case "team":
				if _, err := tx.FindTeam(ctx, actor, p.ScopeID); err != nil {
					v.Add(f("scope_id"), "unknown", "no such team in this account")
				} else if !actor.IsAdmin() && p.ScopeID != actor.TeamID {
					v.Add(f("scope_id"), "forbidden", "a head sets only their own team's plan")
				}
			case "user":
				if _, err := tx.FindUser(ctx, actor, p.ScopeID); err != nil {
					v.Add(f("scope_id"), "unknown", "no such user in this account")
				} else if !actor.CanSee(p.ScopeID) {
					v.Add(f("scope_id"), "forbidden", "a head sets plans only for their team")
				}
			default:
				v.Add(f("scope"), "one_of", "must be user, team or account")
			}
			if p.Revenue < 0 {
				v.Add(f("revenue"), "negative", "must not be negative")
			}
			if p.WonDeals < 0 {
				v.Add(f("won_deals"), "negative", "must not be negative")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		for _, p := range plans {
			if err := tx.UpsertSalesPlan(ctx, actor, p, s.Now()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, "sales_plan", 0, "set", map[string]Change{"month": {After: month.String()}, "plans": {After: len(plans)}})
	})
}

// SalesPlans returns the month's plans the actor may see: all for administrators and heads; a
// manager's own and the account's for a manager.
func (s *Service) SalesPlans(ctx context.Context, actor *Actor, month Date) ([]*SalesPlan, error) {
	var out []*SalesPlan
	err := s.store.Read(ctx, func(tx Tx) error {
		all, err := tx.FindSalesPlans(ctx, actor, month.MonthStart())
		if err != nil {
			return err
		}
		for _, p := range all {
			if actor.Role != RoleManager || p.Scope == "account" || p.Scope == "user" && p.ScopeID == actor.UserID ||
				p.Scope == "team" && p.ScopeID == actor.TeamID {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// AddCost records a CRM cost. Administrators only. EINVALID.
func (s *Service) AddCost(ctx context.Context, actor *Actor, c *CRMCost) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if c.Recurrence == "" {
		c.Recurrence = "one_off"
	}
	var v Validation
	if !slices.Contains(CostCategories, c.Category) {
		v.Add("category", "one_of", "must be one of licence, implementation, customisation, training, hardware, support, admin_salary, other")
	}
	if c.IncurredOn.IsZero() {
		v.Add("incurred_on", "required", "must be a date")
	}
	if c.Recurrence != "one_off" && c.Recurrence != "monthly" {
		v.Add("recurrence", "one_of", "must be one_off or monthly")
	}
	if !c.EndsOn.IsZero() && (c.Recurrence != "monthly" || c.EndsOn.Before(c.IncurredOn)) {
		v.Add("ends_on", "invalid", "only a monthly cost ends, not before it starts")
	}
	if c.Amount < 0 {
		v.Add("amount", "negative", "must not be negative")
	}
	v.MaxLen("note", c.Note, 1000)
	if err := v.Err(); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		c.CreatedAt, c.UpdatedAt = s.Now(), s.Now()
		if err := tx.InsertCost(ctx, actor, c); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "crm_cost", c.ID, "create", map[string]Change{"category": {After: c.Category}, "amount": {After: c.Amount}})
	})
}

// Costs lists the CRM cost ledger. Administrators and heads.
func (s *Service) Costs(ctx context.Context, actor *Actor) ([]*CRMCost, error) {
	if err := headOrAdmin(actor); err != nil {
		return nil, err
	}
	var out []*CRMCost
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.FindCosts(ctx, actor)
		return err
	})
	return out, err
}

// DeleteCost removes a cost entry. Administrators only. ENOTFOUND.
func (s *Service) DeleteCost(ctx context.Context, actor *Actor, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if err := tx.DeleteCost(ctx, actor, id, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "crm_cost", id, "delete", nil)
	})
}
