package xentree_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/org"
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

// BenchmarkAuthenticateAPIKey measures the per-request cost of X-API-Key
// authentication with an allow-list: format check, SHA-256, cache lookup,
// expiry and CIDR checks.
func BenchmarkAuthenticateAPIKey(b *testing.B) {
	eng := xentreetest.NewEngine(b)
	owner, _ := xentreetest.CreateUser(b, eng, "ada@example.com")
	o, err := eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	k, err := eng.CreateAPIKey(ctx, owner, org.CreateKeyRequest{Name: "bench", OrganizationID: o.ID,
		Scopes: []string{auth.ScopeConversationsRead}, AllowedIPs: []string{"10.0.0.0/8", "127.0.0.0/8"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := eng.AuthenticateAPIKey(ctx, k.Key, "127.0.0.1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyIntegrationToken: what a partner's verify call costs
// (RS256 verification, revocation lookup).
func BenchmarkVerifyIntegrationToken(b *testing.B) {
	eng := xentreetest.NewEngine(b)
	owner, _ := xentreetest.CreateUser(b, eng, "ada@example.com")
	o, err := eng.CreateOrganization(ctx, owner, org.CreateRequest{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	g, err := eng.GrantIntegrationToken(ctx, owner, integration.GrantRequest{Mode: "api", Origin: "https://partner.example",
		Scopes: []string{"xel:read"}, TenantID: o.ID})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if v, err := eng.VerifyIntegrationToken(ctx, owner, integration.VerifyRequest{Token: g.Token, TenantID: o.ID}); err != nil || !v.Valid {
			b.Fatal(v, err)
		}
	}
}
