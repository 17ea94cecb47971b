package ai

import (
	"context"
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
// gone, since the SDK may still hold buffered events after that.
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
