package ai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree/internal/aihttp"
	"github.com/xentree/xentree/internal/xerr"
)

// Upstream describes a failed call to a remote provider, for UpstreamError.
type Upstream struct {
	Provider string      // the provider's human name, used in client-facing messages
	Status   int         // the upstream HTTP status; 0 when no usable response arrived
	Header   http.Header // the upstream response headers, for Retry-After; may be nil
	TimedOut bool        // the provider's own per-call timeout expired
	// Cause is kept as the error's cause, which is logged and never sent.
	// For 401, 402 and 403 it is dropped, because upstreams echo (parts of)
	// the rejected credential in their messages.
	Cause error
	// Secret, the API key, is scrubbed from Cause's text, in case an
	// upstream or a proxy echoes it elsewhere.
	Secret string
}

// Public codes of provider failures.
const (
	CodeProviderUnavailable     = "provider_unavailable"
	CodeProviderRateLimited     = "provider_rate_limited"
	CodeProviderMisconfigured   = "provider_misconfigured"
	CodeProviderRejectedRequest = "provider_rejected_request"
)

// UpstreamError classifies a failed call to a remote provider, so that every
// adapter reports failures the same way:
//
//   - ctx (the caller's context) is done: the context's error, wrapped, so
//     errors.Is(err, context.Canceled) holds;
//   - 429 (after the adapter's retries): RateLimited, with RetryAfter when the
//     upstream said;
//   - 401, 402 and 403: Unavailable "provider_misconfigured", without the
//     upstream text;
//   - any other 4xx but 408 and 409: Invalid "provider_rejected_request";
//   - 5xx, 408, 409, timeouts, network errors, broken streams: Unavailable
//     "provider_unavailable".
func UpstreamError(ctx context.Context, u Upstream) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", u.Provider, err)
	}
	if u.Cause != nil && u.Secret != "" && strings.Contains(u.Cause.Error(), u.Secret) {
		u.Cause = errors.New(strings.ReplaceAll(u.Cause.Error(), u.Secret, "[redacted]"))
	}
	name := quote(u.Provider)
	switch {
	case u.TimedOut:
		// %v, not %w: the expired timer shows as a context error, and callers take errors.Is(err, context.Canceled) to mean that
		// their own caller went away.
		return &xerr.Error{Kind: xerr.Unavailable, Code: CodeProviderUnavailable,
			Message: "AI provider " + name + " did not answer in time", Err: fmt.Errorf("timed out: %v", u.Cause)}
	case u.Status == http.StatusTooManyRequests:
		return &xerr.Error{Kind: xerr.RateLimited, Code: CodeProviderRateLimited,
			Message:    "AI provider " + name + " is rate limiting requests; try again later",
			RetryAfter: retryAfter(u.Header), Err: u.Cause}
	case u.Status == http.StatusUnauthorized || u.Status == http.StatusForbidden ||
		u.Status == http.StatusPaymentRequired: // an unpaid account is the operator's to fix
		return &xerr.Error{Kind: xerr.Unavailable, Code: CodeProviderMisconfigured,
			Message: "AI provider " + name + " refused its API key or account; an operator must check its configuration",
			Err:     errors.New("upstream status " + strconv.Itoa(u.Status))}
	case u.Status >= 400 && u.Status < 500 && u.Status != http.StatusRequestTimeout && u.Status != http.StatusConflict:
		return &xerr.Error{Kind: xerr.Invalid, Code: CodeProviderRejectedRequest,
			Message: "AI provider " + name + " rejected the request", Err: u.Cause}
	default:
		return &xerr.Error{Kind: xerr.Unavailable, Code: CodeProviderUnavailable,
			Message: "AI provider " + name + " is unavailable; try again later", Err: u.Cause}
	}
}

// CallError classifies err, the failure of a call that a remote adapter
// of this module made through its HTTP client (internal/aihttp). ctx is
// the caller's context and call the one the call ran under, derived from
// ctx with the adapter's timeout: when call ended but ctx did not, the
// upstream took longer than timeout. An upstream error status or error
// event (*aihttp.StatusError) gives u its Status and Header; u.Provider and
// u.Secret are the adapter's.
func CallError(ctx, call context.Context, timeout time.Duration, err error, u Upstream) error {
	u.Cause = err
	var se *aihttp.StatusError
	switch {
	case call.Err() != nil && ctx.Err() == nil:
		u.TimedOut = true
		u.Cause = errors.New("no answer within " + timeout.String())
	case errors.As(err, &se):
		u.Status, u.Header = se.Status, se.Header
	}
	return UpstreamError(ctx, u)
}

// retryAfter reads the delays OpenAI and Anthropic send with a 429, in the
// order of preference both use.
func retryAfter(h http.Header) time.Duration {
	d, _ := aihttp.RetryAfter(h, time.Now())
	return d
}
