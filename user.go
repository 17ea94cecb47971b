package xentree

import (
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/xtime"
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
