package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree/internal/loadgen"
	"github.com/xentree/xentree/internal/pgtest"
)

// The configurations measured with -postgres, beside "xentree" (SQLite)
// and "pocketbase": one `xentree serve --database-url` node, and two
// nodes on one schema with the load split evenly between them.
const (
	namePG  = "xentree-pg"
	namePG2 = "xentree-pg×2"
	pgNodes = 2 // the nodes of namePG2
)

// target is one configuration under load: one server, or several serving
// one database, the load split evenly between them.
type target struct {
	name  string
	nodes []*server
	drop  func() error // drops the configuration's PostgreSQL schema; nil for the others
}

// stop ends the nodes, then drops the schema they served.
func (t *target) stop() {
	for _, s := range t.nodes {
		s.stop()
	}
	if t.drop != nil {
		if err := t.drop(); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		t.drop = nil
	}
}

// describe is "NAME URL (pid N)", with each node's URL and pid.
func (t *target) describe() string {
	parts := make([]string, len(t.nodes))
	for i, s := range t.nodes {
		parts[i] = fmt.Sprintf("%s (pid %d)", s.url, s.pid())
	}
	return t.name + " " + strings.Join(parts, ", ")
}

// sampleMemory samples the resident memory of the target's processes: of
// several nodes, their sum at each sample.
func (t *target) sampleMemory(every time.Duration) *loadgen.Sampler[loadgen.Mem] {
	if len(t.nodes) == 1 {
		return loadgen.SampleMemory(t.nodes[0].pid(), every)
	}
	return loadgen.Sample(every, func() (loadgen.Mem, error) {
		var sum loadgen.Mem
		for _, s := range t.nodes {
			m, err := loadgen.Memory(s.pid())
			if err != nil {
				return sum, err
			}
			sum.RSS, sum.Anon, sum.File = sum.RSS+m.RSS, sum.Anon+m.Anon, sum.File+m.File
		}
		return sum, nil
	})
}

// startTargets seeds and starts every configuration side by side: seeding
// is not measured, and doing it all at once shortens the wait. The targets
// come back in the order they alternate in: xentree, pocketbase, then,
// with -postgres, xentree-pg and xentree-pg×2. On an error the ones that
// started are returned too, for the caller to stop.
func startTargets(ctx context.Context, o options) ([]*target, error) {
	starts := []func() (*target, error){
		func() (*target, error) {
			s, err := startServer(ctx, serverSpec{kind: kindXentree, pprof: o.profile != ""}, o)
			return single(kindXentree, s), err
		},
		func() (*target, error) {
			s, err := startServer(ctx, serverSpec{kind: kindPeer}, o)
			return single(kindPeer, s), err
		},
	}
	if o.postgresURL != "" {
		starts = append(starts,
			func() (*target, error) { return startPostgres(ctx, o, namePG, 1) },
			func() (*target, error) { return startPostgres(ctx, o, namePG2, pgNodes) })
	}
	ts := make([]*target, len(starts))
	errs := make([]error, len(starts))
	var wg sync.WaitGroup
	for i, start := range starts {
		wg.Go(func() { ts[i], errs[i] = start() })
	}
	wg.Wait()
	var out []*target
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out, errors.Join(errs...)
}

// single is a target of one server, nil when it did not start.
func single(name string, s *server) *target {
	if s == nil {
		return nil
	}
	return &target{name: name, nodes: []*server{s}}
}

// startPostgres makes a fresh schema on the -postgres server, seeds it the
// way the SQLite folder is seeded (the child opens the Engine with
// Config.Database), and starts nodes `xentree serve --database-url` on it,
// each with a data folder of its own.
func startPostgres(ctx context.Context, o options, name string, nodes int) (*target, error) {
	u, drop, err := pgtest.NewSchema(ctx, o.postgresURL)
	if err != nil {
		return nil, fmt.Errorf("%s: a schema on -postgres %s: %w", name, redact(o.postgresURL), err)
	}
	t := &target{name: name, drop: drop}
	if nodes > 1 {
		if u, err = splitPool(u, nodes); err != nil {
			return t, err
		}
	}
	for i := range nodes {
		sp := serverSpec{kind: kindXentree, name: name, database: u, noSeed: i > 0}
		if nodes > 1 {
			sp.name = fmt.Sprintf("%s node %d", name, i+1)
		}
		s, err := startServer(ctx, sp, o)
		if err != nil {
			return t, err
		}
		if i > 0 {
			s.ids = t.nodes[0].ids
		}
		t.nodes = append(t.nodes, s)
	}
	return t, nil
}

// splitPool gives each of nodes an equal part of the connections one node
// opens by default (pgxpool's: 4, or the number of CPUs if more), at least
// 2 each (the indexer's lock and its step), so that the database serves
// the same number of backends however many nodes share it. With a full
// pool each, two nodes' 8 backends beside the nodes and the load driver
// on two cores had list p99 at 0.3-1.6 s (10-15 ms with one node); split,
// 20-60 ms, at the same throughput.
func splitPool(u string, nodes int) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	q := pu.Query()
	q.Set("pool_max_conns", strconv.Itoa(max(2, max(4, runtime.NumCPU())/nodes)))
	pu.RawQuery = q.Encode()
	return pu.String(), nil
}

// repoRoot is the directory of the module the bench is run against:
// bench/go.mod replaces it with this checkout.
func repoRoot(ctx context.Context) (string, error) {
	dir, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/xentree/xentree").Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w", err)
	}
	return strings.TrimSpace(string(dir)), nil
}

// postgresAuto runs the repository's scripts/postgres.sh, which starts this
// machine's PostgreSQL if needed and makes the role and database, and
// returns the URL it prints. Its stderr is the error when it fails.
func postgresAuto(ctx context.Context) (string, error) {
	root, err := repoRoot(ctx)
	if err != nil {
		return "", fmt.Errorf("-postgres auto: finding the repository: %w", err)
	}
	cmd := exec.CommandContext(ctx, "bash", "scripts/postgres.sh")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("-postgres auto: bash scripts/postgres.sh in %s: %w\n%s", root, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 || !isPostgresURL(lines[len(lines)-1]) {
		return "", fmt.Errorf("-postgres auto: scripts/postgres.sh printed no postgres:// URL: %q\n%s", out, strings.TrimSpace(stderr.String()))
	}
	return lines[len(lines)-1], nil
}

func isPostgresURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") && u.Host != ""
}

// redact is the URL without its password.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// postgresVersion is the server's version, "" when it cannot be read.
func postgresVersion(ctx context.Context, u string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return ""
	}
	defer c.Close(ctx)
	var v string
	if err := c.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return ""
	}
	return v
}

// combine is one figure of runs made at once against several nodes, each
// with its share of the connections: requests and rates add up; p50, p99
// and the maximum are the larger of the nodes' (a percentile of the whole
// cannot be had from wrk's summaries, and the larger one bounds it).
func combine(op string, per []loadgen.OpStats) loadgen.OpStats {
	st := loadgen.OpStats{Op: op, Reasons: map[string]int{}}
	for _, p := range per {
		st.Count += p.Count
		st.Errors += p.Errors
		st.Status5xx += p.Status5xx
		st.ReqPerSec += p.ReqPerSec
		st.P50, st.P99, st.Max = max(st.P50, p.P50), max(st.P99, p.P99), max(st.Max, p.Max)
		for k, v := range p.Reasons {
			st.Reasons[k] += v
		}
	}
	return st
}
