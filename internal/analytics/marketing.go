package analytics

import (
	"context"
	"fmt"
	"slices"

	"github.com/voronka/voronka/internal/crm"
)

// The marketing and channel KPIs of KPI.md («Каналы продаж»). Marketing spend belongs to the
// account, not to a manager: spend and the ratios built on it are figures of the whole account,
// computed for administrators (who see every deal) and null for everyone else, whose deals are a
// part of the account's. They exist in totals and by channel; in other slices (a manager, a region)
// spend cannot be attributed, and they are null there too.

func init() {
	registerFacts(factsSpend, (*Engine).spendFacts)
	register(&KPI{ID: "marketing_spend", NameRU: "Расходы на рекламу", NameEN: "Marketing spend", Unit: Money,
		facts:      []factGroup{factsSpend},
		Definition: "Σ spend entered for the channel in the period, pro-rated by day when an entry spans periods (no kopeck lost or doubled across buckets)",
		eval: func(f facts) (*float64, *float64, *float64) {
			s, ok := f["spend"]
			if !ok {
				return nil, nil, nil
			}
			return ptr(s), ptr(s), nil
		}})
	register(&KPI{ID: "cost_per_lead", NameRU: "Стоимость обращения", NameEN: "Cost per lead", Unit: Money,
		facts:      []factGroup{factsSpend, factsCreated},
		Definition: "marketing_spend / leads",
		eval: func(f facts) (*float64, *float64, *float64) {
			s, ok := f["spend"]
			if !ok {
				return nil, nil, nil
			}
			return ratio(s, f["leads"], 1), ptr(s), ptr(f["leads"])
		}})
	register(&KPI{ID: "cost_per_sale", NameRU: "Стоимость продажи", NameEN: "Cost per sale", Unit: Money,
		facts:      []factGroup{factsSpend, factsClosed},
		Definition: "marketing_spend / won_deals",
		eval: func(f facts) (*float64, *float64, *float64) {
			s, ok := f["spend"]
			if !ok {
				return nil, nil, nil
			}
			return ratio(s, f["won"], 1), ptr(s), ptr(f["won"])
		}})
	register(&KPI{ID: "romi", NameRU: "ROMI", NameEN: "ROMI", Unit: Percent,
		facts:      []factGroup{factsSpend, factsClosed},
		Definition: "(margin of the channel's deals won in the period − the channel's spend) / spend × 100",
		eval: func(f facts) (*float64, *float64, *float64) {
			s, ok := f["spend"]
			if !ok {
				return nil, nil, nil
			}
			gain := f["revenue"] - f["cost"] - s
			return ratio(gain, s, 100), ptr(gain), ptr(s)
		}})
}

// spendFacts pro-rates the account's marketing spend into the spans, by channel when by is
// [channel], in total when by is empty; nothing in other slices or for actors who do not see the
// whole account. The entries of a period are few (a channel a month), so they are read and split
// here, with crm.ProRate's exact day split.
func (e *Engine) spendFacts(ctx context.Context, actor *crm.Actor, spans []Span, by []Dimension, f Filter) (map[sliceKey]facts, error) {
	out := map[sliceKey]facts{}
	if !actor.SeesAll() || !(len(by) == 0 || slices.Equal(by, []Dimension{ByChannel})) || (Filter{ChannelID: f.ChannelID}) != f {
		return out, nil
	}
	if len(spans) == 0 {
		return out, nil
	}
	_, _, from, to := spanBounds(spans)
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT s.channel_id, c.name, s.starts_on, s.ends_on, s.amount
		FROM marketing_spend s JOIN channels c ON c.id = s.channel_id
		WHERE s.account_id = $1 AND s.deleted_at IS NULL AND s.ends_on >= $2 AND s.starts_on < $3`,
		actor.AccountID, from, to)
	if err != nil {
		return nil, fmt.Errorf("analytics: spend: %w", err)
	}
	defer rows.Close()
	type entry struct {
		channel      int64
		name         string
		starts, ends crm.Date
		amount       int64
	}
	var entries []entry
	for rows.Next() {
		var x entry
		if err := rows.Scan(&x.channel, &x.name, &x.starts, &x.ends, &x.amount); err != nil {
			return nil, fmt.Errorf("analytics: spend: %w", err)
		}
		entries = append(entries, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// By channel, every channel of the account has a figure: no spend entered is 0 spent.
	var names []string
	if len(by) == 1 {
		crows, err := e.db.Reader().QueryContext(ctx, `SELECT name FROM channels WHERE account_id = $1`, actor.AccountID)
		if err != nil {
			return nil, fmt.Errorf("analytics: channels: %w", err)
		}
		defer crows.Close()
		for crows.Next() {
			var n string
			if err := crows.Scan(&n); err != nil {
				return nil, err
			}
			names = append(names, n)
		}
	}
	for i, s := range spans {
		for _, n := range names {
			out[sliceKey{bucket: i, labels: n}] = facts{"spend": 0}
		}
		// A span is whole days of the account's zone: its dates are those days.
		from, to := s.FromDate, s.ToDate
		for _, x := range entries {
			if f.ChannelID != 0 && x.channel != f.ChannelID {
				continue
			}
			part := crm.ProRate(x.amount, x.starts, x.ends, from, to)
			k := sliceKey{bucket: i}
			if len(by) == 1 {
				k.labels = x.name
			}
			if out[k] == nil {
				out[k] = facts{"spend": 0}
			}
			out[k]["spend"] += float64(part)
		}
		if out[sliceKey{bucket: i}] == nil && len(by) == 0 {
			out[sliceKey{bucket: i}] = facts{"spend": 0}
		}
	}
	return out, nil
}
