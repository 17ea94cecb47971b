package xentreetest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The only OAuth client FakeGoogle knows, as if registered in a Google Cloud
// project.
const (
	FakeGoogleClientID     = "fake-client-id.apps.googleusercontent.com"
	FakeGoogleClientSecret = "fake-secret"
)

// FakeGoogle is the part of Google that a Calendar integration talks to:
// the OAuth 2.0 authorization, token and revocation endpoints and the
// Calendar v3 API for the primary calendar. It speaks Google's wire formats,
// errors included, so the real golang.org/x/oauth2 client runs against it.
// It is safe for concurrent use.
//
//	g := xentreetest.NewFakeGoogle(t)
//	conf := oauth2.Config{
//		ClientID: xentreetest.FakeGoogleClientID, ClientSecret: xentreetest.FakeGoogleClientSecret,
//		Endpoint: oauth2.Endpoint{AuthURL: g.AuthURL(), TokenURL: g.TokenURL()}, ...
//	}
//	back, _ := g.Consent(conf.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)))
//	// back is the redirect_uri with code and state, for the callback handler.
//
// Codes and access tokens expire on the real clock (ten minutes, an hour),
// which no test waits for: ExpireAccessTokens and RevokeGrant make the
// failures happen on demand.
type FakeGoogle struct {
	t   testing.TB
	srv *httptest.Server

	mu            sync.Mutex
	account       string
	codes         map[string]*googleCode
	access        map[string]*googleAccess
	grants        map[string]*googleGrant // by refresh token
	events        []*googleEvent          // in the order they were stored
	nextEvent     int
	failToken     int
	tokenRequests int
	hold          *tokenHold // the next token requests wait for each other
	revoked       []string
}

// googleCode is an authorization code and what it was issued for.
type googleCode struct {
	clientID, redirectURI, challenge, scope, account string
	expires                                          time.Time
	used                                             bool
}

// googleGrant is what a user's consent gave the client: it lives as long as
// its refresh token, and its access tokens die with it.
type googleGrant struct {
	account, scope, refresh string
	revoked                 bool
}

type googleAccess struct {
	grant   *googleGrant
	expires time.Time
	expired bool
}

type googleEvent struct {
	account, id, summary, description, location string
	start, end                                  googleWhen
}

// googleWhen is an event's start or end: a dateTime, or a date for all-day
// events, kept as the client wrote it because Google echoes it.
type googleWhen struct {
	dateTime, date, timeZone string
	at                       time.Time // for filtering and sorting
}

// Lifetimes Google gives its codes and access tokens.
const (
	googleCodeLife   = 10 * time.Minute
	googleAccessLife = 3599 * time.Second
)

// googleDecision is the header by which Deny tells the authorization
// endpoint to refuse. A header rather than a flag on the fake keeps a Deny
// from leaking into a concurrent Consent.
const googleDecision = "X-Fake-Google-Decision"

// googleZone is the time zone of every fake calendar, which also places
// all-day events. Without the tz database it falls back to UTC.
var googleZone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
})

