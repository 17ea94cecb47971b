package anthropic_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/ai"
	"github.com/xentree/xentree/ai/anthropic"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xentreetest"
)

// apiKey is distinctive so that a leak into error text is easy to spot.
const apiKey = "sk-ant-test-Zq8xSECRETkey0123456789"

func newProvider(t *testing.T, fake *xentreetest.FakeAnthropic, edit func(*anthropic.Config)) *anthropic.Provider {
	t.Helper()
	cfg := anthropic.Config{APIKey: apiKey, BaseURL: fake.URL()}
	if edit != nil {
		edit(&cfg)
	}
	p, err := anthropic.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func request() ai.Request {
	return ai.Request{
		System:    "You are a patient biology tutor.",
		Messages:  []ai.Message{{Role: ai.RoleUser, Content: "What is photosynthesis?"}},
		MaxTokens: 100,
	}
}

// collect returns a Stream callback that records the deltas.
func collect(deltas *[]string) func(ai.Delta) error {
	return func(d ai.Delta) error {
		*deltas = append(*deltas, d.Content)
		return nil
	}
}

// call runs Generate or Stream, so that a table runs against both.
func call(t *testing.T, p *anthropic.Provider, stream bool, req ai.Request) (ai.Response, error) {
	t.Helper()
	if !stream {
		return p.Generate(context.Background(), req)
	}
	var deltas []string
	resp, err := p.Stream(context.Background(), req, collect(&deltas))
	if got := strings.Join(deltas, ""); got != resp.Content {
		t.Errorf("deltas joined = %q, want Content %q", got, resp.Content)
	}
	return resp, err
}

func modeName(stream bool) string {
	if stream {
		return "Stream"
	}
	return "Generate"
}

func checkNoKey(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), apiKey) {
		t.Errorf("error text contains the API key: %v", err)
	}
}

