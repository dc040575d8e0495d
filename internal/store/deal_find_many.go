package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// findManyBatch is how many deals one query of FindDealsByID asks for.
const findManyBatch = 1000

// FindDealsByID returns the deals with the ids that the actor may see and are not deleted, each
// as FindDeal returns it (items, other contacts, tags); ids not found are absent. Four queries a
// thousand deals instead of four a deal: a re-import reads every deal it updates.
func (t *Tx) FindDealsByID(ctx context.Context, actor *crm.Actor, ids []int64) (map[int64]*crm.Deal, error) {
	out := make(map[int64]*crm.Deal, len(ids))
	for len(ids) > 0 {
		k := min(len(ids), findManyBatch)
		if err := t.findDealsBatch(ctx, actor, ids[:k], out); err != nil {
			return nil, err
		}
		ids = ids[k:]
	}
	return out, nil
}

func (t *Tx) findDealsBatch(ctx context.Context, actor *crm.Actor, ids []int64, out map[int64]*crm.Deal) error {
	a := &args{}
	acc := a.add(actor.AccountID)
	in := idList(a, ids)
	vis, vargs := visible(actor, "d.responsible_id", a.next())
	a.addAll(vargs)
	rows, err := t.q.QueryContext(ctx, `SELECT `+dealColumns+` FROM deals d
		WHERE d.account_id = `+acc+` AND d.id IN (`+in+`) AND d.deleted_at IS NULL AND `+vis, a.list...)
	if err != nil {
		return wrap("find deals", err)
	}
	var found []int64
	for rows.Next() {
		d, err := scanDeal(rows)
		if err != nil {
			rows.Close()
			return wrap("find deals", err)
		}
		d.Items, d.ContactIDs, d.Tags = []*crm.DealItem{}, []int64{}, []string{}
		out[d.ID] = d
		found = append(found, d.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(found) == 0 {
		return wrap("find deals", err)
	}

	a = &args{}
	acc = a.add(actor.AccountID)
	in = idList(a, found)
	rows, err = t.q.QueryContext(ctx, `
		SELECT deal_id, id, product_id, name, quantity, price, discount, cost, amount, upsell, position FROM deal_items
		WHERE account_id = `+acc+` AND deal_id IN (`+in+`) ORDER BY deal_id, position, id`, a.list...)
	if err != nil {
		return wrap("find deal items", err)
	}
	for rows.Next() {
		var it crm.DealItem
		var deal int64
		var product sql.NullInt64
		if err := rows.Scan(&deal, &it.ID, &product, &it.Name, &it.Quantity, &it.Price, &it.Discount, &it.Cost, &it.Amount, &it.Upsell, &it.Position); err != nil {
			rows.Close()
			return wrap("find deal items", err)
		}
		it.ProductID = product.Int64
		out[deal].Items = append(out[deal].Items, &it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap("find deal items", err)
	}

	rows, err = t.q.QueryContext(ctx, `SELECT deal_id, contact_id FROM deal_contacts
		WHERE account_id = `+acc+` AND deal_id IN (`+in+`) ORDER BY deal_id, contact_id`, a.list...)
	if err != nil {
		return wrap("find deal contacts", err)
	}
	for rows.Next() {
		var deal, c int64
		if err := rows.Scan(&deal, &c); err != nil {
			rows.Close()
			return wrap("find deal contacts", err)
		}
		out[deal].ContactIDs = append(out[deal].ContactIDs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap("find deal contacts", err)
	}

	tags, err := t.loadTags(ctx, actor.AccountID, "deal", found)
	if err != nil {
		return err
	}
	for id, ts := range tags {
		out[id].Tags = ts
	}
	return nil
}

// idList adds the ids as parameters and returns their placeholders, comma-separated.
func idList(a *args, ids []int64) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.add(id)
	}
	return strings.Join(ph, ", ")
}
