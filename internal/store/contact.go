package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const contactColumns = `c.id, c.account_id, c.name, c.position, c.company_id, c.responsible_id, c.channel_id, c.region, c.segment,
	c.custom, c.churned_at, c.created_by, c.created_at, c.updated_at, c.deleted_at, c.version, c.external_source, c.external_id`

// InsertContact stores a contact with its phones, e-mails and tags.
func (t *Tx) InsertContact(ctx context.Context, actor *crm.Actor, c *crm.Contact) error {
	custom, err := marshalCustom(c.Custom)
	if err != nil {
		return err
	}
	c.AccountID = actor.AccountID
	err = t.q.QueryRowContext(ctx, `
		INSERT INTO contacts (account_id, name, position, company_id, responsible_id, channel_id, region, segment, custom, churned_at,
			created_by, created_at, updated_at, version, external_source, external_id, search)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $16) RETURNING id, version`,
		actor.AccountID, c.Name, c.Position, nullID(c.CompanyID), c.ResponsibleID, nullID(c.ChannelID), c.Region, c.Segment, custom,
		nullTime(c.ChurnedAt), nullID(c.CreatedBy), c.CreatedAt.UTC(), c.UpdatedAt.UTC(), nullString(c.ExternalSource),
		nullString(c.ExternalID), searchText(c.Name+" "+c.Position)).Scan(&c.ID, &c.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "A contact with this external id already exists.", Fields: []crm.FieldError{{Field: "external_id", Code: "taken", Message: c.ExternalSource + "/" + c.ExternalID + " was imported before"}}}
	} else if err != nil {
		return wrap("insert contact", err)
	}
	return t.setContactLists(ctx, actor, c)
}

func (t *Tx) setContactLists(ctx context.Context, actor *crm.Actor, c *crm.Contact) error {
	for _, q := range []string{`DELETE FROM contact_phones WHERE account_id = $1 AND contact_id = $2`, `DELETE FROM contact_emails WHERE account_id = $1 AND contact_id = $2`} {
		if _, err := t.q.ExecContext(ctx, q, actor.AccountID, c.ID); err != nil {
			return wrap("set contact lists", err)
		}
	}
	for i, p := range c.Phones {
		if _, err := t.q.ExecContext(ctx, `INSERT INTO contact_phones (account_id, contact_id, phone, raw, kind, position) VALUES ($1, $2, $3, $4, $5, $6)`,
			actor.AccountID, c.ID, p.Phone, p.Raw, p.Kind, i); err != nil {
			return wrap("insert phone", err)
		}
	}
	for i, e := range c.Emails {
		if _, err := t.q.ExecContext(ctx, `INSERT INTO contact_emails (account_id, contact_id, email, kind, position) VALUES ($1, $2, $3, $4, $5)`,
			actor.AccountID, c.ID, e.Email, e.Kind, i); err != nil {
			return wrap("insert email", err)
		}
	}
	return t.setTags(ctx, actor.AccountID, "contact", c.ID, c.Tags)
}

