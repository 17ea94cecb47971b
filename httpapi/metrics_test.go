package httpapi_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/xentreetest"
)

func TestMetrics(t *testing.T) {
	env := newEnv(t)
	if rec := env.do("GET", "/metrics", "", nil); rec.Code != 404 {
		t.Fatalf("metrics served while off: %d", rec.Code)
	}
	h := httpapi.New(env.eng, httpapi.Config{Metrics: true})
	_, tok := xentreetest.CreateUser(t, env.eng, "")
	do := func(method, url, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := do("POST", "/api/core/chat", `{"message":"hello"}`); rec.Code != 200 {
		t.Fatalf("chat: %d %s", rec.Code, rec.Body)
	}
	do("GET", "/api/core/conversations/nope/messages", "")
	rec := do("GET", "/metrics", "")
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`xentree_http_requests_total{route="POST /api/core/chat",status="200"} 1`,
		`xentree_http_requests_total{route="GET /api/core/conversations/{conversation_id}/messages",status="404"} 1`,
		`xentree_http_request_duration_seconds_bucket{route="POST /api/core/chat"`,
		`xentree_provider_calls_total{outcome="ok",provider="local"} 1`,
		`xentree_provider_tokens_total{kind="completion",provider="local"}`,
		`xentree_index_lag_seconds`,
		`xentree_live_sessions_active 0`,
		`xentree_sqlite_memory_bytes{kind="page_cache"}`,
		`xentree_sqlite_memory_bytes{kind="statements"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(body), tok.AccessToken) {
		t.Error("a token in the metrics")
	}
}
