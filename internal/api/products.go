package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// ProductOut is an item of the catalogue.
type ProductOut struct {
	ID        int64     `json:"id" example:"5"`
	Name      string    `json:"name" example:"Тур в Сочи, 7 ночей"`
	SKU       string    `json:"sku" example:"SOCHI-7"`
	Category  string    `json:"category" example:"Туры"`
	Price     int64     `json:"price" doc:"Per unit, minor units" example:"15000000"`
	Cost      int64     `json:"cost" doc:"Per unit, minor units" example:"9000000"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// ProductIn creates a product.
type ProductIn struct {
	Name     string `json:"name" maxLength:"300"`
	SKU      string `json:"sku,omitempty" maxLength:"100"`
	Category string `json:"category,omitempty" maxLength:"200"`
	Price    int64  `json:"price" doc:"Per unit, minor units"`
	Cost     int64  `json:"cost,omitempty" doc:"Per unit, minor units"`
}

// ProductPatch changes a product.
type ProductPatch struct {
	Name     *string `json:"name,omitempty" maxLength:"300"`
	SKU      *string `json:"sku,omitempty" maxLength:"100"`
	Category *string `json:"category,omitempty" maxLength:"200"`
	Price    *int64  `json:"price,omitempty"`
	Cost     *int64  `json:"cost,omitempty"`
	Active   *bool   `json:"active,omitempty"`
	Version  *int64  `json:"version,omitempty"`
}

func productOut(p *crm.Product) ProductOut {
	return ProductOut{ID: p.ID, Name: p.Name, SKU: p.SKU, Category: p.Category, Price: p.Price, Cost: p.Cost, Active: p.Active,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version}
}

func (h *Handlers) registerProducts(a huma.API) {
	huma.Register(a, op("list-products", http.MethodGet, "/products", "List the catalogue", "Products"), func(ctx context.Context, in *struct {
		Active bool `query:"active" doc:"Only active products"`
	}) (*struct{ Body []ProductOut }, error) {
		ps, err := h.svc.Products(ctx, actorOf(ctx), in.Active)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]ProductOut, len(ps))
		for i, p := range ps {
			out[i] = productOut(p)
		}
		return &struct{ Body []ProductOut }{out}, nil
	})
	o := op("create-product", http.MethodPost, "/products", "Add a product (administrators and heads)", "Products")
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body ProductIn }) (*struct{ Body ProductOut }, error) {
		b := in.Body
		p := &crm.Product{Name: b.Name, SKU: b.SKU, Category: b.Category, Price: b.Price, Cost: b.Cost}
		if err := h.svc.CreateProduct(ctx, actorOf(ctx), p); err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ProductOut }{productOut(p)}, nil
	})
	huma.Register(a, op("get-product", http.MethodGet, "/products/{id}", "Get a product", "Products"), func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{ Body ProductOut }, error) {
		p, err := h.svc.Product(ctx, actorOf(ctx), in.ID)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ProductOut }{productOut(p)}, nil
	})
	o = op("update-product", http.MethodPatch, "/products/{id}", "Change a product (administrators and heads)", "Products")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    ProductPatch
	}) (*struct{ Body ProductOut }, error) {
		b := in.Body
		version, err := versionOf(b.Version, in.IfMatch)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		p, err := h.svc.UpdateProduct(ctx, actorOf(ctx), in.ID, crm.ProductUpdate{Name: b.Name, SKU: b.SKU, Category: b.Category, Price: b.Price, Cost: b.Cost, Active: b.Active, Version: version})
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ProductOut }{productOut(p)}, nil
	})
	o = op("delete-product", http.MethodDelete, "/products/{id}", "Delete a product (it can be restored)", "Products")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.DeleteProduct(ctx, actorOf(ctx), in.ID))
	})
	o = op("restore-product", http.MethodPost, "/products/{id}/restore", "Restore a deleted product", "Products")
	o.DefaultStatus = http.StatusNoContent
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, handlerErr(ctx, h.svc.RestoreProduct(ctx, actorOf(ctx), in.ID))
	})
}
