package httpapi

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

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

// pacedBody cuts off an upload whose client stalls, so that it gives its
// slot back: without it a client that sent headers and a few bytes held one
// of the gate's slots until the server's 2-minute read timeout, and a few
// accounts could keep everyone's uploads waiting that long. Each window
// must bring minUploadPace bytes (or the end of the body); the whole body
// must arrive within total of the slot being taken. Processing after the
// body is read has no deadline from here. It works through the
// connection's read deadline, so a stalled Read ends with
// os.ErrDeadlineExceeded (503, as the server's own timeout).
type pacedBody struct {
	io.ReadCloser
	ctrl   *http.ResponseController
	window time.Duration
	end    time.Time // the whole body's deadline
	got    int64     // bytes since the deadline last moved
	done   bool
}

// minUploadPace is what an upload must send per stall window: 6.4 KB/s at
// the default 10 s, far below any real uplink.
const minUploadPace = 64 << 10

func newPacedBody(w http.ResponseWriter, r *http.Request, window, total time.Duration) *pacedBody {
	// Real time, not the engine's clock: these are the socket's deadlines.
	b := &pacedBody{ReadCloser: r.Body, ctrl: http.NewResponseController(w), window: window, end: time.Now().Add(total)}
	b.extend()
	return b
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.got += int64(n); b.got >= minUploadPace {
		b.extend()
	}
	if err == io.EOF {
		// A failed read keeps the deadline that ended it: the server then
		// gives up on the rest of the body at once and closes the
		// connection after the answer, instead of waiting to discard it.
		b.finish()
	}
	return n, err
}

// extend gives the client another window, within the whole body's deadline.
func (b *pacedBody) extend() {
	if b.done {
		return
	}
	b.got = 0
	// Not every ResponseWriter has a connection (tests' recorders); there
	// nothing can stall.
	d := time.Now().Add(b.window)
	if d.After(b.end) {
		d = b.end
	}
	_ = b.ctrl.SetReadDeadline(d)
}

// finish lifts the deadline once the body is read: the server's
// background read (which notices a client that goes away while the
// document is processed) would otherwise hit it and cancel the processing
// of a healthy upload. The server sets the next request's deadlines itself.
func (b *pacedBody) finish() {
	if !b.done {
		b.done = true
		_ = b.ctrl.SetReadDeadline(time.Time{})
	}
}
