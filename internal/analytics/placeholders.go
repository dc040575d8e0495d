package analytics

import (
	"context"
	"database/sql"

	"github.com/voronka/voronka/internal/store"
)

// rows runs the query's statement text on db with the query's arguments.
//
// On SQLite the $N placeholders are first made anonymous (positional): SQLite looks a named or
// numbered placeholder up in a list of those seen so far, once when it parses the statement and
// once more when the driver binds it (sqlite3_bind_parameter_name), so a statement of n of them
// costs n² comparisons. A request cut into 3,660 days binds about 11,000 values a query: 0.55 s a
// query went to that. Anonymous ones are numbered as they come and bound by position.
func (q *query) rows(ctx context.Context, db *sql.DB, text string) (*sql.Rows, error) {
	text, args := q.statement(text)
	return db.QueryContext(ctx, text, args...)
}

// row is rows for a statement of one row.
func (q *query) row(ctx context.Context, db *sql.DB, text string) *sql.Row {
	text, args := q.statement(text)
	return db.QueryRowContext(ctx, text, args...)
}

// statement is the text and the arguments to run: as built on PostgreSQL, positional on SQLite.
func (q *query) statement(text string) (string, []any) {
	if q.engine != store.SQLite {
		return text, q.args
	}
	return positional(text, q.args)
}

// positional rewrites the $N placeholders of text into ?, in the order they stand, with the
// arguments in that order: args[N-1] for each, repeated where a placeholder is. String literals,
// quoted identifiers and comments are copied as they are. A $N with no argument is left alone
// (the driver then says which is missing).
func positional(text string, args []any) (string, []any) {
	out := make([]byte, 0, len(text))
	vals := make([]any, 0, len(args))
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(text) && text[j] != c {
				j++
			}
			j = min(j+1, len(text)) // '' inside a literal closes and opens it again: the same bytes
			out = append(out, text[i:j]...)
			i = j
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			j := i
			for j < len(text) && text[j] != '\n' {
				j++
			}
			out = append(out, text[i:j]...)
			i = j
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			j := i + 2
			for j+1 < len(text) && !(text[j] == '*' && text[j+1] == '/') {
				j++
			}
			j = min(j+2, len(text))
			out = append(out, text[i:j]...)
			i = j
		case c == '$' && i+1 < len(text) && text[i+1] >= '1' && text[i+1] <= '9':
			j, n := i+1, 0
			for j < len(text) && text[j] >= '0' && text[j] <= '9' && n <= len(args) {
				n = n*10 + int(text[j]-'0')
				j++
			}
			if n > len(args) || (j < len(text) && text[j] >= '0' && text[j] <= '9') {
				out = append(out, text[i:j]...)
				i = j
				continue
			}
			out = append(out, '?')
			vals = append(vals, args[n-1])
			i = j
		default:
			out = append(out, c)
			i++
		}
	}
	return string(out), vals
}
