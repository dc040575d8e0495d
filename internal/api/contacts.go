package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// PhoneDTO is a phone of a contact.
type PhoneDTO struct {
	Phone string `json:"phone" doc:"As typed on input; normalised digits (79123456789) on output" example:"+7 912 345-67-89"`
	Raw   string `json:"raw,omitempty" doc:"As typed (output only)"`
	Kind  string `json:"kind,omitempty" maxLength:"50" example:"mobile"`
}

// EmailDTO is an e-mail of a contact.
type EmailDTO struct {
	Email string `json:"email" example:"anna@example.ru"`
	Kind  string `json:"kind,omitempty" maxLength:"50" example:"work"`
}

// DuplicateOut is a live record sharing a phone, e-mail, tax id or name; name is empty when it is
// a colleague's record you may not see.
type DuplicateOut struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	ResponsibleID int64  `json:"responsible_id"`
	Match         string `json:"match" enum:"phone,email,tax_id,name"`
	Value         string `json:"value"`
}

// ContactOut is a contact.
type ContactOut struct {
	ID             int64          `json:"id"`
	Name           string         `json:"name" example:"Анна Петрова"`
	Position       string         `json:"position"`
	CompanyID      *int64         `json:"company_id"`
	ResponsibleID  int64          `json:"responsible_id"`
	ChannelID      *int64         `json:"channel_id"`
	Region         string         `json:"region"`
	Segment        string         `json:"segment"`
	Phones         []PhoneDTO     `json:"phones"`
	Emails         []EmailDTO     `json:"emails"`
	Tags           []string       `json:"tags"`
	Custom         map[string]any `json:"custom"`
	ChurnedAt      *time.Time     `json:"churned_at" doc:"When the client was marked lost"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	DeletedAt      *time.Time     `json:"deleted_at,omitempty"`
	Version        int64          `json:"version"`
	ExternalSource string         `json:"external_source,omitempty"`
	ExternalID     string         `json:"external_id,omitempty"`
	Duplicates     []DuplicateOut `json:"duplicates,omitempty" doc:"On create: live contacts sharing a phone or e-mail"`
}

// ContactIn creates a contact.
type ContactIn struct {
	Name           string         `json:"name" maxLength:"300" example:"Анна Петрова"`
	Position       string         `json:"position,omitempty" maxLength:"300"`
	CompanyID      int64          `json:"company_id,omitempty"`
	ResponsibleID  int64          `json:"responsible_id,omitempty" doc:"Default: you"`
	ChannelID      int64          `json:"channel_id,omitempty"`
	Region         string         `json:"region,omitempty" maxLength:"300"`
	Segment        string         `json:"segment,omitempty" maxLength:"300"`
	Phones         []PhoneDTO     `json:"phones,omitempty"`
	Emails         []EmailDTO     `json:"emails,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	Custom         map[string]any `json:"custom,omitempty"`
	CreatedAt      *time.Time     `json:"created_at,omitempty" doc:"Administrators, migrating history"`
	ExternalSource string         `json:"external_source,omitempty" maxLength:"50"`
	ExternalID     string         `json:"external_id,omitempty" maxLength:"200"`
}

// ContactPatch changes a contact; phones, emails and tags replace the lists.
type ContactPatch struct {
	Name          *string        `json:"name,omitempty" maxLength:"300"`
	Position      *string        `json:"position,omitempty" maxLength:"300"`
	CompanyID     *int64         `json:"company_id,omitempty" doc:"0 removes it"`
	ResponsibleID *int64         `json:"responsible_id,omitempty"`
	ChannelID     *int64         `json:"channel_id,omitempty"`
	Region        *string        `json:"region,omitempty" maxLength:"300"`
	Segment       *string        `json:"segment,omitempty" maxLength:"300"`
	Phones        *[]PhoneDTO    `json:"phones,omitempty"`
	Emails        *[]EmailDTO    `json:"emails,omitempty"`
	Tags          *[]string      `json:"tags,omitempty"`
	Custom        map[string]any `json:"custom,omitempty"`
	ChurnedAt     *time.Time     `json:"churned_at,omitempty" doc:"Mark the client lost (churn); 0001-01-01T00:00:00Z clears"`
	Version       *int64         `json:"version,omitempty"`
}

// ContactList is a page of contacts.
type ContactList struct {
	Items []ContactOut `json:"items"`
	Next  string       `json:"next"`
	Total *int         `json:"total,omitempty"`
}

