package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CORSConfig lets browser code on other origins call the API. The zero value
// is closed: no CORS header is ever sent, so browsers keep other origins out,
// and a preflight OPTIONS is answered like any unrouted method (405).
type CORSConfig struct {
	// AllowedOrigins are the origins allowed to call, each exactly as a
	// browser sends it: scheme://host[:port], lower case, no path or
	// trailing slash ("https://app.example.com"). "*" allows any origin; it
	// is answered with a literal "*" and never with credentials. Defaults
	// to none.
	AllowedOrigins []string
	// AllowCredentials lets browsers send cookies or HTTP authentication and
	// read the answer. Bearer tokens and API keys set by the caller's code do
	// not need it. Refused together with "*". Defaults to false.
	AllowCredentials bool
	// MaxAge is how long a browser may reuse a preflight answer. Defaults to
	// 10 minutes.
	MaxAge time.Duration
}

// Validate reports a configuration New would refuse: an entry that is not
// an origin, or "*" together with AllowCredentials, which would let any
// site act with its visitors' credentials.
func (c CORSConfig) Validate() error {
	var errs []error
	for _, o := range c.AllowedOrigins {
		if o == "*" {
			if c.AllowCredentials {
				errs = append(errs, errors.New(`httpapi: CORS origin "*" cannot be combined with AllowCredentials`))
			}
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Scheme+"://"+u.Host != o ||
			o != strings.ToLower(o) || !plainHost(u.Hostname()) {
			errs = append(errs, fmt.Errorf("httpapi: CORS origin %q is not an origin: want scheme://host[:port] in lower case, no path", o))
		}
	}
	return errors.Join(errs...)
}

// plainHost accepts the characters of a DNS name or IP address, so that a
// pattern such as "*.example.com", which browsers never send, is refused
// rather than silently matching nothing.
func plainHost(h string) bool {
	if h == "" {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// Methods and headers a preflight allows: every method a route uses, and the
// request headers the API reads.
const (
	corsMethods       = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders       = "Authorization, Content-Type, X-API-Key, X-Request-ID, Accept"
	corsExposeHeaders = "X-Request-ID, Retry-After"
)

// cors applies a validated CORSConfig; a nil *cors sends nothing.
type cors struct {
	origins     []string
	any         bool
	credentials bool
	maxAge      string
}

func newCORS(c CORSConfig) *cors {
	if len(c.AllowedOrigins) == 0 {
		return nil
	}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 10 * time.Minute
	}
	return &cors{
		origins:     c.AllowedOrigins,
		any:         slices.Contains(c.AllowedOrigins, "*"),
		credentials: c.AllowCredentials,
		maxAge:      strconv.FormatInt(int64(c.MaxAge/time.Second), 10),
	}
}

// apply sets the CORS headers for r and reports whether r was a preflight
// it answered in full. A request from an origin not allowed gets no CORS
// header, so the browser refuses the answer to that origin's code.
func (c *cors) apply(w http.ResponseWriter, r *http.Request) (answered bool) {
	if c == nil {
		return false
	}
	h := w.Header()
	// The answer depends on Origin, so a shared cache must not hand one
	// origin's answer to another.
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	allow := ""
	switch {
	case slices.Contains(c.origins, origin):
		allow = origin
		if c.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	case c.any:
		allow = "*"
	default:
		return false
	}
	h.Set("Access-Control-Allow-Origin", allow)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", corsMethods)
		h.Set("Access-Control-Allow-Headers", corsHeaders)
		h.Set("Access-Control-Max-Age", c.maxAge)
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	return false
}
