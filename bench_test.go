package xentree_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/xentreetest"
)

// Benchmarks use the production argon2id parameters (OWASP minimum), since
// hashing dominates Register and Login.
func benchEngine(b *testing.B) *xentree.Engine {
	return xentreetest.NewEngine(b, xentreetest.WithConfig(func(c *xentree.Config) {
		c.Password = password.Default
		c.LoginRateLimit.Off = true
	}))
}

var seq atomic.Int64

func BenchmarkRegister(b *testing.B) {
	eng := benchEngine(b)
	b.ReportAllocs()
	for b.Loop() {
		_, err := eng.Register(ctx, auth.RegisterRequest{Email: fmt.Sprintf("u%d@example.com", seq.Add(1)), Password: "correct horse battery"})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogin(b *testing.B) {
	eng := benchEngine(b)
	xentreetest.CreateUser(b, eng, "ada@example.com")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Login(ctx, auth.LoginRequest{Username: "ada@example.com", Password: xentreetest.Password}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	eng := benchEngine(b)
	_, tok := xentreetest.CreateUser(b, eng, "ada@example.com")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := eng.Authenticate(ctx, tok.AccessToken); err != nil {
				b.Fatal(err)
			}
		}
	})
}
