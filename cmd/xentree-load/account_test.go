package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestScrapeAccount(t *testing.T) {
	cases := []struct {
		name, body string
		want       account
		fail       bool
	}{
		{"both sides", `# HELP go_memstats_sys_bytes Number of bytes obtained from system.
# TYPE go_memstats_sys_bytes gauge
go_memstats_sys_bytes 4.0e+07
go_memstats_heap_released_bytes 1.5e+07
xentree_sqlite_memory_bytes{kind="page_cache"} 3e+06
xentree_sqlite_memory_bytes{kind="schema"} 100000
xentree_sqlite_memory_bytes{kind="statements"} 200000
xentree_sqlite_memory_bytesx 7
`, account{goHeld: 25_000_000, sqlite: 3_300_000}, false},
		{"no SQLite series", "go_memstats_sys_bytes 10\ngo_memstats_heap_released_bytes 4\n", account{goHeld: 6}, false},
		{"no Go series", "xentree_sqlite_memory_bytes{kind=\"schema\"} 1\n", account{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/metrics" {
					http.NotFound(w, r)
					return
				}
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			got, err := scrapeAccount(context.Background(), srv.Client(), srv.URL)
			if (err != nil) != c.fail || got != c.want {
				t.Fatalf("scrapeAccount = %+v, %v; want %+v (error: %v)", got, err, c.want, c.fail)
			}
		})
	}
}

func TestScrapeAccountWithoutMetrics(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := scrapeAccount(context.Background(), srv.Client(), srv.URL); err == nil {
		t.Fatal("scrapeAccount of a server without /metrics: no error")
	}
}
