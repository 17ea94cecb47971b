package main

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xentree/xentree/internal/loadgen"
)

type report struct {
	opts     options
	machine  string
	ceiling  ceiling
	rows     []row
	ingest   []ingestRow
	postgres *postgresInfo // nil without -postgres
}

// postgresInfo names the PostgreSQL server of the pg configurations.
type postgresInfo struct {
	url     string // without the password
	version string // "" when it could not be read
}

// ingestLines are the knowledge ingest figures: the peer has no knowledge
// base, so they stand against issue 23's target (10 MB/s) alone.
func (rep *report) ingestLines() []string {
	if len(rep.ingest) == 0 {
		return nil
	}
	lines := []string{fmt.Sprintf("knowledge ingest (Xentree only): a Markdown upload until knowledge search finds its last paragraph, median of %d runs; target 10 MB/s:", rep.opts.runs)}
	for _, r := range rep.ingest {
		m := r.median()
		verdict := "ok"
		if m.MBPerSec() < 10 {
			verdict = "MISS <10 MB/s"
		}
		lines = append(lines, fmt.Sprintf("  %-7s upload %-9s searchable after %-9s %6.1f MB/s  %s", mib(r.Bytes), short(m.Upload), short(m.Searchable), m.MBPerSec(), verdict))
	}
	return lines
}

// binaryRevision is " (git abc1234)", "+changes" for a dirty tree, of a
// Go binary built in a git checkout, from the VCS settings Go stamps into
// it; "" when it has none.
func binaryRevision(path string) string {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return ""
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return ""
	}
	out := " (git " + rev[:min(7, len(rev))]
	if modified == "true" {
		out += "+changes"
	}
	return out + ")"
}

// describeMachine names what the figures depend on: the CPU, the
// parallelism and the exact versions of everything measured: for a
// Xentree binary given with -xentree, the revision it was built from.
func describeMachine(xentreeBin string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "machine: %s, %d CPUs, GOMAXPROCS %d, %s/%s\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "versions: %s", runtime.Version())
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/xentree/xentree":
				v := d.Version
				switch {
				case xentreeBin != "":
					v = "binary " + xentreeBin + binaryRevision(xentreeBin)
				case d.Replace != nil:
					v = "this checkout" + gitRevision()
				}
				fmt.Fprintf(&b, ", xentree %s", v)
			case "github.com/pocketbase/pocketbase":
				fmt.Fprintf(&b, ", pocketbase %s", d.Version)
			case "modernc.org/sqlite":
				fmt.Fprintf(&b, ", modernc.org/sqlite %s", d.Version)
			}
		}
	}
	b.WriteString("\n")
	return b.String()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// gitRevision is " (git abc1234)" with "+changes" for a dirty tree, or ""
// without git: the replaced module has no version of its own.
func gitRevision() string {
	rev, err := exec.Command("git", "-C", "..", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	s := " (git " + strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "-C", "..", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		s += "+changes"
	}
	return s + ")"
}

// verdict checks a row against issue 10's targets (ratios to the peer) and
// issue 23's (a create at least half the raw insert rate).
func (rep *report) verdict(r row) string {
	var miss []string
	ratio := r.ratio()
	switch r.Scenario {
	case "create", "list":
		if ratio < 1.5 {
			miss = append(miss, "<1.5×")
		}
		if c := rep.ceiling.forScenario(r.Scenario); r.Scenario == "create" && c > 0 && r.X.ReqPerSec < c/2 {
			miss = append(miss, "<50% ceiling")
		}
		if r.X.P99 > r.P.P99 {
			miss = append(miss, "p99")
		}
	case "view":
		if ratio < 1.2 {
			miss = append(miss, "<1.2×")
		}
	case "login":
		if ratio < 0.9 {
			miss = append(miss, "<0.9×")
		}
	}
	if r.X.PeakRSS > r.P.PeakRSS {
		miss = append(miss, "RSS")
	}
	if r.X.Errors > 0 || r.P.Errors > 0 {
		miss = append(miss, "errors")
	}
	if len(miss) == 0 {
		return "ok"
	}
	return "MISS " + strings.Join(miss, ",")
}

