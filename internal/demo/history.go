package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// world is the simulation's state: the account's structure and what the history has made so far.
type world struct {
	rng       *rand.Rand
	loc       *time.Location
	from      time.Time // first instant of history
	goLive    time.Time
	until     time.Time // last instant of history
	months    int
	accountID int64
	admin     *crm.Actor

	managers   managers
	leaver     *manager
	pipes      []*crm.Pipeline
	lossIDs    []int64
	productIDs []int64
	channelIDs []int64

	customers [2][]*client // clients with a won deal, per pipeline: the pool repeat deals come from
	clients   int64

	channelLeads   [][]int   // [channel][month]
	managerRevenue [][]int64 // [manager][month of closing]
	managerWon     [][]int   // [manager][month of closing]

	t tables
}

type manager struct {
	user      *crm.User
	pipeline  int
	skill     float64 // multiplies each stage's chance to move on
	speed     float64 // multiplies the time to the first touch
	upsell    float64 // multiplies the chance of an add-on
	diligence float64 // the share of touches the manager logs
	load      float64 // relative share of new leads
	fromMonth int     // works from this month …
	toMonth   int     // … up to (not including) this one
}

type client struct {
	contactID, companyID int64
	companyName          string
	shortName            string // "Иванова А."
	region, segment      string
	manager              int
	wonAt                time.Time
}

// tables are the Loader's tables, parents before children.
type tables struct {
	companies, contacts, phones, emails, deals, items, stageEvents, respEvents, taggings, tasks,
	activities, plans, payments, nps, complaints *store.LoadTable
}

func (w *world) open(l *store.Loader) {
	w.t = tables{
		companies: l.Table("companies", "id", "account_id", "name", "tax_id", "industry", "region", "segment", "phone",
			"email", "website", "responsible_id", "custom", "created_by", "created_at", "updated_at", "search"),
		contacts: l.Table("contacts", "id", "account_id", "name", "position", "company_id", "responsible_id", "channel_id",
			"region", "segment", "custom", "created_by", "created_at", "updated_at", "search"),
		phones: l.Table("contact_phones", "account_id", "contact_id", "phone", "raw", "kind", "position"),
		emails: l.Table("contact_emails", "account_id", "contact_id", "email", "kind", "position"),
		deals: l.Table("deals", "id", "account_id", "name", "pipeline_id", "stage_id", "status", "amount", "cost",
			"responsible_id", "contact_id", "company_id", "channel_id", "utm_source", "utm_medium", "utm_campaign",
			"region", "segment", "loss_reason_id", "custom", "created_by", "created_at", "stage_changed_at", "closed_at",
			"updated_at", "search"),
		items: l.Table("deal_items", "account_id", "deal_id", "product_id", "name", "quantity", "price", "discount",
			"cost", "amount", "upsell", "position"),
		stageEvents: l.Table("deal_stage_events", "account_id", "deal_id", "at", "from_pipeline_id", "from_stage_id",
			"to_pipeline_id", "to_stage_id", "user_id"),
		respEvents: l.Table("deal_responsible_events", "account_id", "deal_id", "at", "from_user_id", "to_user_id", "by_user_id"),
		taggings:   l.Table("taggings", "account_id", "entity", "entity_id", "tag"),
		tasks: l.Table("tasks", "account_id", "type", "title", "deal_id", "contact_id", "responsible_id", "due_at",
			"done_at", "result", "created_by", "created_at", "updated_at"),
		activities: l.Table("activities", "account_id", "kind", "direction", "deal_id", "contact_id", "user_id", "at",
			"duration_seconds", "result", "subject", "created_at", "updated_at"),
		plans:    l.Table("payment_plans", "account_id", "deal_id", "due_on", "amount", "created_at", "updated_at"),
		payments: l.Table("payments", "account_id", "deal_id", "paid_at", "amount", "method", "created_at", "updated_at"),
		nps:      l.Table("nps_answers", "account_id", "contact_id", "deal_id", "score", "comment", "answered_at", "created_at"),
		complaints: l.Table("complaints", "account_id", "contact_id", "deal_id", "responsible_id", "category", "text",
			"registered_at", "resolved_at", "resolution", "created_at", "updated_at"),
	}
}

