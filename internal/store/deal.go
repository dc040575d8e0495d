package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const dealColumns = `d.id, d.account_id, d.name, d.pipeline_id, d.stage_id, d.status, d.amount, d.cost, d.responsible_id,
	d.contact_id, d.company_id, d.channel_id, d.utm_source, d.utm_medium, d.utm_campaign, d.utm_content, d.utm_term,
	d.region, d.segment, d.expected_close_date, d.loss_reason_id, d.loss_comment, d.custom, d.created_by, d.created_at,
	d.stage_changed_at, d.closed_at, d.updated_at, d.deleted_at, d.version, d.external_source, d.external_id`

// InsertDeal stores a deal with its items, other contacts and tags.
func (t *Tx) InsertDeal(ctx context.Context, actor *crm.Actor, d *crm.Deal) error {
	custom, err := marshalCustom(d.Custom)
	if err != nil {
		return err
	}
	d.AccountID = actor.AccountID
	err = t.q.QueryRowContext(ctx, `
		INSERT INTO deals (account_id, name, pipeline_id, stage_id, status, amount, cost, responsible_id, contact_id, company_id,
			channel_id, utm_source, utm_medium, utm_campaign, utm_content, utm_term, region, segment, expected_close_date,
			loss_reason_id, loss_comment, custom, created_by, created_at, stage_changed_at, closed_at, updated_at, version,
			external_source, external_id, search)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
			$25, $26, $27, 1, $28, $29, $30)
		RETURNING id, version`,
		actor.AccountID, d.Name, d.PipelineID, d.StageID, d.Status, d.Amount, d.Cost, d.ResponsibleID, nullID(d.ContactID),
		nullID(d.CompanyID), nullID(d.ChannelID), d.UTM.Source, d.UTM.Medium, d.UTM.Campaign, d.UTM.Content, d.UTM.Term,
		d.Region, d.Segment, d.ExpectedCloseDate, nullID(d.LossReasonID), d.LossComment, custom, nullID(d.CreatedBy),
		d.CreatedAt.UTC(), d.StageChangedAt.UTC(), nullTime(d.ClosedAt), d.UpdatedAt.UTC(), nullString(d.ExternalSource),
		nullString(d.ExternalID), searchText(d.Name),
	).Scan(&d.ID, &d.Version)
	if err != nil {
		return wrap("insert deal", err)
	}
	if err := t.ReplaceDealItems(ctx, actor, d.ID, d.Items); err != nil {
		return err
	}
	if err := t.SetDealContacts(ctx, actor, d.ID, d.ContactIDs); err != nil {
		return err
	}
	return t.setTags(ctx, actor.AccountID, "deal", d.ID, d.Tags)
}

