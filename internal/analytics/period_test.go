package analytics

import (
	"testing"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

func date(s string) crm.Date {
	d, err := crm.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func zone(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDaysAcrossDST(t *testing.T) {
	ny := zone(t, "America/New_York")
	// 2026-03-08: clocks go from 02:00 to 03:00 (a 23-hour day); 2026-11-01: back (25 hours).
	p := Period{From: date("2026-03-07"), To: date("2026-03-10"), Loc: ny}
	spans := p.Spans(Day)
	wantHours := []float64{24, 23, 24}
	if len(spans) != 3 {
		t.Fatalf("spans: %v", spans)
	}
	for i, s := range spans {
		if h := s.End.Sub(s.Start).Hours(); h != wantHours[i] {
			t.Errorf("%s lasts %vh, want %vh", s.Label, h, wantHours[i])
		}
	}
	if spans[1].Start != time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC) || spans[2].Start != time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC) {
		t.Errorf("8 March starts %v, 9 March %v (UTC)", spans[1].Start, spans[2].Start)
	}
	fall := Period{From: date("2026-11-01"), To: date("2026-11-02"), Loc: ny}.Spans(Day)
	if h := fall[0].End.Sub(fall[0].Start).Hours(); h != 25 {
		t.Errorf("1 November lasts %vh, want 25", h)
	}
}

func TestMonthsInMoscowAndKolkata(t *testing.T) {
	msk := zone(t, "Europe/Moscow")
	spans := Period{From: date("2026-01-15"), To: date("2026-04-01"), Loc: msk}.Spans(Month)
	want := []struct {
		label      string
		start, end time.Time
	}{
		{"2026-01", time.Date(2026, 1, 14, 21, 0, 0, 0, time.UTC), time.Date(2026, 1, 31, 21, 0, 0, 0, time.UTC)}, // clipped: from 15 Jan
		{"2026-02", time.Date(2026, 1, 31, 21, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 21, 0, 0, 0, time.UTC)},
		{"2026-03", time.Date(2026, 2, 28, 21, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 21, 0, 0, 0, time.UTC)},
	}
	if len(spans) != len(want) {
		t.Fatalf("spans: %v", spans)
	}
	for i, w := range want {
		if spans[i].Label != w.label || !spans[i].Start.Equal(w.start) || !spans[i].End.Equal(w.end) {
			t.Errorf("span %d: %v, want %s [%v, %v)", i, spans[i], w.label, w.start, w.end)
		}
	}
	kol := zone(t, "Asia/Kolkata") // +05:30
	q := Period{From: date("2026-01-01"), To: date("2027-01-01"), Loc: kol}.Spans(Quarter)
	if len(q) != 4 || q[0].Label != "2026-Q1" || q[3].Label != "2026-Q4" {
		t.Fatalf("quarters: %v", q)
	}
	if q[1].Start != time.Date(2026, 3, 31, 18, 30, 0, 0, time.UTC) {
		t.Errorf("Q2 starts %v, want 2026-03-31 18:30 UTC", q[1].Start)
	}
}

func TestISOWeeks(t *testing.T) {
	// 2026-12-28 is a Monday in ISO week 2026-W53; 2027-01-04 starts 2027-W01.
	spans := Period{From: date("2026-12-30"), To: date("2027-01-12"), Loc: time.UTC}.Spans(Week)
	labels := []string{}
	for _, s := range spans {
		labels = append(labels, s.Label)
	}
	if len(spans) != 3 || labels[0] != "2026-W53" || labels[1] != "2027-W01" || labels[2] != "2027-W02" {
		t.Fatalf("weeks: %v", labels)
	}
	if spans[0].Start != time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC) || spans[1].Start != time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC) {
		t.Errorf("week starts: %v %v", spans[0].Start, spans[1].Start)
	}
}

// The spans of any bucket tile the period exactly, and SpanOf finds the span of every instant.
func TestSpansTileThePeriod(t *testing.T) {
	for _, tz := range []string{"Europe/Moscow", "America/New_York", "Asia/Kolkata", "UTC"} {
		loc := zone(t, tz)
		p := Period{From: date("2025-10-20"), To: date("2027-03-15"), Loc: loc}
		whole := p.Span()
		for _, b := range []Bucket{Day, Week, Month, Quarter, Year, None} {
			spans := p.Spans(b)
			if !spans[0].Start.Equal(whole.Start) || !spans[len(spans)-1].End.Equal(whole.End) {
				t.Errorf("%s %s: spans do not start/end with the period", tz, b)
			}
			for i := 1; i < len(spans); i++ {
				if !spans[i].Start.Equal(spans[i-1].End) || !spans[i].Start.Before(spans[i].End) {
					t.Errorf("%s %s: gap or overlap at %s", tz, b, spans[i].Label)
				}
			}
			for _, s := range spans {
				if SpanOf(spans, s.Start) < 0 || spans[SpanOf(spans, s.End.Add(-time.Nanosecond))].Label != s.Label {
					t.Errorf("%s %s: SpanOf misses %s", tz, b, s.Label)
				}
			}
			if SpanOf(spans, whole.End) != -1 || SpanOf(spans, whole.Start.Add(-time.Second)) != -1 {
				t.Errorf("%s %s: SpanOf finds instants outside the period", tz, b)
			}
		}
	}
}

func TestPeriodValidate(t *testing.T) {
	if err := (Period{From: date("2026-02-01"), To: date("2026-02-01"), Loc: time.UTC}).Validate(); crm.ErrorCode(err) != crm.EINVALID {
		t.Errorf("empty period: %v", err)
	}
	if err := (Period{From: date("2026-02-01"), To: date("2026-03-01"), Loc: time.UTC}).Validate(); err != nil {
		t.Errorf("February: %v", err)
	}
	if _, err := ParseBucket("fortnight"); crm.ErrorCode(err) != crm.EINVALID {
		t.Errorf("bucket fortnight: %v", err)
	}
}
