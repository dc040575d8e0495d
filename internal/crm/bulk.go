package crm

import (
	"context"
	"errors"
	"fmt"
)

// MaxBulk is the most items one bulk request may carry.
const MaxBulk = 500

// Bulk runs fn for every item index in one transaction: all items are stored, or none is. Every
// item is tried; the errors of all invalid items are returned together as one EINVALID whose fields
// are prefixed with "items[i]." (an item's error without fields becomes field "items[i]"). A
// storage error that is not about one item stops the run and is returned as it is.
func (s *Service) Bulk(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "items", Code: "required", Message: "must hold at least one item"}}}
	}
	if n > MaxBulk {
		return &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: []FieldError{{Field: "items", Code: "too_many", Message: fmt.Sprintf("at most %d items a request", MaxBulk)}}}
	}
	var itemErrs []FieldError
	code := EINVALID
	errItems := errors.New("bulk: some items failed")
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		for i := range n {
			err := fn(ctx, i)
			var ce *Error
			switch {
			case err == nil:
				continue
			case errors.As(err, &ce) && ce.Code != EINTERNAL:
				if ce.Code != EINVALID {
					code = ce.Code // a conflict or a missing record keeps its own code
				}
				prefix := fmt.Sprintf("items[%d]", i)
				if len(ce.Fields) == 0 {
					itemErrs = append(itemErrs, FieldError{Field: prefix, Code: ce.Code, Message: ce.Message})
				}
				for _, f := range ce.Fields {
					itemErrs = append(itemErrs, FieldError{Field: prefix + "." + f.Field, Code: f.Code, Message: f.Message})
				}
				if ce.Code == ECONFLICT || ce.Code == ENOTFOUND {
					return errItems // the transaction may be unusable after a failed statement
				}
			default:
				return err
			}
		}
		if len(itemErrs) > 0 {
			return errItems
		}
		return nil
	})
	if errors.Is(err, errItems) {
		return &Error{Code: code, Message: "No item was stored: some items are invalid.", Fields: itemErrs}
	}
	return err
}
