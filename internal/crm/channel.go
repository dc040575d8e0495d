package crm

import (
	"context"
	"time"
)

// Channel is a marketing channel, the source a lead came from (канал).
type Channel struct {
	ID        int64
	Name      string
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// ChannelStore stores channels.
type ChannelStore interface {
	InsertChannel(ctx context.Context, actor *Actor, c *Channel) error
	FindChannel(ctx context.Context, actor *Actor, id int64) (*Channel, error)
	FindChannels(ctx context.Context, actor *Actor) ([]*Channel, error)
	UpdateChannel(ctx context.Context, actor *Actor, c *Channel, expectVersion int64) error
}

// CreateChannel adds a channel. Admins only. EFORBIDDEN, EINVALID, ECONFLICT (name taken).
func (s *Service) CreateChannel(ctx context.Context, actor *Actor, name string) (*Channel, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var v Validation
	if v.Required("name", name) {
		v.MaxLen("name", name, 200)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c := &Channel{Name: name, Active: true, CreatedAt: s.Now(), UpdatedAt: s.Now()}
	err := s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertChannel(ctx, actor, c); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "channel", c.ID, "create", map[string]Change{"name": {After: name}})
	})
	return c, err
}

// Channels lists the account's channels.
func (s *Service) Channels(ctx context.Context, actor *Actor) ([]*Channel, error) {
	var cs []*Channel
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		cs, err = tx.FindChannels(ctx, actor)
		return err
	})
	return cs, err
}

// UpdateChannel renames or (de)activates a channel. Admins only.
func (s *Service) UpdateChannel(ctx context.Context, actor *Actor, id int64, name *string, active *bool, version *int64) (*Channel, error) {
	var c *Channel
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.FindChannel(ctx, actor, id); err != nil {
			return err
		}
		if err := requireAdmin(actor); err != nil {
			return err
		}
		if err := checkVersion(version, c.Version); err != nil {
			return err
		}
		before := *c
		set(&c.Name, name)
		set(&c.Active, active)
		var v Validation
		if v.Required("name", c.Name) {
			v.MaxLen("name", c.Name, 200)
		}
		if err := v.Err(); err != nil {
			return err
		}
		changes := map[string]Change{}
		diff(changes, "name", before.Name, c.Name)
		diff(changes, "active", before.Active, c.Active)
		if len(changes) == 0 {
			return nil
		}
		c.UpdatedAt = s.Now()
		if err := tx.UpdateChannel(ctx, actor, c, before.Version); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "channel", c.ID, "update", changes)
	})
	return c, err
}
