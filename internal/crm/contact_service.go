package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CreateContact adds a contact and reports the live contacts that share a phone or an e-mail with
// it (the contact is created all the same: two people may share an office phone).
// EINVALID, EFORBIDDEN (history by a non-administrator), ECONFLICT (external id taken).
func (s *Service) CreateContact(ctx context.Context, actor *Actor, in ContactInput) (*Contact, []Duplicate, error) {
	var c *Contact
	var dups []Duplicate
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		c, dups, err = s.createContact(ctx, tx, actor, in)
		return err
	})
	return c, dups, err
}

func (s *Service) createContact(ctx context.Context, tx Tx, actor *Actor, in ContactInput) (*Contact, []Duplicate, error) {
	if !in.CreatedAt.IsZero() && !actor.IsAdmin() {
		return nil, nil, Errorf(EFORBIDDEN, "Only an administrator may set created_at (migrating history).")
	}
	now := s.Now()
	c := &Contact{Name: strings.TrimSpace(in.Name), Position: in.Position, CompanyID: in.CompanyID, ChannelID: in.ChannelID,
		Region: strings.TrimSpace(in.Region), Segment: strings.TrimSpace(in.Segment), CreatedBy: actor.UserID,
		CreatedAt: now, UpdatedAt: now, ExternalSource: in.ExternalSource, ExternalID: in.ExternalID}
	if !in.CreatedAt.IsZero() {
		c.CreatedAt = in.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	var v Validation
	validateContact(&v, c)
	if (in.ExternalSource == "") != (in.ExternalID == "") {
		v.Add("external_id", "required", "external_source and external_id go together")
	}
	c.Phones = normalizePhones(&v, in.Phones)
	c.Emails = normalizeEmails(&v, in.Emails)
	c.Tags = NormalizeTags(&v, "tags", in.Tags)
	c.ResponsibleID = cmp(in.ResponsibleID, actor.UserID)
	s.checkResponsible(ctx, tx, actor, &v, c.ResponsibleID)
	s.checkRef(ctx, tx, actor, &v, "company_id", "companies", c.CompanyID)
	s.checkRef(ctx, tx, actor, &v, "channel_id", "channels", c.ChannelID)
	defs, err := tx.FindCustomFields(ctx, actor, "contact")
	if err != nil {
		return nil, nil, err
	}
	c.Custom = ValidateCustom(&v, defs, in.Custom, true)
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	dups, err := s.contactDuplicates(ctx, tx, actor, c, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := tx.InsertContact(ctx, actor, c); err != nil {
		return nil, nil, err
	}
	if err := s.audit(ctx, tx, actor, "contact", c.ID, "create", map[string]Change{"name": {After: c.Name}, "responsible_id": {After: c.ResponsibleID}}); err != nil {
		return nil, nil, err
	}
	return c, dups, s.emit(ctx, tx, actor, "contact.created", "contact", c.ID, map[string]any{"responsible_id": c.ResponsibleID, "duplicates": len(dups)})
}

func (s *Service) contactDuplicates(ctx context.Context, tx Tx, actor *Actor, c *Contact, except int64) ([]Duplicate, error) {
	var phones, emails []string
	for _, p := range c.Phones {
		phones = append(phones, p.Phone)
	}
	for _, e := range c.Emails {
		emails = append(emails, e.Email)
	}
	if len(phones)+len(emails) == 0 {
		return []Duplicate{}, nil
	}
	dups, err := tx.FindContactDuplicates(ctx, actor, phones, emails, except)
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

// ContactDuplicates returns the live contacts with any of the phones or e-mails: a check before
// creating one. EINVALID for a malformed phone or e-mail.
func (s *Service) ContactDuplicates(ctx context.Context, actor *Actor, phones []Phone, emails []Email) ([]Duplicate, error) {
	var v Validation
	c := &Contact{Phones: normalizePhones(&v, phones), Emails: normalizeEmails(&v, emails)}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var dups []Duplicate
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		dups, err = s.contactDuplicates(ctx, tx, actor, c, 0)
		return err
	})
	return dups, err
}

// Contact returns a contact the actor may see. ENOTFOUND.
func (s *Service) Contact(ctx context.Context, actor *Actor, id int64) (*Contact, error) {
	var c *Contact
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		c, err = tx.FindContact(ctx, actor, id, false)
		return err
	})
	return c, err
}

