// Command bench measures Xentree against its peer, PocketBase with a
// conversations collection, in one run on one machine: the same four
// scenarios (create, list, view, login) at the same concurrency levels,
// alternating runs A B A B, and reports medians, ratios, p99 and peak RSS,
// with the raw SQLite ceiling beside them. See issue 10 for the targets.
// With -postgres, Xentree on PostgreSQL joins the same run: one node and
// two nodes on one database (A B C D A B C D ...).
//
//	go -C bench run . [-rows 100000] [-duration 10s] [-warmup 2s] [-runs 3]
//	                  [-concurrency 16,64] [-scenarios create,list,view,login] [-out FILE.md]
//	                  [-xentree BINARY] [-profile create@16] [-postgres URL|auto|off]
//
// Each server runs in a process of its own, on a fresh temporary data
// folder and a free loopback port, so each has its own memory to measure
// and neither shares a heap or scheduler with the load driver. Xentree is
// the real `xentree serve`, built from this checkout (a child of the bench
// seeds its folder first); the peer is this binary re-executed, since
// PocketBase is a library. It is a separate module so that the library
// never depends on the peer.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == childCmd {
		os.Exit(childMain(os.Args[2:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	rows         int
	duration     time.Duration
	warmup       time.Duration
	runs         int
	concurrency  []int
	scenarios    []string
	out          string
	ceiling      time.Duration
	maxRequests  int64
	startTimeout time.Duration
	peerLogs     bool
	profile      string // "scenario@concurrency"
	profileOut   string
	xentreeBin   string // built from this checkout unless -xentree names one
	driver       string // driverWrk or driverGo
	ingest       []int  // document sizes in bytes for the ingest measurement
	postgres     string // -postgres as given: off, auto or a URL
	postgresURL  string // the PostgreSQL server of the pg configurations; "" without them
}

// The load drivers: wrk (C, cheap per request) when it is installed, else
// the Go closed-loop driver of internal/loadgen.
const (
	driverWrk = "wrk"
	driverGo  = "go"
)

var allScenarios = []string{"create", "list", "view", "login"}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.rows, "rows", 100000, "conversations the bench user owns on each server before the load")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each run")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each run")
	fs.IntVar(&o.runs, "runs", 3, "runs per server for each scenario and concurrency (A B A B ...)")
	conc := fs.String("concurrency", "16,64", "closed-loop clients, a comma-separated list")
	scen := fs.String("scenarios", strings.Join(allScenarios, ","), "scenarios to run, a comma-separated list")
	fs.StringVar(&o.out, "out", "", "also write the results as Markdown to this file")
	fs.DurationVar(&o.ceiling, "ceiling", 3*time.Second, "time of each raw ceiling measurement: insert, point read, list page, password verify (0 skips them)")
	fs.Int64Var(&o.maxRequests, "max-requests", 5_000_000, "upper bound on the requests of one run")
	fs.DurationVar(&o.startTimeout, "start-timeout", 20*time.Minute, "upper bound on a server's seeding and start")
	fs.BoolVar(&o.peerLogs, "peer-logs", false, "keep PocketBase's request log on (its default; Xentree's access log is off)")
	fs.StringVar(&o.profile, "profile", "", "grab a CPU profile of the Xentree server during the first run of SCENARIO@CONCURRENCY, e.g. create@16")
	fs.StringVar(&o.profileOut, "profile-out", "xentree-cpu.pprof", "where -profile writes the profile")
	fs.StringVar(&o.xentreeBin, "xentree", "", "a built cmd/xentree to measure; by default the bench builds one from the checkout it runs in")
	ingest := fs.String("ingest", "1,20", "knowledge documents to upload to Xentree, sizes in MiB, comma-separated; each is timed until search finds its end (off skips it)")
	fs.StringVar(&o.driver, "driver", "auto", "load driver: wrk, go (internal/loadgen), or auto (wrk when it is on PATH)")
	fs.StringVar(&o.postgres, "postgres", "off", "also measure Xentree on PostgreSQL, one node and two on one database: a server's URL (postgres://user:password@host:5432/db; each configuration gets a fresh schema), auto (run scripts/postgres.sh, as root, and use the URL it prints), or off")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch o.driver {
	case "auto":
		o.driver = driverGo
		if haveWrk() {
			o.driver = driverWrk
		}
	case driverWrk:
		if !haveWrk() {
			return o, errors.New("-driver wrk: wrk is not on PATH (Debian: apt-get install wrk)")
		}
	case driverGo:
	default:
		return o, fmt.Errorf("-driver %q: want wrk, go or auto", o.driver)
	}
	switch {
	case o.postgres == "off" || o.postgres == "auto":
	case isPostgresURL(o.postgres):
		o.postgresURL = o.postgres
	default:
		return o, fmt.Errorf("-postgres %q: want a postgres:// URL, auto or off", redact(o.postgres))
	}
	var err error
	if o.ingest, err = ingestSizes(*ingest); err != nil {
		return o, err
	}
	for f := range strings.SplitSeq(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-concurrency: %q is not a positive integer", f)
		}
		o.concurrency = append(o.concurrency, n)
	}
	for s := range strings.SplitSeq(*scen, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(allScenarios, s) {
			return o, fmt.Errorf("-scenarios: unknown scenario %q (have %s)", s, strings.Join(allScenarios, ", "))
		}
		o.scenarios = append(o.scenarios, s)
	}
	switch {
	case o.rows < 1:
		return o, errors.New("-rows must be at least 1: the view scenario needs ids")
	case o.runs < 1:
		return o, errors.New("-runs must be at least 1")
	case o.duration <= 0:
		return o, errors.New("-duration must be positive")
	}
	if o.profile != "" {
		s, c, ok := strings.Cut(o.profile, "@")
		n, err := strconv.Atoi(c)
		if !ok || err != nil || !slices.Contains(o.scenarios, s) || !slices.Contains(o.concurrency, n) {
			return o, fmt.Errorf("-profile %q: want SCENARIO@CONCURRENCY among the ones run", o.profile)
		}
	}
	return o, nil
}

