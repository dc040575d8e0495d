package dataio

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// importPayment records a payment received for a deal. A payment is known by its deal, time and
// amount: the same row imported again is found and left as it is (counted as updated).
func (im *Importer) importPayment(ctx context.Context, cr chunkRow) (bool, []RowProblem, error) {
	r := rowReader{im: im, line: cr.line, row: cr.row}
	var dealID int64
	switch {
	case r.str("deal_id") != "":
		id, err := strconv.ParseInt(r.str("deal_id"), 10, 64)
		if err != nil || id <= 0 {
			return false, nil, r.fail("deal_id", "is not a deal id")
		}
		dealID = id
	case r.str("deal") != "":
		id, err := im.Service.IDByExternal(ctx, im.Actor, "deal", im.Mapping.Source, r.str("deal"))
		if err != nil {
			return false, nil, err
		}
		if id == 0 {
			return false, nil, r.fail("deal", fmt.Sprintf("no deal imported from %s with the id %q: import the deals first", im.Mapping.Source, r.str("deal")))
		}
		dealID = id
	default:
		return false, nil, r.fail("deal", "is empty: name the deal by its id in the source (deal) or in Voronka (deal_id)")
	}
	paid, err := r.time("paid_at", im.Service.Now())
	if err != nil {
		return false, nil, err
	}
	if paid.IsZero() {
		return false, nil, r.fail("paid_at", "is empty")
	}
	amount, ok, err := r.money("amount")
	if err != nil {
		return false, nil, err
	}
	if !ok || amount == 0 {
		return false, nil, r.fail("amount", "must be above 0")
	}
	existing, err := im.Service.Payments(ctx, im.Actor, crm.PaymentFilter{DealID: dealID, PaidFrom: paid, PaidTo: paid.Add(time.Second)}, crm.Page{Limit: 50})
	if err != nil {
		return false, nil, im.deal404(r, err)
	}
	for _, p := range existing.Items {
		if p.Amount == amount && p.PaidAt.Equal(paid.UTC().Truncate(time.Microsecond)) {
			return false, nil, nil
		}
	}
	p := &crm.Payment{DealID: dealID, PaidAt: paid, Amount: amount, Method: r.str("method"), Note: r.str("note")}
	return true, nil, im.deal404(r, im.Service.RecordPayment(ctx, im.Actor, p))
}

func (im *Importer) deal404(r rowReader, err error) error {
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		f := "deal"
		if r.str("deal_id") != "" {
			f = "deal_id"
		}
		return r.fail(f, "no such deal in the account")
	}
	return err
}

// importSpend records what a channel cost over a period (a month, or from starts_on to ends_on).
// The same channel and period imported again updates the amount.
func (im *Importer) importSpend(ctx context.Context, cr chunkRow) (bool, []RowProblem, error) {
	r := rowReader{im: im, line: cr.line, row: cr.row}
	var from, to crm.Date
	if v := r.str("month"); v != "" {
		m, err := parseMonth(v)
		if err != nil {
			return false, nil, r.fail("month", err.Error())
		}
		from, to = m, crm.DateOf(m.In(time.UTC).AddDate(0, 1, -1))
	} else {
		start, err := r.time("starts_on", im.Service.Now())
		if err != nil {
			return false, nil, err
		}
		end, err := r.time("ends_on", im.Service.Now())
		if err != nil {
			return false, nil, err
		}
		if start.IsZero() {
			return false, nil, r.fail("starts_on", "is empty: give the period (starts_on and ends_on) or the month")
		}
		if end.IsZero() {
			end = start
		}
		from, to = crm.DateOf(start), crm.DateOf(end)
	}
	amount, ok, err := r.money("amount")
	if err != nil {
		return false, nil, err
	}
	if !ok {
		return false, nil, r.fail("amount", "is empty")
	}
	channelID, err := im.cache.channel(ctx, im, r, r.str("channel"))
	if err != nil {
		return false, nil, err
	}
	note := r.str("note")
	existing, err := im.Service.Spend(ctx, im.Actor, channelID, from, to)
	if err != nil {
		return false, nil, err
	}
	for _, e := range existing {
		if e.ChannelID == channelID && e.StartsOn == from && e.EndsOn == to {
			_, err := im.Service.UpdateSpend(ctx, im.Actor, e.ID, nil, nil, &amount, &note, nil)
			return false, nil, err
		}
	}
	return true, nil, im.Service.AddSpend(ctx, im.Actor, &crm.SpendEntry{ChannelID: channelID, StartsOn: from, EndsOn: to, Amount: amount, Note: note})
}

// parseMonth reads "2025-03", "03.2025", "03/2025" or a date in the month.
func parseMonth(s string) (crm.Date, error) {
	for _, layout := range []string{"2006-01", "01.2006", "01/2006", "2006-01-02", "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return crm.Date{Year: t.Year(), Month: t.Month(), Day: 1}, nil
		}
	}
	return crm.Date{}, fmt.Errorf("%q is not a month (2025-03 or 03.2025)", s)
}
