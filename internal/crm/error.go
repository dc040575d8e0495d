package crm

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error codes. Every error a service returns carries one of them; the HTTP edge maps each code to a
// status in exactly one place (internal/httperr).
const (
	EINVALID      = "invalid"           // the input is wrong; Fields says where
	ENOTFOUND     = "not_found"         // no such record, or the actor may not see it
	ECONFLICT     = "conflict"          // a unique value is taken, or a version is stale
	EFORBIDDEN    = "forbidden"         // the actor may see the record but not do this
	EUNAUTHORIZED = "unauthorized"      // no valid credentials
	ETOOMANY      = "too_many_requests" // rate limited; RetryAfter says for how long
	EINTERNAL     = "internal"          // a bug or an outage; the message is never shown
)

// Error is a domain error: a code, a message safe to show to the user, and for EINVALID the fields
// at fault.
type Error struct {
	Code       string
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration
}

// FieldError names one invalid input field, a machine code (required, format, too_long, unknown,
// out_of_range, …) and a message for people.
type FieldError struct {
	Field   string
	Code    string
	Message string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error; EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err; a generic one for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// Validation collects field errors; Err returns nil when there are none, else an EINVALID *Error.
type Validation struct {
	Fields []FieldError
}

// Add records that field is invalid.
func (v *Validation) Add(field, code, message string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Code: code, Message: message})
}

// Required records a "required" error for field when value is blank.
func (v *Validation) Required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		v.Add(field, "required", "must not be empty")
		return false
	}
	return true
}

// MaxLen records a "too_long" error when value has more than n characters.
func (v *Validation) MaxLen(field, value string, n int) {
	if len([]rune(value)) > n {
		v.Add(field, "too_long", fmt.Sprintf("must be at most %d characters", n))
	}
}

// Err returns the collected errors as one EINVALID *Error, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: v.Fields}
}
