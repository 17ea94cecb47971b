package httpapi_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/internal/pgtest"
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
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	checkStoreSeries(t, env.eng.Store(), string(body))
	if strings.Contains(string(body), tok.AccessToken) {
		t.Error("a token in the metrics")
	}
}

// TestMetricsStoreSeries scrapes an engine on each store: SQLite's memory
// series on SQLite only, the PostgreSQL pool's on PostgreSQL only.
func TestMetricsStoreSeries(t *testing.T) {
	scrape := func(t *testing.T, eng *xentree.Engine) string {
		h := httpapi.New(eng, httpapi.Config{Metrics: true})
		_, tok := xentreetest.CreateUser(t, eng, "") // some acquires to count
		req := httptest.NewRequest("GET", "/api/core/conversations", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		h.ServeHTTP(httptest.NewRecorder(), req)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			t.Fatalf("metrics: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	t.Run("sqlite", func(t *testing.T) {
		cfg := xentreetest.Config(t)
		cfg.Database = "" // SQLite even when the suite runs on PostgreSQL
		eng, err := xentree.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		if eng.Store() != "sqlite" {
			t.Fatalf("Store() = %q", eng.Store())
		}
		if _, ok := eng.DatabasePool(); ok {
			t.Error("DatabasePool reports a pool on SQLite")
		}
		checkStoreSeries(t, "sqlite", scrape(t, eng))
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.Require(t)
		eng := xentreetest.NewEngine(t)
		if eng.Store() != "postgres" {
			t.Fatalf("Store() = %q", eng.Store())
		}
		body := scrape(t, eng)
		checkStoreSeries(t, "postgres", body)
		p, ok := eng.DatabasePool()
		if !ok || p.MaxConns < 1 || p.TotalConns < 1 || p.Acquires < 1 {
			t.Errorf("DatabasePool = %+v, %v", p, ok)
		}
	})
}

// poolSeries are the PostgreSQL pool's series.
var poolSeries = []string{
	"xentree_postgres_pool_connections ",
	"xentree_postgres_pool_idle_connections ",
	"xentree_postgres_pool_acquired_connections ",
	"xentree_postgres_pool_max_connections ",
	"xentree_postgres_pool_acquires_total ",
	"xentree_postgres_pool_empty_acquires_total ",
	"xentree_postgres_pool_canceled_acquires_total ",
	"xentree_postgres_pool_acquire_seconds_total ",
	"xentree_postgres_pool_acquire_wait_seconds_total ",
}

// checkStoreSeries checks that a scrape has the store's own series and
// not the other store's.
func checkStoreSeries(t *testing.T, store, body string) {
	t.Helper()
	sqlite := []string{`xentree_sqlite_memory_bytes{kind="page_cache"}`, `xentree_sqlite_memory_bytes{kind="statements"}`}
	want, unwanted := sqlite, []string{"xentree_postgres_pool"}
	if store == "postgres" {
		want, unwanted = poolSeries, []string{"xentree_sqlite_memory_bytes"}
	}
	for _, w := range want {
		if !strings.Contains(body, "\n"+w) {
			t.Errorf("%s metrics lack %s", store, w)
		}
	}
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("%s metrics have %s", store, u)
		}
	}
}
