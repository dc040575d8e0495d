package api

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// renameBulkItems turns the "items[i]" of a crm.Bulk error into "create[i]" for the first nCreate
// items and "update[i − nCreate]" for the rest, so that a field error names the request's own list.
func renameBulkItems(err error, nCreate int) error {
	var ce *crm.Error
	if !errors.As(err, &ce) {
		return err
	}
	out := *ce
	out.Fields = make([]crm.FieldError, len(ce.Fields))
	for i, f := range ce.Fields {
		out.Fields[i] = f
		rest, ok := strings.CutPrefix(f.Field, "items[")
		if !ok {
			continue
		}
		end := strings.IndexByte(rest, ']')
		idx, convErr := strconv.Atoi(rest[:max(end, 0)])
		if end < 0 || convErr != nil {
			continue
		}
		if idx < nCreate {
			out.Fields[i].Field = fmt.Sprintf("create[%d]%s", idx, rest[end+1:])
		} else {
			out.Fields[i].Field = fmt.Sprintf("update[%d]%s", idx-nCreate, rest[end+1:])
		}
	}
	return &out
}