// ReplaceDealItems replaces the items of a deal.
func (t *Tx) ReplaceDealItems(ctx context.Context, actor *crm.Actor, dealID int64, items []*crm.DealItem) error {
	if _, err := t.q.ExecContext(ctx, `DELETE FROM deal_items WHERE account_id = $1 AND deal_id = $2`, actor.AccountID, dealID); err != nil {
		return wrap("replace deal items", err)
	}
	for _, it := range items {
		err := t.q.QueryRowContext(ctx, `
			INSERT INTO deal_items (account_id, deal_id, product_id, name, quantity, price, discount, cost, amount, upsell, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			actor.AccountID, dealID, nullID(it.ProductID), it.Name, it.Quantity, it.Price, it.Discount, it.Cost, it.Amount, it.Upsell, it.Position,
		).Scan(&it.ID)
		if err != nil {
			return wrap("insert deal item", err)
		}
	}
	return nil
}

// SetDealContacts replaces the other contacts of a deal.
func (t *Tx) SetDealContacts(ctx context.Context, actor *crm.Actor, dealID int64, ids []int64) error {
	if _, err := t.q.ExecContext(ctx, `DELETE FROM deal_contacts WHERE account_id = $1 AND deal_id = $2`, actor.AccountID, dealID); err != nil {
		return wrap("set deal contacts", err)
	}
	for _, id := range ids {
		if _, err := t.q.ExecContext(ctx, `INSERT INTO deal_contacts (account_id, deal_id, contact_id) VALUES ($1, $2, $3)`,
			actor.AccountID, dealID, id); err != nil {
			return wrap("set deal contacts", err)
		}
	}
	return nil
}

// SetDealTags replaces the tags of a deal.
func (t *Tx) SetDealTags(ctx context.Context, actor *crm.Actor, dealID int64, tags []string) error {
	return t.setTags(ctx, actor.AccountID, "deal", dealID, tags)
}

// FindDeal returns a deal the actor may see, with its items, other contacts and tags.
func (t *Tx) FindDeal(ctx context.Context, actor *crm.Actor, id int64, withDeleted bool) (*crm.Deal, error) {
	vis, vargs := visible(actor, "d.responsible_id", 4)
	row := t.q.QueryRowContext(ctx, `SELECT `+dealColumns+` FROM deals d
		WHERE d.account_id = $1 AND d.id = $2 AND ($3 OR d.deleted_at IS NULL) AND `+vis,
		append([]any{actor.AccountID, id, withDeleted}, vargs...)...)
	d, err := scanDeal(row)
	if err != nil {
		return nil, notFound("find deal", err, "Deal", id)
	}
	if d.Items, err = t.dealItems(ctx, actor, id); err != nil {
		return nil, err
	}
	rows, err := t.q.QueryContext(ctx, `SELECT contact_id FROM deal_contacts WHERE account_id = $1 AND deal_id = $2 ORDER BY contact_id`, actor.AccountID, id)
	if err != nil {
		return nil, wrap("find deal contacts", err)
	}
	defer rows.Close()
	d.ContactIDs = []int64{}
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			return nil, wrap("find deal contacts", err)
		}
		d.ContactIDs = append(d.ContactIDs, c)
	}
	tags, err := t.loadTags(ctx, actor.AccountID, "deal", []int64{id})
	if err != nil {
		return nil, err
	}
	d.Tags = nonNil(tags[id])
	return d, wrap("find deal contacts", rows.Err())
}

func (t *Tx) dealItems(ctx context.Context, actor *crm.Actor, dealID int64) ([]*crm.DealItem, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, product_id, name, quantity, price, discount, cost, amount, upsell, position FROM deal_items
		WHERE account_id = $1 AND deal_id = $2 ORDER BY position, id`, actor.AccountID, dealID)
	if err != nil {
		return nil, wrap("find deal items", err)
	}
	defer rows.Close()
	items := []*crm.DealItem{}
	for rows.Next() {
		var it crm.DealItem
		var product sql.NullInt64
		if err := rows.Scan(&it.ID, &product, &it.Name, &it.Quantity, &it.Price, &it.Discount, &it.Cost, &it.Amount, &it.Upsell, &it.Position); err != nil {
			return nil, wrap("find deal items", err)
		}
		it.ProductID = product.Int64
		items = append(items, &it)
	}
	return items, wrap("find deal items", rows.Err())
}

var dealSortKeys = map[string]sortKey{
	"":           {"d.id", "int"},
	"id":         {"d.id", "int"},
	"created_at": {"d.created_at", "time"},
	"updated_at": {"d.updated_at", "time"},
	"closed_at":  {"d.closed_at", "time"},
	"amount":     {"d.amount", "int"},
	"name":       {"d.name", "text"},
}

// FindDeals returns one page of the deals the actor may see. Items and other contacts are not
// loaded in lists; tags are.
func (t *Tx) FindDeals(ctx context.Context, actor *crm.Actor, f crm.DealFilter, p crm.Page) (*crm.List[*crm.Deal], error) {
	a := &args{}
	acc := a.add(actor.AccountID)
	conds := []string{"d.account_id = " + acc}
	if f.Deleted {
		conds = append(conds, "d.deleted_at IS NOT NULL")
	} else {
		conds = append(conds, "d.deleted_at IS NULL")
	}
	vis, vargs := visible(actor, "d.responsible_id", a.next())
	a.addAll(vargs)
	conds = append(conds, vis)
	eq := func(col string, v int64) {
		if v != 0 {
			conds = append(conds, col+" = "+a.add(v))
		}
	}
	eq("d.pipeline_id", f.PipelineID)
	eq("d.stage_id", f.StageID)
	eq("d.responsible_id", f.ResponsibleID)
	eq("d.contact_id", f.ContactID)
	eq("d.company_id", f.CompanyID)
	eq("d.channel_id", f.ChannelID)
	if f.Status != "" {
		conds = append(conds, "d.status = "+a.add(f.Status))
	}
	if f.Region != "" {
		conds = append(conds, "d.region = "+a.add(f.Region))
	}
	if f.Segment != "" {
		conds = append(conds, "d.segment = "+a.add(f.Segment))
	}
	if f.Q != "" {
		conds = append(conds, "d.search LIKE "+a.add("%"+likeEscape(searchText(f.Q))+"%")+` ESCAPE '\'`)
	}
	timeRange := func(col string, from, to time.Time) {
		if !from.IsZero() {
			conds = append(conds, col+" >= "+a.add(from.UTC()))
		}
		if !to.IsZero() {
			conds = append(conds, col+" < "+a.add(to.UTC()))
		}
	}
	timeRange("d.created_at", f.CreatedFrom, f.CreatedTo)
	timeRange("d.closed_at", f.ClosedFrom, f.ClosedTo)
	if f.AmountMin != nil {
		conds = append(conds, "d.amount >= "+a.add(*f.AmountMin))
	}
	if f.AmountMax != nil {
		conds = append(conds, "d.amount <= "+a.add(*f.AmountMax))
	}
	if len(f.Tags) > 0 {
		conds = append(conds, tagFilter(a, "deal", "d.id", acc, f.Tags))
	}
	for key, val := range f.Custom {
		conds = append(conds, t.customCond("d.custom", a.add(key), a.add(val)))
	}
	if p.Sort == "closed_at" {
		conds = append(conds, "d.closed_at IS NOT NULL") // open deals have no closed_at to sort by
	}
	key := dealSortKeys[p.Sort]
	countArgs := slices.Clone(a.list)
	where, tail, err := pageClause(a, key, "d.id", p)
	if err != nil {
		return nil, err
	}
	total := -1
	if p.WithTotal {
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM deals d WHERE `+and(conds...), countArgs...).Scan(&total); err != nil {
			return nil, wrap("count deals", err)
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT `+dealColumns+` FROM deals d WHERE `+and(append(conds, where)...)+tail, a.list...)
	if err != nil {
		return nil, wrap("find deals", err)
	}
	defer rows.Close()
	out := &crm.List[*crm.Deal]{Items: []*crm.Deal{}, Total: total}
	for rows.Next() {
		d, err := scanDeal(rows)
		if err != nil {
			return nil, wrap("find deals", err)
		}
		out.Items = append(out.Items, d)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("find deals", err)
	}
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		last := out.Items[len(out.Items)-1]
		out.Next = crm.EncodeCursor(cursorOf(dealSortValue(last, p.Sort)), last.ID)
	}
	ids := make([]int64, len(out.Items))
	for i, d := range out.Items {
		ids[i] = d.ID
	}
	tags, err := t.loadTags(ctx, actor.AccountID, "deal", ids)
	if err != nil {
		return nil, err
	}
	for _, d := range out.Items {
		d.Tags = nonNil(tags[d.ID])
	}
	return out, nil
}

