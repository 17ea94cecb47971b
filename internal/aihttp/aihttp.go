// Package aihttp is the HTTP client of the remote AI providers (ai/openai
// and ai/anthropic): JSON POSTs to one API root, retried the way the
// providers' official SDKs retry, and error answers as *StatusError.
//
// A request is retried, up to Config.MaxRetries times, after a network
// failure or an answer of 408, 409, 429 or 5xx (an "x-should-retry: true" or
// "false" header overrides the status). Between attempts it waits what the
// answer's Retry-After-Ms or Retry-After header asks for, or else backs off
// exponentially: 0.5 s, 1 s, 2 s, ... up to 8 s, less up to a quarter at
// random. It gives up at once, with the answer it has, when the wait asked
// for is over two minutes or would outlast the context's deadline.
//
// Requests go to the base URL's origin only: a redirect elsewhere fails, so
// that credentials in the headers never reach another server.
package aihttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Backoff bounds, as both SDKs have them.
const (
	initialBackoff = 500 * time.Millisecond
	maxBackoff     = 8 * time.Second
	// maxRetryAfter is the longest wait an upstream may ask for; a longer
	// one ends the retries, as in the OpenAI SDK.
	maxRetryAfter = 2 * time.Minute
	// maxErrorBody is how much of an error answer is read.
	maxErrorBody = 64 << 10
	// MaxAnswer bounds a JSON answer: a batch of embeddings is the largest
	// a provider sends (a few MB); anything past this is a broken upstream,
	// which must not exhaust the server's memory.
	MaxAnswer = 64 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, an http(s) URL; request paths are appended
	// to it ("https://api.openai.com/v1" + "/chat/completions").
	BaseURL string
	// Header is sent with every request: credentials, API versions.
	Header http.Header
	// MaxRetries is how many times a failed attempt is retried; 0 for none.
	MaxRetries int
	// HTTPClient sends the requests; http.DefaultClient when nil. Its
	// transport is wrapped, not changed.
	HTTPClient *http.Client
}

// Client posts JSON to one API root. It is safe for concurrent use.
type Client struct {
	base    string
	header  http.Header
	retries int
	http    *http.Client
	// wait sleeps between attempts, and jitter(n) draws the random part of
	// a backoff in [0, n); tests replace them.
	wait   func(ctx context.Context, d time.Duration) error
	jitter func(n int64) int64
	// maxAnswer is MaxAnswer; tests lower it.
	maxAnswer int
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("aihttp: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	hc := http.DefaultClient
	if cfg.HTTPClient != nil {
		hc = cfg.HTTPClient
	}
	guarded := *hc
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	guarded.Transport = sameOrigin{origin: origin(u), next: next}
	return &Client{
		maxAnswer: MaxAnswer,
		base:      strings.TrimSuffix(cfg.BaseURL, "/"),
		header:    cfg.Header.Clone(),
		retries:   max(0, cfg.MaxRetries),
		http:      &guarded,
		wait:      sleep,
		jitter:    rand.Int64N,
	}, nil
}

// ErrOtherOrigin reports a request, a redirect, that left the base URL's
// origin. It is not retried.
var ErrOtherOrigin = errors.New("aihttp: request URL left the base URL's origin")

// sameOrigin refuses requests to any origin but its own.
type sameOrigin struct {
	origin string
	next   http.RoundTripper
}

func (t sameOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	if origin(r.URL) != t.origin {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, ErrOtherOrigin
	}
	return t.next.RoundTrip(r)
}

// origin is u's scheme, host and port, with the scheme's default port.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// StatusError is an upstream's error: an answer with an error status
// (after any retries), or an error event inside a stream.
type StatusError struct {
	// Status is the HTTP status; for an error event inside a stream, the
	// status the adapter maps its type to, 0 when there is none.
	Status int
	// Header is the answer's header, for Retry-After; nil for a stream's
	// error event.
	Header http.Header
	// Type and Message are the upstream's error type and text, from a body
	// like {"error": {"type": ..., "message": ...}} (OpenAI's and
	// Anthropic's shape); Message is the body itself when it has no such
	// field.
	Type, Message string
	// InStream is set for an error event that arrived inside a stream.
	InStream bool
}

func (e *StatusError) Error() string {
	if e.InStream {
		return "error event mid-stream " + e.Type + ": " + e.Message
	}
	return "upstream status " + strconv.Itoa(e.Status) + " " + e.Type + ": " + e.Message
}

// ParseError reads an error body: OpenAI's and Anthropic's
// {"error": {"type", "message"}}, the {"error": "message"} of some
// compatible servers (Ollama), or anything else, kept as text. Message is
// valid UTF-8 and at most 1,000 bytes.
func ParseError(status int, header http.Header, body []byte) *StatusError {
	e := &StatusError{Status: status, Header: header}
	var typed struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	var plain struct {
		Error string `json:"error"`
	}
	switch {
	case json.Unmarshal(body, &typed) == nil && typed.Error.Message+typed.Error.Type != "":
		e.Type, e.Message = typed.Error.Type, typed.Error.Message
	case json.Unmarshal(body, &plain) == nil && plain.Error != "":
		e.Message = plain.Error
	default:
		e.Message = string(bytes.TrimSpace(body))
	}
	e.Type, e.Message = clip(e.Type, 100), clip(e.Message, 1000)
	return e
}

// clip returns s as valid UTF-8 of at most n bytes.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Post sends body, encoded as JSON, to path under the base URL, with
// accept as the Accept header. It returns the first answer with a status
// below 400, whose body the caller must close. A failed attempt is retried
// as the package doc says; the error after the last one is a *StatusError
// for an error status, else the transport's or the context's.
func (c *Client) Post(ctx context.Context, path, accept string, body any) (*http.Response, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("aihttp: encoding the request: %w", err)
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		for k, v := range c.header {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		res, err := c.http.Do(req)
		if ctx.Err() != nil {
			if err == nil {
				_ = res.Body.Close()
			}
			return nil, ctx.Err()
		}
		if err == nil && res.StatusCode < 400 {
			return res, nil
		}
		var fail error = err
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
			_ = res.Body.Close()
			fail = ParseError(res.StatusCode, res.Header, b)
		}
		if attempt >= c.retries || !shouldRetry(res, err) {
			return nil, fail
		}
		var header http.Header
		if res != nil {
			header = res.Header
		}
		delay, ok := c.delay(ctx, header, attempt)
		if !ok {
			return nil, fail
		}
		if err := c.wait(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// PostStream posts body as Post does, asking for Server-Sent Events, and
// returns the answer's body.
func (c *Client) PostStream(ctx context.Context, path string, body any) (io.ReadCloser, error) {
	res, err := c.Post(ctx, path, "text/event-stream", body)
	if err != nil {
		return nil, err
	}
	return res.Body, nil
}

// PostJSON posts body as Post does and decodes the JSON answer into out.
func (c *Client) PostJSON(ctx context.Context, path string, body, out any) error {
	res, err := c.Post(ctx, path, "application/json", body)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, int64(c.maxAnswer)+1))
	if err != nil {
		return err
	}
	if len(b) > c.maxAnswer {
		return fmt.Errorf("aihttp: the answer is larger than %d bytes", c.maxAnswer)
	}
	return Decode(b, out)
}

// Decode is json.Unmarshal, lenient as the SDKs' decoders are: a field of
// an unexpected type (a number for a string, say) keeps its zero value
// rather than failing the whole answer. Malformed JSON fails.
func Decode(data []byte, out any) error {
	err := json.Unmarshal(data, out)
	if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("aihttp: decoding the answer: %w", err)
	}
	return nil
}

