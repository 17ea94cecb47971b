package xentreetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xentree/xentree/ai"
)

// Failure is a scripted upstream failure for FakeOpenAI and FakeAnthropic.
// A fake answers each request with the next queued Failure, and normally
// once the queue is empty.
type Failure int

const (
	// FailRateLimit answers 429 with "retry-after-ms: 1", so the client
	// retries at once.
	FailRateLimit Failure = iota + 1
	// FailServerError answers 500, also with "retry-after-ms: 1" so that a
	// test of retries does not wait for the client's backoff.
	FailServerError
	// FailUnauthorized answers 401 with a message that echoes the key it was
	// sent, as careless upstreams do, to prove the key goes no further.
	FailUnauthorized
	// FailBadRequest answers 400.
	FailBadRequest
	// FailHang answers nothing until the client gives up or the test ends.
	FailHang
	// FailStreamError streams the first half of the reply, then the wire
	// format's error event (OpenAI: a data line with an "error" object;
	// Anthropic: "event: error" with an overloaded_error). A non-streaming
	// request gets FailServerError instead.
	FailStreamError
	// FailStreamDrop streams the first half of the reply, then cuts the
	// connection. A non-streaming request has its connection cut at once.
	FailStreamDrop
	// FailStreamStall streams the first half of the reply, then waits like
	// FailHang. A non-streaming request gets FailHang.
	FailStreamStall
)

// DefaultReply is what the fakes answer until SetReply changes it.
const DefaultReply = "Photosynthesis turns light into chemical energy [1]."

// FakeRequest is one request a fake received.
type FakeRequest struct {
	Header http.Header
	Path   string         // e.g. /v1/chat/completions or /v1/embeddings
	Body   map[string]any // the JSON body, as encoding/json decodes it

	// What the body says, in the same shape for both wire formats.
	Model     string
	System    string       // OpenAI: system and developer messages; Anthropic: the system param
	Messages  []ai.Message // the other messages, their text parts joined
	Stream    bool
	MaxTokens int      // max_tokens, or OpenAI's max_completion_tokens
	Input     []string // an embeddings request's texts
}

// FakeAI is what FakeOpenAI and FakeAnthropic share: an httptest server
// that speaks one provider's wire format, a script of failures and a record
// of requests. It is safe for concurrent use.
//
// Successful answers carry the reply, streamed a word per chunk, and usage
// that counts words: prompt tokens are the words of the system prompt and
// messages, completion tokens the words of the reply.
type FakeAI struct {
	t    testing.TB
	srv  *httptest.Server
	wire wire
	stop chan struct{} // closed when the test ends, to release waiting handlers

	mu       sync.Mutex
	reply    string
	synonyms map[string]string // word → the feature it embeds as (FakeOpenAI.SetEmbeddingSynonyms)
	failures []Failure
	requests []FakeRequest
	received chan struct{} // closed and replaced at each request
	active   int
	idle     chan struct{} // closed when active drops to zero
}

// wire is one provider's wire format.
type wire interface {
	path() string
	parse(r *FakeRequest)
	errorBody(f Failure, msg string) any
	message(x exchange) any
	streamStart(s sse, x exchange)
	streamPiece(s sse, x exchange, piece string)
	streamEnd(s sse, x exchange)
	streamError(s sse, x exchange)
}

// embeddingsWire is a wire format with an embeddings endpoint.
type embeddingsWire interface {
	embeddingsPath() string
	parseEmbeddings(r *FakeRequest)
	embeddings(r FakeRequest, feature func(word string) string) any
}

// exchange is one answer in the making.
type exchange struct {
	req        FakeRequest
	id         string
	reply      string
	prompt     int
	completion int
}

// model is the model an answer names: the one asked for, as real servers
// echo it.
func (x exchange) model() string {
	if x.req.Model == "" {
		return "fake-model"
	}
	return x.req.Model
}

func newFakeAI(t testing.TB, w wire) *FakeAI {
	t.Helper()
	f := &FakeAI{t: t, wire: w, stop: make(chan struct{}), reply: DefaultReply, received: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		// Close blocks until every handler returns, so hung ones go first.
		close(f.stop)
		f.srv.Close()
	})
	return f
}

// URL returns the server's root URL, e.g. http://127.0.0.1:PORT.
func (f *FakeAI) URL() string { return f.srv.URL }

// SetReply sets the text of successful answers. Give it several words: a
// streamed answer sends one word per chunk and the FailStream failures cut
// it in the middle.
func (f *FakeAI) SetReply(text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = text
}

// FailNext queues failures for the next requests, one per request. Retries
// are requests too: two FailServerError and a success need a client that
// retries at least twice.
func (f *FakeAI) FailNext(failures ...Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, failures...)
}

// Requests returns the requests received so far, oldest first.
func (f *FakeAI) Requests() []FakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeRequest(nil), f.requests...)
}

// waitLimit bounds WaitRequests and WaitIdle, so a broken client fails the
// test instead of hanging it.
const waitLimit = 10 * time.Second

// WaitRequests waits until the fake has received n requests, e.g. to cancel
// a call once it is waiting for a FailHang. It reports an error (and
// returns) after ten seconds; it may be called from any goroutine.
func (f *FakeAI) WaitRequests(n int) {
	f.t.Helper()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	for {
		f.mu.Lock()
		got, received := len(f.requests), f.received
		f.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-received:
		case <-limit.C:
			f.t.Errorf("xentreetest: fake AI server received %d requests in %v, want %d", got, waitLimit, n)
			return
		}
	}
}

