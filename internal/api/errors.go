package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/httperr"
)

// Error is the body of every error response: httperr.Body with its HTTP status.
type Error struct {
	status int
	httperr.Body
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// GetStatus implements huma.StatusError.
func (e *Error) GetStatus() int { return e.status }

// bodyErr carries a ready error body through huma.WriteErr.
type bodyErr struct{ body httperr.Body }

func (e *bodyErr) Error() string { return e.body.Message }

func init() {
	// Every error huma produces — validation, bad JSON, body too large, and the ones our handlers
	// return — becomes an Error, so the API has one error shape.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		for _, err := range errs {
			var be *bodyErr
			if errors.As(err, &be) {
				return &Error{status: status, Body: be.body}
			}
		}
		e := &Error{status: status, Body: httperr.Body{Code: codeOf(status), Message: msg}}
		for _, err := range errs {
			var d *huma.ErrorDetail
			if errors.As(err, &d) {
				e.Fields = append(e.Fields, fieldOf(d))
			} else if err != nil && status < 500 {
				e.Fields = append(e.Fields, httperr.Field{Field: "body", Code: "invalid", Message: err.Error()})
			}
		}
		if status == http.StatusUnprocessableEntity || status == http.StatusBadRequest {
			e.Code = crm.EINVALID
			if e.Message == "validation failed" || e.Message == "" {
				e.Message = "Some fields are invalid."
			}
		}
		if status >= 500 {
			e.Message, e.Fields = "Internal error; it has been logged.", nil
		}
		return e
	}
}

// handlerErr turns a domain error returned by a service into the API's error; an unexpected error
// is logged and answered with a generic 500.
func handlerErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ce *crm.Error
	status, body := http.StatusInternalServerError, httperr.Body{Code: crm.EINTERNAL, Message: "Internal error; it has been logged."}
	if errors.As(err, &ce) {
		status = httperr.Status(ce.Code)
		body = httperr.Body{Code: ce.Code, Message: ce.Message}
		for _, f := range ce.Fields {
			body.Fields = append(body.Fields, httperr.Field(f))
		}
		if ce.RetryAfter > 0 {
			secs := int(ce.RetryAfter.Seconds() + 0.999)
			return huma.ErrorWithHeaders(&Error{status: status, Body: body}, http.Header{"Retry-After": {itoa(secs)}})
		}
		return &Error{status: status, Body: body}
	}
	slog.ErrorContext(ctx, "internal error", "err", err)
	return &Error{status: status, Body: body}
}

func codeOf(status int) string {
	switch status {
	case http.StatusNotFound:
		return crm.ENOTFOUND
	case http.StatusConflict, http.StatusPreconditionFailed:
		return crm.ECONFLICT
	case http.StatusForbidden:
		return crm.EFORBIDDEN
	case http.StatusUnauthorized:
		return crm.EUNAUTHORIZED
	case http.StatusTooManyRequests:
		return crm.ETOOMANY
	case http.StatusRequestEntityTooLarge:
		return httperr.EPAYLOAD
	}
	if status >= 500 {
		return crm.EINTERNAL
	}
	return crm.EINVALID
}

// fieldOf turns huma's "body.email" style locations into the field names of our errors.
func fieldOf(d *huma.ErrorDetail) httperr.Field {
	loc := d.Location
	for _, p := range []string{"body.", "query.", "path.", "header."} {
		loc = strings.TrimPrefix(loc, p)
	}
	code := "invalid"
	switch {
	case strings.Contains(d.Message, "unexpected property"):
		code = "unknown"
	case strings.Contains(d.Message, "expected required property"):
		code = "required"
		if i := strings.LastIndex(d.Message, "property "); i >= 0 {
			name := strings.TrimSuffix(strings.TrimSpace(d.Message[i+len("property "):]), " to be present")
			if loc == "body" || loc == "" {
				loc = name
			} else {
				loc += "." + name
			}
		}
	case strings.HasPrefix(d.Message, "expected "):
		code = "type"
	}
	return httperr.Field{Field: loc, Code: code, Message: d.Message}
}

func itoa(n int) string { return strconv.Itoa(n) }