// Contacts returns a page of the contacts the actor may see.
func (s *Service) Contacts(ctx context.Context, actor *Actor, f ContactFilter, p Page) (*List[*Contact], error) {
	p.Normalize()
	if p.Sort != "" && !slices.Contains(ContactSorts, p.Sort) {
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "sort", Code: "one_of", Message: "must be one of " + strings.Join(ContactSorts, ", ")}}}
	}
	var l *List[*Contact]
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		l, err = tx.FindContacts(ctx, actor, f, p)
		return err
	})
	return l, err
}

// UpdateContact changes a contact the actor may see. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateContact(ctx context.Context, actor *Actor, id int64, upd ContactUpdate) (*Contact, error) {
	var c *Contact
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindContact(ctx, actor, id, false); err != nil {
			return err
		}
		if err := checkVersion(upd.Version, c.Version); err != nil {
			return err
		}
		before := *c
		var v Validation
		set(&c.Name, upd.Name)
		set(&c.Position, upd.Position)
		set(&c.Region, upd.Region)
		set(&c.Segment, upd.Segment)
		set(&c.CompanyID, upd.CompanyID)
		set(&c.ChannelID, upd.ChannelID)
		c.Name = strings.TrimSpace(c.Name)
		validateContact(&v, c)
		if upd.CompanyID != nil {
			s.checkRef(ctx, tx, actor, &v, "company_id", "companies", c.CompanyID)
		}
		if upd.ChannelID != nil {
			s.checkRef(ctx, tx, actor, &v, "channel_id", "channels", c.ChannelID)
		}
		if upd.ResponsibleID != nil && *upd.ResponsibleID != c.ResponsibleID {
			c.ResponsibleID = *upd.ResponsibleID
			s.checkResponsible(ctx, tx, actor, &v, c.ResponsibleID)
		}
		if upd.Phones != nil {
			c.Phones = normalizePhones(&v, *upd.Phones)
		}
		if upd.Emails != nil {
			c.Emails = normalizeEmails(&v, *upd.Emails)
		}
		if upd.Tags != nil {
			c.Tags = NormalizeTags(&v, "tags", *upd.Tags)
		}
		if upd.ChurnedAt != nil {
			c.ChurnedAt = upd.ChurnedAt.UTC().Truncate(time.Microsecond)
		}
		if len(upd.Custom) > 0 {
			defs, err := tx.FindCustomFields(ctx, actor, "contact")
			if err != nil {
				return err
			}
			c.Custom = MergeCustom(c.Custom, upd.Custom, ValidateCustom(&v, defs, upd.Custom, false))
		}
		if err := v.Err(); err != nil {
			return err
		}
		changes := contactChanges(&before, c)
		if len(changes) == 0 {
			return nil
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateContact(ctx, actor, c, before.Version); err != nil {
			return err
		}
		c.Version = before.Version + 1
		return s.audit(ctx, tx, actor, "contact", c.ID, "update", changes)
	})
	return c, err
}

func contactChanges(b, c *Contact) map[string]Change {
	ch := map[string]Change{}
	diff(ch, "name", b.Name, c.Name)
	diff(ch, "position", b.Position, c.Position)
	diff(ch, "region", b.Region, c.Region)
	diff(ch, "segment", b.Segment, c.Segment)
	diff(ch, "company_id", b.CompanyID, c.CompanyID)
	diff(ch, "channel_id", b.ChannelID, c.ChannelID)
	diff(ch, "responsible_id", b.ResponsibleID, c.ResponsibleID)
	diff(ch, "churned_at", b.ChurnedAt, c.ChurnedAt)
	if !slices.Equal(b.Phones, c.Phones) {
		ch["phones"] = Change{Before: b.Phones, After: c.Phones}
	}
	if !slices.Equal(b.Emails, c.Emails) {
		ch["emails"] = Change{Before: b.Emails, After: c.Emails}
	}
	if !slices.Equal(b.Tags, c.Tags) {
		ch["tags"] = Change{Before: b.Tags, After: c.Tags}
	}
	if fmt.Sprint(b.Custom) != fmt.Sprint(c.Custom) {
		ch["custom"] = Change{Before: b.Custom, After: c.Custom}
	}
	return ch
}

