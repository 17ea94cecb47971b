package aihttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// server answers the i-th request with answers[i] (status and headers),
// the last one for every request after.
type server struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	answers []answer
	got     []*http.Request
	bodies  []string
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func newServer(t *testing.T, answers ...answer) *server {
	s := &server{t: t, answers: answers}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.got)
		s.got = append(s.got, r)
		s.bodies = append(s.bodies, string(b))
		a := s.answers[min(n, len(s.answers)-1)]
		s.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// newClient returns a client of s whose waits are recorded, not slept, and
// whose jitter is always the most it may be.
func newClient(t *testing.T, s *server, retries int) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(Config{BaseURL: s.srv.URL + "/v1/", Header: http.Header{"X-Api-Key": {"k"}}, MaxRetries: retries})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.wait = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	c.jitter = func(n int64) int64 { return n - 1 }
	return c, &waits
}

var ok = answer{status: 200, body: `{"ok": true}`}

func TestPostSendsJSON(t *testing.T) {
	s := newServer(t, ok)
	c, _ := newClient(t, s, 2)
	var out struct{ OK bool }
	if err := c.PostJSON(context.Background(), "/chat", map[string]string{"q": "<hi>"}, &out); err != nil {
		t.Fatal(err)
	}
	if !out.OK {
		t.Errorf("answer not decoded")
	}
	r := s.got[0]
	if r.URL.Path != "/v1/chat" || r.Method != http.MethodPost {
		t.Errorf("request = %s %s, want POST /v1/chat", r.Method, r.URL.Path)
	}
	for k, want := range map[string]string{"X-Api-Key": "k", "Content-Type": "application/json", "Accept": "application/json"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if got, want := s.bodies[0], `{"q":"\u003chi\u003e"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestRetries(t *testing.T) {
	// 0.5 s and 1 s less the most jitter: just under a quarter.
	const backoff0, backoff1 = 375*time.Millisecond + 1, 750*time.Millisecond + 1
	tests := []struct {
		name      string
		answers   []answer
		retries   int
		wantErr   int // the status of the *StatusError; 0 for success
		wantWaits []time.Duration
	}{
		{"success", []answer{ok}, 2, 0, nil},
		{"429 then success: Retry-After-Ms", []answer{{status: 429, header: map[string]string{"Retry-After-Ms": "20"}}, ok},
			2, 0, []time.Duration{20 * time.Millisecond}},
		{"Retry-After-Ms before Retry-After", []answer{{status: 429, header: map[string]string{"Retry-After-Ms": "5", "Retry-After": "3"}}, ok},
			2, 0, []time.Duration{5 * time.Millisecond}},
		{"Retry-After seconds", []answer{{status: 503, header: map[string]string{"Retry-After": "1.5"}}, ok},
			2, 0, []time.Duration{1500 * time.Millisecond}},
		{"backoff without Retry-After", []answer{{status: 500}, {status: 502}, ok}, 2, 0, []time.Duration{backoff0, backoff1}},
		{"529 overloaded", []answer{{status: 529}, ok}, 2, 0, []time.Duration{backoff0}},
		{"408 and 409", []answer{{status: 408}, {status: 409}, ok}, 2, 0, []time.Duration{backoff0, backoff1}},
		{"retries run out", []answer{{status: 500}}, 2, 500, []time.Duration{backoff0, backoff1}},
		{"no retries", []answer{{status: 500}}, 0, 500, nil},
		{"400 is not retried", []answer{{status: 400}}, 2, 400, nil},
		{"401 is not retried", []answer{{status: 401}}, 2, 401, nil},
		{"x-should-retry: false", []answer{{status: 500, header: map[string]string{"X-Should-Retry": "false"}}}, 2, 500, nil},
		{"x-should-retry: true", []answer{{status: 400, header: map[string]string{"X-Should-Retry": "true"}}, ok}, 2, 0, []time.Duration{backoff0}},
		{"a wait over two minutes is not made", []answer{{status: 429, header: map[string]string{"Retry-After": "121"}}}, 2, 429, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.answers...)
			c, waits := newClient(t, s, tt.retries)
			var out any
			err := c.PostJSON(context.Background(), "/x", struct{}{}, &out)
			if tt.wantErr == 0 && err != nil {
				t.Fatalf("PostJSON: %v", err)
			}
			if tt.wantErr != 0 {
				var se *StatusError
				if !errors.As(err, &se) || se.Status != tt.wantErr {
					t.Fatalf("error = %v, want a *StatusError with status %d", err, tt.wantErr)
				}
			}
			if got, want := s.requests(), len(tt.wantWaits)+1; got != want {
				t.Errorf("requests = %d, want %d", got, want)
			}
			if !slices.Equal(*waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", *waits, tt.wantWaits)
			}
		})
	}
}

// The backoff doubles up to 8 s, and the jitter takes up to a quarter off.
func TestBackoff(t *testing.T) {
	c := &Client{jitter: func(n int64) int64 { return 0 }}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for attempt, w := range want {
		if d, ok := c.delay(context.Background(), nil, attempt); !ok || d != w {
			t.Errorf("delay(attempt %d) = %v, %v, want %v", attempt, d, ok, w)
		}
	}
	var bound int64
	c.jitter = func(n int64) int64 { bound = n; return n - 1 }
	if d, _ := c.delay(context.Background(), nil, 1); bound != int64(time.Second/4) || d != time.Second-time.Second/4+1 {
		t.Errorf("delay with the most jitter = %v (jitter below %v), want 750ms+1ns", d, time.Duration(bound))
	}
}

// A wait the context's deadline would cut short is not made: the caller
// gets the upstream's answer (and its Retry-After) at once.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	s := newServer(t, answer{status: 429, header: map[string]string{"Retry-After": "30"}})
	c, waits := newClient(t, s, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var se *StatusError
	if err := c.PostJSON(ctx, "/x", nil, new(any)); !errors.As(err, &se) || se.Status != 429 || se.Header.Get("Retry-After") != "30" {
		t.Errorf("error = %v, want the 429 with its header", err)
	}
	if s.requests() != 1 || len(*waits) != 0 {
		t.Errorf("requests = %d, waits = %v, want 1 and none", s.requests(), *waits)
	}
}

func TestNetworkFailureIsRetried(t *testing.T) {
	s := newServer(t, ok)
	c, waits := newClient(t, s, 2)
	s.srv.Close() // every attempt is refused
	err := c.PostJSON(context.Background(), "/x", nil, new(any))
	var se *StatusError
	if err == nil || errors.As(err, &se) {
		t.Errorf("error = %v, want the transport's", err)
	}
	if len(*waits) != 2 {
		t.Errorf("waits = %v, want 2 (two retries)", *waits)
	}
}

func TestCanceledWhileWaiting(t *testing.T) {
	s := newServer(t, answer{status: 500})
	c, _ := newClient(t, s, 5)
	ctx, cancel := context.WithCancel(context.Background())
	c.wait = func(context.Context, time.Duration) error { cancel(); return ctx.Err() }
	if err := c.PostJSON(ctx, "/x", nil, new(any)); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if s.requests() != 1 {
		t.Errorf("requests = %d, want 1", s.requests())
	}
}

// A redirect to another origin is refused before anything is sent there,
// and not retried; one within the origin is followed.
func TestRedirects(t *testing.T) {
	other := newServer(t, ok)
	s := newServer(t, answer{status: http.StatusTemporaryRedirect, header: map[string]string{"Location": other.srv.URL + "/steal"}})
	c, waits := newClient(t, s, 2)
	err := c.PostJSON(context.Background(), "/x", nil, new(any))
	if !errors.Is(err, ErrOtherOrigin) {
		t.Errorf("error = %v, want ErrOtherOrigin", err)
	}
	if other.requests() != 0 || len(*waits) != 0 {
		t.Errorf("other origin got %d requests, waits %v; want none", other.requests(), *waits)
	}

	same := newServer(t, answer{status: http.StatusTemporaryRedirect, header: map[string]string{"Location": "/v1/moved"}}, ok)
	c, _ = newClient(t, same, 0)
	if err := c.PostJSON(context.Background(), "/x", nil, new(any)); err != nil {
		t.Errorf("redirect within the origin: %v", err)
	}
	if same.requests() != 2 || same.got[1].Header.Get("X-Api-Key") != "k" {
		t.Errorf("requests = %d, want 2 with the key", same.requests())
	}
}

func TestOrigin(t *testing.T) {
	same := [][2]string{
		{"https://api.openai.com/v1", "https://API.openai.com:443/x"},
		{"http://localhost:11434/v1", "http://localhost:11434/"},
		{"http://h", "http://h:80"},
	}
	for _, p := range same {
		if a, b := origin(mustParse(t, p[0])), origin(mustParse(t, p[1])); a != b {
			t.Errorf("origin(%s) = %s, origin(%s) = %s, want equal", p[0], a, p[1], b)
		}
	}
	for _, p := range [][2]string{{"https://h", "http://h"}, {"https://h", "https://h:8443"}, {"https://h", "https://h.evil"}} {
		if origin(mustParse(t, p[0])) == origin(mustParse(t, p[1])) {
			t.Errorf("origin(%s) = origin(%s), want different", p[0], p[1])
		}
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, base := range []string{"", "localhost:8080", "ftp://h", "http://"} {
		if _, err := New(Config{BaseURL: base}); err == nil {
			t.Errorf("New(%q) succeeded, want an error", base)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{nil, 0, false},
		{map[string]string{"Retry-After-Ms": "250"}, 250 * time.Millisecond, true},
		{map[string]string{"Retry-After-Ms": "0"}, 0, true},
		{map[string]string{"Retry-After": "2"}, 2 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{map[string]string{"Retry-After-Ms": "-1", "Retry-After": "3"}, 3 * time.Second, true},
		{map[string]string{"Retry-After-Ms": "NaN"}, 0, false},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{"Retry-After": "1e400"}, 24 * time.Hour, true},
		{map[string]string{"Retry-After": "99999999999"}, 24 * time.Hour, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		if got, ok := RetryAfter(h, now); got != tt.want || ok != tt.ok {
			t.Errorf("RetryAfter(%v) = %v, %v, want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		name, body, typ, msg string
	}{
		{"OpenAI", `{"error": {"message": "Incorrect API key", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}`,
			"invalid_request_error", "Incorrect API key"},
		{"Anthropic", `{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}`, "overloaded_error", "Overloaded"},
		{"OpenAI without a type", `{"error": {"message": "bad", "type": null}}`, "", "bad"},
		{"Ollama", `{"error": "model \"llama9\" not found"}`, "", `model "llama9" not found`},
		{"not JSON", "  <html>Bad Gateway</html>\n", "", "<html>Bad Gateway</html>"},
		{"long and not UTF-8", strings.Repeat("é", 600) + "\xff", "", strings.Repeat("é", 500) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError(502, nil, []byte(tt.body))
			if e.Type != tt.typ || e.Message != tt.msg || e.Status != 502 {
				t.Errorf("ParseError = %d %q %q, want 502 %q %q", e.Status, e.Type, e.Message, tt.typ, tt.msg)
			}
		})
	}
	if got, want := (&StatusError{Status: 429, Type: "rate_limit_error", Message: "slow down"}).Error(), "upstream status 429 rate_limit_error: slow down"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&StatusError{Type: "overloaded_error", Message: "Overloaded", InStream: true}).Error(), "error event mid-stream overloaded_error: Overloaded"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// FuzzParseError: any error body yields valid, bounded text.
func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"error": {"message": "m", "type": "t"}}`))
	f.Add([]byte(`{"type":"error","error":{"type":"api_error","message":"x"}}`))
	f.Add([]byte(`{"error": "plain"}`))
	f.Add([]byte("\xff\xfe<html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		e := ParseError(500, nil, body)
		for _, s := range []string{e.Type, e.Message} {
			if !utf8.ValidString(s) || len(s) > 1000+len("…") {
				t.Fatalf("ParseError(%q) gave %q: not valid UTF-8 or too long", body, s)
			}
		}
		_ = e.Error()
	})
}

