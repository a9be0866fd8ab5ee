package domain

import (
	"errors"
	"fmt"
)

// Error codes: the small set the HTTP edge maps to statuses (docs/rules.md §26).
const (
	EInvalid      = "invalid"      // bad input: 400/422, message shown next to the field
	ENotFound     = "not_found"    // missing or outside the caller's scope: 404
	EConflict     = "conflict"     // stale version, duplicate, wrong state: 409
	EUnauthorized = "unauthorized" // not logged in / not allowed: 401 (or 404 to hide)
	EUnavailable  = "unavailable"  // the database does not answer (in time): 503
	EInternal     = "internal"     // anything unexpected: 500, logged once
)

// Error is a coded error with a French message meant for users. Field names
// the form field the message is about, when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf builds a coded error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an "invalid" error about one form field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing French message of err, or a generic
// one for internal errors (their details are logged, never shown).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Une erreur inattendue est survenue. Réessayez dans un instant ; si elle persiste, contactez le support."
}

// IsNotFound reports whether err is a not_found error.
func IsNotFound(err error) bool { return ErrorCode(err) == ENotFound }
