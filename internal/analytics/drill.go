package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// Drill-down: the records behind a figure (KPI.md: "any figure can be audited and drilled into").
// Each part (numerator, denominator) of a KPI that counts or sums records lists them: deals,
// payments, scheduled payments, NPS answers, complaints, tasks, activities, contacts and
// companies, customers, marketing spend and CRM cost entries. A list follows exactly the rules of
// its figure: the same records, the same visibility and owner (a deal's manager, a task's
// responsible, an activity's author…), the period and the request's filters. A part that counts
// has as many records as its figure; a part that sums has records whose values add up to it.
// A slice of a figure is drilled into by the filter of the slice (manager_id for a manager's row,
// product_id for a product's, client_type for new / existing clients) and a bucket by its period.

// The kinds of records a drill-down lists (DrillRecord.Kind, and Drill.Kind when all are one).
const (
	KindDeal      = "deal"
	KindPayment   = "payment"           // a payment received
	KindScheduled = "scheduled_payment" // a payment of a deal's schedule (payment_plans)
	KindNPS       = "nps_answer"
	KindComplaint = "complaint"
	KindTask      = "task"
	KindActivity  = "activity"
	KindContact   = "contact"
	KindCompany   = "company"
	KindSpend     = "marketing_spend" // an entry of marketing spend
	KindCost      = "crm_cost"        // an entry of the CRM cost ledger
	// Drill.Kind of lists that mix kinds.
	KindClient      = "client"           // contacts and companies
	KindAcquisition = "acquisition_cost" // marketing spend and CRM cost entries marked acquisition
)

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
	setComplete    dealSet = "complete"    // open at the end of the period with amount, client, channel and an open task
	setWonTouched  dealSet = "won_touched" // won in the period with a touch logged between its creation and its close
	setStalled     dealSet = "stalled"     // open at the end of the period and stalled (stalled_deals)
	setArrears     dealSet = "arrears"     // not lost, owing scheduled payments due before the period's end
)

// The measures a summing part adds up: each record's Value, Σ = the figure.
const (
	measureAmount      = "amount"           // the deal's amount (its product's items' under a product filter); a payment's
	measureMargin      = "margin"           // amount − cost
	measureUpsell      = "upsell_amount"    // the amount of the deal's add-on items
	measureWeighted    = "weighted_amount"  // amount × the probability of the deal's stage / 100
	measureCycleDays   = "cycle_days"       // days from creation to close
	measureResponseMin = "response_minutes" // minutes from creation to the first touch
	measureOutstanding = "outstanding"      // what is not paid of a scheduled payment (a deal) at the period's end
	measurePart        = "amount_in_period" // the part of an entry pro-rated into (or charged before the end of) the period
	measureHours       = "hours"            // hours from a complaint's registration to its resolution
	measureNPS         = "nps_points"       // +1 a promoter, −1 a detractor
)

// MoneyMeasure reports whether a drill-down's measure (Drill.Measure) is money, in minor units.
func MoneyMeasure(m string) bool {
	switch m {
	case measureAmount, measureMargin, measureUpsell, measureWeighted, measureOutstanding, measurePart:
		return true
	}
	return false
}

// drillPart says which records are behind one part of a KPI and how they make it: measure ""
// counts them, otherwise their Values sum to it.
type drillPart struct {
	kind    string
	set     string
	measure string
}

func deals(s dealSet) drillPart { return drillPart{kind: KindDeal, set: string(s)} }
func dealSum(s dealSet, m string) drillPart {
	return drillPart{kind: KindDeal, set: string(s), measure: m}
}

