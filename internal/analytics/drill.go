package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// Drill-down: the deals behind a figure (KPI.md: "any figure can be audited and drilled into").
// A KPI's numerator and denominator are each a set of deals in the period; a slice of a figure
// is drilled into by the filter of the slice (manager_id for a manager's row, product_id for a
// product's, client_type for new / existing clients) and a bucket by its own period.

// dealSet names a set of deals of a period.
type dealSet string

const (
	setCreated     dealSet = "created"     // created in the period: the leads
	setCohortWon   dealSet = "cohort_won"  // created in the period and won by now
	setWon         dealSet = "won"         // won, closed in the period
	setLost        dealSet = "lost"        // lost, closed in the period
	setClosed      dealSet = "closed"      // won or lost, closed in the period
	setOpen        dealSet = "open"        // open at the end of the period
	setUpsell      dealSet = "upsell"      // won in the period with an add-on item
	setRepeat      dealSet = "repeat"      // won in the period, of an existing client
	setTouched     dealSet = "touched"     // created in the period and touched since
	setUncontacted dealSet = "uncontacted" // created in the period, not touched within the SLA
	setFirstWin    dealSet = "first_win"   // won in the period, the first won deal of its client: a new customer
)

// drills says which deals are behind the numerator and the denominator of each KPI that counts
// deals; "" where a part has no deals behind it (a sum of spend, a plan).
var drills = map[string][2]dealSet{
	"leads":                  {setCreated, ""},
	"won_deals":              {setWon, ""},
	"lost_deals":             {setLost, ""},
	"lead_conversion":        {setWon, setCreated},
	"cohort_conversion":      {setCohortWon, setCreated},
	"win_rate":               {setWon, setClosed},
	"revenue":                {setWon, ""},
	"average_check":          {setWon, setWon},
	"margin":                 {setWon, ""},
	"margin_rate":            {setWon, setWon},
	"sales_cycle_days":       {setWon, setWon},
	"upsell_deals":           {setUpsell, ""},
	"upsell_revenue":         {setUpsell, ""},
	"upsell_rate":            {setUpsell, setWon},
	"repeat_sales":           {setRepeat, ""},
	"open_pipeline":          {setOpen, setOpen},
	"weighted_pipeline":      {setOpen, setOpen},
	"lead_response_minutes":  {setTouched, setTouched},
	"uncontacted_leads":      {setUncontacted, setCreated},
	"cost_per_lead":          {"", setCreated},
	"cost_per_sale":          {"", setWon},
	"romi":                   {setWon, ""},
	"plan_fact_revenue":      {setWon, ""},
	"plan_fact_margin":       {setWon, ""},
	"complaints_per_100_won": {"", setWon},
	"productivity":           {setWon, ""},
	"productivity_won_deals": {setWon, ""},
	"data_quality":           {"", setOpen},
	"new_customers":          {setFirstWin, ""},
	"cac":                    {"", setFirstWin},
}

// DrillRequest asks for the deals behind a KPI's numerator (Part "numerator", the default) or
// denominator over a period, narrowed by a filter; Limit (default 100, at most 1000) and Offset
// page through them, newest first.
type DrillRequest struct {
	KPI           string
	Part          string
	Period        Period
	Filter        Filter
	Limit, Offset int
}

// DrillDeal is a deal behind a figure. Amount is the deal's, or its product's items' when the
// request filters by product.
type DrillDeal struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	Status        string     `json:"status"`
	Amount        int64      `json:"amount"`
	ResponsibleID int64      `json:"responsible_id"`
	Responsible   string     `json:"responsible"`
	CreatedAt     time.Time  `json:"created_at"`
	ClosedAt      *time.Time `json:"closed_at"`
}

// Drill is the answer of a drill-down: the deals of a page and how many there are in all.
type Drill struct {
	KPI   string      `json:"kpi"`
	Part  string      `json:"part"`
	Set   string      `json:"set"`
	Total int         `json:"total"`
	Deals []DrillDeal `json:"deals"`
}