func TestNew(t *testing.T) {
	p, err := anthropic.New(anthropic.Config{APIKey: apiKey})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got, want := p.ID(), "anthropic"; got != want {
		t.Errorf("ID() = %q, want %q", got, want)
	}
	if got, want := p.Name(), "Anthropic"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if got, want := p.DefaultModel(), anthropic.DefaultModel; got != want {
		t.Errorf("DefaultModel() = %q, want %q", got, want)
	}
	if got := p.Models(); len(got) != 0 {
		t.Errorf("Models() = %v, want none (any model accepted)", got)
	}

	// Only Config counts: a key in the environment is not picked up.
	t.Setenv("ANTHROPIC_API_KEY", apiKey)
	if _, err := anthropic.New(anthropic.Config{}); xerr.KindOf(err) != xerr.Invalid {
		t.Errorf("New without a key: err = %v, want Invalid", err)
	}
	for _, base := range []string{"api.anthropic.com", "ftp://example.com", "http://"} {
		_, err := anthropic.New(anthropic.Config{APIKey: apiKey, BaseURL: base})
		if got, want := xerr.KindOf(err), xerr.Invalid; got != want {
			t.Errorf("New(BaseURL %q) kind = %v, want %v (err %v)", base, got, want, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	fake := xentreetest.NewFakeAnthropic(t)
	p := newProvider(t, fake, nil)

	resp, err := p.Generate(context.Background(), request())
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if got, want := resp.Content, xentreetest.DefaultReply; got != want {
		t.Errorf("Content = %q, want %q", got, want)
	}
	if got, want := resp.Model, anthropic.DefaultModel; got != want {
		t.Errorf("Model = %q, want %q", got, want)
	}
	checkUsage(t, resp.Usage)

	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake received %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	// Anthropic takes the key as x-api-key or as a bearer token (TestWireFormat: x-api-key).
	if r.Header.Get("X-Api-Key") != apiKey && r.Header.Get("Authorization") != "Bearer "+apiKey {
		t.Errorf("request carries neither X-Api-Key nor Authorization with the key: %v", r.Header)
	}
	if r.Header.Get("Anthropic-Version") == "" {
		t.Errorf("request has no anthropic-version header")
	}
	if got, want := r.Model, anthropic.DefaultModel; got != want {
		t.Errorf("request model = %q, want %q", got, want)
	}
	if got, want := r.System, "You are a patient biology tutor."; got != want {
		t.Errorf("request system = %q, want %q", got, want)
	}
	if len(r.Messages) != 1 || r.Messages[0] != request().Messages[0] {
		t.Errorf("request messages = %v, want %v", r.Messages, request().Messages)
	}
	if r.Stream {
		t.Errorf("request stream = true, want false")
	}
	if got, want := r.MaxTokens, 100; got != want {
		t.Errorf("request max_tokens = %v, want %v", got, want)
	}
}

func checkUsage(t *testing.T, u *ai.Usage) {
	t.Helper()
	if u == nil {
		t.Fatalf("Usage = nil, want the upstream's counts")
	}
	if got, want := u.CompletionTokens, len(strings.Fields(xentreetest.DefaultReply)); got != want {
		t.Errorf("CompletionTokens = %d, want %d", got, want)
	}
	if u.PromptTokens <= 0 {
		t.Errorf("PromptTokens = %d, want > 0", u.PromptTokens)
	}
	if got, want := u.TotalTokens, u.PromptTokens+u.CompletionTokens; got != want {
		t.Errorf("TotalTokens = %d, want %d", got, want)
	}
}

// TestMaxTokens checks the limit the Messages API requires is always sent.
func TestMaxTokens(t *testing.T) {
	tests := []struct {
		name       string
		configured int
		requested  int
		want       int
	}{
		{"default", 0, 0, anthropic.DefaultMaxTokens},
		{"configured", 2048, 0, 2048},
		{"requested", 2048, 300, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := xentreetest.NewFakeAnthropic(t)
			p := newProvider(t, fake, func(c *anthropic.Config) { c.MaxTokens = tt.configured })
			req := request()
			req.MaxTokens = tt.requested
			if _, err := p.Generate(context.Background(), req); err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if got := fake.Requests()[0].MaxTokens; got != tt.want {
				t.Errorf("request max_tokens = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestSystemTurns checks that system messages of the history, which the
// Messages API has no turn for, join the system param.
func TestSystemTurns(t *testing.T) {
	fake := xentreetest.NewFakeAnthropic(t)
	p := newProvider(t, fake, nil)
	req := request()
	req.Messages = []ai.Message{
		{Role: ai.RoleSystem, Content: "The learner is twelve."},
		{Role: ai.RoleUser, Content: "Hi"},
		{Role: ai.RoleAssistant, Content: "Hello! What shall we learn?"},
		{Role: ai.RoleUser, Content: "Plants"},
	}
	if _, err := p.Generate(context.Background(), req); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	r := fake.Requests()[0]
	if want := req.System + "\n\nThe learner is twelve."; r.System != want {
		t.Errorf("request system = %q, want %q", r.System, want)
	}
	if got, want := len(r.Messages), 3; got != want {
		t.Fatalf("request has %d messages, want %d: %v", got, want, r.Messages)
	}
	for i, m := range req.Messages[1:] {
		if r.Messages[i] != m {
			t.Errorf("request message %d = %v, want %v", i, r.Messages[i], m)
		}
	}
}

func TestModels(t *testing.T) {
	tests := []struct {
		name      string
		offered   []string
		model     string
		wantModel string // sent upstream; "" when the call must fail
	}{
		{"default", nil, "", anthropic.DefaultModel},
		{"any name when none offered", nil, "claude-haiku-4-5", "claude-haiku-4-5"},
		{"offered", []string{"claude-haiku-4-5", "claude-opus-4-7"}, "claude-opus-4-7", "claude-opus-4-7"},
		{"not offered", []string{"claude-haiku-4-5"}, "claude-opus-4-7", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := xentreetest.NewFakeAnthropic(t)
			p := newProvider(t, fake, func(c *anthropic.Config) { c.Models = tt.offered })
			req := request()
			req.Model = tt.model
			resp, err := p.Generate(context.Background(), req)
			if tt.wantModel == "" {
				if got, want := xerr.KindOf(err), xerr.Invalid; got != want {
					t.Errorf("Generate kind = %v, want %v (err %v)", got, want, err)
				}
				if n := len(fake.Requests()); n != 0 {
					t.Errorf("fake received %d requests, want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if got := fake.Requests()[0].Model; got != tt.wantModel {
				t.Errorf("request model = %q, want %q", got, tt.wantModel)
			}
			if resp.Model != tt.wantModel {
				t.Errorf("Model = %q, want %q", resp.Model, tt.wantModel)
			}
		})
	}
}

func TestStream(t *testing.T) {
	fake := xentreetest.NewFakeAnthropic(t)
	reply := "Plants use light to make sugar from water and air."
	fake.SetReply(reply)
	p := newProvider(t, fake, nil)

	var deltas []string
	resp, err := p.Stream(context.Background(), request(), collect(&deltas))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if got := strings.Join(deltas, ""); got != reply {
		t.Errorf("deltas joined = %q, want %q", got, reply)
	}
	if got, want := len(deltas), len(strings.Fields(reply)); got != want {
		t.Errorf("got %d deltas, want one per word, %d", got, want)
	}
	if resp.Content != reply {
		t.Errorf("Content = %q, want %q", resp.Content, reply)
	}
	if got, want := resp.Model, anthropic.DefaultModel; got != want {
		t.Errorf("Model = %q, want %q", got, want)
	}
	if resp.Usage == nil {
		t.Fatalf("Usage = nil, want message_start's and message_delta's counts")
	}
	if resp.Usage.PromptTokens <= 0 || resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens {
		t.Errorf("Usage = %+v, want prompt tokens and their sum", *resp.Usage)
	}
	if got, want := resp.Usage.CompletionTokens, len(strings.Fields(reply)); got != want {
		t.Errorf("CompletionTokens = %d, want %d", got, want)
	}

	r := fake.Requests()[0]
	if !r.Stream {
		t.Errorf("request stream = false, want true")
	}
}

func TestStreamCallbackError(t *testing.T) {
	fake := xentreetest.NewFakeAnthropic(t)
	p := newProvider(t, fake, nil)
	stop := errors.New("client went away")

	calls := 0
	resp, err := p.Stream(context.Background(), request(), func(ai.Delta) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Errorf("Stream error = %v, want %v", err, stop)
	}
	if calls != 1 {
		t.Errorf("callback ran %d times, want 1", calls)
	}
	if resp.Content != "" {
		t.Errorf("Content = %q, want none (the rejected piece is not kept)", resp.Content)
	}
	fake.WaitIdle()
}

// TestFailures covers the upstream answers the client retries or gives up on.
func TestFailures(t *testing.T) {
	tests := []struct {
		name     string
		fail     []xentreetest.Failure
		kind     xerr.Kind // Internal means success
		code     string
		requests int
	}{
		{"429 then success", []xentreetest.Failure{xentreetest.FailRateLimit}, xerr.Internal, "", 2},
		{"500 then success", []xentreetest.Failure{xentreetest.FailServerError}, xerr.Internal, "", 2},
		{"429 after retries", []xentreetest.Failure{xentreetest.FailRateLimit, xentreetest.FailRateLimit, xentreetest.FailRateLimit},
			xerr.RateLimited, ai.CodeProviderRateLimited, 3},
		{"500 after retries", []xentreetest.Failure{xentreetest.FailServerError, xentreetest.FailServerError, xentreetest.FailServerError},
			xerr.Unavailable, ai.CodeProviderUnavailable, 3},
		{"401", []xentreetest.Failure{xentreetest.FailUnauthorized}, xerr.Unavailable, ai.CodeProviderMisconfigured, 1},
		{"400", []xentreetest.Failure{xentreetest.FailBadRequest}, xerr.Invalid, ai.CodeProviderRejectedRequest, 1},
	}
	for _, stream := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(modeName(stream)+"/"+tt.name, func(t *testing.T) {
				fake := xentreetest.NewFakeAnthropic(t)
				fake.FailNext(tt.fail...)
				p := newProvider(t, fake, nil)

				resp, err := call(t, p, stream, request())
				checkNoKey(t, err)
				if n := len(fake.Requests()); n != tt.requests {
					t.Errorf("fake received %d requests, want %d", n, tt.requests)
				}
				if tt.kind == xerr.Internal {
					if err != nil {
						t.Fatalf("%s: %v", modeName(stream), err)
					}
					if resp.Content != xentreetest.DefaultReply {
						t.Errorf("Content = %q, want %q", resp.Content, xentreetest.DefaultReply)
					}
					return
				}
				e := xerr.As(err)
				if e == nil {
					t.Fatalf("%s error = %v, want an *xerr.Error", modeName(stream), err)
				}
				if e.Kind != tt.kind {
					t.Errorf("kind = %v, want %v", e.Kind, tt.kind)
				}
				if got := e.PublicCode(); got != tt.code {
					t.Errorf("code = %q, want %q", got, tt.code)
				}
				if strings.Contains(e.Message, "Incorrect API key") {
					t.Errorf("message %q passes the upstream's text on", e.Message)
				}
				if tt.kind == xerr.RateLimited && e.RetryAfter != time.Millisecond {
					t.Errorf("RetryAfter = %v, want the upstream's 1ms", e.RetryAfter)
				}
			})
		}
	}
}

func TestStreamBrokenMidway(t *testing.T) {
	for _, fail := range []struct {
		name string
		f    xentreetest.Failure
	}{
		{"overloaded_error event", xentreetest.FailStreamError},
		{"connection cut", xentreetest.FailStreamDrop},
	} {
		t.Run(fail.name, func(t *testing.T) {
			fake := xentreetest.NewFakeAnthropic(t)
			reply := "Chlorophyll absorbs red and blue light and reflects green light."
			fake.SetReply(reply)
			fake.FailNext(fail.f)
			p := newProvider(t, fake, nil)

			var deltas []string
			resp, err := p.Stream(context.Background(), request(), collect(&deltas))
			checkNoKey(t, err)
			if got, want := xerr.KindOf(err), xerr.Unavailable; got != want {
				t.Errorf("kind = %v, want %v (err %v)", got, want, err)
			}
			if e := xerr.As(err); e == nil || e.PublicCode() != ai.CodeProviderUnavailable {
				t.Errorf("error = %v, want code %q", err, ai.CodeProviderUnavailable)
			}
			if resp.Content == "" || resp.Content == reply || !strings.HasPrefix(reply, resp.Content) {
				t.Errorf("Content = %q, want a proper prefix of %q", resp.Content, reply)
			}
			if got := strings.Join(deltas, ""); got != resp.Content {
				t.Errorf("deltas joined = %q, want Content %q", got, resp.Content)
			}
			if n := len(fake.Requests()); n != 1 {
				t.Errorf("fake received %d requests, want 1 (a started stream is not retried)", n)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name    string
		stream  bool
		fail    xentreetest.Failure
		partial bool
	}{
		{"Generate", false, xentreetest.FailHang, false},
		{"Stream before the first chunk", true, xentreetest.FailHang, false},
		{"Stream stalled midway", true, xentreetest.FailStreamStall, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := xentreetest.NewFakeAnthropic(t)
			fake.FailNext(tt.fail)
			p := newProvider(t, fake, func(c *anthropic.Config) { c.Timeout = 50 * time.Millisecond })

			resp, err := call(t, p, tt.stream, request())
			checkNoKey(t, err)
			e := xerr.As(err)
			if e == nil || e.Kind != xerr.Unavailable || e.PublicCode() != ai.CodeProviderUnavailable {
				t.Fatalf("error = %v, want Unavailable %q", err, ai.CodeProviderUnavailable)
			}
			// The caller did not cancel anything, so it must not look so.
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v is a context error; want a plain timeout", err)
			}
			if got := resp.Content != ""; got != tt.partial {
				t.Errorf("Content = %q, partial content %v, want %v", resp.Content, got, tt.partial)
			}
			fake.WaitIdle()
		})
	}
}

func TestCanceled(t *testing.T) {
	t.Run("Generate before the call", func(t *testing.T) {
		fake := xentreetest.NewFakeAnthropic(t)
		p := newProvider(t, fake, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := p.Generate(ctx, request())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Generate error = %v, want context.Canceled", err)
		}
	})

	t.Run("Generate while waiting", func(t *testing.T) {
		fake := xentreetest.NewFakeAnthropic(t)
		fake.FailNext(xentreetest.FailHang)
		p := newProvider(t, fake, nil)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			fake.WaitRequests(1)
			cancel()
		}()
		_, err := p.Generate(ctx, request())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Generate error = %v, want context.Canceled", err)
		}
		fake.WaitIdle()
	})

	t.Run("Stream midway", func(t *testing.T) {
		fake := xentreetest.NewFakeAnthropic(t)
		fake.SetReply("Light reactions happen in the thylakoid membranes of chloroplasts.")
		fake.FailNext(xentreetest.FailStreamStall)
		p := newProvider(t, fake, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()

		var deltas []string
		resp, err := p.Stream(ctx, request(), func(d ai.Delta) error {
			deltas = append(deltas, d.Content)
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Stream error = %v, want context.Canceled", err)
		}
		if len(deltas) == 0 || resp.Content != strings.Join(deltas, "") {
			t.Errorf("Content = %q after deltas %q, want what arrived", resp.Content, deltas)
		}
		// The fake's handler returns only once the client closed the
		// connection, so nothing is left reading it.
		fake.WaitIdle()
	})
}

func TestPassagesAndLanguage(t *testing.T) {
	fake := xentreetest.NewFakeAnthropic(t)
	p := newProvider(t, fake, nil)
	req := request()
	req.Language = "de"
	req.Passages = []ai.Passage{
		{DocumentID: "d1", ChunkID: "c1", Title: "Leaves", Text: "Leaves hold chlorophyll."},
		{DocumentID: "d2", ChunkID: "c2", Title: "Light\nreactions", Text: "Light splits water."},
	}
	if _, err := p.Generate(context.Background(), req); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	system := fake.Requests()[0].System
	if want := ai.SystemPrompt(req); system != want {
		t.Errorf("request system = %q, want ai.SystemPrompt's %q", system, want)
	}
	for _, want := range []string{
		"You are a patient biology tutor.",
		"Answer only from the numbered passages",
		"[1] Leaves: Leaves hold chlorophyll.",
		"[2] Light reactions: Light splits water.",
		`"de"`,
	} {
		if !strings.Contains(system, want) {
			t.Errorf("request system %q lacks %q", system, want)
		}
	}
	if !strings.HasPrefix(system, req.System) {
		t.Errorf("request system %q does not start with Request.System", system)
	}
}

// The request is the Messages API's: the key as x-api-key, the API version
// this package speaks, and the system prompt as a text block.
func TestWireFormat(t *testing.T) {
	fake := xentreetest.NewFakeAnthropic(t)
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "ambient-token")
	p := newProvider(t, fake, nil)
	if _, err := p.Generate(context.Background(), request()); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	r := fake.Requests()[0]
	if got := r.Header.Get("X-Api-Key"); got != apiKey {
		t.Errorf("x-api-key = %q, want the key", got)
	}
	if got := r.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q, want none", got)
	}
	if got, want := r.Header.Get("Anthropic-Version"), anthropic.APIVersion; got != want {
		t.Errorf("anthropic-version = %q, want %q", got, want)
	}
	if r.Path != "/v1/messages" {
		t.Errorf("path = %q, want /v1/messages", r.Path)
	}
	sys, _ := r.Body["system"].([]any)
	if len(sys) != 1 || sys[0].(map[string]any)["type"] != "text" {
		t.Errorf("system = %v, want one text block", r.Body["system"])
	}
}

// An error event names its type, not a status: a rate_limit_error
// mid-stream is RateLimited, an unknown type Unavailable.
func TestStreamErrorEventTypes(t *testing.T) {
	for _, tt := range []struct {
		typ  string
		kind xerr.Kind
	}{
		{"rate_limit_error", xerr.RateLimited},
		{"overloaded_error", xerr.Unavailable},
		{"brand_new_error", xerr.Unavailable},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":1}}}\n\n")
				fmt.Fprintf(w, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":%q,\"message\":\"try later\"}}\n\n", tt.typ)
			}))
			defer srv.Close()
			p, err := anthropic.New(anthropic.Config{APIKey: apiKey, BaseURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Stream(context.Background(), request(), nil)
			if got := xerr.KindOf(err); got != tt.kind {
				t.Errorf("kind = %v, want %v (err %v)", got, tt.kind, err)
			}
		})
	}
}