// drills says which records are behind the numerator and the denominator of each KPI; the zero
// part where no records are (a plan, manager-months, a share of a churn).
var drills = map[string][2]drillPart{
	"leads":                    {deals(setCreated)},
	"won_deals":                {deals(setWon)},
	"lost_deals":               {deals(setLost)},
	"lead_conversion":          {deals(setWon), deals(setCreated)},
	"cohort_conversion":        {deals(setCohortWon), deals(setCreated)},
	"win_rate":                 {deals(setWon), deals(setClosed)},
	"revenue":                  {dealSum(setWon, measureAmount)},
	"average_check":            {dealSum(setWon, measureAmount), deals(setWon)},
	"margin":                   {dealSum(setWon, measureMargin)},
	"margin_rate":              {dealSum(setWon, measureMargin), dealSum(setWon, measureAmount)},
	"sales_cycle_days":         {dealSum(setWon, measureCycleDays), deals(setWon)},
	"upsell_deals":             {deals(setUpsell)},
	"upsell_revenue":           {dealSum(setUpsell, measureUpsell)},
	"upsell_rate":              {deals(setUpsell), deals(setWon)},
	"repeat_sales":             {deals(setRepeat)},
	"open_pipeline":            {dealSum(setOpen, measureAmount), deals(setOpen)},
	"weighted_pipeline":        {dealSum(setOpen, measureWeighted), dealSum(setOpen, measureAmount)},
	"lead_response_minutes":    {dealSum(setTouched, measureResponseMin), deals(setTouched)},
	"uncontacted_leads":        {deals(setUncontacted), deals(setCreated)},
	"marketing_spend":          {{kind: KindSpend, set: "spend", measure: measurePart}},
	"cost_per_lead":            {{kind: KindSpend, set: "spend", measure: measurePart}, deals(setCreated)},
	"cost_per_sale":            {{kind: KindSpend, set: "spend", measure: measurePart}, deals(setWon)},
	"romi":                     {dealSum(setWon, measureMargin), {kind: KindSpend, set: "spend", measure: measurePart}},
	"cac":                      {{kind: KindAcquisition, set: "acquisition", measure: measurePart}, deals(setFirstWin)},
	"plan_fact_revenue":        {dealSum(setWon, measureAmount)},
	"plan_fact_margin":         {dealSum(setWon, measureMargin)},
	"payments_fact":            {{kind: KindPayment, set: "paid", measure: measureAmount}},
	"payments_plan":            {{kind: KindScheduled, set: "due", measure: measureAmount}},
	"payment_plan_fact":        {{kind: KindPayment, set: "paid", measure: measureAmount}, {kind: KindScheduled, set: "due", measure: measureAmount}},
	"overdue_receivables":      {{kind: KindScheduled, set: "overdue", measure: measureOutstanding}, deals(setArrears)},
	"overdue_tasks":            {{kind: KindTask, set: "overdue"}, {kind: KindTask, set: "due_passed"}},
	"overdue_tasks_rate":       {{kind: KindTask, set: "overdue"}, {kind: KindTask, set: "due_passed"}},
	"stalled_deals":            {deals(setStalled), deals(setOpen)},
	"manager_activity":         {{kind: KindActivity, set: "touches"}},
	"customer_base":            {{kind: KindClient, set: "customers_end"}},
	"new_customers":            {deals(setFirstWin)},
	"base_growth":              {deals(setFirstWin), {kind: KindClient, set: "customers_start"}},
	"repeat_purchase_rate":     {{kind: KindClient, set: "repeat_customers"}, {kind: KindClient, set: "customers_end"}},
	"churn_rate":               {{kind: KindClient, set: "churned"}, {kind: KindClient, set: "active_start"}},
	"new_contacts":             {{kind: KindClient, set: "new_contacts"}},
	"nps":                      {{kind: KindNPS, set: "scored", measure: measureNPS}, {kind: KindNPS, set: "answers"}},
	"nps_promoters":            {{kind: KindNPS, set: "promoter"}, {kind: KindNPS, set: "answers"}},
	"nps_passives":             {{kind: KindNPS, set: "passive"}, {kind: KindNPS, set: "answers"}},
	"nps_detractors":           {{kind: KindNPS, set: "detractor"}, {kind: KindNPS, set: "answers"}},
	"complaints":               {{kind: KindComplaint, set: "registered"}},
	"complaints_per_100_won":   {{kind: KindComplaint, set: "registered"}, deals(setWon)},
	"complaints_resolve_hours": {{kind: KindComplaint, set: "resolved", measure: measureHours}, {kind: KindComplaint, set: "resolved"}},
	"crm_adoption_won_touched": {deals(setWonTouched), deals(setWon)},
	"data_quality":             {deals(setComplete), deals(setOpen)},
	"productivity":             {dealSum(setWon, measureAmount)},
	"productivity_won_deals":   {deals(setWon)},
	"tco":                      {{kind: KindCost, set: "charged", measure: measurePart}},
	"crm_roi":                  {{}, {kind: KindCost, set: "charged", measure: measurePart}},
}

