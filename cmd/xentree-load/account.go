package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xentree/xentree/internal/loadgen"
)

// account is the server's own account of its memory, from its /metrics:
// what the Go runtime holds (mapped and not returned to the OS) and what
// SQLite holds. Beside RssAnon, which is both plus the C allocator's
// overhead, it says which side a growth is on.
type account struct {
	goHeld, sqlite int64
}

// scrapeAccount reads one account from base's /metrics.
func scrapeAccount(ctx context.Context, hc *http.Client, base string) (account, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return account{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return account{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return account{}, fmt.Errorf("/metrics: %s", resp.Status)
	}
	var a account
	var sys, released int64
	found := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch {
		case name == "go_memstats_sys_bytes":
			sys, found = int64(v), found+1
		case name == "go_memstats_heap_released_bytes":
			released, found = int64(v), found+1
		case strings.HasPrefix(name, "xentree_sqlite_memory_bytes{"):
			a.sqlite += int64(v)
		}
	}
	if found != 2 {
		return account{}, fmt.Errorf("/metrics: no Go memory statistics")
	}
	a.goHeld = sys - released
	return a, sc.Err()
}

// medianAccount is the median of each field on its own.
func medianAccount(as []account) account {
	return account{
		goHeld: loadgen.MedianOf(as, func(a account) int64 { return a.goHeld }),
		sqlite: loadgen.MedianOf(as, func(a account) int64 { return a.sqlite }),
	}
}
