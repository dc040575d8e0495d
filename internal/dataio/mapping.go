package dataio

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Mapping says how the rows of a file become Voronka records: which column (or constant, or
// template) fills each field, with which transform. It is written as JSON; docs/import.md
// describes it and docs/examples/ holds real ones.
type Mapping struct {
	Entity string `json:"entity"` // what the rows are: deals, contacts, companies, payments, spend, tasks or activities
	// Source names the system the file comes from; with the external id it makes re-imports
	// update instead of duplicate.
	Source string `json:"source"`
	// Pipeline is the name of the pipeline deals go to (default: the account's first). When it does
	// not exist and Stages are given, it is created with them.
	Pipeline string      `json:"pipeline,omitempty"`
	Stages   []StageSpec `json:"stages,omitempty"`
	// TimeZone of dates without one (default: the account's).
	TimeZone string `json:"time_zone,omitempty"`
	// DecimalComma reads "1 234,56" as 1234.56 (default: detected per value).
	DecimalComma bool `json:"decimal_comma,omitempty"`
	// MinorUnits: money columns are already in minor units (kopecks, cents).
	MinorUnits bool `json:"minor_units,omitempty"`
	// Create lists the kinds of referenced records created when a row names one that does not
	// exist: users, teams, companies, contacts, channels, products, loss_reasons. Others are an
	// error of the row.
	Create []string `json:"create,omitempty"`
	// Joins add the columns of other files, matched by a key, as "<as>.<column>".
	Joins []Join `json:"joins,omitempty"`
	// Fields maps Voronka's fields to what fills them (see DealFields).
	Fields map[string]Field `json:"fields"`
	// StageDates: the date each named stage was reached, for the funnel history.
	StageDates map[string]Field `json:"stage_dates,omitempty"`
	// ClosedBeforeCreated: what to do when a deal closed before it was created ("error", the
	// default, or "clamp": close it when it was created, and say so in the report).
	ClosedBeforeCreated string `json:"closed_before_created,omitempty"`
}

// StageSpec is a stage of a pipeline the import creates.
type StageSpec struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"` // open, won, lost
	Probability int    `json:"probability,omitempty"`
}

// Join reads another file (relative to the mapping's directory or the main file's) and adds the
// columns of its row whose Key column equals the main row's On column.
type Join struct {
	File string `json:"file"`
	On   string `json:"on"`
	Key  string `json:"key"`
	As   string `json:"as"`
	// Map replaces the main row's value before the lookup, for keys spelled differently.
	Map map[string]string `json:"map,omitempty"`
}

// Field is what fills one field. Exactly one of Column, Columns, Value and Template is given.
type Field struct {
	Column   string   `json:"column,omitempty"`
	Columns  []string `json:"columns,omitempty"` // the first non-empty
	Value    string   `json:"value,omitempty"`   // a constant
	Template string   `json:"template,omitempty"`
	// Format of a date: DD.MM.YYYY, YYYY-MM-DD, excel… (see DateFormats); empty tries them all.
	Format string `json:"format,omitempty"`
	// Map replaces values (after trimming; keys match case-insensitively): a stage name as the
	// other CRM spells it → Voronka's, a product's other spelling → the product's name.
	Map map[string]string `json:"map,omitempty"`
	// Default is used when the value is empty.
	Default string `json:"default,omitempty"`
	// IfPresent / IfEmpty replace any non-empty / an empty value (a won date present → "Won").
	IfPresent string `json:"if_present,omitempty"`
	IfEmpty   string `json:"if_empty,omitempty"`
	// Split splits a list (tags) on this separator.
	Split string `json:"split,omitempty"`
}

// DealFields are the fields a deals mapping may fill.
var DealFields = []string{
	"id", "external_id", "name", "pipeline", "stage", "items", "amount", "responsible", "team", "company", "company.industry",
	"company.region", "company.segment", "company.tax_id", "contact", "contact.phone", "contact.email",
	"contact.position", "channel", "region", "segment", "product", "quantity", "price", "created_at",
	"closed_at", "loss_reason", "loss_comment", "tags", "utm_source", "utm_medium", "utm_campaign",
	"utm_content", "utm_term", "expected_close_date",
}

// ContactFields are the fields a contacts mapping may fill; phone and email may hold several,
// separated by commas or semicolons.
var ContactFields = []string{
	"id", "external_id", "name", "position", "company", "company.industry", "company.region", "company.segment",
	"company.tax_id", "responsible", "team", "channel", "region", "segment", "phone", "email", "tags", "created_at",
}

// CompanyFields are the fields a companies mapping may fill.
var CompanyFields = []string{
	"id", "external_id", "name", "tax_id", "industry", "region", "segment", "phone", "email", "website",
	"responsible", "team", "tags", "created_at",
}

// PaymentFields are the fields of a payments file: the deal is named by its external id in the
// mapping's source (deal) or by its Voronka id (deal_id).
var PaymentFields = []string{"deal", "deal_id", "paid_at", "amount", "method", "note"}

// SpendFields are the fields of a marketing spend file: a period (starts_on and ends_on, or a
// month) of a channel, and what was spent.
var SpendFields = []string{"channel", "starts_on", "ends_on", "month", "amount", "note"}

// TaskFields are the fields of a tasks file; the deal is named as in PaymentFields.
var TaskFields = []string{"external_id", "type", "title", "description", "deal", "deal_id", "responsible", "due_at",
	"done_at", "result", "created_at"}

