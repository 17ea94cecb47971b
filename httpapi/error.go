package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/xentree/xentree/internal/xerr"
)

// statusByKind is the only place that turns an error kind into an HTTP status.
var statusByKind = map[xerr.Kind]int{
	xerr.Internal:         http.StatusInternalServerError,
	xerr.Invalid:          http.StatusBadRequest,
	xerr.Unauthenticated:  http.StatusUnauthorized,
	xerr.Forbidden:        http.StatusForbidden,
	xerr.NotFound:         http.StatusNotFound,
	xerr.Conflict:         http.StatusConflict,
	xerr.Quota:            http.StatusTooManyRequests,
	xerr.RateLimited:      http.StatusTooManyRequests,
	xerr.TooLarge:         http.StatusRequestEntityTooLarge,
	xerr.Unavailable:      http.StatusServiceUnavailable,
	xerr.Unsupported:      http.StatusUnsupportedMediaType,
	xerr.MethodNotAllowed: http.StatusMethodNotAllowed,
}

// StatusOf returns the HTTP status for an error's kind.
func StatusOf(err error) int {
	if s, ok := statusByKind[xerr.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// writeError writes the {"detail": {...}} envelope with the kind's status.
func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := xerr.As(err)
	if e != nil && e.RetryAfter > 0 {
		secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	status, body := a.errorBody(r, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="xentree"`)
	}
	writeJSON(w, status, body)
}

// errorBody builds the envelope. Only internal errors are logged with their
// cause; their message to the client is generic.
func (a *api) errorBody(r *http.Request, err error) (int, map[string]any) {
	e := xerr.As(err)
	if e == nil {
		e = &xerr.Error{Kind: xerr.KindOf(err), Err: err}
		if e.Kind == xerr.Unavailable {
			e.Message = "request cancelled or timed out"
		}
	}
	status := StatusOf(e)
	detail := make(map[string]any, 3+len(e.Details))
	for k, v := range e.Details {
		detail[k] = v
	}
	detail["error"] = e.PublicCode()
	msg := e.Message
	if e.Kind == xerr.Internal {
		msg = "internal error"
		a.log.ErrorContext(r.Context(), "internal error", "request_id", requestID(r), "method", r.Method,
			"path", r.URL.Path, "err", err)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	detail["message"] = msg
	if e.Field != "" {
		detail["field"] = e.Field
	}
	return status, map[string]any{"detail": detail}
}
