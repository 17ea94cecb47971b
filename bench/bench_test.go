package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xentree/xentree/internal/loadgen"
	"github.com/xentree/xentree/internal/pgtest"
)

// TestMain lets the test binary stand in for the bench binary: the harness
// re-executes itself to start the servers.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childCmd {
		os.Exit(childMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// TestSmoke runs the whole harness briefly and checks that every scenario
// ran on both servers without a single failed request, with each load
// driver. It says nothing about speed. Login gets a run of its own, 3 s long: on a busy machine a
// password hash can take longer than 300 ms, and loadgen drops requests
// still in flight when a run ends, so a 300 ms login run may record none.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	common := []string{"-rows", "200", "-warmup", "0s", "-runs", "1", "-concurrency", "4", "-ceiling", "200ms", "-ingest", "off"}
	// wrk drives the load when it is installed (auto); the Go driver is
	// then checked on its own, briefly.
	for _, tc := range []struct {
		scenarios []string
		duration  string
		driver    string
		ingest    string // MiB
	}{
		{[]string{"create", "list", "view"}, "300ms", "auto", "0.25"},
		{[]string{"login"}, "3s", "auto", "off"},
		{[]string{"create", "view"}, "300ms", "go", "off"},
	} {
		out := filepath.Join(t.TempDir(), "bench.md")
		args := append(slices.Clone(common), "-scenarios", strings.Join(tc.scenarios, ","), "-duration", tc.duration, "-out", out, "-driver", tc.driver, "-ingest", tc.ingest)
		rep, err := run(context.Background(), args, &testWriter{t: t})
		if err != nil {
			t.Fatalf("run %v: %v", args, err)
		}
		if got, want := len(rep.rows), len(tc.scenarios); got != want {
			t.Fatalf("rows = %d, want %d", got, want)
		}
		for _, r := range rep.rows {
			for _, s := range []struct {
				name string
				sd   side
			}{{kindXentree, r.X}, {kindPeer, r.P}} {
				if s.sd.Requests == 0 {
					t.Errorf("%s c=%d %s: requests = 0, want > 0", r.Scenario, r.Concurrency, s.name)
				}
				if s.sd.Errors != 0 {
					t.Errorf("%s c=%d %s: errors = %d (%v), want 0", r.Scenario, r.Concurrency, s.name, s.sd.Errors, s.sd.Reasons)
				}
			}
		}
		if c := rep.ceiling; c.insertsPerSec == 0 || c.readsPerSec == 0 || c.listsPerSec == 0 || c.verifiesPerSec == 0 {
			t.Errorf("ceiling = %+v, want every rate", rep.ceiling)
		}
		if tc.ingest != "off" && (len(rep.ingest) != 1 || rep.ingest[0].median().MBPerSec() <= 0) {
			t.Errorf("ingest = %+v, want one size with a rate", rep.ingest)
		}
		md, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if row := "| " + tc.scenarios[0] + " | 4 |"; !strings.Contains(string(md), row) {
			t.Errorf("Markdown has no row starting %q:\n%s", row, md)
		}
	}
}

// testWriter logs whole lines: the table is written cell by cell.
type testWriter struct {
	t   *testing.T
	buf []byte
	all []byte // everything written, for tests that read the output
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.all = append(w.all, b...)
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.t.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// TestSmokePostgres runs the harness briefly with the PostgreSQL
// configurations, one node and two on one schema, with each load driver,
// and checks that they ran without a failed request, that the two nodes
// each took their share under wrk, and that the report has their table.
func TestSmokePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five servers")
	}
	pgtest.Require(t)
	base := os.Getenv(pgtest.Env)
	for _, driver := range []string{"auto", "go"} {
		t.Run(driver, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bench.md")
			w := &testWriter{t: t}
			args := []string{"-rows", "200", "-duration", "1s", "-warmup", "0s", "-runs", "1", "-ceiling", "0", "-ingest", "off",
				"-scenarios", "create,list", "-concurrency", "4", "-driver", driver, "-postgres", base, "-out", out}
			rep, err := run(context.Background(), args, w)
			if err != nil {
				t.Fatalf("run %v: %v", args, err)
			}
			if len(rep.rows) != 2 {
				t.Fatalf("rows = %d, want 2", len(rep.rows))
			}
			for _, r := range rep.rows {
				if r.PG == nil || r.PG2 == nil {
					t.Fatalf("%s: no PostgreSQL figures: %+v", r.Scenario, r)
				}
				for _, s := range r.named() {
					if s.sd.Requests == 0 {
						t.Errorf("%s c=%d %s: requests = 0, want > 0", r.Scenario, r.Concurrency, s.name)
					}
					if s.sd.Errors != 0 {
						t.Errorf("%s c=%d %s: errors = %d (%v), want 0", r.Scenario, r.Concurrency, s.name, s.sd.Errors, s.sd.Reasons)
					}
				}
				if 5*r.PG2.PeakRSS < 6*r.PG.PeakRSS {
					t.Errorf("%s: peak RSS of two nodes %d, of one %d: want the two nodes' sum", r.Scenario, r.PG2.PeakRSS, r.PG.PeakRSS)
				}
			}
			if rep.opts.driver == driverWrk {
				// Each run of the two nodes prints each node's rate.
				nodes := regexp.MustCompile(`(?m)^\S+ +c=4 +run 1/1 `+regexp.QuoteMeta(namePG2)+` .*\(nodes (\d+) \+ (\d+) req/s\)`).FindAllStringSubmatch(string(w.all), -1)
				if len(nodes) != 2 {
					t.Errorf("%d runs of %s print each node's rate, want 2", len(nodes), namePG2)
				}
				for _, m := range nodes {
					if m[1] == "0" || m[2] == "0" {
						t.Errorf("a node of %s took no load: %s", namePG2, m[0])
					}
				}
			}
			md, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"## Xentree on PostgreSQL", "| pg ÷ sqlite |", "PostgreSQL's server memory"} {
				if !strings.Contains(string(md), want) {
					t.Errorf("Markdown lacks %q:\n%s", want, md)
				}
			}
			if n := strings.Count(string(md), "| list | 4 |"); n != 2 {
				t.Errorf("Markdown has %d rows for list c=4, want 2 (the PocketBase table and the PostgreSQL one):\n%s", n, md)
			}
		})
	}
}

