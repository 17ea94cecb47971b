// Package httpapi adapts the Xentree Engine to the REST contract: it decodes
// a request, calls one Engine method, and encodes the answer or the error.
// Authorization lives in the Engine, not here.
//
// Every route is declared once in a table (routes.go) from which both the
// ServeMux and the OpenAPI document are built, so the two cannot drift.
//
//	eng, _ := xentree.Open(ctx, xentree.Config{Dir: "data"})
//	http.ListenAndServe("127.0.0.1:8080", httpapi.New(eng, httpapi.Config{}))
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
)

// Config configures the HTTP adapter. Zero values take the defaults named.
type Config struct {
	// Logger receives access and error logs. Defaults to the Engine's logger.
	Logger *slog.Logger
	// AccessLog logs one line per request at Info level. Defaults to false.
	AccessLog bool
	// Authenticate, when set, is asked first who is calling, so an
	// application that mounts the API behind its own authentication can pass
	// its user (typically from Engine.EnsureUser). ok false falls back to
	// bearer tokens and API keys; an error is written as the response.
	Authenticate func(r *http.Request) (u xentree.User, ok bool, err error)
	// Metrics serves GET /metrics in the Prometheus text format: requests
	// by route and status, latency histograms, AI provider calls and
	// tokens, search index lag, active Live sessions, Go runtime. Off by
	// default; the route needs no credentials, so expose it only where
	// scrapers, not the public, can reach it.
	Metrics bool
	// TrustProxyHeaders takes the client address from X-Forwarded-For, for
	// deployments behind a reverse proxy. Defaults to false (the peer address).
	TrustProxyHeaders bool
	// CORS lets browser code on the origins it lists call the API. Defaults
	// to closed: no CORS headers.
	CORS CORSConfig
	// MaxConcurrentUploads bounds the document uploads whose bodies are
	// read at once, each held in memory whole; more wait (unread) for a
	// turn, and one account has at most 2 read at once. Defaults to 8.
	MaxConcurrentUploads int
	// UploadStallTimeout cuts off an upload that sends less than 64 KiB in
	// this long (503), so that a stalled client gives its slot back.
	// Defaults to 10 s.
	UploadStallTimeout time.Duration
	// UploadReadTimeout bounds the reading of one upload's body, from its
	// turn to read (503 past it). Defaults to 2 minutes.
	UploadReadTimeout time.Duration
}

type api struct {
	eng *xentree.Engine
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
	// uploads bounds the document upload bodies read at once.
	uploads *uploadGate

	openAPIOnce sync.Once
	openAPIDoc  map[string]any
	metrics     *metrics // nil unless Config.Metrics
	cors        *cors    // nil unless Config.CORS lists origins
}

// New returns the REST API as an http.Handler. It panics if cfg.CORS is
// invalid (see CORSConfig.Validate): a mistyped origin would otherwise fail
// only in browsers, and "*" with credentials would open every account to
// every site.
func New(eng *xentree.Engine, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = eng.Config().Logger
	}
	if cfg.MaxConcurrentUploads <= 0 {
		cfg.MaxConcurrentUploads = 8
	}
	if cfg.UploadStallTimeout <= 0 {
		cfg.UploadStallTimeout = 10 * time.Second
	}
	if cfg.UploadReadTimeout <= 0 {
		cfg.UploadReadTimeout = 2 * time.Minute
	}
	a := &api{eng: eng, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), cors: newCORS(cfg.CORS),
		uploads: newUploadGate(cfg.MaxConcurrentUploads)}
	if cfg.Metrics {
		a.metrics = newMetrics(eng)
	}
	// paths knows each path's methods, so a wrong method gets 405 and an
	// Allow header instead of falling through to the catch-all 404.
	paths := http.NewServeMux()
	allow := map[string][]string{}
	for _, rt := range a.routes() {
		a.mux.Handle(rt.Method+" "+rt.Path, a.wrap(rt))
		if allow[rt.Path] == nil {
			path := rt.Path
			paths.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", strings.Join(allow[path], ", "))
				a.writeError(w, r, &xerr.Error{Kind: xerr.MethodNotAllowed, Message: "method not allowed"})
			})
		}
		allow[rt.Path] = append(allow[rt.Path], rt.Method)
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := paths.Handler(r); pattern != "" {
			h.ServeHTTP(w, r)
			return
		}
		a.writeError(w, r, &xerr.Error{Kind: xerr.NotFound, Code: "route_not_found", Message: "no such route"})
	})
	return a.middleware(a.cleanPaths(a.mux))
}

// cleanPaths answers a path with "//", "/./" or "/../" in it as no route,
// in JSON like every answer. ServeMux would redirect it to the clean path
// with an HTML 307, which most clients follow re-sending a POST's body.
func (a *api) cleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect { // ServeMux answers it in plain text
			a.writeError(w, r, &xerr.Error{Kind: xerr.MethodNotAllowed, Message: "method not allowed"})
			return
		}
		if p := r.URL.Path; strings.HasPrefix(p, "/") && path.Clean(p) != strings.TrimSuffix(p, "/") && p != "/" {
			a.writeError(w, r, &xerr.Error{Kind: xerr.NotFound, Code: "route_not_found", Message: "no such route"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const requestIDKey ctxKey = 0

func requestID(r *http.Request) string {
	s, _ := r.Context().Value(requestIDKey).(string)
	return s
}

// validRequestID accepts a client's id only if it is short and plain, so it
// cannot inject into logs or headers.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// statusWriter records the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (SSE) flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware adds the request id, security headers, CORS, panic recovery
// and the access log around every request.
func (a *api) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = ids.New()
		}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		h := w.Header()
		h.Set("X-Request-ID", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.Error("panic", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					a.writeError(sw, r, xerr.New(xerr.Internal, "internal error"))
				}
			}
			if a.cfg.AccessLog {
				a.log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path,
					"status", sw.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
			}
		}()
		if a.cors.apply(sw, r) {
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// clientIP is the peer address, or, when the deployment says a trusted
// proxy sets it, the last X-Forwarded-For entry: the one that proxy
// appended. Earlier entries come from the client and prove nothing.
func (a *api) clientIP(r *http.Request) string {
	if a.cfg.TrustProxyHeaders {
		if xff := strings.Join(r.Header.Values("X-Forwarded-For"), ","); xff != "" {
			entries := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(entries[len(entries)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