// DeleteContact soft-deletes a contact the actor may see; RestoreContact brings it back.
func (s *Service) DeleteContact(ctx context.Context, actor *Actor, id int64) error {
	return s.setContactDeleted(ctx, actor, id, true)
}

// RestoreContact restores a soft-deleted contact.
func (s *Service) RestoreContact(ctx context.Context, actor *Actor, id int64) error {
	return s.setContactDeleted(ctx, actor, id, false)
}

func (s *Service) setContactDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		c, err := tx.FindContact(ctx, actor, id, true)
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
		if err := tx.SetContactDeleted(ctx, actor, id, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "contact", id, action, nil)
	})
}

// MergeContacts merges contact from into contact into: every deal, task, activity, complaint and
// NPS answer of from moves to into, its phones, e-mails and tags join into's, into's empty fields
// are filled from from, and from is soft-deleted — all in one transaction, audited on both.
// Both must be visible to the actor. ENOTFOUND, EINVALID (from_id = id).
func (s *Service) MergeContacts(ctx context.Context, actor *Actor, into, from int64) (*Contact, error) {
	if into == from {
		return nil, &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "from_id", Code: "same", Message: "a contact cannot be merged into itself"}}}
	}
	var c *Contact
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindContact(ctx, actor, into, false); err != nil {
			return err
		}
		src, err := tx.FindContact(ctx, actor, from, false)
		if err != nil {
			return err
		}
		before := *c
		moved, err := tx.MoveContactRefs(ctx, actor, from, into)
		if err != nil {
			return err
		}
		for _, p := range src.Phones {
			if !slices.ContainsFunc(c.Phones, func(q Phone) bool { return q.Phone == p.Phone }) {
				c.Phones = append(c.Phones, p)
			}
		}
		for _, e := range src.Emails {
			if !slices.ContainsFunc(c.Emails, func(q Email) bool { return q.Email == e.Email }) {
				c.Emails = append(c.Emails, e)
			}
		}
		var v Validation
		c.Tags = NormalizeTags(&v, "tags", append(slices.Clone(c.Tags), src.Tags...))
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&c.Position, src.Position)
		fill(&c.Region, src.Region)
		fill(&c.Segment, src.Segment)
		if c.CompanyID == 0 {
			c.CompanyID = src.CompanyID
		}
		if c.ChannelID == 0 {
			c.ChannelID = src.ChannelID
		}
		for k, val := range src.Custom {
			if _, ok := c.Custom[k]; !ok {
				if c.Custom == nil {
					c.Custom = map[string]any{}
				}
				c.Custom[k] = val
			}
		}
		if src.CreatedAt.Before(c.CreatedAt) {
			c.CreatedAt = src.CreatedAt // the client is as old as its oldest record
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateContact(ctx, actor, c, before.Version); err != nil {
			return err
		}
		c.Version = before.Version + 1
		if err := tx.SetContactDeleted(ctx, actor, from, s.Now()); err != nil {
			return err
		}
		changes := contactChanges(&before, c)
		changes["merged_from"] = Change{After: from}
		for table, n := range moved {
			changes["moved."+table] = Change{After: n}
		}
		if err := s.audit(ctx, tx, actor, "contact", into, "merge", changes); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "contact", from, "merged_into", map[string]Change{"merged_into": {After: into}}); err != nil {
			return err
		}
		return s.emit(ctx, tx, actor, "contact.merged", "contact", into, map[string]any{"from_id": from})
	})
	return c, err
}
