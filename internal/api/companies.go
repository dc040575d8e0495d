package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// CompanyOut is a company.
type CompanyOut struct {
	ID             int64          `json:"id"`
	Name           string         `json:"name" example:"ООО «Ромашка»"`
	TaxID          string         `json:"tax_id" doc:"ИНН" example:"7707083893"`
	Industry       string         `json:"industry"`
	Region         string         `json:"region"`
	Segment        string         `json:"segment"`
	Phone          string         `json:"phone"`
	Email          string         `json:"email"`
	Website        string         `json:"website"`
	ResponsibleID  int64          `json:"responsible_id"`
	Tags           []string       `json:"tags"`
	Custom         map[string]any `json:"custom"`
	ChurnedAt      *time.Time     `json:"churned_at"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	DeletedAt      *time.Time     `json:"deleted_at,omitempty"`
	Version        int64          `json:"version"`
	ExternalSource string         `json:"external_source,omitempty"`
	ExternalID     string         `json:"external_id,omitempty"`
	Duplicates     []DuplicateOut `json:"duplicates,omitempty" doc:"On create: live companies with the same tax id or name"`
}

// CompanyIn creates a company.
type CompanyIn struct {
	Name           string         `json:"name" maxLength:"500"`
	TaxID          string         `json:"tax_id,omitempty" maxLength:"20"`
	Industry       string         `json:"industry,omitempty" maxLength:"300"`
	Region         string         `json:"region,omitempty" maxLength:"300"`
	Segment        string         `json:"segment,omitempty" maxLength:"300"`
	Phone          string         `json:"phone,omitempty" maxLength:"50"`
	Email          string         `json:"email,omitempty" maxLength:"254"`
	Website        string         `json:"website,omitempty" maxLength:"500"`
	ResponsibleID  int64          `json:"responsible_id,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	Custom         map[string]any `json:"custom,omitempty"`
	CreatedAt      *time.Time     `json:"created_at,omitempty" doc:"Administrators, migrating history"`
	ExternalSource string         `json:"external_source,omitempty" maxLength:"50"`
	ExternalID     string         `json:"external_id,omitempty" maxLength:"200"`
}

// CompanyPatch changes a company.
type CompanyPatch struct {
	Name          *string        `json:"name,omitempty" maxLength:"500"`
	TaxID         *string        `json:"tax_id,omitempty" maxLength:"20"`
	Industry      *string        `json:"industry,omitempty" maxLength:"300"`
	Region        *string        `json:"region,omitempty" maxLength:"300"`
	Segment       *string        `json:"segment,omitempty" maxLength:"300"`
	Phone         *string        `json:"phone,omitempty" maxLength:"50"`
	Email         *string        `json:"email,omitempty" maxLength:"254"`
	Website       *string        `json:"website,omitempty" maxLength:"500"`
	ResponsibleID *int64         `json:"responsible_id,omitempty"`
	Tags          *[]string      `json:"tags,omitempty"`
	Custom        map[string]any `json:"custom,omitempty"`
	ChurnedAt     *time.Time     `json:"churned_at,omitempty"`
	Version       *int64         `json:"version,omitempty"`
}

// CompanyList is a page of companies.
type CompanyList struct {
	Items []CompanyOut `json:"items"`
	Next  string       `json:"next"`
	Total *int         `json:"total,omitempty"`
}

