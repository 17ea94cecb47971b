// Package integration holds the integrations domain: a user's connections
// to third-party services (Google Calendar, over the user's own OAuth
// grant), calendar events, and integration tokens, the short-lived RS256
// JWTs a tenant (an organization, or a user for their own profile and
// quota) hands to a partner site that embeds Xentree. It holds types and the pure rules that validate them; the Engine
// does the OAuth exchanges, encryption and storage.
package integration

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/textrule"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xtime"
)

// ProviderGoogleCalendar is the one third-party integration so far.
const ProviderGoogleCalendar = "google_calendar"

// Statuses of a connected integration.
const (
	StatusActive      = "active"
	StatusNeedsReauth = "needs_reauth" // the grant was revoked or expired: connect again
)

// GoogleScopes are the only scopes Xentree asks Google for: read the
// primary calendar (its id is the account's email) and manage events.
var GoogleScopes = []string{
	"https://www.googleapis.com/auth/calendar.readonly",
	"https://www.googleapis.com/auth/calendar.events",
}

// Integration is a user's connection to a provider.
type Integration struct {
	Provider     string     `json:"provider"`
	Status       string     `json:"status"`
	AccountEmail string     `json:"account_email,omitempty"`
	Scopes       []string   `json:"scopes"`
	ConnectedAt  xtime.Time `json:"connected_at"`
}

// AuthorizeRequest starts the OAuth flow. RedirectURI, when set, must be
// one the server is configured with.
type AuthorizeRequest struct {
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// AuthorizeResponse is where to send the user, and the state the callback
// must bring back.
type AuthorizeResponse struct {
	AuthorizationURL string `json:"authorization_url"`
	State            string `json:"state"`
}

// CallbackRequest is what the provider's redirect carried: code and state,
// or error (e.g. access_denied).
type CallbackRequest struct {
	Code  string
	State string
	Error string
}

// Validate checks the shape of a callback.
func (r CallbackRequest) Validate() error {
	switch {
	case r.State == "" || len(r.State) > 200:
		return xerr.InvalidField("state", "is required")
	case r.Error == "" && (r.Code == "" || len(r.Code) > 2048):
		return xerr.InvalidField("code", "is required")
	case len(r.Error) > 200:
		return xerr.InvalidField("error", "is too long")
	}
	return nil
}

// Event is a calendar event as a client needs it.
type Event struct {
	ID          string `json:"id"`
	Summary     string `json:"summary"`
	Description string `json:"description,omitempty"`
	Location    string `json:"location,omitempty"`
	Start       string `json:"start"` // RFC 3339, or a date (YYYY-MM-DD) for an all-day event
	End         string `json:"end"`
	AllDay      bool   `json:"all_day"`
	Status      string `json:"status,omitempty"`
	HTMLLink    string `json:"html_link,omitempty"`
}

// EventsResponse lists events, soonest first.
type EventsResponse struct {
	Items []Event `json:"items"`
}

// Event query and creation limits (ours).
const (
	DefaultEventWindow = 7 * 24 * time.Hour
	MaxEventWindow     = 92 * 24 * time.Hour
	MaxEvents          = 250
	MaxSummary         = 200
	MaxEventText       = 4000
	MaxEventDuration   = 24 * time.Hour
)

// EventRange parses the from and to of an events query ("" for the
// defaults: now and a week later).
func EventRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	f, t := now, time.Time{}
	var err error
	if from != "" {
		if f, err = time.Parse(time.RFC3339, from); err != nil {
			return f, t, xerr.InvalidField("from", "must be an RFC 3339 time")
		}
	}
	t = f.Add(DefaultEventWindow)
	if to != "" {
		if t, err = time.Parse(time.RFC3339, to); err != nil {
			return f, t, xerr.InvalidField("to", "must be an RFC 3339 time")
		}
	}
	switch {
	case !t.After(f):
		return f, t, xerr.InvalidField("to", "must be after from")
	case t.Sub(f) > MaxEventWindow:
		return f, t, xerr.InvalidField("to", "must be at most 92 days after from")
	}
	return f.UTC(), t.UTC(), nil
}

