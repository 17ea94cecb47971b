package client

import "github.com/xentree/xentree/internal/xerr"

// Error is the error of every API call, over REST or in process. It is the
// type xentree.Error, so a program may use either package's helpers; a
// REST-only program uses these and does not link the engine.
type Error = xerr.Error

// Kind classifies an Error: the type xentree.Kind.
type Kind = xerr.Kind

// The error kinds, the same values as package xentree's. The zero Kind is
// KindInternal.
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

// KindOf returns err's kind: KindUnavailable for a server that did not
// answer (a network failure) or a cancelled context, KindInternal for nil
// and other errors Xentree did not classify.
func KindOf(err error) Kind { return xerr.KindOf(err) }

// ErrorCode returns err's public code ("not_found", "live_quota_exceeded",
// ...), or "internal".
func ErrorCode(err error) string { return xerr.CodeOf(err) }