func dealSortValue(d *crm.Deal, sort string) any {
	switch sort {
	case "created_at":
		return d.CreatedAt
	case "updated_at":
		return d.UpdatedAt
	case "closed_at":
		return d.ClosedAt
	case "amount":
		return d.Amount
	case "name":
		return d.Name
	}
	return d.ID
}

// UpdateDeal stores the deal's own fields.
func (t *Tx) UpdateDeal(ctx context.Context, actor *crm.Actor, d *crm.Deal, expectVersion int64) error {
	custom, err := marshalCustom(d.Custom)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `
		UPDATE deals SET name = $1, pipeline_id = $2, stage_id = $3, status = $4, amount = $5, cost = $6, responsible_id = $7,
			contact_id = $8, company_id = $9, channel_id = $10, utm_source = $11, utm_medium = $12, utm_campaign = $13,
			utm_content = $14, utm_term = $15, region = $16, segment = $17, expected_close_date = $18, loss_reason_id = $19,
			loss_comment = $20, custom = $21, stage_changed_at = $22, closed_at = $23, updated_at = $24, version = version + 1,
			search = $28
		WHERE account_id = $25 AND id = $26 AND version = $27`,
		d.Name, d.PipelineID, d.StageID, d.Status, d.Amount, d.Cost, d.ResponsibleID, nullID(d.ContactID), nullID(d.CompanyID),
		nullID(d.ChannelID), d.UTM.Source, d.UTM.Medium, d.UTM.Campaign, d.UTM.Content, d.UTM.Term, d.Region, d.Segment,
		d.ExpectedCloseDate, nullID(d.LossReasonID), d.LossComment, custom, d.StageChangedAt.UTC(), nullTime(d.ClosedAt),
		d.UpdatedAt.UTC(), actor.AccountID, d.ID, expectVersion, searchText(d.Name))
	if err != nil {
		return wrap("update deal", err)
	}
	return checkVersioned(res, "Deal", d.ID)
}

