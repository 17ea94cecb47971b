package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/live"
)

// call sends one JSON request with a bearer token and decodes the answer
// into out (when non-nil and the status is 2xx). Transport errors (a killed
// server) come back as status 0.
func call(hc *http.Client, method, url, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w", b, err)
		}
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode, nil
}

func loginHTTP(t *testing.T, url, email string) string {
	t.Helper()
	var tok auth.TokenResponse
	if _, err := call(http.DefaultClient, "POST", url+"/api/auth/login", "", map[string]string{"username": email, "password": "correct horse battery staple"}, &tok); err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// acks records what the server acknowledged with a 2xx.
type acks struct {
	mu            sync.Mutex
	conversations []string
	notes         []string
	chats         int // acknowledged chat turns in the chat conversation
	heartbeats    int
	n             atomic.Int64
	serverErrors  []string
}

// TestSIGKILLDuringWriteBurst: eight clients write conversations, chat
// turns, notes and Live heartbeats; the server is SIGKILLed mid-burst.
// Every write acknowledged with 2xx is there afterwards, the search index
// converges to SQLite, and the database passes PRAGMA integrity_check.
func TestSIGKILLDuringWriteBurst(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCmd(t, "user", "create", "--data", dir, "--email", "ada@example.com", "--password", "correct horse battery staple", "--admin"); err != nil {
		t.Fatal(err)
	}
	// Rate limits off: eight clients chatting as one user would trip the
	// chat limit, which is not what this test is about.
	s := startServerEnv(t, dir, "XENTREE_RATE_LIMIT=off")
	token := loginHTTP(t, s.url, "ada@example.com")
	var chatConv conversation.Conversation
	if _, err := call(http.DefaultClient, "POST", s.url+"/api/core/conversations", token, map[string]string{"title": "chat"}, &chatConv); err != nil {
		t.Fatal(err)
	}
	var ls live.SessionResponse
	if _, err := call(http.DefaultClient, "POST", s.url+"/api/live/session/start", token, map[string]string{"session_type": "voice"}, &ls); err != nil {
		t.Fatal(err)
	}

	var a acks
	const killAfter = 400 // acknowledged writes before the kill
	killed := make(chan struct{})
	var once sync.Once
	kill := func() {
		once.Do(func() {
			_ = s.cmd.Process.Signal(syscall.SIGKILL)
			close(killed)
		})
	}
	var wg sync.WaitGroup
	for w := range 8 {
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
				var code int
				var err error
				switch (w + i) % 4 {
				case 0:
					var c conversation.Conversation
					code, err = call(hc, "POST", s.url+"/api/core/conversations", token, map[string]string{"title": fmt.Sprintf("burst %d-%d", w, i)}, &c)
					if err == nil {
						a.mu.Lock()
						a.conversations = append(a.conversations, c.ID)
						a.mu.Unlock()
					}
				case 1:
					code, err = call(hc, "POST", s.url+"/api/core/chat", token, map[string]string{"message": fmt.Sprintf("turn %d-%d", w, i), "conversation_id": chatConv.ID}, nil)
					if err == nil {
						a.mu.Lock()
						a.chats++
						a.mu.Unlock()
					}
				case 2:
					var n conversation.Note
					code, err = call(hc, "POST", s.url+"/api/core/notes", token, map[string]string{"title": "burst", "content": fmt.Sprintf("moraine note %d-%d", w, i)}, &n)
					if err == nil {
						a.mu.Lock()
						a.notes = append(a.notes, n.ID)
						a.mu.Unlock()
					}
				case 3:
					code, err = call(hc, "POST", s.url+"/api/live/session/heartbeat", token, map[string]string{"session_id": ls.SessionID}, nil)
					if err == nil {
						a.mu.Lock()
						a.heartbeats++
						a.mu.Unlock()
					}
				}
				if code >= 500 {
					a.mu.Lock()
					a.serverErrors = append(a.serverErrors, err.Error())
					a.mu.Unlock()
				}
				if err == nil && a.n.Add(1) == killAfter {
					kill()
				}
				if code == 0 { // the server is gone
					return
				}
			}
		}()
	}
	wg.Wait()
	kill()
	_ = s.cmd.Wait()
	if len(a.serverErrors) > 0 {
		t.Fatalf("5xx during the burst: %v", a.serverErrors)
	}
	t.Logf("acknowledged before SIGKILL: %d conversations, %d chat turns, %d notes, %d heartbeats",
		len(a.conversations), a.chats, len(a.notes), a.heartbeats)

	// Reopen in process: Open replays the outbox the dead server left.
	ctx := context.Background()
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := eng.Authenticate(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range a.conversations {
		if _, err := eng.GetConversation(ctx, u, id); err != nil {
			t.Errorf("acknowledged conversation %s lost: %v", id, err)
		}
	}
	have := map[string]bool{}
	for p := (xentree.Page{Limit: 100}); ; {
		l, err := eng.ListNotes(ctx, u, "", p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range l.Items {
			have[n.ID] = true
		}
		if l.NextCursor == nil {
			break
		}
		p.Cursor = *l.NextCursor
	}
	for _, id := range a.notes {
		if !have[id] {
			t.Errorf("acknowledged note %s lost", id)
		}
	}
	c, err := eng.GetConversation(ctx, u, chatConv.ID)
	if err != nil || c.MessageCount < 2*a.chats {
		t.Errorf("chat conversation has %d messages, want at least %d acknowledged (%v)", c.MessageCount, 2*a.chats, err)
	}
	if err := eng.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := eng.SearchStatus(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	db := checkedDB(t, dir)
	var rows uint64
	if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM conversations) + (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM notes)`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if st.Documents != rows || st.Pending != 0 {
		t.Fatalf("index holds %d documents (%d pending), SQLite %d searchable rows", st.Documents, st.Pending, rows)
	}
}

// TestDiskFull: the server runs under a file size limit (RLIMIT_FSIZE, so
// writes fail with EFBIG like a full disk, without root or a tmpfs). Writes
// past it answer 503, never 500; reads go on; once the limit is lifted
// (SIGUSR1 to the child) writes succeed again; nothing acknowledged is lost
// and the database passes integrity_check.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCmd(t, "user", "create", "--data", dir, "--email", "ada@example.com", "--password", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "xentree.db"))
	if err != nil {
		t.Fatal(err)
	}
	limit := fi.Size() + 2<<20
	s := startServerEnv(t, dir, fmt.Sprintf("XENTREE_TEST_FSIZE=%d", limit))
	token := loginHTTP(t, s.url, "ada@example.com")

	content := strings.Repeat("glacial till and outwash plain ", 1000) // ~31 KB
	var acked []string
	full := 0
	for i := 0; full < 5 && i < 1000; i++ {
		var n conversation.Note
		code, err := call(http.DefaultClient, "POST", s.url+"/api/core/notes", token, map[string]string{"title": fmt.Sprint("n", i), "content": content}, &n)
		switch {
		case err == nil:
			acked = append(acked, n.ID)
		case code == http.StatusServiceUnavailable:
			full++
		default:
			t.Fatalf("write %d past the limit: %v (want 2xx or 503)", i, err)
		}
	}
	if full == 0 {
		t.Fatalf("%d writes never hit the %d-byte limit", len(acked), limit)
	}
	if _, err := call(http.DefaultClient, "GET", s.url+"/api/core/notes?limit=5", token, nil, nil); err != nil {
		t.Fatalf("a read while the disk is full: %v", err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGUSR1); err != nil { // space returns
		t.Fatal(err)
	}
	// The child lifts its limit when it handles the signal; the first
	// writes after may still race it, so a few 503s are allowed.
	recovered := false
	for i := 0; i < 200 && !recovered; i++ {
		var n conversation.Note
		code, err := call(http.DefaultClient, "POST", s.url+"/api/core/notes", token, map[string]string{"title": "after", "content": "space is back"}, &n)
		switch {
		case err == nil:
			acked, recovered = append(acked, n.ID), true
		case code != http.StatusServiceUnavailable:
			t.Fatalf("after the limit was lifted: %v", err)
		}
	}
	if !recovered {
		t.Fatal("writes did not recover once space returned")
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()

	db := checkedDB(t, dir)
	for _, id := range acked {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM notes WHERE id = ?`, id).Scan(&n); err != nil || n != 1 {
			t.Errorf("acknowledged note %s lost (%v)", id, err)
		}
	}
	t.Logf("%d notes acknowledged, %d writes refused with 503 at the limit", len(acked), full)
}

// startServerEnv is startServer with extra environment for the child.
func startServerEnv(t *testing.T, dir string, env ...string) *server {
	t.Helper()
	old := childEnv
	childEnv = env
	defer func() { childEnv = old }()
	return startServer(t, dir)
}

// checkedDB opens the data folder's database after the server is gone and
// fails the test unless PRAGMA integrity_check says ok.
func checkedDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "xentree.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var verdict string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&verdict); err != nil || verdict != "ok" {
		t.Fatalf("integrity_check: %q %v", verdict, err)
	}
	return db
}
