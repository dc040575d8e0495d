package crm

import (
	"context"
	"time"
)

// Product is an item of the catalogue; price and cost are per unit, in minor units.
type Product struct {
	ID        int64
	Name      string
	SKU       string
	Category  string
	Price     int64
	Cost      int64
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
	Version   int64
}

// ProductUpdate changes a product; nil fields stay.
type ProductUpdate struct {
	Name, SKU, Category *string
	Price, Cost         *int64
	Active              *bool
	Version             *int64
}

// ProductStore stores products.
type ProductStore interface {
	InsertProduct(ctx context.Context, actor *Actor, p *Product) error
	// FindProducts returns the live products (all, or only active), by name.
	FindProducts(ctx context.Context, actor *Actor, onlyActive bool) ([]*Product, error)
	UpdateProduct(ctx context.Context, actor *Actor, p *Product, expectVersion int64) error
	// SetProductDeleted soft-deletes (at) or restores (zero at) a product.
	SetProductDeleted(ctx context.Context, actor *Actor, id int64, at time.Time) error
	// FindProductAny returns a product, deleted or not; ENOTFOUND.
	FindProductAny(ctx context.Context, actor *Actor, id int64) (*Product, error)
}

func validateProduct(v *Validation, p *Product) {
	if v.Required("name", p.Name) {
		v.MaxLen("name", p.Name, 300)
	}
	v.MaxLen("sku", p.SKU, 100)
	v.MaxLen("category", p.Category, 200)
	if p.Price < 0 {
		v.Add("price", "negative", "must not be negative")
	}
	if p.Cost < 0 {
		v.Add("cost", "negative", "must not be negative")
	}
}

// canManageCatalogue: admins and heads of sales edit products.
func canManageCatalogue(actor *Actor) error {
	if actor.Role == RoleManager {
		return Errorf(EFORBIDDEN, "Only administrators and heads of sales may change products.")
	}
	return nil
}

// CreateProduct adds a product. Admins and heads. EFORBIDDEN, EINVALID.
func (s *Service) CreateProduct(ctx context.Context, actor *Actor, p *Product) error {
	if err := canManageCatalogue(actor); err != nil {
		return err
	}
	var v Validation
	validateProduct(&v, p)
	if err := v.Err(); err != nil {
		return err
	}
	p.Active = true
	p.CreatedAt, p.UpdatedAt = s.Now(), s.Now()
	return s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertProduct(ctx, actor, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "product", p.ID, "create", map[string]Change{"name": {After: p.Name}, "price": {After: p.Price}, "cost": {After: p.Cost}})
	})
}

// Products lists the catalogue.
func (s *Service) Products(ctx context.Context, actor *Actor, onlyActive bool) ([]*Product, error) {
	var ps []*Product
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		ps, err = tx.FindProducts(ctx, actor, onlyActive)
		return err
	})
	return ps, err
}

// Product returns a live product. ENOTFOUND.
func (s *Service) Product(ctx context.Context, actor *Actor, id int64) (*Product, error) {
	var p *Product
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		p, err = tx.FindProduct(ctx, actor, id)
		return err
	})
	return p, err
}

// UpdateProduct changes a product. Admins and heads. Line items already sold keep their prices.
func (s *Service) UpdateProduct(ctx context.Context, actor *Actor, id int64, upd ProductUpdate) (*Product, error) {
	var p *Product
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.FindProduct(ctx, actor, id); err != nil {
			return err
		}
		if err := canManageCatalogue(actor); err != nil {
			return err
		}
		if err := checkVersion(upd.Version, p.Version); err != nil {
			return err
		}
		before := *p
		set(&p.Name, upd.Name)
		set(&p.SKU, upd.SKU)
		set(&p.Category, upd.Category)
		set(&p.Price, upd.Price)
		set(&p.Cost, upd.Cost)
		set(&p.Active, upd.Active)
		var v Validation
		validateProduct(&v, p)
		if err := v.Err(); err != nil {
			return err
		}
		changes := map[string]Change{}
		diff(changes, "name", before.Name, p.Name)
		diff(changes, "sku", before.SKU, p.SKU)
		diff(changes, "category", before.Category, p.Category)
		diff(changes, "price", before.Price, p.Price)
		diff(changes, "cost", before.Cost, p.Cost)
		diff(changes, "active", before.Active, p.Active)
		if len(changes) == 0 {
			return nil
		}
		p.UpdatedAt = s.Now()
		if err := tx.UpdateProduct(ctx, actor, p, before.Version); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "product", p.ID, "update", changes)
	})
	return p, err
}

// DeleteProduct soft-deletes a product (RestoreProduct brings it back). Admins and heads.
func (s *Service) DeleteProduct(ctx context.Context, actor *Actor, id int64) error {
	return s.setProductDeleted(ctx, actor, id, true)
}

// RestoreProduct restores a deleted product.
func (s *Service) RestoreProduct(ctx context.Context, actor *Actor, id int64) error {
	return s.setProductDeleted(ctx, actor, id, false)
}

func (s *Service) setProductDeleted(ctx context.Context, actor *Actor, id int64, del bool) error {
	return s.store.Write(ctx, func(tx Tx) error {
		p, err := tx.FindProductAny(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := canManageCatalogue(actor); err != nil {
			return err
		}
		if del == !p.DeletedAt.IsZero() {
			return nil
		}
		at, action := s.Now(), "delete"
		if !del {
			at, action = time.Time{}, "restore"
		}
		if err := tx.SetProductDeleted(ctx, actor, id, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "product", id, action, nil)
	})
}

// set assigns *src to *dst when src is not nil.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
