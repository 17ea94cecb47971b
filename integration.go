package xentree

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/token"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

var (
	errGoogleNotConfigured = &xerr.Error{Kind: xerr.Unavailable, Code: "integration_not_configured",
		Message: "Google Calendar is not configured on this server"}
	errInvalidState = &xerr.Error{Kind: xerr.Invalid, Code: "invalid_state", Field: "state",
		Message: "unknown, expired or already used state: start the connection again"}
	errOAuthDenied = &xerr.Error{Kind: xerr.Invalid, Code: "oauth_denied",
		Message: "the Google account did not grant access"}
	errExchangeFailed = &xerr.Error{Kind: xerr.Invalid, Code: "oauth_exchange_failed",
		Message: "Google refused the authorization: start the connection again"}
	errGoogleUnavailable = &xerr.Error{Kind: xerr.Unavailable, Code: "google_unavailable",
		Message: "Google did not answer as expected; try again later"}
	errNeedsReauth = &xerr.Error{Kind: xerr.Conflict, Code: "integration_needs_reauth",
		Message: "access to Google Calendar was revoked or has expired: connect it again"}
	errScopeMissing = &xerr.Error{Kind: xerr.Invalid, Code: "oauth_scope_missing",
		Message: "Google did not grant access to the calendar: connect again and allow every permission asked for"}
	errNotConnected = &xerr.Error{Kind: xerr.NotFound, Code: "integration_not_connected",
		Message: "Google Calendar is not connected"}
)

// oauthStateTTL is how long a started connection may take.
const oauthStateTTL = 10 * time.Minute

func (e *Engine) oauthConfig(redirect string) *oauth2.Config {
	g := e.cfg.Google
	return &oauth2.Config{ClientID: g.ClientID, ClientSecret: g.ClientSecret, RedirectURL: redirect,
		Scopes:   integration.GoogleScopes,
		Endpoint: oauth2.Endpoint{AuthURL: g.AuthURL, TokenURL: g.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
}

// oauthCtx makes x/oauth2 use the configured client for its token calls.
func (e *Engine) oauthCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, e.cfg.Google.HTTPClient)
}

func googleTokenContext(userID string) string { return "google-token:" + userID }

// ListIntegrations returns the caller's connected integrations. It works
// whether or not any provider is configured.
func (e *Engine) ListIntegrations(ctx context.Context, user User) (List[integration.Integration], error) {
	if err := user.Allow(auth.ScopeIntegrationsRead); err != nil {
		return List[integration.Integration]{}, err
	}
	var rows []store.IntegrationRow
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.IntegrationList(ctx, user.ID)
		return err
	})
	out := List[integration.Integration]{Items: make([]integration.Integration, len(rows))}
	for i, r := range rows {
		out.Items[i] = r.Integration
	}
	return out, err
}

// AuthorizeGoogleCalendar starts connecting the caller's Google Calendar:
// the URL to send them to, with PKCE, offline access and the calendar
// scopes only, and a state bound to them for ten minutes.
func (e *Engine) AuthorizeGoogleCalendar(ctx context.Context, user User, req integration.AuthorizeRequest) (integration.AuthorizeResponse, error) {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return integration.AuthorizeResponse{}, err
	}
	g := e.cfg.Google
	if !g.Configured() {
		return integration.AuthorizeResponse{}, errGoogleNotConfigured
	}
	redirect := g.RedirectURL
	if req.RedirectURI != "" {
		if req.RedirectURI != g.RedirectURL && !slices.Contains(g.RedirectURLs, req.RedirectURI) {
			return integration.AuthorizeResponse{}, xerr.InvalidField("redirect_uri", "is not a redirect URI this server is registered with")
		}
		redirect = req.RedirectURI
	}
	state, verifier := ids.Secret(32), oauth2.GenerateVerifier()
	hash := token.Hash(state)
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.OAuthStatePurge(ctx, tx.NowMillis()); err != nil {
			return err
		}
		return tx.OAuthStateInsert(ctx, store.OAuthState{StateHash: hash, UserID: user.ID, Provider: integration.ProviderGoogleCalendar,
			Verifier: e.sealer.Seal([]byte(verifier), "oauth-verifier:"+hash), RedirectURI: redirect,
			ExpiresAt: tx.Now.Add(oauthStateTTL).UnixMilli()})
	})
	if err != nil {
		return integration.AuthorizeResponse{}, err
	}
	u := e.oauthConfig(redirect).AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", "consent")) // consent every time, so Google issues a refresh token
	return integration.AuthorizeResponse{AuthorizationURL: u, State: state}, nil
}