func TestPostgresFlag(t *testing.T) {
	for _, tc := range []struct {
		arg, url string
		ok       bool
	}{
		{"off", "", true},
		{"auto", "", true},
		{"postgres://u:p@127.0.0.1:5432/db", "postgres://u:p@127.0.0.1:5432/db", true},
		{"postgresql://u@db.example/x?sslmode=disable", "postgresql://u@db.example/x?sslmode=disable", true},
		{"on", "", false},
		{"mysql://u:p@h/db", "", false},
	} {
		o, err := parseFlags([]string{"-postgres", tc.arg}, io.Discard)
		if (err == nil) != tc.ok || o.postgresURL != tc.url {
			t.Errorf("-postgres %s: url %q, err %v; want url %q, ok %v", tc.arg, o.postgresURL, err, tc.url, tc.ok)
		}
	}
	if o, err := parseFlags(nil, io.Discard); err != nil || o.postgres != "off" {
		t.Errorf("default -postgres = %q, %v; want off", o.postgres, err)
	}
}

func TestCombine(t *testing.T) {
	ms := time.Millisecond
	got := combine("list", []loadgen.OpStats{
		{Count: 100, Errors: 1, ReqPerSec: 1000, P50: 2 * ms, P99: 9 * ms, Max: 20 * ms, Reasons: map[string]int{"timeouts (wrk)": 1}},
		{Count: 120, ReqPerSec: 1200, P50: 3 * ms, P99: 7 * ms, Max: 30 * ms},
	})
	want := loadgen.OpStats{Op: "list", Count: 220, Errors: 1, ReqPerSec: 2200, P50: 3 * ms, P99: 9 * ms, Max: 30 * ms, Reasons: map[string]int{"timeouts (wrk)": 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("combine = %+v, want %+v", got, want)
	}
}

func TestPostgresVerdict(t *testing.T) {
	r := func(scenario string, sqlite, pg, pg2 float64, errs int) row {
		return row{Scenario: scenario, X: side{ReqPerSec: sqlite}, PG: &side{ReqPerSec: pg}, PG2: &side{ReqPerSec: pg2, Errors: errs}}
	}
	for _, tc := range []struct {
		r    row
		want string
	}{
		{r("create", 1000, 600, 100, 0), "met"},
		{r("create", 1000, 599, 2000, 0), "not met: pg <0.60× sqlite"},
		{r("list", 1000, 700, 910, 0), "met"},
		{r("list", 1000, 500, 600, 0), "not met: pg <0.60× sqlite, pg×2 <1.3× pg"},
		{r("view", 1000, 100, 120, 0), "not met: pg×2 <1.3× pg"},
		{r("login", 100, 10, 10, 0), "no target"},
		{r("login", 100, 100, 200, 3), "not met: errors"},
	} {
		if got := postgresVerdict(tc.r); got != tc.want {
			t.Errorf("%s %.0f/%.0f/%.0f: %q, want %q", tc.r.Scenario, tc.r.X.ReqPerSec, tc.r.PG.ReqPerSec, tc.r.PG2.ReqPerSec, got, tc.want)
		}
	}
	// 2441 / 1883 = 1.2963: shown as 1.29×, beside "not met", never 1.30×.
	rep := &report{}
	if got := rep.postgresCells(r("view", 11873, 1883, 2441, 0)); got[6] != "1.29×" || got[12] != "not met: pg×2 <1.3× pg" {
		t.Errorf("view cells = %q, want pg×2 ÷ pg 1.29× and not met", got)
	}
}
