package xentree_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/xentreetest"
)

// TestRateLimits trips each attempt-counting limit at its default, checks
// Retry-After, that another key is unaffected, and that the key recovers
// once the window has passed; then checks Off lets everything through.
func TestRateLimits(t *testing.T) {
	type attempt func(t *testing.T, eng *xentree.Engine, key, i int) error
	users := map[*xentree.Engine]*[2]xentree.User{}
	user := func(t *testing.T, eng *xentree.Engine, key int) xentree.User {
		if users[eng] == nil {
			a, _ := xentreetest.CreateUser(t, eng, "")
			b, _ := xentreetest.CreateUser(t, eng, "")
			users[eng] = &[2]xentree.User{a, b}
		}
		return users[eng][key]
	}
	ips := [2]string{"192.0.2.1", "192.0.2.2"}
	cases := []struct {
		name   string
		limit  func(*xentree.Config) *xentree.RateLimit
		max    int
		window time.Duration
		try    attempt
	}{
		{name: "register", limit: func(c *xentree.Config) *xentree.RateLimit { return &c.RegisterRateLimit },
			max: 20, window: time.Hour,
			try: func(t *testing.T, eng *xentree.Engine, key, i int) error {
				email := fmt.Sprintf("u%d-%d@example.com", key, i)
				if i%2 == 1 {
					email = "not an email" // invalid attempts count too
				}
				_, err := eng.Register(ctx, auth.RegisterRequest{Email: email, Password: xentreetest.Password, ClientIP: ips[key]})
				return err
			}},
		{name: "refresh", limit: func(c *xentree.Config) *xentree.RateLimit { return &c.RefreshRateLimit },
			max: 60, window: time.Minute,
			try: func(t *testing.T, eng *xentree.Engine, key, i int) error {
				_, err := eng.Refresh(ctx, auth.RefreshRequest{RefreshToken: fmt.Sprintf("guess-%d", i), ClientIP: ips[key]})
				return err
			}},
		{name: "chat", limit: func(c *xentree.Config) *xentree.RateLimit { return &c.ChatRateLimit },
			max: 60, window: time.Minute,
			try: func(t *testing.T, eng *xentree.Engine, key, i int) error {
				u := user(t, eng, key)
				req := conversation.ChatRequest{Message: "hello"}
				if i%2 == 1 {
					_, err := eng.ChatStream(ctx, u, req, nil)
					return err
				}
				_, err := eng.Chat(ctx, u, req)
				return err
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := xentreetest.NewClock()
			eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
			cfg := eng.Config()
			if got := *tc.limit(&cfg); got.Max != tc.max || got.Window != tc.window || got.Off {
				t.Errorf("default = %+v, want %d per %v", got, tc.max, tc.window)
			}
			for i := range tc.max {
				if err := tc.try(t, eng, 0, i); xentree.KindOf(err) == xentree.KindRateLimited {
					t.Fatalf("attempt %d of %d refused: %v", i+1, tc.max, err)
				}
			}
			clock.Advance(10 * time.Second)
			err := tc.try(t, eng, 0, tc.max)
			var xe *xentree.Error
			if !errors.As(err, &xe) || xe.Kind != xentree.KindRateLimited {
				t.Fatalf("attempt over the limit: error = %v, want kind RateLimited", err)
			}
			if want := tc.window - 10*time.Second; xe.RetryAfter != want {
				t.Errorf("RetryAfter = %v, want %v", xe.RetryAfter, want)
			}
			if err := tc.try(t, eng, 1, 0); xentree.KindOf(err) == xentree.KindRateLimited {
				t.Errorf("another key refused: %v", err)
			}
			clock.Advance(tc.window - 10*time.Second)
			if err := tc.try(t, eng, 0, tc.max+1); xentree.KindOf(err) == xentree.KindRateLimited {
				t.Errorf("after the window: %v", err)
			}
		})
		t.Run(tc.name+" off", func(t *testing.T) {
			eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) {
				l := tc.limit(c)
				l.Off, l.Max = true, 2
			}))
			for i := range 5 {
				if err := tc.try(t, eng, 0, i); xentree.KindOf(err) == xentree.KindRateLimited {
					t.Fatalf("attempt %d refused with the limit off: %v", i+1, err)
				}
			}
		})
	}
}

// Go callers that pass no ClientIP (embedders registering their own users)
// are not limited per address.
func TestRegisterWithoutClientIPIsNotLimited(t *testing.T) {
	eng := xentreetest.NewEngine(t, xentreetest.WithConfig(func(c *xentree.Config) { c.RegisterRateLimit.Max = 1 }))
	for i := range 3 {
		if _, err := eng.Register(ctx, auth.RegisterRequest{Email: fmt.Sprintf("u%d@example.com", i), Password: xentreetest.Password}); err != nil {
			t.Fatalf("register %d: %v", i, err)
		}
	}
}
