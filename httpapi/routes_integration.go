package httpapi

import (
	"context"
	"net/http"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/integration"
)

func (a *api) integrationRoutes() []route {
	const tag = "Integrations"
	const (
		read  = auth.ScopeIntegrationsRead
		write = auth.ScopeIntegrationsWrite
	)
	e := a.eng
	return []route{
		{Method: "GET", Path: "/api/integrations", Summary: "List my connected integrations", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: listOf{integration.Integration{}},
			Handle: reply(func(r *http.Request, u xentree.User) (xentree.List[integration.Integration], error) {
				return e.ListIntegrations(r.Context(), u)
			})},
		{Method: "POST", Path: "/api/integrations/google-calendar/authorize", Summary: "Start connecting Google Calendar (OAuth 2 with PKCE); 503 integration_not_configured", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: integration.AuthorizeRequest{}, Response: integration.AuthorizeResponse{},
			Handle: withBody(200, true, e.AuthorizeGoogleCalendar)},
		{Method: "GET", Path: "/api/integrations/google-calendar/callback", Summary: "Complete the connection with the code and state Google's redirect carried", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Response: integration.Integration{}, Query: []string{"code", "state", "error"},
			Handle: reply(func(r *http.Request, u xentree.User) (integration.Integration, error) {
				q := r.URL.Query()
				return e.GoogleCalendarCallback(r.Context(), u, integration.CallbackRequest{Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error")})
			})},
		{Method: "DELETE", Path: "/api/integrations/google-calendar", Summary: "Disconnect Google Calendar: revoke the grant at Google and forget it", Tag: tag,
			Auth: bearer, Scope: write, Status: 204,
			Handle: onPath(204, nil, func(ctx context.Context, u xentree.User, _ []string, _ noBody) (noBody, error) {
				return noBody{}, e.DisconnectGoogleCalendar(ctx, u)
			})},
		{Method: "GET", Path: "/api/integrations/google-calendar/events", Summary: "Events of my primary Google Calendar between from and to (default: the next 7 days)", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: integration.EventsResponse{}, Query: []string{"from", "to"},
			Handle: reply(func(r *http.Request, u xentree.User) (integration.EventsResponse, error) {
				q := r.URL.Query()
				return e.ListCalendarEvents(r.Context(), u, q.Get("from"), q.Get("to"))
			})},
		{Method: "POST", Path: "/api/integrations/google-calendar/events", Summary: "Schedule a learning session on my primary Google Calendar", Tag: tag,
			Auth: bearer, Scope: write, Status: 201, Request: integration.CreateEventRequest{}, Response: integration.Event{},
			Handle: withBody(201, false, e.CreateCalendarEvent)},
		{Method: "POST", Path: "/api/integration/grant", Summary: "Issue an integration token (RS256, per tenant) for an embedding origin", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: integration.GrantRequest{}, Response: integration.GrantResponse{},
			Handle: withBody(200, false, e.GrantIntegrationToken)},
		{Method: "POST", Path: "/api/integration/verify", Summary: "Check an integration token for a tenant", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Request: integration.VerifyRequest{}, Response: integration.VerifyResponse{},
			Handle: withBody(200, false, e.VerifyIntegrationToken)},
		{Method: "POST", Path: "/api/integration/revoke", Summary: "Revoke an integration token, by token or by tenantId and jti", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: integration.RevokeRequest{}, Response: integration.RevokeResponse{},
			Handle: withBody(200, false, e.RevokeIntegrationToken)},
		{Method: "POST", Path: "/api/integration/rotate", Summary: "Exchange a valid integration token for a new one; the old one is revoked", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: integration.RotateRequest{}, Response: integration.GrantResponse{},
			Handle: withBody(200, false, e.RotateIntegrationToken)},
		{Method: "GET", Path: "/api/admin/integration-token-revocations", Summary: "A tenant's revoked integration tokens, newest first (admins of the tenant)", Tag: tag,
			Auth: bearer, Scope: read, Status: 200, Response: listOf{integration.Revocation{}}, Query: append([]string{"tenantId"}, pageParams...), Required: []string{"tenantId"},
			Handle: paged(func(r *http.Request) string { return r.URL.Query().Get("tenantId") }, e.ListIntegrationTokenRevocations)},
		{Method: "POST", Path: "/api/integration/keys/rotate", Summary: "Replace a tenant's signing key; the old public key stays in the JWKS until its tokens expire", Tag: tag,
			Auth: bearer, Scope: write, Status: 200, Request: integration.KeyRotateRequest{}, Response: integration.KeyRotateResponse{},
			Handle: withBody(200, false, e.RotateIntegrationKey)},
		{Method: "GET", Path: "/api/integration/jwks", Summary: "A tenant's public keys as a JWK Set", Tag: tag,
			Auth: public, Status: 200, Response: xentree.JWKS{}, Query: []string{"tenantId"}, Required: []string{"tenantId"},
			Handle: reply(func(r *http.Request, _ xentree.User) (xentree.JWKS, error) {
				return e.IntegrationJWKS(r.Context(), r.URL.Query().Get("tenantId"))
			})},
		{Method: "GET", Path: "/api/integration/fingerprint", Summary: "SHA-256 of a tenant's active public key", Tag: tag,
			Auth: public, Status: 200, Response: integration.FingerprintResponse{}, Query: []string{"tenantId"}, Required: []string{"tenantId"},
			Handle: reply(func(r *http.Request, _ xentree.User) (integration.FingerprintResponse, error) {
				return e.IntegrationFingerprint(r.Context(), r.URL.Query().Get("tenantId"))
			})},
	}
}
