package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a running child server, as the parent sees it.
type server struct {
	kind   string // kindXentree or kindPeer: the API's dialect
	name   string // the configuration it serves, in logs: "xentree", "xentree-pg", ...
	url    string
	dir    string
	cmd    *exec.Cmd
	ids    []string
	hc     *http.Client
	auth   string // the Authorization header's value
	userID string // the peer's record id of the bench user, for create

	pprofURL  string // Xentree's profiling listener, with -profile
	adminAuth string // Xentree's admin, for the index status; "" until needed
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// serverSpec is one server process to start.
type serverSpec struct {
	kind     string // kindXentree or kindPeer
	name     string // the configuration's name; the kind's own when empty
	database string // Xentree on PostgreSQL: the URL of its schema; "" is SQLite in its data folder
	noSeed   bool   // Xentree: a further node on a database already seeded; the caller sets ids
	pprof    bool   // Xentree: open the profiling listener (-profile)
}

// startServer starts a server of the given kind on a fresh data folder and
// waits, at most -start-timeout, for its URL. The peer is this binary
// re-executed (PocketBase is a library); Xentree is seeded by such a child,
// which then exits, and served by the real `xentree serve` binary, so that
// what is measured is what users run, and its memory is not that of a
// process that also links PocketBase. On PostgreSQL the child seeds the
// schema sp.database names and `xentree serve --database-url` serves it;
// a second node of the same schema is started without seeding.
func startServer(ctx context.Context, sp serverSpec, o options) (*server, error) {
	kind := sp.kind
	if sp.name == "" {
		sp.name = kind
	}
	dir, err := os.MkdirTemp("", "xentree-bench-"+kind+"-")
	if err != nil {
		return nil, err
	}
	s := &server{kind: kind, name: sp.name, dir: dir, hc: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true},
		Timeout:   time.Minute,
	}}
	ctx, cancel := context.WithTimeout(ctx, o.startTimeout)
	defer cancel()
	data := filepath.Join(dir, "data")
	logs := &prefixWriter{prefix: "[" + sp.name + "] ", w: os.Stderr}
	// The child is bound by ctx only while seeding: the peer's child
	// serves on after this function returns.
	newChild := func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, selfPath(), childCmd, kind)
		c.Env = append(os.Environ(),
			envDir+"="+data,
			envDatabase+"="+sp.database,
			envRows+"="+strconv.Itoa(o.rows),
			envIDs+"="+filepath.Join(dir, "ids.txt"),
			envPeerLogs+"="+onOff(o.peerLogs))
		c.Stderr = logs
		setDeathSignal(c)
		return c
	}
	var child *exec.Cmd
	if kind == kindXentree {
		if !sp.noSeed {
			seed := newChild(ctx)
			seed.Stdout = seed.Stderr
			if err := seed.Run(); err != nil {
				os.RemoveAll(dir)
				return nil, fmt.Errorf("seeding %s: %w", sp.name, err)
			}
		}
		args := []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--rate-limit", "off"}
		if sp.database != "" {
			args = append(args, "--database-url", sp.database)
		}
		if sp.pprof {
			args = append(args, "--pprof-addr", "127.0.0.1:0")
		}
		child = exec.Command(o.xentreeBin, args...)
		// The store is the one this configuration names: an
		// XENTREE_DATABASE_URL of the caller's must not move the SQLite
		// node onto PostgreSQL.
		child.Env = append(withoutEnv(os.Environ(), "XENTREE_DATABASE_URL"), "XENTREE_LOG_LEVEL=warn")
		child.Stderr = logs
		setDeathSignal(child)
	} else {
		child = newChild(context.Background())
	}
	s.cmd = child
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// The peer prints its URL alone on a line; PocketBase may print before
	// it, from a goroutine: its warning that the SQLite driver is newer
	// than the one it was tested with (both servers are built with the
	// same one, which is the point of comparing them). Xentree prints
	// "xentree listening on URL (data DIR)", then "pprof on URL" if asked.
	lines := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			l := sc.Text()
			switch {
			case strings.HasPrefix(l, "http://"), strings.HasPrefix(l, "pprof on "):
				send(lines, l)
			case strings.HasPrefix(l, "xentree listening on "):
				u, _, _ := strings.Cut(strings.TrimPrefix(l, "xentree listening on "), " ")
				send(lines, u)
			case strings.TrimSpace(l) != "":
				fmt.Fprintf(s.cmd.Stderr, "%s\n", l)
			}
		}
		close(lines)
	}()
	want := 1
	if kind == kindXentree && sp.pprof {
		want = 2
	}
	for range want {
		select {
		case l, ok := <-lines:
			if !ok {
				s.stop()
				return nil, fmt.Errorf("%s server exited before it printed its URL", sp.name)
			}
			if p, ok := strings.CutPrefix(l, "pprof on "); ok {
				s.pprofURL = p
			} else {
				s.url = l
			}
		case <-ctx.Done():
			s.stop()
			return nil, fmt.Errorf("%s server not ready within -start-timeout %s: %w", sp.name, o.startTimeout, ctx.Err())
		}
	}
	if sp.noSeed {
		return s, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "ids.txt"))
	if err != nil {
		s.stop()
		return nil, err
	}
	s.ids = strings.Fields(string(b))
	return s, nil
}

