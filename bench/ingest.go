package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ingestFigures is how long one uploaded document took to become
// searchable, seen from a client: upload, then search until a word that
// only its last paragraph holds is found.
type ingestFigures struct {
	Bytes      int
	Upload     time.Duration // until the 201
	Searchable time.Duration // from the start of the upload until search finds the end
}

// MBPerSec is the rate of text into search, in MB (10^6 bytes) per second.
func (f ingestFigures) MBPerSec() float64 {
	if f.Searchable <= 0 {
		return 0
	}
	return float64(f.Bytes) / 1e6 / f.Searchable.Seconds()
}

// ingestText is size bytes of Markdown prose: headings and paragraphs of
// sentences drawn from a vocabulary of 5,000 made-up words with a Zipf-like
// spread, fixed by seed, ending with a paragraph that holds marker.
func ingestText(size int, seed uint64, marker string) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	const syll = "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu ga ge gi go gu la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu"
	parts := strings.Fields(syll)
	vocab := make([]string, 5000)
	for i := range vocab {
		n := 1 + rng.IntN(3)
		var w strings.Builder
		for range n {
			w.WriteString(parts[rng.IntN(len(parts))])
		}
		vocab[i] = w.String()
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed, 11)), 1.1, 1, uint64(len(vocab)-1))
	var b bytes.Buffer
	tail := "\n\nThe last paragraph names " + marker + ".\n"
	for section := 1; b.Len() < size-len(tail); section++ {
		fmt.Fprintf(&b, "## Section %d\n\n", section)
		for p := 0; p < 5 && b.Len() < size-len(tail); p++ {
			for s := 0; s < 6; s++ {
				n := 6 + rng.IntN(14)
				for i := range n {
					w := vocab[zipf.Uint64()]
					if i == 0 {
						w = strings.ToUpper(w[:1]) + w[1:]
					}
					b.WriteString(w)
					if i < n-1 {
						b.WriteByte(' ')
					}
				}
				b.WriteString(". ")
			}
			b.WriteString("\n\n")
		}
	}
	out := b.Bytes()
	if len(out) > size-len(tail) {
		out = out[:size-len(tail)]
	}
	return append(out, tail...)
}

// measureIngest uploads a document of size bytes as the bench user and
// waits, at most two minutes, until a knowledge search finds its last
// paragraph.
func (s *server) measureIngest(ctx context.Context, size int, seed uint64) (ingestFigures, error) {
	f := ingestFigures{Bytes: size}
	marker := fmt.Sprintf("zzmarker%dx%d", seed, size)
	text := ingestText(size, seed, marker)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", fmt.Sprintf("bench-%d.md", size))
	if err != nil {
		return f, err
	}
	if _, err := fw.Write(text); err != nil {
		return f, err
	}
	if err := mw.Close(); err != nil {
		return f, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, "POST", s.url+"/api/knowledge/documents", &body)
	if err != nil {
		return f, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", s.auth)
	resp, err := s.hc.Do(req)
	if err != nil {
		return f, err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return f, fmt.Errorf("upload of %d bytes: %d %s", size, resp.StatusCode, b)
	}
	f.Upload = time.Since(start)
	q := jsonBody(map[string]any{"query": marker, "limit": 1})
	for {
		st, reason, res := s.call(ctx, s.auth, "POST", s.url+"/api/knowledge/search", q)
		if st != http.StatusOK {
			return f, fmt.Errorf("search: %s", reason)
		}
		var r struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(res, &r); err != nil {
			return f, err
		}
		if len(r.Results) > 0 {
			f.Searchable = time.Since(start)
			return f, nil
		}
		// A client polling: 10 ms apart, so the figure is that close.
		select {
		case <-ctx.Done():
			return f, fmt.Errorf("document of %d bytes not searchable after %s: %w", size, time.Since(start).Round(time.Second), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ingestSizes parses -ingest, sizes in MiB.
func ingestSizes(v string) ([]int, error) {
	if v == "" || v == "off" {
		return nil, nil
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		var mib float64
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%g", &mib); err != nil || mib <= 0 || mib > 20 {
			return nil, fmt.Errorf("-ingest: %q is not a size in MiB from above 0 to 20 (the upload limit)", f)
		}
		out = append(out, int(mib*(1<<20)))
	}
	return out, nil
}

// ingestRow is one size's runs.
type ingestRow struct {
	Bytes int
	Runs  []ingestFigures
}

// median is the run with the median time to searchable.
func (r ingestRow) median() ingestFigures {
	runs := slices.Clone(r.Runs)
	slices.SortFunc(runs, func(a, b ingestFigures) int { return cmp.Compare(a.Searchable, b.Searchable) })
	return runs[len(runs)/2]
}

// measureIngests runs each size o.runs times on Xentree.
func measureIngests(ctx context.Context, o options, x *server, out io.Writer) ([]ingestRow, error) {
	var rows []ingestRow
	if err := x.login(ctx); err != nil {
		return nil, err
	}
	for _, size := range o.ingest {
		r := ingestRow{Bytes: size}
		for i := range o.runs {
			f, err := x.measureIngest(ctx, size, uint64(i+1))
			if err != nil {
				return nil, err
			}
			r.Runs = append(r.Runs, f)
			fmt.Fprintf(out, "ingest %-9s run %d/%d xentree  upload %-9s searchable after %-9s %6.1f MB/s\n",
				mib(size), i+1, o.runs, short(f.Upload), short(f.Searchable), f.MBPerSec())
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func mib(n int) string { return fmt.Sprintf("%g MiB", float64(n)/(1<<20)) }
