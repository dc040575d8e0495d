package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// The go-live effect: what changes once the team works in the CRM.
const (
	advanceAfter  = 1.06 // each stage's chance to move on (≈ +30 % conversion over the funnel)
	cycleAfter    = 0.85 // time in stage
	upsellBefore  = 0.11 // chance of each add-on on a won deal
	upsellAfter   = 0.22
	repeatBefore  = 0.16 // share of leads from returning customers
	repeatAfter   = 0.22
	responseMedBf = 170.0 // median minutes to the first touch
	responseMedAf = 28.0
	forgotBefore  = 0.11 // leads nobody calls back within a day
	forgotAfter   = 0.035
)

// lead is one deal being simulated.
type lead struct {
	w         *world
	p         int
	spec      *pipelineSpec
	pipe      *crm.Pipeline
	id        int64
	mi        int // responsible manager
	cl        *client
	after     bool
	t0        time.Time
	lastEvent time.Time
	events    [][]any // stage events, activities and responsible changes wait for the deal's row
	acts      [][]any
	resp      [][]any
	err       error
}

func (w *world) deal(l *store.Loader, p, month int, t0 time.Time) error {
	d := &lead{w: w, p: p, spec: &pipelines[p], pipe: w.pipes[p], t0: t0, after: !t0.Before(w.goLive)}
	var err error
	if d.id, err = l.NextID("deals"); err != nil {
		return err
	}
	ch := w.pickChannel(p)
	w.channelLeads[ch][month]++
	repeat := repeatBefore
	if d.after {
		repeat = repeatAfter
	}
	if w.rng.Float64() < repeat {
		d.cl = w.returning(p, t0)
	}
	existing := d.cl != nil
	d.mi = w.pickManager(p, month, d.cl)
	if d.cl == nil {
		if d.cl, err = w.newClient(l, p, t0, d.mi, ch); err != nil {
			return err
		}
	}

	// What the client asks for: the main product, for how many travellers.
	main := w.pickMainProduct(p, t0)
	ps := products[main]
	qty := int64(1)
	if ps.perPerson {
		qty = []int64{1, 2, 2, 2, 3, 3, 4}[w.rng.IntN(7)]
	}
	var unit int64
	if p == 0 {
		unit = roundTo(float64(ps.price)*(0.85+0.5*w.rng.Float64()), 100_000)
	} else {
		unit = roundTo(float64(ps.price)*(0.6+1.2*w.rng.Float64()), 1_000_000)
	}
	items := []item{{product: main, qty: qty, price: unit, cost: unit * ps.cost / ps.price}}
	if w.rng.IntN(10) == 0 {
		items[0].discount = roundTo(float64(unit*qty)*(0.03+0.04*w.rng.Float64()), 10_000)
	}

	// The path through the funnel.
	nOpen := len(d.spec.advance)
	stage, at := 0, t0
	d.stageEvent(at, -1, 0)
	if p == 0 && w.rng.Float64() < 0.6 {
		d.activity("message", "in", at, 0, "", "Заявка с сайта", true)
	}
	var status string
	var closedAt time.Time
	lossReason := -1

	// The first touch: how fast the manager reacts, and whether anybody calls back at all.
	median, forgot := responseMedBf, forgotBefore
	if d.after {
		median, forgot = responseMedAf, forgotAfter
	}
	mg := w.managers[d.mi]
	var first time.Time
	never := false
	if w.rng.Float64() < forgot {
		if w.rng.IntN(2) == 0 {
			never = true
		} else {
			first = t0.Add(time.Duration((24*60 + w.rng.Float64()*4*24*60) * float64(time.Minute)))
		}
	} else {
		minutes := median * mg.speed * math.Exp(0.9*w.rng.NormFloat64())
		first = t0.Add(time.Duration(max(1, minutes) * float64(time.Minute)))
	}
	if never {
		// Nobody called back: after a few days the lead is written off.
		end := t0.Add(time.Duration(2+w.rng.IntN(6)) * 24 * time.Hour)
		if !end.After(w.until) {
			status, closedAt, lossReason = crm.StageLost, end, lossNoAnswer
		} else {
			status = crm.StageOpen
		}
	} else {
		if !first.After(w.until) {
			kind := "call"
			if p == 0 && w.rng.IntN(10) < 3 {
				kind = "email"
			}
			d.activity(kind, "out", first, d.callSeconds(), pick(w.rng, callResults), "Первый контакт", false)
		}
		adv := 1.0
		cycle := 1.0
		if d.after {
			adv, cycle = advanceAfter, cycleAfter
		}
		convCh := math.Pow(channels[ch].conv, 1/float64(nOpen))
		if existing {
			convCh *= 1.05
		}
		for {
			mean := d.spec.days[stage] * cycle * 24 * float64(time.Hour)
			if w.rng.IntN(33) == 0 {
				mean *= 8 // a deal that got stuck
			}
			next := at.Add(time.Duration(-mean * math.Log(1-w.rng.Float64())))
			if stage == 0 && next.Before(first) {
				next = first.Add(time.Duration(w.rng.IntN(3600)) * time.Second)
			}
			next = next.Truncate(time.Second)
			if w.leaver != nil && d.mi == w.managers.indexOf(w.leaver) {
				if leave := w.monthStart(w.leaver.toMonth); next.After(leave) && !leave.After(w.until) {
					d.reassign(leave, month)
				}
			}
			if next.After(w.until) {
				d.stageTouches(stage, at, w.until)
				status = crm.StageOpen
				break
			}
			d.stageTouches(stage, at, next)
			if w.rng.Float64() < min(0.97, d.spec.advance[stage]*w.managers[d.mi].skill*adv*convCh) {
				to := stage + 1
				if to < nOpen-1 && w.rng.IntN(20) == 0 {
					to++ // a stage skipped
				}
				if to >= nOpen {
					d.stageEvent(next, stage, nOpen)
					status, closedAt = crm.StageWon, next
					break
				}
				d.stageEvent(next, stage, to)
				stage, at = to, next
				continue
			}
			d.stageEvent(next, stage, nOpen+1)
			status, closedAt = crm.StageLost, next
			lossReason = pick(w.rng, d.spec.lossByStage[stage])
			break
		}
	}
	if never && status == crm.StageLost {
		d.stageEvent(closedAt, 0, nOpen+1)
	}

	// Add-ons are sold with won deals.
	if status == crm.StageWon {
		chance := upsellBefore
		if !closedAt.Before(w.goLive) {
			chance = upsellAfter
		}
		for i, ap := range products {
			if !ap.addOn || ap.pipeline != p || w.rng.Float64() >= chance*w.managers[d.mi].upsell {
				continue
			}
			q := int64(1)
			if ap.perPerson {
				q = qty
			}
			items = append(items, item{product: i, qty: q, price: ap.price, cost: ap.cost, upsell: true})
		}
	}
	var amount, cost int64
	for _, it := range items {
		amount += it.price*it.qty - it.discount
		cost += it.cost * it.qty
	}

	stageIdx := stage
	switch status {
	case crm.StageWon:
		stageIdx = nOpen
	case crm.StageLost:
		stageIdx = nOpen + 1
	}
	stageChanged := d.lastEvent
	updated := stageChanged
	cl := d.cl
	mg = w.managers[d.mi]
	name := d.name(main, cl)
	cs := channels[ch]
	var lossID any
	if lossReason >= 0 {
		lossID = w.lossIDs[lossReason]
	}
	if err := w.t.deals.Add(d.id, w.accountID, name, d.pipe.ID, d.pipe.Stages[stageIdx].ID, status, amount, cost,
		mg.user.ID, cl.contactID, nullID(cl.companyID), w.channelIDs[ch], cs.utmSource, cs.utmMedium, campaign(cs, t0),
		cl.region, cl.segment, lossID, "{}", mg.user.ID, t0.UTC(), stageChanged.UTC(), closedAt, updated.UTC(),
		store.SearchText(name)); err != nil {
		return err
	}
	for i, it := range items {
		pr := products[it.product]
		if err := w.t.items.Add(w.accountID, d.id, w.productIDs[it.product], pr.name, it.qty, it.price, it.discount,
			it.cost, it.price*it.qty-it.discount, it.upsell, i); err != nil {
			return err
		}
	}
	if err := d.flushEvents(); err != nil {
		return err
	}
	if w.rng.IntN(100) < 6 {
		tag := "VIP"
		if p == 0 && w.rng.IntN(2) == 0 {
			tag = "горящий тур"
		}
		if err := w.t.taggings.Add(w.accountID, "deal", d.id, tag); err != nil {
			return err
		}
	}
	if err := d.tasks(status, stageChanged, closedAt); err != nil {
		return err
	}
	if status == crm.StageWon {
		if err := d.afterSale(amount, closedAt); err != nil {
			return err
		}
		cl.wonAt = closedAt
		cl.manager = d.mi
		w.customers[p] = append(w.customers[p], cl)
		if m := w.monthOf(closedAt); m >= 0 {
			w.managerRevenue[d.mi][m] += amount
			w.managerWon[d.mi][m]++
		}
	}
	return d.err
}

type item struct {
	product          int
	qty, price, cost int64
	discount         int64
	upsell           bool
}

// indexOf returns the position of m in ms.
func (ms managers) indexOf(m *manager) int {
	for i, x := range ms {
		if x == m {
			return i
		}
	}
	return -1
}

type managers []*manager

func (d *lead) name(main int, cl *client) string {
	if d.p == 1 {
		return fmt.Sprintf("%s — %s", cl.companyName, products[main].name)
	}
	return fmt.Sprintf("%s — %s", products[main].name, cl.shortName)
}

func campaign(cs channelSpec, t time.Time) string {
	if cs.utmMedium != "cpc" && cs.utmMedium != "social" {
		return ""
	}
	return fmt.Sprintf("%s_%s", []string{"winter", "winter", "spring", "spring", "spring", "summer", "summer", "summer", "autumn", "autumn", "autumn", "winter"}[t.Month()-1], t.Format("2006"))
}

func roundTo(v float64, unit int64) int64 {
	return max(unit, int64(math.Round(v/float64(unit)))*unit)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func pick[T any](rng interface{ IntN(int) int }, xs []T) T { return xs[rng.IntN(len(xs))] }
