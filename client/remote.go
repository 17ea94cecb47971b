package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/list"
)

// Remote is the API of a Xentree server, over its REST API. It is safe for
// concurrent use.
type Remote struct {
	base   string // scheme://host[/prefix], no trailing slash
	hc     *http.Client
	apiKey string

	mu      sync.Mutex // guards access and refresh
	access  string
	refresh string

	// refreshing serializes refreshes: a refresh token is rotated on use,
	// and two refreshes that overlap would both send the same one, whose
	// second use revokes the session.
	refreshing sync.Mutex
}

var _ API = (*Remote)(nil)

// Option configures a Remote.
type Option func(*Remote)

// WithHTTPClient sends requests with hc instead of http.DefaultClient, for
// timeouts, proxies or TLS settings.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Remote) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithToken authenticates with an access token (as from Login). Without a
// refresh token the client cannot renew it when it expires.
func WithToken(accessToken string) Option { return func(c *Remote) { c.access = accessToken } }

// WithRefreshToken gives the client a refresh token, for a program that
// kept one (see Tokens): Refresh, or the first 401, exchanges it.
func WithRefreshToken(refreshToken string) Option {
	return func(c *Remote) { c.refresh = refreshToken }
}

// WithAPIKey authenticates with an API key (X-API-Key). The server prefers
// an access token when a request carries both.
func WithAPIKey(key string) Option { return func(c *Remote) { c.apiKey = key } }

// New returns a client of the server at baseURL, such as
// "http://127.0.0.1:8080", or "https://example.com/learn" for an API mounted
// under a prefix.
func New(baseURL string, opts ...Option) (*Remote, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: base URL %q is not an absolute http(s) URL without query", baseURL)
	}
	c := &Remote{base: strings.TrimSuffix(u.String(), "/"), hc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	// A redirect is never followed: Go's client turns a POST, PATCH or
	// DELETE into a GET on 301-303 (a write would come back as a decoded
	// list, a false success) and sends X-API-Key on to wherever it points.
	// The server never redirects; a proxy that does gets an error naming
	// where it pointed.
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	return c, nil
}

// Register creates an account. It needs no credentials and stores none.
func (c *Remote) Register(ctx context.Context, req auth.RegisterRequest) (auth.Profile, error) {
	return decode[auth.Profile](c.send(ctx, request{method: "POST", path: "/api/auth/register", body: req}))
}

// Login exchanges credentials for tokens and keeps them: later calls use
// the access token, and Refresh the refresh token.
func (c *Remote) Login(ctx context.Context, req auth.LoginRequest) (auth.TokenResponse, error) {
	tok, err := decode[auth.TokenResponse](c.send(ctx, request{method: "POST", path: "/api/auth/login", body: req}))
	if err == nil {
		c.setTokens(tok.AccessToken, tok.RefreshToken)
	}
	return tok, err
}

// Refresh exchanges the stored refresh token for a new pair, which replaces
// the stored one. A Remote also does this by itself, once, when a request
// meets a 401.
func (c *Remote) Refresh(ctx context.Context) (auth.TokenResponse, error) {
	c.refreshing.Lock()
	defer c.refreshing.Unlock()
	return c.refreshLocked(ctx)
}

// Tokens returns the access and refresh tokens the client holds now, for a
// program that keeps them between runs.
func (c *Remote) Tokens() (access, refresh string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access, c.refresh
}

func (c *Remote) setTokens(access, refresh string) {
	c.mu.Lock()
	c.access, c.refresh = access, refresh
	c.mu.Unlock()
}

func (c *Remote) refreshLocked(ctx context.Context) (auth.TokenResponse, error) {
	_, rt := c.Tokens()
	if rt == "" {
		return auth.TokenResponse{}, xerr.New(xerr.Unauthenticated, "no refresh token: log in first")
	}
	// Not under the caller's context: the server rotates the refresh token
	// as it answers, and an answer lost to a cancellation would leave the
	// old one here, whose next use revokes the session.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	tok, err := decode[auth.TokenResponse](c.send(ctx, request{method: "POST", path: "/api/auth/refresh",
		body: auth.RefreshRequest{RefreshToken: rt}}))
	if err == nil {
		c.setTokens(tok.AccessToken, tok.RefreshToken)
	}
	return tok, err
}

// refreshTimeout bounds a refresh, which outlives its caller's context.
const refreshTimeout = 30 * time.Second

