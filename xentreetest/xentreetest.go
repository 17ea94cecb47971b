// Package xentreetest opens ready Xentree engines for tests: a real SQLite
// file and a real Bleve index in t.TempDir() (or, with
// XENTREE_TEST_DATABASE_URL set, a PostgreSQL schema of the engine's own),
// a fake clock, cheap password
// hashing, and no network. Applications embedding Xentree use it to test
// their own code the same way Xentree tests itself.
//
//	func TestMyFeature(t *testing.T) {
//		clock := xentreetest.NewClock()
//		eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
//		user, _ := xentreetest.CreateUser(t, eng, "ada@example.com")
//		...
//		clock.Advance(16 * time.Minute) // the access token has expired
//	}
package xentreetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/password"
)

// Clock is a fake xentree.Clock that moves only when told to.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Start is the fake clock's initial time: a fixed instant, so test output is stable.
var Start = time.Date(2026, time.April, 16, 10, 0, 0, 0, time.UTC)

// NewClock returns a Clock set to Start.
func NewClock() *Clock { return &Clock{now: Start} }

// Now implements xentree.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Option adjusts the Config NewEngine opens with.
type Option func(*xentree.Config)

// WithClock uses c as the engine's clock.
func WithClock(c *Clock) Option { return func(cfg *xentree.Config) { cfg.Clock = c } }

// WithConfig lets a test change any Config field.
func WithConfig(f func(*xentree.Config)) Option { return func(cfg *xentree.Config) { f(cfg) } }

// WithDir opens the engine on dir instead of a fresh temporary folder, to
// reopen the same data.
func WithDir(dir string) Option { return func(cfg *xentree.Config) { cfg.Dir = dir } }

// Config returns the configuration NewEngine uses: a temporary folder, a fake
// clock, cheap argon2id parameters and logs sent to t.Log.
func Config(t testing.TB, opts ...Option) xentree.Config {
	cfg := xentree.Config{
		Dir:      t.TempDir(),
		Clock:    NewClock(),
		Password: password.Cheap,
		Logger:   slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Database == "" {
		cfg.Database = databaseFor(t, cfg.Dir)
	}
	return cfg
}

// NewEngine opens a ready engine and closes it when the test ends.
func NewEngine(t testing.TB, opts ...Option) *xentree.Engine {
	t.Helper()
	eng, err := xentree.Open(context.Background(), Config(t, opts...))
	if err != nil {
		t.Fatalf("xentreetest: open engine: %v", err)
	}
	t.Cleanup(func() {
		if err := eng.Close(); err != nil {
			t.Errorf("xentreetest: close engine: %v", err)
		}
	})
	return eng
}

// Password is the password CreateUser gives every account.
const Password = "correct horse battery staple"

var userSeq atomic.Int64

// CreateUser registers an account with Password, logs it in and returns the
// authenticated User and its tokens. An empty email gets a unique one.
func CreateUser(t testing.TB, eng *xentree.Engine, email string) (xentree.User, auth.TokenResponse) {
	t.Helper()
	ctx := context.Background()
	if email == "" {
		email = fmt.Sprintf("user%d@example.com", userSeq.Add(1))
	}
	if _, err := eng.Register(ctx, auth.RegisterRequest{Email: email, Password: Password}); err != nil {
		t.Fatalf("xentreetest: register %s: %v", email, err)
	}
	tok, err := eng.Login(ctx, auth.LoginRequest{Username: email, Password: Password})
	if err != nil {
		t.Fatalf("xentreetest: login %s: %v", email, err)
	}
	u, err := eng.Authenticate(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("xentreetest: authenticate %s: %v", email, err)
	}
	return u, tok
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// LogTo returns a logger that writes every level as text to w, for tests
// that inspect what was logged.
func LogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
