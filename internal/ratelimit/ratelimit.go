// Package ratelimit counts failures per key (an e-mail, an IP address) in a sliding window and says
// when a key must wait. It keeps its state in memory: a restart forgets it.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows at most Max failures per key within Window.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
	sweptAt  time.Time
}

// New returns a Limiter allowing max failures per key in window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, failures: map[string][]time.Time{}}
}

// Wait returns how long key must wait before its next attempt; 0 means it may try now.
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	fs := l.recent(key, now)
	if len(fs) < l.Max {
		return 0
	}
	return fs[len(fs)-l.Max].Add(l.Window).Sub(now)
}

// Fail records a failed attempt of key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	fs := append(l.recent(key, now), now)
	if len(fs) > l.Max {
		fs = fs[len(fs)-l.Max:]
	}
	l.failures[key] = fs
	l.sweep(now)
}

// Reset forgets the failures of key (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// recent drops key's failures older than the window and returns the rest.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && !fs[i].After(now.Add(-l.Window)) {
		i++
	}
	if i == len(fs) {
		delete(l.failures, key)
		return nil
	}
	fs = fs[i:]
	l.failures[key] = fs
	return fs
}

// sweep removes stale keys at most once per window, so that memory stays bounded by the keys
// that failed recently.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.sweptAt) < l.Window {
		return
	}
	l.sweptAt = now
	for k := range l.failures {
		l.recent(k, now)
	}
}
