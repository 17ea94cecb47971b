package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xerr"
)

// authMode says who may call a route.
type authMode int

const (
	public     authMode = iota // no credentials
	bearer                     // a user's access token, or an API key carrying the route's Scope
	bearerOnly                 // a user's access token only, never an API key
)

// route declares one endpoint: the mux, the auth check and the OpenAPI
// document are all built from it.
type route struct {
	Method   string
	Path     string // ServeMux pattern, e.g. /api/core/conversations/{conversation_id}
	Summary  string
	Tag      string
	Auth     authMode
	Scope    string            // the API key scope the route requires, "" if keys may not call it
	Status   int               // success status
	Request  any               // a value of the request body type, nil if none
	Response any               // a value of the response body type, nil if none
	Form     bool              // also accepts application/x-www-form-urlencoded
	Upload   bool              // also accepts multipart/form-data with a file part
	Stream   bool              // also answers text/event-stream (Server-Sent Events)
	CSV      bool              // also answers text/csv
	MaxBody  int64             // the body limit, if not Limits.MaxBodyBytes
	Admin    bool              // instance admins only
	Query    []string          // query parameters, for the OpenAPI document
	Required []string          // those of Query the route cannot do without
	QueryDoc map[string]string // descriptions of query parameters, where the generic one would mislead
	Headers  map[string]string // optional request headers the route reads, with their descriptions
	Handle   handler
}

// observeStatus, when set, sees the status of every answer a route gives.
// Only this package's TestMain sets it, before any test runs: it checks
// each 4xx against the statuses the OpenAPI document lists.
var observeStatus func(rt route, status int)

// handler serves one route for an authenticated (or public) caller; an
// error it returns is written by the one error writer.
type handler func(w http.ResponseWriter, r *http.Request, u xentree.User) error

// routes is the whole API, one table per area.
func (a *api) routes() []route {
	var rs []route
	rs = append(rs, a.opsRoutes()...)
	rs = append(rs, a.authRoutes()...)
	rs = append(rs, a.conversationRoutes()...)
	rs = append(rs, a.liveRoutes()...)
	rs = append(rs, a.orgRoutes()...)
	rs = append(rs, a.apiKeyRoutes()...)
	rs = append(rs, a.knowledgeRoutes()...)
	rs = append(rs, a.integrationRoutes()...)
	rs = append(rs, a.xelRoutes()...)
	rs = append(rs, a.adminStatsRoutes()...)
	return rs
}

