package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/loadgen"
)

// request is one scenario's call, in one server's dialect.
type request struct {
	method, path string
	body         []byte
	public       bool // sent without the token: login must not be helped by one
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings are marshalled
	}
	return b
}

func (s *server) loginRequest(email string) request {
	if s.kind == kindXentree {
		return request{"POST", "/api/auth/login", jsonBody(map[string]string{"username": email, "password": benchPassword}), true}
	}
	return request{"POST", "/api/collections/users/auth-with-password", jsonBody(map[string]string{"identity": email, "password": benchPassword}), true}
}

// request builds the scenario's call. Both servers get the same shape: the
// same fields, the same page size, one id drawn from the same distribution.
func (s *server) request(scenario string, rng *rand.Rand) request {
	x := s.kind == kindXentree
	switch scenario {
	case "create":
		body := map[string]string{"title": fmt.Sprintf("Load conversation %d", rng.Uint32()), "source": "bench"}
		if x {
			return request{"POST", "/api/core/conversations", jsonBody(body), false}
		}
		body["user"] = s.userID
		return request{"POST", "/api/collections/conversations/records", jsonBody(body), false}
	case "list":
		if x {
			return request{"GET", "/api/core/conversations?limit=20", nil, false}
		}
		// skipTotal is the peer's documented fast mode: no COUNT(*) over
		// the user's 100k rows.
		return request{"GET", "/api/collections/conversations/records?perPage=20&sort=-created&skipTotal=1", nil, false}
	case "view":
		return request{"GET", s.viewPath() + s.ids[rng.IntN(len(s.ids))], nil, false}
	case "login":
		return s.loginRequest(benchEmail)
	}
	panic("unknown scenario " + scenario)
}

// viewPath is the path of one conversation without its id.
func (s *server) viewPath() string {
	if s.kind == kindXentree {
		return "/api/core/conversations/"
	}
	return "/api/collections/conversations/records/"
}

// op is the load driver's operation for one scenario against s.
func (s *server) op(scenario string) loadgen.Op {
	return func(ctx context.Context, _ int, rng *rand.Rand) loadgen.Outcome {
		r := s.request(scenario, rng)
		st, reason := s.send(ctx, r)
		return loadgen.Outcome{Op: scenario, Status: st, Err: reason}
	}
}

