package crm

import "testing"

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestProRate(t *testing.T) {
	// The example of the contract: 31000 over 20 Jan – 9 Feb 2026 (21 days: 12 in January, 9 in February).
	jan := ProRate(31000, d("2026-01-20"), d("2026-02-09"), d("2026-01-01"), d("2026-02-01"))
	feb := ProRate(31000, d("2026-01-20"), d("2026-02-09"), d("2026-02-01"), d("2026-03-01"))
	if jan != 17714 || feb != 13286 || jan+feb != 31000 {
		t.Errorf("January %d, February %d; want 17714 + 13286 = 31000", jan, feb)
	}
	if got := ProRate(31000, d("2026-01-20"), d("2026-02-09"), d("2025-01-01"), d("2027-01-01")); got != 31000 {
		t.Errorf("the whole span: %d", got)
	}
	if got := ProRate(31000, d("2026-01-20"), d("2026-02-09"), d("2026-03-01"), d("2026-04-01")); got != 0 {
		t.Errorf("outside the span: %d", got)
	}
	if got := ProRate(100, d("2026-05-05"), d("2026-05-05"), d("2026-05-05"), d("2026-05-06")); got != 100 {
		t.Errorf("one day: %d", got)
	}
	// Any split into consecutive days sums exactly, even for amounts that do not divide evenly.
	for _, amount := range []int64{1, 7, 99999, 1000000007, 9e15} {
		var sum int64
		for day := d("2025-12-25"); day.Before(d("2026-03-10")); day = day.AddDays(1) {
			sum += ProRate(amount, d("2026-01-01"), d("2026-02-28"), day, day.AddDays(1))
		}
		if sum != amount {
			t.Errorf("amount %d split by day sums to %d", amount, sum)
		}
	}
}

func TestCostsUpTo(t *testing.T) {
	costs := []*CRMCost{
		{Category: "implementation", IncurredOn: d("2025-03-10"), Recurrence: "one_off", Amount: 50000000},
		{Category: "licence", IncurredOn: d("2025-03-01"), Recurrence: "monthly", Amount: 1500000},
		{Category: "training", IncurredOn: d("2025-04-15"), Recurrence: "monthly", EndsOn: d("2025-06-30"), Amount: 2000000},
	}
	// Through June 2025: 500000.00 + 4 months of licence (Mar–Jun) 6000000 + 3 months of training (Apr–Jun) 6000000.
	if got := CostsUpTo(costs, d("2025-06-30")); got != 50000000+4*1500000+3*2000000 {
		t.Errorf("TCO through June: %d", got)
	}
	// Through February 2025: nothing yet.
	if got := CostsUpTo(costs, d("2025-02-28")); got != 0 {
		t.Errorf("TCO before: %d", got)
	}
	// Through December 2025: the training stopped in June.
	if got := CostsUpTo(costs, d("2025-12-01")); got != 50000000+10*1500000+3*2000000 {
		t.Errorf("TCO through December: %d", got)
	}
	if CostInMonth(costs[2], d("2025-07-01")) != 0 || CostInMonth(costs[1], d("2030-01-01")) != 1500000 {
		t.Errorf("CostInMonth")
	}
}