// NewFakeGoogle starts a FakeGoogle that stops when the test ends.
func NewFakeGoogle(t testing.TB) *FakeGoogle {
	t.Helper()
	g := &FakeGoogle{
		t:       t,
		account: "learner@gmail.example",
		codes:   map[string]*googleCode{},
		access:  map[string]*googleAccess{},
		grants:  map[string]*googleGrant{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /o/oauth2/v2/auth", g.authorize)
	mux.HandleFunc("POST /token", g.token)
	mux.HandleFunc("POST /revoke", g.revoke)
	mux.HandleFunc("GET /calendar/v3/calendars/{calendarId}", g.calendarAPI(g.getCalendar))
	mux.HandleFunc("GET /calendar/v3/calendars/{calendarId}/events", g.calendarAPI(g.listEvents))
	mux.HandleFunc("POST /calendar/v3/calendars/{calendarId}/events", g.calendarAPI(g.insertEvent))
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

// URL returns the server's root URL, e.g. http://127.0.0.1:PORT.
func (g *FakeGoogle) URL() string { return g.srv.URL }

// AuthURL is the authorization endpoint, Google's
// https://accounts.google.com/o/oauth2/v2/auth.
func (g *FakeGoogle) AuthURL() string { return g.srv.URL + "/o/oauth2/v2/auth" }

// TokenURL is the token endpoint, Google's https://oauth2.googleapis.com/token.
func (g *FakeGoogle) TokenURL() string { return g.srv.URL + "/token" }

// RevokeURL is the revocation endpoint, Google's https://oauth2.googleapis.com/revoke.
func (g *FakeGoogle) RevokeURL() string { return g.srv.URL + "/revoke" }

// CalendarURL is the base of the Calendar API, Google's
// https://www.googleapis.com/calendar/v3.
func (g *FakeGoogle) CalendarURL() string { return g.srv.URL + "/calendar/v3" }

// SetAccount sets the Google account that consents from now on, and whose
// calendar AddEvent fills. It is "learner@gmail.example" until changed.
func (g *FakeGoogle) SetAccount(email string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.account = email
}

// Consent does what the browser and the user do: it opens authURL, the user
// agrees, and it returns where Google redirects, the redirect_uri with code
// and state, without following it. Any answer but a redirect is an error
// carrying Google's message.
func (g *FakeGoogle) Consent(authURL string) (redirect *url.URL, err error) {
	return g.decide(authURL, "allow")
}

// Deny is Consent with the user refusing: the redirect carries
// error=access_denied and the state.
func (g *FakeGoogle) Deny(authURL string) (redirect *url.URL, err error) {
	return g.decide(authURL, "deny")
}

func (g *FakeGoogle) decide(authURL, decision string) (*url.URL, error) {
	req, err := http.NewRequest(http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(googleDecision, decision)
	browser := &http.Client{
		Transport:     g.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       waitLimit,
	}
	resp, err := browser.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("xentreetest: fake Google answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return url.Parse(resp.Header.Get("Location"))
}

// ExpireAccessTokens makes every access token issued so far answer 401 at
// the Calendar API, as an hour passing would; refreshing still works.
func (g *FakeGoogle) ExpireAccessTokens() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range g.access {
		a.expired = true
	}
}

// RevokeGrant revokes every grant, as when users remove the app's access in
// their Google accounts: refresh tokens get invalid_grant and access tokens
// 401.
func (g *FakeGoogle) RevokeGrant() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, gr := range g.grants {
		gr.revoked = true
	}
}

// FailTokenEndpoint makes the next n token requests answer 500
// {"error":"internal_failure"}, before looking at them. Beware that
// golang.org/x/oauth2 with AuthStyleAutoDetect retries a failed request
// with the credentials moved to the body until one request to this token
// URL succeeded, so a failure may then cost two requests.
func (g *FakeGoogle) FailTokenEndpoint(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failToken += n
}

// tokenHold is a barrier for HoldTokenRequests.
type tokenHold struct {
	left int
	all  chan struct{} // closed when the last of them arrived
}

// HoldTokenRequests makes the next n token requests wait for each other:
// none is answered until all n have arrived, so n callers are sure to be
// refreshing at once (two calls that found the same expired token). If
// they have not all arrived within holdLimit, the test fails and those
// waiting are answered. n below 2 holds nothing.
func (g *FakeGoogle) HoldTokenRequests(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n < 2 {
		g.hold = nil
		return
	}
	h := &tokenHold{left: n, all: make(chan struct{})}
	g.hold = h
	release := func(report bool) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.hold == h {
			if report {
				g.t.Errorf("FakeGoogle: %d of %d held token requests never came", h.left, n)
			}
			g.hold = nil
			close(h.all)
		}
	}
	timer := time.AfterFunc(holdLimit, func() { release(true) })
	// Tied to the test: a test that ends with the hold unfilled neither
	// leaves a timer to report into a finished test nor a request waiting.
	g.t.Cleanup(func() {
		timer.Stop()
		release(false)
	})
}

// holdLimit bounds HoldTokenRequests' wait: a test whose requests do not
// all come fails instead of hanging.
const holdLimit = 10 * time.Second

// Revoked returns the tokens posted to the revocation endpoint, known or
// not, oldest first.
func (g *FakeGoogle) Revoked() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.revoked)
}