func contactOut(c *crm.Contact) ContactOut {
	out := ContactOut{ID: c.ID, Name: c.Name, Position: c.Position, CompanyID: idPtr(c.CompanyID), ResponsibleID: c.ResponsibleID,
		ChannelID: idPtr(c.ChannelID), Region: c.Region, Segment: c.Segment, Tags: c.Tags, Custom: c.Custom,
		ChurnedAt: timePtr(c.ChurnedAt), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, DeletedAt: timePtr(c.DeletedAt),
		Version: c.Version, ExternalSource: c.ExternalSource, ExternalID: c.ExternalID, Phones: []PhoneDTO{}, Emails: []EmailDTO{}}
	for _, p := range c.Phones {
		out.Phones = append(out.Phones, PhoneDTO{Phone: p.Phone, Raw: p.Raw, Kind: p.Kind})
	}
	for _, e := range c.Emails {
		out.Emails = append(out.Emails, EmailDTO(e))
	}
	if out.Custom == nil {
		out.Custom = map[string]any{}
	}
	return out
}

func duplicatesOut(ds []crm.Duplicate) []DuplicateOut {
	out := []DuplicateOut{}
	for _, d := range ds {
		out = append(out, DuplicateOut(d))
	}
	return out
}

func phones(in []PhoneDTO) []crm.Phone {
	out := make([]crm.Phone, len(in))
	for i, p := range in {
		out[i] = crm.Phone{Raw: p.Phone, Kind: p.Kind}
	}
	return out
}

func emails(in []EmailDTO) []crm.Email {
	out := make([]crm.Email, len(in))
	for i, e := range in {
		out[i] = crm.Email(e)
	}
	return out
}

// customFilter reads custom.<key>=value query parameters.
func customFilter(ctx context.Context) map[string]string {
	var m map[string]string
	for key, vals := range requestOf(ctx).URL.Query() {
		if k, ok := strings.CutPrefix(key, "custom."); ok && len(vals) > 0 {
			if m == nil {
				m = map[string]string{}
			}
			m[k] = vals[0]
		}
	}
	return m
}

// ListQuery are the page parameters of every list.
type ListQuery struct {
	After     string `query:"after" doc:"The next cursor of the previous page"`
	Limit     int    `query:"limit" minimum:"0" maximum:"500" doc:"Default 50"`
	Sort      string `query:"sort" enum:"name,created_at,updated_at,id," doc:"Default id"`
	Order     string `query:"order" enum:"asc,desc,"`
	WithTotal bool   `query:"with_total"`
}

func (q ListQuery) page() crm.Page {
	return crm.Page{After: q.After, Limit: q.Limit, Sort: q.Sort, Desc: q.Order == "desc", WithTotal: q.WithTotal}
}