// GoogleCalendarCallback completes the connection with what Google's
// redirect carried. The state must be the caller's, unexpired and unused;
// the code is exchanged with the PKCE verifier, the account's email is
// read, and the tokens are stored sealed. On any failure nothing is stored
// and the state is spent.
func (e *Engine) GoogleCalendarCallback(ctx context.Context, user User, req integration.CallbackRequest) (integration.Integration, error) {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return integration.Integration{}, err
	}
	if !e.cfg.Google.Configured() {
		return integration.Integration{}, errGoogleNotConfigured
	}
	if err := req.Validate(); err != nil {
		return integration.Integration{}, err
	}
	hash := token.Hash(req.State)
	var st store.OAuthState
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if st, err = tx.OAuthStateTake(ctx, hash); err != nil {
			return notFoundAs(err, errInvalidState)
		}
		if st.UserID != user.ID || st.Provider != integration.ProviderGoogleCalendar {
			return errInvalidState // rolled back: the state stays its owner's
		}
		return nil
	})
	if err != nil {
		return integration.Integration{}, err
	}
	if e.cfg.Clock.Now().UnixMilli() >= st.ExpiresAt {
		return integration.Integration{}, errInvalidState
	}
	if req.Error != "" {
		return integration.Integration{}, errOAuthDenied
	}
	verifier, err := e.sealer.Open(st.Verifier, "oauth-verifier:"+hash)
	if err != nil {
		return integration.Integration{}, xerr.Internalf(err, "open the PKCE verifier")
	}
	octx := e.oauthCtx(ctx)
	tok, err := e.oauthConfig(st.RedirectURI).Exchange(octx, req.Code, oauth2.VerifierOption(string(verifier)))
	if err != nil {
		return integration.Integration{}, e.googleTokenError(err, errExchangeFailed)
	}
	var cal struct {
		ID string `json:"id"`
	}
	scopes := strings.Fields(stringOf(tok.Extra("scope")))
	if len(scopes) == 0 {
		scopes = integration.GoogleScopes
	}
	for _, s := range integration.GoogleScopes {
		if !slices.Contains(scopes, s) {
			return integration.Integration{}, errScopeMissing // the user unticked a permission
		}
	}
	if err := e.calendarCall(ctx, tok.AccessToken, http.MethodGet, "/calendars/primary", nil, &cal); err != nil {
		if errors.Is(err, errAccessRejected) || errors.Is(err, errAccessForbidden) {
			return integration.Integration{}, errScopeMissing
		}
		return integration.Integration{}, err
	}
	r := store.IntegrationRow{UserID: user.ID, Integration: integration.Integration{Provider: integration.ProviderGoogleCalendar,
		Status: integration.StatusActive, AccountEmail: cal.ID, Scopes: scopes}}
	if r.Token, err = e.sealToken(user.ID, tok); err != nil {
		return integration.Integration{}, err
	}
	err = e.db.Write(ctx, func(tx *store.Tx) error { return tx.IntegrationUpsert(ctx, &r) })
	return r.Integration, err
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// storedToken is the sealed form of an OAuth token.
type storedToken struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
}

func (e *Engine) sealToken(userID string, t *oauth2.Token) ([]byte, error) {
	if t.ExpiresIn > 0 {
		// Expiry by the engine's clock, which decides when to refresh.
		t.Expiry = e.cfg.Clock.Now().Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	b, err := json.Marshal(storedToken{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry})
	if err != nil {
		return nil, xerr.Internalf(err, "encode token")
	}
	return e.sealer.Seal(b, googleTokenContext(userID)), nil
}

func (e *Engine) openToken(r store.IntegrationRow) (storedToken, error) {
	var t storedToken
	b, err := e.sealer.Open(r.Token, googleTokenContext(r.UserID))
	if err != nil {
		return t, xerr.Internalf(err, "open the stored Google token")
	}
	return t, json.Unmarshal(b, &t)
}

// googleTokenError classifies a token-endpoint failure: Google refusing the
// grant is the caller's (refused), anything else is Google being unavailable.
func (e *Engine) googleTokenError(err error, refused *xerr.Error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
		return refused
	}
	e.log.Warn("google token endpoint", "err", redactOAuth(err))
	return errGoogleUnavailable
}

// redactOAuth keeps an OAuth error's message out of logs beyond its class:
// token endpoints echo request details.
func redactOAuth(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			return "token endpoint answered " + re.Response.Status + " " + re.ErrorCode
		}
		return "token endpoint error " + re.ErrorCode
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + " failed: " + ue.Err.Error()
	}
	return "request failed"
}

