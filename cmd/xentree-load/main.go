// Command xentree-load runs a bounded, realistic mix of API calls against a
// `xentree serve` on loopback and reports throughput, p50/p99 latency per
// operation, errors (5xx and SQLITE_BUSY, which the API answers as 503
// "storage is busy", counted apart) and the server's resident memory.
//
//	go build -o /tmp/xentree ./cmd/xentree
//	go run ./cmd/xentree-load -spawn /tmp/xentree -duration 10m
//	go run ./cmd/xentree-load -url http://127.0.0.1:8080 -pid $(pgrep -f 'xentree serve') -duration 1m
//
// With -spawn it starts the server itself on a fresh data folder with rate
// limits off (one client registers every user), and reports the sizes of
// the database, its WAL and the index at the end. The exit status is 1 when
// any call failed (5xx and busy answers are counted apart), or when the
// server's anonymous memory (heap, stacks, SQLite caches) grew more than
// -mem-growth (5%) over the second half of the run, comparing the medians
// of the minute at the middle and the last minute; the first minute is
// reported too. Total RSS and its file-backed part are reported beside it:
// the file-backed part holds the index segments Bleve maps, which grow
// with the data written, like any file cache. The spawned server runs with
// metrics on, and its own account of its memory (what the Go runtime
// holds, what SQLite holds) is reported at the same three points, so a
// growth can be placed. Workers log in again when their access token
// expires, so a run can last longer than a token.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/xentree/xentree/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "xentree-load:", err)
		os.Exit(1)
	}
}

type config struct {
	url       string
	pid       int
	workers   int
	duration  time.Duration
	warmup    time.Duration
	maxGrowth float64
	dir       string // the spawned server's data folder
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("xentree-load", flag.ContinueOnError)
	var c config
	spawn := fs.String("spawn", "", "path of a xentree binary to start on a fresh data folder")
	fs.StringVar(&c.url, "url", "", "base URL of a running server (instead of -spawn)")
	fs.IntVar(&c.pid, "pid", 0, "the running server's pid, to sample its memory")
	fs.IntVar(&c.workers, "workers", 16, "concurrent clients (closed loop)")
	fs.DurationVar(&c.duration, "duration", time.Minute, "measured time")
	fs.DurationVar(&c.warmup, "warmup", 15*time.Second, "unmeasured time first")
	fs.Float64Var(&c.maxGrowth, "mem-growth", 0.05, "allowed growth of the server's anonymous memory over the second half of the run (median of the last minute against the minute at the middle)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *spawn != "" {
		dir, err := os.MkdirTemp("", "xentree-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		srv, base, err := startServer(*spawn, dir)
		if err != nil {
			return err
		}
		defer func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait() }()
		c.url, c.pid, c.dir = base, srv.Process.Pid, dir
	}
	if c.url == "" {
		return errors.New("give -spawn BINARY or -url URL")
	}
	return load(ctx, c, out)
}

// startServer runs `bin serve` on a free loopback port and returns its URL.
func startServer(bin, dir string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--rate-limit", "off", "--metrics", "on")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		return nil, "", errors.New("the server printed nothing")
	}
	_, rest, ok := strings.Cut(sc.Text(), "listening on ")
	if !ok {
		return nil, "", fmt.Errorf("unexpected first line %q", sc.Text())
	}
	base, _, _ := strings.Cut(rest, " ")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return cmd, base, nil
}

// client is one worker's user, with what it created in setup.
type client struct {
	email, token, conv, doc string
}

const loadPassword = "load test password 1"

// login gets cl a fresh access token. Workers call it again when theirs
// expires (15 minutes by default), so a run can outlast it.
func (cl *client) login(ctx context.Context, hc *http.Client, base string) error {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if st, msg := send(ctx, hc, "POST", base+"/api/auth/login", "", map[string]string{"username": cl.email, "password": loadPassword}, &tok); st != 200 {
		return fmt.Errorf("login: %d %s", st, msg)
	}
	cl.token = tok.AccessToken
	return nil
}

var words = strings.Fields(`glacier moraine fjord erosion sediment delta estuary tide current plate
	volcano magma basalt granite quartz mineral fossil strata canyon plateau monsoon cyclone climate
	photosynthesis enzyme protein cell membrane nucleus mitosis genome evolution habitat species`)

