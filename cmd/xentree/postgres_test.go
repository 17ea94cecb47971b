package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/live"

	"github.com/xentree/xentree/internal/pgtest"
)

// serve, user and migrate with --database-url: the store is PostgreSQL, a
// command runs beside the serving node, and a bad URL or password is a
// clear error at start-up.
func TestServeOnPostgres(t *testing.T) {
	pgtest.Require(t)
	db := pgtest.Schema(t)
	s := startServer(t, t.TempDir(), "--database-url", db)
	if code, body := post(t, s.url+"/api/auth/register", "application/json",
		`{"email":"pg@example.com","password":"correct horse battery staple"}`); code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, body)
	}
	// A command beside the server, on another data folder: the account is
	// in the database, not in a folder.
	if out, err := runCmd(t, "user", "set-plan", "--data", t.TempDir(), "--database-url", db,
		"--email", "pg@example.com", "--plan", "pro"); err != nil || !strings.Contains(out, "pro") {
		t.Fatalf("user set-plan beside the server: %q %v", out, err)
	}
	if out, err := runCmd(t, "migrate", "status", "--database-url", db); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate status: %q %v", out, err)
	}
	if code, body := post(t, s.url+"/api/auth/login", "application/json",
		`{"username":"pg@example.com","password":"correct horse battery staple"}`); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}

	u, _ := url.Parse(db)
	u.User = url.UserPassword(u.User.Username(), "wrong-password-xyz")
	_, err := runCmd(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--database-url", u.String())
	if err == nil || !strings.Contains(err.Error(), "refused user") || strings.Contains(err.Error(), "wrong-password-xyz") {
		t.Errorf("wrong password: %v, want a login refusal that does not show the password", err)
	}
	_, err = runCmd(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--database-url", "postgres://x:y@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("unreachable database: %v", err)
	}
	if _, err := runCmd(t, "migrate", "status", "--database-url", "mysql://nope"); err == nil || !strings.Contains(err.Error(), "database URL") {
		t.Errorf("bad URL: %v", err)
	}
}