// FindContact returns a contact the actor may see with its phones, e-mails and tags.
func (t *Tx) FindContact(ctx context.Context, actor *crm.Actor, id int64, withDeleted bool) (*crm.Contact, error) {
	vis, vargs := visible(actor, "c.responsible_id", 4)
	c, err := scanContact(t.q.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts c
		WHERE c.account_id = $1 AND c.id = $2 AND ($3 OR c.deleted_at IS NULL) AND `+vis, append([]any{actor.AccountID, id, withDeleted}, vargs...)...))
	if err != nil {
		return nil, notFound("find contact", err, "Contact", id)
	}
	if err := t.loadContactLists(ctx, actor, []*crm.Contact{c}); err != nil {
		return nil, err
	}
	return c, nil
}

// loadContactLists fills phones, e-mails and tags of the contacts.
func (t *Tx) loadContactLists(ctx context.Context, actor *crm.Actor, cs []*crm.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[int64]*crm.Contact{}
	a := &args{}
	a.add(actor.AccountID)
	ph := make([]string, len(cs))
	ids := make([]int64, len(cs))
	for i, c := range cs {
		byID[c.ID], ids[i] = c, c.ID
		c.Phones, c.Emails = []crm.Phone{}, []crm.Email{}
		ph[i] = a.add(c.ID)
	}
	in := strings.Join(ph, ", ")
	rows, err := t.q.QueryContext(ctx, `SELECT contact_id, phone, raw, kind FROM contact_phones WHERE account_id = $1 AND contact_id IN (`+in+`) ORDER BY contact_id, position`, a.list...)
	if err != nil {
		return wrap("load phones", err)
	}
	for rows.Next() {
		var id int64
		var p crm.Phone
		if err := rows.Scan(&id, &p.Phone, &p.Raw, &p.Kind); err != nil {
			rows.Close()
			return wrap("load phones", err)
		}
		byID[id].Phones = append(byID[id].Phones, p)
	}
	rows.Close()
	rows, err = t.q.QueryContext(ctx, `SELECT contact_id, email, kind FROM contact_emails WHERE account_id = $1 AND contact_id IN (`+in+`) ORDER BY contact_id, position`, a.list...)
	if err != nil {
		return wrap("load emails", err)
	}
	for rows.Next() {
		var id int64
		var e crm.Email
		if err := rows.Scan(&id, &e.Email, &e.Kind); err != nil {
			rows.Close()
			return wrap("load emails", err)
		}
		byID[id].Emails = append(byID[id].Emails, e)
	}
	rows.Close()
	tags, err := t.loadTags(ctx, actor.AccountID, "contact", ids)
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.Tags = nonNil(tags[c.ID])
	}
	return nil
}

var contactSortKeys = map[string]sortKey{
	"": {"c.id", "int"}, "id": {"c.id", "int"}, "name": {"c.name", "text"},
	"created_at": {"c.created_at", "time"}, "updated_at": {"c.updated_at", "time"},
}

// FindContacts returns one page of the contacts the actor may see.
func (t *Tx) FindContacts(ctx context.Context, actor *crm.Actor, f crm.ContactFilter, p crm.Page) (*crm.List[*crm.Contact], error) {
	a := &args{}
	acc := a.add(actor.AccountID)
	conds := []string{"c.account_id = " + acc}
	if f.Deleted {
		conds = append(conds, "c.deleted_at IS NOT NULL")
	} else {
		conds = append(conds, "c.deleted_at IS NULL")
	}
	vis, vargs := visible(actor, "c.responsible_id", a.next())
	a.addAll(vargs)
	conds = append(conds, vis)
	for _, e := range []struct {
		col string
		v   int64
	}{{"c.responsible_id", f.ResponsibleID}, {"c.company_id", f.CompanyID}, {"c.channel_id", f.ChannelID}} {
		if e.v != 0 {
			conds = append(conds, e.col+" = "+a.add(e.v))
		}
	}
	if f.Region != "" {
		conds = append(conds, "c.region = "+a.add(f.Region))
	}
	if f.Segment != "" {
		conds = append(conds, "c.segment = "+a.add(f.Segment))
	}
	if f.Phone != "" {
		d, _ := crm.NormalizePhone(f.Phone)
		conds = append(conds, "EXISTS (SELECT 1 FROM contact_phones cp WHERE cp.account_id = "+acc+" AND cp.contact_id = c.id AND cp.phone = "+a.add(d)+")")
	}
	if f.Email != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM contact_emails ce WHERE ce.account_id = "+acc+" AND ce.contact_id = c.id AND ce.email = "+a.add(crm.NormalizeEmail(f.Email))+")")
	}
	if f.Q != "" {
		or := []string{"c.search LIKE " + a.add("%"+likeEscape(searchText(f.Q))+"%") + ` ESCAPE '\'`,
			"EXISTS (SELECT 1 FROM contact_emails ce WHERE ce.account_id = " + acc + " AND ce.contact_id = c.id AND ce.email LIKE " + a.add("%"+likeEscape(strings.ToLower(strings.TrimSpace(f.Q)))+"%") + ` ESCAPE '\')`}
		if d, ok := crm.NormalizePhone(f.Q); ok || len(digits(f.Q)) >= 5 {
			if !ok {
				d = digits(f.Q)
			}
			or = append(or, "EXISTS (SELECT 1 FROM contact_phones cp WHERE cp.account_id = "+acc+" AND cp.contact_id = c.id AND cp.phone LIKE "+a.add("%"+d+"%")+")")
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if !f.CreatedFrom.IsZero() {
		conds = append(conds, "c.created_at >= "+a.add(f.CreatedFrom.UTC()))
	}
	if !f.CreatedTo.IsZero() {
		conds = append(conds, "c.created_at < "+a.add(f.CreatedTo.UTC()))
	}
	if len(f.Tags) > 0 {
		conds = append(conds, tagFilter(a, "contact", "c.id", acc, f.Tags))
	}
	for key, val := range f.Custom {
		conds = append(conds, t.customCond("c.custom", a.add(key), a.add(val)))
	}
	countArgs := slices.Clone(a.list)
	where, tail, err := pageClause(a, contactSortKeys[p.Sort], "c.id", p)
	if err != nil {
		return nil, err
	}
	out := &crm.List[*crm.Contact]{Items: []*crm.Contact{}, Total: -1}
	if p.WithTotal {
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts c WHERE `+and(conds...), countArgs...).Scan(&out.Total); err != nil {
			return nil, wrap("count contacts", err)
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts c WHERE `+and(append(conds, where)...)+tail, a.list...)
	if err != nil {
		return nil, wrap("find contacts", err)
	}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			rows.Close()
			return nil, wrap("find contacts", err)
		}
		out.Items = append(out.Items, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("find contacts", err)
	}
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		last := out.Items[len(out.Items)-1]
		var v any = last.ID
		switch p.Sort {
		case "name":
			v = last.Name
		case "created_at":
			v = last.CreatedAt
		case "updated_at":
			v = last.UpdatedAt
		}
		out.Next = crm.EncodeCursor(cursorOf(v), last.ID)
	}
	return out, t.loadContactLists(ctx, actor, out.Items)
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// UpdateContact stores the contact's fields and lists when its version is expectVersion.
func (t *Tx) UpdateContact(ctx context.Context, actor *crm.Actor, c *crm.Contact, expectVersion int64) error {
	custom, err := marshalCustom(c.Custom)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `
		UPDATE contacts SET name = $1, position = $2, company_id = $3, responsible_id = $4, channel_id = $5, region = $6, segment = $7,
			custom = $8, churned_at = $9, created_at = $10, updated_at = $11, search = $12, version = version + 1
		WHERE account_id = $13 AND id = $14 AND version = $15`,
		c.Name, c.Position, nullID(c.CompanyID), c.ResponsibleID, nullID(c.ChannelID), c.Region, c.Segment, custom, nullTime(c.ChurnedAt),
		c.CreatedAt.UTC(), c.UpdatedAt.UTC(), searchText(c.Name+" "+c.Position), actor.AccountID, c.ID, expectVersion)
	if err != nil {
		return wrap("update contact", err)
	}
	if err := checkVersioned(res, "Contact", c.ID); err != nil {
		return err
	}
	return t.setContactLists(ctx, actor, c)
}