// CreateEventRequest schedules a learning session on the user's calendar.
type CreateEventRequest struct {
	Summary     string     `json:"summary"`
	Description string     `json:"description,omitempty"`
	Start       xtime.Time `json:"start"`
	End         xtime.Time `json:"end"`
	TimeZone    string     `json:"time_zone,omitempty"`
}

// Validate checks the request.
func (r *CreateEventRequest) Validate() error {
	r.Summary = strings.TrimSpace(r.Summary)
	if r.Summary == "" {
		return xerr.InvalidField("summary", "is required")
	}
	if err := textrule.Line("summary", r.Summary, MaxSummary); err != nil {
		return err
	}
	if err := textrule.Body("description", r.Description, MaxEventText); err != nil {
		return err
	}
	switch {
	case r.Start.IsZero():
		return xerr.InvalidField("start", "is required")
	case !r.End.After(r.Start.Time):
		return xerr.InvalidField("end", "must be after start")
	case r.End.Sub(r.Start.Time) > MaxEventDuration:
		return xerr.InvalidField("end", "a session may last at most 24 hours")
	}
	if r.TimeZone != "" {
		if _, err := time.LoadLocation(r.TimeZone); err != nil || len(r.TimeZone) > 64 {
			return xerr.InvalidField("time_zone", "is not an IANA time zone")
		}
	}
	return nil
}

// Integration-token limits (ours; the docs suggest 90 to 120 seconds).
const (
	DefaultTokenTTL = 120
	MinTokenTTL     = 30
	MaxTokenTTL     = 3600
	MaxReason       = 500
)

// The embed scopes: what a partner's embed may read of the granting user,
// beside the API-key scopes. The docs' own grant example uses both.
const (
	ScopeProfileRead = "profile:read" // the granting user's public profile
	ScopeQuotaRead   = "quota:read"   // their Live quota
)

// TokenScopes lists every scope an integration token may carry: the embed
// scopes, then every API-key scope.
var TokenScopes = append([]string{ScopeProfileRead, ScopeQuotaRead}, auth.Scopes...)

// GrantRequest asks for an integration token (camelCase, as documented).
type GrantRequest struct {
	Mode       string   `json:"mode"`
	Origin     string   `json:"origin"`
	Scopes     []string `json:"scopes"`
	TTLSeconds int      `json:"ttlSeconds,omitempty"`
	// TenantID defaults to an API key's organization, or the one a
	// signed-in user administers (Engine.GrantIntegrationToken).
	TenantID string `json:"tenantId,omitempty"`
}

