package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/voronka/voronka/internal/crm"
)

// InsertDeals writes new deals in bulk, inside the caller's transaction: the same rows InsertDeal,
// InsertStageEvent, InsertAudit and InsertEvent write one by one (the same values through the same
// conversions), with multi-row INSERTs through statements prepared once per transaction and size.
// Ids are allocated first, so that children can name their parents: on SQLite one above the
// table's largest (what SQLite itself would give; the writer holds the database's only write
// lock), on PostgreSQL from the table's identity sequence.
func (t *Tx) InsertDeals(ctx context.Context, actor *crm.Actor, deals []*crm.NewDeal) error {
	if len(deals) == 0 {
		return nil
	}
	acc := actor.AccountID
	var nItems, nStages, nEvents int
	for _, nd := range deals {
		nItems += len(nd.Deal.Items)
		nStages += len(nd.Stages)
		nEvents += len(nd.Events)
	}
	dealIDs, err := t.allocIDs(ctx, "deals", len(deals))
	if err != nil {
		return err
	}
	itemIDs, err := t.allocIDs(ctx, "deal_items", nItems)
	if err != nil {
		return err
	}
	stageIDs, err := t.allocIDs(ctx, "deal_stage_events", nStages)
	if err != nil {
		return err
	}
	auditIDs, err := t.allocIDs(ctx, "audit_log", len(deals))
	if err != nil {
		return err
	}
	eventIDs, err := t.allocIDs(ctx, "events", nEvents)
	if err != nil {
		return err
	}

	dealRows := make([]any, 0, len(deals)*len(bulkDealCols))
	itemRows := make([]any, 0, nItems*len(bulkItemCols))
	stageRows := make([]any, 0, nStages*len(bulkStageCols))
	auditRows := make([]any, 0, len(deals)*len(bulkAuditCols))
	eventRows := make([]any, 0, nEvents*len(bulkEventCols))
	var contactRows, tagRows []any
	for i, nd := range deals {
		d := nd.Deal
		nd.SetDealID(dealIDs[i])
		d.AccountID, d.Version = acc, 1
		custom, err := marshalCustom(d.Custom)
		if err != nil {
			return err
		}
		// The values and conversions of InsertDeal, in its column order.
		dealRows = append(dealRows, d.ID, acc, d.Name, d.PipelineID, d.StageID, d.Status, d.Amount, d.Cost, d.ResponsibleID, nullID(d.ContactID),
			nullID(d.CompanyID), nullID(d.ChannelID), d.UTM.Source, d.UTM.Medium, d.UTM.Campaign, d.UTM.Content, d.UTM.Term,
			d.Region, d.Segment, d.ExpectedCloseDate, nullID(d.LossReasonID), d.LossComment, custom, nullID(d.CreatedBy),
			d.CreatedAt.UTC(), d.StageChangedAt.UTC(), nullTime(d.ClosedAt), d.UpdatedAt.UTC(), int64(1), nullString(d.ExternalSource),
			nullString(d.ExternalID), searchText(d.Name))
		for _, it := range d.Items {
			it.ID, itemIDs = itemIDs[0], itemIDs[1:]
			itemRows = append(itemRows, it.ID, acc, d.ID, nullID(it.ProductID), it.Name, it.Quantity, it.Price, it.Discount, it.Cost, it.Amount, it.Upsell, it.Position)
		}
		for _, c := range d.ContactIDs {
			contactRows = append(contactRows, acc, d.ID, c)
		}
		for _, tag := range d.Tags {
			tagRows = append(tagRows, acc, "deal", d.ID, tag)
		}
		for _, e := range nd.Stages {
			e.ID, stageIDs = stageIDs[0], stageIDs[1:]
			stageRows = append(stageRows, e.ID, acc, e.DealID, e.At.UTC(), nullID(e.FromPipelineID), nullID(e.FromStageID), e.ToPipelineID, e.ToStageID, nullID(e.UserID))
		}
		a := nd.Audit
		a.ID, a.AccountID = auditIDs[i], acc
		changes, err := changesJSON(a.Changes)
		if err != nil {
			return err
		}
		auditRows = append(auditRows, a.ID, acc, a.At.UTC(), nullID(a.UserID), a.Entity, a.EntityID, a.Action, string(changes))
		for _, e := range nd.Events {
			e.ID, e.AccountID, eventIDs = eventIDs[0], acc, eventIDs[1:]
			payload, err := payloadJSON(e.Payload)
			if err != nil {
				return err
			}
			eventRows = append(eventRows, e.ID, acc, e.At.UTC(), e.Type, e.Entity, e.EntityID, nullID(e.UserID), string(payload))
		}
	}
	// Parents first: every foreign key is satisfied when a child row arrives.
	for _, w := range []struct {
		table string
		cols  []string
		vals  []any
	}{
		{"deals", bulkDealCols, dealRows},
		{"deal_items", bulkItemCols, itemRows},
		{"deal_contacts", bulkContactCols, contactRows},
		{"taggings", bulkTagCols, tagRows},
		{"deal_stage_events", bulkStageCols, stageRows},
		{"audit_log", bulkAuditCols, auditRows},
		{"events", bulkEventCols, eventRows},
	} {
		if err := t.bulkWrite(ctx, w.table, w.cols, w.vals); err != nil {
			return err
		}
	}
	return nil
}

