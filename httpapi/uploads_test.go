package httpapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/xentree/xentree/internal/xerr"
)

// TestUploadGate: one account's third upload waits while two of its own are
// read, another account's goes ahead, and the total stays bounded; a wait
// ends with its context.
func TestUploadGate(t *testing.T) {
	g := newUploadGate(3)
	ctx := context.Background()
	a1, err := g.acquire(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := g.acquire(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	third := make(chan func(), 1)
	go func() {
		r, err := g.acquire(ctx, "ada")
		if err != nil {
			t.Error(err)
		}
		third <- r
	}()
	b1, err := g.acquire(ctx, "bob") // another account is not held up by ada's
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-third:
		t.Fatal("a third upload of one account was let in while two were read")
	default:
	}
	// All three slots are held: even another account waits, until its
	// request ends.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.acquire(cctx, "carl"); err == nil {
		t.Fatal("an upload was let in past the bound")
	}
	a1()
	a3 := <-third // ada's first slot is free: the waiting one goes in
	a2()
	a3()
	b1()
	g.mu.Lock()
	left := len(g.users)
	g.mu.Unlock()
	if left != 0 || len(g.all) != 0 {
		t.Fatalf("after every release: %d accounts, %d slots held", left, len(g.all))
	}
}

type deadlineBody struct{}

func (deadlineBody) Read([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }

// A body the server's read timeout cut off is 503 (docs/api.md: a timed-out
// request is unavailable), not 400 as if it were malformed.
func TestBodyReadTimeoutIsUnavailable(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/core/notes", deadlineBody{})
	if _, err := readBody(r); xerr.KindOf(err) != xerr.Unavailable {
		t.Errorf("readBody: %v", err)
	}
	if err := uploadError(fmt.Errorf("multipart: %w", os.ErrDeadlineExceeded)); xerr.KindOf(err) != xerr.Unavailable {
		t.Errorf("uploadError: %v", err)
	}
}
