package analytics

import (
	"reflect"
	"testing"
)

func TestPositionalPlaceholders(t *testing.T) {
	for _, c := range []struct {
		text     string
		args     []any
		want     string
		wantArgs []any
	}{
		{"SELECT $1", []any{7}, "SELECT ?", []any{7}},
		{"SELECT $2, $1, $2", []any{"a", "b"}, "SELECT ?, ?, ?", []any{"b", "a", "b"}},
		{"SELECT $10 + $1", []any{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "SELECT ? + ?", []any{10, 1}},
		// Literals, quoted names and comments keep their dollars; a quote in a comment is no literal.
		{"SELECT '$1', \"$1\", $1 -- the deal's $2\n, $2 /* $1 ' */ FROM t WHERE x = 'it''s $2' AND y = $2",
			[]any{"a", "b"},
			"SELECT '$1', \"$1\", ? -- the deal's $2\n, ? /* $1 ' */ FROM t WHERE x = 'it''s $2' AND y = ?",
			[]any{"a", "b", "b"}},
		// No such argument: left for the driver to name.
		{"SELECT $3, $0, $", []any{1}, "SELECT $3, $0, $", []any{}},
		{"SELECT $12345678901234567890", []any{1}, "SELECT $12345678901234567890", []any{}},
		// Unterminated literals and comments end the text.
		{"SELECT $1, 'abc", []any{1}, "SELECT ?, 'abc", []any{1}},
		{"SELECT $1 /* x", []any{1}, "SELECT ? /* x", []any{1}},
	} {
		got, args := positional(c.text, c.args)
		if got != c.want || !reflect.DeepEqual(args, c.wantArgs) {
			t.Errorf("positional(%q)\n = %q %v\nwant %q %v", c.text, got, args, c.want, c.wantArgs)
		}
	}
}

func FuzzPositionalPlaceholders(f *testing.F) {
	f.Add("SELECT $1, '$2' -- $3\n, $2")
	f.Add("/* $1 */ $1 \"$1\" $9")
	f.Fuzz(func(t *testing.T, text string) {
		args := []any{1, 2, 3}
		out, vals := positional(text, args)
		// Every ? stands for one value, and only placeholders change.
		if len(out) > len(text) {
			t.Fatalf("grew: %q → %q", text, out)
		}
		if n := countOutside(out, '?') - countOutside(text, '?'); n != len(vals) {
			t.Fatalf("%q → %q: %d new ? for %d values", text, out, n, len(vals))
		}
	})
}

// countOutside counts c in text outside literals, quoted names and comments, as positional reads them.
func countOutside(text string, c byte) int {
	marked := text
	n := 0
	for i := 0; i < len(marked); i++ {
		switch {
		case marked[i] == '\'' || marked[i] == '"':
			q := marked[i]
			for i++; i < len(marked) && marked[i] != q; i++ {
			}
		case marked[i] == '-' && i+1 < len(marked) && marked[i+1] == '-':
			for i < len(marked) && marked[i] != '\n' {
				i++
			}
		case marked[i] == '/' && i+1 < len(marked) && marked[i+1] == '*':
			for i += 2; i+1 < len(marked) && !(marked[i] == '*' && marked[i+1] == '/'); i++ {
			}
			i++
		case marked[i] == c:
			n++
		}
	}
	return n
}