// Two `xentree serve` processes on one PostgreSQL database, requests
// alternating between them (issue 20, point 7).
func TestTwoNodes(t *testing.T) {
	pgtest.Require(t)
	db := pgtest.Schema(t)
	env := []string{"XENTREE_RATE_LIMIT=off", "XENTREE_LIVE_SILENCE_TIMEOUT=2s"}
	a := startServerEnv(t, t.TempDir(), append(env, "XENTREE_DATABASE_URL="+db)...)
	b := startServerEnv(t, t.TempDir(), append(env, "XENTREE_DATABASE_URL="+db)...)
	hc := &http.Client{Timeout: 10 * time.Second}
	must := func(code int, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Register on A, log in on B; B accepts A's tokens (the signing key is
	// the database's, not a node's).
	must(call(hc, "POST", a.url+"/api/auth/register", "", map[string]string{"email": "two@example.com", "password": "correct horse battery staple"}, nil))
	token := loginHTTP(t, b.url, "two@example.com")
	var me auth.Profile
	must(call(hc, "GET", a.url+"/api/auth/me", token, nil, &me))

	// Log out on A a session that B has cached: B refuses its token within
	// the same second (A's notice reaches B).
	other := loginHTTP(t, a.url, "two@example.com")
	must(call(hc, "GET", b.url+"/api/auth/me", other, nil, nil))
	must(call(hc, "POST", a.url+"/api/auth/logout", other, nil, nil))
	took := within(t, time.Second, "B refusing a token logged out on A", func() bool {
		code, _ := call(hc, "GET", b.url+"/api/auth/me", other, nil, nil)
		return code == http.StatusUnauthorized
	})
	t.Logf("B refused the token %v after the logout on A", took.Round(time.Millisecond))

	// A document uploaded on A is found by search on B within a second.
	var doc knowledge.Document
	must(call(hc, "POST", a.url+"/api/knowledge/documents", token, map[string]string{"title": "Glaciers", "content": "Drumlins are elongated hills shaped by glacial ice."}, &doc))
	uploaded := time.Now()
	took = within(t, time.Second, "B finding the document uploaded on A", func() bool {
		var res knowledge.SearchResponse
		must(call(hc, "POST", b.url+"/api/knowledge/search", token, map[string]string{"query": "drumlins"}, &res))
		return len(res.Results) == 1 && res.Results[0].DocumentID == doc.ID
	})
	t.Logf("searchable on B %v after the upload on A", took.Round(time.Millisecond))

	// A Live session started on A with heartbeats on B, some at once on
	// both: charged once, so the quota adds up to the session's use.
	var ls live.SessionResponse
	must(call(hc, "POST", a.url+"/api/live/session/start", token, map[string]string{"session_type": "voice"}, &ls))
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := []*server{a, b}[i%2]
			if code, err := call(hc, "POST", node.url+"/api/live/session/heartbeat", token, map[string]string{"session_id": ls.SessionID}, nil); err != nil {
				t.Errorf("heartbeat on node %d: %d %v", i%2, code, err)
			}
		}()
	}
	wg.Wait()
	var ended live.SessionResponse
	must(call(hc, "POST", b.url+"/api/live/session/end", token, map[string]string{"session_id": ls.SessionID}, &ended))
	var qa, qb live.QuotaResponse
	must(call(hc, "GET", a.url+"/api/live/quota", token, nil, &qa))
	must(call(hc, "GET", b.url+"/api/live/quota", token, nil, &qb))
	elapsed := int64(time.Since(uploaded)/time.Second) + 2
	if qa != qb || qa.UsedSeconds != ended.UsedSeconds || qa.UsedSeconds > elapsed ||
		qa.UsedSeconds+qa.RemainingSeconds != qa.LimitSeconds {
		t.Errorf("quota on A %+v, on B %+v, session used %d s (at most %d s passed)", qa, qb, ended.UsedSeconds, elapsed)
	}

	// A silent session started on A, then A killed with SIGKILL in the
	// middle of a burst of writes: every acknowledged write is there on B,
	// B keeps answering, and B's reaper ends the silent session.
	var silent live.SessionResponse
	must(call(hc, "POST", a.url+"/api/live/session/start", token, map[string]string{"session_type": "voice"}, &silent))
	var mu sync.Mutex
	var acked []string
	var n atomic.Int64
	killed := make(chan struct{})
	var once sync.Once
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{}}
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				var note conversation.Note
				code, err := call(hc, "POST", a.url+"/api/core/notes", token, map[string]string{"title": "burst", "content": fmt.Sprintf("moraine %d-%d", w, i)}, &note)
				if err == nil {
					mu.Lock()
					acked = append(acked, note.ID)
					mu.Unlock()
					if n.Add(1) == 200 {
						once.Do(func() { _ = a.cmd.Process.Signal(syscall.SIGKILL); close(killed) })
					}
				}
				if code == 0 || code >= 500 {
					return // A is gone
				}
			}
		}()
	}
	wg.Wait()
	_ = a.cmd.Wait()
	have := map[string]bool{}
	for cursor := ""; ; {
		var page struct {
			Items      []conversation.Note `json:"items"`
			NextCursor *string             `json:"next_cursor"`
		}
		must(call(hc, "GET", b.url+"/api/core/notes?limit=100&cursor="+url.QueryEscape(cursor), token, nil, &page))
		for _, n := range page.Items {
			have[n.ID] = true
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	lost := 0
	for _, id := range acked {
		if !have[id] {
			lost++
		}
	}
	if lost > 0 || len(acked) < 200 {
		t.Errorf("%d of %d notes acknowledged by A missing on B", lost, len(acked))
	}
	t.Logf("A killed after %d acknowledged notes; B has every one", len(acked))
	// Only B is left to end it; the database says when it has (no route
	// reads a session back without touching it).
	pg, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.Background())
	var reason *string
	took = within(t, 10*time.Second, "B's reaper ending the silent session started on A", func() bool {
		if err := pg.QueryRow(context.Background(), "SELECT end_reason FROM live_sessions WHERE id = $1", silent.SessionID).Scan(&reason); err != nil {
			t.Fatal(err)
		}
		return reason != nil
	})
	if *reason != "lapsed" {
		t.Errorf("silent session ended as %q, want lapsed", *reason)
	}
	t.Logf("B's reaper ended the silent session %v after A died", took.Round(time.Millisecond))
}

// within polls cond until it holds and returns how long that took, and
// fails t if it still does not after limit: a bound across processes,
// where no clock can be injected.
func within(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		runtime.Gosched()
	}
	return time.Since(start)
}