func (h *Handlers) registerContacts(a huma.API) {
	huma.Register(a, op("list-contacts", http.MethodGet, "/contacts", "List contacts", "Contacts"), func(ctx context.Context, in *struct {
		Q             string   `query:"q" doc:"A name, position, phone (typed any way) or e-mail"`
		Phone         string   `query:"phone"`
		Email         string   `query:"email"`
		ResponsibleID int64    `query:"responsible_id"`
		CompanyID     int64    `query:"company_id"`
		ChannelID     int64    `query:"channel_id"`
		Region        string   `query:"region"`
		Segment       string   `query:"segment"`
		Tag           []string `query:"tag"`
		CreatedFrom   string   `query:"created_from"`
		CreatedTo     string   `query:"created_to"`
		Deleted       bool     `query:"deleted"`
		ListQuery
	}) (*struct{ Body ContactList }, error) {
		acc, err := h.svc.Account(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var v crm.Validation
		f := crm.ContactFilter{Q: in.Q, Phone: in.Phone, Email: in.Email, ResponsibleID: in.ResponsibleID, CompanyID: in.CompanyID,
			ChannelID: in.ChannelID, Region: in.Region, Segment: in.Segment, Tags: in.Tag, Deleted: in.Deleted, Custom: customFilter(ctx),
			CreatedFrom: parseInstant(&v, "created_from", in.CreatedFrom, acc), CreatedTo: parseInstant(&v, "created_to", in.CreatedTo, acc)}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		l, err := h.svc.Contacts(ctx, actorOf(ctx), f, in.page())
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := ContactList{Items: make([]ContactOut, len(l.Items)), Next: l.Next}
		for i, c := range l.Items {
			out.Items[i] = contactOut(c)
		}
		if l.Total >= 0 {
			out.Total = &l.Total
		}
		return &struct{ Body ContactList }{out}, nil
	})

	o := op("create-contact", http.MethodPost, "/contacts", "Create a contact", "Contacts")
	o.Description = "The answer lists, in `duplicates`, the live contacts that share a phone or an e-mail with the new one (it is created all the same)."
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body ContactIn }) (*struct{ Body ContactOut }, error) {
		b := in.Body
		input := crm.ContactInput{Name: b.Name, Position: b.Position, CompanyID: b.CompanyID, ResponsibleID: b.ResponsibleID, ChannelID: b.ChannelID,
			Region: b.Region, Segment: b.Segment, Phones: phones(b.Phones), Emails: emails(b.Emails), Tags: b.Tags, Custom: b.Custom,
			ExternalSource: b.ExternalSource, ExternalID: b.ExternalID}
		if b.CreatedAt != nil {
			input.CreatedAt = *b.CreatedAt
		}
		c, dups, err := h.svc.CreateContact(ctx, actorOf(ctx), input)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := contactOut(c)
		out.Duplicates = duplicatesOut(dups)
		return &struct{ Body ContactOut }{out}, nil
	})

	huma.Register(a, op("find-contact-duplicates", http.MethodGet, "/contacts/duplicates", "Contacts with a phone or e-mail (check before creating)", "Contacts"), func(ctx context.Context, in *struct {
		Phone []string `query:"phone"`
		Email []string `query:"email"`
	}) (*struct{ Body []DuplicateOut }, error) {
		var ps []crm.Phone
		for _, p := range in.Phone {
			ps = append(ps, crm.Phone{Raw: p})
		}
		var es []crm.Email
		for _, e := range in.Email {
			es = append(es, crm.Email{Email: e})
		}
		ds, err := h.svc.ContactDuplicates(ctx, actorOf(ctx), ps, es)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body []DuplicateOut }{duplicatesOut(ds)}, nil
	})

	huma.Register(a, op("get-contact", http.MethodGet, "/contacts/{id}", "Get a contact", "Contacts"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body ContactOut }, error) {
		c, err := h.svc.Contact(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ContactOut }{contactOut(c)}, nil
	})

	o = op("update-contact", http.MethodPatch, "/contacts/{id}", "Change a contact", "Contacts")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    ContactPatch
	}) (*struct{ Body ContactOut }, error) {
		b := in.Body
		upd := crm.ContactUpdate{Name: b.Name, Position: b.Position, Region: b.Region, Segment: b.Segment, CompanyID: b.CompanyID,
			ResponsibleID: b.ResponsibleID, ChannelID: b.ChannelID, Tags: b.Tags, Custom: b.Custom, ChurnedAt: b.ChurnedAt}
		if b.Phones != nil {
			p := phones(*b.Phones)
			upd.Phones = &p
		}
		if b.Emails != nil {
			e := emails(*b.Emails)
			upd.Emails = &e
		}
		var err error
		if upd.Version, err = versionOf(b.Version, in.IfMatch); err != nil {
			return nil, handlerErr(ctx, err)
		}
		c, err := h.svc.UpdateContact(ctx, actorOf(ctx), in.ID, upd)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ContactOut }{contactOut(c)}, nil
	})

	o = op("delete-contact", http.MethodDelete, "/contacts/{id}", "Delete a contact (it can be restored)", "Contacts")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteContact(ctx, actorOf(ctx), in.ID))
	})
	o = op("restore-contact", http.MethodPost, "/contacts/{id}/restore", "Restore a deleted contact", "Contacts")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestoreContact(ctx, actorOf(ctx), in.ID))
	})
	o = op("merge-contacts", http.MethodPost, "/contacts/{id}/merge", "Merge another contact into this one", "Contacts")
	o.Description = "Every deal, task, activity, complaint and NPS answer of `from_id` moves to this contact, its phones, e-mails and tags join, empty fields are filled from it, and `from_id` is deleted (restorable). One transaction; audited on both."
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			FromID int64 `json:"from_id"`
		}
	}) (*struct{ Body ContactOut }, error) {
		c, err := h.svc.MergeContacts(ctx, actorOf(ctx), in.ID, in.Body.FromID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ContactOut }{contactOut(c)}, nil
	})
}
