// Package xerr defines the one error type of Xentree: a kind that decides the
// HTTP status, a stable public code, a message safe to show to a client and,
// for internal errors only, the cause that is logged but never sent.
//
// It is a leaf package (standard library only) so that every layer can use it;
// the root package re-exports it with type aliases.
package xerr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error. The zero Kind is Internal, so an error that was
// never classified is treated as a server fault, never as the caller's.
type Kind uint8

const (
	Internal         Kind = iota // unexpected: logged with its cause, generic message to clients
	Invalid                      // the request is malformed or breaks a rule
	Unauthenticated              // no, bad, expired or revoked credentials
	Forbidden                    // authenticated but not allowed
	NotFound                     // missing, or not visible to the caller
	Conflict                     // a unique value is taken, or the state forbids the change
	Quota                        // a metered allowance is used up
	RateLimited                  // too many attempts; RetryAfter says when to come back
	TooLarge                     // a body or field exceeds its limit
	Unavailable                  // a dependency (disk, provider, index) cannot serve now
	Unsupported                  // the request's media type is not accepted
	MethodNotAllowed             // the route exists, but not with this method
)

var kindNames = [...]string{
	Internal:         "internal",
	Invalid:          "invalid",
	Unauthenticated:  "unauthenticated",
	Forbidden:        "forbidden",
	NotFound:         "not_found",
	Conflict:         "conflict",
	Quota:            "quota",
	RateLimited:      "rate_limited",
	TooLarge:         "too_large",
	Unavailable:      "unavailable",
	Unsupported:      "unsupported",
	MethodNotAllowed: "method_not_allowed",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// defaultCodes are the public codes used when an error does not name its own.
var defaultCodes = [...]string{
	Internal:         "internal",
	Invalid:          "invalid_request",
	Unauthenticated:  "unauthenticated",
	Forbidden:        "forbidden",
	NotFound:         "not_found",
	Conflict:         "conflict",
	Quota:            "quota_exceeded",
	RateLimited:      "rate_limited",
	TooLarge:         "payload_too_large",
	Unavailable:      "unavailable",
	Unsupported:      "unsupported_media_type",
	MethodNotAllowed: "method_not_allowed",
}

// Error is the error type every Xentree layer returns.
type Error struct {
	Kind    Kind
	Code    string         // public code, e.g. "live_quota_exceeded"; defaults by kind
	Message string         // safe for clients
	Field   string         // the JSON field at fault, for Invalid and TooLarge
	Details map[string]any // extra public fields of the error body

	// RetryAfter tells a RateLimited caller when to try again.
	RetryAfter time.Duration
	// Err is the cause; it is logged for Internal errors and never sent.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// PublicCode returns Code, or the kind's default code.
func (e *Error) PublicCode() string {
	if e.Code != "" {
		return e.Code
	}
	if int(e.Kind) < len(defaultCodes) {
		return defaultCodes[e.Kind]
	}
	return "internal"
}

// CodeOf returns err's public code: PublicCode, or "internal" for an error
// Xentree did not classify.
func CodeOf(err error) string {
	if e := As(err); e != nil {
		return e.PublicCode()
	}
	return "internal"
}

// New returns an error of kind k with a client-safe message.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// Newf is New with formatting.
func Newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// WithField sets the JSON field at fault and returns e.
func (e *Error) WithField(field string) *Error {
	e.Field = field
	return e
}

// InvalidField reports a validation failure of one JSON field.
func InvalidField(field, msg string) *Error {
	return &Error{Kind: Invalid, Field: field, Message: msg}
}

// Wrap classifies a cause. The message must be safe to show to a client.
func Wrap(k Kind, err error, msg string) *Error {
	return &Error{Kind: k, Message: msg, Err: err}
}

// Internalf wraps an unexpected failure; its text never reaches a client.
func Internalf(err error, format string, args ...any) *Error {
	return &Error{Kind: Internal, Message: "internal error", Err: fmt.Errorf(format+": %w", append(args, err)...)}
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf returns the kind of err: Internal for an unclassified error, and
// Unavailable for a cancelled or timed-out context.
func KindOf(err error) Kind {
	if err == nil {
		return Internal
	}
	if e := As(err); e != nil {
		return e.Kind
	}
	if errors.Is(err, errContextCanceled) || errors.Is(err, errDeadline) {
		return Unavailable
	}
	return Internal
}

// Is reports whether err has kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// WithDetail returns a copy of a classified error with one more public
// detail (the error may be shared, so it is not changed); an unclassified
// one is returned as it is.
func WithDetail(err error, key string, value any) error {
	e := As(err)
	if e == nil {
		return err
	}
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}
