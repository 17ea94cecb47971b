package xentreetest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/xentree/xentree/xentreetest"
)

const calendarScope = "https://www.googleapis.com/auth/calendar.events"

func fakeGoogleConfig(g *xentreetest.FakeGoogle) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     xentreetest.FakeGoogleClientID,
		ClientSecret: xentreetest.FakeGoogleClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: g.AuthURL(), TokenURL: g.TokenURL()},
		RedirectURL:  "http://xentree.example/integrations/google/callback?from=settings",
		Scopes:       []string{calendarScope},
	}
}

// consent runs the browser half of the flow and returns the code.
func consent(t *testing.T, g *xentreetest.FakeGoogle, conf *oauth2.Config, verifier string) string {
	t.Helper()
	back, err := g.Consent(conf.AuthCodeURL("state-42", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	if !strings.HasPrefix(back.String(), "http://xentree.example/integrations/google/callback?") ||
		q.Get("state") != "state-42" || q.Get("from") != "settings" || q.Get("code") == "" || q.Get("scope") != calendarScope {
		t.Fatalf("Consent redirected to %s", back)
	}
	return q.Get("code")
}

// wantOAuthError checks err is Google's answer with that status and code.
func wantOAuthError(t *testing.T, err error, status int, code, description string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != status || re.ErrorCode != code ||
		(description != "" && re.ErrorDescription != description) {
		t.Fatalf("got error %v, want %d %s %q", err, status, code, description)
	}
}

// call makes a Calendar API request and decodes the answer.
func call(t *testing.T, method, u, token string, body any) (int, map[string]any) {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, u, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestFakeGoogleOAuth(t *testing.T) {
	ctx := t.Context()
	g := xentreetest.NewFakeGoogle(t)
	conf := fakeGoogleConfig(g)
	verifier := oauth2.GenerateVerifier()

	code := consent(t, g, conf, verifier)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "ya29.") || !strings.HasPrefix(tok.RefreshToken, "1//") ||
		tok.TokenType != "Bearer" || tok.Extra("scope") != calendarScope || time.Until(tok.Expiry) < 59*time.Minute {
		t.Fatalf("token %+v", tok)
	}
	_, err = conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	wantOAuthError(t, err, 400, "invalid_grant", "")

	// The body style too, since x/oauth2 sends Basic auth after its first success.
	inBody := fakeGoogleConfig(g)
	inBody.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	code = consent(t, g, conf, verifier)
	_, err = inBody.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantOAuthError(t, err, 400, "invalid_grant", "Invalid code verifier.")
	badSecret := fakeGoogleConfig(g)
	badSecret.Endpoint.AuthStyle, badSecret.ClientSecret = oauth2.AuthStyleInParams, "nope"
	_, err = badSecret.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	wantOAuthError(t, err, 401, "invalid_client", "")

	refreshed, err := inBody.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || refreshed.AccessToken == tok.AccessToken || refreshed.RefreshToken != tok.RefreshToken {
		t.Fatalf("refresh: %+v, %v", refreshed, err)
	}

	before := g.TokenRequests()
	g.FailTokenEndpoint(1)
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	wantOAuthError(t, err, 500, "internal_failure", "")
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Fatal(err)
	}
	if n := g.TokenRequests() - before; n != 2 {
		t.Errorf("TokenRequests grew by %d, want 2", n)
	}

	g.ExpireAccessTokens()
	status, body := call(t, "GET", g.CalendarURL()+"/calendars/primary", refreshed.AccessToken, nil)
	if e, _ := body["error"].(map[string]any); status != 401 || e["status"] != "UNAUTHENTICATED" {
		t.Fatalf("expired token: %d %v", status, body)
	}
	g.RevokeGrant()
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	wantOAuthError(t, err, 400, "invalid_grant", "Token has been expired or revoked.")

	// A new grant, revoked by the app through the endpoint.
	tok2, err := conf.Exchange(ctx, consent(t, g, conf, verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	for i, token := range []string{tok2.RefreshToken, "never-issued"} {
		resp, err := http.PostForm(g.RevokeURL(), url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := []int{200, 400}[i]; resp.StatusCode != want {
			t.Fatalf("revoke %s: %s, want %d", token, resp.Status, want)
		}
	}
	if status, _ := call(t, "GET", g.CalendarURL()+"/calendars/primary", tok2.AccessToken, nil); status != 401 {
		t.Errorf("access token of a revoked grant: %d", status)
	}
	if got := g.Revoked(); len(got) != 2 || got[0] != tok2.RefreshToken {
		t.Errorf("Revoked() = %v", got)
	}

	back, err := g.Deny(conf.AuthCodeURL("state-7", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)))
	if err != nil || back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "state-7" || back.Query().Has("code") {
		t.Fatalf("Deny: %v, %v", back, err)
	}
	if _, err := g.Consent(conf.AuthCodeURL("state-8")); err == nil || !strings.Contains(err.Error(), "code_challenge") {
		t.Errorf("Consent without PKCE: %v", err)
	}
}

func TestFakeGoogleCalendar(t *testing.T) {
	g := xentreetest.NewFakeGoogle(t)
	g.SetAccount("ada@gmail.example")
	conf := fakeGoogleConfig(g)
	verifier := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(t.Context(), consent(t, g, conf, verifier), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	base := g.CalendarURL() + "/calendars/primary"

	status, cal := call(t, "GET", base, tok.AccessToken, nil)
	if status != 200 || cal["id"] != "ada@gmail.example" || cal["kind"] != "calendar#calendar" {
		t.Fatalf("calendar: %d %v", status, cal)
	}

	day := xentreetest.Start // 10:00 UTC on 16 April 2026
	g.AddEvent("Lecture", day.Add(3*time.Hour), day.Add(4*time.Hour))
	g.AddEvent("Tutorial", day.Add(time.Hour), day.Add(2*time.Hour))
	g.AddEvent("Tomorrow", day.Add(25*time.Hour), day.Add(26*time.Hour))
	g.AddAllDayEvent("Holiday", "2026-04-16")
	q := url.Values{"timeMin": {day.Format(time.RFC3339)}, "timeMax": {day.Add(12 * time.Hour).Format(time.RFC3339)},
		"singleEvents": {"true"}, "orderBy": {"startTime"}, "maxResults": {"10"}}
	status, list := call(t, "GET", base+"/events?"+q.Encode(), tok.AccessToken, nil)
	var got []string
	items, _ := list["items"].([]any)
	for _, it := range items {
		got = append(got, it.(map[string]any)["summary"].(string))
	}
	if status != 200 || strings.Join(got, ",") != "Holiday,Tutorial,Lecture" {
		t.Fatalf("list: %d %v", status, list)
	}

	ev := map[string]any{"summary": "Study: photosynthesis", "description": "Chapter 3",
		"start": map[string]any{"dateTime": "2026-04-16T15:00:00+01:00", "timeZone": "Europe/London"},
		"end":   map[string]any{"dateTime": "2026-04-16T15:30:00+01:00", "timeZone": "Europe/London"}}
	status, made := call(t, "POST", base+"/events", tok.AccessToken, ev)
	if status != 200 || made["id"] == "" || made["status"] != "confirmed" || made["summary"] != ev["summary"] {
		t.Fatalf("insert: %d %v", status, made)
	}
	if all := g.Events(); len(all) != 5 || all[4]["id"] != made["id"] {
		t.Errorf("Events() = %v", all)
	}
	ev["end"] = ev["start"]
	if status, body := call(t, "POST", base+"/events", tok.AccessToken, ev); status != 400 {
		t.Errorf("empty range: %d %v", status, body)
	}
}
