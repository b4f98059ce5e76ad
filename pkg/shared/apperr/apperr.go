// Package apperr is the one error type domain code returns; the HTTP layer maps
// it to the envelope of DESIGN §3 in a single place.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Codes shared by every service. Domain packages may add their own
// (e.g. "stock_insuficiente") with New.
const (
	CodeInvalid           = "invalid"                // 400, a field is wrong (details name it)
	CodeBadRequest        = "bad_request"            // 400, body malformed
	CodeUnauthorized      = "unauthorized"           // 401
	CodeForbidden         = "forbidden"              // 403
	CodeTenantInactive    = "tenant_inactivo"        // 403 (DESIGN §3)
	CodeNotFound          = "not_found"              // 404, also for another tenant's ids
	CodeConflict          = "conflict"               // 409
	CodeTooLarge          = "payload_too_large"      // 413
	CodeUnsupportedMedia  = "unsupported_media_type" // 415
	CodeIdempotencyReused = "idempotency_key_reused" // 422
	CodeRateLimited       = "rate_limited"           // 429
	CodeCoreUnavailable   = "core_no_disponible"     // 503 (DESIGN §4)
	CodeUnavailable       = "unavailable"            // 503
	CodeInternal          = "internal"               // 500
)

// Error is a domain error with an HTTP status, a stable code and optional
// details (field name → message, or any JSON-able extra such as "disponible").
type Error struct {
	Status  int
	Code    string
	Message string
	Details map[string]any
	Err     error // wrapped cause, never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// With returns a copy with one more detail.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// New builds an error with any status and code.
func New(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// Invalid reports field errors: Invalid("cantidad", "debe ser mayor que cero").
func Invalid(field, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalid, Message: "datos inválidos: " + field + " " + msg,
		Details: map[string]any{field: msg}}
}

// Fields reports several field errors at once; it returns nil when fe is empty
// so callers can write `if err := apperr.Fields(fe); err != nil`.
func Fields(fe map[string]string) error {
	if len(fe) == 0 {
		return nil
	}
	d := make(map[string]any, len(fe))
	for k, v := range fe {
		d[k] = v
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalid, Message: "datos inválidos", Details: d}
}

func BadRequest(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: msg}
}
func Unauthorized(msg string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: msg}
}
func Forbidden(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: msg}
}
func NotFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "no se encontró: " + what}
}
func Conflict(code, msg string) *Error {
	if code == "" {
		code = CodeConflict
	}
	return &Error{Status: http.StatusConflict, Code: code, Message: msg}
}
func Unavailable(code, msg string) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: code, Message: msg}
}

// Wrap marks an unexpected error: the client sees a generic 500, the log the cause.
func Wrap(err error, msg string) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: msg, Err: err}
}

// As extracts an *Error from err.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
