package httpapi

import (
	"net/http"
	"strings"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/internal/xerr"
)

// authMode says who may call a route.
type authMode int

const (
	public     authMode = iota // no credentials
	bearer                     // a user's access token (API keys join with the organizations work)
	bearerOnly                 // an access token only, never an API key
)

// route declares one endpoint: the mux, the auth check and the OpenAPI
// document are all built from it.
type route struct {
	Method   string
	Path     string // ServeMux pattern, e.g. /api/core/conversations/{conversation_id}
	Summary  string
	Tag      string
	Auth     authMode
	Scope    string   // the API key scope the route requires, "" if keys may not call it
	Status   int      // success status
	Request  any      // a value of the request body type, nil if none
	Response any      // a value of the response body type, nil if none
	Form     bool     // also accepts application/x-www-form-urlencoded
	Admin    bool     // instance admins only
	Query    []string // query parameters, for the OpenAPI document
	Handle   handler
}

// handler serves one route for an authenticated (or public) caller; an
// error it returns is written by the one error writer.
type handler func(w http.ResponseWriter, r *http.Request, u xentree.User) error

// routes is the whole API, one table per area.
func (a *api) routes() []route {
	var rs []route
	rs = append(rs, a.opsRoutes()...)
	rs = append(rs, a.authRoutes()...)
	rs = append(rs, a.conversationRoutes()...)
	return rs
}

// wrap authenticates the caller as the route demands, runs the handler and
// writes any error it returns.
func (a *api) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := a.eng.Config().Limits.MaxBodyBytes
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var u xentree.User
		if rt.Auth != public {
			var err error
			if u, err = a.authenticate(r); err != nil {
				a.writeError(w, r, err)
				return
			}
			if rt.Admin && !u.IsAdmin() {
				a.writeError(w, r, xerr.New(xerr.Forbidden, "administrators only"))
				return
			}
		}
		if err := rt.Handle(w, r, u); err != nil {
			a.writeError(w, r, err)
		}
	})
}

func (a *api) authenticate(r *http.Request) (xentree.User, error) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return xentree.User{}, xerr.New(xerr.Unauthenticated, "missing bearer token")
	}
	return a.eng.Authenticate(r.Context(), strings.TrimSpace(tok))
}

func (a *api) opsRoutes() []route {
	return []route{
		{Method: "GET", Path: "/healthz", Summary: "Health check: 200 when the store and index answer", Tag: "Operations",
			Auth: public, Status: 200, Response: map[string]string{},
			Handle: func(w http.ResponseWriter, r *http.Request, _ xentree.User) error {
				if err := a.eng.Health(r.Context()); err != nil {
					return err
				}
				writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
				return nil
			}},
		{Method: "GET", Path: "/api/openapi.json", Summary: "This API as an OpenAPI 3.1 document", Tag: "Operations",
			Auth: public, Status: 200,
			Handle: func(w http.ResponseWriter, r *http.Request, _ xentree.User) error {
				writeJSON(w, http.StatusOK, a.openAPI())
				return nil
			}},
	}
}