// Records lists the deals behind a figure, within what the actor may see.
func (e *Engine) Records(ctx context.Context, actor *crm.Actor, req DrillRequest) (*Drill, error) {
	var v crm.Validation
	parts, known := drills[req.KPI]
	if Lookup(req.KPI) == nil {
		v.Add("kpi", "unknown", fmt.Sprintf("%q is not a KPI", req.KPI))
	} else if !known {
		v.Add("kpi", "no_records", fmt.Sprintf("%s is not a count of deals: it has no deals to list", req.KPI))
	}
	if req.Part == "" {
		req.Part = "numerator"
	}
	var set dealSet
	switch req.Part {
	case "numerator":
		set = parts[0]
	case "denominator":
		set = parts[1]
	default:
		v.Add("part", "unknown", fmt.Sprintf("%q: numerator or denominator", req.Part))
	}
	if known && set == "" && (req.Part == "numerator" || req.Part == "denominator") {
		v.Add("part", "no_records", fmt.Sprintf("the %s of %s is not a count of deals", req.Part, req.KPI))
	}
	if req.Limit < 0 || req.Offset < 0 || req.Limit > 1000 {
		v.Add("limit", "range", "limit is 1…1000 and offset ≥ 0")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := req.Period.Validate(); err != nil {
		return nil, err
	}
	if req.Limit == 0 {
		req.Limit = 100
	}
	q := &query{engine: e.db.Engine}
	amount := "d.amount"
	join := q.productJoin(actor, nil, req.Filter)
	upsell := `EXISTS (SELECT 1 FROM deal_items i WHERE i.account_id = d.account_id AND i.deal_id = d.id AND i.upsell)`
	if join != "" {
		amount, upsell = "COALESCE(dpi.amount, d.amount)", "COALESCE(dpi.upsell_items, 0) > 0"
	}
	span := req.Period.Spans(None)[0]
	// Each bound is a parameter where it is used: PostgreSQL cannot type a parameter no clause uses.
	var created, closed string
	if set == setOpen {
		en := q.add(span.End)
		created = fmt.Sprintf("d.created_at < %s AND (d.closed_at IS NULL OR d.closed_at >= %s)", en, en)
	} else {
		s, en := q.add(span.Start), q.add(span.End)
		created = fmt.Sprintf("d.created_at >= %s AND d.created_at < %s", s, en)
		closed = fmt.Sprintf("d.closed_at >= %s AND d.closed_at < %s", s, en)
	}
	var cond string
	switch set {
	case setCreated:
		cond = created
	case setCohortWon:
		cond = created + " AND d.status = 'won'"
	case setWon:
		cond = closed + " AND d.status = 'won'"
	case setLost:
		cond = closed + " AND d.status = 'lost'"
	case setClosed:
		cond = closed + " AND d.status IN ('won', 'lost')"
	case setOpen:
		cond = created
	case setUpsell:
		cond = closed + " AND d.status = 'won' AND " + upsell
	case setRepeat:
		cond = closed + " AND d.status = 'won' AND " + q.existingClient() + " = 1"
	case setTouched:
		cond = created + " AND " + firstTouch + " IS NOT NULL"
	case setFirstWin:
		// As customers.go counts them: the client's won deals ordered by closed_at, then id.
		cond = closed + ` AND d.status = 'won' AND (d.company_id IS NOT NULL OR d.contact_id IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM deals p WHERE p.account_id = d.account_id AND p.status = 'won' AND p.deleted_at IS NULL
				AND (p.closed_at < d.closed_at OR (p.closed_at = d.closed_at AND p.id < d.id))
				AND ((d.company_id IS NOT NULL AND p.company_id = d.company_id)
					OR (d.company_id IS NULL AND p.company_id IS NULL AND p.contact_id = d.contact_id)))`
	case setUncontacted:
		cond = fmt.Sprintf("%s AND (%s IS NULL OR %s > %s)", created, firstTouch,
			q.seconds("d.created_at", firstTouch), q.add(e.slaSeconds(ctx, actor)))
	}
	from := fmt.Sprintf("FROM deals d JOIN users u ON u.id = d.responsible_id %s WHERE %s AND %s", join, q.where(actor, req.Filter), cond)
	out := &Drill{KPI: req.KPI, Part: req.Part, Set: string(set), Deals: []DrillDeal{}}
	if err := e.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) "+from, q.args...).Scan(&out.Total); err != nil {
		return nil, fmt.Errorf("analytics: drill: %w", err)
	}
	rows, err := e.db.Reader().QueryContext(ctx, fmt.Sprintf(`SELECT d.id, d.name, d.status, %s, d.responsible_id, u.name, d.created_at, d.closed_at
		%s ORDER BY d.created_at DESC, d.id DESC LIMIT %s OFFSET %s`, amount, from, q.add(req.Limit), q.add(req.Offset)), q.args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: drill: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x DrillDeal
		var closedAt sql.NullTime
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Amount, &x.ResponsibleID, &x.Responsible, &x.CreatedAt, &closedAt); err != nil {
			return nil, fmt.Errorf("analytics: drill: %w", err)
		}
		if closedAt.Valid {
			t := closedAt.Time.UTC()
			x.ClosedAt = &t
		}
		x.CreatedAt = x.CreatedAt.UTC()
		out.Deals = append(out.Deals, x)
	}
	return out, rows.Err()
}

// DrillParts lists the KPIs with deals behind them and their sets, for the docs and the catalog.
func DrillParts(id string) (numerator, denominator string) {
	p := drills[id]
	return string(p[0]), string(p[1])
}
