package crm

import (
	"context"
	"regexp"
	"slices"
	"strings"
)

// CustomFieldDefStore stores custom field definitions (FindCustomFields is in CustomFieldStore).
type CustomFieldDefStore interface {
	InsertCustomField(ctx context.Context, actor *Actor, f *CustomField) error
	// FindCustomField returns a live definition; ENOTFOUND.
	FindCustomField(ctx context.Context, actor *Actor, id int64) (*CustomField, error)
	UpdateCustomField(ctx context.Context, actor *Actor, f *CustomField, expectVersion int64) error
}

var fieldKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// CustomFieldEntities are the record types that have custom fields.
var CustomFieldEntities = []string{"contact", "company", "deal"}

func validateCustomField(v *Validation, f *CustomField) {
	if !slices.Contains(CustomFieldEntities, f.Entity) {
		v.Add("entity", "one_of", "must be contact, company or deal")
	}
	if !fieldKeyRe.MatchString(f.Key) {
		v.Add("key", "format", "must be 1–40 lowercase latin letters, digits or underscores, starting with a letter")
	}
	if v.Required("name", f.Name) {
		v.MaxLen("name", f.Name, 200)
	}
	if !slices.Contains(FieldTypes, f.Type) {
		v.Add("type", "one_of", "must be one of "+strings.Join(FieldTypes, ", "))
	}
	if f.Type == FieldSelect || f.Type == FieldMultiselect {
		if len(f.Options) == 0 {
			v.Add("options", "required", "a select field needs its options")
		}
		seen := map[string]bool{}
		for _, o := range f.Options {
			if strings.TrimSpace(o) == "" || seen[o] || len([]rune(o)) > 200 {
				v.Add("options", "invalid", "options must be distinct, non-empty, at most 200 characters")
				break
			}
			seen[o] = true
		}
	} else if len(f.Options) > 0 {
		v.Add("options", "not_allowed", "only select and multiselect fields have options")
	}
}

// CreateCustomField defines a custom field. Admins only. EINVALID, ECONFLICT (key taken).
func (s *Service) CreateCustomField(ctx context.Context, actor *Actor, f *CustomField) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if f.Options == nil {
		f.Options = []string{}
	}
	var v Validation
	validateCustomField(&v, f)
	if err := v.Err(); err != nil {
		return err
	}
	f.CreatedAt, f.UpdatedAt = s.Now(), s.Now()
	return s.store.Write(ctx, func(tx Tx) error {
		existing, err := tx.FindCustomFields(ctx, actor, f.Entity)
		if err != nil {
			return err
		}
		if f.Position == 0 {
			f.Position = len(existing)
		}
		if err := tx.InsertCustomField(ctx, actor, f); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "custom_field", f.ID, "create", map[string]Change{"key": {After: f.Key}, "type": {After: f.Type}})
	})
}

// CustomFields lists the definitions of an entity type.
func (s *Service) CustomFields(ctx context.Context, actor *Actor, entity string) ([]*CustomField, error) {
	var fs []*CustomField
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		fs, err = tx.FindCustomFields(ctx, actor, entity)
		return err
	})
	return fs, err
}

// CustomFieldUpdate changes a definition; its key, entity and type are fixed once created.
type CustomFieldUpdate struct {
	Name     *string
	Options  *[]string
	Required *bool
	Position *int
	Version  *int64
}

// UpdateCustomField changes a definition. Admins only. Stored values are kept even when an option
// they hold is removed. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateCustomField(ctx context.Context, actor *Actor, id int64, upd CustomFieldUpdate) (*CustomField, error) {
	var f *CustomField
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if f, err = tx.FindCustomField(ctx, actor, id); err != nil {
			return err
		}
		if err := requireAdmin(actor); err != nil {
			return err
		}
		if err := checkVersion(upd.Version, f.Version); err != nil {
			return err
		}
		before := *f
		set(&f.Name, upd.Name)
		set(&f.Options, upd.Options)
		set(&f.Required, upd.Required)
		set(&f.Position, upd.Position)
		var v Validation
		validateCustomField(&v, f)
		if err := v.Err(); err != nil {
			return err
		}
		changes := map[string]Change{}
		diff(changes, "name", before.Name, f.Name)
		diff(changes, "required", before.Required, f.Required)
		diff(changes, "position", before.Position, f.Position)
		if !slices.Equal(before.Options, f.Options) {
			changes["options"] = Change{Before: before.Options, After: f.Options}
		}
		if len(changes) == 0 {
			return nil
		}
		f.UpdatedAt = s.Now()
		if err := tx.UpdateCustomField(ctx, actor, f, before.Version); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "custom_field", f.ID, "update", changes)
	})
	return f, err
}

// DeleteCustomField removes a definition (soft: values stay in the records, hidden). Admins only.
func (s *Service) DeleteCustomField(ctx context.Context, actor *Actor, id int64) error {
	return s.store.Write(ctx, func(tx Tx) error {
		f, err := tx.FindCustomField(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := requireAdmin(actor); err != nil {
			return err
		}
		f.DeletedAt, f.UpdatedAt = s.Now(), s.Now()
		if err := tx.UpdateCustomField(ctx, actor, f, f.Version); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "custom_field", f.ID, "delete", nil)
	})
}