// ActivityFields are the fields of an activities file (calls, e-mails, meetings, messages,
// notes); duration is in seconds or as m:ss / h:mm:ss.
var ActivityFields = []string{"external_id", "kind", "direction", "deal", "deal_id", "user", "at", "duration",
	"result", "subject", "body"}

// EntityFields are the fields of each entity an import may bring.
var EntityFields = map[string][]string{"deals": DealFields, "contacts": ContactFields, "companies": CompanyFields,
	"payments": PaymentFields, "spend": SpendFields, "tasks": TaskFields, "activities": ActivityFields}

// Creatable are the kinds of records an import may create.
var Creatable = []string{"users", "teams", "companies", "contacts", "channels", "products", "loss_reasons"}

// ReadMapping decodes a mapping and checks it; unknown keys are errors (a typo must not be
// silently ignored).
func ReadMapping(r io.Reader) (*Mapping, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("mapping: invalid JSON at byte %d: %v", se.Offset, err)
		}
		return nil, fmt.Errorf("mapping: %v", err)
	}
	return &m, m.Check()
}

// Check reports every problem of the mapping at once.
func (m *Mapping) Check() error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	fields, ok := EntityFields[m.Entity]
	if !ok {
		add("entity: %q is not supported (deals, contacts, companies, payments, spend, tasks or activities)", m.Entity)
	}
	if m.Source == "" {
		add("source: required (names the system the rows come from, e.g. amocrm)")
	}
	for _, c := range m.Create {
		if !slices.Contains(Creatable, c) {
			add("create: %q is not one of %s", c, strings.Join(Creatable, ", "))
		}
	}
	switch m.ClosedBeforeCreated {
	case "", "error", "clamp":
	default:
		add("closed_before_created: %q is not error or clamp", m.ClosedBeforeCreated)
	}
	for i, st := range m.Stages {
		if st.Name == "" || (st.Kind != "open" && st.Kind != "won" && st.Kind != "lost") {
			add("stages[%d]: needs a name and a kind (open, won or lost)", i)
		}
	}
	for i, j := range m.Joins {
		if j.File == "" || j.On == "" || j.Key == "" || j.As == "" {
			add("joins[%d]: file, on, key and as are required", i)
		}
	}
	names := make([]string, 0, len(m.Fields))
	for name := range m.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if ok && !slices.Contains(fields, name) && !strings.HasPrefix(name, "custom.") {
			add("fields.%s: unknown field of %s (one of %s, or custom.<key>)", name, m.Entity, strings.Join(fields, ", "))
		}
		checkField(add, "fields."+name, m.Fields[name])
	}
	for name, f := range m.StageDates {
		checkField(add, "stage_dates."+name, f)
	}
	if len(errs) > 0 {
		return fmt.Errorf("mapping: %s", strings.Join(errs, "; "))
	}
	return nil
}

func checkField(add func(string, ...any), name string, f Field) {
	n := 0
	for _, set := range []bool{f.Column != "", len(f.Columns) > 0, f.Value != "", f.Template != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		add("%s: give exactly one of column, columns, value, template", name)
	}
	if f.Format != "" && f.Format != "excel" {
		if _, ok := DateFormats[f.Format]; !ok {
			add("%s: date format %q is unknown", name, f.Format)
		}
	}
}

// columns lists every column the mapping reads, for checking them against a file's header.
func (m *Mapping) columns() map[string][]string {
	out := map[string][]string{}
	use := func(where string, f Field) {
		for _, c := range append([]string{f.Column}, f.Columns...) {
			if c != "" {
				out[c] = append(out[c], where)
			}
		}
		for _, c := range templateColumns(f.Template) {
			out[c] = append(out[c], where)
		}
	}
	for name, f := range m.Fields {
		use("fields."+name, f)
	}
	for name, f := range m.StageDates {
		use("stage_dates."+name, f)
	}
	return out
}

// templateColumns returns the {column} names of a template.
func templateColumns(t string) []string {
	var out []string
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, t[i+1:i+j])
		t = t[i+j+1:]
	}
}

// value computes a field from a row: the column(s), constant or template, then IfPresent /
// IfEmpty, Map and Default.
func (f Field) value(row map[string]string) string {
	var v string
	switch {
	case f.Column != "":
		v = strings.TrimSpace(row[f.Column])
	case len(f.Columns) > 0:
		for _, c := range f.Columns {
			if v = strings.TrimSpace(row[c]); v != "" {
				break
			}
		}
	case f.Value != "":
		v = f.Value
	case f.Template != "":
		v = f.Template
		for _, c := range templateColumns(f.Template) {
			v = strings.ReplaceAll(v, "{"+c+"}", strings.TrimSpace(row[c]))
		}
		v = strings.TrimSpace(v)
	}
	if v != "" && f.IfPresent != "" {
		v = f.IfPresent
	} else if v == "" && f.IfEmpty != "" {
		v = f.IfEmpty
	}
	if f.Map != nil && v != "" {
		if to, ok := f.Map[v]; ok {
			v = to
		} else {
			for from, to := range f.Map {
				if strings.EqualFold(from, v) {
					v = to
					break
				}
			}
		}
	}
	if v == "" {
		v = f.Default
	}
	return v
}

// column names the column a field reads, for error reports.
func (f Field) column() string {
	switch {
	case f.Column != "":
		return f.Column
	case len(f.Columns) > 0:
		return strings.Join(f.Columns, "|")
	case f.Template != "":
		return f.Template
	}
	return ""
}