// Events returns every stored event, of every account, whether added by
// the test or inserted through the API, oldest first, in the JSON shape the
// Calendar API returns them.
func (g *FakeGoogle) Events() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]map[string]any, len(g.events))
	for i, e := range g.events {
		out[i] = e.json()
	}
	return out
}

// TokenRequests returns how many requests the token endpoint received,
// failed ones included.
func (g *FakeGoogle) TokenRequests() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tokenRequests
}

// IssuedTokens returns every access and refresh token the fake has issued,
// so a test can look for them where they must not be (files, logs).
func (g *FakeGoogle) IssuedTokens() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for t := range g.access {
		out = append(out, t)
	}
	for t := range g.grants {
		out = append(out, t)
	}
	return out
}

// AddEvent stores a timed event in the current account's primary calendar.
func (g *FakeGoogle) AddEvent(summary string, start, end time.Time) {
	g.t.Helper()
	if !end.After(start) {
		g.t.Fatalf("xentreetest: AddEvent %q ends at %v, not after its start %v", summary, end, start)
	}
	g.add(summary, googleWhen{dateTime: start.Format(time.RFC3339), at: start}, googleWhen{dateTime: end.Format(time.RFC3339), at: end})
}

// AddAllDayEvent stores an all-day event, day being a date such as
// "2026-04-17", in the current account's primary calendar. Like Google it
// ends on the next day, exclusive.
func (g *FakeGoogle) AddAllDayEvent(summary, day string) {
	g.t.Helper()
	start, err := time.ParseInLocation(time.DateOnly, day, googleZone())
	if err != nil {
		g.t.Fatalf("xentreetest: AddAllDayEvent %q: %v", summary, err)
	}
	end := start.AddDate(0, 0, 1)
	g.add(summary, googleWhen{date: day, at: start}, googleWhen{date: end.Format(time.DateOnly), at: end})
}

func (g *FakeGoogle) add(summary string, start, end googleWhen) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.store(&googleEvent{account: g.account, summary: summary, start: start, end: end})
}

func (g *FakeGoogle) store(e *googleEvent) {
	g.nextEvent++
	e.id = fmt.Sprintf("fake%04d%s", g.nextEvent, randomHex(8))
	g.events = append(g.events, e)
}

// authorize is the consent screen. Bad requests get Google's error page,
// reduced to its text; Google would show it rather than redirect.
func (g *FakeGoogle) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "Error %d: %s\n\n%s\n", status, code, msg)
	}
	for _, p := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "access_type"} {
		if q.Get(p) == "" {
			fail(http.StatusBadRequest, "invalid_request", "Missing required parameter: "+p)
			return
		}
	}
	if q.Get("client_id") != FakeGoogleClientID {
		fail(http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !back.IsAbs() || back.Fragment != "" {
		fail(http.StatusBadRequest, "invalid_request", "Invalid parameter value for redirect_uri: "+q.Get("redirect_uri"))
		return
	}
	if q.Get("response_type") != "code" {
		fail(http.StatusBadRequest, "unsupported_response_type", "Invalid response_type: "+q.Get("response_type"))
		return
	}
	// Google also takes plain challenges and online access; Xentree must
	// not use them, so the fake refuses them.
	if q.Get("code_challenge_method") != "S256" {
		fail(http.StatusBadRequest, "invalid_request", "code_challenge_method must be S256, got "+strconv.Quote(q.Get("code_challenge_method")))
		return
	}
	if n := len(q.Get("code_challenge")); n < 43 || n > 128 {
		fail(http.StatusBadRequest, "invalid_request", "Invalid code_challenge: it must be 43 to 128 characters")
		return
	}
	if q.Get("access_type") != "offline" {
		fail(http.StatusBadRequest, "invalid_request", "access_type must be offline, or no refresh token is issued, got "+strconv.Quote(q.Get("access_type")))
		return
	}

	reply := back.Query()
	reply.Set("state", q.Get("state"))
	if r.Header.Get(googleDecision) == "deny" {
		reply.Set("error", "access_denied")
	} else {
		scope := strings.Join(strings.Fields(q.Get("scope")), " ")
		code := "4/0" + rand.Text()
		g.mu.Lock()
		g.codes[code] = &googleCode{
			clientID:    q.Get("client_id"),
			redirectURI: q.Get("redirect_uri"),
			challenge:   q.Get("code_challenge"),
			scope:       scope,
			account:     g.account,
			expires:     time.Now().Add(googleCodeLife),
		}
		g.mu.Unlock()
		// Google adds these too; a callback must ignore what it does not use.
		reply.Set("code", code)
		reply.Set("scope", scope)
		reply.Set("authuser", "0")
		reply.Set("prompt", "consent")
	}
	back.RawQuery = reply.Encode()
	w.Header().Set("Location", back.String())
	w.WriteHeader(http.StatusFound)
}

func (g *FakeGoogle) token(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	h := g.hold
	if h != nil {
		if h.left--; h.left == 0 {
			close(h.all)
			g.hold = nil
		}
	}
	g.mu.Unlock()
	if h != nil {
		select {
		case <-h.all:
		case <-r.Context().Done():
			return
		}
	}
	parseErr := r.ParseForm()
	status, body := g.tokenAnswer(r, parseErr)
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, body)
}

