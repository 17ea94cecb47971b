package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

func TestIntegrationRoutes(t *testing.T) {
	// Not configured: the Google routes are 503, the list works.
	plain := newEnv(t)
	h := loggedIn(t, plain)
	if rec := plain.do("POST", "/api/integrations/google-calendar/authorize", "", h); rec.Code != 503 || !strings.Contains(rec.Body.String(), `"integration_not_configured"`) {
		t.Fatalf("unconfigured authorize: %d %s", rec.Code, rec.Body)
	}
	if rec := plain.do("GET", "/api/integrations", "", h); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"items":[]`) {
		t.Fatalf("unconfigured list: %d %s", rec.Code, rec.Body)
	}

	g := xentreetest.NewFakeGoogle(t)
	env := newEnv(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.Google = xentree.GoogleConfig{ClientID: xentreetest.FakeGoogleClientID, ClientSecret: xentreetest.FakeGoogleClientSecret,
			RedirectURL: "https://app.example/cb", AuthURL: g.AuthURL(), TokenURL: g.TokenURL(), RevokeURL: g.RevokeURL(), CalendarURL: g.CalendarURL()}
	}))
	u, tok := xentreetest.CreateUser(t, env.eng, "ada@example.com")
	a := map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	rec := env.do("POST", "/api/integrations/google-calendar/authorize", "", a)
	var az integration.AuthorizeResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &az); rec.Code != 200 || err != nil {
		t.Fatalf("authorize: %d %s", rec.Code, rec.Body)
	}
	back, err := g.Consent(az.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	rec = env.do("GET", "/api/integrations/google-calendar/callback?"+back.RawQuery, "", a)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"active"`) || strings.Contains(rec.Body.String(), "ya29") {
		t.Fatalf("callback: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/integrations/google-calendar/events?from=2026-04-16T00:00:00Z&to=2026-04-17T00:00:00Z", "", a); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"items":[]`) {
		t.Fatalf("events: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/integrations/google-calendar/events?from=yesterday", "", a); rec.Code != 400 {
		t.Fatalf("bad from: %d %s", rec.Code, rec.Body)
	}
	rec = env.do("POST", "/api/integrations/google-calendar/events", `{"summary":"Study","start":"2026-04-17T09:00:00Z","end":"2026-04-17T09:30:00Z"}`, a)
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"summary":"Study"`) {
		t.Fatalf("create event: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("DELETE", "/api/integrations/google-calendar", "", a); rec.Code != 204 {
		t.Fatalf("disconnect: %d %s", rec.Code, rec.Body)
	}

	// Integration tokens over HTTP, and the public JWKS.
	o, err := env.eng.CreateOrganization(context.Background(), u, org.CreateRequest{Name: "Tenant"})
	if err != nil {
		t.Fatal(err)
	}
	rec = env.do("POST", "/api/integration/grant", `{"mode":"api","origin":"https://partner.example","scopes":["xel:read"],"ttlSeconds":90,"tenantId":"`+o.ID+`"}`, a)
	var gr integration.GrantResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &gr); rec.Code != 200 || err != nil || gr.Token == "" {
		t.Fatalf("grant: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/integration/jwks?tenantId="+url.QueryEscape(o.ID), "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"alg":"RS256"`) {
		t.Fatalf("jwks: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/integration/jwks", "", nil); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"tenantId"`) {
		t.Fatalf("jwks without tenantId: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/integration/jwks?tenantId=nobody", "", nil); rec.Code != 200 || rec.Body.String() != `{"keys":[]}`+"\n" {
		t.Fatalf("jwks of an unknown tenant: %d %q", rec.Code, rec.Body)
	}
	if rec := env.do("GET", "/api/integration/fingerprint?tenantId="+o.ID, "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"fingerprint"`) {
		t.Fatalf("fingerprint: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("POST", "/api/integration/verify", `{"token":"`+gr.Token+`","tenantId":"`+o.ID+`"}`, a); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"valid":true`) {
		t.Fatalf("verify: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("POST", "/api/integration/revoke", `{"integrationToken":"`+gr.Token+`","reason":"test"}`, a); rec.Code != 200 {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do("POST", "/api/integration/verify", `{"token":"`+gr.Token+`","tenantId":"`+o.ID+`"}`, a); !strings.Contains(rec.Body.String(), `"reason":"revoked"`) {
		t.Fatalf("verify after revoke: %d %s", rec.Code, rec.Body)
	}
	_, btok := xentreetest.CreateUser(t, env.eng, "bob@example.com")
	b := map[string]string{"Authorization": "Bearer " + btok.AccessToken}
	if rec := env.do("POST", "/api/integration/grant", `{"mode":"api","origin":"https://partner.example","scopes":["xel:read"],"tenantId":"`+o.ID+`"}`, b); rec.Code != 404 {
		t.Fatalf("a non-member grants: %d %s", rec.Code, rec.Body)
	}
}