// send is do without keeping the body: the hot loop reads and drops it.
func (s *server) send(ctx context.Context, r request) (int, string) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, s.url+r.path, body)
	if err != nil {
		return 0, err.Error()
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !r.public {
		req.Header.Set("Authorization", s.auth)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		// Keep the reason short and stable so that loadgen groups them.
		return resp.StatusCode, fmt.Sprintf("%d %.80s", resp.StatusCode, b)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, ""
}

// side is one server's figures for one scenario and concurrency.
type side struct {
	Runs      []loadgen.OpStats
	ReqPerSec float64       // median over runs
	P99       time.Duration // median over runs
	PeakRSS   int64
	Peak      loadgen.Mem // the sample of PeakRSS: what it was made of
	Requests  int
	Errors    int
	Reasons   map[string]int
	Drain     time.Duration // longest wait for leftover work after a run
}

// row is one line of the table.
type row struct {
	Scenario    string
	Concurrency int
	X, P        side
	PG, PG2     *side // Xentree on PostgreSQL, one node and two; nil without -postgres
}

// side is the figures of the configuration called name.
func (r *row) side(name string) *side {
	switch name {
	case kindXentree:
		return &r.X
	case kindPeer:
		return &r.P
	case namePG:
		if r.PG == nil {
			r.PG = &side{}
		}
		return r.PG
	case namePG2:
		if r.PG2 == nil {
			r.PG2 = &side{}
		}
		return r.PG2
	}
	panic("unknown configuration " + name)
}

// measure runs one scenario at one concurrency: runs alternate A B A B (A B
// C D with -postgres) so that drift on a shared machine hits every
// configuration alike.
func measure(ctx context.Context, o options, scenario string, conc int, targets []*target, out io.Writer) (row, error) {
	r := row{Scenario: scenario, Concurrency: conc}
	samplers := make([]*loadgen.Sampler[loadgen.Mem], len(targets))
	width := 10
	for i, t := range targets {
		samplers[i] = t.sampleMemory(200 * time.Millisecond)
		width = max(width, utf8.RuneCountInString(t.name))
	}
	fail := func(err error) (row, error) {
		for _, s := range samplers {
			s.Stop()
		}
		return r, err
	}
	opts := loadgen.Options{Workers: conc, Duration: o.duration, Warmup: o.warmup, MaxRequests: o.maxRequests}
	for i := range o.runs {
		for _, t := range targets {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
			// A fresh token for every run: a whole bench outlives
			// Xentree's 15-minute access tokens.
			for _, s := range t.nodes {
				if err := s.login(ctx); err != nil {
					return fail(fmt.Errorf("%s: bench user login: %w", s.name, err))
				}
			}
			var prof chan error
			if x := t.nodes[0]; i == 0 && x.pprofURL != "" && o.profile == fmt.Sprintf("%s@%d", scenario, conc) {
				prof = make(chan error, 1)
				go func() { prof <- x.profile(ctx, o) }()
			}
			var (
				st    loadgen.OpStats
				per   []loadgen.OpStats // each node's, of several
				drain time.Duration
			)
			if o.driver == driverWrk {
				var err error
				if st, per, err = t.runWrk(ctx, o, scenario, conc); err != nil {
					return fail(fmt.Errorf("%s: %w", t.name, err))
				}
			} else {
				st = loadgen.Run(ctx, opts, t.op(scenario, conc)).All
			}
			if prof != nil {
				if err := <-prof; err != nil {
					fmt.Fprintln(out, "profile:", err)
				} else {
					fmt.Fprintln(out, "profile written to", o.profileOut)
				}
			}
			for _, s := range t.nodes {
				drain = max(drain, s.drain(ctx))
			}
			sd := r.side(t.name)
			sd.Runs = append(sd.Runs, st)
			sd.Drain = max(sd.Drain, drain)
			fmt.Fprintf(out, "%-6s c=%-3d run %d/%d %-*s %8.0f req/s  p50 %-8s p99 %-8s errors %d",
				scenario, conc, i+1, o.runs, width, t.name, st.ReqPerSec, short(st.P50), short(st.P99), st.Errors)
			if len(per) > 1 {
				rates := make([]string, len(per))
				for k, p := range per {
					rates[k] = fmt.Sprintf("%.0f", p.ReqPerSec)
				}
				fmt.Fprintf(out, "  (nodes %s req/s)", strings.Join(rates, " + "))
			}
			if drain > 100*time.Millisecond {
				fmt.Fprintf(out, "  (index caught up %s after the run)", short(drain))
			}
			fmt.Fprintln(out)
		}
	}
	peaks := make([]string, len(targets))
	for i, t := range targets {
		sd := r.side(t.name)
		sd.summarize()
		sd.Peak = loadgen.Peak(samplers[i].Stop())
		sd.PeakRSS = sd.Peak.RSS
		peaks[i] = t.name + " " + memSplit(sd.Peak)
		if len(t.nodes) > 1 {
			peaks[i] += fmt.Sprintf(" (%d nodes together)", len(t.nodes))
		}
	}
	fmt.Fprintf(out, "%-6s c=%-3d peak memory: %s\n", scenario, conc, strings.Join(peaks, ", "))
	return r, nil
}

// op is the Go driver's operation for one scenario against the target: of
// several nodes, each client alternates its requests between them,
// starting at a different one.
func (t *target) op(scenario string, conc int) loadgen.Op {
	if len(t.nodes) == 1 {
		return t.nodes[0].op(scenario)
	}
	next := make([]int, conc) // each worker's count, touched by it alone
	return func(ctx context.Context, w int, rng *rand.Rand) loadgen.Outcome {
		s := t.nodes[(w+next[w])%len(t.nodes)]
		next[w]++
		r := s.request(scenario, rng)
		st, reason := s.send(ctx, r)
		return loadgen.Outcome{Op: scenario, Status: st, Err: reason}
	}
}

// runWrk runs wrk against the target: of several nodes, one wrk process
// per node at once, each with its share of the connections and of the
// two threads, summed by combine. per is each node's figures then.
func (t *target) runWrk(ctx context.Context, o options, scenario string, conc int) (st loadgen.OpStats, per []loadgen.OpStats, err error) {
	n := len(t.nodes)
	if n == 1 {
		st, err = t.nodes[0].runWrk(ctx, o, scenario, conc, min(2, conc))
		return st, nil, err
	}
	per = make([]loadgen.OpStats, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range t.nodes {
		c := conc / n
		if i < conc%n {
			c++
		}
		if c == 0 {
			continue // fewer connections than nodes
		}
		wg.Go(func() { per[i], errs[i] = s.runWrk(ctx, o, scenario, c, min(max(1, 2/n), c)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return st, nil, err
	}
	return combine(scenario, per), per, nil
}

// memSplit is "RSS (anon A, file F)": anonymous memory is the heap and
// caches, file-backed the mapped binary and files (Xentree's index).
func memSplit(m loadgen.Mem) string {
	return fmt.Sprintf("%s (anon %s, file %s)", loadgen.MiB(m.RSS), loadgen.MiB(m.Anon), loadgen.MiB(m.File))
}

func (sd *side) summarize() {
	rps := make([]float64, len(sd.Runs))
	p99 := make([]time.Duration, len(sd.Runs))
	sd.Reasons = map[string]int{}
	for i, st := range sd.Runs {
		rps[i], p99[i] = st.ReqPerSec, st.P99
		sd.Requests += st.Count
		sd.Errors += st.Errors
		for k, v := range st.Reasons {
			sd.Reasons[k] += v
		}
	}
	sd.ReqPerSec, sd.P99 = median(rps), median(p99)
}

// median of an odd count is the middle value; of an even count, the mean
// of the two middle ones.
func median[T float64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// profile grabs a CPU profile of the Xentree child while a run is measured
// (after its warm-up), at most 10 s long.
func (s *server) profile(ctx context.Context, o options) error {
	select {
	case <-time.After(o.warmup):
	case <-ctx.Done():
		return ctx.Err()
	}
	secs := max(1, int(min(o.duration, 10*time.Second)/time.Second))
	st, reason, b := s.call(ctx, "", "GET", fmt.Sprintf("%sprofile?seconds=%d", s.pprofURL, secs), nil)
	if st != http.StatusOK {
		return fmt.Errorf("%s", reason)
	}
	return os.WriteFile(o.profileOut, b, 0o644)
}
