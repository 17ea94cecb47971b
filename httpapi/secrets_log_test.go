package httpapi_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

// syncBuffer collects log output written from request and background
// goroutines alike.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretsNeverLogged runs a scenario that handles every kind of secret
// the server knows (passwords, access and refresh tokens, API keys, the
// provider and Google client secrets, OAuth codes and states, integration
// tokens, the signing and encryption keys), including the failure paths that
// log (provider errors, refresh-token reuse, Google failures, an internal
// error, a panic), with Debug logs and the access log on, and then looks for
// each secret in everything logged.
func TestSecretsNeverLogged(t *testing.T) {
	const (
		openAIKey     = "sk-openai-canary-1f3a9e"
		anthropicKey  = "sk-ant-canary-77b2c4"
		realtimeKey   = "sk-realtime-canary-9c1d05"
		password      = "canary password 5e8f"
		wrongPassword = "canary wrong password 3a1b"
		newPassword   = "canary new password 0d4c"
		signingKey    = "signing-key-canary-0123456789abcdef"
		encryptionKey = "encryption-key-canary-0123456789"
	)
	var logs syncBuffer
	oa, an, g := xentreetest.NewFakeOpenAI(t), xentreetest.NewFakeAnthropic(t), xentreetest.NewFakeGoogle(t)
	// A realtime endpoint that refuses the key and echoes it, as careless
	// upstreams do.
	realtime := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"Incorrect API key provided: `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`"}}`, http.StatusUnauthorized)
	}))
	defer realtime.Close()
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock), xentreetest.WithConfig(func(c *xentree.Config) {
		c.Logger = xentreetest.LogTo(&logs)
		c.SigningKey, c.EncryptionKey = []byte(signingKey), []byte(encryptionKey)
		c.AI.OpenAI = xentree.OpenAIConfig{APIKey: openAIKey, BaseURL: oa.URL() + "/v1"}
		c.AI.Anthropic = xentree.AnthropicConfig{APIKey: anthropicKey, BaseURL: an.URL()}
		c.Live.Realtime = xentree.RealtimeConfig{APIKey: realtimeKey, BaseURL: realtime.URL + "/v1"}
		c.Google = xentree.GoogleConfig{ClientID: xentreetest.FakeGoogleClientID, ClientSecret: xentreetest.FakeGoogleClientSecret,
			RedirectURL: "https://app.example/cb", AuthURL: g.AuthURL(), TokenURL: g.TokenURL(), RevokeURL: g.RevokeURL(), CalendarURL: g.CalendarURL()}
	}))
	// The hook forces the two paths that log what went wrong: an error the
	// API does not recognise (internal) and a panic.
	fault := func(r *http.Request) (xentree.User, bool, error) {
		switch r.Header.Get("X-Test-Fault") {
		case "error":
			return xentree.User{}, false, errors.New("forced failure")
		case "panic":
			panic("forced panic")
		}
		return xentree.User{}, false, nil
	}
	env := &testEnv{eng: eng, clock: clock, h: httpapi.New(eng, httpapi.Config{AccessLog: true, Authenticate: fault})}

	secrets := map[string]string{
		"OpenAI key": openAIKey, "Anthropic key": anthropicKey, "realtime key": realtimeKey,
		"Google client secret": xentreetest.FakeGoogleClientSecret,
		"password":             password, "wrong password": wrongPassword, "new password": newPassword,
		"signing key": signingKey, "encryption key": encryptionKey,
	}
	for name, s := range map[string]string{"password": password, "wrong password": wrongPassword, "new password": newPassword} {
		secrets[name+" (form-encoded)"] = url.QueryEscape(s)
	}
	keep := func(name, s string) {
		t.Helper()
		if s == "" {
			t.Fatalf("%s: empty", name)
		}
		for n := 2; secrets[name] != ""; n++ { // every login's tokens, not just the last
			name = strings.TrimRight(strings.TrimRight(name, "0123456789"), " ") + " " + strconv.Itoa(n)
		}
		secrets[name] = s
	}
	want := func(rec *httptest.ResponseRecorder, status int, what string) {
		t.Helper()
		if rec.Code != status {
			t.Fatalf("%s: status %d, want %d: %s", what, rec.Code, status, rec.Body)
		}
	}
	var tok struct{ AccessToken, RefreshToken string }
	login := func(pw string) map[string]string {
		t.Helper()
		rec := env.do("POST", "/api/auth/login", "username=ada%40example.com&password="+url.QueryEscape(pw),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		decode(t, rec, 200, &tok)
		keep("access token", tok.AccessToken)
		keep("refresh token", tok.RefreshToken)
		return map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	}

	// Accounts and tokens.
	want(env.do("POST", "/api/auth/register", `{"email":"ada@example.com","password":"`+password+`"}`, nil), 201, "register")
	want(env.do("POST", "/api/auth/login", `{"username":"ada@example.com","password":"`+wrongPassword+`"}`, nil), 401, "wrong password")
	bearer := login(password)
	want(env.do("GET", "/api/auth/me", "", bearer), 200, "me")
	want(env.do("GET", "/api/auth/me", "", map[string]string{"Authorization": "Bearer " + tok.AccessToken + "x"}), 401, "tampered token")
	old := tok.RefreshToken
	decode(t, env.do("POST", "/api/auth/refresh", `{"refresh_token":"`+old+`"}`, nil), 200, &tok)
	keep("rotated access token", tok.AccessToken)
	keep("rotated refresh token", tok.RefreshToken)
	// Reuse is logged as a warning and revokes the session.
	want(env.do("POST", "/api/auth/refresh", `{"refresh_token":"`+old+`"}`, nil), 401, "refresh token reuse")
	bearer = login(password)
	want(env.do("PATCH", "/api/auth/me", `{"current_password":"`+wrongPassword+`","new_password":"`+newPassword+`"}`, bearer), 400, "wrong current password")
	want(env.do("PATCH", "/api/auth/me", `{"current_password":"`+password+`","new_password":"`+newPassword+`"}`, bearer), 200, "password change")
	bearer = login(newPassword)

	// API keys.
	var o struct{ ID string }
	decode(t, env.do("POST", "/api/organizations", `{"name":"Canary"}`, bearer), 201, &o)
	var k struct{ Key string }
	decode(t, env.do("POST", "/api/api-keys", `{"name":"ci","organization_id":"`+o.ID+`","scopes":["conversations:read","conversations:write","xel:write"]}`, bearer), 201, &k)
	keep("API key", k.Key)
	want(env.do("GET", "/api/core/conversations", "", map[string]string{"X-API-Key": k.Key}), 200, "API key use")
	const wrongKey = "xntr-canaryWrongKey0123456789"
	keep("wrong API key", wrongKey)
	want(env.do("GET", "/api/core/conversations", "", map[string]string{"X-API-Key": wrongKey}), 401, "wrong API key")

	// Providers, working and failing; the fakes echo the key in their 401s.
	for _, p := range []string{"openai", "anthropic"} {
		want(env.do("POST", "/api/core/chat", `{"message":"hello","provider":"`+p+`"}`, bearer), 200, p+" chat")
		want(env.do("POST", "/api/core/chat", `{"message":"hello","provider":"`+p+`","stream":true}`, bearer), 200, p+" stream")
	}
	oa.FailNext(xentreetest.FailUnauthorized)
	want(env.do("POST", "/api/core/chat", `{"message":"hello","provider":"openai"}`, bearer), 503, "openai refuses the key")
	an.FailNext(xentreetest.FailUnauthorized)
	want(env.do("POST", "/api/core/chat", `{"message":"hello","provider":"anthropic","stream":true}`, bearer), 503, "anthropic refuses the key, streaming")
	oa.FailNext(xentreetest.FailUnauthorized)
	want(env.do("POST", "/api/xel/evaluate", `{"kind":"writing","text":"I like my town because it is quiet.","provider":"openai"}`, bearer), 200, "XEL falls back when the provider fails")
	want(env.do("POST", "/api/live/session/start", `{"session_type":"voice"}`, bearer), 503, "realtime refuses the key")

	// Google Calendar: OAuth code and state, tokens, refresh, failures, revoke.
	var az struct{ AuthorizationURL string }
	decode(t, env.do("POST", "/api/integrations/google-calendar/authorize", "", bearer), 200, &az)
	back, err := g.Consent(az.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	keep("OAuth code", back.Query().Get("code"))
	keep("OAuth state", back.Query().Get("state"))
	want(env.do("GET", "/api/integrations/google-calendar/callback?"+back.RawQuery, "", bearer), 200, "callback")
	const events = "/api/integrations/google-calendar/events?from=2026-04-16T00:00:00Z&to=2026-04-17T00:00:00Z"
	want(env.do("GET", events, "", bearer), 200, "events")
	g.ExpireAccessTokens()
	want(env.do("GET", events, "", bearer), 200, "events after a token refresh")
	g.ExpireAccessTokens()
	g.FailTokenEndpoint(4)
	want(env.do("GET", events, "", bearer), 503, "events while Google's token endpoint fails")
	for _, s := range g.IssuedTokens() {
		keep("Google token", s)
	}
	want(env.do("DELETE", "/api/integrations/google-calendar", "", bearer), 204, "disconnect")

	// Integration tokens.
	var gr struct{ Token string }
	decode(t, env.do("POST", "/api/integration/grant", `{"mode":"api","origin":"https://partner.example","scopes":["xel:read"],"tenantId":"`+o.ID+`"}`, bearer), 200, &gr)
	keep("integration token", gr.Token)
	want(env.do("POST", "/api/integration/verify", `{"token":"`+gr.Token+`","tenantId":"`+o.ID+`"}`, bearer), 200, "verify")

	// An internal error and a panic, on requests that carry credentials.
	for _, f := range []string{"error", "panic"} {
		h := map[string]string{"X-Test-Fault": f, "Authorization": bearer["Authorization"], "X-API-Key": k.Key}
		want(env.do("PATCH", "/api/auth/me", `{"current_password":"`+newPassword+`"}`, h), 500, f)
	}
	want(env.do("POST", "/api/auth/logout", `{"refresh_token":"`+tok.RefreshToken+`"}`, bearer), 204, "logout")
	if err := eng.WaitIndexed(t.Context()); err != nil {
		t.Fatal(err)
	}

	out := logs.String()
	// The scenario must have reached the paths that log, or finding nothing
	// proves nothing.
	for _, line := range []string{"msg=request ", `msg="internal error"`, "msg=panic", `msg="refresh token reused`,
		`msg="xel evaluation: provider failed`, `msg="google token refresh"`} {
		if !strings.Contains(out, line) {
			t.Errorf("logs lack %s", line)
		}
	}
	for name, s := range secrets {
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, s) {
				t.Errorf("the %s is in the logs: %s", name, line)
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("logs:\n%s", out)
	}
}
