package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	l := New(3, 10*time.Minute)
	l.Now = func() time.Time { return now }
	for i := range 3 {
		if w := l.Wait("a"); w != 0 {
			t.Fatalf("attempt %d: wait %v, want 0", i+1, w)
		}
		l.Fail("a")
		now = now.Add(time.Minute)
	}
	// Three failures at 10:00, 10:01, 10:02; now 10:03: wait until 10:10.
	if w := l.Wait("a"); w != 7*time.Minute {
		t.Fatalf("after 3 failures: wait %v, want 7m", w)
	}
	if w := l.Wait("b"); w != 0 {
		t.Fatalf("other key waits %v", w)
	}
	now = now.Add(7 * time.Minute) // 10:10: the 10:00 failure left the window
	if w := l.Wait("a"); w != 0 {
		t.Fatalf("at 10:10: wait %v, want 0", w)
	}
	l.Fail("a") // 10:10: failures 10:01, 10:02, 10:10 → wait until 10:11
	if w := l.Wait("a"); w != time.Minute {
		t.Fatalf("wait %v, want 1m", w)
	}
	l.Reset("a")
	if w := l.Wait("a"); w != 0 {
		t.Fatalf("after reset: wait %v", w)
	}
	now = now.Add(time.Hour)
	l.Fail("c")
	if len(l.failures) != 1 {
		t.Fatalf("stale keys kept: %v", l.failures)
	}
}