// withoutEnv is env without the variable name.
func withoutEnv(env []string, name string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
}

// send hands a line over unless the reader has all it wanted and stopped.
func send(c chan<- string, l string) {
	select {
	case c <- l:
	default:
	}
}

func selfPath() string {
	if p, err := os.Executable(); err == nil {
		return p
	}
	return os.Args[0]
}

func onOff(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// stop ends the child, politely first, and removes its data.
func (s *server) stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(s.dir)
}

// login gets the bench user's token over HTTP, the way a client would.
func (s *server) login(ctx context.Context) error {
	auth, userID, err := s.loginAs(ctx, benchEmail)
	s.auth, s.userID = auth, userID
	return err
}

// loginAs returns the Authorization header's value for the account, and
// the peer's record id of it.
func (s *server) loginAs(ctx context.Context, email string) (auth, userID string, err error) {
	var resp struct {
		AccessToken string `json:"access_token"` // Xentree
		Token       string `json:"token"`        // PocketBase
		Record      struct {
			ID string `json:"id"`
		} `json:"record"`
	}
	req := s.loginRequest(email)
	st, reason, body := s.call(ctx, "", req.method, s.url+req.path, req.body)
	if st/100 != 2 {
		return "", "", errors.New(reason)
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return "", "", err
	}
	if s.kind == kindXentree {
		return "Bearer " + resp.AccessToken, "", nil
	}
	return resp.Token, resp.Record.ID, nil
}

// drain waits for work a server does after answering (Xentree's search
// index) and for the sockets of the last run to settle, so that one run's
// leftovers don't slow the next. Xentree's index is caught up when its
// status, which only an admin may read, shows nothing pending.
func (s *server) drain(ctx context.Context) time.Duration {
	start := time.Now()
	if s.kind == kindXentree {
		if err := s.waitIndexed(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "%s drain: %v\n", s.name, err)
		}
	}
	took := time.Since(start)
	s.hc.CloseIdleConnections()
	time.Sleep(300 * time.Millisecond)
	return took
}

// waitIndexed polls the index status as the seeded admin until nothing is
// pending. The admin's token is kept across drains and renewed when it
// expires.
func (s *server) waitIndexed(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for {
		if s.adminAuth == "" {
			auth, _, err := s.loginAs(ctx, adminEmail)
			if err != nil {
				return err
			}
			s.adminAuth = auth
		}
		st, reason, body := s.call(ctx, s.adminAuth, "GET", s.url+"/api/core/search/status", nil)
		if st == http.StatusUnauthorized {
			s.adminAuth = ""
			continue
		}
		if st != http.StatusOK {
			return errors.New(reason)
		}
		var status struct {
			Pending int64 `json:"pending"`
		}
		if err := json.Unmarshal(body, &status); err != nil {
			return err
		}
		if status.Pending == 0 {
			return nil
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// do sends one request to the API as the bench user and returns its
// status, a short reason when it failed, and the body.
func (s *server) do(ctx context.Context, method, path string, body []byte) (int, string, []byte) {
	return s.call(ctx, s.auth, method, s.url+path, body)
}

// call is do with any credentials (none when auth is empty) and any URL.
func (s *server) call(ctx context.Context, auth, method, url string, body []byte) (int, string, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, err.Error(), nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error(), nil
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Sprintf("%s %s: %d %.120s", method, req.URL.Path, resp.StatusCode, b), b
	}
	return resp.StatusCode, "", b
}

// prefixWriter tags a child's log lines with the server's name. Its
// stderr and the stray lines of its stdout both go through it.
type prefixWriter struct {
	prefix string
	w      io.Writer
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i]); err != nil {
			return 0, err
		}
		p.buf = p.buf[i+1:]
	}
}
