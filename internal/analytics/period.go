// Package analytics computes the KPIs of KPI.md from the store: the read side of Voronka.
package analytics

import (
	"fmt"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// Bucket is the size of the time slices a KPI is broken into.
type Bucket string

// The buckets of KPI.md. Weeks are ISO weeks, starting on Monday.
const (
	None    Bucket = ""
	Day     Bucket = "day"
	Week    Bucket = "week"
	Month   Bucket = "month"
	Quarter Bucket = "quarter"
	Year    Bucket = "year"
)

// ParseBucket returns the bucket named s; EINVALID (field "bucket") for an unknown name.
func ParseBucket(s string) (Bucket, error) {
	switch b := Bucket(s); b {
	case None, Day, Week, Month, Quarter, Year:
		return b, nil
	}
	return None, &crm.Error{Code: crm.EINVALID, Message: "Some fields are invalid.",
		Fields: []crm.FieldError{{Field: "bucket", Code: "one_of", Message: "must be day, week, month, quarter or year"}}}
}

// Span is a half-open interval of time [Start, End) with the label of its bucket. Start and End are
// instants (UTC); they fall on midnights of the account's time zone, so a day is 23 or 25 hours long
// across a daylight-saving change.
type Span struct {
	Label string // 2026-03-08, 2026-W10, 2026-03, 2026-Q1, 2026; the period itself for None
	Start time.Time
	End   time.Time
	// FromDate and ToDate are the span as days of the zone, [FromDate, ToDate).
	FromDate, ToDate crm.Date
}

// Period is [From, To) in calendar days of a time zone.
type Period struct {
	From, To crm.Date
	Loc      *time.Location
}

// Validate reports EINVALID when the period is empty, reversed or absurdly long.
func (p Period) Validate() error {
	var v crm.Validation
	if p.From.IsZero() {
		v.Add("from", "required", "must be a date, YYYY-MM-DD")
	}
	if p.To.IsZero() {
		v.Add("to", "required", "must be a date, YYYY-MM-DD")
	}
	if !p.From.IsZero() && !p.To.IsZero() {
		if !p.From.Before(p.To) {
			v.Add("to", "out_of_range", "must be after from (the period is [from, to))")
		} else if p.To.In(time.UTC).Sub(p.From.In(time.UTC)) > 50*366*24*time.Hour {
			v.Add("to", "out_of_range", "a period may span at most 50 years")
		}
	}
	return v.Err()
}

// Span returns the whole period as one span.
func (p Period) Span() Span {
	return Span{Label: p.From.String() + ".." + p.To.String(), Start: p.From.In(p.Loc).UTC(), End: p.To.In(p.Loc).UTC(),
		FromDate: p.From, ToDate: p.To}
}

// Spans cuts the period into calendar buckets of the time zone. The first and last buckets are
// clipped to the period, so that the spans cover [From, To) exactly, without gaps or overlaps;
// a bucket keeps its calendar label when clipped.
func (p Period) Spans(b Bucket) []Span {
	if b == None {
		return []Span{p.Span()}
	}
	var out []Span
	end := p.To.In(p.Loc)
	for day := p.From.In(p.Loc); day.Before(end); {
		start := bucketStart(day, b)
		next := bucketNext(start, b)
		s := Span{Label: label(start, b), Start: day.UTC(), End: next.UTC(), FromDate: crm.DateOf(day), ToDate: crm.DateOf(next)}
		if next.After(end) {
			s.End, s.ToDate = end.UTC(), p.To
		}
		out = append(out, s)
		day = next
	}
	return out
}

// bucketStart returns the midnight that starts the bucket holding t (a midnight of t's zone).
func bucketStart(t time.Time, b Bucket) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch b {
	case Week:
		wd := (int(t.Weekday()) + 6) % 7 // Monday 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case Quarter:
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, loc)
	case Year:
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// bucketNext returns the midnight that starts the bucket after the one starting at start. Calendar
// arithmetic (AddDate on the date, then midnight in the zone) keeps DST days at 23 or 25 hours.
func bucketNext(start time.Time, b Bucket) time.Time {
	y, m, d := start.Date()
	switch b {
	case Week:
		d += 7
	case Month:
		m++
	case Quarter:
		m += 3
	case Year:
		y++
	default:
		d++
	}
	return time.Date(y, m, d, 0, 0, 0, 0, start.Location())
}

func label(start time.Time, b Bucket) string {
	switch b {
	case Week:
		y, w := start.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case Month:
		return start.Format("2006-01")
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", start.Year(), (int(start.Month())-1)/3+1)
	case Year:
		return start.Format("2006")
	}
	return start.Format(time.DateOnly)
}

// spanBounds is the smallest range holding every span — its first start and last end, as instants
// and days. Spans are usually a period's buckets, but before/after go-live asks for windows that
// may leave gaps or overlap (compare.go), so the first span need not start first nor the last end last.
func spanBounds(spans []Span) (start, end time.Time, from, to crm.Date) {
	for i, s := range spans {
		if i == 0 || s.Start.Before(start) {
			start, from = s.Start, s.FromDate
		}
		if i == 0 || s.End.After(end) {
			end, to = s.End, s.ToDate
		}
	}
	return start, end, from, to
}

// SpanOf returns the index of the span holding instant t, or -1.
func SpanOf(spans []Span, t time.Time) int {
	lo, hi := 0, len(spans)
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case t.Before(spans[mid].Start):
			hi = mid
		case !t.Before(spans[mid].End):
			lo = mid + 1
		default:
			return mid
		}
	}
	return -1
}

// MaxBuckets is the most buckets a request may cut its period into: ten years of days. Every
// bucket is bound as values of the statements (SQLite binds at most 32,766 a statement, and the
// customer-activity query takes eight a bucket).
const MaxBuckets = 3660

// validateBuckets checks that the period cut into b makes at most MaxBuckets buckets.
func (p Period) validateBuckets(b Bucket) error {
	if b == None {
		return nil
	}
	q := p
	q.Loc = time.UTC // the count of calendar buckets does not depend on the zone
	if n := len(q.Spans(b)); n > MaxBuckets {
		var v crm.Validation
		v.Add("bucket", "out_of_range", fmt.Sprintf("the period cut by %s makes %d buckets; at most %d: take a longer bucket or a shorter period", b, n, MaxBuckets))
		return v.Err()
	}
	return nil
}
