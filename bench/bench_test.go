package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
}

func (w *testWriter) Write(b []byte) (int, error) {
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
