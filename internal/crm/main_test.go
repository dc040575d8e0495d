package crm_test

import (
	"testing"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// wantCode fails t unless err carries the code (and, when field is not empty, names that field).
func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := crm.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if field == "" {
		return
	}
	e := err.(*crm.Error)
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("error %v does not name field %q", err, field)
}
