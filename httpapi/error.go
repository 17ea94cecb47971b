package httpapi

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
func (a *api) errorBody(r *http.Request, err error) (int, map[string]errorDetail) {
	e := xerr.As(err)
	if e == nil {
		e = &xerr.Error{Kind: xerr.KindOf(err), Err: err}
		if e.Kind == xerr.Unavailable {
			e.Message = "request cancelled or timed out"
		}
	}
	status := StatusOf(e)
	detail := errorDetail{{"error", e.PublicCode()}}
	msg := e.Message
	if e.Kind == xerr.Internal {
		msg = "internal error"
		a.log.ErrorContext(r.Context(), "internal error", "request_id", requestID(r), "method", r.Method,
			"path", r.URL.Path, "err", err)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	detail = append(detail, keyValue{"message", msg})
	if e.Field != "" {
		detail = append(detail, keyValue{"field", e.Field})
	}
	extra := slices.SortedFunc(maps.Keys(e.Details), func(a, b string) int {
		return cmp.Or(cmp.Compare(detailRank(a), detailRank(b)), strings.Compare(a, b))
	})
	for _, k := range extra {
		if k != "error" && k != "message" && k != "field" {
			detail = append(detail, keyValue{k, e.Details[k]})
		}
	}
	return status, map[string]errorDetail{"detail": detail}
}

// errorDetail is the envelope's object, its keys in a fixed order: error,
// message, field, then the details, the documented ones in the contract's
// order (required_scope, granted_scopes) and any others by name. JSON
// objects have no order, but clients compare the contract's examples as
// text.
type errorDetail []keyValue

type keyValue struct {
	key   string
	value any
}

// detailRank places the details the contract shows in its order.
func detailRank(k string) int {
	switch k {
	case "required_scope":
		return 0
	case "granted_scopes":
		return 1
	}
	return 2
}

func (d errorDetail) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, kv := range d {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(kv.key)
		v, err := json.Marshal(kv.value)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}