// wrap authenticates the caller as the route demands, runs the handler and
// writes any error it returns.
func (a *api) wrap(rt route) http.Handler {
	limit := a.eng.Config().Limits.MaxBodyBytes // read once, not per request
	if rt.MaxBody > 0 {
		limit = rt.MaxBody
	}
	name := rt.Method + " " + rt.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.metrics != nil || observeStatus != nil {
			start := time.Now()
			defer func() {
				status := http.StatusOK
				if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
					status = sw.status
				}
				if a.metrics != nil {
					a.metrics.observe(name, status, time.Since(start))
				}
				if observeStatus != nil {
					observeStatus(rt, status)
				}
			}()
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var u xentree.User
		if rt.Auth != public {
			var err error
			if u, err = a.authenticate(r); err != nil {
				a.writeError(w, r, err)
				return
			}
			// Scope first, before the body is even read: a key without it
			// learns nothing else about the request.
			if err := keyAllowed(rt, u); err != nil {
				a.writeError(w, r, err)
				return
			}
			if rt.Admin && !u.IsAdmin() {
				a.writeError(w, r, xerr.New(xerr.Forbidden, "administrators only"))
				return
			}
		}
		// A body declared over the limit is refused before any of it is
		// read (it used to be read up to the limit first, or waited for).
		if r.ContentLength > limit {
			a.writeError(w, r, &xerr.Error{Kind: xerr.TooLarge, Message: "request body exceeds " + strconv.FormatInt(limit, 10) + " bytes"})
			return
		}
		if err := rt.Handle(w, r, u); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// authenticate reads the bearer token, or, when there is no Authorization
// header, the X-API-Key.
func (a *api) authenticate(r *http.Request) (xentree.User, error) {
	if a.cfg.Authenticate != nil {
		if u, ok, err := a.cfg.Authenticate(r); err != nil || ok {
			return u, err
		}
	}
	h := r.Header.Get("Authorization")
	if key := r.Header.Get("X-API-Key"); h == "" && key != "" {
		return a.eng.AuthenticateAPIKey(r.Context(), key, a.clientIP(r))
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return xentree.User{}, xerr.New(xerr.Unauthenticated, "missing bearer token or API key")
	}
	return a.eng.Authenticate(r.Context(), strings.TrimSpace(tok))
}

func (a *api) opsRoutes() []route {
	var rs []route
	if a.metrics != nil {
		rs = append(rs, route{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics (only when enabled)", Tag: "Operations",
			Auth: public, Status: 200,
			Handle: func(w http.ResponseWriter, r *http.Request, _ xentree.User) error {
				a.metrics.handler().ServeHTTP(w, r)
				return nil
			}})
	}
	return append(rs, []route{
		{Method: "GET", Path: "/healthz", Summary: "Health check: 200 when the database and index answer, 503 when either does not", Tag: "Operations",
			Auth: public, Status: 200, Response: health{},
			Handle: func(w http.ResponseWriter, r *http.Request, _ xentree.User) error {
				store := a.eng.Store()
				if err := a.eng.Health(r.Context()); err != nil {
					return xerr.WithDetail(err, "store", store)
				}
				writeJSON(w, http.StatusOK, health{Status: "ok", Store: store, Database: "ok"})
				return nil
			}},
		{Method: "GET", Path: "/api/openapi.json", Summary: "This API as an OpenAPI 3.1 document", Tag: "Operations",
			Auth: public, Status: 200,
			Handle: func(w http.ResponseWriter, r *http.Request, _ xentree.User) error {
				writeJSON(w, http.StatusOK, a.openAPI())
				return nil
			}},
	}...)
}

// health is /healthz's answer. An alias of an unnamed struct, so that the
// OpenAPI document shows it inline.
type health = struct {
	Status   string `json:"status"`   // "ok"
	Store    string `json:"store"`    // "postgres" or "sqlite"
	Database string `json:"database"` // "ok": the database answered
}

// withBody is the shape of most write routes: decode the JSON body into a
// Req, call the engine, answer with status. optional allows an empty body.
func withBody[Req, Resp any](status int, optional bool, call func(context.Context, xentree.User, Req) (Resp, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, u xentree.User) error {
		var req Req
		if err := decodeJSON(r, &req, optional); err != nil {
			return err
		}
		resp, err := call(r.Context(), u, req)
		if err != nil {
			return err
		}
		writeJSON(w, status, resp)
		return nil
	}
}

// paged is the shape of list routes: limit and cursor from the query, plus
// what arg reads from the request (a path value, a filter).
func paged[Resp any](arg func(*http.Request) string, call func(context.Context, xentree.User, string, xentree.Page) (Resp, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, u xentree.User) error {
		p, err := pageOf(r)
		if err != nil {
			return err
		}
		resp, err := call(r.Context(), u, arg(r), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, resp)
		return nil
	}
}

// pathValue returns an arg reader for a path parameter.
func pathValue(name string) func(*http.Request) string {
	return func(r *http.Request) string { return r.PathValue(name) }
}

// withClientIP is withBody for the public routes the Engine throttles per
// client address (register, refresh): the address is not in the body, so
// it is set on the decoded request before the call.
func withClientIP[Req, Resp any](a *api, status int, setIP func(*Req, string), call func(context.Context, Req) (Resp, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, u xentree.User) error {
		ip := a.clientIP(r)
		return withBody(status, false, func(ctx context.Context, _ xentree.User, req Req) (Resp, error) {
			setIP(&req, ip)
			return call(ctx, req)
		})(w, r, u)
	}
}

// keyAllowed applies the route's API key rule: bearer-only routes refuse
// keys, the others need the route's scope.
func keyAllowed(rt route, u xentree.User) error {
	if u.APIKeyID == "" {
		return nil
	}
	if rt.Auth == bearerOnly || rt.Scope == "" {
		return auth.ErrSessionOnly
	}
	return u.Allow(rt.Scope)
}

// noBody is the request type of onPath routes that read no body.
type noBody = struct{}

// onPath is the shape of routes on a resource path: the named path values,
// a JSON body unless Req is noBody, one engine call; 204 answers no body.
func onPath[Req, Resp any](status int, names []string, call func(context.Context, xentree.User, []string, Req) (Resp, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, u xentree.User) error {
		var req Req
		if _, none := any(req).(noBody); !none {
			if err := decodeJSON(r, &req, false); err != nil {
				return err
			}
		}
		vals := make([]string, len(names))
		for i, n := range names {
			vals[i] = r.PathValue(n)
		}
		resp, err := call(r.Context(), u, vals, req)
		if err != nil {
			return err
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return nil
		}
		writeJSON(w, status, resp)
		return nil
	}
}

// queryValue returns an arg reader for a query parameter.
func queryValue(name string) func(*http.Request) string {
	return func(r *http.Request) string { return r.URL.Query().Get(name) }
}

// reply is the shape of routes whose engine call reads only the request
// (query, path) and the caller: it answers 200 with the result as JSON.
func reply[T any](call func(r *http.Request, u xentree.User) (T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, u xentree.User) error {
		v, err := call(r, u)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}
