package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CreateCompany adds a company and reports live companies with the same tax id or name.
func (s *Service) CreateCompany(ctx context.Context, actor *Actor, c *Company) ([]Duplicate, error) {
	var dups []Duplicate
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		dups, err = s.createCompany(ctx, tx, actor, c)
		return err
	})
	return dups, err
}

func (s *Service) createCompany(ctx context.Context, tx Tx, actor *Actor, c *Company) ([]Duplicate, error) {
	if !c.CreatedAt.IsZero() && !actor.IsAdmin() {
		return nil, Errorf(EFORBIDDEN, "Only an administrator may set created_at (migrating history).")
	}
	now := s.Now()
	c.Name, c.TaxID = strings.TrimSpace(c.Name), strings.TrimSpace(c.TaxID)
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.CreatedAt, c.UpdatedAt, c.CreatedBy = c.CreatedAt.UTC().Truncate(time.Microsecond), now, actor.UserID
	var v Validation
	validateCompany(&v, c)
	if (c.ExternalSource == "") != (c.ExternalID == "") {
		v.Add("external_id", "required", "external_source and external_id go together")
	}
	c.Tags = NormalizeTags(&v, "tags", c.Tags)
	c.ResponsibleID = cmp(c.ResponsibleID, actor.UserID)
	s.checkResponsible(ctx, tx, actor, &v, c.ResponsibleID)
	defs, err := tx.FindCustomFields(ctx, actor, "company")
	if err != nil {
		return nil, err
	}
	c.Custom = ValidateCustom(&v, defs, c.Custom, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	dups, err := s.companyDuplicates(ctx, tx, actor, c, 0)
	if err != nil {
		return nil, err
	}
	if err := tx.InsertCompany(ctx, actor, c); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, tx, actor, "company", c.ID, "create", map[string]Change{"name": {After: c.Name}, "responsible_id": {After: c.ResponsibleID}}); err != nil {
		return nil, err
	}
	return dups, s.emit(ctx, tx, actor, "company.created", "company", c.ID, map[string]any{"responsible_id": c.ResponsibleID})
}

func (s *Service) companyDuplicates(ctx context.Context, tx Tx, actor *Actor, c *Company, except int64) ([]Duplicate, error) {
	dups, err := tx.FindCompanyDuplicates(ctx, actor, c.TaxID, c.Name, except)
	if err != nil {
		return nil, err
	}
	for i := range dups {
		if !actor.CanSee(dups[i].ResponsibleID) {
			dups[i].Name = ""
		}
	}
	return dups, nil
}

// Company returns a company the actor may see. ENOTFOUND.
func (s *Service) Company(ctx context.Context, actor *Actor, id int64) (*Company, error) {
	var c *Company
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		c, err = tx.FindCompany(ctx, actor, id, false)
		return err
	})
	return c, err
}

// Companies returns a page of the companies the actor may see.
func (s *Service) Companies(ctx context.Context, actor *Actor, f CompanyFilter, p Page) (*List[*Company], error) {
	p.Normalize()
	if p.Sort != "" && !slices.Contains(ContactSorts, p.Sort) {
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "sort", Code: "one_of", Message: "must be one of " + strings.Join(ContactSorts, ", ")}}}
	}
	var l *List[*Company]
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = tx.FindCompanies(ctx, actor, f, p)
		return err
	})
	return l, err
}

// UpdateCompany changes a company the actor may see. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateCompany(ctx context.Context, actor *Actor, id int64, upd CompanyUpdate) (*Company, error) {
	var c *Company
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindCompany(ctx, actor, id, false); err != nil {
			return err
		}
		if err := checkVersion(upd.Version, c.Version); err != nil {
			return err
		}
		before := *c
		for _, f := range []struct{ dst, src *string }{{&c.Name, upd.Name}, {&c.TaxID, upd.TaxID}, {&c.Industry, upd.Industry},
			{&c.Region, upd.Region}, {&c.Segment, upd.Segment}, {&c.Phone, upd.Phone}, {&c.Email, upd.Email}, {&c.Website, upd.Website}} {
			set(f.dst, f.src)
		}
		var v Validation
		validateCompany(&v, c)
		if upd.ResponsibleID != nil && *upd.ResponsibleID != c.ResponsibleID {
			c.ResponsibleID = *upd.ResponsibleID
			s.checkResponsible(ctx, tx, actor, &v, c.ResponsibleID)
		}
		if upd.Tags != nil {
			c.Tags = NormalizeTags(&v, "tags", *upd.Tags)
		}
		if upd.ChurnedAt != nil {
			c.ChurnedAt = upd.ChurnedAt.UTC().Truncate(time.Microsecond)
		}
		if len(upd.Custom) > 0 {
			defs, err := tx.FindCustomFields(ctx, actor, "company")
			if err != nil {
				return err
			}
			c.Custom = MergeCustom(c.Custom, upd.Custom, ValidateCustom(&v, defs, upd.Custom, false))
		}
		if err := v.Err(); err != nil {
			return err
		}
		changes := companyChanges(&before, c)
		if len(changes) == 0 {
			return nil
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateCompany(ctx, actor, c, before.Version); err != nil {
			return err
		}
		c.Version = before.Version + 1
		return s.audit(ctx, tx, actor, "company", c.ID, "update", changes)
	})
	return c, err
}

