package crm

import (
	"context"
	"fmt"
)

// AccountCreate is the input of CreateAccount: the account and its first administrator.
type AccountCreate struct {
	Name          string
	Slug          string // derived from Name when empty
	Currency      string // default RUB
	TimeZone      string // default Europe/Moscow
	Locale        string // default ru
	GoLiveDate    Date
	AdminEmail    string
	AdminName     string
	AdminPassword string
}

// CreateAccount creates an account with its first administrator. It is not reachable by tenants:
// only the first start and the admin CLI call it. EINVALID, ECONFLICT when the slug is taken.
func (s *Service) CreateAccount(ctx context.Context, in AccountCreate) (*Account, *User, error) {
	a := &Account{
		Name: in.Name, Slug: in.Slug, Currency: in.Currency, TimeZone: in.TimeZone, Locale: in.Locale,
		GoLiveDate: in.GoLiveDate, Settings: DefaultAccountSettings(),
	}
	if a.Slug == "" {
		a.Slug = Slugify(a.Name)
	}
	if a.Currency == "" {
		a.Currency = "RUB"
	}
	if a.TimeZone == "" {
		a.TimeZone = "Europe/Moscow"
	}
	if a.Locale == "" {
		a.Locale = "ru"
	}
	admin := &User{Email: NormalizeEmail(in.AdminEmail), Name: in.AdminName, Role: RoleAdmin, Active: true}
	if admin.Name == "" {
		admin.Name = "Administrator"
	}
	var v Validation
	validateAccount(&v, a)
	validateEmail(&v, "admin_email", admin.Email)
	validatePassword(&v, "admin_password", in.AdminPassword)
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	hash, err := HashPassword(in.AdminPassword, s.password)
	if err != nil {
		return nil, nil, err
	}
	admin.PasswordHash = hash
	now := s.Now()
	a.CreatedAt, a.UpdatedAt = now, now
	err = s.store.Write(ctx, func(tx Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			return err
		}
		sys := SystemActor(a.ID)
		admin.CreatedAt, admin.UpdatedAt = now, now
		if err := tx.InsertUser(ctx, sys, admin); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, sys, "account", a.ID, "create", nil); err != nil {
			return err
		}
		name, stages := DefaultPipeline()
		if _, err := s.createPipeline(ctx, tx, sys, name, stages); err != nil {
			return err
		}
		for i, reason := range DefaultLossReasons {
			if err := tx.InsertLossReason(ctx, sys, &LossReason{Name: reason, Position: i}, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, sys, "user", admin.ID, "create", map[string]Change{
			"email": {After: admin.Email}, "role": {After: admin.Role},
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return a, admin, nil
}

// CountAccounts returns how many accounts the database holds (first start and the admin CLI).
func (s *Service) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		n, err = tx.CountAccounts(ctx)
		return err
	})
	return n, err
}

// Bootstrap creates the first account and its administrator when the database has no account yet.
// An empty password is replaced by a generated one, returned so that it can be printed once.
// created is false (and nothing is written) when an account already exists.
func (s *Service) Bootstrap(ctx context.Context, in AccountCreate) (a *Account, admin *User, password string, created bool, err error) {
	var n int
	if err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		n, err = tx.CountAccounts(ctx)
		return err
	}); err != nil {
		return nil, nil, "", false, fmt.Errorf("bootstrap: %w", err)
	}
	if n > 0 {
		return nil, nil, "", false, nil
	}
	if in.AdminPassword == "" {
		in.AdminPassword = GeneratePassword()
	}
	a, admin, err = s.CreateAccount(ctx, in)
	if err != nil {
		return nil, nil, "", false, err
	}
	return a, admin, in.AdminPassword, true, nil
}

// Account returns the actor's account.
func (s *Service) Account(ctx context.Context, actor *Actor) (*Account, error) {
	var a *Account
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		a, err = tx.FindAccount(ctx, actor)
		return err
	})
	return a, err
}

// UpdateAccount changes the account's settings. Admins only: EFORBIDDEN; EINVALID; ECONFLICT on a
// stale version.
func (s *Service) UpdateAccount(ctx context.Context, actor *Actor, upd AccountUpdate) (*Account, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var a *Account
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if a, err = tx.FindAccount(ctx, actor); err != nil {
			return err
		}
		if err := checkVersion(upd.Version, a.Version); err != nil {
			return err
		}
		before := *a
		if upd.Name != nil {
			a.Name = *upd.Name
		}
		if upd.Currency != nil {
			a.Currency = *upd.Currency
		}
		if upd.TimeZone != nil {
			a.TimeZone = *upd.TimeZone
		}
		if upd.Locale != nil {
			a.Locale = *upd.Locale
		}
		if upd.GoLiveDate != nil {
			a.GoLiveDate = *upd.GoLiveDate
		}
		if upd.Settings != nil {
			a.Settings = *upd.Settings
		}
		var v Validation
		validateAccount(&v, a)
		if err := v.Err(); err != nil {
			return err
		}
		changes := map[string]Change{}
		diff(changes, "name", before.Name, a.Name)
		diff(changes, "currency", before.Currency, a.Currency)
		diff(changes, "time_zone", before.TimeZone, a.TimeZone)
		diff(changes, "locale", before.Locale, a.Locale)
		diff(changes, "go_live_date", before.GoLiveDate.String(), a.GoLiveDate.String())
		diff(changes, "settings", before.Settings, a.Settings)
		if len(changes) == 0 {
			return nil
		}
		a.UpdatedAt = s.Now()
		if err := tx.UpdateAccount(ctx, a, before.Version); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "account", a.ID, "update", changes)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