// Validate checks the request, normalises the origin and scopes and sets the
// default lifetime.
func (r *GrantRequest) Validate() error {
	if r.Mode != "api" {
		return xerr.InvalidField("mode", `must be "api"`)
	}
	o, err := NormalizeOrigin(r.Origin)
	if err != nil {
		return err
	}
	r.Origin = o
	if len(r.Scopes) == 0 {
		return xerr.InvalidField("scopes", "must name at least one scope")
	}
	for _, s := range r.Scopes {
		if !slices.Contains(TokenScopes, s) {
			return xerr.InvalidField("scopes", "unknown scope "+strconv.QuoteToASCII(truncate(s, 40))+
				"; accepted: "+strings.Join(TokenScopes, ", "))
		}
	}
	slices.Sort(r.Scopes)
	r.Scopes = slices.Compact(r.Scopes)
	if r.TTLSeconds == 0 {
		r.TTLSeconds = DefaultTokenTTL
	}
	if r.TTLSeconds < MinTokenTTL || r.TTLSeconds > MaxTokenTTL {
		return xerr.InvalidField("ttlSeconds", "must be between 30 and 3600")
	}
	if r.TenantID == "" { // the engine fills it where it can
		return xerr.InvalidField("tenantId", "is required")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// NormalizeOrigin checks a web origin (scheme, host, optional port; nothing
// else) and returns it as a browser's Origin header spells it: lower-cased,
// without the scheme's default port. Plain http is allowed for loopback
// hosts only (localhost, 127.0.0.1, [::1]). A host must be ASCII: browsers
// send an internationalised name in its punycode form (xn--...), so a
// Unicode one would never match.
func NormalizeOrigin(s string) (string, error) {
	bad := xerr.InvalidField("origin", "must be a web origin such as https://learn.example.com")
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || len(s) > 255 {
		return "", bad
	}
	scheme, name, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	for _, r := range name {
		if r >= utf8.RuneSelf {
			return "", xerr.InvalidField("origin", "must spell an internationalised host name in its ASCII (punycode, xn--) form, as browsers send it")
		}
	}
	if name == "" || strings.HasSuffix(u.Host, ":") {
		return "", bad
	}
	local := name == "localhost" || name == "127.0.0.1" || name == "::1"
	if scheme != "https" && !(scheme == "http" && local) {
		return "", bad
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", xerr.InvalidField("origin", "has a port outside 1..65535")
		}
		if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
			port = ""
		}
	}
	host := name
	if strings.Contains(name, ":") {
		host = "[" + name + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// GrantResponse is a new integration token.
type GrantResponse struct {
	Token     string     `json:"token"`
	JTI       string     `json:"jti"`
	ExpiresAt xtime.Time `json:"expiresAt"`
	// TenantID is the tenant whose keys signed the token (its JWKS
	// verifies it): the one asked for, or the default one.
	TenantID string `json:"tenantId"`
}

// VerifyRequest asks whether a token is valid for a tenant.
type VerifyRequest struct {
	Token    string `json:"token"`
	TenantID string `json:"tenantId"`
}

// Claims are an integration token's claims as verify reports them.
type Claims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  []string `json:"aud"`
	TenantID  string   `json:"tenantId"`
	Mode      string   `json:"mode"`
	Origin    string   `json:"origin"`
	Scopes    []string `json:"scopes"`
	JTI       string   `json:"jti"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf"`
	ExpiresAt int64    `json:"exp"`
}

// VerifyResponse says whether the token is valid, and why not.
type VerifyResponse struct {
	Valid  bool    `json:"valid"`
	Claims *Claims `json:"claims,omitempty"`
	Reason string  `json:"reason,omitempty"` // malformed, unknown_key, wrong_tenant, expired, not_yet_valid, revoked, bad_signature, granter_gone
}

// RevokeRequest revokes a token: by the token itself, or by tenant and jti.
type RevokeRequest struct {
	IntegrationToken string `json:"integrationToken,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	JTI              string `json:"jti,omitempty"`
	Reason           string `json:"reason,omitempty"`
}

// Validate checks that exactly one form is used.
func (r RevokeRequest) Validate() error {
	if err := textrule.Line("reason", r.Reason, MaxReason); err != nil {
		return err
	}
	switch {
	case r.IntegrationToken != "" && (r.TenantID != "" || r.JTI != ""):
		return xerr.InvalidField("integrationToken", "give integrationToken, or tenantId and jti, not both")
	case r.IntegrationToken == "" && (r.TenantID == "" || r.JTI == ""):
		return xerr.InvalidField("jti", "give integrationToken, or tenantId and jti")
	case r.JTI != "" && !ids.Valid(r.JTI):
		// Every token this server issues has a UUID jti: anything else
		// names no token, and would not page as a cursor position.
		return xerr.InvalidField("jti", "is not a token id")
	}
	return nil
}

// RevokeResponse confirms a revocation.
type RevokeResponse struct {
	Revoked bool   `json:"revoked"`
	JTI     string `json:"jti"`
}

// Revocation is one revoked integration token, as a tenant's admin lists
// them. RevokedBy is the id of the user who revoked it.
type Revocation struct {
	JTI       string     `json:"jti"`
	Reason    string     `json:"reason"`
	RevokedAt xtime.Time `json:"revoked_at"`
	ExpiresAt xtime.Time `json:"expires_at"`
	RevokedBy string     `json:"revoked_by"`
}

// RotateRequest exchanges a valid token for a new one (as grant), revoking
// the old one in the same step.
type RotateRequest struct {
	GrantRequest
	IntegrationToken string `json:"integrationToken"`
}

// KeyRotateRequest replaces a tenant's signing key pair.
type KeyRotateRequest struct {
	TenantID string `json:"tenantId"`
}

// KeyRotateResponse names the new key.
type KeyRotateResponse struct {
	KeyID string `json:"kid"`
}

// FingerprintResponse is the SHA-256 of the tenant's active public key.
type FingerprintResponse struct {
	Fingerprint string `json:"fingerprint"`
	KeyID       string `json:"kid"`
}
