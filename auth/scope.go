package auth

import (
	"slices"

	"github.com/xentree/xentree/internal/xerr"
)

// API key scopes, exactly as the REST contract spells them. A route needs
// one scope; a scope grants nothing else (write does not imply read), so a
// key holder can always tell from the key what it may do.
const (
	ScopeConversationsRead  = "conversations:read"
	ScopeConversationsWrite = "conversations:write"
	ScopeRAGRead            = "rag:read"
	ScopeRAGWrite           = "rag:write"
	ScopeQuizRead           = "quiz:read"
	ScopeQuizWrite          = "quiz:write"
	ScopeLiveRead           = "live:read"
	ScopeLiveWrite          = "live:write"
	ScopeOrganizationsRead  = "organizations:read"
	ScopeOrganizationsWrite = "organizations:write"
	ScopeIntegrationsRead   = "integrations:read"
	ScopeIntegrationsWrite  = "integrations:write"
	ScopeXELRead            = "xel:read"
	ScopeXELWrite           = "xel:write"
	ScopeAPIRead            = "api:read"
	ScopeAPIWrite           = "api:write"
	ScopeAPIAdmin           = "api:admin"
)

// Scopes lists every scope a key may carry.
var Scopes = []string{
	ScopeConversationsRead, ScopeConversationsWrite, ScopeRAGRead, ScopeRAGWrite,
	ScopeQuizRead, ScopeQuizWrite, ScopeLiveRead, ScopeLiveWrite,
	ScopeOrganizationsRead, ScopeOrganizationsWrite, ScopeIntegrationsRead, ScopeIntegrationsWrite,
	ScopeXELRead, ScopeXELWrite, ScopeAPIRead, ScopeAPIWrite, ScopeAPIAdmin,
}

// ValidScope reports whether s is a known scope.
func ValidScope(s string) bool { return slices.Contains(Scopes, s) }

// CodeInsufficientScope is the documented error code of a key that lacks
// the scope a route needs.
const CodeInsufficientScope = "INSUFFICIENT_API_KEY_SCOPE"

// ErrInsufficientScope is the documented 403 for a key without the scope:
// its body names the scope required and the scopes granted.
func ErrInsufficientScope(required string, granted []string) error {
	if granted == nil {
		granted = []string{}
	}
	return &xerr.Error{Kind: xerr.Forbidden, Code: CodeInsufficientScope,
		Message: "API key lacks required scope for this endpoint",
		Details: map[string]any{"required_scope": required, "granted_scopes": granted}}
}

// ErrSessionOnly refuses an API key on a route that accepts a user's own
// session only (key management, the profile).
var ErrSessionOnly = &xerr.Error{Kind: xerr.Forbidden, Code: "api_key_not_allowed",
	Message: "this endpoint accepts a user session (bearer token) only, not an API key"}