// refreshAfter refreshes the tokens unless another request already
// replaced the access token stale, so that the requests that all met a 401
// together refresh once and then retry.
func (c *Remote) refreshAfter(ctx context.Context, stale string) error {
	c.refreshing.Lock()
	defer c.refreshing.Unlock()
	if access, _ := c.Tokens(); access != stale {
		return nil
	}
	_, err := c.refreshLocked(ctx)
	return err
}

// request is one API call. Its body is encoded once, so a retry after a
// refresh can send it again.
type request struct {
	method, path string
	query        url.Values
	body         any  // JSON-encoded, unless an upload
	authed       bool // sends credentials, and refreshes once on a 401
	stream       bool // asks for Server-Sent Events
}

// upload is a body that is not JSON.
type upload struct {
	contentType string
	data        []byte
}

// do makes an authenticated call and decodes its JSON answer.
func do[T any](ctx context.Context, c *Remote, method, path string, q url.Values, body any) (T, error) {
	return decode[T](c.send(ctx, request{method: method, path: path, query: q, body: body, authed: true}))
}

// exec is do for calls whose answer the API does not return.
func exec(ctx context.Context, c *Remote, method, path string, q url.Values, body any) error {
	_, err := do[struct{}](ctx, c, method, path, q, body)
	return err
}

func decode[T any](resp *http.Response, err error) (T, error) {
	var v T
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return v, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return v, xerr.Internalf(err, "client: decode the answer of %s", resp.Request.URL.Path)
	}
	return v, nil
}

