package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/voronka/voronka/internal/crm"
)

const productColumns = `id, name, sku, category, price, cost, active, created_at, updated_at, deleted_at, version`

// InsertProduct stores a product.
func (t *Tx) InsertProduct(ctx context.Context, actor *crm.Actor, p *crm.Product) error {
	err := t.q.QueryRowContext(ctx, `
		INSERT INTO products (account_id, name, sku, category, price, cost, active, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id, version`,
		actor.AccountID, p.Name, p.SKU, p.Category, p.Price, p.Cost, p.Active, p.CreatedAt.UTC(), p.UpdatedAt.UTC()).Scan(&p.ID, &p.Version)
	return wrap("insert product", err)
}

// FindProduct returns a live product.
func (t *Tx) FindProduct(ctx context.Context, actor *crm.Actor, id int64) (*crm.Product, error) {
	p, err := scanProduct(t.q.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL`, actor.AccountID, id))
	return p, notFound("find product", err, "Product", id)
}

// FindProductAny returns a product, deleted or not.
func (t *Tx) FindProductAny(ctx context.Context, actor *crm.Actor, id int64) (*crm.Product, error) {
	p, err := scanProduct(t.q.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE account_id = $1 AND id = $2`, actor.AccountID, id))
	return p, notFound("find product", err, "Product", id)
}

// FindProducts returns the live products by name.
func (t *Tx) FindProducts(ctx context.Context, actor *crm.Actor, onlyActive bool) ([]*crm.Product, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT `+productColumns+` FROM products
		WHERE account_id = $1 AND deleted_at IS NULL AND (active OR NOT $2) ORDER BY name, id`, actor.AccountID, onlyActive)
	if err != nil {
		return nil, wrap("find products", err)
	}
	defer rows.Close()
	var out []*crm.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, wrap("find products", err)
		}
		out = append(out, p)
	}
	return out, wrap("find products", rows.Err())
}

// UpdateProduct stores a product's fields when its version is expectVersion.
func (t *Tx) UpdateProduct(ctx context.Context, actor *crm.Actor, p *crm.Product, expectVersion int64) error {
	res, err := t.q.ExecContext(ctx, `
		UPDATE products SET name = $1, sku = $2, category = $3, price = $4, cost = $5, active = $6, updated_at = $7, version = version + 1
		WHERE account_id = $8 AND id = $9 AND version = $10`,
		p.Name, p.SKU, p.Category, p.Price, p.Cost, p.Active, p.UpdatedAt.UTC(), actor.AccountID, p.ID, expectVersion)
	if err != nil {
		return wrap("update product", err)
	}
	if err := checkVersioned(res, "Product", p.ID); err != nil {
		return err
	}
	p.Version = expectVersion + 1
	return nil
}

// SetProductDeleted soft-deletes or restores a product.
func (t *Tx) SetProductDeleted(ctx context.Context, actor *crm.Actor, id int64, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `UPDATE products SET deleted_at = $1, version = version + 1 WHERE account_id = $2 AND id = $3`,
		nullTime(at), actor.AccountID, id)
	return wrap("delete product", err)
}

func scanProduct(s scanner) (*crm.Product, error) {
	var p crm.Product
	var created, updated, deleted sql.NullTime
	if err := s.Scan(&p.ID, &p.Name, &p.SKU, &p.Category, &p.Price, &p.Cost, &p.Active, &created, &updated, &deleted, &p.Version); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt, p.DeletedAt = utc(created), utc(updated), utc(deleted)
	return &p, nil
}
