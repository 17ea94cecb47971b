package xentree

import (
	"slices"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/xtime"
)

// Time is a timestamp that encodes as RFC 3339 UTC with milliseconds.
type Time = xtime.Time

// User is the principal of an Engine call: who is asking, and with what
// authority. It is passed explicitly to every method; the Engine never reads
// it from a context. Authenticate, AuthenticateAPIKey and EnsureUser make one.
type User struct {
	ID        string // the account
	Role      string // auth.RoleUser or auth.RoleAdmin
	SessionID string // the login session, for bearer tokens

	// Set when the call is made with an API key: the key acts as its creator
	// within OrgID, limited to Scopes.
	APIKeyID string
	OrgID    string
	Scopes   []string
}

// IsAdmin reports whether the user administers this Xentree instance.
func (u User) IsAdmin() bool { return u.Role == auth.RoleAdmin }

// Allow reports whether the user may use an endpoint that needs scope: a
// user's own session may use all of them; an API key only those it carries.
// The error is the documented INSUFFICIENT_API_KEY_SCOPE.
func (u User) Allow(scope string) error {
	if u.APIKeyID == "" || slices.Contains(u.Scopes, scope) {
		return nil
	}
	return auth.ErrInsufficientScope(scope, u.Scopes)
}

// sessionOnly refuses API keys on endpoints that accept a user's own
// session only.
func (u User) sessionOnly() error {
	if u.APIKeyID != "" {
		return auth.ErrSessionOnly
	}
	return nil
}
