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
	gen     uint64
	at      time.Time
	results []Result
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
func cacheKey(actor *crm.Actor, req Request) string {
	loc := ""
	if req.Period.Loc != nil {
		loc = req.Period.Loc.String()
	}
	vis := slices.Clone(actor.TeamUserIDs)
	slices.Sort(vis)
	return fmt.Sprintf("%d|%d|%s|%v|%v|%s|%s|%s|%s|%v|%+v", actor.AccountID, actor.UserID, actor.Role, vis,
		req.IDs, req.Period.From, req.Period.To, loc, req.Bucket, req.By, req.Filter)
}

func (c *resultCache) get(key string, gen uint64) ([]Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.gen != gen || c.now().Sub(e.at) > cacheTTL {
		return nil, false
	}
	return slices.Clone(e.results), true
}

func (c *resultCache) put(key string, gen uint64, rs []Result) {
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
	c.entries[key] = cacheEntry{gen: gen, at: c.now(), results: slices.Clone(rs)}
}