func load(ctx context.Context, c config, out io.Writer) error {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.workers * 2}, Timeout: time.Minute}
	clients := make([]client, c.workers)
	run := time.Now().UnixNano()
	for w := range clients {
		cl, err := setup(ctx, hc, c.url, fmt.Sprintf("load-%d-%d@example.com", run, w))
		if err != nil {
			return fmt.Errorf("setup of worker %d: %w", w, err)
		}
		clients[w] = cl
	}
	// The mix, by weight: reads dominate, as in use.
	type op struct {
		name   string
		weight int
		do     func(cl client, rng *rand.Rand) (method, path string, body any)
	}
	ops := []op{
		{"list_conversations", 20, func(cl client, _ *rand.Rand) (string, string, any) {
			return "GET", "/api/core/conversations?limit=20", nil
		}},
		{"create_conversation", 10, func(cl client, rng *rand.Rand) (string, string, any) {
			return "POST", "/api/core/conversations", map[string]string{"title": phrase(rng, 4)}
		}},
		{"chat", 15, func(cl client, rng *rand.Rand) (string, string, any) {
			return "POST", "/api/core/chat", map[string]string{"message": "Tell me about " + phrase(rng, 6), "conversation_id": cl.conv}
		}},
		{"list_messages", 10, func(cl client, _ *rand.Rand) (string, string, any) {
			return "GET", "/api/core/conversations/" + cl.conv + "/messages?limit=20", nil
		}},
		{"create_note", 10, func(cl client, rng *rand.Rand) (string, string, any) {
			return "POST", "/api/core/notes", map[string]string{"title": phrase(rng, 3), "content": phrase(rng, 40)}
		}},
		{"search", 15, func(cl client, rng *rand.Rand) (string, string, any) {
			return "GET", "/api/core/search?q=" + url.QueryEscape(phrase(rng, 1+rng.IntN(2))), nil
		}},
		{"knowledge_search", 5, func(cl client, rng *rand.Rand) (string, string, any) {
			return "POST", "/api/knowledge/search", map[string]string{"query": phrase(rng, 2)}
		}},
		{"me", 10, func(cl client, _ *rand.Rand) (string, string, any) { return "GET", "/api/auth/me", nil }},
		{"list_notes", 5, func(cl client, _ *rand.Rand) (string, string, any) { return "GET", "/api/core/notes?limit=20", nil }},
	}
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	var sampler *loadgen.Sampler[loadgen.Mem]
	if c.pid > 0 {
		sampler = loadgen.SampleMemory(c.pid, time.Second)
	}
	const accountEvery = 5 * time.Second
	// Each scrape is bounded by the interval, so a stuck server cannot
	// pile them up.
	accounts := loadgen.Sample(accountEvery, func() (account, error) {
		ctx, cancel := context.WithTimeout(ctx, accountEvery)
		defer cancel()
		return scrapeAccount(ctx, hc, c.url)
	})
	fmt.Fprintf(out, "%d workers, %s warm-up, %s measured, against %s\n", c.workers, c.warmup, c.duration, c.url)
	busy := 0
	res := loadgen.Run(ctx, loadgen.Options{Workers: c.workers, Duration: c.duration, Warmup: c.warmup},
		func(ctx context.Context, w int, rng *rand.Rand) loadgen.Outcome {
			n := rng.IntN(total)
			o := ops[0]
			for _, cand := range ops {
				if n < cand.weight {
					o = cand
					break
				}
				n -= cand.weight
			}
			cl := &clients[w] // only worker w uses it
			method, path, body := o.do(*cl, rng)
			st, msg := send(ctx, hc, method, c.url+path, cl.token, body, nil)
			if st == http.StatusUnauthorized && cl.login(ctx, hc, c.url) == nil {
				st, msg = send(ctx, hc, method, c.url+path, cl.token, body, nil)
			}
			return loadgen.Outcome{Op: o.name, Status: st, Err: msg}
		})
	res.Print(out)
	for _, o := range res.Ops {
		for reason, n := range o.Reasons {
			if strings.Contains(reason, "busy") {
				busy += n
			}
		}
	}
	var growth float64
	as := accounts.Stop()
	if sampler != nil {
		ms := sampler.Stop()
		if warm := int(c.warmup / time.Second); len(ms) >= warm+8 {
			// Medians of a window at the start, the middle and the end of
			// the measured time: one sample against another would measure
			// where each fell in the GC's sawtooth, which is ±15% of a 20
			// MiB heap. The gate is on the second half: SQLite's page
			// caches and the index's per-segment structures fill as the
			// data grows and level off within the first minutes (a 5-minute
			// run grew 2.6 MiB, a 10-minute one 2.8), while a leak keeps
			// growing to the end.
			win := min(60, (len(ms)-warm)/4)
			first, middle, last := windows(ms[warm:], win)
			m0, m1, m2 := loadgen.Median(first), loadgen.Median(middle), loadgen.Median(last)
			pct := func(a, b int64) float64 { return float64(b-a) / float64(max(a, 1)) }
			growth = pct(m1.Anon, m2.Anon)
			fmt.Fprintf(out, "server memory, medians of %d s at the start, middle and end after warm-up: anonymous %s -> %s -> %s (second half %+.1f%%), file-backed %s -> %s -> %s, RSS %s -> %s -> %s; peak RSS %s\n",
				win, loadgen.MiB(m0.Anon), loadgen.MiB(m1.Anon), loadgen.MiB(m2.Anon), growth*100,
				loadgen.MiB(m0.File), loadgen.MiB(m1.File), loadgen.MiB(m2.File),
				loadgen.MiB(m0.RSS), loadgen.MiB(m1.RSS), loadgen.MiB(m2.RSS), loadgen.MiB(loadgen.PeakRSS(ms)))
			// The server's own account at the same points says which side
			// of the anonymous memory moved: the Go runtime or SQLite.
			step := int(accountEvery / time.Second)
			if skip := warm / step; len(as) >= skip+8 {
				first, middle, last := windows(as[skip:], max(win/step, 1))
				a0, a1, a2 := medianAccount(first), medianAccount(middle), medianAccount(last)
				fmt.Fprintf(out, "server's account of it (from /metrics, same points): Go runtime holds %s -> %s -> %s, SQLite %s -> %s -> %s\n",
					loadgen.MiB(a0.goHeld), loadgen.MiB(a1.goHeld), loadgen.MiB(a2.goHeld),
					loadgen.MiB(a0.sqlite), loadgen.MiB(a1.sqlite), loadgen.MiB(a2.sqlite))
			}
		}
	}
	if c.dir != "" {
		fmt.Fprintf(out, "data folder at the end: database %s, WAL %s, index %s\n",
			loadgen.MiB(du(filepath.Join(c.dir, "xentree.db"))), loadgen.MiB(du(filepath.Join(c.dir, "xentree.db-wal"))), loadgen.MiB(du(filepath.Join(c.dir, "index.bleve"))))
	}
	fmt.Fprintf(out, "total: %d requests, %.0f req/s, %d 5xx, %d busy\n", res.All.Count, res.All.ReqPerSec, res.All.Status5xx, busy)
	switch {
	case res.All.Errors > 0:
		// Every call of the mix is valid, so any failure is a finding.
		return fmt.Errorf("%d failed calls, of which %d 5xx and %d busy answers", res.All.Errors, res.All.Status5xx, busy)
	case growth > c.maxGrowth:
		return fmt.Errorf("anonymous memory grew %.1f%% in the second half of the run (allowed %.0f%%)", growth*100, c.maxGrowth*100)
	}
	return nil
}

