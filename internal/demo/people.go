package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
)

// pickChannel draws the channel of a new lead of pipeline p by the channels' shares.
func (w *world) pickChannel(p int) int {
	r := w.rng.Float64()
	var sum float64
	for i, c := range channels {
		sum += c.share[p]
		if r < sum {
			return i
		}
	}
	for i := len(channels) - 1; i >= 0; i-- {
		if channels[i].share[p] > 0 {
			return i
		}
	}
	return 0
}

// returning draws a customer of pipeline p who had bought before t0; nil when none is found.
func (w *world) returning(p int, t0 time.Time) *client {
	pool := w.customers[p]
	if len(pool) == 0 {
		return nil
	}
	for range 6 {
		// Recent customers come back more often than old ones.
		i := len(pool) - 1 - int(float64(len(pool))*w.rng.Float64()*w.rng.Float64())
		if c := pool[max(0, i)]; c.wonAt.Before(t0) {
			return c
		}
	}
	return nil
}

// pickManager draws who gets a new lead of pipeline p in month m: a returning client's own
// manager when they still work there, otherwise a colleague on duty weighted by workload.
func (w *world) pickManager(p, m int, cl *client) int {
	if cl != nil && w.rng.IntN(10) < 7 {
		mg := w.managers[cl.manager]
		if mg.pipeline == p && m >= mg.fromMonth && m < mg.toMonth {
			return cl.manager
		}
	}
	var total float64
	for _, mg := range w.managers {
		if mg.pipeline == p && m >= mg.fromMonth && m < mg.toMonth {
			total += mg.load
		}
	}
	r := w.rng.Float64() * total
	last := -1
	for i, mg := range w.managers {
		if mg.pipeline == p && m >= mg.fromMonth && m < mg.toMonth {
			last = i
			if r -= mg.load; r < 0 {
				return i
			}
		}
	}
	return last
}

// newClient creates the contact (and for B2B the company) of a first-time lead.
func (w *world) newClient(l *store.Loader, p int, t0 time.Time, mi int, ch int) (*client, error) {
	mg := w.managers[mi]
	female := w.rng.IntN(2) == 0
	first, last := pick(w.rng, firstNamesM), pick(w.rng, lastNames)
	if female {
		first, last = pick(w.rng, firstNamesF), feminine(last)
	}
	name := last + " " + first
	cl := &client{region: pick(w.rng, regions), segment: pick(w.rng, segments[p]), manager: mi,
		shortName: last + " " + string([]rune(first)[:1]) + "."}
	at := t0.UTC()
	position := ""
	if p == 1 {
		id, err := l.NextID("companies")
		if err != nil {
			return nil, err
		}
		w.clients++
		cname := fmt.Sprintf("%s «%s»", pick(w.rng, companyKinds), pick(w.rng, companyWords))
		if w.rng.IntN(3) > 0 {
			cname = fmt.Sprintf("%s «%s-%d»", pick(w.rng, companyKinds), pick(w.rng, companyWords), 1+w.rng.IntN(999))
		}
		taxID := fmt.Sprintf("%010d", 1_000_000_000+w.rng.Int64N(8_999_999_999))
		phone, _ := crm.NormalizePhone(w.phone()) // companies keep their phone as digits, as the domain does
		if err := w.t.companies.Add(id, w.accountID, cname, taxID, pick(w.rng, industries), cl.region, cl.segment,
			phone, "", "", mg.user.ID, "{}", mg.user.ID, at, at, store.SearchText(cname+" "+taxID)); err != nil {
			return nil, err
		}
		cl.companyID, cl.companyName = id, cname
		position = []string{"Директор", "Офис-менеджер", "Руководитель HR", "Главный бухгалтер", "Ассистент руководителя"}[w.rng.IntN(5)]
	}
	id, err := l.NextID("contacts")
	if err != nil {
		return nil, err
	}
	cl.contactID = id
	if err := w.t.contacts.Add(id, w.accountID, name, position, nullID(cl.companyID), mg.user.ID, w.channelIDs[ch],
		cl.region, cl.segment, "{}", mg.user.ID, at, at, store.SearchText(name+" "+position)); err != nil {
		return nil, err
	}
	raw := w.phone()
	digits, _ := crm.NormalizePhone(raw)
	if err := w.t.phones.Add(w.accountID, id, digits, raw, "mobile", 0); err != nil {
		return nil, err
	}
	if w.rng.IntN(10) < 6 {
		email := fmt.Sprintf("%s.%s%d@mail.example", translit(first), translit(last), w.rng.IntN(100))
		if err := w.t.emails.Add(w.accountID, id, strings.ToLower(email), "", 0); err != nil {
			return nil, err
		}
	}
	return cl, nil
}

// phone is a Russian mobile number as people type it; now and then a number given before, so that
// the duplicate search has something to find.
func (w *world) phone() string {
	n := w.rng.Int64N(1_000_000_0)
	if w.rng.IntN(200) == 0 && w.clients > 0 {
		n = int64(w.rng.IntN(1000))
	}
	return fmt.Sprintf("+7 9%02d %03d-%02d-%02d", n/100_000_0%100, n/10_000%1000, n/100%100, n%100)
}

// pickMainProduct draws what a lead asks for: ski tours in winter, Sochi and Turkey in summer.
func (w *world) pickMainProduct(p int, t time.Time) int {
	var idx []int
	var weights []float64
	var total float64
	m := t.In(w.loc).Month()
	for i, ps := range products {
		if ps.addOn || ps.pipeline != p {
			continue
		}
		wt := 1.0
		switch ps.sku {
		case "RU-SKI-7":
			wt = 0.15
			if m == time.December || m <= time.March {
				wt = 2.5
			}
		case "RU-SOCHI-7", "TR-7":
			if m >= time.June && m <= time.August {
				wt = 2
			}
		case "TH-12", "AE-7":
			if m >= time.November || m <= time.March {
				wt = 1.8
			}
		case "B2B-INCENTIVE":
			wt = 0.4
		}
		idx = append(idx, i)
		weights = append(weights, wt)
		total += wt
	}
	r := w.rng.Float64() * total
	for k, wt := range weights {
		if r -= wt; r < 0 {
			return idx[k]
		}
	}
	return idx[len(idx)-1]
}

// monthOf returns the index of the history month t falls in; -1 outside the history.
func (w *world) monthOf(t time.Time) int {
	lt := t.In(w.loc)
	m := (lt.Year()-w.from.Year())*12 + int(lt.Month()) - int(w.from.Month())
	if m < 0 || m >= w.months {
		return -1
	}
	return m
}

// feminine turns a Russian surname into its feminine form (Иванов → Иванова).
func feminine(last string) string {
	switch {
	case strings.HasSuffix(last, "ий"):
		return strings.TrimSuffix(last, "ий") + "ая"
	case strings.HasSuffix(last, "ов"), strings.HasSuffix(last, "ев"), strings.HasSuffix(last, "ёв"), strings.HasSuffix(last, "ин"):
		return last + "а"
	}
	return last
}

// translit spells a Russian name in Latin letters, for e-mail addresses.
func translit(s string) string {
	var b strings.Builder
	for _, r := range crm.Translit(s) {
		if r < 128 {
			b.WriteRune(r)
		}
	}
	return b.String()
}
