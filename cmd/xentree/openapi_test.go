package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// TestOpenAPICommand prints the served document without a server: what CI
// lints and generates a client from.
func TestOpenAPICommand(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		wantMetrics bool
	}{
		{name: "default", args: []string{"openapi"}},
		{name: "metrics", args: []string{"openapi", "--metrics", "on"}, wantMetrics: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if err := run(context.Background(), tc.args, &out, &errb); err != nil {
				t.Fatalf("run: %v (stderr %s)", err, errb.String())
			}
			var doc struct {
				OpenAPI string                     `json:"openapi"`
				Paths   map[string]json.RawMessage `json:"paths"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if doc.OpenAPI != "3.1.0" {
				t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
			}
			if doc.Paths["/api/auth/login"] == nil {
				t.Errorf("paths lack /api/auth/login")
			}
			if got := doc.Paths["/metrics"] != nil; got != tc.wantMetrics {
				t.Errorf("/metrics described = %v, want %v", got, tc.wantMetrics)
			}
		})
	}
	if err := run(context.Background(), []string{"openapi", "extra"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Errorf("openapi with an argument: no error")
	}
}
