package crm

import (
	"context"
	"errors"
)

// BulkDealStore writes many new deals at once, and reads many to update: the bulk side of
// DealStore.
type BulkDealStore interface {
	// InsertDeals stores the deals with everything that hangs on them (items, other contacts,
	// tags, stage history, audit entries, events), allocating every id (SetDealID, and the ids of
	// the history, audit and event rows); the rows are exactly those CreateDeal writes one by one.
	InsertDeals(ctx context.Context, actor *Actor, deals []*NewDeal) error
	// ExternalIDs returns the ids of the account's records of the entity (deal, contact, company…),
	// deleted or not, with the given external ids of one source; ids not found are absent.
	ExternalIDs(ctx context.Context, actor *Actor, entity, source string, ids []string) (map[string]int64, error)
	// FindDealsByID returns the deals with the ids that the actor may see and are not deleted,
	// each as FindDeal returns it; ids not found are absent.
	FindDealsByID(ctx context.Context, actor *Actor, ids []int64) (map[int64]*Deal, error)
}

// CreateDeals creates deals in bulk, in one transaction (joining the caller's Atomic one): every
// item is validated exactly as CreateDeal validates it and becomes exactly the rows CreateDeal
// writes (NewDeal), but the references are looked up once for the batch and the rows are written
// with multi-row statements. errs[i] is the error of item i (nil when it was created); invalid
// items are left out, the valid ones created. err is a storage error: then nothing is written
// (the caller's transaction must be rolled back).
func (s *Service) CreateDeals(ctx context.Context, actor *Actor, in []DealCreate) (deals []*Deal, errs []error, err error) {
	deals, errs = make([]*Deal, len(in)), make([]error, len(in))
	err = s.store.Write(ctx, func(tx Tx) error {
		lk := newLookupCache(tx)
		var batch []*NewDeal
		var at []int
		bySource := map[string][]string{}
		for i, item := range in {
			nd, err := s.buildDeal(ctx, lk, actor, item)
			if err != nil {
				if ErrorCode(err) == EINTERNAL {
					return err
				}
				errs[i] = err
				continue
			}
			batch, at = append(batch, nd), append(at, i)
			if nd.Deal.ExternalID != "" {
				bySource[nd.Deal.ExternalSource] = append(bySource[nd.Deal.ExternalSource], nd.Deal.ExternalID)
			}
		}
		// External ids: taken before, or twice in the batch (the first is created, as one by one).
		taken := map[[2]string]bool{}
		for src, ids := range bySource {
			found, err := tx.ExternalIDs(ctx, actor, "deal", src, ids)
			if err != nil {
				return err
			}
			for id := range found {
				taken[[2]string{src, id}] = true
			}
		}
		keep := batch[:0]
		keepAt := at[:0]
		for j, nd := range batch {
			d := nd.Deal
			if d.ExternalID != "" {
				k := [2]string{d.ExternalSource, d.ExternalID}
				if taken[k] {
					errs[at[j]] = externalTaken(d)
					continue
				}
				taken[k] = true
			}
			keep, keepAt = append(keep, nd), append(keepAt, at[j])
		}
		if len(keep) == 0 {
			return nil
		}
		if err := tx.InsertDeals(ctx, actor, keep); err != nil {
			return err
		}
		for j, nd := range keep {
			deals[keepAt[j]] = nd.Deal
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return deals, errs, nil
}

// ExternalTaken reports whether err is CreateDeal's or CreateDeals' refusal of an external id
// that was imported before: an importer then updates that deal instead.
func ExternalTaken(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == ECONFLICT && len(e.Fields) == 1 && e.Fields[0].Field == "external_id" && e.Fields[0].Code == "taken"
}

// lookupCache answers the reads of deal validation from memory after the first time: a batch
// validates thousands of deals against the same few pipelines, users and custom fields. It lives
// for one transaction; only what was found is kept (a miss is asked again).
type lookupCache struct {
	tx        dealLookup
	pipelines map[bool][]*Pipeline
	pipeline  map[int64]*Pipeline
	users     map[int64]*User
	refs      map[refKey]bool
	products  map[int64]*Product
	fields    map[string][]*CustomField
}

type refKey struct {
	table string
	id    int64
}

func newLookupCache(tx dealLookup) *lookupCache {
	return &lookupCache{tx: tx, pipelines: map[bool][]*Pipeline{}, pipeline: map[int64]*Pipeline{}, users: map[int64]*User{},
		refs: map[refKey]bool{}, products: map[int64]*Product{}, fields: map[string][]*CustomField{}}
}

func (c *lookupCache) FindPipeline(ctx context.Context, actor *Actor, id int64) (*Pipeline, error) {
	if p, ok := c.pipeline[id]; ok {
		return p, nil
	}
	p, err := c.tx.FindPipeline(ctx, actor, id)
	if err == nil {
		c.pipeline[id] = p
	}
	return p, err
}

func (c *lookupCache) FindPipelines(ctx context.Context, actor *Actor, archived bool) ([]*Pipeline, error) {
	if ps, ok := c.pipelines[archived]; ok {
		return ps, nil
	}
	ps, err := c.tx.FindPipelines(ctx, actor, archived)
	if err == nil {
		c.pipelines[archived] = ps
	}
	return ps, err
}

func (c *lookupCache) FindUser(ctx context.Context, actor *Actor, id int64) (*User, error) {
	if u, ok := c.users[id]; ok {
		return u, nil
	}
	u, err := c.tx.FindUser(ctx, actor, id)
	if err == nil {
		c.users[id] = u
	}
	return u, err
}

func (c *lookupCache) RefExists(ctx context.Context, actor *Actor, table string, id int64) (bool, error) {
	k := refKey{table, id}
	if c.refs[k] {
		return true, nil
	}
	ok, err := c.tx.RefExists(ctx, actor, table, id)
	if err == nil && ok {
		c.refs[k] = true
	}
	return ok, err
}

func (c *lookupCache) FindProduct(ctx context.Context, actor *Actor, id int64) (*Product, error) {
	if p, ok := c.products[id]; ok {
		return p, nil
	}
	p, err := c.tx.FindProduct(ctx, actor, id)
	if err == nil {
		c.products[id] = p
	}
	return p, err
}

func (c *lookupCache) FindCustomFields(ctx context.Context, actor *Actor, entity string) ([]*CustomField, error) {
	if fs, ok := c.fields[entity]; ok {
		return fs, nil
	}
	fs, err := c.tx.FindCustomFields(ctx, actor, entity)
	if err == nil {
		c.fields[entity] = fs
	}
	return fs, err
}
