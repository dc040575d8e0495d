package crm

import (
	"context"
	"fmt"
)

// UpdateDeals applies updates[i] to the deal ids[i], in one transaction (joining the caller's
// Atomic one), exactly as UpdateDeal applies each — the same rules, writes, audit entries and
// events; a deal with nothing changed is not written — but the deals are read together, four
// queries a thousand deals. errs[i] is the error of update i (nil when applied or nothing changed;
// ENOTFOUND for a deal the actor cannot see or that is deleted); a failed update writes nothing of
// its own. err is a storage error: then the caller's transaction must be rolled back. An id may
// appear only once.
func (s *Service) UpdateDeals(ctx context.Context, actor *Actor, ids []int64, updates []DealUpdate) (errs []error, err error) {
	if len(ids) != len(updates) {
		return nil, fmt.Errorf("crm: update deals: %d ids for %d updates", len(ids), len(updates))
	}
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return nil, fmt.Errorf("crm: update deals: deal %d twice in one batch", id)
		}
		seen[id] = true
	}
	errs = make([]error, len(ids))
	err = s.store.Write(ctx, func(tx Tx) error {
		found, err := tx.FindDealsByID(ctx, actor, ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			d, ok := found[id]
			if !ok {
				errs[i] = Errorf(ENOTFOUND, "Deal %d not found.", id)
				continue
			}
			if _, err := s.updateFoundDeal(ctx, tx, actor, d, updates[i]); err != nil {
				if ErrorCode(err) == EINTERNAL {
					return err
				}
				errs[i] = err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// IDsByExternal returns the ids of the account's records of the entity (deal, contact, company…),
// deleted or not, with the given external ids of one source; ids not found are absent.
func (s *Service) IDsByExternal(ctx context.Context, actor *Actor, entity, source string, ids []string) (map[string]int64, error) {
	var out map[string]int64
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ExternalIDs(ctx, actor, entity, source, ids)
		return err
	})
	return out, err
}
