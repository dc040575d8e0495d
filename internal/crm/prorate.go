package crm

import (
	"math/bits"
	"time"
)

// Days returns the number of calendar days from a to b (b − a).
func Days(a, b Date) int {
	return int(b.In(time.UTC).Sub(a.In(time.UTC)).Hours() / 24)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// ProRate returns the part of amount, spread evenly over the days starts..ends inclusive, that
// falls in [from, to). The day k of the span (0-based) carries ⌊amount·(k+1)/N⌋ − ⌊amount·k/N⌋, so
// parts over consecutive periods add up exactly to amount, with no kopeck lost or doubled.
// Example: 31000 over 20 Jan – 9 Feb (21 days) gives January ⌊31000·12/21⌋ = 17714 and February
// 31000 − 17714 = 13286. amount must be ≥ 0.
func ProRate(amount int64, starts, ends, from, to Date) int64 {
	n := Days(starts, ends) + 1
	if n <= 0 || amount <= 0 {
		return 0
	}
	a := min(max(Days(starts, from), 0), n)
	b := min(max(Days(starts, to), 0), n)
	if b <= a {
		return 0
	}
	return cumulative(amount, b, n) - cumulative(amount, a, n)
}

// cumulative returns ⌊amount·k/n⌋ without overflow.
func cumulative(amount int64, k, n int) int64 {
	hi, lo := bits.Mul64(uint64(amount), uint64(k))
	q, _ := bits.Div64(hi, lo, uint64(n))
	return int64(q)
}

// MonthStart returns the first day of d's month.
func (d Date) MonthStart() Date { return Date{d.Year, d.Month, 1} }

// NextMonth returns the first day of the month after d's.
func (d Date) NextMonth() Date { return DateOf(time.Date(d.Year, d.Month+1, 1, 0, 0, 0, 0, time.UTC)) }

// CostInMonth returns what a CRM cost entry adds to the month starting at month (its first day): a
// one-off entry its amount in the month it was incurred; a monthly entry its amount in every month
// from the month it was incurred through the month of ends_on (open-ended when zero).
func CostInMonth(c *CRMCost, month Date) int64 {
	m := month.MonthStart()
	start := c.IncurredOn.MonthStart()
	if m.Before(start) {
		return 0
	}
	if c.Recurrence == "one_off" {
		if m == start {
			return c.Amount
		}
		return 0
	}
	if !c.EndsOn.IsZero() && c.EndsOn.MonthStart().Before(m) {
		return 0
	}
	return c.Amount
}

// CostsUpTo returns the total cost of the entries through the month holding asOf (TCO): each
// entry counted once per month it applies to, as CostInMonth says.
func CostsUpTo(entries []*CRMCost, asOf Date) int64 {
	var total int64
	for _, c := range entries {
		for m := c.IncurredOn.MonthStart(); !asOf.MonthStart().Before(m); m = m.NextMonth() {
			v := CostInMonth(c, m)
			if v == 0 && c.Recurrence == "monthly" && !c.EndsOn.IsZero() && c.EndsOn.MonthStart().Before(m) {
				break
			}
			total += v
			if c.Recurrence == "one_off" {
				break
			}
		}
	}
	return total
}