// SetDealDeleted soft-deletes (at) or restores (zero at) a deal.
func (t *Tx) SetDealDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `UPDATE deals SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3 AND version = $4`,
		nullTime(at), actor.AccountID, id, expectVersion)
	if err != nil {
		return wrap("delete deal", err)
	}
	return checkVersioned(res, "Deal", id)
}

// InsertStageEvent appends a stage change.
func (t *Tx) InsertStageEvent(ctx context.Context, actor *crm.Actor, e *crm.StageEvent) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO deal_stage_events (account_id, deal_id, at, from_pipeline_id, from_stage_id, to_pipeline_id, to_stage_id, user_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		actor.AccountID, e.DealID, e.At.UTC(), nullID(e.FromPipelineID), nullID(e.FromStageID), e.ToPipelineID, e.ToStageID, nullID(e.UserID),
	).Scan(&e.ID)
	return wrap("insert stage event", err)
}

// InsertResponsibleEvent appends a responsible change.
func (t *Tx) InsertResponsibleEvent(ctx context.Context, actor *crm.Actor, e *crm.ResponsibleEvent) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO deal_responsible_events (account_id, deal_id, at, from_user_id, to_user_id, by_user_id)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		actor.AccountID, e.DealID, e.At.UTC(), nullID(e.FromUserID), e.ToUserID, nullID(e.ByUserID)).Scan(&e.ID)
	return wrap("insert responsible event", err)
}

// FindStageEvents returns a deal's stage changes in time order.
func (t *Tx) FindStageEvents(ctx context.Context, actor *crm.Actor, dealID int64) ([]*crm.StageEvent, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, deal_id, at, from_pipeline_id, from_stage_id, to_pipeline_id, to_stage_id, user_id FROM deal_stage_events
		WHERE account_id = $1 AND deal_id = $2 ORDER BY at, id`, actor.AccountID, dealID)
	if err != nil {
		return nil, wrap("find stage events", err)
	}
	defer rows.Close()
	out := []*crm.StageEvent{}
	for rows.Next() {
		var e crm.StageEvent
		var at sql.NullTime
		var fp, fs, u sql.NullInt64
		if err := rows.Scan(&e.ID, &e.DealID, &at, &fp, &fs, &e.ToPipelineID, &e.ToStageID, &u); err != nil {
			return nil, wrap("find stage events", err)
		}
		e.At, e.FromPipelineID, e.FromStageID, e.UserID = utc(at), fp.Int64, fs.Int64, u.Int64
		out = append(out, &e)
	}
	return out, wrap("find stage events", rows.Err())
}

// FindResponsibleEvents returns a deal's responsible changes in time order.
func (t *Tx) FindResponsibleEvents(ctx context.Context, actor *crm.Actor, dealID int64) ([]*crm.ResponsibleEvent, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, deal_id, at, from_user_id, to_user_id, by_user_id FROM deal_responsible_events
		WHERE account_id = $1 AND deal_id = $2 ORDER BY at, id`, actor.AccountID, dealID)
	if err != nil {
		return nil, wrap("find responsible events", err)
	}
	defer rows.Close()
	out := []*crm.ResponsibleEvent{}
	for rows.Next() {
		var e crm.ResponsibleEvent
		var at sql.NullTime
		var from, by sql.NullInt64
		if err := rows.Scan(&e.ID, &e.DealID, &at, &from, &e.ToUserID, &by); err != nil {
			return nil, wrap("find responsible events", err)
		}
		e.At, e.FromUserID, e.ByUserID = utc(at), from.Int64, by.Int64
		out = append(out, &e)
	}
	return out, wrap("find responsible events", rows.Err())
}

