package httpapi

import (
	"net/http"
	"net/url"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xerr"
)

func (a *api) authRoutes() []route {
	return []route{
		{Method: "POST", Path: "/api/auth/register", Summary: "Register a new user", Tag: "Authentication",
			Auth: public, Status: 201, Request: auth.RegisterRequest{}, Response: auth.Profile{}, Handle: withClientIP(a, 201, func(r *auth.RegisterRequest, ip string) { r.ClientIP = ip }, a.eng.Register)},
		{Method: "POST", Path: "/api/auth/login", Summary: "Log in and get an access token (form-urlencoded or JSON)", Tag: "Authentication",
			Auth: public, Status: 200, Request: auth.LoginRequest{}, Response: auth.TokenResponse{}, Form: true, Handle: a.login},
		{Method: "POST", Path: "/api/auth/refresh", Summary: "Refresh an access token (the refresh token is rotated)", Tag: "Authentication",
			Auth: public, Status: 200, Request: auth.RefreshRequest{}, Response: auth.TokenResponse{}, Handle: withClientIP(a, 200, func(r *auth.RefreshRequest, ip string) { r.ClientIP = ip }, a.eng.Refresh)},
		{Method: "POST", Path: "/api/auth/logout", Summary: "Log out the current session", Tag: "Authentication",
			Auth: bearerOnly, Status: 204, Request: auth.LogoutRequest{}, Handle: a.logout},
		{Method: "GET", Path: "/api/auth/me", Summary: "Get the current authenticated user", Tag: "Authentication",
			Auth: bearerOnly, Status: 200, Response: auth.Profile{}, Handle: a.me},
		{Method: "PATCH", Path: "/api/auth/me", Summary: "Update the current authenticated user", Tag: "Authentication",
			Auth: bearerOnly, Status: 200, Request: auth.UpdateMeRequest{}, Response: auth.Profile{}, Handle: withBody(200, false, a.eng.UpdateMe)},
	}
}

func (a *api) login(w http.ResponseWriter, r *http.Request, _ xentree.User) error {
	var req auth.LoginRequest
	if mediaType(r) == "application/x-www-form-urlencoded" {
		b, err := readBody(r)
		if err != nil {
			return err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return errInvalid("malformed form body")
		}
		for _, f := range []string{"username", "password"} {
			if len(form[f]) > 1 { // which one would be meant? (a JSON body's last wins, a form's first)
				return xerr.InvalidField(f, "must be given once")
			}
		}
		req.Username, req.Password = form.Get("username"), form.Get("password")
	} else if err := decodeJSON(r, &req, false); err != nil {
		return wantJSONOr(err, "application/x-www-form-urlencoded")
	}
	req.ClientIP = a.clientIP(r)
	tok, err := a.eng.Login(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tok)
	return nil
}

func (a *api) logout(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	var req auth.LogoutRequest
	if err := decodeJSON(r, &req, true); err != nil {
		return err
	}
	if err := a.eng.Logout(r.Context(), u, req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) me(w http.ResponseWriter, r *http.Request, u xentree.User) error {
	p, err := a.eng.Me(r.Context(), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