// windows returns the first win samples, the win around the middle and the
// last win.
func windows[T any](s []T, win int) (first, middle, last []T) {
	mid := len(s)/2 - win/2
	return s[:win], s[mid : mid+win], s[len(s)-win:]
}

// du is the size of a file, or of the files under a folder; 0 if missing.
func du(path string) int64 {
	var n int64
	_ = filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func phrase(rng *rand.Rand, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = words[rng.IntN(len(words))]
	}
	return strings.Join(p, " ")
}

// setup registers and logs in a user and gives it a conversation and a
// knowledge document to work on.
func setup(ctx context.Context, hc *http.Client, base, email string) (client, error) {
	if st, msg := send(ctx, hc, "POST", base+"/api/auth/register", "", map[string]string{"email": email, "password": loadPassword}, nil); st != 201 {
		return client{}, fmt.Errorf("register: %d %s", st, msg)
	}
	cl := client{email: email}
	if err := cl.login(ctx, hc, base); err != nil {
		return client{}, err
	}
	var idOf struct {
		ID string `json:"id"`
	}
	if st, msg := send(ctx, hc, "POST", base+"/api/core/conversations", cl.token, map[string]string{"title": "load"}, &idOf); st != 201 {
		return client{}, fmt.Errorf("conversation: %d %s", st, msg)
	}
	cl.conv = idOf.ID
	doc := strings.Repeat("Glaciers carve fjords and leave moraines. Deltas form where rivers meet the sea. ", 40)
	if st, msg := send(ctx, hc, "POST", base+"/api/knowledge/documents", cl.token, map[string]string{"title": "Landforms", "content": doc}, &idOf); st != 201 {
		return client{}, fmt.Errorf("document: %d %s", st, msg)
	}
	cl.doc = idOf.ID
	return cl, nil
}

// send makes one call and returns the status and, for a failure, a reason
// (the error code and message, or the transport error).
func send(ctx context.Context, hc *http.Client, method, u, token string, body, out any) (int, string) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, err.Error()
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Detail struct{ Error, Message string } `json:"detail"`
		}
		_ = json.Unmarshal(b, &e)
		return resp.StatusCode, fmt.Sprintf("%d %s: %s", resp.StatusCode, e.Detail.Error, e.Detail.Message)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return 0, err.Error()
		}
	}
	return resp.StatusCode, ""
}
