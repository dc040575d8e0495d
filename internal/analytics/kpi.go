package analytics

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/store"
	"golang.org/x/sync/errgroup"
)

// Unit says how a KPI's value reads.
type Unit string

// The units of KPI answers. Money is in minor units of the account's currency.
const (
	Count   Unit = "count"
	Percent Unit = "percent"
	Money   Unit = "money"
	Days    Unit = "days"
	Minutes Unit = "minutes"
)

// KPI is one figure of ../shared/KPI.md, known by its id. Each is defined in one place: its
// Definition says what it counts, in the words of the catalog; its value is computed by eval from
// the aggregates of its fact groups (facts.go).
type KPI struct {
	ID         string
	NameRU     string
	NameEN     string
	Unit       Unit
	Definition string
	facts      []factGroup
	eval       func(f facts) (value, num, den *float64)
}

// registry holds every KPI by id; Register adds to it from the files of the KPI groups.
var registry = map[string]*KPI{}

func register(k *KPI) {
	if _, dup := registry[k.ID]; dup {
		panic("analytics: KPI registered twice: " + k.ID)
	}
	registry[k.ID] = k
}

// Lookup returns the KPI with the id, or nil.
func Lookup(id string) *KPI { return registry[id] }

// IDs lists the ids of every KPI, sorted.
func IDs() []string {
	out := make([]string, 0, len(registry))
	for id := range registry {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Dimension is a slice of KPI.md a request may break figures down by.
type Dimension string

// The dimensions computed so far.
const (
	ByManager  Dimension = "manager"
	ByTeam     Dimension = "team"
	ByPipeline Dimension = "pipeline"
	ByChannel  Dimension = "channel"
	ByRegion   Dimension = "region"
	BySegment  Dimension = "segment"
	// ByProduct slices by the products of the deals' line items: a deal with several products
	// counts in each, with that product's money (KPI.md); a deal without items is "(none)".
	ByProduct Dimension = "product"
	// ByClientType slices into deals of new and of existing clients ("new", "existing").
	ByClientType Dimension = "client_type"
)

// Dimensions lists the dimensions a request may name.
var Dimensions = []Dimension{ByManager, ByTeam, ByPipeline, ByChannel, ByRegion, BySegment, ByProduct, ByClientType}

// The client types of the client_type slice and filter: a deal is an existing client's when its
// client had a won deal closed before the deal was created (KPI.md), else a new client's.
const (
	ClientNew      = "new"
	ClientExisting = "existing"
)

// Filter narrows the deals every KPI of a request counts; zero fields do not filter. ProductID
// keeps the deals with the product and counts that product's money; Tag keeps deals with the tag.
type Filter struct {
	PipelineID, TeamID, ManagerID, ChannelID, ProductID int64
	Region, Segment, Tag, ClientType                    string
}

// Request asks for KPIs over a period, cut into buckets and slices.
type Request struct {
	IDs    []string
	Period Period
	Bucket Bucket
	By     []Dimension
	Filter Filter
}

// Result is one figure: a KPI in one slice and one bucket. An empty Slice is the total. Value,
// Numerator and Denominator are nil where the figure does not exist (a ratio over nothing).
type Result struct {
	KPI         string            `json:"kpi"`
	Slice       map[string]string `json:"slice"`
	Bucket      string            `json:"bucket"`
	Value       *float64          `json:"value"`
	Numerator   *float64          `json:"numerator"`
	Denominator *float64          `json:"denominator"`
	Unit        Unit              `json:"unit"`
}

// Engine computes KPIs from a database, aggregating there.
type Engine struct {
	db    *store.DB
	cache *resultCache
}

// NewEngine returns an engine over db, caching answers until the next write (cache.go).
func NewEngine(db *store.DB) *Engine { return &Engine{db: db, cache: newResultCache()} }

// Uncached returns an engine over the same database that computes every answer afresh: the cold
// figures of the benchmarks.
func (e *Engine) Uncached() *Engine { return &Engine{db: e.db} }

// Validate checks the request: known ids and dimensions, a valid period. EINVALID with fields.
func (r *Request) Validate() error {
	var v crm.Validation
	if len(r.IDs) == 0 {
		v.Add("ids", "required", "name at least one KPI: "+strings.Join(IDs(), ", "))
	}
	for _, id := range r.IDs {
		if Lookup(id) == nil {
			v.Add("ids", "unknown", fmt.Sprintf("%q is not a KPI; known: %s", id, strings.Join(IDs(), ", ")))
		}
	}
	for _, d := range r.By {
		if !slices.Contains(Dimensions, d) {
			v.Add("by", "unknown", fmt.Sprintf("%q is not a slice; known: manager, team, pipeline, channel, region, segment, product, client_type", d))
		}
	}
	if r.Filter.ClientType != "" && r.Filter.ClientType != ClientNew && r.Filter.ClientType != ClientExisting {
		v.Add("client_type", "unknown", fmt.Sprintf("%q is not a client type: new or existing", r.Filter.ClientType))
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := r.Period.Validate(); err != nil {
		return err
	}
	return r.Period.validateBuckets(r.Bucket)
}

// Compute answers the request for the actor: a manager gets figures of their own deals, a head of
// sales their team's, an administrator the account's. For each KPI and bucket there is a total
// (empty slice) even when nothing happened; sliced rows exist where there were deals.
func (e *Engine) Compute(ctx context.Context, actor *crm.Actor, req Request) ([]Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return cachedAnswer(e, cacheKey(actor, req), func() ([]Result, error) { return e.compute(ctx, actor, req) })
}

// compute answers a valid request from the database.
func (e *Engine) compute(ctx context.Context, actor *crm.Actor, req Request) ([]Result, error) {
	return e.computeSpans(ctx, actor, req, req.Period.Spans(req.Bucket))
}

// computeSpans answers the request's KPIs for the given spans instead of its period's buckets:
// a period's buckets, or any windows — with gaps between them or overlapping (compare.go), which
// every fact group handles (spanBounds). Its fact queries run side by side (at most one per
// core): each is one aggregate in the database, independent of the others.
func (e *Engine) computeSpans(ctx context.Context, actor *crm.Actor, req Request, spans []Span) ([]Result, error) {
	var groups []factGroup
	for _, id := range req.IDs {
		for _, g := range registry[id].facts {
			if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	sets := sliceSets(req.By)
	tables := make([]map[factGroup]map[sliceKey]facts, len(sets))
	// derived are the groups whose totals are the sums of their slices (additiveFacts): with a
	// slice asked, their totals are not queried. together are the groups that answer their totals
	// with their slices in one query (withTotalsFacts).
	var derived, together []factGroup
	if len(sets) > 1 {
		for _, g := range groups {
			switch {
			case !supports(g, req.By, req.Filter):
			case additiveFacts[g] && !slices.Contains(req.By, ByProduct):
				derived = append(derived, g)
			case withTotalsFacts[g] && !slices.Contains(req.By, ByProduct): // a deal is in several products' slices
				together = append(together, g)
			}
		}
	}
	var mu sync.Mutex
	run, gctx := errgroup.WithContext(ctx)
	run.SetLimit(queryParallelism())
	for si := range sets {
		tables[si] = map[factGroup]map[sliceKey]facts{}
	}
	for _, g := range together {
		run.Go(func() error {
			t, err := e.factsWithTotals(gctx, actor, g, spans, req.By, req.Filter)
			if err != nil {
				return err
			}
			mu.Lock()
			tables[1][g], tables[0][g] = t[0], t[1]
			mu.Unlock()
			return nil
		})
	}
	for si, by := range sets {
		for _, g := range groups {
			if !supports(g, by, req.Filter) || (len(by) == 0 && slices.Contains(derived, g)) || slices.Contains(together, g) {
				continue
			}
			run.Go(func() error {
				t, err := e.facts(gctx, actor, g, spans, by, req.Filter)
				if err != nil {
					return err
				}
				mu.Lock()
				tables[si][g] = t
				mu.Unlock()
				return nil
			})
		}
	}
	if err := run.Wait(); err != nil {
		return nil, err
	}
	for _, g := range derived {
		tables[0][g] = sumSlices(tables[1][g])
	}
	var out []Result
	for si, by := range sets {
		keys := sliceKeys(tables[si], len(spans), len(by) == 0)
		for _, id := range req.IDs {
			k := registry[id]
			for _, sk := range keys {
				f := facts{}
				known := true
				for _, g := range k.facts {
					known = known && supports(g, by, req.Filter)
					for n, v := range tables[si][g][sk] {
						f[n] = v
					}
				}
				var val, num, den *float64
				if known {
					val, num, den = k.eval(f)
				}
				out = append(out, Result{KPI: id, Slice: sk.slice(by), Bucket: spans[sk.bucket].Label,
					Value: val, Numerator: num, Denominator: den, Unit: k.Unit})
			}
		}
	}
	return out, nil
}

// queryParallelism is how many fact queries a request runs at once: one per core, as each keeps
// one busy (SQLite in this process, PostgreSQL in its server's).
func queryParallelism() int { return max(2, runtime.GOMAXPROCS(0)) }

// supports reports whether fact group g can be cut by the slices and narrowed by the filter. The
// product and client-type slices and the product, tag and client-type filters are built into the
// SQL fact groups of facts.go (and spend, which answers for them by itself); the fact groups of
// plans, payments, feedback, tasks and costs are not cut by them, so their KPIs are null there
// rather than a figure of something else.
func supports(g factGroup, by []Dimension, f Filter) bool {
	if _, custom := factFuncs[g]; !custom || g == factsSpend {
		return true
	}
	return !slices.Contains(by, ByProduct) && !slices.Contains(by, ByClientType) &&
		f.ProductID == 0 && f.Tag == "" && f.ClientType == ""
}

// additiveFacts are the fact groups whose every figure is a count or a sum over rows (deals,
// customers by their first won deal, tasks, activities, payments, answers) that each fall in exactly
// one slice of every dimension but product — a deal with several products counts in each, so
// slices by product do not add up. Their totals are the sums of their slices, which a sliced
// request adds up instead of querying them again (the dashboard by month and manager: its totals
// cost as much as the slices). Not here: medians (cycle, touch, complaints_solved), figures that
// exist in totals only or are filled with zeros there (spend, acquisition costs, new contacts,
// plans, ROI) and the managers' working days, whose slices TestAdditiveFactsSumToTheirTotals finds
// not to add up. That test checks each group here against its own totals query.
var additiveFacts = map[factGroup]bool{
	factsCreated: true, factsClosed: true, factsAddOn: true, factsOpen: true,
	factsCustomers: true, factsCustomerActive: true,
	factsTasks: true, factsStalled: true, factsTouchLog: true,
	factsWonTouched: true, factsQuality: true,
	factsNPS: true, factsComplaints: true,
	factsPaid: true, factsDue: true, factsOverdue: true,
}

// sumSlices adds the facts of every slice up by bucket: the totals of an additive group.
func sumSlices(sliced map[sliceKey]facts) map[sliceKey]facts {
	out := map[sliceKey]facts{}
	for k, fs := range sliced {
		t := sliceKey{bucket: k.bucket}
		sum := out[t]
		if sum == nil {
			sum = facts{}
			out[t] = sum
		}
		for n, v := range fs {
			sum[n] += v
		}
	}
	return out
}

// sliceSets returns the totals (no dimension) and, when by is given, by itself.
func sliceSets(by []Dimension) [][]Dimension {
	if len(by) == 0 {
		return [][]Dimension{nil}
	}
	return [][]Dimension{nil, by}
}

// sliceKeys lists every (bucket, slice) any fact table has, in order; for totals every bucket.
func sliceKeys(tables map[factGroup]map[sliceKey]facts, buckets int, totals bool) []sliceKey {
	seen := map[sliceKey]bool{}
	var keys []sliceKey
	if totals {
		for i := range buckets {
			keys = append(keys, sliceKey{bucket: i})
			seen[sliceKey{bucket: i}] = true
		}
	}
	for _, t := range tables {
		for k := range t {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].bucket != keys[j].bucket {
			return keys[i].bucket < keys[j].bucket
		}
		return keys[i].labels < keys[j].labels
	})
	return keys
}

// ratio returns num/den×scale, or nil when den is 0.
func ratio(num, den, scale float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den * scale
	return &v
}

func ptr(v float64) *float64 { return &v }
