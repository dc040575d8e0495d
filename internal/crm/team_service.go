package crm

import "context"

// CreateTeam adds a team. Admins only: EFORBIDDEN; EINVALID; ECONFLICT when the name is taken.
func (s *Service) CreateTeam(ctx context.Context, actor *Actor, name string) (*Team, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	t := &Team{Name: name}
	var v Validation
	if v.Required("name", name) {
		v.MaxLen("name", name, 200)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		t.CreatedAt, t.UpdatedAt = s.Now(), s.Now()
		if err := tx.InsertTeam(ctx, actor, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "team", t.ID, "create", map[string]Change{"name": {After: t.Name}})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// RenameTeam renames a team. Admins only. EFORBIDDEN, ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) RenameTeam(ctx context.Context, actor *Actor, id int64, name string, version *int64) (*Team, error) {
	if err := s.store.Read(ctx, func(tx Tx) error { _, err := tx.FindTeam(ctx, actor, id); return err }); err != nil {
		return nil, err
	}
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
	var t *Team
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if t, err = tx.FindTeam(ctx, actor, id); err != nil {
			return err
		}
		if err := checkVersion(version, t.Version); err != nil {
			return err
		}
		if t.Name == name {
			return nil
		}
		old, oldVersion := t.Name, t.Version
		t.Name, t.UpdatedAt = name, s.Now()
		if err := tx.UpdateTeam(ctx, actor, t, oldVersion); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "team", t.ID, "update", map[string]Change{"name": {Before: old, After: name}})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Teams returns the account's teams.
func (s *Service) Teams(ctx context.Context, actor *Actor) ([]*Team, error) {
	var ts []*Team
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		ts, err = tx.FindTeams(ctx, actor)
		return err
	})
	return ts, err
}
