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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a running child server, as the parent sees it.
type server struct {
	kind   string
	url    string
	dir    string
	cmd    *exec.Cmd
	ids    []string
	hc     *http.Client
	auth   string // the Authorization header's value
	userID string // the peer's record id of the bench user, for create
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// startServer re-executes this binary as a server of the given kind on a
// fresh data folder and waits, at most -start-timeout, for its URL.
func startServer(ctx context.Context, kind string, o options) (*server, error) {
	dir, err := os.MkdirTemp("", "xentree-bench-"+kind+"-")
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	s := &server{kind: kind, dir: dir, hc: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true},
		Timeout:   time.Minute,
	}}
	s.cmd = exec.Command(self, childCmd, kind)
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	s.cmd.Env = append(os.Environ(),
		envDir+"="+filepath.Join(dir, "data"),
		envRows+"="+strconv.Itoa(o.rows),
		envIDs+"="+filepath.Join(dir, "ids.txt"),
		envPprof+"="+flag(o.profile != ""),
		envPeerLogs+"="+flag(o.peerLogs))
	s.cmd.Stderr = &prefixWriter{prefix: "[" + kind + "] ", w: os.Stderr}
	setDeathSignal(s.cmd)
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// The URL is the first line starting with http://. PocketBase may print
	// before it, from a goroutine: its warning that the SQLite driver is
	// newer than the one it was tested with (both servers share the one in
	// this module graph, which is the point of comparing them).
	line := make(chan string, 1)
	go func(send chan<- string) {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "http://") && send != nil {
				send <- l
				send = nil
			} else if strings.TrimSpace(l) != "" {
				fmt.Fprintf(s.cmd.Stderr, "%s\n", l)
			}
		}
		if send != nil {
			close(send)
		}
	}(line)
	timer := time.NewTimer(o.startTimeout)
	defer timer.Stop()
	select {
	case l, ok := <-line:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("%s server exited before it printed its URL", kind)
		}
		s.url = l
	case <-timer.C:
		s.stop()
		return nil, fmt.Errorf("%s server not ready after %s", kind, o.startTimeout)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	b, err := os.ReadFile(filepath.Join(dir, "ids.txt"))
	if err != nil {
		s.stop()
		return nil, err
	}
	s.ids = strings.Fields(string(b))
	return s, nil
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
	var resp struct {
		AccessToken string `json:"access_token"` // Xentree
		Token       string `json:"token"`        // PocketBase
		Record      struct {
			ID string `json:"id"`
		} `json:"record"`
	}
	req := s.loginRequest()
	st, reason, body := s.do(ctx, req.method, req.path, req.body)
	if st/100 != 2 {
		return errors.New(reason)
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return err
	}
	if s.kind == kindXentree {
		s.auth = "Bearer " + resp.AccessToken
	} else {
		s.auth, s.userID = resp.Token, resp.Record.ID
	}
	return nil
}

// drain waits for work a server does after answering (Xentree's search
// index) and for the sockets of the last run to settle, so that one run's
// leftovers don't slow the next.
func (s *server) drain(ctx context.Context) time.Duration {
	start := time.Now()
	if s.kind == kindXentree {
		if st, reason, _ := s.do(ctx, "GET", drainPath, nil); st != http.StatusNoContent {
			fmt.Fprintf(os.Stderr, "xentree drain: %s\n", reason)
		}
	}
	took := time.Since(start)
	s.hc.CloseIdleConnections()
	time.Sleep(300 * time.Millisecond)
	return took
}

// do sends one request and returns its status, a short reason when it
// failed, and the body.
func (s *server) do(ctx context.Context, method, path string, body []byte) (int, string, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	if err != nil {
		return 0, err.Error(), nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.auth != "" {
		req.Header.Set("Authorization", s.auth)
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
		return resp.StatusCode, fmt.Sprintf("%s %s: %d %.120s", method, path, resp.StatusCode, b), b
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