// refTables are the tables RefExists may look in, with whether they soft-delete.
var refTables = map[string]bool{"contacts": true, "companies": true, "products": true, "channels": false, "loss_reasons": false}

// RefExists reports whether a live record with the id is in the table, in the actor's account.
func (t *Tx) RefExists(ctx context.Context, actor *crm.Actor, table string, id int64) (bool, error) {
	soft, ok := refTables[table]
	if !ok {
		return false, fmt.Errorf("store: RefExists: table %q is not allowed", table)
	}
	q := `SELECT COUNT(*) FROM ` + table + ` WHERE account_id = $1 AND id = $2`
	if soft {
		q += ` AND deleted_at IS NULL`
	}
	var n int
	err := t.q.QueryRowContext(ctx, q, actor.AccountID, id).Scan(&n)
	return n > 0, wrap("ref exists", err)
}

// externalTables are the tables whose records keep an external id, by entity.
var externalTables = map[string]string{"deal": "deals", "contact": "contacts", "company": "companies", "task": "tasks", "activity": "activities"}

// ExternalID returns the id of the account's record of the entity (deal, contact, company),
// deleted or not, with the external id; 0 when there is none.
func (t *Tx) ExternalID(ctx context.Context, actor *crm.Actor, entity, source, id string) (int64, error) {
	table, ok := externalTables[entity]
	if !ok {
		return 0, fmt.Errorf("store: no external ids for %q", entity)
	}
	var recordID int64
	// The table name comes from the map above, never from input.
	err := t.q.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE account_id = $1 AND external_source = $2 AND external_id = $3`,
		actor.AccountID, source, id).Scan(&recordID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return recordID, wrap("external "+entity, err)
}

func scanDeal(s scanner) (*crm.Deal, error) {
	var d crm.Deal
	var contact, company, channel, loss, createdBy sql.NullInt64
	var created, stageChanged, closed, updated, deleted sql.NullTime
	var custom string
	var extSource, extID sql.NullString
	if err := s.Scan(&d.ID, &d.AccountID, &d.Name, &d.PipelineID, &d.StageID, &d.Status, &d.Amount, &d.Cost, &d.ResponsibleID,
		&contact, &company, &channel, &d.UTM.Source, &d.UTM.Medium, &d.UTM.Campaign, &d.UTM.Content, &d.UTM.Term,
		&d.Region, &d.Segment, &d.ExpectedCloseDate, &loss, &d.LossComment, &custom, &createdBy, &created,
		&stageChanged, &closed, &updated, &deleted, &d.Version, &extSource, &extID); err != nil {
		return nil, err
	}
	d.ContactID, d.CompanyID, d.ChannelID, d.LossReasonID, d.CreatedBy = contact.Int64, company.Int64, channel.Int64, loss.Int64, createdBy.Int64
	d.CreatedAt, d.StageChangedAt, d.ClosedAt, d.UpdatedAt, d.DeletedAt = utc(created), utc(stageChanged), utc(closed), utc(updated), utc(deleted)
	d.ExternalSource, d.ExternalID = extSource.String, extID.String
	var err error
	if d.Custom, err = unmarshalCustom(custom); err != nil {
		return nil, err
	}
	return &d, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SearchText is the lowercased, space-normalised text search matches against; the same function
// makes the stored column and the query, so search never depends on the database's locale. Bulk
// loaders fill the search columns with it.
func SearchText(s string) string { return searchText(s) }

func searchText(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// likeEscape escapes LIKE wildcards in user input (used with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