func (g *FakeGoogle) tokenAnswer(r *http.Request, parseErr error) (int, map[string]any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokenRequests++
	if g.failToken > 0 {
		g.failToken--
		return http.StatusInternalServerError, map[string]any{"error": "internal_failure"}
	}
	if parseErr != nil {
		return http.StatusBadRequest, oauthError("invalid_request", "The request body could not be parsed.")
	}
	// Only the body counts: Google ignores parameters in the token URL.
	form := r.PostForm
	clientID, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 form-encodes the credentials before Basic encoding them,
		// and x/oauth2 does so.
		clientID, _ = url.QueryUnescape(clientID)
		secret, _ = url.QueryUnescape(secret)
	} else {
		clientID, secret = form.Get("client_id"), form.Get("client_secret")
	}
	switch {
	case clientID == "":
		return http.StatusBadRequest, oauthError("invalid_request", "Could not determine client ID from request.")
	case clientID != FakeGoogleClientID:
		return http.StatusUnauthorized, oauthError("invalid_client", "The OAuth client was not found.")
	case secret != FakeGoogleClientSecret:
		return http.StatusUnauthorized, oauthError("invalid_client", "Unauthorized")
	}

	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		code := form.Get("code")
		if code == "" {
			return http.StatusBadRequest, oauthError("invalid_request", "Missing required parameter: code")
		}
		c, ok := g.codes[code]
		switch {
		case !ok:
			return http.StatusBadRequest, oauthError("invalid_grant", "Malformed auth code.")
		case c.used || time.Now().After(c.expires) || c.clientID != clientID:
			return http.StatusBadRequest, oauthError("invalid_grant", "Bad Request")
		case form.Get("redirect_uri") != c.redirectURI:
			return http.StatusBadRequest, oauthError("redirect_uri_mismatch", "Bad Request")
		case form.Get("code_verifier") == "":
			return http.StatusBadRequest, oauthError("invalid_grant", "Missing code verifier.")
		case s256(form.Get("code_verifier")) != c.challenge:
			return http.StatusBadRequest, oauthError("invalid_grant", "Invalid code verifier.")
		}
		c.used = true
		gr := &googleGrant{account: c.account, scope: c.scope, refresh: "1//" + rand.Text()}
		g.grants[gr.refresh] = gr
		body := g.issue(gr)
		body["refresh_token"] = gr.refresh
		return http.StatusOK, body
	case "refresh_token":
		rt := form.Get("refresh_token")
		if rt == "" {
			return http.StatusBadRequest, oauthError("invalid_request", "Missing required parameter: refresh_token")
		}
		gr, ok := g.grants[rt]
		if !ok || gr.revoked {
			return http.StatusBadRequest, oauthError("invalid_grant", "Token has been expired or revoked.")
		}
		// Google keeps the refresh token, so none comes back.
		return http.StatusOK, g.issue(gr)
	case "":
		return http.StatusBadRequest, oauthError("unsupported_grant_type", "Missing required parameter: grant_type")
	default:
		return http.StatusBadRequest, oauthError("unsupported_grant_type", "Invalid grant_type: "+gt)
	}
}

