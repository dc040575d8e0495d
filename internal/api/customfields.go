package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// CustomFieldOut defines an extra field of contacts, companies or deals.
type CustomFieldOut struct {
	ID       int64    `json:"id"`
	Entity   string   `json:"entity" enum:"contact,company,deal"`
	Key      string   `json:"key" doc:"The name in custom objects and in filters (custom.<key>=…)" example:"source"`
	Name     string   `json:"name" example:"Источник"`
	Type     string   `json:"type" enum:"text,number,money,date,select,multiselect,checkbox,url,phone,email"`
	Options  []string `json:"options"`
	Required bool     `json:"required"`
	Position int      `json:"position"`
	Version  int64    `json:"version"`
}

func customFieldOut(f *crm.CustomField) CustomFieldOut {
	return CustomFieldOut{ID: f.ID, Entity: f.Entity, Key: f.Key, Name: f.Name, Type: f.Type, Options: f.Options, Required: f.Required, Position: f.Position, Version: f.Version}
}

func (h *Handlers) registerCustomFields(a huma.API) {
	huma.Register(a, op("list-custom-fields", http.MethodGet, "/custom-fields", "List custom field definitions", "Custom fields"), func(ctx context.Context, in *struct {
		Entity string `query:"entity" enum:"contact,company,deal" required:"true"`
	}) (*struct{ Body []CustomFieldOut }, error) {
		fs, err := h.svc.CustomFields(ctx, actorOf(ctx), in.Entity)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := []CustomFieldOut{}
		for _, f := range fs {
			out = append(out, customFieldOut(f))
		}
		return &struct{ Body []CustomFieldOut }{out}, nil
	})
	o := op("create-custom-field", http.MethodPost, "/custom-fields", "Define a custom field (administrators)", "Custom fields")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			Entity   string   `json:"entity" enum:"contact,company,deal"`
			Key      string   `json:"key" maxLength:"40" example:"source"`
			Name     string   `json:"name" maxLength:"200" example:"Источник"`
			Type     string   `json:"type" enum:"text,number,money,date,select,multiselect,checkbox,url,phone,email"`
			Options  []string `json:"options,omitempty"`
			Required bool     `json:"required,omitempty"`
		}
	}) (*struct{ Body CustomFieldOut }, error) {
		b := in.Body
		f := &crm.CustomField{Entity: b.Entity, Key: b.Key, Name: b.Name, Type: b.Type, Options: b.Options, Required: b.Required}
		if err := h.svc.CreateCustomField(ctx, actorOf(ctx), f); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body CustomFieldOut }{customFieldOut(f)}, nil
	})
	o = op("update-custom-field", http.MethodPatch, "/custom-fields/{id}", "Change a custom field (administrators)", "Custom fields")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body struct {
			Name     *string   `json:"name,omitempty" maxLength:"200"`
			Options  *[]string `json:"options,omitempty"`
			Required *bool     `json:"required,omitempty"`
			Position *int      `json:"position,omitempty"`
			Version  *int64    `json:"version,omitempty"`
		}
	}) (*struct{ Body CustomFieldOut }, error) {
		b := in.Body
		f, err := h.svc.UpdateCustomField(ctx, actorOf(ctx), in.ID, crm.CustomFieldUpdate{Name: b.Name, Options: b.Options, Required: b.Required, Position: b.Position, Version: b.Version})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body CustomFieldOut }{customFieldOut(f)}, nil
	})
	o = op("delete-custom-field", http.MethodDelete, "/custom-fields/{id}", "Remove a custom field (administrators; stored values are kept, hidden)", "Custom fields")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteCustomField(ctx, actorOf(ctx), in.ID))
	})
}
