package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Custom field types.
const (
	FieldText        = "text"
	FieldNumber      = "number"
	FieldMoney       = "money"
	FieldDate        = "date"
	FieldSelect      = "select"
	FieldMultiselect = "multiselect"
	FieldCheckbox    = "checkbox"
	FieldURL         = "url"
	FieldPhone       = "phone"
	FieldEmail       = "email"
)

// FieldTypes lists every custom field type.
var FieldTypes = []string{FieldText, FieldNumber, FieldMoney, FieldDate, FieldSelect, FieldMultiselect, FieldCheckbox, FieldURL, FieldPhone, FieldEmail}

// CustomField defines an extra field of contacts, companies or deals.
type CustomField struct {
	ID        int64
	AccountID int64
	Entity    string // contact, company, deal
	Key       string // the name in the API and in filters: lowercase letters, digits, underscores
	Name      string // what people see
	Type      string
	Options   []string // the choices of select and multiselect
	Required  bool
	Position  int
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
	Version   int64
}

// CustomFieldStore stores custom field definitions.
type CustomFieldStore interface {
	// FindCustomFields returns the live definitions of an entity type, by position.
	FindCustomFields(ctx context.Context, actor *Actor, entity string) ([]*CustomField, error)
}

// ValidateCustom checks values against the definitions of an entity and returns them normalised:
// number → float64, money → int64 minor units, date → "YYYY-MM-DD", checkbox → bool, multiselect →
// []string, phone → digits, e-mail → lowercase. Errors go on "custom.<key>": unknown keys, wrong
// types, values not among a select's options, required fields missing. A nil value removes the key.
func ValidateCustom(v *Validation, defs []*CustomField, values map[string]any, creating bool) map[string]any {
	byKey := map[string]*CustomField{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	out := map[string]any{}
	for k, val := range values {
		field := "custom." + k
		d, ok := byKey[k]
		if !ok {
			v.Add(field, "unknown", "no such custom field")
			continue
		}
		if val == nil {
			continue
		}
		if n, ok := normalizeCustom(v, field, d, val); ok {
			out[k] = n
		}
	}
	if creating {
		for _, d := range defs {
			if _, ok := out[d.Key]; d.Required && !ok {
				v.Add("custom."+d.Key, "required", "must be given")
			}
		}
	}
	return out
}

func normalizeCustom(v *Validation, field string, d *CustomField, val any) (any, bool) {
	bad := func(msg string) (any, bool) { v.Add(field, "invalid", msg); return nil, false }
	switch d.Type {
	case FieldText:
		s, ok := val.(string)
		if !ok || len([]rune(s)) > 10000 {
			return bad("must be text of at most 10000 characters")
		}
		return s, true
	case FieldNumber:
		f, ok := number(val)
		if !ok {
			return bad("must be a number")
		}
		return f, true
	case FieldMoney:
		f, ok := number(val)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1e15 {
			return bad("must be a whole number of minor units (kopecks, cents)")
		}
		return int64(f), true
	case FieldDate:
		s, _ := val.(string)
		dt, err := ParseDate(s)
		if err != nil {
			return bad("must be a date, YYYY-MM-DD")
		}
		return dt.String(), true
	case FieldCheckbox:
		b, ok := val.(bool)
		if !ok {
			return bad("must be true or false")
		}
		return b, true
	case FieldSelect:
		s, _ := val.(string)
		if !slices.Contains(d.Options, s) {
			return bad(fmt.Sprintf("must be one of %s", strings.Join(d.Options, ", ")))
		}
		return s, true
	case FieldMultiselect:
		list, ok := val.([]any)
		if !ok {
			if ss, ok2 := val.([]string); ok2 {
				for _, s := range ss {
					list = append(list, s)
				}
				ok = true
			}
		}
		if !ok {
			return bad("must be a list of options")
		}
		out := []string{}
		for _, item := range list {
			s, _ := item.(string)
			if !slices.Contains(d.Options, s) {
				return bad(fmt.Sprintf("every value must be one of %s", strings.Join(d.Options, ", ")))
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out, true
	case FieldURL:
		s, _ := val.(string)
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("must be an http or https URL")
		}
		return s, true
	case FieldPhone:
		s, _ := val.(string)
		p, ok := NormalizePhone(s)
		if !ok {
			return bad("must be a phone number")
		}
		return p, true
	case FieldEmail:
		s, _ := val.(string)
		s = NormalizeEmail(s)
		if !ValidEmail(s) {
			return bad("must be an e-mail address")
		}
		return s, true
	}
	return bad("has an unknown type")
}

func number(val any) (float64, bool) {
	switch n := val.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// MergeCustom applies a patch of custom values onto current ones: a key with a nil value in the
// patch is removed.
func MergeCustom(current, patch map[string]any, normalized map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range current {
		out[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else if n, ok := normalized[k]; ok {
			out[k] = n
		}
	}
	return out
}