// run is main without the process: the smoke test calls it and inspects
// the report.
func run(ctx context.Context, args []string, stdout io.Writer) (*report, error) {
	o, err := parseFlags(args, os.Stderr)
	if err != nil {
		return nil, err
	}
	// Everything below is bounded: each run by -duration and -max-requests,
	// seeding by -start-timeout; this deadline catches anything that hangs.
	perRun := o.warmup + o.duration + 15*time.Second
	configs := 2
	if o.postgres != "off" {
		configs = 4
	}
	budget := 2*o.startTimeout + 4*o.ceiling + time.Duration(o.runs*len(o.ingest))*2*time.Minute + time.Duration(configs*o.runs*len(o.scenarios)*len(o.concurrency))*perRun + time.Minute
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	rep := &report{opts: o, machine: describeMachine(o.xentreeBin)}
	fmt.Fprint(stdout, rep.machine)
	if o.postgres == "auto" {
		if o.postgresURL, err = postgresAuto(ctx); err != nil {
			return nil, err
		}
		rep.opts.postgresURL = o.postgresURL
	}
	if o.postgresURL != "" {
		rep.postgres = &postgresInfo{url: redact(o.postgresURL), version: postgresVersion(ctx, o.postgresURL)}
		fmt.Fprintf(stdout, "postgresql: %s at %s, a fresh schema for each of %s and %s\n", orUnknown(rep.postgres.version), rep.postgres.url, namePG, namePG2)
	}
	if o.xentreeBin == "" {
		dir, err := os.MkdirTemp("", "xentree-bench-bin-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.xentreeBin = filepath.Join(dir, "xentree")
		fmt.Fprintln(stdout, "building cmd/xentree from this checkout...")
		if err := buildXentree(ctx, o.xentreeBin); err != nil {
			return nil, fmt.Errorf("building xentree (run the bench from bench/, or give -xentree BINARY): %w", err)
		}
	}
	fmt.Fprintf(stdout, "seeding %d conversations for one user on each server (not measured)...\n", o.rows)
	start := time.Now()
	targets, err := startTargets(ctx, o)
	for _, t := range targets {
		defer t.stop()
	}
	if err != nil {
		return nil, err
	}
	ready := make([]string, len(targets))
	for i, t := range targets {
		ready[i] = t.describe()
	}
	fmt.Fprintf(stdout, "servers ready in %s: %s\n", time.Since(start).Round(time.Second), strings.Join(ready, ", "))
	x := targets[0].nodes[0]
	if o.ceiling > 0 {
		dir, err := os.MkdirTemp("", "xentree-bench-ceiling-")
		if err != nil {
			return nil, err
		}
		rep.ceiling, err = measureCeiling(ctx, dir, o.ceiling)
		os.RemoveAll(dir)
		if err != nil {
			return nil, fmt.Errorf("ceiling: %w", err)
		}
		fmt.Fprintf(stdout, "ceiling: %.0f inserts/s, %.0f point reads/s, %.0f list pages/s (raw SQLite), %.0f password verifies/s\n",
			rep.ceiling.insertsPerSec, rep.ceiling.readsPerSec, rep.ceiling.listsPerSec, rep.ceiling.verifiesPerSec)
	}
	for _, scn := range o.scenarios {
		for _, c := range o.concurrency {
			r, err := measure(ctx, o, scn, c, targets, stdout)
			if err != nil {
				return nil, err
			}
			rep.rows = append(rep.rows, r)
		}
	}
	if len(o.ingest) > 0 {
		if rep.ingest, err = measureIngests(ctx, o, x, stdout); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	fmt.Fprintln(stdout)
	rep.print(stdout)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(rep.markdown()), 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintln(stdout, "wrote", o.out)
	}
	return rep, nil
}

// buildXentree builds cmd/xentree from the module the bench is run against:
// bench/go.mod replaces it with this checkout.
func buildXentree(ctx context.Context, out string) error {
	dir, err := repoRoot(ctx)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/xentree")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

func orUnknown(s string) string {
	if s == "" {
		return "PostgreSQL (version unknown)"
	}
	return "PostgreSQL " + s
}
