package crm

import (
	"encoding/base64"
	"encoding/json"
)

// Page limits of list endpoints.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Page asks for one page of a list: the items after the cursor a previous page returned.
type Page struct {
	After     string // opaque cursor; "" for the first page
	Limit     int    // 1..MaxLimit; 0 means DefaultLimit
	Sort      string // a field the list allows, "" for its default
	Desc      bool
	WithTotal bool // count every matching record too (costs a scan of them)
}

// Normalize clamps the limit.
func (p *Page) Normalize() {
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	if p.Limit > MaxLimit {
		p.Limit = MaxLimit
	}
}

// List is one page of records, in a stable order: by the sort field, then by id.
type List[T any] struct {
	Items []T
	Next  string // cursor of the next page; "" on the last
	Total int    // every matching record, when Page.WithTotal; else -1
}

// Cursor is where a page ended: the sort value of its last record and its id.
type Cursor struct {
	Value any   `json:"v"`
	ID    int64 `json:"id"`
}

// EncodeCursor returns the opaque cursor after a record with the sort value and id.
func EncodeCursor(value any, id int64) string {
	b, _ := json.Marshal(Cursor{Value: value, ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses a cursor; EINVALID (field "after") when it is not one of ours.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return Cursor{}, &Error{Code: EINVALID, Message: "Some fields are invalid.",
			Fields: []FieldError{{Field: "after", Code: "format", Message: "is not a cursor this list returned"}}}
	}
	return c, nil
}