func (r row) ratio() float64 {
	if r.P.ReqPerSec == 0 {
		return 0
	}
	return r.X.ReqPerSec / r.P.ReqPerSec
}

var header = []string{"scenario", "conc", "xentree req/s", "peer req/s", "ratio", "ceiling/s", "xentree ÷ ceiling", "peer ÷ ceiling", "p99 xentree", "p99 peer", "peak RSS xentree", "peak RSS peer", "target"}

// cells is one line of the table: each server's rate beside the peer's and
// beside the raw ceiling of the same work measured in the same run.
func (rep *report) cells(r row) []string {
	ceil, xc, pc := "-", "-", "-"
	if c := rep.ceiling.forScenario(r.Scenario); c > 0 {
		ceil = fmt.Sprintf("%.0f", c)
		xc, pc = fmt.Sprintf("%.0f%%", 100*r.X.ReqPerSec/c), fmt.Sprintf("%.0f%%", 100*r.P.ReqPerSec/c)
	}
	return []string{r.Scenario, fmt.Sprint(r.Concurrency),
		fmt.Sprintf("%.0f", r.X.ReqPerSec), fmt.Sprintf("%.0f", r.P.ReqPerSec), fmt.Sprintf("%.2f×", r.ratio()),
		ceil, xc, pc,
		short(r.X.P99), short(r.P.P99), loadgen.MiB(r.X.PeakRSS), loadgen.MiB(r.P.PeakRSS), rep.verdict(r)}
}

func (rep *report) settings() string {
	o := rep.opts
	logs := "off"
	if o.peerLogs {
		logs = "on"
	}
	driver := "wrk (2 threads, the connections spread over them)"
	if o.driver == driverGo {
		driver = "Go closed-loop clients (internal/loadgen)"
	}
	return fmt.Sprintf("%d rows owned by the bench user on each server; load by %s; %d runs per server, alternating, %s measured after %s warm-up; medians of req/s and p99; peak RSS sampled every 200 ms during the scenario; peer request log %s",
		o.rows, driver, o.runs, o.duration, o.warmup, logs)
}

func (rep *report) ceilingLines() []string {
	c := rep.ceiling
	if c.insertsPerSec == 0 {
		return nil
	}
	return []string{
		fmt.Sprintf("ceilings, measured in this run (raw SQLite: same driver, WAL, synchronous=NORMAL, one connection, sequential, %s each):", rep.opts.ceiling),
		fmt.Sprintf("  create: single-row INSERT, one row per transaction:   %.0f rows/s", c.insertsPerSec),
		fmt.Sprintf("  view:   point SELECT by primary key (%d rows):       %.0f reads/s", c.rows, c.readsPerSec),
		fmt.Sprintf("  list:   the 20 newest of one user's rows, by index:   %.0f pages/s", c.listsPerSec),
		fmt.Sprintf("  login:  argon2id verification (Xentree's parameters): %.0f verifies/s on one core", c.verifiesPerSec),
		"  a server on 2 cores can pass a one-connection ceiling on reads and logins; on writes SQLite has one writer",
	}
}

// notes lists every failure reason, so a missing route or a rate limit
// shows at once.
func (rep *report) notes() []string {
	var out []string
	for _, r := range rep.rows {
		for _, s := range r.named() {
			if n := fewest(s.sd.Runs); n < 20 {
				out = append(out, fmt.Sprintf("%s c=%d %s: a run recorded only %d requests; a longer -duration gives steadier figures", r.Scenario, r.Concurrency, s.name, n))
			}
			for _, reason := range slices.Sorted(maps.Keys(s.sd.Reasons)) {
				out = append(out, fmt.Sprintf("%s c=%d %s: %d× %s", r.Scenario, r.Concurrency, s.name, s.sd.Reasons[reason], reason))
			}
		}
		if r.Scenario == "view" && r.X.Requests > 0 && r.X.Reasons != nil && countStatus(r.X.Reasons, "404") == r.X.Requests {
			out = append(out, "every Xentree view answered 404: GET /api/core/conversations/{id} is missing")
		}
	}
	return out
}