// DrillRequest asks for the records behind a KPI's numerator (Part "numerator", the default) or
// denominator over a period, narrowed by a filter; Group narrows NPS answers to "promoter",
// "passive" or "detractor". Limit (default 100, at most 1000) and Offset page through them,
// newest first.
type DrillRequest struct {
	KPI           string
	Part          string
	Group         string
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

// DrillRecord is a record of any kind behind a figure, in one shape a list can show: what it
// is (Kind, ID, Title, Status, Group), its money (Amount, minor units) and its part of a summed
// figure (Value, in the measure of Drill.Measure), when it happened (At; Date for records kept
// by day: a due date, the start of a spend entry), whose it is (the user the figure counts it
// for) and what it is on (a deal, contact, company). Link is the API path of the record.
type DrillRecord struct {
	Kind          string    `json:"kind"`
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	Status        string    `json:"status,omitempty"`
	Group         string    `json:"group,omitempty"`
	Score         *int64    `json:"score,omitempty"`
	Amount        *int64    `json:"amount"`
	Value         *float64  `json:"value"`
	At            time.Time `json:"at"`
	Date          crm.Date  `json:"date"`
	ResponsibleID *int64    `json:"responsible_id"`
	Responsible   string    `json:"responsible"`
	DealID        *int64    `json:"deal_id"`
	Deal          string    `json:"deal,omitempty"`
	ContactID     *int64    `json:"contact_id"`
	CompanyID     *int64    `json:"company_id"`
	Link          string    `json:"link"`
}

// Drill is the answer of a drill-down: the records of a page and how many there are in all. Sum
// is Σ Value over every record (not the page) when the part sums a measure: it equals the figure.
// Groups counts the records by Group (NPS answers). Deals repeats deal records in the shape of
// the first drill-down, for deal lists.
type Drill struct {
	KPI     string         `json:"kpi"`
	Part    string         `json:"part"`
	Kind    string         `json:"kind"`
	Set     string         `json:"set"`
	Measure string         `json:"measure,omitempty"`
	Total   int            `json:"total"`
	Sum     *float64       `json:"sum"`
	Groups  map[string]int `json:"groups,omitempty"`
	Deals   []DrillDeal    `json:"deals"`
	Records []DrillRecord  `json:"records"`
}

// npsGroups are the groups of NPS answers.
var npsGroups = []string{"promoter", "passive", "detractor"}

// Records lists the records behind a figure, within what the actor may see. EINVALID for an
// unknown KPI or part, a part with no records behind it, a figure that does not exist under the
// filter; EFORBIDDEN for the account's money (spend, costs) asked by someone not an administrator.
func (e *Engine) Records(ctx context.Context, actor *crm.Actor, req DrillRequest) (*Drill, error) {
	var v crm.Validation
	parts, known := drills[req.KPI]
	k := Lookup(req.KPI)
	if k == nil {
		v.Add("kpi", "unknown", fmt.Sprintf("%q is not a KPI", req.KPI))
	} else if !known {
		v.Add("kpi", "no_records", fmt.Sprintf("%s has no records to list", req.KPI))
	}
	if req.Part == "" {
		req.Part = "numerator"
	}
	var p drillPart
	switch req.Part {
	case "numerator":
		p = parts[0]
	case "denominator":
		p = parts[1]
	default:
		v.Add("part", "unknown", fmt.Sprintf("%q: numerator or denominator", req.Part))
	}
	if known && p.kind == "" && (req.Part == "numerator" || req.Part == "denominator") {
		v.Add("part", "no_records", fmt.Sprintf("the %s of %s is not a count or sum of records", req.Part, req.KPI))
	}
	if req.Group != "" && (p.kind != KindNPS || !contains(npsGroups, req.Group)) {
		v.Add("group", "unknown", "group narrows NPS answers: promoter, passive or detractor")
	}
	if req.Limit < 0 || req.Offset < 0 || req.Limit > 1000 {
		v.Add("limit", "range", "limit is 1…1000 and offset ≥ 0")
	}
	if k != nil {
		// The figure exists under the filter only where each of its fact groups does (kpi.go).
		for _, g := range k.facts {
			if !supports(g, nil, req.Filter) {
				v.Add("filter", "no_figure", fmt.Sprintf("%s has no figure under the product, tag or client-type filter", req.KPI))
				break
			}
		}
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
	out := &Drill{KPI: req.KPI, Part: req.Part, Kind: p.kind, Set: p.set, Measure: p.measure, Deals: []DrillDeal{}, Records: []DrillRecord{}}
	q := &query{engine: e.db.Engine}
	var inner string
	var err error
	switch p.kind {
	case KindDeal:
		inner = e.dealRecords(ctx, actor, q, dealSet(p.set), p.measure, req)
	case KindSpend, KindCost, KindAcquisition:
		recs, err := e.ledgerRecords(ctx, actor, p, req)
		if err != nil {
			return nil, err
		}
		return out.page(recs, req), nil
	default:
		inner, err = e.otherRecords(ctx, actor, q, p, req)
	}
	if err != nil {
		return nil, err
	}
	if err := e.runRecords(ctx, q, inner, req, out); err != nil {
		return nil, err
	}
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// The columns every record query selects, in order (recordCols): a deal's created_at and
// closed_at (c_at, x_at) for the deals' own shape.
const recordCols = "id, kind, title, status, grp, score, amount, v, at, day, responsible_id, responsible, deal_id, deal, contact_id, company_id, c_at, x_at"

// Typed NULLs of the record columns: PostgreSQL types an untyped NULL of a subquery as text.
const (
	nullInt  = "CAST(NULL AS BIGINT)"
	nullNum  = "CAST(NULL AS DOUBLE PRECISION)"
	nullTime = "CAST(NULL AS TIMESTAMP)"
	nullDate = "CAST(NULL AS DATE)"
)

// runRecords counts (and sums, by group) the records of inner, a query of recordCols, and reads
// the page asked for, newest first.
func (e *Engine) runRecords(ctx context.Context, q *query, inner string, req DrillRequest, out *Drill) error {
	grp := ""
	if req.Group != "" {
		grp = " WHERE r.grp = " + q.add(req.Group)
	}
	from := "FROM (" + inner + ") r" + grp
	rows, err := q.rows(ctx, e.db.Reader(), "SELECT r.grp, COUNT(*), SUM(r.v) "+from+" GROUP BY r.grp")
	if err != nil {
		return fmt.Errorf("analytics: drill: %w", err)
	}
	var sum float64
	for rows.Next() {
		var g string
		var n int
		var s sql.NullFloat64
		if err := rows.Scan(&g, &n, &s); err != nil {
			rows.Close()
			return fmt.Errorf("analytics: drill: %w", err)
		}
		out.Total += n
		sum += s.Float64
		if g != "" {
			if out.Groups == nil {
				out.Groups = map[string]int{}
			}
			out.Groups[g] = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if out.Measure != "" {
		out.Sum = &sum
	}
	rows, err = q.rows(ctx, e.db.Reader(), fmt.Sprintf("SELECT %s %s ORDER BY r.at DESC, r.day DESC, r.id DESC LIMIT %s OFFSET %s",
		prefixedCols("r."), from, q.add(req.Limit), q.add(req.Offset)))
	if err != nil {
		return fmt.Errorf("analytics: drill: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x DrillRecord
		var status, grpName, responsible, deal sql.NullString
		var score, amount, respID, dealID, contactID, companyID sql.NullInt64
		var v sql.NullFloat64
		var at, cAt, xAt anyTime
		if err := rows.Scan(&x.ID, &x.Kind, &x.Title, &status, &grpName, &score, &amount, &v, &at, &x.Date, &respID, &responsible,
			&dealID, &deal, &contactID, &companyID, &cAt, &xAt); err != nil {
			return fmt.Errorf("analytics: drill: %w", err)
		}
		x.Status, x.Group, x.Responsible, x.Deal = status.String, grpName.String, responsible.String, deal.String
		x.Score, x.Amount, x.ResponsibleID = nullInt64(score), nullInt64(amount), nullInt64(respID)
		x.DealID, x.ContactID, x.CompanyID = nullInt64(dealID), nullInt64(contactID), nullInt64(companyID)
		if v.Valid {
			x.Value = ptr(v.Float64)
		}
		switch {
		case at.Valid:
			x.At = at.Time.UTC()
		case !x.Date.IsZero():
			x.At = x.Date.In(req.Period.Loc).UTC()
		}
		x.Link = recordLink(x)
		out.Records = append(out.Records, x)
		if x.Kind == KindDeal {
			d := DrillDeal{ID: x.ID, Name: x.Title, Status: x.Status, Responsible: x.Responsible, CreatedAt: cAt.Time.UTC()}
			if x.Amount != nil {
				d.Amount = *x.Amount
			}
			if x.ResponsibleID != nil {
				d.ResponsibleID = *x.ResponsibleID
			}
			if xAt.Valid {
				t := xAt.Time.UTC()
				d.ClosedAt = &t
			}
			out.Deals = append(out.Deals, d)
		}
	}
	return rows.Err()
}

func prefixedCols(p string) string {
	cols := strings.Split(recordCols, ", ")
	return strings.Join(prefixed(p, cols), ", ")
}

func nullInt64(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// recordLink is the API path of a record: the record itself where the API has it, else what
// holds it (a payment's deal, the spend list, the cost ledger).
func recordLink(x DrillRecord) string {
	switch x.Kind {
	case KindDeal:
		return fmt.Sprintf("/deals/%d", x.ID)
	case KindPayment:
		return fmt.Sprintf("/payments?deal_id=%d", *x.DealID)
	case KindScheduled:
		return fmt.Sprintf("/deals/%d/payment-plans", *x.DealID)
	case KindNPS:
		return fmt.Sprintf("/contacts/%d", *x.ContactID) // the answer is on its contact
	case KindComplaint:
		return fmt.Sprintf("/complaints/%d", x.ID)
	case KindTask:
		return fmt.Sprintf("/tasks/%d", x.ID)
	case KindActivity:
		return fmt.Sprintf("/activities/%d", x.ID)
	case KindContact:
		return fmt.Sprintf("/contacts/%d", x.ID)
	case KindCompany:
		return fmt.Sprintf("/companies/%d", x.ID)
	case KindSpend:
		return "/marketing-spend?from=" + x.Date.String() + "&to=" + x.Date.String()
	case KindCost:
		return "/crm-costs"
	}
	return ""
}

// anyTime scans a timestamp that SQLite may hand over as text (an expression's column has no
// declared type there, so modernc does not parse it).
type anyTime struct {
	Time  time.Time
	Valid bool
}

func (t *anyTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Valid = false
		return nil
	case time.Time:
		t.Time, t.Valid = v, true
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	}
	return fmt.Errorf("analytics: cannot scan %T as a time", src)
}

func (t *anyTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if x, err := time.Parse(layout, s); err == nil {
			t.Time, t.Valid = x, true
			return nil
		}
	}
	return fmt.Errorf("analytics: cannot parse time %q", s)
}

// dealRecords is the record query (recordCols) of a set of deals, with the measure as v.
func (e *Engine) dealRecords(ctx context.Context, actor *crm.Actor, q *query, set dealSet, measure string, req DrillRequest) string {
	amount, cost := "d.amount", "d.cost"
	join := q.productJoin(actor, nil, req.Filter)
	upsell := `EXISTS (SELECT 1 FROM deal_items i WHERE i.account_id = d.account_id AND i.deal_id = d.id AND i.upsell)`
	upsellSum := `(SELECT COALESCE(SUM(i.amount), 0) FROM deal_items i WHERE i.account_id = d.account_id AND i.deal_id = d.id AND i.upsell)`
	if join != "" {
		amount, cost = "COALESCE(dpi.amount, d.amount)", "COALESCE(dpi.cost, d.cost)"
		upsell, upsellSum = "COALESCE(dpi.upsell_items, 0) > 0", "COALESCE(dpi.upsell_amount, 0)"
	}
	span := req.Period.Span()
	// Each bound is a parameter where it is used: PostgreSQL cannot type a parameter no clause uses.
	var created, closed, openAt string
	switch set {
	case setOpen, setComplete, setStalled, setArrears:
		openAt = q.add(span.End)
		created = fmt.Sprintf("d.created_at < %s AND (d.closed_at IS NULL OR d.closed_at >= %s)", openAt, openAt)
	default:
		s, en := q.add(span.Start), q.add(span.End)
		created = fmt.Sprintf("d.created_at >= %s AND d.created_at < %s", s, en)
		closed = fmt.Sprintf("d.closed_at >= %s AND d.closed_at < %s", s, en)
	}
	var cond string
	at := "d.closed_at"
	switch set {
	case setCreated, setCohortWon, setTouched, setUncontacted:
		at = "d.created_at"
	case setOpen, setComplete, setStalled, setArrears:
		at = "d.created_at"
	}
	switch set {
	case setCreated, setOpen:
		cond = created
	case setCohortWon:
		cond = created + " AND d.status = 'won'"
	case setWon:
		cond = closed + " AND d.status = 'won'"
	case setLost:
		cond = closed + " AND d.status = 'lost'"
	case setClosed:
		cond = closed + " AND d.status IN ('won', 'lost')"
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
	case setWonTouched:
		// As efficiency.go: a touch between the deal's creation and its close.
		cond = closed + " AND d.status = 'won' AND " + firstTouch + " <= d.closed_at"
	case setComplete:
		// As data_quality (efficiency.go): the deal's own amount, a client, a channel, an open task.
		cond = created + " AND d.amount > 0 AND (d.contact_id IS NOT NULL OR d.company_id IS NOT NULL) AND d.channel_id IS NOT NULL AND " + openTaskAt(openAt)
	case setStalled:
		// As stalledFacts (discipline.go): created more than N days before the end, no touch in the
		// N days before it, no task open on the deal at it.
		cut := q.add(span.End.Add(-time.Duration(e.settings(ctx, actor).StalledDays) * 24 * time.Hour))
		touch := strings.NewReplacer("b.c", cut, "b.e", openAt).Replace(touchSince)
		cond = fmt.Sprintf("%s AND d.created_at < %s AND NOT %s AND NOT %s", created, cut, touch, openTaskAt(openAt))
	case setArrears:
		// As overdueFacts (payments.go): scheduled payments due before the end's day exceed the
		// payments received before the end.
		cond = fmt.Sprintf("d.status <> 'lost' AND %s > %s", dueBefore(q, req.Period.To), paidBefore(openAt))
	}
	var v string
	stageJoin := ""
	switch measure {
	case "":
		v = nullNum
	case measureAmount:
		v = amount
	case measureMargin:
		v = amount + " - " + cost
	case measureUpsell:
		v = upsellSum
	case measureWeighted:
		v = amount + " * st.probability / 100.0"
		stageJoin = "JOIN stages st ON st.id = d.stage_id"
	case measureCycleDays:
		v = q.seconds("d.created_at", "d.closed_at") + " / 86400.0"
	case measureResponseMin:
		v = q.seconds("d.created_at", firstTouch) + " / 60.0"
	case measureOutstanding:
		v = fmt.Sprintf("%s - %s", dueBefore(q, req.Period.To), paidBefore(openAt))
	}
	return fmt.Sprintf(`SELECT d.id AS id, 'deal' AS kind, d.name AS title, d.status AS status, '' AS grp, %[1]s AS score,
			CAST(%[2]s AS BIGINT) AS amount, CAST(%[3]s AS DOUBLE PRECISION) AS v, %[4]s AS at, %[5]s AS day,
			d.responsible_id AS responsible_id, u.name AS responsible, d.id AS deal_id, d.name AS deal,
			d.contact_id AS contact_id, d.company_id AS company_id, d.created_at AS c_at, d.closed_at AS x_at
		FROM deals d JOIN users u ON u.id = d.responsible_id %[6]s %[7]s WHERE %[8]s AND %[9]s`,
		nullInt, amount, v, at, nullDate, join, stageJoin, q.where(actor, req.Filter), cond)
}

// dueBefore is the SQL of Σ deal d's live scheduled payments due before the day to.
func dueBefore(q *query, to crm.Date) string {
	return `(SELECT COALESCE(SUM(pp.amount), 0) FROM payment_plans pp WHERE pp.account_id = d.account_id AND pp.deal_id = d.id
		AND pp.deleted_at IS NULL AND pp.due_on < ` + q.add(to) + `)`
}

// paidBefore is the SQL of Σ deal d's live payments received before the instant end (an SQL term).
func paidBefore(end string) string {
	return `(SELECT COALESCE(SUM(p.amount), 0) FROM payments p WHERE p.account_id = d.account_id AND p.deal_id = d.id
		AND p.deleted_at IS NULL AND p.paid_at < ` + end + `)`
}

// page returns the drill of records listed in Go (newest first already), cut to the page.
func (out *Drill) page(recs []DrillRecord, req DrillRequest) *Drill {
	out.Total = len(recs)
	if out.Measure != "" {
		var s float64
		for _, r := range recs {
			if r.Value != nil {
				s += *r.Value
			}
		}
		out.Sum = &s
	}
	lo := min(req.Offset, len(recs))
	hi := min(lo+req.Limit, len(recs))
	out.Records = append(out.Records, recs[lo:hi]...)
	return out
}

// DrillParts names the sets of records behind a KPI's numerator and denominator ("" for none).
func DrillParts(id string) (numerator, denominator string) {
	p := drills[id]
	name := func(d drillPart) string {
		if d.kind == "" {
			return ""
		}
		return d.kind + ":" + d.set
	}
	return name(p[0]), name(p[1])
}
