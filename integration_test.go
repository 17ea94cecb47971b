package xentree_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xentreetest"
	"github.com/xentree/xentree/xtime"
)

const redirectURL = "https://app.example/integrations/google/callback"

func googleEngine(t *testing.T) (*xentree.Engine, *xentreetest.FakeGoogle, *xentreetest.Clock, string, *bytes.Buffer) {
	g := xentreetest.NewFakeGoogle(t)
	clock := xentreetest.NewClock()
	dir := t.TempDir()
	var logs bytes.Buffer
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock), xentreetest.WithDir(dir), xentreetest.WithConfig(func(c *xentree.Config) {
		c.Google = xentree.GoogleConfig{ClientID: xentreetest.FakeGoogleClientID, ClientSecret: xentreetest.FakeGoogleClientSecret,
			RedirectURL: redirectURL, AuthURL: g.AuthURL(), TokenURL: g.TokenURL(), RevokeURL: g.RevokeURL(), CalendarURL: g.CalendarURL()}
		c.Logger = xentreetest.LogTo(&logs)
	}))
	return eng, g, clock, dir, &logs
}

// connect runs authorize → consent → callback and returns the integration.
func connect(t *testing.T, eng *xentree.Engine, g *xentreetest.FakeGoogle, u xentree.User) integration.Integration {
	t.Helper()
	ctx := context.Background()
	a, err := eng.AuthorizeGoogleCalendar(ctx, u, integration.AuthorizeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := g.Consent(a.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	it, err := eng.GoogleCalendarCallback(ctx, u, integration.CallbackRequest{Code: q.Get("code"), State: q.Get("state")})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func TestGoogleCalendarFlow(t *testing.T) {
	eng, g, clock, dir, logs := googleEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	g.SetAccount("ada.learner@gmail.example")

	a, err := eng.AuthorizeGoogleCalendar(ctx, ada, integration.AuthorizeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(a.AuthorizationURL)
	q := au.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("access_type") != "offline" || q.Get("state") != a.State ||
		q.Get("redirect_uri") != redirectURL || q.Get("scope") != strings.Join(integration.GoogleScopes, " ") {
		t.Fatalf("authorization URL %s", a.AuthorizationURL)
	}
	back, err := g.Consent(a.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	it, err := eng.GoogleCalendarCallback(ctx, ada, integration.CallbackRequest{Code: back.Query().Get("code"), State: back.Query().Get("state")})
	if err != nil {
		t.Fatal(err)
	}
	if it.Status != integration.StatusActive || it.AccountEmail != "ada.learner@gmail.example" || it.Provider != integration.ProviderGoogleCalendar {
		t.Fatalf("connected %+v", it)
	}
	l, err := eng.ListIntegrations(ctx, ada)
	if err != nil || len(l.Items) != 1 || l.Items[0].Status != integration.StatusActive {
		t.Fatalf("list %+v %v", l, err)
	}
	// The same state cannot be used twice.
	_, err = eng.GoogleCalendarCallback(ctx, ada, integration.CallbackRequest{Code: back.Query().Get("code"), State: back.Query().Get("state")})
	wantErr(t, "replayed state", err, xerr.Invalid, "invalid_state")

	// Events, then a scheduled session.
	now := clock.Now()
	g.AddEvent("Dentist", now.Add(2*time.Hour), now.Add(3*time.Hour))
	g.AddEvent("Next month", now.Add(40*24*time.Hour), now.Add(40*24*time.Hour+time.Hour))
	ev, err := eng.ListCalendarEvents(ctx, ada, "", "")
	if err != nil || len(ev.Items) != 1 || ev.Items[0].Summary != "Dentist" {
		t.Fatalf("events %+v %v", ev, err)
	}
	created, err := eng.CreateCalendarEvent(ctx, ada, integration.CreateEventRequest{Summary: "Xentree: English B1, module 3",
		Start: xtime.Of(now.Add(24 * time.Hour)), End: xtime.Of(now.Add(24*time.Hour + 30*time.Minute))})
	if err != nil || created.ID == "" || created.Summary != "Xentree: English B1, module 3" {
		t.Fatalf("create event %+v %v", created, err)
	}

	// An expired access token is refreshed and the new one persisted.
	before := g.TokenRequests()
	g.ExpireAccessTokens()
	if _, err := eng.ListCalendarEvents(ctx, ada, "", ""); err != nil {
		t.Fatalf("after Google expired the access token: %v", err)
	}
	clock.Advance(2 * time.Hour) // past the token's expiry by the engine's clock
	if _, err := eng.ListCalendarEvents(ctx, ada, "", ""); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if g.TokenRequests() != before+2 {
		t.Fatalf("%d token requests, want 2 refreshes", g.TokenRequests()-before)
	}
	// Two calls that find the same expired token refresh it at once: the
	// second to store its new token finds the first's, and both answer.
	clock.Advance(2 * time.Hour)
	g.HoldTokenRequests(2)
	var wg sync.WaitGroup
	var errs [2]error
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = eng.ListCalendarEvents(ctx, ada, "", "")
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("two calls refreshing at once: %v, %v", errs[0], errs[1])
	}

	// The token is sealed: not in the database file, the WAL, or the logs.
	for _, tok := range g.Revoked() {
		t.Fatalf("revoked before disconnect: %s", tok)
	}
	secrets := g.IssuedTokens()
	files, _ := filepath.Glob(filepath.Join(dir, "xentree.db*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Fatalf("%s holds a Google token in plaintext", filepath.Base(f))
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Fatal("a Google token reached the logs")
		}
	}

	// Google failing at refresh time is an outage, not a lost grant.
	clock.Advance(2 * time.Hour)
	g.FailTokenEndpoint(1)
	_, err = eng.ListCalendarEvents(ctx, ada, "", "")
	wantErr(t, "token endpoint down at refresh", err, xerr.Unavailable, "google_unavailable")
	if l, _ := eng.ListIntegrations(ctx, ada); l.Items[0].Status != integration.StatusActive {
		t.Fatalf("an outage marked the grant: %+v", l.Items[0])
	}

	// A revoked grant marks the integration needs_reauth, not a silent failure.
	g.RevokeGrant()
	clock.Advance(2 * time.Hour)
	_, err = eng.ListCalendarEvents(ctx, ada, "", "")
	wantErr(t, "revoked grant", err, xerr.Conflict, "integration_needs_reauth")
	if l, _ := eng.ListIntegrations(ctx, ada); l.Items[0].Status != integration.StatusNeedsReauth {
		t.Fatalf("status after revocation %+v", l.Items[0])
	}
	// Connecting again makes it active; disconnecting revokes at Google.
	connect(t, eng, g, ada)
	if err := eng.DisconnectGoogleCalendar(ctx, ada); err != nil {
		t.Fatal(err)
	}
	if len(g.Revoked()) != 1 {
		t.Fatalf("revoked at Google: %v", g.Revoked())
	}
	if l, _ := eng.ListIntegrations(ctx, ada); len(l.Items) != 0 {
		t.Fatalf("still listed after disconnect: %+v", l.Items)
	}
	wantErr(t, "disconnect twice", eng.DisconnectGoogleCalendar(ctx, ada), xerr.NotFound, "integration_not_connected")
}

// TestGoogleCalendarRefusals: each bad callback is a clear error and stores nothing.
func TestGoogleCalendarRefusals(t *testing.T) {
	eng, g, clock, _, _ := googleEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	bob, _ := xentreetest.CreateUser(t, eng, "")
	start := func(u xentree.User) (integration.AuthorizeResponse, url.Values) {
		a, err := eng.AuthorizeGoogleCalendar(ctx, u, integration.AuthorizeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		back, err := g.Consent(a.AuthorizationURL)
		if err != nil {
			t.Fatal(err)
		}
		return a, back.Query()
	}
	// A foreign state: bob presents ada's; ada's stays usable.
	_, q := start(ada)
	_, err := eng.GoogleCalendarCallback(ctx, bob, integration.CallbackRequest{Code: q.Get("code"), State: q.Get("state")})
	wantErr(t, "foreign state", err, xerr.Invalid, "invalid_state")
	if _, err := eng.GoogleCalendarCallback(ctx, ada, integration.CallbackRequest{Code: q.Get("code"), State: q.Get("state")}); err != nil {
		t.Fatalf("ada's own state after bob's attempt: %v", err)
	}
	if err := eng.DisconnectGoogleCalendar(ctx, ada); err != nil {
		t.Fatal(err)
	}

	// Denied consent.
	a, _ := eng.AuthorizeGoogleCalendar(ctx, bob, integration.AuthorizeRequest{})
	denied, err := g.Deny(a.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = eng.GoogleCalendarCallback(ctx, bob, integration.CallbackRequest{Error: denied.Query().Get("error"), State: denied.Query().Get("state")})
	wantErr(t, "denied", err, xerr.Invalid, "oauth_denied")

	// A code that does not match the PKCE verifier of this state: the code
	// of one flow with the state of another.
	_, q1 := start(bob)
	_, q2 := start(bob)
	_, err = eng.GoogleCalendarCallback(ctx, bob, integration.CallbackRequest{Code: q1.Get("code"), State: q2.Get("state")})
	wantErr(t, "wrong verifier", err, xerr.Invalid, "oauth_exchange_failed")

	// The token endpoint fails.
	_, q3 := start(bob)
	g.FailTokenEndpoint(2)
	_, err = eng.GoogleCalendarCallback(ctx, bob, integration.CallbackRequest{Code: q3.Get("code"), State: q3.Get("state")})
	wantErr(t, "token endpoint down", err, xerr.Unavailable, "google_unavailable")

	// An expired state.
	_, q4 := start(bob)
	clock.Advance(11 * time.Minute)
	_, err = eng.GoogleCalendarCallback(ctx, bob, integration.CallbackRequest{Code: q4.Get("code"), State: q4.Get("state")})
	wantErr(t, "expired state", err, xerr.Invalid, "invalid_state")

	if l, _ := eng.ListIntegrations(ctx, bob); len(l.Items) != 0 {
		t.Fatalf("a failed connection was stored: %+v", l.Items)
	}
	_, err = eng.ListCalendarEvents(ctx, bob, "", "")
	wantErr(t, "events without a connection", err, xerr.NotFound, "integration_not_connected")
	_, err = eng.AuthorizeGoogleCalendar(ctx, bob, integration.AuthorizeRequest{RedirectURI: "https://evil.example/cb"})
	wantErr(t, "unregistered redirect", err, xerr.Invalid, "")
}

func TestGoogleNotConfigured(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	u, _ := xentreetest.CreateUser(t, eng, "")
	_, err := eng.AuthorizeGoogleCalendar(ctx, u, integration.AuthorizeRequest{})
	wantErr(t, "authorize", err, xerr.Unavailable, "integration_not_configured")
	_, err = eng.ListCalendarEvents(ctx, u, "", "")
	wantErr(t, "events", err, xerr.Unavailable, "integration_not_configured")
	if l, err := eng.ListIntegrations(ctx, u); err != nil || len(l.Items) != 0 {
		t.Fatalf("list: %+v %v", l, err)
	}
}
