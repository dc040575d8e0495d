package dataio

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

// importRow brings one row in as the mapping's entity.
func (im *Importer) importRow(ctx context.Context, cr chunkRow) (bool, []RowProblem, error) {
	switch im.Mapping.Entity {
	case "contacts":
		return im.importContact(ctx, cr)
	case "companies":
		return im.importCompany(ctx, cr)
	case "payments":
		return im.importPayment(ctx, cr)
	case "spend":
		return im.importSpend(ctx, cr)
	case "tasks":
		return im.importTask(ctx, cr)
	case "activities":
		return im.importActivity(ctx, cr)
	}
	return im.importDeal(ctx, cr)
}

// list splits a cell of several phones or e-mails.
func list(cell string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (r rowReader) tags() []string {
	if !r.has("tags") {
		return nil
	}
	sep := r.im.Mapping.Fields["tags"].Split
	if sep == "" {
		sep = ","
	}
	var out []string
	for _, t := range strings.Split(r.str("tags"), sep) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (r rowReader) custom() map[string]any {
	var out map[string]any
	for name := range r.im.Mapping.Fields {
		if key, ok := strings.CutPrefix(name, "custom."); ok {
			if v := r.str(name); v != "" {
				if out == nil {
					out = map[string]any{}
				}
				out[key] = v
			}
		}
	}
	return out
}

// importContact creates the row's contact, or updates the one imported before with its id.
func (im *Importer) importContact(ctx context.Context, cr chunkRow) (bool, []RowProblem, error) {
	r := rowReader{im: im, line: cr.line, row: cr.row}
	in := crm.ContactInput{Name: r.str("name"), Position: r.str("position"), Region: r.str("region"), Segment: r.str("segment"),
		Tags: r.tags(), Custom: r.custom(), ExternalSource: im.Mapping.Source, ExternalID: r.str("external_id")}
	if in.ExternalID == "" {
		return false, nil, r.fail("external_id", "is empty: every row needs an id to be imported again without duplicates")
	}
	for _, p := range list(r.str("phone")) {
		in.Phones = append(in.Phones, crm.Phone{Raw: p})
	}
	for _, e := range list(r.str("email")) {
		in.Emails = append(in.Emails, crm.Email{Email: strings.ToLower(e)})
	}
	if in.Name == "" && len(in.Phones)+len(in.Emails) > 0 {
		in.Name = strings.TrimSpace(r.str("phone") + " " + r.str("email"))
	}
	var err error
	if in.CreatedAt, err = r.time("created_at", im.Service.Now()); err != nil {
		return false, nil, err
	}
	if name := r.str("responsible"); name != "" {
		if in.ResponsibleID, err = im.cache.user(ctx, im, r, name); err != nil {
			return false, nil, err
		}
	}
	if name := r.str("company"); name != "" {
		if in.CompanyID, err = im.cache.company(ctx, im, r, name, in.ResponsibleID); err != nil {
			return false, nil, err
		}
	}
	if name := r.str("channel"); name != "" {
		if in.ChannelID, err = im.cache.channel(ctx, im, r, name); err != nil {
			return false, nil, err
		}
	}
	id, err := im.ownID(ctx, r, "contact", in.CreatedAt)
	if err != nil {
		return false, nil, err
	}
	if id == 0 {
		if id, err = im.Service.IDByExternal(ctx, im.Actor, "contact", in.ExternalSource, in.ExternalID); err != nil {
			return false, nil, err
		}
	}
	if id == 0 {
		_, _, err := im.Service.CreateContact(ctx, im.Actor, in)
		return true, nil, err
	}
	upd := crm.ContactUpdate{Name: &in.Name, Position: &in.Position, Region: &in.Region, Segment: &in.Segment,
		Phones: &in.Phones, Emails: &in.Emails, Custom: in.Custom,
		CompanyID: ifSet(in.CompanyID), ResponsibleID: ifSet(in.ResponsibleID), ChannelID: ifSet(in.ChannelID)}
	if in.Tags != nil {
		upd.Tags = &in.Tags
	}
	_, err = im.Service.UpdateContact(ctx, im.Actor, id, upd)
	return false, nil, im.deleted(err, "contact", in.ExternalSource, in.ExternalID)
}

// importCompany creates the row's company, or updates the one imported before with its id.
func (im *Importer) importCompany(ctx context.Context, cr chunkRow) (bool, []RowProblem, error) {
	r := rowReader{im: im, line: cr.line, row: cr.row}
	c := &crm.Company{Name: r.str("name"), TaxID: r.str("tax_id"), Industry: r.str("industry"), Region: r.str("region"),
		Segment: r.str("segment"), Phone: r.str("phone"), Email: strings.ToLower(r.str("email")), Website: r.str("website"),
		Tags: r.tags(), Custom: r.custom(), ExternalSource: im.Mapping.Source, ExternalID: r.str("external_id")}
	if c.ExternalID == "" {
		return false, nil, r.fail("external_id", "is empty: every row needs an id to be imported again without duplicates")
	}
	var err error
	if c.CreatedAt, err = r.time("created_at", im.Service.Now()); err != nil {
		return false, nil, err
	}
	if name := r.str("responsible"); name != "" {
		if c.ResponsibleID, err = im.cache.user(ctx, im, r, name); err != nil {
			return false, nil, err
		}
	}
	id, err := im.ownID(ctx, r, "company", c.CreatedAt)
	if err != nil {
		return false, nil, err
	}
	if id == 0 {
		if id, err = im.Service.IDByExternal(ctx, im.Actor, "company", c.ExternalSource, c.ExternalID); err != nil {
			return false, nil, err
		}
	}
	if id == 0 {
		_, err := im.Service.CreateCompany(ctx, im.Actor, c)
		if err == nil {
			im.cache.companies[key(c.Name)] = c.ID
			im.created = append(im.created, func() { delete(im.cache.companies, key(c.Name)) })
		}
		return true, nil, err
	}
	upd := crm.CompanyUpdate{Name: &c.Name, TaxID: &c.TaxID, Industry: &c.Industry, Region: &c.Region, Segment: &c.Segment,
		Phone: &c.Phone, Email: &c.Email, Website: &c.Website, Custom: c.Custom, ResponsibleID: ifSet(c.ResponsibleID)}
	if c.Tags != nil {
		upd.Tags = &c.Tags
	}
	_, err = im.Service.UpdateCompany(ctx, im.Actor, id, upd)
	return false, nil, im.deleted(err, "company", c.ExternalSource, c.ExternalID)
}

// deleted explains a not-found update: the record was imported before and deleted since.
func (im *Importer) deleted(err error, entity, source, id string) error {
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return crm.Errorf(crm.ECONFLICT, "The %s %s/%s was imported before and has been deleted in Voronka: restore it to update it.", entity, source, id)
	}
	return err
}

// ownID finds the record a Voronka export of this account names by its id: the record must exist
// and have been created at the same second, so that an export of another installation, whose ids
// mean other records, cannot overwrite this account's. 0 when the row is not such a record.
func (im *Importer) ownID(ctx context.Context, r rowReader, entity string, created time.Time) (int64, error) {
	v := r.str("id")
	if v == "" || im.Mapping.Source != "voronka" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, nil
	}
	var at time.Time
	switch entity {
	case "deal":
		d, err := im.Service.Deal(ctx, im.Actor, id)
		if err != nil {
			return 0, nil
		}
		at = d.CreatedAt
	case "contact":
		c, err := im.Service.Contact(ctx, im.Actor, id)
		if err != nil {
			return 0, nil
		}
		at = c.CreatedAt
	case "company":
		c, err := im.Service.Company(ctx, im.Actor, id)
		if err != nil {
			return 0, nil
		}
		at = c.CreatedAt
	}
	if !at.Truncate(time.Second).Equal(created.Truncate(time.Second)) {
		return 0, nil
	}
	return id, nil
}

// ifSet points at id, or is nil for 0: an update then leaves the reference as it is.
func ifSet(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