// issue makes a new access token for gr and returns the token response
// without a refresh token.
func (g *FakeGoogle) issue(gr *googleGrant) map[string]any {
	tok := "ya29." + rand.Text()
	g.access[tok] = &googleAccess{grant: gr, expires: time.Now().Add(googleAccessLife)}
	return map[string]any{
		"access_token": tok,
		"expires_in":   int(googleAccessLife / time.Second),
		"scope":        gr.scope,
		"token_type":   "Bearer",
	}
}

// revoke revokes the grant of an access or a refresh token, as Google does
// for either.
func (g *FakeGoogle) revoke(w http.ResponseWriter, r *http.Request) {
	tok := r.FormValue("token")
	status, body := func() (int, map[string]any) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.revoked = append(g.revoked, tok)
		gr, ok := g.grants[tok]
		if a, isAccess := g.access[tok]; isAccess {
			gr, ok = a.grant, g.liveAccess(a)
		}
		switch {
		case gr == nil:
			return http.StatusBadRequest, oauthError("invalid_token", "Bad Request")
		case !ok || gr.revoked:
			return http.StatusBadRequest, oauthError("invalid_token", "Token expired or revoked")
		}
		gr.revoked = true
		return http.StatusOK, map[string]any{}
	}()
	writeJSON(w, status, body)
}

func (g *FakeGoogle) liveAccess(a *googleAccess) bool {
	return !a.expired && !a.grant.revoked && time.Now().Before(a.expires)
}

// calendarAPI wraps a Calendar API handler, which runs under the lock, with
// what every call goes through: the access token, then the calendar ID,
// which may be "primary" or the account's email.
func (g *FakeGoogle) calendarAPI(h func(account string, r *http.Request, body []byte) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		status, v := func() (int, any) {
			g.mu.Lock()
			defer g.mu.Unlock()
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			a := g.access[tok]
			if !ok || a == nil || !g.liveAccess(a) {
				return http.StatusUnauthorized, map[string]any{"error": map[string]any{
					"code":    http.StatusUnauthorized,
					"message": "Request had invalid authentication credentials.",
					"errors": []any{map[string]any{
						"message": "Invalid Credentials", "domain": "global", "reason": "authError",
						"location": "Authorization", "locationType": "header",
					}},
					"status": "UNAUTHENTICATED",
				}}
			}
			if id := r.PathValue("calendarId"); id != "primary" && id != a.grant.account {
				return calendarError(http.StatusNotFound, "notFound", "Not Found")
			}
			return h(a.grant.account, r, body)
		}()
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		}
		writeJSON(w, status, v)
	}
}

func (g *FakeGoogle) getCalendar(account string, _ *http.Request, _ []byte) (int, any) {
	return http.StatusOK, map[string]any{
		"kind":     "calendar#calendar",
		"id":       account,
		"summary":  account,
		"timeZone": googleZone().String(),
	}
}

// listEvents returns what Google does for timeMin and timeMax: the events
// that overlap [timeMin, timeMax), i.e. end after timeMin and start before
// timeMax, so one already under way at timeMin is included.
func (g *FakeGoogle) listEvents(account string, r *http.Request, _ []byte) (int, any) {
	q := r.URL.Query()
	var bounds [2]time.Time
	for i, p := range []string{"timeMin", "timeMax"} {
		if v := q.Get(p); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return calendarError(http.StatusBadRequest, "badRequest", "Bad Request")
			}
			bounds[i] = t
		}
	}
	if q.Get("orderBy") == "startTime" && q.Get("singleEvents") != "true" {
		return calendarError(http.StatusBadRequest, "badRequest", "The requested ordering is not available for the particular query.")
	}
	limit := 250
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return calendarError(http.StatusBadRequest, "invalid", fmt.Sprintf("Invalid value '%s'. Values must be within the range: [1, 2500]", v))
		}
		limit = min(n, 2500)
	}

	var found []*googleEvent
	for _, e := range g.events {
		if e.account == account &&
			(bounds[0].IsZero() || e.end.at.After(bounds[0])) &&
			(bounds[1].IsZero() || e.start.at.Before(bounds[1])) {
			found = append(found, e)
		}
	}
	slices.SortStableFunc(found, func(a, b *googleEvent) int { return a.start.at.Compare(b.start.at) })

	// Page tokens are opaque to clients; an offset does.
	from := 0
	if v := q.Get("pageToken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > len(found) {
			return calendarError(http.StatusBadRequest, "invalid", "Invalid page token value.")
		}
		from = n
	}
	to := min(from+limit, len(found))
	items := make([]any, 0, to-from)
	for _, e := range found[from:to] {
		items = append(items, e.json())
	}
	out := map[string]any{
		"kind":     "calendar#events",
		"summary":  account,
		"timeZone": googleZone().String(),
		"items":    items,
	}
	if to < len(found) {
		out["nextPageToken"] = strconv.Itoa(to)
	}
	return http.StatusOK, out
}