// named are the row's sides with the names the notes give them.
func (r row) named() []namedSide {
	out := []namedSide{{"xentree", r.X}, {"peer", r.P}}
	if r.PG != nil {
		out = append(out, namedSide{namePG, *r.PG})
	}
	if r.PG2 != nil {
		out = append(out, namedSide{namePG2, *r.PG2})
	}
	return out
}

type namedSide struct {
	name string
	sd   side
}

func fewest(runs []loadgen.OpStats) int {
	n := -1
	for _, r := range runs {
		if n < 0 || r.Count < n {
			n = r.Count
		}
	}
	return max(n, 0)
}

func countStatus(reasons map[string]int, status string) int {
	n := 0
	for k, v := range reasons {
		if strings.HasPrefix(k, status+" ") {
			n += v
		}
	}
	return n
}

func (rep *report) print(w io.Writer) {
	fmt.Fprintln(w, rep.settings())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, r := range rep.rows {
		fmt.Fprintln(tw, strings.Join(rep.cells(r), "\t")+"\t")
	}
	tw.Flush()
	for _, l := range append(rep.ceilingLines(), rep.ingestLines()...) {
		fmt.Fprintln(w, l)
	}
	if rep.postgres != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, rep.postgresIntro())
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(postgresHeader, "\t")+"\t")
		for _, r := range rep.postgresRows() {
			fmt.Fprintln(tw, strings.Join(rep.postgresCells(r), "\t")+"\t")
		}
		tw.Flush()
	}
	for _, n := range append(rep.notes(), rep.postgresNotes()...) {
		fmt.Fprintln(w, "note:", n)
	}
}

