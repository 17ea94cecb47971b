package ai

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"
)

// Identity is the descriptive half of a Provider, for adapters to embed.
type Identity struct {
	id, name, model string
	models          []string
}

// NewIdentity describes a provider; models empty means any model name.
func NewIdentity(id, name, defaultModel string, models []string) Identity {
	return Identity{id: id, name: name, model: defaultModel, models: slices.Clone(models)}
}

// ID implements Provider.
func (i Identity) ID() string { return i.id }

// Name implements Provider.
func (i Identity) Name() string { return i.name }

// Models implements Provider; it is empty when any model name is accepted.
func (i Identity) Models() []string { return slices.Clone(i.models) }

// DefaultModel implements Provider.
func (i Identity) DefaultModel() string { return i.model }

// Relay carries a remote stream to the caller's callback. It owns the idle
// timeout (only a server that stops sending times out, not a long answer;
// time spent in the callback is the caller's) and the content so far.
type Relay struct {
	ctx     context.Context
	fn      func(Delta) error
	timeout time.Duration
	idle    *time.Timer
	content strings.Builder
	stopped error // the callback's error, which ended the stream
}

// NewRelay returns the context the upstream call must use, which is
// cancelled when the server stays silent for timeout, and a stop function
// to defer.
func NewRelay(ctx context.Context, timeout time.Duration, fn func(Delta) error) (context.Context, *Relay, func()) {
	call, cancel := context.WithCancel(ctx)
	r := &Relay{ctx: ctx, fn: fn, timeout: timeout, idle: time.AfterFunc(timeout, cancel)}
	return call, r, func() { r.idle.Stop(); cancel() }
}

// Event starts handling one upstream event. It fails when the caller has
// gone, since the stream may still hold buffered events after that.
func (r *Relay) Event() error {
	r.idle.Stop()
	return r.ctx.Err()
}

// Piece hands a piece of content to the callback and keeps it.
func (r *Relay) Piece(s string) error {
	if s == "" {
		return nil
	}
	if r.fn != nil {
		if err := r.fn(Delta{Content: s}); err != nil {
			r.stopped = err
			return err
		}
	}
	r.content.WriteString(s)
	return nil
}

// Waiting ends an event: the server's silence is timed again from now.
func (r *Relay) Waiting() { r.idle.Reset(r.timeout) }

// Content is everything relayed so far.
func (r *Relay) Content() string { return r.content.String() }

// StreamUpstream runs the streamed call of a remote adapter built on this
// module's HTTP client. open sends the request under call, a context the
// relay cancels when the server stays silent for timeout, and returns the
// answer's body; read relays its events through relay, noting the model
// and usage in resp. StreamUpstream returns resp with the content relayed
// and, on failure, the callback's error as it is, or any other classified
// by CallError with u.
func StreamUpstream(ctx context.Context, timeout time.Duration, fn func(Delta) error, u Upstream, resp Response,
	open func(call context.Context) (io.ReadCloser, error), read func(body io.Reader, relay *Relay, resp *Response) error) (Response, error) {
	call, relay, stop := NewRelay(ctx, timeout, fn)
	defer stop()
	body, err := open(call)
	if err == nil {
		defer body.Close()
		err = read(body, relay, &resp)
	}
	resp.Content = relay.Content()
	switch {
	case err == nil:
		return resp, nil
	case relay.stopped != nil:
		return resp, relay.stopped
	}
	return resp, CallError(ctx, call, timeout, err, u)
}
