package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// registerBulk adds POST /contacts/bulk, /companies/bulk and /tasks/bulk: creates and updates of
// up to 500 records, all or nothing, errors named create[i].field or update[i].field.
func (h *Handlers) registerBulk(a huma.API) {
	bulkOp := func(id, path, what string) huma.Operation {
		o := op(id, http.MethodPost, path, "Create and update up to 500 "+what+" at once, all or nothing", "Bulk")
		o.MaxBodyBytes = 16 << 20
		o.Errors = append(o.Errors, http.StatusConflict)
		return o
	}
	type contactUpdate struct {
		ID int64 `json:"id"`
		ContactPatch
	}
	huma.Register(a, bulkOp("bulk-contacts", "/contacts/bulk", "contacts"), func(ctx context.Context, in *struct {
		Body struct {
			Create []ContactIn     `json:"create,omitempty"`
			Update []contactUpdate `json:"update,omitempty"`
		}
	}) (*struct {
		Body struct {
			Created []ContactOut `json:"created"`
			Updated []ContactOut `json:"updated"`
		}
	}, error) {
		b, actor := in.Body, actorOf(ctx)
		out := &struct {
			Body struct {
				Created []ContactOut `json:"created"`
				Updated []ContactOut `json:"updated"`
			}
		}{}
		out.Body.Created, out.Body.Updated = []ContactOut{}, []ContactOut{}
		err := h.svc.Bulk(ctx, len(b.Create)+len(b.Update), func(ctx context.Context, i int) error {
			if i < len(b.Create) {
				c := b.Create[i]
				input := crm.ContactInput{Name: c.Name, Position: c.Position, CompanyID: c.CompanyID, ResponsibleID: c.ResponsibleID, ChannelID: c.ChannelID,
					Region: c.Region, Segment: c.Segment, Phones: phones(c.Phones), Emails: emails(c.Emails), Tags: c.Tags, Custom: c.Custom,
					ExternalSource: c.ExternalSource, ExternalID: c.ExternalID}
				if c.CreatedAt != nil {
					input.CreatedAt = *c.CreatedAt
				}
				made, dups, err := h.svc.CreateContact(ctx, actor, input)
				if err == nil {
					o := contactOut(made)
					o.Duplicates = duplicatesOut(dups)
					out.Body.Created = append(out.Body.Created, o)
				}
				return err
			}
			u := b.Update[i-len(b.Create)]
			upd := crm.ContactUpdate{Name: u.Name, Position: u.Position, Region: u.Region, Segment: u.Segment, CompanyID: u.CompanyID,
				ResponsibleID: u.ResponsibleID, ChannelID: u.ChannelID, Tags: u.Tags, Custom: u.Custom, ChurnedAt: u.ChurnedAt, Version: u.Version}
			if u.Phones != nil {
				p := phones(*u.Phones)
				upd.Phones = &p
			}
			if u.Emails != nil {
				e := emails(*u.Emails)
				upd.Emails = &e
			}
			c, err := h.svc.UpdateContact(ctx, actor, u.ID, upd)
			if err == nil {
				out.Body.Updated = append(out.Body.Updated, contactOut(c))
			}
			return err
		})
		if err != nil {
			return nil, handlerErr(ctx, renameBulkItems(err, len(b.Create)))
		}
		return out, nil
	})

	type companyUpdate struct {
		ID int64 `json:"id"`
		CompanyPatch
	}
	huma.Register(a, bulkOp("bulk-companies", "/companies/bulk", "companies"), func(ctx context.Context, in *struct {
		Body struct {
			Create []CompanyIn     `json:"create,omitempty"`
			Update []companyUpdate `json:"update,omitempty"`
		}
	}) (*struct {
		Body struct {
			Created []CompanyOut `json:"created"`
			Updated []CompanyOut `json:"updated"`
		}
	}, error) {
		b, actor := in.Body, actorOf(ctx)
		out := &struct {
			Body struct {
				Created []CompanyOut `json:"created"`
				Updated []CompanyOut `json:"updated"`
			}
		}{}
		out.Body.Created, out.Body.Updated = []CompanyOut{}, []CompanyOut{}
		err := h.svc.Bulk(ctx, len(b.Create)+len(b.Update), func(ctx context.Context, i int) error {
			if i < len(b.Create) {
				c := b.Create[i]
				co := &crm.Company{Name: c.Name, TaxID: c.TaxID, Industry: c.Industry, Region: c.Region, Segment: c.Segment, Phone: c.Phone,
					Email: c.Email, Website: c.Website, ResponsibleID: c.ResponsibleID, Tags: c.Tags, Custom: c.Custom,
					ExternalSource: c.ExternalSource, ExternalID: c.ExternalID}
				if c.CreatedAt != nil {
					co.CreatedAt = *c.CreatedAt
				}
				dups, err := h.svc.CreateCompany(ctx, actor, co)
				if err == nil {
					o := companyOut(co)
					o.Duplicates = duplicatesOut(dups)
					out.Body.Created = append(out.Body.Created, o)
				}
				return err
			}
			u := b.Update[i-len(b.Create)]
			c, err := h.svc.UpdateCompany(ctx, actor, u.ID, crm.CompanyUpdate{Name: u.Name, TaxID: u.TaxID, Industry: u.Industry, Region: u.Region,
				Segment: u.Segment, Phone: u.Phone, Email: u.Email, Website: u.Website, ResponsibleID: u.ResponsibleID, Tags: u.Tags,
				Custom: u.Custom, ChurnedAt: u.ChurnedAt, Version: u.Version})
			if err == nil {
				out.Body.Updated = append(out.Body.Updated, companyOut(c))
			}
			return err
		})
		if err != nil {
			return nil, handlerErr(ctx, renameBulkItems(err, len(b.Create)))
		}
		return out, nil
	})

	type taskUpdate struct {
		ID int64 `json:"id"`
		TaskPatch
	}
	huma.Register(a, bulkOp("bulk-tasks", "/tasks/bulk", "tasks"), func(ctx context.Context, in *struct {
		Body struct {
			Create []TaskIn     `json:"create,omitempty"`
			Update []taskUpdate `json:"update,omitempty"`
		}
	}) (*struct {
		Body struct {
			Created []TaskOut `json:"created"`
			Updated []TaskOut `json:"updated"`
		}
	}, error) {
		b, actor := in.Body, actorOf(ctx)
		out := &struct {
			Body struct {
				Created []TaskOut `json:"created"`
				Updated []TaskOut `json:"updated"`
			}
		}{}
		out.Body.Created, out.Body.Updated = []TaskOut{}, []TaskOut{}
		err := h.svc.Bulk(ctx, len(b.Create)+len(b.Update), func(ctx context.Context, i int) error {
			if i < len(b.Create) {
				c := b.Create[i]
				ti := crm.TaskInput{Type: c.Type, Title: c.Title, Description: c.Description, DealID: c.DealID, ContactID: c.ContactID,
					CompanyID: c.CompanyID, ResponsibleID: c.ResponsibleID, DueAt: c.DueAt, Result: c.Result}
				if c.CreatedAt != nil {
					ti.CreatedAt = *c.CreatedAt
				}
				if c.DoneAt != nil {
					ti.DoneAt = *c.DoneAt
				}
				t, err := h.svc.CreateTask(ctx, actor, ti)
				if err == nil {
					out.Body.Created = append(out.Body.Created, h.taskOut(t))
				}
				return err
			}
			u := b.Update[i-len(b.Create)]
			t, err := h.svc.UpdateTask(ctx, actor, u.ID, crm.TaskUpdate{Type: u.Type, Title: u.Title, Description: u.Description, Result: u.Result,
				DealID: u.DealID, ContactID: u.ContactID, CompanyID: u.CompanyID, ResponsibleID: u.ResponsibleID, DueAt: u.DueAt, Version: u.Version})
			if err == nil {
				out.Body.Updated = append(out.Body.Updated, h.taskOut(t))
			}
			return err
		})
		if err != nil {
			return nil, handlerErr(ctx, renameBulkItems(err, len(b.Create)))
		}
		return out, nil
	})
}