// FuzzRetryAfter: any header value yields a wait between zero and a day.
func FuzzRetryAfter(f *testing.F) {
	for _, v := range []string{"1", "0.5", "-3", "NaN", "+Inf", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT", ""} {
		f.Add(v, v)
	}
	now := time.Date(2026, 4, 16, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ms, s string) {
		h := http.Header{"Retry-After-Ms": {ms}, "Retry-After": {s}}
		if d, _ := RetryAfter(h, now); d < 0 || d > 24*time.Hour {
			t.Fatalf("RetryAfter(%q, %q) = %v, want between 0 and 24h", ms, s, d)
		}
	})
}

func TestDecodeIsLenient(t *testing.T) {
	var out struct {
		Model string
		N     int
	}
	if err := Decode([]byte(`{"model": 7, "n": 3}`), &out); err != nil || out.N != 3 || out.Model != "" {
		t.Errorf("Decode = %+v, %v, want N 3 and the mistyped field empty", out, err)
	}
	if err := Decode([]byte(`{"n": `), &out); err == nil {
		t.Errorf("Decode of malformed JSON succeeded")
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// An answer past the bound is an error, read no further than the bound.
func TestAnswerIsBounded(t *testing.T) {
	s := newServer(t, answer{status: 200, body: `{"ok": true, "pad": "` + strings.Repeat("x", 100) + `"}`})
	c, _ := newClient(t, s, 0)
	c.maxAnswer = 64
	var out struct{ OK bool }
	if err := c.PostJSON(context.Background(), "/chat", nil, &out); err == nil || !strings.Contains(err.Error(), "larger than 64 bytes") {
		t.Errorf("err = %v, want the answer refused as too large", err)
	}
	c.maxAnswer = 1 << 10
	if err := c.PostJSON(context.Background(), "/chat", nil, &out); err != nil || !out.OK {
		t.Errorf("under the bound: %v %+v", err, out)
	}
}
