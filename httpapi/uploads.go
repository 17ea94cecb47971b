package httpapi

import (
	"context"
	"sync"

	"github.com/xentree/xentree/internal/xerr"
)

// uploadGate bounds the document uploads whose bodies are read at once:
// each is held in memory whole (up to Limits.MaxUploadBytes), so fifty
// concurrent ones from one account took the server past 4 GB. A request
// waits for a slot before its body is read, which costs no memory (the
// client's bytes wait in the connection); perUser bounds how many slots one
// account holds, so one account's stalled uploads cannot take them all.
type uploadGate struct {
	all     chan struct{}
	perUser int
	mu      sync.Mutex
	users   map[string]*userSlots
}

type userSlots struct {
	ch   chan struct{}
	refs int // requests holding or waiting for one
}

// perUserUploads is how many of one account's uploads are read at once.
const perUserUploads = 2

func newUploadGate(n int) *uploadGate {
	return &uploadGate{all: make(chan struct{}, n), perUser: perUserUploads, users: map[string]*userSlots{}}
}

// acquire waits for one of userID's slots, then one of all, as long as ctx
// lasts (a client gone, the server stopping). Call release when the upload
// has been handled and its bytes dropped.
func (g *uploadGate) acquire(ctx context.Context, userID string) (release func(), err error) {
	g.mu.Lock()
	s := g.users[userID]
	if s == nil {
		s = &userSlots{ch: make(chan struct{}, g.perUser)}
		g.users[userID] = s
	}
	s.refs++
	g.mu.Unlock()
	drop := func() {
		g.mu.Lock()
		if s.refs--; s.refs == 0 {
			delete(g.users, userID)
		}
		g.mu.Unlock()
	}
	gone := func() error {
		return xerr.Wrap(xerr.Unavailable, ctx.Err(), "upload cancelled while waiting for its turn")
	}
	select {
	case s.ch <- struct{}{}:
	case <-ctx.Done():
		drop()
		return nil, gone()
	}
	select {
	case g.all <- struct{}{}:
	case <-ctx.Done():
		<-s.ch
		drop()
		return nil, gone()
	}
	return func() {
		<-g.all
		<-s.ch
		drop()
	}, nil
}