// history generates opt.Deals deals month by month, with everything that happened to them.
func (w *world) history(ctx context.Context, db *store.DB, opt Options, res *Result) error {
	w.channelLeads = make([][]int, len(channels))
	for c := range w.channelLeads {
		w.channelLeads[c] = make([]int, w.months)
	}
	w.managerRevenue = make([][]int64, len(w.managers))
	w.managerWon = make([][]int, len(w.managers))
	for i := range w.managers {
		w.managerRevenue[i] = make([]int64, w.months)
		w.managerWon[i] = make([]int, w.months)
	}
	l, err := db.NewLoader(ctx)
	if err != nil {
		return err
	}
	w.open(l)
	perMonth := w.leadsPerMonth(opt.Deals)
	done := 0
	for p := range pipelines {
		for m := 0; m < w.months; m++ {
			start := w.monthStart(m)
			end := start.AddDate(0, 1, 0)
			if end.After(w.until) {
				end = w.until
			}
			times := make([]time.Time, perMonth[p][m])
			for i := range times {
				times[i] = w.leadTime(start, end)
			}
			sortTimes(times)
			for _, t0 := range times {
				if err := w.deal(l, p, m, t0); err != nil {
					l.Abort()
					return fmt.Errorf("demo: %w", err)
				}
				done++
				if opt.Progress != nil && done%5000 == 0 {
					opt.Progress(done, opt.Deals)
				}
				if done%10000 == 0 {
					if err := ctx.Err(); err != nil {
						l.Abort()
						return err
					}
				}
			}
		}
	}
	if err := l.Close(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if opt.Progress != nil {
		opt.Progress(done, opt.Deals)
	}
	res.Rows = map[string]int64{}
	for name, t := range map[string]*store.LoadTable{"deals": w.t.deals, "deal_stage_events": w.t.stageEvents,
		"activities": w.t.activities, "deal_items": w.t.items, "contacts": w.t.contacts, "companies": w.t.companies,
		"tasks": w.t.tasks, "payments": w.t.payments, "payment_plans": w.t.plans, "nps_answers": w.t.nps,
		"complaints": w.t.complaints, "contact_phones": w.t.phones, "contact_emails": w.t.emails,
		"deal_responsible_events": w.t.respEvents, "taggings": w.t.taggings} {
		res.Rows[name] = t.Loaded()
	}
	return nil
}

// leadsPerMonth splits n deals over the pipelines and months by the pipelines' shares, their
// seasons and a steady growth of the business (2 % a month); a partial last month gets its share.
func (w *world) leadsPerMonth(n int) [2][]int {
	var out [2][]int
	var weights [2][]float64
	var total float64
	for p, ps := range pipelines {
		weights[p] = make([]float64, w.months)
		for m := 0; m < w.months; m++ {
			start := w.monthStart(m)
			next := start.AddDate(0, 1, 0)
			frac := 1.0
			if next.After(w.until) {
				frac = w.until.Sub(start).Hours() / next.Sub(start).Hours()
			}
			weights[p][m] = ps.share * ps.season[start.Month()-1] * math.Pow(1.02, float64(m)) * frac
			total += weights[p][m]
		}
	}
	// Largest remainders, so that the counts add up to exactly n.
	type rem struct {
		p, m int
		r    float64
	}
	var rems []rem
	assigned := 0
	for p := range pipelines {
		out[p] = make([]int, w.months)
		for m := range out[p] {
			exact := float64(n) * weights[p][m] / total
			out[p][m] = int(exact)
			assigned += out[p][m]
			rems = append(rems, rem{p, m, exact - float64(out[p][m])})
		}
	}
	for i := 1; i < len(rems); i++ { // insertion sort, stable: few dozen entries
		for j := i; j > 0 && rems[j].r > rems[j-1].r; j-- {
			rems[j], rems[j-1] = rems[j-1], rems[j]
		}
	}
	for i := 0; assigned < n; i++ {
		out[rems[i%len(rems)].p][rems[i%len(rems)].m]++
		assigned++
	}
	return out
}

// leadTime is a moment in [start, end) when a lead comes in: mostly in the daytime, Moscow time.
func (w *world) leadTime(start, end time.Time) time.Time {
	days := int(end.Sub(start).Hours()/24) + 1
	for {
		d := start.AddDate(0, 0, w.rng.IntN(days))
		hour := 9 + w.rng.IntN(12)
		if w.rng.IntN(10) == 0 {
			hour = w.rng.IntN(24)
		}
		t := time.Date(d.Year(), d.Month(), d.Day(), hour, w.rng.IntN(60), w.rng.IntN(60), 0, w.loc)
		if !t.Before(start) && t.Before(end) {
			return t
		}
	}
}

func sortTimes(ts []time.Time) { slices.SortFunc(ts, time.Time.Compare) }