var (
	bulkDealCols = []string{"id", "account_id", "name", "pipeline_id", "stage_id", "status", "amount", "cost", "responsible_id", "contact_id",
		"company_id", "channel_id", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "region", "segment",
		"expected_close_date", "loss_reason_id", "loss_comment", "custom", "created_by", "created_at", "stage_changed_at", "closed_at",
		"updated_at", "version", "external_source", "external_id", "search"}
	bulkItemCols    = []string{"id", "account_id", "deal_id", "product_id", "name", "quantity", "price", "discount", "cost", "amount", "upsell", "position"}
	bulkContactCols = []string{"account_id", "deal_id", "contact_id"}
	bulkTagCols     = []string{"account_id", "entity", "entity_id", "tag"}
	bulkStageCols   = []string{"id", "account_id", "deal_id", "at", "from_pipeline_id", "from_stage_id", "to_pipeline_id", "to_stage_id", "user_id"}
	bulkAuditCols   = []string{"id", "account_id", "at", "user_id", "entity", "entity_id", "action", "changes"}
	bulkEventCols   = []string{"id", "account_id", "at", "type", "entity", "entity_id", "user_id", "payload"}
)

// allocIDs returns n new ids of table, ascending. The table name comes from InsertDeals' own
// constants, never from input.
func (t *Tx) allocIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, n)
	if t.engine == SQLite {
		var max int64
		if err := t.q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&max); err != nil {
			return nil, wrap("ids of "+table, err)
		}
		for i := range n {
			ids = append(ids, max+1+int64(i))
		}
		return ids, nil
	}
	rows, err := t.q.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, wrap("ids of "+table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("ids of "+table, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("ids of "+table, err)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("store: ids of %s: got %d of %d", table, len(ids), n)
	}
	slices.Sort(ids)
	return ids, nil
}

// bulkRows is the most rows one multi-row INSERT carries. SQLite binds at most 32766 parameters
// a statement, PostgreSQL 65535.
func (t *Tx) bulkRows(cols int) int {
	if t.engine == SQLite {
		return min(400, 32766/cols)
	}
	return min(1000, 65535/cols)
}

// bulkWrite writes rows (their values one after another, len(cols) a row): with COPY on
// PostgreSQL inside Atomic (the transaction's connection is at hand), else multi-row INSERTs.
func (t *Tx) bulkWrite(ctx context.Context, table string, cols []string, vals []any) error {
	if len(vals) == 0 {
		return nil
	}
	if t.engine != Postgres || t.conn == nil {
		return t.bulkInsert(ctx, table, cols, vals)
	}
	n := len(vals) / len(cols)
	for i, v := range vals {
		vals[i] = pgValue(v)
	}
	err := t.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		copied, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return vals[i*len(cols) : (i+1)*len(cols)], nil
		}))
		if err == nil && copied != int64(n) {
			err = fmt.Errorf("copied %d rows of %d", copied, n)
		}
		return err
	})
	return wrap("copy "+table, err)
}