// WaitIdle waits until no request is being answered. After a client gave
// up, that proves it closed its connection, since a waiting handler returns
// only then. It reports an error (and returns) after ten seconds.
func (f *FakeAI) WaitIdle() {
	f.t.Helper()
	f.mu.Lock()
	active, idle := f.active, f.idle
	f.mu.Unlock()
	if active == 0 {
		return
	}
	select {
	case <-idle:
	case <-time.After(waitLimit):
		f.t.Errorf("xentreetest: fake AI server still answering a request after %v", waitLimit)
	}
}

func (f *FakeAI) begin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active == 0 {
		f.idle = make(chan struct{})
	}
	f.active++
}

func (f *FakeAI) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.active--
	if f.active == 0 {
		close(f.idle)
	}
}

func (f *FakeAI) serve(w http.ResponseWriter, r *http.Request) {
	f.begin()
	defer f.end()
	ew, _ := f.wire.(embeddingsWire)
	embed := ew != nil && r.URL.Path == ew.embeddingsPath()
	if r.Method != http.MethodPost || (r.URL.Path != f.wire.path() && !embed) {
		writeJSON(w, http.StatusNotFound, f.wire.errorBody(FailBadRequest, "no route "+r.Method+" "+r.URL.Path))
		return
	}
	raw, err := io.ReadAll(r.Body)
	req := FakeRequest{Header: r.Header.Clone(), Path: r.URL.Path}
	if err == nil {
		err = json.Unmarshal(raw, &req.Body)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, f.wire.errorBody(FailBadRequest, "body is not JSON"))
		return
	}
	if embed {
		ew.parseEmbeddings(&req)
	} else {
		f.wire.parse(&req)
	}

	f.mu.Lock()
	f.requests = append(f.requests, req)
	n := len(f.requests)
	close(f.received)
	f.received = make(chan struct{})
	var fail Failure
	if len(f.failures) > 0 {
		fail = f.failures[0]
		f.failures = f.failures[1:]
	}
	reply := f.reply
	synonyms := f.synonyms
	f.mu.Unlock()

	if !req.Stream {
		switch fail {
		case FailStreamError:
			fail = FailServerError
		case FailStreamStall:
			fail = FailHang
		case FailStreamDrop:
			panic(http.ErrAbortHandler) // net/http cuts the connection and logs nothing
		}
	}
	switch fail {
	case FailRateLimit:
		w.Header().Set("Retry-After-Ms", "1")
		writeJSON(w, http.StatusTooManyRequests, f.wire.errorBody(fail, "Rate limit reached; try again in 1ms."))
		return
	case FailServerError:
		w.Header().Set("Retry-After-Ms", "1")
		writeJSON(w, http.StatusInternalServerError, f.wire.errorBody(fail, "The server had an error processing your request."))
		return
	case FailUnauthorized:
		writeJSON(w, http.StatusUnauthorized, f.wire.errorBody(fail, "Incorrect API key provided: "+sentKey(r.Header)+"."))
		return
	case FailBadRequest:
		writeJSON(w, http.StatusBadRequest, f.wire.errorBody(fail, "The request is invalid."))
		return
	case FailHang:
		f.wait(r)
		return
	}

	if embed {
		writeJSON(w, http.StatusOK, ew.embeddings(req, func(word string) string {
			if f, ok := synonyms[word]; ok {
				return f
			}
			return word
		}))
		return
	}
	x := exchange{req: req, id: fmt.Sprint(n), reply: reply, prompt: countWords(req.System), completion: countWords(reply)}
	for _, m := range req.Messages {
		x.prompt += countWords(m.Content)
	}
	if !req.Stream {
		writeJSON(w, http.StatusOK, f.wire.message(x))
		return
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := sse{w: w, rc: http.NewResponseController(w)}
	f.wire.streamStart(s, x)
	pieces := splitWords(reply)
	if fail != 0 {
		pieces = pieces[:max(1, len(pieces)/2)]
	}
	for _, p := range pieces {
		f.wire.streamPiece(s, x, p)
	}
	switch fail {
	case FailStreamError:
		f.wire.streamError(s, x)
	case FailStreamDrop:
		panic(http.ErrAbortHandler)
	case FailStreamStall:
		f.wait(r)
	default:
		f.wire.streamEnd(s, x)
	}
}

// wait blocks until the client goes away or the test ends.
func (f *FakeAI) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.stop:
	}
}

// sentKey returns the credential a request carried.
func sentKey(h http.Header) string {
	if k := h.Get("X-Api-Key"); k != "" {
		return k
	}
	return strings.TrimPrefix(h.Get("Authorization"), "Bearer ")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sse writes server-sent events, flushing each so the client sees it now.
type sse struct {
	w  io.Writer
	rc *http.ResponseController
}

// send writes one event; an empty name writes a data-only event.
func (s sse) send(event string, data any) {
	b, ok := data.([]byte)
	if !ok {
		b, _ = json.Marshal(data)
	}
	if event != "" {
		fmt.Fprintf(s.w, "event: %s\n", event)
	}
	fmt.Fprintf(s.w, "data: %s\n\n", b)
	_ = s.rc.Flush()
}

// splitWords cuts s into words that keep their following space, so the
// pieces join back into s.
func splitWords(s string) []string {
	var out []string
	for _, p := range strings.SplitAfter(s, " ") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func countWords(s string) int { return len(strings.Fields(s)) }

// text returns the text of a message content, which is either a string or
// a list of parts with a "text" field.
func text(content any) string {
	switch c := content.(type) {
	case string:
		return c
	case []any:
		var parts []string
		for _, p := range c {
			if m, ok := p.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					parts = append(parts, t)
				}
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// number returns a JSON number field as an int, 0 when absent.
func number(body map[string]any, key string) int {
	n, _ := body[key].(float64)
	return int(n)
}