// shouldRetry says whether an attempt that ended with res or err is worth
// another: network failures, 408, 409, 429 and 5xx, unless the upstream's
// x-should-retry header says otherwise.
func shouldRetry(res *http.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, ErrOtherOrigin)
	}
	switch res.Header.Get("X-Should-Retry") {
	case "true":
		return true
	case "false":
		return false
	}
	s := res.StatusCode
	return s == http.StatusRequestTimeout || s == http.StatusConflict || s == http.StatusTooManyRequests || s >= 500
}

// delay is the wait before retry attempt+1; false when the upstream asks
// for a wait too long to make.
func (c *Client) delay(ctx context.Context, h http.Header, attempt int) (time.Duration, bool) {
	if d, ok := RetryAfter(h, time.Now()); ok {
		if deadline, has := ctx.Deadline(); d > maxRetryAfter || (has && time.Until(deadline) < d) {
			return 0, false
		}
		return d, true
	}
	d := maxBackoff
	if attempt < 4 {
		d = initialBackoff << attempt
	}
	return d - time.Duration(c.jitter(int64(d/4))), true
}

// RetryAfter reads the wait an upstream asks for: Retry-After-Ms (OpenAI's,
// in milliseconds), else Retry-After (seconds, or an HTTP date, a past one
// meaning no wait), at most a day. ok is false when neither header holds a
// usable value.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	for _, f := range []struct {
		name string
		unit time.Duration
	}{{"Retry-After-Ms", time.Millisecond}, {"Retry-After", time.Second}} {
		v := strings.TrimSpace(h.Get(f.name))
		if v == "" {
			continue
		}
		if n, err := strconv.ParseFloat(v, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			if n >= 0 { // not NaN, not negative; a day at most, so no overflow
				return time.Duration(min(n*float64(f.unit), float64(24*time.Hour))), true
			}
			continue
		}
		if f.unit == time.Second {
			if t, err := http.ParseTime(v); err == nil {
				return min(max(0, t.Sub(now)), 24*time.Hour), true
			}
		}
	}
	return 0, false
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
