package analytics

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// resultCache keeps computed KPI answers per account and viewer. An answer is served again only
// while the database's write generation is the one it was computed at — any committed write
// invalidates every answer, so a figure is never stale after a write — and for at most cacheTTL,
// since some figures move with the clock alone (deals open "now", tasks overdue "by now").
type resultCache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	now     func() time.Time
}

type cacheEntry struct {
	gen   uint64
	at    time.Time
	value any // []Result of Compute (cloned in and out), *Funnel (never changed once made)
}

const (
	cacheTTL     = time.Minute
	cacheEntries = 512
)

func newResultCache() *resultCache {
	return &resultCache{entries: map[string]cacheEntry{}, now: time.Now}
}

// cacheKey names a request as the actor sees it: the account, the user (whose role and team
// decide what they see) and every field of the request.
func cacheKey(actor *crm.Actor, req any) string {
	vis := slices.Clone(actor.TeamUserIDs)
	slices.Sort(vis)
	return fmt.Sprintf("%d|%d|%s|%v|%T|%+v", actor.AccountID, actor.UserID, actor.Role, vis, req, req)
}

func (c *resultCache) get(key string, gen uint64) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.gen != gen || c.now().Sub(e.at) > cacheTTL {
		return nil, false
	}
	if rs, ok := e.value.([]Result); ok {
		return slices.Clone(rs), true
	}
	return e.value, true
}

func (c *resultCache) put(key string, gen uint64, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= cacheEntries {
		// Drop what is stale first; if everything is fresh, start over: a dashboard refills it.
		for k, e := range c.entries {
			if e.gen != gen || c.now().Sub(e.at) > cacheTTL {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= cacheEntries {
			clear(c.entries)
		}
	}
	if rs, ok := v.([]Result); ok {
		v = slices.Clone(rs)
	}
	c.entries[key] = cacheEntry{gen: gen, at: c.now(), value: v}
}

// cachedAnswer answers key from the engine's cache, or computes it with fn and keeps it — unless
// the engine is uncached.
func cachedAnswer[T any](e *Engine, key string, fn func() (T, error)) (T, error) {
	if e.cache == nil {
		return fn()
	}
	gen := e.db.Generation()
	if v, ok := e.cache.get(key, gen); ok {
		return v.(T), nil
	}
	v, err := fn()
	if err != nil {
		return v, err
	}
	e.cache.put(key, gen, v)
	return v, nil
}
