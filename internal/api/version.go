package api

import (
	"strconv"
	"strings"

	"github.com/voronka/voronka/internal/crm"
)

// versionOf returns the version a write expects: the body's version field or the If-Match header
// (a number, quoted or not, as the ETag gives it). Both given and different is invalid.
func versionOf(body *int64, ifMatch string) (*int64, error) {
	ifMatch = strings.TrimPrefix(strings.TrimSpace(ifMatch), "W/")
	if ifMatch == "" || ifMatch == "*" {
		return body, nil
	}
	v, err := strconv.ParseInt(strings.Trim(ifMatch, `"`), 10, 64)
	if err != nil {
		return nil, fieldErr("If-Match", "format", "must be the record's version, such as \"3\"")
	}
	if body != nil && *body != v {
		return nil, fieldErr("version", "mismatch", "differs from the If-Match header")
	}
	return &v, nil
}

func fieldErr(field, code, msg string) error {
	return &crm.Error{Code: crm.EINVALID, Message: "Some fields are invalid.", Fields: []crm.FieldError{{Field: field, Code: code, Message: msg}}}
}