func companyChanges(b, c *Company) map[string]Change {
	ch := map[string]Change{}
	diff(ch, "name", b.Name, c.Name)
	diff(ch, "tax_id", b.TaxID, c.TaxID)
	diff(ch, "industry", b.Industry, c.Industry)
	diff(ch, "region", b.Region, c.Region)
	diff(ch, "segment", b.Segment, c.Segment)
	diff(ch, "phone", b.Phone, c.Phone)
	diff(ch, "email", b.Email, c.Email)
	diff(ch, "website", b.Website, c.Website)
	diff(ch, "responsible_id", b.ResponsibleID, c.ResponsibleID)
	diff(ch, "churned_at", b.ChurnedAt, c.ChurnedAt)
	if !slices.Equal(b.Tags, c.Tags) {
		ch["tags"] = Change{Before: b.Tags, After: c.Tags}
	}
	if fmt.Sprint(b.Custom) != fmt.Sprint(c.Custom) {
		ch["custom"] = Change{Before: b.Custom, After: c.Custom}
	}
	return ch
}

// DeleteCompany soft-deletes a company the actor may see.
func (s *Service) DeleteCompany(ctx context.Context, actor *Actor, id int64) error {
	return s.setCompanyDeleted(ctx, actor, id, true)
}

// RestoreCompany restores a soft-deleted company.
func (s *Service) RestoreCompany(ctx context.Context, actor *Actor, id int64) error {
	return s.setCompanyDeleted(ctx, actor, id, false)
}

func (s *Service) setCompanyDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		c, err := tx.FindCompany(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if del == !c.DeletedAt.IsZero() {
			return nil
		}
		at, action := s.Now(), "delete"
		if !del {
			at, action = time.Time{}, "restore"
		}
		if err := tx.SetCompanyDeleted(ctx, actor, id, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "company", id, action, nil)
	})
}

// MergeCompanies merges company from into company into, like MergeContacts.
func (s *Service) MergeCompanies(ctx context.Context, actor *Actor, into, from int64) (*Company, error) {
	if into == from {
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "from_id", Code: "same", Message: "a company cannot be merged into itself"}}}
	}
	var c *Company
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindCompany(ctx, actor, into, false); err != nil {
			return err
		}
		src, err := tx.FindCompany(ctx, actor, from, false)
		if err != nil {
			return err
		}
		before := *c
		moved, err := tx.MoveCompanyRefs(ctx, actor, from, into)
		if err != nil {
			return err
		}
		for _, f := range []struct {
			dst *string
			src string
		}{{&c.TaxID, src.TaxID}, {&c.Industry, src.Industry}, {&c.Region, src.Region},
			{&c.Segment, src.Segment}, {&c.Phone, src.Phone}, {&c.Email, src.Email}, {&c.Website, src.Website}} {
			if *f.dst == "" {
				*f.dst = f.src
			}
		}
		var v Validation
		c.Tags = NormalizeTags(&v, "tags", append(slices.Clone(c.Tags), src.Tags...))
		for k, val := range src.Custom {
			if _, ok := c.Custom[k]; !ok {
				if c.Custom == nil {
					c.Custom = map[string]any{}
				}
				c.Custom[k] = val
			}
		}
		if src.CreatedAt.Before(c.CreatedAt) {
			c.CreatedAt = src.CreatedAt
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateCompany(ctx, actor, c, before.Version); err != nil {
			return err
		}
		c.Version = before.Version + 1
		if err := tx.SetCompanyDeleted(ctx, actor, from, s.Now()); err != nil {
			return err
		}
		changes := companyChanges(&before, c)
		changes["merged_from"] = Change{After: from}
		for table, n := range moved {
			changes["moved."+table] = Change{After: n}
		}
		if err := s.audit(ctx, tx, actor, "company", into, "merge", changes); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "company", from, "merged_into", map[string]Change{"merged_into": {After: into}}); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "company.merged", "company", into, map[string]any{"from_id": from})
	})
	return c, err
}