// send makes the call and returns a 2xx response; any other status comes
// back as the error it carries.
func (c *Remote) send(ctx context.Context, r request) (*http.Response, error) {
	if strings.Contains(r.path, dotID) {
		return nil, &xerr.Error{Kind: xerr.NotFound, Message: "not found"} // as the engine answers a malformed id
	}
	var data []byte
	contentType := "application/json"
	switch b := r.body.(type) {
	case nil:
	case upload:
		data, contentType = b.data, b.contentType
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			return nil, xerr.Internalf(err, "client: encode %s body", r.path)
		}
	}
	resp, used, err := c.roundTrip(ctx, r, data, contentType)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && r.authed {
		first := responseError(resp)
		if c.refreshAfter(ctx, used) != nil {
			return nil, first
		}
		resp, _, err = c.roundTrip(ctx, r, data, contentType)
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 3 {
		resp.Body.Close()
		return nil, xerr.Newf(xerr.Unavailable, "the server answered %s with a redirect (%d) to %q; a Xentree server never redirects: check the base URL (https, the path prefix)",
			r.path, resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.StatusCode/100 != 2 {
		return nil, responseError(resp)
	}
	return resp, nil
}

// roundTrip sends one attempt and reports the access token it carried.
func (c *Remote) roundTrip(ctx context.Context, r request, data []byte, contentType string) (*http.Response, string, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if data != nil {
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, "", xerr.Internalf(err, "client: build request")
	}
	if data != nil {
		req.Header.Set("Content-Type", contentType)
	}
	accept := "application/json"
	if r.stream {
		accept = "text/event-stream"
	}
	req.Header.Set("Accept", accept)
	var access string
	if r.authed {
		access, _ = c.Tokens()
		if access != "" {
			req.Header.Set("Authorization", "Bearer "+access)
		}
		if c.apiKey != "" {
			req.Header.Set("X-API-Key", c.apiKey)
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, "", unreachable(err)
	}
	return resp, access, nil
}

// unreachable classifies a transport failure as the server not serving
// now; a cancelled context stays visible to errors.Is.
func unreachable(err error) error {
	return xerr.Wrap(xerr.Unavailable, err, "xentree server did not answer")
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// responseError reads (and closes) a non-2xx response into the error the
// engine returned.
func responseError(resp *http.Response) error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := envelopeError(b)
	e.Kind = kindOfStatus(resp.StatusCode, e.Code)
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// envelopeError reads {"detail": {"error", "message", "field", ...}}; the
// other fields of detail (required_scope, ...) go to Details. Anything
// else, such as a proxy's HTML page, leaves the error empty.
func envelopeError(body []byte) *xerr.Error {
	var env struct {
		Detail map[string]any `json:"detail"`
	}
	e := &xerr.Error{}
	if json.Unmarshal(body, &env) != nil {
		return e
	}
	for k, v := range env.Detail {
		s, _ := v.(string)
		switch k {
		case "error":
			e.Code = s
		case "message":
			e.Message = s
		case "field":
			e.Field = s
		default:
			if e.Details == nil {
				e.Details = map[string]any{}
			}
			e.Details[k] = v
			if k == "granted_scopes" { // a []string in process
				if list, ok := v.([]any); ok {
					scopes := make([]string, 0, len(list))
					for _, x := range list {
						if s, ok := x.(string); ok {
							scopes = append(scopes, s)
						}
					}
					e.Details[k] = scopes
				}
			}
		}
	}
	return e
}

// kindByStatus inverts httpapi's statusByKind, but for 429, which two kinds
// share.
var kindByStatus = map[int]xerr.Kind{
	http.StatusInternalServerError:   xerr.Internal,
	http.StatusBadRequest:            xerr.Invalid,
	http.StatusUnauthorized:          xerr.Unauthenticated,
	http.StatusForbidden:             xerr.Forbidden,
	http.StatusNotFound:              xerr.NotFound,
	http.StatusConflict:              xerr.Conflict,
	http.StatusRequestEntityTooLarge: xerr.TooLarge,
	http.StatusServiceUnavailable:    xerr.Unavailable,
	http.StatusUnsupportedMediaType:  xerr.Unsupported,
	http.StatusMethodNotAllowed:      xerr.MethodNotAllowed,
}

func kindOfStatus(status int, code string) xerr.Kind {
	if k, ok := kindByStatus[status]; ok {
		return k
	}
	switch {
	case status == http.StatusTooManyRequests:
		// Quota codes end in quota_exceeded (quota_exceeded,
		// live_quota_exceeded); the rest, provider_rate_limited included,
		// and a proxy's 429 without a code, are rate limits.
		if strings.HasSuffix(code, "quota_exceeded") {
			return xerr.Quota
		}
		return xerr.RateLimited
	case status >= 500: // a gateway or proxy in front of the server
		return xerr.Unavailable
	case status >= 400:
		return xerr.Invalid
	}
	return xerr.Internal
}

// kindByCode classifies an error that arrives without a status: one that
// ends a chat stream after it began. Only the default codes, the provider
// failures and a reused idempotency key (two streams racing to store one
// exchange) can end a stream.
var kindByCode = func() map[string]xerr.Kind {
	m := map[string]xerr.Kind{
		conversation.CodeIdempotencyKeyReused: xerr.Conflict,
		ai.CodeProviderUnavailable:            xerr.Unavailable,
		ai.CodeProviderRateLimited:            xerr.RateLimited,
		ai.CodeProviderMisconfigured:          xerr.Unavailable,
		ai.CodeProviderRejectedRequest:        xerr.Invalid,
	}
	for k := xerr.Internal; k <= xerr.MethodNotAllowed; k++ {
		m[(&xerr.Error{Kind: k}).PublicCode()] = k
	}
	return m
}()

// retryAfter reads Retry-After: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(h), 10, 64); err == nil {
		return time.Duration(max(0, min(s, int64(24*time.Hour/time.Second)))) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// documentBody is a document as JSON, or as the multipart upload the
// server takes for a file.
func documentBody(req knowledge.CreateRequest) any {
	if req.File == nil {
		return req
	}
	// Writes to a bytes.Buffer cannot fail, so their errors are not checked.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range [...][2]string{{"title", req.Title}, {"organization_id", req.OrganizationID}} {
		if f[1] != "" {
			_ = w.WriteField(f[0], f[1])
		}
	}
	h := textproto.MIMEHeader{"Content-Disposition": {multipart.FileContentDisposition("file", req.FileName)}}
	if req.ContentType != "" { // as in process, where an empty type stays empty
		h.Set("Content-Type", req.ContentType)
	}
	p, _ := w.CreatePart(h)
	_, _ = p.Write(req.File)
	_ = w.Close()
	return upload{w.FormDataContentType(), buf.Bytes()}
}

// query builds a query from name, value pairs, leaving out empty values as
// the server reads a missing parameter and an empty one alike.
func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// paged is query plus the page's limit and cursor.
func paged(p list.Page, kv ...string) url.Values {
	return query(append(kv, "limit", num(p.Limit), "cursor", p.Cursor)...)
}

// num formats a number parameter; 0, the default, is left out, while a
// negative one is sent for the server to refuse as the engine does.
func num(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// esc escapes a path value, so an id cannot reach another route. "." and
// "..", which PathEscape leaves be, become a segment send refuses without
// sending: a proxy that tidies paths (decoding %2E too) could make
// RemoveMember(org, "..") delete the organization. No id is either.
func esc(s string) string {
	if s == "." || s == ".." {
		return dotID
	}
	return url.PathEscape(s)
}

// dotID stands for an id of "." or ".." in a path.
const dotID = "%00dot"
