package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/httpapi"
	"github.com/xentree/xentree/internal/pgtest"
	"github.com/xentree/xentree/xentreetest"
)

// TestPostgresConnectionLoss puts a TCP proxy between the engine and the
// PostgreSQL server, cuts it, and checks what a lost database looks like:
// the Engine's kind Unavailable, HTTP 503 with the JSON envelope (never a
// 500), the code database_unavailable on /healthz and no driver text in
// any message. Then the proxy comes back on the same port and the pool
// reconnects.
//
// Each probe gets a cycle of its own: it succeeds, the proxy is cut, it
// runs twice, and the proxy comes back. The first run after the cut takes
// the pooled connection the probe itself just released (the pool hands out
// the most recent idle one, and pings only those idle for over a second):
// a connection that died under it. The second finds no live connection
// and a refused dial. No index, so that no indexer takes the connection
// in between.
func TestPostgresConnectionLoss(t *testing.T) {
	pgtest.Require(t)
	u, err := url.Parse(xentreetest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
		c.Database = u.String()
		c.DisableIndex = true
	}))
	h := httpapi.New(eng, httpapi.Config{})
	user, tok := xentreetest.CreateUser(t, eng, "")
	ctx := context.Background()
	pool, ok := eng.DatabasePool()
	if !ok || pool.MaxConns < 1 {
		t.Fatalf("DatabasePool on PostgreSQL = %+v, %v", pool, ok)
	}

	type probe struct {
		name   string
		engine func() error // an Engine call, or
		method string       // an HTTP request
		path   string
		body   string
	}
	probes := []probe{
		{name: "Health", engine: func() error { return eng.Health(ctx) }},
		{name: "ListConversations", engine: func() error {
			_, err := eng.ListConversations(ctx, user, xentree.Page{})
			return err
		}},
		{name: "CreateConversation", engine: func() error {
			_, err := eng.CreateConversation(ctx, user, conversation.CreateRequest{Title: "engine"})
			return err
		}},
		{name: "healthz", method: "GET", path: "/healthz"},
		{name: "list", method: "GET", path: "/api/core/conversations"},
		{name: "create", method: "POST", path: "/api/core/conversations", body: `{"title":"http"}`},
	}
	// run runs p; the error is the engine's, or the HTTP answer when its
	// status is not 2xx.
	run := func(p probe) (*httptest.ResponseRecorder, error) {
		if p.engine != nil {
			return nil, p.engine()
		}
		req := httptest.NewRequest(p.method, p.path, strings.NewReader(p.body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if p.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code/100 != 2 {
			return rec, fmt.Errorf("%d %s", rec.Code, rec.Body)
		}
		return rec, nil
	}
	// down checks one answer given while the database is unreachable.
	down := func(p probe, attempt string) {
		t.Helper()
		rec, err := run(p)
		what := p.name + " with the database down (" + attempt + ")"
		if p.engine != nil {
			checkEngineDown(t, what, err, p.name == "Health")
			return
		}
		checkHTTPDown(t, what, rec, p.path == "/healthz")
	}

	for _, p := range probes {
		if rec, err := run(p); err != nil {
			t.Fatalf("%s before the outage: %v", p.name, err)
		} else if rec != nil && p.path == "/healthz" {
			if b := rec.Body.String(); !strings.Contains(b, `"store":"postgres"`) || !strings.Contains(b, `"database":"ok"`) {
				t.Errorf("healthz before the outage: %s", b)
			}
		}
		proxy.stop()
		down(p, "a pooled connection that died")
		down(p, "a refused connection")
		proxy.restart()
		// Each pooled connection the cut killed fails the first request
		// that takes it (as 503) and leaves the pool: within MaxConns+1
		// tries the probe has a fresh connection. A bound by construction,
		// not a wait.
		var err error
		for range pool.MaxConns + 1 {
			if _, err = run(p); err == nil {
				break
			}
			if xentree.KindOf(err) != xentree.KindUnavailable && !strings.HasPrefix(err.Error(), "503 ") {
				t.Errorf("%s while the pool reconnects: %v", p.name, err)
			}
		}
		if err != nil {
			t.Errorf("%s after the database came back: %v", p.name, err)
		}
	}
}

// checkEngineDown checks an Engine error given while the database is
// unreachable: kind Unavailable, a message without driver text, and for
// Health the code database_unavailable.
func checkEngineDown(t *testing.T, what string, err error, health bool) {
	t.Helper()
	var xe *xentree.Error
	switch {
	case xentree.KindOf(err) != xentree.KindUnavailable:
		t.Errorf("%s: kind %v, want unavailable (%v)", what, xentree.KindOf(err), err)
	case !errors.As(err, &xe):
		t.Errorf("%s: %v is not a *xentree.Error", what, err)
	default:
		noDriverText(t, what, xe.Message)
		if code := xentree.ErrorCode(err); health && code != "database_unavailable" {
			t.Errorf("%s: code %q, want database_unavailable", what, code)
		}
	}
}

// checkHTTPDown checks an HTTP answer given while the database is
// unreachable: 503 with the JSON error envelope and no driver text, and
// for /healthz the code database_unavailable and the store.
func checkHTTPDown(t *testing.T, what string, rec *httptest.ResponseRecorder, healthz bool) {
	t.Helper()
	if rec == nil || rec.Code != 503 {
		if rec == nil {
			t.Errorf("%s: succeeded", what)
		} else {
			t.Errorf("%s: %d, want 503: %s", what, rec.Code, rec.Body)
		}
		return
	}
	var env struct {
		Detail map[string]any `json:"detail"`
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Detail["error"] == nil || env.Detail["message"] == nil {
		t.Errorf("%s: not the JSON error envelope: %s", what, rec.Body)
		return
	}
	noDriverText(t, what, rec.Body.String())
	if healthz && (env.Detail["error"] != "database_unavailable" || env.Detail["store"] != "postgres") {
		t.Errorf("%s: %s, want error database_unavailable and store postgres", what, rec.Body)
	}
}

// noDriverText fails when s shows pgx's or the network's words: the
// client is told the database is unavailable, and the log has the cause.
func noDriverText(t *testing.T, what, s string) {
	t.Helper()
	for _, bad := range []string{"SQLSTATE", "dial tcp", "failed to connect", "connection refused", "127.0.0.1", "EOF", "pgx", "pgconn"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s shows driver text %q: %s", what, bad, s)
		}
	}
}

// proxy forwards TCP connections from a loopback port to target, and can
// be cut (listener and every connection closed) and brought back on the
// same port.
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool // nil while stopped
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0"}
	p.restart()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.stop) // registered before the engine's: runs after it closes
	return p
}

// restart listens on p.addr again (Go's listeners set SO_REUSEADDR, so the
// closed connections' TIME_WAIT does not hold the port).
func (p *proxy) restart() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy: listen on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.conns = ln, map[net.Conn]bool{}
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // stopped
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.forward(c)
			}()
		}
	}()
}

// forward copies both ways between c and a new connection to the target
// until either side ends or the proxy stops.
func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) {
		return
	}
	var once sync.Once
	done := make(chan struct{})
	end := func() { once.Do(func() { c.Close(); up.Close(); close(done) }) }
	go func() { _, _ = io.Copy(up, c); end() }()
	go func() { _, _ = io.Copy(c, up); end() }()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// track registers a forwarded pair, or closes it when the proxy stopped
// meanwhile.
func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = true
	}
	return true
}

// stop closes the listener and every connection, and waits until all the
// proxy's goroutines have ended: when it returns, the engine's connections
// are gone and a new one is refused. Stopping twice is harmless.
func (p *proxy) stop() {
	p.mu.Lock()
	if p.conns != nil {
		p.ln.Close()
		for c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
	p.mu.Unlock()
	p.wg.Wait()
}
