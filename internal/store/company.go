package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const companyColumns = `c.id, c.account_id, c.name, c.tax_id, c.industry, c.region, c.segment, c.phone, c.email, c.website,
	c.responsible_id, c.custom, c.churned_at, c.created_by, c.created_at, c.updated_at, c.deleted_at, c.version, c.external_source, c.external_id`

// InsertCompany stores a company and its tags.
func (t *Tx) InsertCompany(ctx context.Context, actor *crm.Actor, c *crm.Company) error {
	custom, err := marshalCustom(c.Custom)
	if err != nil {
		return err
	}
	c.AccountID = actor.AccountID
	err = t.q.QueryRowContext(ctx, `
		INSERT INTO companies (account_id, name, tax_id, industry, region, segment, phone, email, website, responsible_id, custom,
			churned_at, created_by, created_at, updated_at, version, external_source, external_id, search)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $17, $18) RETURNING id, version`,
		actor.AccountID, c.Name, c.TaxID, c.Industry, c.Region, c.Segment, c.Phone, c.Email, c.Website, c.ResponsibleID, custom,
		nullTime(c.ChurnedAt), nullID(c.CreatedBy), c.CreatedAt.UTC(), c.UpdatedAt.UTC(), nullString(c.ExternalSource),
		nullString(c.ExternalID), searchText(c.Name+" "+c.TaxID)).Scan(&c.ID, &c.Version)
	if crm.ErrorCode(mapError(err)) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "A company with this external id already exists.", Fields: []crm.FieldError{{Field: "external_id", Code: "taken", Message: c.ExternalSource + "/" + c.ExternalID + " was imported before"}}}
	} else if err != nil {
		return wrap("insert company", err)
	}
	return t.setTags(ctx, actor.AccountID, "company", c.ID, c.Tags)
}

// FindCompany returns a company the actor may see.
func (t *Tx) FindCompany(ctx context.Context, actor *crm.Actor, id int64, withDeleted bool) (*crm.Company, error) {
	vis, vargs := visible(actor, "c.responsible_id", 4)
	c, err := scanCompany(t.q.QueryRowContext(ctx, `SELECT `+companyColumns+` FROM companies c
		WHERE c.account_id = $1 AND c.id = $2 AND ($3 OR c.deleted_at IS NULL) AND `+vis, append([]any{actor.AccountID, id, withDeleted}, vargs...)...))
	if err != nil {
		return nil, notFound("find company", err, "Company", id)
	}
	tags, err := t.loadTags(ctx, actor.AccountID, "company", []int64{id})
	c.Tags = nonNil(tags[id])
	return c, err
}

var companySortKeys = map[string]sortKey{
	"": {"c.id", "int"}, "id": {"c.id", "int"}, "name": {"c.name", "text"},
	"created_at": {"c.created_at", "time"}, "updated_at": {"c.updated_at", "time"},
}

// FindCompanies returns one page of the companies the actor may see.
func (t *Tx) FindCompanies(ctx context.Context, actor *crm.Actor, f crm.CompanyFilter, p crm.Page) (*crm.List[*crm.Company], error) {
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
	if f.ResponsibleID != 0 {
		conds = append(conds, "c.responsible_id = "+a.add(f.ResponsibleID))
	}
	for _, e := range []struct{ col, v string }{{"c.industry", f.Industry}, {"c.region", f.Region}, {"c.segment", f.Segment}} {
		if e.v != "" {
			conds = append(conds, e.col+" = "+a.add(e.v))
		}
	}
	if f.Q != "" {
		conds = append(conds, "c.search LIKE "+a.add("%"+likeEscape(searchText(f.Q))+"%")+` ESCAPE '\'`)
	}
	if !f.CreatedFrom.IsZero() {
		conds = append(conds, "c.created_at >= "+a.add(f.CreatedFrom.UTC()))
	}
	if !f.CreatedTo.IsZero() {
		conds = append(conds, "c.created_at < "+a.add(f.CreatedTo.UTC()))
	}
	if len(f.Tags) > 0 {
		conds = append(conds, tagFilter(a, "company", "c.id", acc, f.Tags))
	}
	for key, val := range f.Custom {
		conds = append(conds, t.customCond("c.custom", a.add(key), a.add(val)))
	}
	countArgs := slices.Clone(a.list)
	where, tail, err := pageClause(a, companySortKeys[p.Sort], "c.id", p)
	if err != nil {
		return nil, err
	}
	out := &crm.List[*crm.Company]{Items: []*crm.Company{}, Total: -1}
	if p.WithTotal {
		if err := t.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM companies c WHERE `+and(conds...), countArgs...).Scan(&out.Total); err != nil {
			return nil, wrap("count companies", err)
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT `+companyColumns+` FROM companies c WHERE `+and(append(conds, where)...)+tail, a.list...)
	if err != nil {
		return nil, wrap("find companies", err)
	}
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			rows.Close()
			return nil, wrap("find companies", err)
		}
		out.Items = append(out.Items, c)
	}
	rows.Close()
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
	ids := make([]int64, len(out.Items))
	for i, c := range out.Items {
		ids[i] = c.ID
	}
	tags, err := t.loadTags(ctx, actor.AccountID, "company", ids)
	for _, c := range out.Items {
		c.Tags = nonNil(tags[c.ID])
	}
	return out, err
}