func companyOut(c *crm.Company) CompanyOut {
	out := CompanyOut{ID: c.ID, Name: c.Name, TaxID: c.TaxID, Industry: c.Industry, Region: c.Region, Segment: c.Segment, Phone: c.Phone,
		Email: c.Email, Website: c.Website, ResponsibleID: c.ResponsibleID, Tags: c.Tags, Custom: c.Custom, ChurnedAt: timePtr(c.ChurnedAt),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, DeletedAt: timePtr(c.DeletedAt), Version: c.Version,
		ExternalSource: c.ExternalSource, ExternalID: c.ExternalID}
	if out.Custom == nil {
		out.Custom = map[string]any{}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	return out
}

func (h *Handlers) registerCompanies(a huma.API) {
	huma.Register(a, op("list-companies", http.MethodGet, "/companies", "List companies", "Companies"), func(ctx context.Context, in *struct {
		Q             string   `query:"q" doc:"Name or tax id, any case"`
		ResponsibleID int64    `query:"responsible_id"`
		Industry      string   `query:"industry"`
		Region        string   `query:"region"`
		Segment       string   `query:"segment"`
		Tag           []string `query:"tag"`
		CreatedFrom   string   `query:"created_from"`
		CreatedTo     string   `query:"created_to"`
		Deleted       bool     `query:"deleted"`
		ListQuery
	}) (*struct{ Body CompanyList }, error) {
		acc, err := h.svc.Account(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		var v crm.Validation
		f := crm.CompanyFilter{Q: in.Q, ResponsibleID: in.ResponsibleID, Industry: in.Industry, Region: in.Region, Segment: in.Segment,
			Tags: in.Tag, Deleted: in.Deleted, Custom: customFilter(ctx),
			CreatedFrom: parseInstant(&v, "created_from", in.CreatedFrom, acc), CreatedTo: parseInstant(&v, "created_to", in.CreatedTo, acc)}
		if err := v.Err(); err != nil {
			return nil, handlerErr(ctx, err)
		}
		l, err := h.svc.Companies(ctx, actorOf(ctx), f, in.page())
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := CompanyList{Items: make([]CompanyOut, len(l.Items)), Next: l.Next}
		for i, c := range l.Items {
			out.Items[i] = companyOut(c)
		}
		if l.Total >= 0 {
			out.Total = &l.Total
		}
		return &struct{ Body CompanyList }{out}, nil
	})
	o := op("create-company", http.MethodPost, "/companies", "Create a company", "Companies")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body CompanyIn }) (*struct{ Body CompanyOut }, error) {
		b := in.Body
		c := &crm.Company{Name: b.Name, TaxID: b.TaxID, Industry: b.Industry, Region: b.Region, Segment: b.Segment, Phone: b.Phone,
			Email: b.Email, Website: b.Website, ResponsibleID: b.ResponsibleID, Tags: b.Tags, Custom: b.Custom,
			ExternalSource: b.ExternalSource, ExternalID: b.ExternalID}
		if b.CreatedAt != nil {
			c.CreatedAt = *b.CreatedAt
		}
		dups, err := h.svc.CreateCompany(ctx, actorOf(ctx), c)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := companyOut(c)
		out.Duplicates = duplicatesOut(dups)
		return &struct{ Body CompanyOut }{out}, nil
	})
	huma.Register(a, op("get-company", http.MethodGet, "/companies/{id}", "Get a company", "Companies"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body CompanyOut }, error) {
		c, err := h.svc.Company(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body CompanyOut }{companyOut(c)}, nil
	})
	o = op("update-company", http.MethodPatch, "/companies/{id}", "Change a company", "Companies")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    CompanyPatch
	}) (*struct{ Body CompanyOut }, error) {
		b := in.Body
		upd := crm.CompanyUpdate{Name: b.Name, TaxID: b.TaxID, Industry: b.Industry, Region: b.Region, Segment: b.Segment, Phone: b.Phone,
			Email: b.Email, Website: b.Website, ResponsibleID: b.ResponsibleID, Tags: b.Tags, Custom: b.Custom, ChurnedAt: b.ChurnedAt}
		var err error
		if upd.Version, err = versionOf(b.Version, in.IfMatch); err != nil {
			return nil, handlerErr(ctx, err)
		}
		c, err := h.svc.UpdateCompany(ctx, actorOf(ctx), in.ID, upd)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body CompanyOut }{companyOut(c)}, nil
	})
	o = op("delete-company", http.MethodDelete, "/companies/{id}", "Delete a company (it can be restored)", "Companies")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteCompany(ctx, actorOf(ctx), in.ID))
	})
	o = op("restore-company", http.MethodPost, "/companies/{id}/restore", "Restore a deleted company", "Companies")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestoreCompany(ctx, actorOf(ctx), in.ID))
	})
	o = op("merge-companies", http.MethodPost, "/companies/{id}/merge", "Merge another company into this one", "Companies")
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			FromID int64 `json:"from_id"`
		}
	}) (*struct{ Body CompanyOut }, error) {
		c, err := h.svc.MergeCompanies(ctx, actorOf(ctx), in.ID, in.Body.FromID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body CompanyOut }{companyOut(c)}, nil
	})
}
