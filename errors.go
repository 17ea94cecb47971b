package xentree

import "github.com/xentree/xentree/internal/xerr"

// Error is the error type of every Engine method. Its Kind decides the HTTP
// status; Code is the public error code; Message is safe to show.
type Error = xerr.Error

// Kind classifies an Error.
type Kind = xerr.Kind

// The error kinds. The zero Kind is KindInternal.
const (
	KindInternal         = xerr.Internal
	KindInvalid          = xerr.Invalid
	KindUnauthenticated  = xerr.Unauthenticated
	KindForbidden        = xerr.Forbidden
	KindNotFound         = xerr.NotFound
	KindConflict         = xerr.Conflict
	KindQuota            = xerr.Quota
	KindRateLimited      = xerr.RateLimited
	KindTooLarge         = xerr.TooLarge
	KindUnavailable      = xerr.Unavailable
	KindUnsupported      = xerr.Unsupported
	KindMethodNotAllowed = xerr.MethodNotAllowed
)

// KindOf returns err's kind: KindUnavailable for context.Canceled and
// context.DeadlineExceeded (a caller gone or out of time), KindInternal for
// nil and other errors Xentree did not classify.
func KindOf(err error) Kind { return xerr.KindOf(err) }

// ErrorCode returns err's public code ("not_found", "live_quota_exceeded", ...).
func ErrorCode(err error) string { return xerr.CodeOf(err) }