// SetContactDeleted soft-deletes (at) or restores (zero at) a contact.
func (t *Tx) SetContactDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE contacts SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3`, nullTime(at), actor.AccountID, id)
	return wrap("delete contact", err)
}

// FindContactDuplicates returns live contacts sharing a phone or an e-mail.
func (t *Tx) FindContactDuplicates(ctx context.Context, actor *crm.Actor, phones, emails []string, exceptID int64) ([]crm.Duplicate, error) {
	out := []crm.Duplicate{}
	query := func(kind, table, col string, values []string) error {
		for _, v := range values {
			rows, err := t.q.QueryContext(ctx, fmt.Sprintf(`
				SELECT c.id, c.name, c.responsible_id FROM %s x JOIN contacts c ON c.account_id = x.account_id AND c.id = x.contact_id
				WHERE x.account_id = $1 AND x.%s = $2 AND c.deleted_at IS NULL AND c.id <> $3 ORDER BY c.id`, table, col),
				actor.AccountID, v, exceptID)
			if err != nil {
				return wrap("find duplicates", err)
			}
			for rows.Next() {
				d := crm.Duplicate{Match: kind, Value: v}
				if err := rows.Scan(&d.ID, &d.Name, &d.ResponsibleID); err != nil {
					rows.Close()
					return wrap("find duplicates", err)
				}
				out = append(out, d)
			}
			rows.Close()
		}
		return nil
	}
	if err := query("phone", "contact_phones", "phone", phones); err != nil {
		return nil, err
	}
	return out, query("email", "contact_emails", "email", emails)
}

// MoveContactRefs points the references of contact from at contact to.
func (t *Tx) MoveContactRefs(ctx context.Context, actor *crm.Actor, from, to int64) (map[string]int64, error) {
	moved := map[string]int64{}
	// The other-contacts list must not get the same pair twice, nor name the main contact.
	if _, err := t.q.ExecContext(ctx, `DELETE FROM deal_contacts WHERE account_id = $1 AND contact_id = $2 AND deal_id IN (
		SELECT deal_id FROM deal_contacts WHERE account_id = $1 AND contact_id = $3
		UNION SELECT id FROM deals WHERE account_id = $1 AND contact_id = $3)`, actor.AccountID, from, to); err != nil {
		return nil, wrap("merge deal contacts", err)
	}
	for _, table := range []string{"deals", "deal_contacts", "tasks", "activities", "complaints", "nps_answers"} {
		res, err := t.q.ExecContext(ctx, `UPDATE `+table+` SET contact_id = $1 WHERE account_id = $2 AND contact_id = $3`, to, actor.AccountID, from)
		if err != nil {
			return nil, wrap("merge "+table, err)
		}
		moved[table], _ = res.RowsAffected()
	}
	// A deal whose main contact is now to does not list to among its other contacts.
	if _, err := t.q.ExecContext(ctx, `DELETE FROM deal_contacts WHERE account_id = $1 AND contact_id = $2 AND deal_id IN (
		SELECT id FROM deals WHERE account_id = $1 AND contact_id = $2)`, actor.AccountID, to); err != nil {
		return nil, wrap("merge deal contacts", err)
	}
	return moved, nil
}

func scanContact(s scanner) (*crm.Contact, error) {
	var c crm.Contact
	var company, channel, createdBy sql.NullInt64
	var custom string
	var churned, created, updated, deleted sql.NullTime
	var extSource, extID sql.NullString
	if err := s.Scan(&c.ID, &c.AccountID, &c.Name, &c.Position, &company, &c.ResponsibleID, &channel, &c.Region, &c.Segment,
		&custom, &churned, &createdBy, &created, &updated, &deleted, &c.Version, &extSource, &extID); err != nil {
		return nil, err
	}
	c.CompanyID, c.ChannelID, c.CreatedBy = company.Int64, channel.Int64, createdBy.Int64
	c.ChurnedAt, c.CreatedAt, c.UpdatedAt, c.DeletedAt = utc(churned), utc(created), utc(updated), utc(deleted)
	c.ExternalSource, c.ExternalID = extSource.String, extID.String
	var err error
	c.Custom, err = unmarshalCustom(custom)
	return &c, err
}