func (g *FakeGoogle) insertEvent(account string, _ *http.Request, body []byte) (int, any) {
	type when struct{ DateTime, Date, TimeZone string }
	var in struct {
		Summary, Description, Location string
		Start, End                     *when
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return calendarError(http.StatusBadRequest, "parseError", "Parse Error")
	}
	// Google accepts an event without a summary; Xentree never means to
	// create one, so the fake refuses it.
	if in.Summary == "" {
		return calendarError(http.StatusBadRequest, "required", "Missing summary.")
	}
	var ends [2]googleWhen
	for i, w := range []*when{in.Start, in.End} {
		name := [2]string{"start", "end"}[i]
		if w == nil || (w.DateTime == "" && w.Date == "") {
			return calendarError(http.StatusBadRequest, "required", "Missing "+name+" time.")
		}
		gw, msg := parseWhen(w.DateTime, w.Date, w.TimeZone)
		if msg != "" {
			return calendarError(http.StatusBadRequest, "invalid", msg+" "+name+" time.")
		}
		ends[i] = gw
	}
	if !ends[1].at.After(ends[0].at) {
		return calendarError(http.StatusBadRequest, "timeRangeEmpty", "The specified time range is empty.")
	}
	e := &googleEvent{account: account, summary: in.Summary, description: in.Description, location: in.Location, start: ends[0], end: ends[1]}
	g.store(e)
	return http.StatusOK, e.json()
}

// parseWhen reads an event time as Google does: a dateTime with an offset,
// or a local one with a timeZone, or a date. A non-empty msg begins
// Google's error message.
func parseWhen(dateTime, date, zone string) (w googleWhen, msg string) {
	w = googleWhen{dateTime: dateTime, date: date, timeZone: zone}
	loc := googleZone()
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return w, "Invalid time zone definition for"
		}
		loc = l
	}
	var err error
	switch {
	case dateTime != "":
		w.at, err = time.Parse(time.RFC3339, dateTime)
		if err != nil && zone != "" {
			w.at, err = time.ParseInLocation("2006-01-02T15:04:05", dateTime, loc)
		}
	default:
		w.at, err = time.ParseInLocation(time.DateOnly, date, loc)
	}
	if err != nil {
		return w, "Invalid"
	}
	return w, ""
}

func (e *googleEvent) json() map[string]any {
	m := map[string]any{
		"kind":      "calendar#event",
		"id":        e.id,
		"status":    "confirmed",
		"htmlLink":  "https://calendar.example/event?eid=" + e.id,
		"summary":   e.summary,
		"creator":   map[string]any{"email": e.account, "self": true},
		"organizer": map[string]any{"email": e.account, "self": true},
		"start":     e.start.json(),
		"end":       e.end.json(),
	}
	// Google leaves out empty fields rather than sending "".
	if e.description != "" {
		m["description"] = e.description
	}
	if e.location != "" {
		m["location"] = e.location
	}
	return m
}

func (w googleWhen) json() map[string]any {
	m := map[string]any{}
	if w.dateTime != "" {
		m["dateTime"] = w.dateTime
	} else {
		m["date"] = w.date
	}
	if w.timeZone != "" {
		m["timeZone"] = w.timeZone
	}
	return m
}

// oauthError is the error body of Google's OAuth endpoints.
func oauthError(code, description string) map[string]any {
	return map[string]any{"error": code, "error_description": description}
}

// calendarError is the error body of the Calendar API.
func calendarError(status int, reason, message string) (int, any) {
	return status, map[string]any{"error": map[string]any{
		"code":    status,
		"message": message,
		"errors":  []any{map[string]any{"domain": "global", "reason": reason, "message": message}},
	}}
}

// s256 is the PKCE S256 transform of a code verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
