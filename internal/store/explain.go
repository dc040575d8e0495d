package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// QueryPlan is a query a store call ran and the plan the engine chose for it.
type QueryPlan struct {
	SQL  string
	Plan string // one line per plan node
}

type recorded struct {
	query string
	args  []any
}

// recorder runs queries and remembers them.
type recorder struct {
	q    querier
	seen []recorded
}

func (r *recorder) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r.seen = append(r.seen, recorded{q, args})
	return r.q.ExecContext(ctx, q, args...)
}

func (r *recorder) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r.seen = append(r.seen, recorded{q, args})
	return r.q.QueryContext(ctx, q, args...)
}

func (r *recorder) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	r.seen = append(r.seen, recorded{q, args})
	return r.q.QueryRowContext(ctx, q, args...)
}

// ExplainQueries runs fn on the read pool, records every SELECT it issues, and returns the plan of
// each. On PostgreSQL sequential scans are disabled while explaining, so a plan that still scans a
// table whole shows that no index can serve the query — whatever the table's size today.
func (db *DB) ExplainQueries(ctx context.Context, fn func(crm.Tx) error) ([]QueryPlan, error) {
	rec := &recorder{q: db.read}
	if err := fn(&Tx{q: rec, engine: db.Engine}); err != nil {
		return nil, err
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if db.Engine == Postgres {
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			return nil, err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "RESET enable_seqscan")
	}
	var out []QueryPlan
	for _, r := range rec.seen {
		if !strings.HasPrefix(strings.TrimSpace(r.query), "SELECT") {
			continue
		}
		prefix := "EXPLAIN QUERY PLAN "
		if db.Engine == Postgres {
			prefix = "EXPLAIN "
		}
		rows, err := conn.QueryContext(ctx, prefix+r.query, r.args...)
		if err != nil {
			return nil, fmt.Errorf("explain %s: %w", r.query, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			lines = append(lines, fmt.Sprint(vals[len(vals)-1])) // SQLite: the detail column; PostgreSQL: the plan line
		}
		rows.Close()
		out = append(out, QueryPlan{SQL: r.query, Plan: strings.Join(lines, "\n")})
	}
	return out, nil
}
