package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/httpapi"
)

// openapiCmd prints the OpenAPI document that serve publishes at
// /api/openapi.json, without listening anywhere: it opens a throwaway engine
// in a temporary folder and asks the handler for the document in process, so
// the output is exactly what a server answers. CI lints it, and the client
// generated from it (openapi/clienttest) is built from it.
func openapiCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	metricsFlag := fs.String("metrics", "off", "describe a server started with --metrics on (adds GET /metrics)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("openapi takes no arguments, got %q", fs.Args())
	}
	metricsOn, err := parseOnOff("metrics", *metricsFlag)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "xentree-openapi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.DiscardHandler)
	eng, err := xentree.Open(ctx, xentree.Config{Dir: dir, Logger: quiet})
	if err != nil {
		return err
	}
	defer eng.Close()
	h := httpapi.New(eng, httpapi.Config{Logger: quiet, Metrics: metricsOn})
	req, err := http.NewRequestWithContext(ctx, "GET", "/api/openapi.json", nil)
	if err != nil {
		return err
	}
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.status != http.StatusOK {
		return fmt.Errorf("GET /api/openapi.json answered %d: %s", rec.status, rec.body.Bytes())
	}
	var out bytes.Buffer
	if err := json.Indent(&out, rec.body.Bytes(), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = stdout.Write(out.Bytes())
	return err
}

// recorder is the least http.ResponseWriter that keeps the answer
// (net/http/httptest would register its own command-line flag).
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
