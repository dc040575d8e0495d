package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// sortKey is a column a list may be sorted by, and how its cursor value is typed.
type sortKey struct {
	col  string // SQL column, written in this package
	kind string // "int", "text" or "time"
}

// pageClause returns the condition that starts a page after cursor, and the ORDER BY … LIMIT tail,
// for a list sorted by key then id (descending when desc). It asks for one row more than the
// limit: when it comes back there is a next page.
func pageClause(a *args, key sortKey, idCol string, p crm.Page) (where, tail string, err error) {
	dir, cmp := "ASC", ">"
	if p.Desc {
		dir, cmp = "DESC", "<"
	}
	if p.After != "" {
		c, err := crm.DecodeCursor(p.After)
		if err != nil {
			return "", "", err
		}
		v, err := cursorValue(key, c.Value)
		if err != nil {
			return "", "", err
		}
		if key.col == idCol {
			where = fmt.Sprintf("%s %s %s", idCol, cmp, a.add(c.ID))
		} else {
			where = fmt.Sprintf("(%s, %s) %s (%s, %s)", key.col, idCol, cmp, a.add(v), a.add(c.ID))
		}
	}
	order := fmt.Sprintf("%s %s, %s %s", key.col, dir, idCol, dir)
	if key.col == idCol {
		order = fmt.Sprintf("%s %s", idCol, dir)
	}
	tail = fmt.Sprintf(" ORDER BY %s LIMIT %s", order, a.add(p.Limit+1))
	return where, tail, nil
}

func cursorValue(key sortKey, v any) (any, error) {
	bad := &crm.Error{Code: crm.EINVALID, Message: "Some fields are invalid.",
		Fields: []crm.FieldError{{Field: "after", Code: "format", Message: "does not belong to this sort order"}}}
	switch key.kind {
	case "int":
		f, ok := v.(float64)
		if !ok {
			return nil, bad
		}
		return int64(f), nil
	case "time":
		s, ok := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if !ok || err != nil {
			return nil, bad
		}
		return t.UTC(), nil
	default:
		s, ok := v.(string)
		if !ok {
			return nil, bad
		}
		return s, nil
	}
}

// cursorOf returns the cursor value of a sort key from a record's value.
func cursorOf(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// and joins the non-empty conditions with AND.
func and(conds ...string) string {
	var out []string
	for _, c := range conds {
		if c != "" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "TRUE"
	}
	return strings.Join(out, " AND ")
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
