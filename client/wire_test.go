package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/xel"
)

// A proxy's redirect is an error, never followed: Go's client turned a
// POST into a GET of the list, decoded as a zero Conversation with no
// error, and sent X-API-Key on to the redirect's target.
func TestRedirectIsAnError(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" key="+r.Header.Get("X-API-Key"))
		mu.Unlock()
		if r.URL.Path == "/elsewhere" {
			w.Write([]byte(`{"items":[],"next_cursor":null}`))
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithAPIKey("xt_secret"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateConversation(context.Background(), conversation.CreateRequest{Title: "x"})
	if xerr.KindOf(err) != xerr.Unavailable || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("a redirected POST: %v", err)
	}
	if len(seen) != 1 {
		t.Fatalf("the redirect was followed: %v", seen)
	}
}

// Logout forgets the client's tokens whatever else it names: the server
// always ends the caller's own session.
func TestLogoutForgetsTokens(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, WithToken("access"), WithRefreshToken("mine"))
	if err := c.Logout(context.Background(), auth.LogoutRequest{RefreshToken: "another device's"}); err != nil {
		t.Fatal(err)
	}
	if a, r := c.Tokens(); a != "" || r != "" {
		t.Fatalf("after logout the client still holds %q, %q", a, r)
	}
}

// A stream that breaks before done says which idempotency key it carried,
// so that a retry replays the stored answer instead of appending it again.
func TestBrokenStreamGivesItsKey(t *testing.T) {
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req conversation.ChatRequest
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		keys = append(keys, req.IdempotencyKey)
		w.Header().Set("Content-Type", "text/event-stream")
		if len(keys) == 2 { // a proxy whose upstream went away
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		io.WriteString(w, "id: "+req.IdempotencyKey+"\nevent: delta\ndata: {\"content\":\"Leaves \"}\n\n")
	}))
	defer srv.Close()
	c, _ := New(srv.URL, WithToken("access"))
	_, err := c.ChatStream(context.Background(), conversation.ChatRequest{Message: "Tell me", ConversationID: "c1"}, nil)
	e := xerr.As(err)
	if e == nil || e.Kind != xerr.Unavailable || len(keys) != 1 || keys[0] == "" || e.Details["idempotency_key"] != keys[0] {
		t.Fatalf("a broken stream: %v (details %v), keys sent %q", err, e, keys)
	}
	_, err = c.ChatStream(context.Background(), conversation.ChatRequest{Message: "Tell me", ConversationID: "c1"}, nil)
	if e := xerr.As(err); e == nil || e.Kind != xerr.Unavailable || len(keys) != 2 || e.Details["idempotency_key"] != keys[1] {
		t.Fatalf("a 502 before the stream: %v, keys sent %q", err, keys)
	}
}

// The zero Choice goes out as null, which the server refuses as Validate
// does in process; as 0 it was graded as the first option.
func TestZeroChoiceIsNull(t *testing.T) {
	b, err := json.Marshal(xel.SubmitRequest{SelectedOptions: []xel.Choice{{}}})
	if err != nil || string(b) != `{"selected_options":[null]}` {
		t.Fatalf("%s %v", b, err)
	}
}

// Details read back as the Engine gives them (granted_scopes a []string),
// and an id of "." or ".." cannot name its parent route.
func TestDetailsAndDotIDs(t *testing.T) {
	e := envelopeError([]byte(`{"detail":{"error":"INSUFFICIENT_API_KEY_SCOPE","message":"m","required_scope":"a:b","granted_scopes":["c:d"]}}`))
	if got, ok := e.Details["granted_scopes"].([]string); !ok || len(got) != 1 || got[0] != "c:d" {
		t.Fatalf("granted_scopes %#v", e.Details["granted_scopes"])
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("%s %s was sent", r.Method, r.URL.RawPath)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, WithToken("access"))
	for _, id := range []string{".", ".."} {
		if err := c.RemoveMember(context.Background(), "org1", id); xerr.KindOf(err) != xerr.NotFound {
			t.Errorf("RemoveMember(org1, %q): %v, want not found, nothing sent", id, err)
		}
	}
}
