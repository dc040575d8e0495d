// Package httperr is the one place where domain error codes become HTTP statuses and JSON error
// bodies. Internal errors are logged with the request id and never shown.
package httperr

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/voronka/voronka/internal/crm"
)

// Body is the JSON error every endpoint returns: {"code","message","fields":[…]}.
type Body struct {
	Code    string  `json:"code" doc:"Machine-readable error code" enum:"invalid,not_found,conflict,forbidden,unauthorized,too_many_requests,payload_too_large,internal" example:"invalid"`
	Message string  `json:"message" doc:"What went wrong, safe to show to a user" example:"Some fields are invalid."`
	Fields  []Field `json:"fields,omitempty" doc:"For invalid input: each field at fault"`
}

// Field names one invalid field of the request.
type Field struct {
	Field   string `json:"field" doc:"The field, as a path into the request body, query or header" example:"email"`
	Code    string `json:"code" doc:"Machine-readable reason" example:"format"`
	Message string `json:"message" doc:"The reason for people" example:"must be an e-mail address"`
}

// EPAYLOAD is the code of a request body over the size limit; it exists only at the HTTP edge.
const EPAYLOAD = "payload_too_large"

// Status returns the HTTP status of a domain error code.
func Status(code string) int {
	switch code {
	case crm.EINVALID:
		return http.StatusUnprocessableEntity
	case crm.ENOTFOUND:
		return http.StatusNotFound
	case crm.ECONFLICT:
		return http.StatusConflict
	case crm.EFORBIDDEN:
		return http.StatusForbidden
	case crm.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case crm.ETOOMANY:
		return http.StatusTooManyRequests
	case EPAYLOAD:
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusInternalServerError
	}
}

// From returns the status and body for err, and the Retry-After seconds for rate limits (0 if none).
// An internal error is logged with its details and answered with a generic message.
func From(r *http.Request, err error) (status int, body Body, retryAfter int) {
	var ce *crm.Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &ce):
		body = Body{Code: ce.Code, Message: ce.Message}
		for _, f := range ce.Fields {
			body.Fields = append(body.Fields, Field(f))
		}
		if ce.RetryAfter > 0 {
			retryAfter = int(math.Ceil(ce.RetryAfter.Seconds()))
		}
	case errors.As(err, &tooLarge):
		body = Body{Code: EPAYLOAD, Message: "The request body is larger than " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes."}
	default:
		body = Body{Code: crm.EINTERNAL, Message: "Internal error; it has been logged."}
	}
	status = Status(body.Code)
	if status == http.StatusInternalServerError {
		slog.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
	}
	return status, body, retryAfter
}

// Write answers a plain net/http request with err as JSON.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	status, body, retryAfter := From(r, err)
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