func (rep *report) markdown() string {
	var b strings.Builder
	b.WriteString("# Xentree vs PocketBase\n\n")
	for l := range strings.Lines(rep.machine) {
		fmt.Fprintf(&b, "- %s", l)
	}
	fmt.Fprintf(&b, "- %s\n\n", rep.settings())
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, r := range rep.rows {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(rep.cells(r), " | "))
	}
	if lines := append(rep.ceilingLines(), rep.ingestLines()...); lines != nil {
		b.WriteString("\n```\n" + strings.Join(lines, "\n") + "\n```\n")
	}
	if rep.postgres != nil {
		fmt.Fprintf(&b, "\n## Xentree on PostgreSQL\n\n%s\n\n", rep.postgresIntro())
		fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(postgresHeader, " | "), strings.Repeat("---|", len(postgresHeader)))
		for _, r := range rep.postgresRows() {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(rep.postgresCells(r), " | "))
		}
	}
	b.WriteString("\nMemory at each peak (anonymous: heap and caches; file-backed: the mapped binary and files):\n\n")
	for _, r := range rep.rows {
		fmt.Fprintf(&b, "- %s c=%d: xentree %s; pocketbase %s", r.Scenario, r.Concurrency, memSplit(r.X.Peak), memSplit(r.P.Peak))
		if r.PG != nil && r.PG2 != nil {
			fmt.Fprintf(&b, "; %s %s; %s %s (%d nodes together)", namePG, memSplit(r.PG.Peak), namePG2, memSplit(r.PG2.Peak), pgNodes)
		}
		b.WriteString("\n")
	}
	if notes := append(rep.notes(), rep.postgresNotes()...); notes != nil {
		b.WriteString("\nNotes:\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func short(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// The PostgreSQL store's targets: one node at least this share of the
// SQLite node's rate on create and list, and two nodes together at least
// this multiple of one on list and view.
const (
	pgShareTarget   = 0.60
	pgScalingTarget = 1.3
)

var postgresHeader = []string{"scenario", "conc", "sqlite req/s", "pg req/s", "pg ÷ sqlite", "pg×2 req/s", "pg×2 ÷ pg",
	"p99 sqlite", "p99 pg", "p99 pg×2", "peak RSS pg", "peak RSS pg×2 (sum)", "target"}

// postgresRows are the rows measured on PostgreSQL too.
func (rep *report) postgresRows() []row {
	var out []row
	for _, r := range rep.rows {
		if r.PG != nil && r.PG2 != nil {
			out = append(out, r)
		}
	}
	return out
}

func (rep *report) postgresIntro() string {
	v := orUnknown(rep.postgres.version)
	return fmt.Sprintf("Xentree on %s (%s), in the same run, same loads, alternating with the servers above: "+
		"%s is one `xentree serve --database-url`, %s two of them on one schema with the load split evenly; "+
		"each configuration on a fresh schema seeded as the SQLite folder is. Targets: pg ÷ sqlite ≥ %.2f on create and list, pg×2 ÷ pg ≥ %.1f on list and view.",
		v, rep.postgres.url, namePG, namePG2, pgShareTarget, pgScalingTarget)
}

func rate(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (rep *report) postgresCells(r row) []string {
	return []string{r.Scenario, fmt.Sprint(r.Concurrency),
		fmt.Sprintf("%.0f", r.X.ReqPerSec), fmt.Sprintf("%.0f", r.PG.ReqPerSec), floorRatio(rate(r.PG.ReqPerSec, r.X.ReqPerSec)),
		fmt.Sprintf("%.0f", r.PG2.ReqPerSec), floorRatio(rate(r.PG2.ReqPerSec, r.PG.ReqPerSec)),
		short(r.X.P99), short(r.PG.P99), short(r.PG2.P99),
		loadgen.MiB(r.PG.PeakRSS), loadgen.MiB(r.PG2.PeakRSS), postgresVerdict(r)}
}

// floorRatio is a ratio rounded down to hundredths: 1.2963 is 1.29×, not a
// 1.30× that would read as a target met.
func floorRatio(x float64) string { return fmt.Sprintf("%.2f×", math.Floor(x*100)/100) }

// postgresVerdict checks a row against the PostgreSQL store's targets:
// "met", "not met: ..." with what was missed, or "no target" (login; view
// and login have no pg ÷ sqlite target, create no pg×2 ÷ pg one).
func postgresVerdict(r row) string {
	var miss []string
	targeted := false
	if r.Scenario == "create" || r.Scenario == "list" {
		targeted = true
		if rate(r.PG.ReqPerSec, r.X.ReqPerSec) < pgShareTarget {
			miss = append(miss, fmt.Sprintf("pg <%.2f× sqlite", pgShareTarget))
		}
	}
	if r.Scenario == "list" || r.Scenario == "view" {
		targeted = true
		if rate(r.PG2.ReqPerSec, r.PG.ReqPerSec) < pgScalingTarget {
			miss = append(miss, fmt.Sprintf("pg×2 <%.1f× pg", pgScalingTarget))
		}
	}
	if r.PG.Errors > 0 || r.PG2.Errors > 0 {
		miss = append(miss, "errors")
	}
	switch {
	case len(miss) > 0:
		return "not met: " + strings.Join(miss, ", ")
	case !targeted:
		return "no target"
	}
	return "met"
}

// postgresNotes say how the pg figures were made: what the two nodes'
// p99 and RSS are, and that PostgreSQL's own memory is in neither.
func (rep *report) postgresNotes() []string {
	if rep.postgres == nil {
		return nil
	}
	split := fmt.Sprintf("%s: two wrk processes at once, each with half the connections and one thread against one node; its req/s is their sum, its p50 and p99 the larger of the two processes' (wrk's summaries cannot be merged into one percentile)", namePG2)
	if rep.opts.driver == driverGo {
		split = fmt.Sprintf("%s: the Go driver alternates each client's requests between the two nodes; its p50 and p99 are over all of them", namePG2)
	}
	return []string{
		split,
		fmt.Sprintf("peak RSS of %s is the sum of its two `xentree serve` processes, sampled at the same moments", namePG2),
		fmt.Sprintf("peak RSS of %s and %s is the nodes' own: PostgreSQL's server memory (shared buffers, a backend per pooled connection) is not the node's and is in neither; the server shares this machine's CPUs with the nodes and the load driver", namePG, namePG2),
	}
}
