package analytics_test

import (
	"testing"

	"github.com/voronka/voronka/internal/testkit"
)

// TestMain stops the throwaway PostgreSQL server when the tests are done.
func TestMain(m *testing.M) { testkit.Main(m) }