// UpdateCompany stores a company's fields and tags when its version is expectVersion.
func (t *Tx) UpdateCompany(ctx context.Context, actor *crm.Actor, c *crm.Company, expectVersion int64) error {
	custom, err := marshalCustom(c.Custom)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `
		UPDATE companies SET name = $1, tax_id = $2, industry = $3, region = $4, segment = $5, phone = $6, email = $7, website = $8,
			responsible_id = $9, custom = $10, churned_at = $11, created_at = $12, updated_at = $13, search = $14, version = version + 1
		WHERE account_id = $15 AND id = $16 AND version = $17`,
		c.Name, c.TaxID, c.Industry, c.Region, c.Segment, c.Phone, c.Email, c.Website, c.ResponsibleID, custom, nullTime(c.ChurnedAt),
		c.CreatedAt.UTC(), c.UpdatedAt.UTC(), searchText(c.Name+" "+c.TaxID), actor.AccountID, c.ID, expectVersion)
	if err != nil {
		return wrap("update company", err)
	}
	if err := checkVersioned(res, "Company", c.ID); err != nil {
		return err
	}
	return t.setTags(ctx, actor.AccountID, "company", c.ID, c.Tags)
}

// SetCompanyDeleted soft-deletes (at) or restores (zero at) a company.
func (t *Tx) SetCompanyDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE companies SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3`, nullTime(at), actor.AccountID, id)
	return wrap("delete company", err)
}

// FindCompanyDuplicates returns live companies with the tax id (when not empty) or the same name
// (compared lowercased).
func (t *Tx) FindCompanyDuplicates(ctx context.Context, actor *crm.Actor, taxID, name string, exceptID int64) ([]crm.Duplicate, error) {
	rows, err := t.q.QueryContext(ctx, `
		SELECT id, name, responsible_id, tax_id FROM companies
		WHERE account_id = $1 AND deleted_at IS NULL AND id <> $2 AND (($3 <> '' AND tax_id = $3) OR search LIKE $4 ESCAPE '\')
		ORDER BY id`, actor.AccountID, exceptID, taxID, likeEscape(searchText(name))+"%")
	if err != nil {
		return nil, wrap("find company duplicates", err)
	}
	defer rows.Close()
	out := []crm.Duplicate{}
	for rows.Next() {
		var d crm.Duplicate
		var tax string
		if err := rows.Scan(&d.ID, &d.Name, &d.ResponsibleID, &tax); err != nil {
			return nil, wrap("find company duplicates", err)
		}
		switch {
		case taxID != "" && tax == taxID:
			d.Match, d.Value = "tax_id", taxID
		case searchText(d.Name) == searchText(name): // the LIKE above matched a prefix; names must be equal
			d.Match, d.Value = "name", name
		default:
			continue
		}
		out = append(out, d)
	}
	return out, wrap("find company duplicates", rows.Err())
}

// MoveCompanyRefs points the references of company from at company to.
func (t *Tx) MoveCompanyRefs(ctx context.Context, actor *crm.Actor, from, to int64) (map[string]int64, error) {
	moved := map[string]int64{}
	for _, table := range []string{"contacts", "deals", "tasks", "activities", "complaints"} {
		res, err := t.q.ExecContext(ctx, `UPDATE `+table+` SET company_id = $1 WHERE account_id = $2 AND company_id = $3`, to, actor.AccountID, from)
		if err != nil {
			return nil, wrap("merge "+table, err)
		}
		moved[table], _ = res.RowsAffected()
	}
	return moved, nil
}

func scanCompany(s scanner) (*crm.Company, error) {
	var c crm.Company
	var createdBy sql.NullInt64
	var custom string
	var churned, created, updated, deleted sql.NullTime
	var extSource, extID sql.NullString
	if err := s.Scan(&c.ID, &c.AccountID, &c.Name, &c.TaxID, &c.Industry, &c.Region, &c.Segment, &c.Phone, &c.Email, &c.Website,
		&c.ResponsibleID, &custom, &churned, &createdBy, &created, &updated, &deleted, &c.Version, &extSource, &extID); err != nil {
		return nil, err
	}
	c.CreatedBy = createdBy.Int64
	c.ChurnedAt, c.CreatedAt, c.UpdatedAt, c.DeletedAt = utc(churned), utc(created), utc(updated), utc(deleted)
	c.ExternalSource, c.ExternalID = extSource.String, extID.String
	var err error
	c.Custom, err = unmarshalCustom(custom)
	return &c, err
}
