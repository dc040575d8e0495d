package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/voronka/voronka/internal/crm"
	"github.com/voronka/voronka/internal/httpauth"
	"github.com/voronka/voronka/internal/httperr"
	"github.com/voronka/voronka/internal/store"
)

// idempotencyTTL is how long an Idempotency-Key answer is kept.
const idempotencyTTL = 24 * time.Hour

// withIdempotency makes a POST to the API with an Idempotency-Key header happen once: a retry with
// the same key and the same request gets the first answer again (with Idempotent-Replayed: true);
// the same key with a different request is refused (422); a retry while the first is still running
// gets 409. Keys belong to the user who sent them. Answers of 5xx are not kept, so a retry runs again.
func withIdempotency(auth *httpauth.Auth, keys *store.Idempotency, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" || r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 {
			httperr.Write(w, r, fieldErr("Idempotency-Key", "too_long", "must be at most 255 characters"))
			return
		}
		actor, err := auth.BearerActor(r)
		if err == nil && actor == nil {
			actor, err = auth.SessionActor(r)
		}
		if err != nil || actor == nil {
			next.ServeHTTP(w, r) // the API answers 401 itself
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			httperr.Write(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
		hash := hex.EncodeToString(sum[:])
		ctx := r.Context()
		prev, err := keys.Reserve(ctx, actor.AccountID, actor.UserID, key, hash, time.Now())
		switch {
		case err != nil:
			httperr.Write(w, r, err)
			return
		case prev != nil && prev.RequestHash != hash:
			httperr.Write(w, r, fieldErr("Idempotency-Key", "reused", "was already used for a different request"))
			return
		case prev != nil && prev.Status == 0:
			httperr.Write(w, r, crm.Errorf(crm.ECONFLICT, "A request with this Idempotency-Key is still being processed."))
			return
		case prev != nil:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.Status)
			_, _ = w.Write(prev.Body)
			return
		}
		rec := &recorder{ResponseWriter: w}
		completed := false
		defer func() {
			if !completed {
				_ = keys.Release(ctx, actor.AccountID, actor.UserID, key)
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.status >= 500 || rec.status == 0 {
			return
		}
		if err := keys.Complete(ctx, actor.AccountID, actor.UserID, key, rec.status, rec.buf.Bytes()); err == nil {
			completed = true
		}
	})
}

// recorder passes a response through and keeps a copy of its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func fieldErr(field, code, msg string) error {
	return &crm.Error{Code: crm.EINVALID, Message: "Some fields are invalid.", Fields: []crm.FieldError{{Field: field, Code: code, Message: msg}}}
}
