// Package loadgen drives closed-loop HTTP load: a fixed number of workers,
// each sending its next request when the last one answered, for a bounded
// time and count, recording the latency and status of every request by
// operation. It also samples a process's resident memory from /proc.
//
// It is shared by cmd/xentree-load (the reliability soak) and the bench
// harness (Xentree against its peer), so both measure the same way.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// Options bound a run. A zero MaxRequests means no count limit.
type Options struct {
	Workers     int
	Duration    time.Duration
	MaxRequests int64
	// Warmup requests are sent but not recorded.
	Warmup time.Duration
}

// Outcome is what one request did: its operation's name, the HTTP status (0
// for a transport error) and, for failures, a short reason.
type Outcome struct {
	Op     string
	Status int
	Err    string
}

// Op sends one request for worker w. It must honour ctx.
type Op func(ctx context.Context, w int, rng *rand.Rand) Outcome

// OpStats are one operation's figures.
type OpStats struct {
	Op        string
	Count     int
	Errors    int // non-2xx and transport errors
	Status5xx int
	P50, P99  time.Duration
	Max       time.Duration
	ReqPerSec float64
	Reasons   map[string]int // up to a few distinct failure reasons, counted
}

// Result is a run's figures.
type Result struct {
	Elapsed   time.Duration
	Total     int
	ReqPerSec float64
	Ops       []OpStats // by name
	All       OpStats   // every operation together
}

type sample struct {
	op  string
	d   time.Duration
	st  int
	err string
}

// Run drives op with opts.Workers workers until opts.Duration passes or
// opts.MaxRequests were sent, whichever is first.
func Run(ctx context.Context, opts Options, op Op) Result {
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Warmup+opts.Duration)
	defer cancel()
	var sent atomic.Int64
	recordFrom := time.Now().Add(opts.Warmup)
	per := make([][]sample, opts.Workers)
	var wg sync.WaitGroup
	for w := range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for ctx.Err() == nil {
				if opts.MaxRequests > 0 && sent.Add(1) > opts.MaxRequests {
					return
				}
				start := time.Now()
				o := op(ctx, w, rng)
				if ctx.Err() != nil && o.Status == 0 {
					return // cut off by the end of the run, not a failure
				}
				if start.After(recordFrom) {
					per[w] = append(per[w], sample{o.Op, time.Since(start), o.Status, o.Err})
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(recordFrom)
	var all []sample
	for _, s := range per {
		all = append(all, s...)
	}
	res := Result{Elapsed: elapsed, Total: len(all), ReqPerSec: float64(len(all)) / elapsed.Seconds()}
	byOp := map[string][]sample{}
	for _, s := range all {
		byOp[s.op] = append(byOp[s.op], s)
	}
	for name, ss := range byOp {
		res.Ops = append(res.Ops, stats(name, ss, elapsed))
	}
	slices.SortFunc(res.Ops, func(a, b OpStats) int { return strings.Compare(a.Op, b.Op) })
	res.All = stats("all", all, elapsed)
	return res
}

func stats(name string, ss []sample, elapsed time.Duration) OpStats {
	st := OpStats{Op: name, Count: len(ss), Reasons: map[string]int{}}
	ds := make([]time.Duration, len(ss))
	for i, s := range ss {
		ds[i] = s.d
		if s.st < 200 || s.st > 299 {
			st.Errors++
			if len(st.Reasons) < 5 || st.Reasons[s.err] > 0 {
				st.Reasons[s.err]++
			}
		}
		if s.st >= 500 {
			st.Status5xx++
		}
	}
	slices.Sort(ds)
	if len(ds) > 0 {
		st.P50 = ds[len(ds)/2]
		st.P99 = ds[min(len(ds)-1, len(ds)*99/100)]
		st.Max = ds[len(ds)-1]
	}
	st.ReqPerSec = float64(len(ss)) / elapsed.Seconds()
	return st
}

// Print writes the figures as a table.
func (r Result) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\trequests\treq/s\tp50\tp99\tmax\terrors\t5xx\t")
	for _, o := range append(r.Ops, r.All) {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%d\t%d\t\n", o.Op, o.Count, o.ReqPerSec,
			round(o.P50), round(o.P99), round(o.Max), o.Errors, o.Status5xx)
	}
	tw.Flush()
	for _, o := range r.Ops {
		for reason, n := range o.Reasons {
			fmt.Fprintf(w, "  %s failed %d× : %s\n", o.Op, n, reason)
		}
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// Mem is a process's resident memory, from /proc (Linux). RSS is Anon
// plus File (plus shared memory, which Xentree does not use beyond
// SQLite's small WAL index). The split matters for a long run: Anon is the
// process's own memory (Go heap, stacks, SQLite's page caches), which must
// level off; File is pages of mapped files (the binary, and the segments
// Bleve maps), which grow with the data written and which the kernel
// reclaims under pressure like any file cache.
type Mem struct {
	RSS, Anon, File int64
}

// Memory reads pid's resident memory.
func Memory(pid int) (Mem, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Mem{}, err
	}
	var m Mem
	found := 0
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "VmRSS":
			dst = &m.RSS
		case "RssAnon":
			dst = &m.Anon
		case "RssFile":
			dst = &m.File
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return Mem{}, fmt.Errorf("%s of pid %d: %w", name, pid, err)
		}
		*dst = kb << 10
		found++
	}
	if found != 3 {
		return Mem{}, fmt.Errorf("no VmRSS, RssAnon and RssFile for pid %d", pid)
	}
	return m, nil
}

// Sampler records a value every interval until Stop.
type Sampler[T any] struct {
	mu      sync.Mutex
	samples []T
	stop    chan struct{}
	done    chan struct{}
}

// Sample starts calling read every interval; failed reads are skipped.
func Sample[T any](every time.Duration, read func() (T, error)) *Sampler[T] {
	s := &Sampler[T]{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if v, err := read(); err == nil {
				s.mu.Lock()
				s.samples = append(s.samples, v)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the samples, oldest first.
func (s *Sampler[T]) Stop() []T {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.samples)
}

// SampleMemory starts sampling pid's memory.
func SampleMemory(pid int, every time.Duration) *Sampler[Mem] {
	return Sample(every, func() (Mem, error) { return Memory(pid) })
}

// MedianOf is the median of one field of samples, 0 for none.
func MedianOf[T any](samples []T, field func(T) int64) int64 {
	v := make([]int64, len(samples))
	for i, s := range samples {
		v[i] = field(s)
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}

// Median is the median of each field on its own.
func Median(samples []Mem) Mem {
	return Mem{
		RSS:  MedianOf(samples, func(m Mem) int64 { return m.RSS }),
		Anon: MedianOf(samples, func(m Mem) int64 { return m.Anon }),
		File: MedianOf(samples, func(m Mem) int64 { return m.File }),
	}
}

// PeakRSS is the largest RSS among samples, 0 for none.
func PeakRSS(samples []Mem) int64 { return Peak(samples).RSS }

// Peak is the sample with the largest RSS (the first of equals), zero for
// none: its split into anonymous and file-backed memory says what the peak
// was made of.
func Peak(samples []Mem) Mem {
	var p Mem
	for _, m := range samples {
		if m.RSS > p.RSS {
			p = m
		}
	}
	return p
}

// MiB formats bytes as MiB.
func MiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
