package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/voronka/voronka/internal/store"
)

// Helpers of the fact groups that are not over deals alone (payments, plans, feedback).

// spansWithDatesCTE lists the buckets as rows (i, s, e, fd, td): the instants [s, e) and the days
// [fd, td) of the account's zone, for tables that keep dates (due_on) beside tables that keep
// instants.
func spansWithDatesCTE(q *query, spans []Span) string {
	rows := make([]string, len(spans))
	for i, s := range spans {
		if q.engine == store.Postgres {
			rows[i] = fmt.Sprintf("(%s::int, %s::timestamptz, %s::timestamptz, %s::date, %s::date)",
				q.add(i), q.add(s.Start), q.add(s.End), q.add(s.FromDate), q.add(s.ToDate))
		} else {
			rows[i] = fmt.Sprintf("(%s, %s, %s, %s, %s)", q.add(i), q.add(s.Start), q.add(s.End), q.add(s.FromDate), q.add(s.ToDate))
		}
	}
	return "spans(i, s, e, fd, td) AS (VALUES " + strings.Join(rows, ", ") + ")"
}

// collectFacts runs a fact query whose rows are (bucket, labels…, values…) and returns the values
// by (bucket, slice) under names; NULL values are left out.
func collectFacts(ctx context.Context, e *Engine, q *query, sqlText string, labels int, names []string) (map[sliceKey]facts, error) {
	sets, err := collectFactSets(ctx, e, q, sqlText, false, labels, names)
	return sets[0], err
}

// collectFactSets is collectFacts for a query that answers the totals and the slices at once
// (withTotals): its rows lead with the set, 0 for the slices and 1 for the totals (whose labels
// are NULL), and the two come back as [slices, totals]. Without withTotals there is one set.
func collectFactSets(ctx context.Context, e *Engine, q *query, sqlText string, withTotals bool, labels int, names []string) ([2]map[sliceKey]facts, error) {
	out := [2]map[sliceKey]facts{{}, {}}
	rows, err := q.rows(ctx, e.db.Reader(), sqlText)
	if err != nil {
		return out, fmt.Errorf("analytics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var set, bucket int
		lbls := make([]sql.NullString, labels)
		vals := make([]sql.NullFloat64, len(names))
		dest := []any{&bucket}
		if withTotals {
			dest = []any{&set, &bucket}
		}
		for i := range lbls {
			dest = append(dest, &lbls[i])
		}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return out, fmt.Errorf("analytics: %w", err)
		}
		k := sliceKey{bucket: bucket}
		if set == 0 {
			parts := make([]string, len(lbls))
			for i, l := range lbls {
				parts[i] = l.String
			}
			k.labels = strings.Join(parts, "\x1f")
		}
		fs := out[set][k]
		if fs == nil {
			fs = facts{}
			out[set][k] = fs
		}
		for i, n := range names {
			if vals[i].Valid {
				fs[n] = vals[i].Float64
			}
		}
	}
	return out, rows.Err()
}

// dealDims returns the joins and the label expressions of by over deals d (facts.go's dimSQL).
func dealDims(by []Dimension) (joins, labels []string) {
	for _, d := range by {
		ds := dimSQL[d]
		if ds.join != "" {
			joins = append(joins, ds.join)
		}
		labels = append(labels, ds.label)
	}
	return joins, labels
}