// bulkInsert writes rows (their values one after another, len(cols) a row) with multi-row
// INSERTs. A statement of a given size is prepared once per transaction: parsing a statement of
// thousands of parameters costs more than running it.
func (t *Tx) bulkInsert(ctx context.Context, table string, cols []string, vals []any) error {
	per := t.bulkRows(len(cols))
	for len(vals) > 0 {
		k := min(len(vals)/len(cols), per)
		stmt, err := t.bulkStmt(ctx, table, cols, k)
		if err != nil {
			return wrap("insert "+table, err)
		}
		if _, err := stmt.ExecContext(ctx, vals[:k*len(cols)]...); err != nil {
			return wrap("insert "+table, err)
		}
		vals = vals[k*len(cols):]
	}
	return nil
}

type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (t *Tx) bulkStmt(ctx context.Context, table string, cols []string, rows int) (*sql.Stmt, error) {
	key := table + "/" + strconv.Itoa(rows)
	if s, ok := t.stmts[key]; ok {
		return s, nil
	}
	p, ok := t.q.(preparer)
	if !ok {
		return nil, fmt.Errorf("cannot prepare statements here")
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	n := 0
	for i := range rows {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j := range cols {
			if j > 0 {
				sb.WriteByte(',')
			}
			// "?" on SQLite: modernc looks every "$N" up by name (see Loader.insertSQLite).
			if t.engine == SQLite {
				sb.WriteByte('?')
			} else {
				n++
				sb.WriteString("$" + strconv.Itoa(n))
			}
		}
		sb.WriteByte(')')
	}
	s, err := p.PrepareContext(ctx, sb.String())
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[key] = s
	return s, nil
}

// ExternalIDs returns the ids of the account's records of the entity with the external ids of
// source (deleted or not); ids not found are absent. Every id is one probe of the unique index
// (account_id, external_source, external_id): on PostgreSQL the ids are one array joined by
// unnest, because with an IN list the planner of a table still without statistics (a first
// import) scans every external id of the source for each query — quadratic over an import.
func (t *Tx) ExternalIDs(ctx context.Context, actor *crm.Actor, entity, source string, ids []string) (map[string]int64, error) {
	table, ok := externalTables[entity]
	if !ok {
		return nil, fmt.Errorf("store: no external ids for %q", entity)
	}
	out := map[string]int64{}
	for len(ids) > 0 {
		k := min(len(ids), 500)
		var rows *sql.Rows
		var err error
		// The table name comes from externalTables, never from input.
		if t.engine == Postgres {
			k = min(len(ids), 10000)
			// Planned for its own arguments every time (QueryExecModeExec, not pgx's cached
			// statement): after five runs PostgreSQL may keep a generic plan made while the table
			// had no statistics — during an import that fills it — which scanned the whole table
			// for each id (5 s a chunk of 5,000 instead of 10 ms). "external_id IS NOT NULL" lets
			// the planner use the partial unique index (migration 00009): it does not infer it
			// from the join's equality.
			rows, err = t.q.QueryContext(ctx, `SELECT r.external_id, r.id FROM unnest($3::text[]) AS x(e)
				JOIN `+table+` r ON r.account_id = $1 AND r.external_source = $2 AND r.external_id = x.e
				WHERE r.external_id IS NOT NULL`,
				pgx.QueryExecModeExec, actor.AccountID, source, ids[:k])
		} else {
			ph := strings.TrimSuffix(strings.Repeat("?,", k), ",")
			a := make([]any, 0, k+2)
			a = append(a, actor.AccountID, source)
			for _, id := range ids[:k] {
				a = append(a, id)
			}
			rows, err = t.q.QueryContext(ctx, `SELECT external_id, id FROM `+table+` WHERE account_id = ? AND external_source = ? AND external_id IN (`+ph+`)`, a...)
		}
		if err != nil {
			return nil, wrap("external "+entity, err)
		}
		for rows.Next() {
			var ext string
			var id int64
			if err := rows.Scan(&ext, &id); err != nil {
				rows.Close()
				return nil, wrap("external "+entity, err)
			}
			out[ext] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap("external "+entity, err)
		}
		ids = ids[k:]
	}
	return out, nil
}