// calendarCall calls the Calendar API with an access token and decodes the
// JSON answer into out. A 401 is errAccessRejected, for the caller to refresh.
func (e *Engine) calendarCall(ctx context.Context, access, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return xerr.Internalf(err, "encode calendar request")
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(e.cfg.Google.CalendarURL, "/")+path, rd)
	if err != nil {
		return xerr.Internalf(err, "calendar request")
	}
	req.Header.Set("Authorization", "Bearer "+access)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.cfg.Google.HTTPClient.Do(req)
	if err != nil {
		e.log.Warn("google calendar", "err", redactOAuth(err))
		return errGoogleUnavailable
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	switch {
	case err != nil:
		return errGoogleUnavailable
	case resp.StatusCode == http.StatusUnauthorized:
		return errAccessRejected
	case resp.StatusCode == http.StatusForbidden:
		return errAccessForbidden
	case resp.StatusCode == http.StatusBadRequest:
		return xerr.New(xerr.Invalid, "Google Calendar refused the request")
	case resp.StatusCode/100 != 2:
		e.log.Warn("google calendar", "status", resp.StatusCode)
		return errGoogleUnavailable
	}
	if out != nil && json.Unmarshal(data, out) != nil {
		return errGoogleUnavailable
	}
	return nil
}

var (
	errAccessRejected  = errors.New("google rejected the access token")
	errAccessForbidden = errors.New("google refused the request for lack of permission")
)

// withCalendar runs call with a valid access token for the caller's Google
// Calendar: refreshed when it has expired (by the engine's clock) or when
// Google rejects it, and persisted when it changes. A grant Google no
// longer honours marks the integration needs_reauth.
func (e *Engine) withCalendar(ctx context.Context, user User, call func(access string) error) error {
	if !e.cfg.Google.Configured() {
		return errGoogleNotConfigured
	}
	var row store.IntegrationRow
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		row, err = tx.IntegrationGet(ctx, user.ID, integration.ProviderGoogleCalendar)
		return notFoundAs(err, errNotConnected)
	})
	if err != nil {
		return err
	}
	if row.Status == integration.StatusNeedsReauth {
		return errNeedsReauth
	}
	t, err := e.openToken(row)
	if err != nil {
		return err
	}
	access := t.AccessToken
	if !t.Expiry.IsZero() && !e.cfg.Clock.Now().Before(t.Expiry.Add(-time.Minute)) {
		if access, err = e.refreshGoogle(ctx, &row, t); err != nil {
			return err
		}
	}
	err = call(access)
	if errors.Is(err, errAccessRejected) {
		if access, err = e.refreshGoogle(ctx, &row, t); err != nil {
			return err
		}
		err = call(access)
	}
	switch {
	case errors.Is(err, errAccessForbidden):
		// The grant lacks a permission the call needs: only a new consent helps.
		return e.markNeedsReauth(ctx, row)
	case errors.Is(err, errAccessRejected):
		return errGoogleUnavailable
	}
	return err
}

// refreshGoogle gets a new access token with the stored refresh token and
// persists it. Only Google refusing the grant itself (invalid_grant: revoked
// or expired) marks the integration needs_reauth; a misconfigured client or
// an outage must not make every user consent again.
func (e *Engine) refreshGoogle(ctx context.Context, row *store.IntegrationRow, t storedToken) (string, error) {
	userID := row.UserID
	if t.RefreshToken == "" {
		return "", e.markNeedsReauth(ctx, *row)
	}
	nt, err := e.oauthConfig(e.cfg.Google.RedirectURL).TokenSource(e.oauthCtx(ctx), &oauth2.Token{RefreshToken: t.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return "", e.markNeedsReauth(ctx, *row)
		}
		e.log.Warn("google token refresh", "err", redactOAuth(err))
		return "", errGoogleUnavailable
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.RefreshToken // Google keeps the grant's refresh token
	}
	sealed, err := e.sealToken(userID, nt)
	if err != nil {
		return "", err
	}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		return tx.IntegrationSetToken(ctx, userID, integration.ProviderGoogleCalendar, integration.StatusActive, row.Token, sealed)
	})
	if xerr.Is(err, xerr.NotFound) {
		// The stored token changed meanwhile. Another call's refresh (the
		// usual case: two calls after the token expired) leaves the
		// integration active, and the token Google just gave this call
		// is as good as that one; a reconnect or a disconnect wins.
		var cur store.IntegrationRow
		rerr := e.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			cur, err = tx.IntegrationGet(ctx, userID, integration.ProviderGoogleCalendar)
			return err
		})
		if rerr != nil || cur.Status != integration.StatusActive || !cur.ConnectedAt.Equal(row.ConnectedAt.Time) {
			return "", errGoogleUnavailable
		}
		*row = cur
		return nt.AccessToken, nil
	}
	row.Token = sealed
	return nt.AccessToken, err
}

func (e *Engine) markNeedsReauth(ctx context.Context, row store.IntegrationRow) error {
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		return tx.IntegrationSetToken(ctx, row.UserID, integration.ProviderGoogleCalendar, integration.StatusNeedsReauth, row.Token, nil)
	})
	if err != nil && !xerr.Is(err, xerr.NotFound) {
		return err
	}
	return errNeedsReauth
}

// googleEvent is the Calendar API's event, as far as Xentree reads it.
type googleEvent struct {
	ID          string     `json:"id,omitempty"`
	Status      string     `json:"status,omitempty"`
	HTMLLink    string     `json:"htmlLink,omitempty"`
	Summary     string     `json:"summary"`
	Description string     `json:"description,omitempty"`
	Location    string     `json:"location,omitempty"`
	Start       googleTime `json:"start"`
	End         googleTime `json:"end"`
}

type googleTime struct {
	DateTime string `json:"dateTime,omitempty"`
	Date     string `json:"date,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
}

func (g googleEvent) event() integration.Event {
	ev := integration.Event{ID: g.ID, Summary: g.Summary, Description: g.Description, Location: g.Location,
		Status: g.Status, HTMLLink: g.HTMLLink, Start: g.Start.DateTime, End: g.End.DateTime}
	if g.Start.DateTime == "" {
		ev.Start, ev.End, ev.AllDay = g.Start.Date, g.End.Date, true
	}
	return ev
}

// ListCalendarEvents returns the events of the caller's primary Google
// Calendar between from and to (RFC 3339; default now and a week later).
func (e *Engine) ListCalendarEvents(ctx context.Context, user User, from, to string) (integration.EventsResponse, error) {
	if err := user.Allow(auth.ScopeIntegrationsRead); err != nil {
		return integration.EventsResponse{}, err
	}
	f, t, err := integration.EventRange(from, to, e.cfg.Clock.Now())
	if err != nil {
		return integration.EventsResponse{}, err
	}
	q := url.Values{"timeMin": {f.Format(time.RFC3339)}, "timeMax": {t.Format(time.RFC3339)}, "singleEvents": {"true"},
		"orderBy": {"startTime"}, "maxResults": {"250"}}
	var res struct {
		Items []googleEvent `json:"items"`
	}
	err = e.withCalendar(ctx, user, func(access string) error {
		return e.calendarCall(ctx, access, http.MethodGet, "/calendars/primary/events?"+q.Encode(), nil, &res)
	})
	out := integration.EventsResponse{Items: make([]integration.Event, 0, len(res.Items))}
	for _, g := range res.Items {
		out.Items = append(out.Items, g.event())
	}
	return out, err
}

// CreateCalendarEvent schedules a learning session on the caller's primary
// Google Calendar.
func (e *Engine) CreateCalendarEvent(ctx context.Context, user User, req integration.CreateEventRequest) (integration.Event, error) {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return integration.Event{}, err
	}
	if err := req.Validate(); err != nil {
		return integration.Event{}, err
	}
	body := googleEvent{Summary: req.Summary, Description: req.Description,
		Start: googleTime{DateTime: req.Start.UTC().Format(time.RFC3339), TimeZone: req.TimeZone},
		End:   googleTime{DateTime: req.End.UTC().Format(time.RFC3339), TimeZone: req.TimeZone}}
	var created googleEvent
	err := e.withCalendar(ctx, user, func(access string) error {
		return e.calendarCall(ctx, access, http.MethodPost, "/calendars/primary/events", body, &created)
	})
	return created.event(), err
}

// DisconnectGoogleCalendar revokes the grant at Google and forgets it. A
// revocation Google cannot take (down, or the grant already gone) does not
// keep the local copy: the user asked for it to go.
func (e *Engine) DisconnectGoogleCalendar(ctx context.Context, user User) error {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return err
	}
	var row store.IntegrationRow
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		row, err = tx.IntegrationGet(ctx, user.ID, integration.ProviderGoogleCalendar)
		return notFoundAs(err, errNotConnected)
	})
	if err != nil {
		return err
	}
	if t, err := e.openToken(row); err == nil {
		tok := t.RefreshToken
		if tok == "" {
			tok = t.AccessToken
		}
		e.revokeAtGoogle(ctx, tok)
	}
	return e.db.Write(ctx, func(tx *store.Tx) error {
		return notFoundAs(tx.IntegrationDelete(ctx, user.ID, integration.ProviderGoogleCalendar), errNotConnected)
	})
}

func (e *Engine) revokeAtGoogle(ctx context.Context, tok string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.Google.RevokeURL,
		strings.NewReader(url.Values{"token": {tok}}.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.cfg.Google.HTTPClient.Do(req)
	if err != nil {
		e.log.Warn("google revoke", "err", redactOAuth(err))
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.log.Warn("google revoke", "status", resp.StatusCode)
	}
}
