package xentree_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/xentree/xentree"
	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xentreetest"
)

// verifyWithJWKS checks a token the way a partner would: with the public
// JWK Set alone, golang-jwt, and no engine.
func verifyWithJWKS(raw string, set xentree.JWKS, now time.Time) (jwt.MapClaims, error) {
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || k.Kty != "RSA" || k.Alg != "RS256" {
			return nil, errors.New("bad JWK")
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if k := keys[t.Header["kid"].(string)]; k != nil {
			return k, nil
		}
		return nil, errors.New("unknown kid")
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithExpirationRequired())
	return claims, err
}

func TestIntegrationTokens(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	admin, _ := xentreetest.CreateUser(t, eng, "")
	member, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, admin, "Tenant")
	other := newOrg(t, eng, admin, "Other tenant")
	addMember(t, eng, admin, o.ID, member, org.RoleMember)

	grant := integration.GrantRequest{Mode: "api", Origin: "https://Partner.example", Scopes: []string{"xel:read", "conversations:read"}, TTLSeconds: 120, TenantID: o.ID}
	g, err := eng.GrantIntegrationToken(ctx, admin, grant)
	if err != nil {
		t.Fatal(err)
	}
	if !g.ExpiresAt.Equal(clock.Now().Add(2*time.Minute)) || g.JTI == "" {
		t.Fatalf("grant %+v", g)
	}
	_, err = eng.GrantIntegrationToken(ctx, member, grant)
	wantErr(t, "a member grants", err, xerr.Forbidden, "")

	// A partner verifies it with the JWKS alone.
	set, err := eng.IntegrationJWKS(ctx, o.ID)
	if err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %+v %v", set, err)
	}
	claims, err := verifyWithJWKS(g.Token, set, clock.Now())
	if err != nil || claims["tenantId"] != o.ID || claims["origin"] != "https://partner.example" || claims["jti"] != g.JTI {
		t.Fatalf("partner verification: %v %v", claims, err)
	}
	fp, err := eng.IntegrationFingerprint(ctx, o.ID)
	if err != nil || len(fp.Fingerprint) != 64 || fp.KeyID != set.Keys[0].Kid {
		t.Fatalf("fingerprint %+v %v", fp, err)
	}
	if set, _ := eng.IntegrationJWKS(ctx, "01a20000-0000-7000-8000-000000000000"); len(set.Keys) != 0 {
		t.Fatal("an unknown tenant has keys")
	}

	verify := func(tok, tenant string) integration.VerifyResponse {
		t.Helper()
		v, err := eng.VerifyIntegrationToken(ctx, member, integration.VerifyRequest{Token: tok, TenantID: tenant})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := verify(g.Token, o.ID); !v.Valid || v.Claims.JTI != g.JTI || len(v.Claims.Scopes) != 2 ||
		v.Claims.NotBefore != clock.Now().Unix() || v.Claims.NotBefore != int64(claims["nbf"].(float64)) {
		t.Fatalf("verify: %+v (the token's nbf %v)", v, claims["nbf"])
	}
	if v, err := eng.VerifyIntegrationToken(ctx, admin, integration.VerifyRequest{Token: g.Token, TenantID: other.ID}); err != nil || v.Valid || v.Reason != "wrong_tenant" {
		t.Fatalf("another tenant's verify: %+v %v", v, err)
	}
	if v := verify(g.Token[:len(g.Token)-4]+"AAAA", o.ID); v.Valid || v.Reason != "bad_signature" {
		t.Fatalf("tampered: %+v", v)
	}
	if v := verify("not.a.token", o.ID); v.Valid || v.Reason != "malformed" {
		t.Fatalf("garbage: %+v", v)
	}

	// Rotation: exactly one valid token afterwards, even when two race.
	var wg sync.WaitGroup
	results := make([]error, 2)
	tokens := make([]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := eng.RotateIntegrationToken(ctx, admin, integration.RotateRequest{GrantRequest: grant, IntegrationToken: g.Token})
			results[i], tokens[i] = err, r.Token
		}()
	}
	wg.Wait()
	if (results[0] == nil) == (results[1] == nil) {
		t.Fatalf("two rotations of one token: %v, %v", results[0], results[1])
	}
	fresh := tokens[0] + tokens[1] // the failed one is ""
	valid := 0
	for _, tok := range []string{g.Token, fresh} {
		if verify(tok, o.ID).Valid {
			valid++
		}
	}
	if valid != 1 || !verify(fresh, o.ID).Valid || verify(g.Token, o.ID).Reason != "revoked" {
		t.Fatalf("after rotation %d valid", valid)
	}

	// Revoke by token, then by jti; both persist.
	if _, err := eng.RevokeIntegrationToken(ctx, admin, integration.RevokeRequest{IntegrationToken: fresh, Reason: "leaked"}); err != nil {
		t.Fatal(err)
	}
	if v := verify(fresh, o.ID); v.Valid || v.Reason != "revoked" {
		t.Fatalf("revoked token: %+v", v)
	}
	g2, err := eng.GrantIntegrationToken(ctx, admin, grant)
	if err != nil {
		t.Fatal(err)
	}
	_, err = eng.RevokeIntegrationToken(ctx, member, integration.RevokeRequest{TenantID: o.ID, JTI: g2.JTI})
	wantErr(t, "a member revokes", err, xerr.Forbidden, "")
	if _, err := eng.RevokeIntegrationToken(ctx, admin, integration.RevokeRequest{TenantID: o.ID, JTI: g2.JTI}); err != nil {
		t.Fatal(err)
	}
	if v := verify(g2.Token, o.ID); v.Reason != "revoked" {
		t.Fatalf("revoked by jti: %+v", v)
	}

	// Another tenant's admin cannot revoke this tenant's token by its jti.
	g5, err := eng.GrantIntegrationToken(ctx, admin, grant)
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := xentreetest.CreateUser(t, eng, "")
	theirs := newOrg(t, eng, stranger, "Their tenant")
	if _, err := eng.RevokeIntegrationToken(ctx, stranger, integration.RevokeRequest{TenantID: theirs.ID, JTI: g5.JTI}); err != nil {
		t.Fatal(err)
	}
	if v := verify(g5.Token, o.ID); !v.Valid {
		t.Fatalf("a foreign tenant revoked our token: %+v", v)
	}

	// Expiry by the fake clock.
	g3, err := eng.GrantIntegrationToken(ctx, admin, grant)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(121 * time.Second)
	if v := verify(g3.Token, o.ID); v.Valid || v.Reason != "expired" {
		t.Fatalf("expired: %+v", v)
	}

	// Key rotation: old tokens still verify until they expire, with the old
	// key still in the JWKS; new ones are signed with the new key.
	g4, err := eng.GrantIntegrationToken(ctx, admin, integration.GrantRequest{Mode: "api", Origin: "http://localhost:3000", Scopes: []string{"xel:read"}, TTLSeconds: 600, TenantID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	kr, err := eng.RotateIntegrationKey(ctx, admin, integration.KeyRotateRequest{TenantID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	set, _ = eng.IntegrationJWKS(ctx, o.ID)
	if len(set.Keys) != 2 || set.Keys[0].Kid != kr.KeyID {
		t.Fatalf("jwks after key rotation: %+v", set)
	}
	if _, err := verifyWithJWKS(g4.Token, set, clock.Now()); err != nil || !verify(g4.Token, o.ID).Valid {
		t.Fatalf("old-key token after rotation: %v", err)
	}
	clock.Advance(time.Duration(integration.MaxTokenTTL+1) * time.Second)
	if set, _ := eng.IntegrationJWKS(ctx, o.ID); len(set.Keys) != 1 || set.Keys[0].Kid != kr.KeyID {
		t.Fatalf("retired key still published after its tokens expired: %+v", set)
	}

	for _, bad := range []integration.GrantRequest{
		{Mode: "web", Origin: "https://a.example", Scopes: []string{"xel:read"}, TenantID: o.ID},
		{Mode: "api", Origin: "http://a.example", Scopes: []string{"xel:read"}, TenantID: o.ID},
		{Mode: "api", Origin: "https://a.example/path", Scopes: []string{"xel:read"}, TenantID: o.ID},
		{Mode: "api", Origin: "https://a.example", Scopes: []string{"everything"}, TenantID: o.ID},
		{Mode: "api", Origin: "https://a.example", Scopes: []string{"xel:read"}, TTLSeconds: 5, TenantID: o.ID},
	} {
		_, err := eng.GrantIntegrationToken(ctx, admin, bad)
		wantErr(t, "bad grant", err, xerr.Invalid, "")
	}
}

// The docs' own grant example must succeed; a scope that is neither an
// embed scope nor an API-key scope is refused with the accepted ones named.
func TestIntegrationTokenScopes(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	admin, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, admin, "Tenant")
	cases := []struct {
		scopes []string
		ok     bool
	}{
		{[]string{"profile:read", "quota:read"}, true},
		{[]string{"quota:read", "xel:read", "api:admin"}, true},
		{[]string{"profile:write"}, false},
		{[]string{"profile:read", ""}, false},
	}
	for _, c := range cases {
		g, err := eng.GrantIntegrationToken(ctx, admin, integration.GrantRequest{Mode: "api", Origin: "https://partner.example.com",
			Scopes: c.scopes, TTLSeconds: 120, TenantID: o.ID})
		if !c.ok {
			wantErr(t, fmt.Sprint(c.scopes), err, xerr.Invalid, "")
			if e := xerr.As(err); e.Field != "scopes" || !strings.Contains(e.Message, "profile:read, quota:read, conversations:read") {
				t.Errorf("%v: %q does not name the accepted scopes", c.scopes, e.Message)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", c.scopes, err)
		}
		v, err := eng.VerifyIntegrationToken(ctx, admin, integration.VerifyRequest{Token: g.Token, TenantID: o.ID})
		if err != nil || !v.Valid || len(v.Claims.Scopes) != len(c.scopes) {
			t.Fatalf("%v: verify %+v %v", c.scopes, v, err)
		}
	}
}

// The revocation list: newest first, paged without repeats, the tenant's
// own only, admins only.
func TestIntegrationTokenRevocationList(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	admin, _ := xentreetest.CreateUser(t, eng, "")
	member, _ := xentreetest.CreateUser(t, eng, "")
	stranger, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, admin, "Tenant")
	theirs := newOrg(t, eng, stranger, "Their tenant")
	addMember(t, eng, admin, o.ID, member, org.RoleMember)

	grant := integration.GrantRequest{Mode: "api", Origin: "https://partner.example", Scopes: []string{"profile:read"}, TTLSeconds: 600, TenantID: o.ID}
	var want []string // jtis, newest first
	for i := range 5 {
		g, err := eng.GrantIntegrationToken(ctx, admin, grant)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.RevokeIntegrationToken(ctx, admin, integration.RevokeRequest{IntegrationToken: g.Token, Reason: fmt.Sprint("reason ", i)}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{g.JTI}, want...)
		if i%2 == 0 { // two revocations in one millisecond, too
			clock.Advance(time.Second)
		}
	}
	theirGrant := grant
	theirGrant.TenantID = theirs.ID
	g, err := eng.GrantIntegrationToken(ctx, stranger, theirGrant)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RevokeIntegrationToken(ctx, stranger, integration.RevokeRequest{TenantID: theirs.ID, JTI: g.JTI}); err != nil {
		t.Fatal(err)
	}

	var got []string
	p := xentree.Page{Limit: 2}
	for {
		l, err := eng.ListIntegrationTokenRevocations(ctx, admin, o.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range l.Items {
			if r.RevokedBy != admin.ID || !strings.HasPrefix(r.Reason, "reason ") || !r.ExpiresAt.After(r.RevokedAt.Time) {
				t.Errorf("revocation %+v", r)
			}
			got = append(got, r.JTI)
		}
		if l.NextCursor == nil {
			break
		}
		p.Cursor = *l.NextCursor
	}
	// Revocations in one millisecond tie on time and break by jti, which is
	// a UUIDv7: later tokens sort later, so the order is exact.
	if !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}

	_, err = eng.ListIntegrationTokenRevocations(ctx, member, o.ID, xentree.Page{})
	wantErr(t, "a member lists", err, xerr.Forbidden, "")
	_, err = eng.ListIntegrationTokenRevocations(ctx, stranger, o.ID, xentree.Page{})
	wantErr(t, "an outsider lists", err, xerr.NotFound, "")
	_, err = eng.ListIntegrationTokenRevocations(ctx, admin, "", xentree.Page{})
	wantErr(t, "no tenant", err, xerr.Invalid, "")
	_, err = eng.RevokeIntegrationToken(ctx, admin, integration.RevokeRequest{TenantID: o.ID, JTI: "not-a-token-id"})
	wantErr(t, "a jti no token has", err, xerr.Invalid, "")

	// Revocations of tokens that expired anyway are purged (the docs said
	// so, and nothing did it): 600 s tokens, an hour later, none left.
	clock.Advance(time.Hour)
	if err := eng.PurgeExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if l, err := eng.ListIntegrationTokenRevocations(ctx, admin, o.ID, xentree.Page{}); err != nil || len(l.Items) != 0 {
		t.Fatalf("after their tokens expired: %d revocations, %v", len(l.Items), err)
	}
}

// Key rotation is bounded: while ten retired keys are still published, an
// eleventh rotation is 429 until the oldest of them leaves the JWKS.
func TestIntegrationKeyRotationIsBounded(t *testing.T) {
	clock := xentreetest.NewClock()
	eng := xentreetest.NewEngine(t, xentreetest.WithClock(clock))
	ctx := context.Background()
	admin, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, admin, "Tenant")
	rotate := func() error {
		_, err := eng.RotateIntegrationKey(ctx, admin, integration.KeyRotateRequest{TenantID: o.ID})
		return err
	}
	// The first rotation makes the tenant's first key (nothing to retire);
	// the next ten retire one each, a minute apart.
	for i := range 11 {
		if err := rotate(); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
		clock.Advance(time.Minute)
	}
	err := rotate()
	wantErr(t, "a rotation past the bound", err, xerr.RateLimited, "")
	// The oldest, retired at minute 1, leaves the set at minute 61; it is minute 11.
	if got, want := xerr.As(err).RetryAfter, time.Duration(integration.MaxTokenTTL)*time.Second-10*time.Minute; got != want {
		t.Errorf("Retry-After %v, want %v", got, want)
	}
	if set, _ := eng.IntegrationJWKS(ctx, o.ID); len(set.Keys) != 11 {
		t.Errorf("published keys %d, want the active one and ten retired", len(set.Keys))
	}
	clock.Advance(xerr.As(err).RetryAfter + time.Millisecond)
	if err := rotate(); err != nil {
		t.Errorf("rotation once a retired key left the set: %v", err)
	}
}

// An API key may grant only the API-key scopes it holds: a key with
// integrations:write alone used to mint tokens claiming api:admin.
func TestIntegrationGrantWithinTheKeysScopes(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	admin, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, admin, "Tenant")
	narrow := keyUser(t, eng, admin, o.ID, auth.ScopeIntegrationsWrite)
	wide := keyUser(t, eng, admin, o.ID, auth.ScopeIntegrationsWrite, auth.ScopeConversationsRead)
	grant := func(u xentree.User, scopes ...string) (integration.GrantResponse, error) {
		return eng.GrantIntegrationToken(ctx, u, integration.GrantRequest{Mode: "api", Origin: "https://partner.example.com",
			Scopes: scopes, TTLSeconds: 120, TenantID: o.ID})
	}
	for _, c := range []struct {
		who    string
		u      xentree.User
		scopes []string
		ok     bool
	}{
		{"narrow key, embed scopes", narrow, []string{"profile:read", "quota:read"}, true},
		{"narrow key, api:admin", narrow, []string{"api:admin"}, false},
		{"narrow key, conversations:read", narrow, []string{"profile:read", "conversations:read"}, false},
		{"wide key, conversations:read", wide, []string{"profile:read", "conversations:read"}, true},
		{"session, any scope", admin, []string{"api:admin", "conversations:write"}, true},
	} {
		_, err := grant(c.u, c.scopes...)
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.who, err)
		}
		if !c.ok {
			wantErr(t, c.who, err, xerr.Forbidden, "INSUFFICIENT_API_KEY_SCOPE")
		}
	}
	// Rotating keeps to the same rule.
	g, err := grant(narrow, "profile:read")
	if err != nil {
		t.Fatal(err)
	}
	_, err = eng.RotateIntegrationToken(ctx, narrow, integration.RotateRequest{IntegrationToken: g.Token,
		GrantRequest: integration.GrantRequest{Mode: "api", Origin: "https://partner.example.com", Scopes: []string{"api:admin"}, TTLSeconds: 120, TenantID: o.ID}})
	wantErr(t, "rotate to api:admin", err, xerr.Forbidden, "INSUFFICIENT_API_KEY_SCOPE")
}

// The docs' own grant example names no tenantId: it defaults to the key's
// organization, or the one organization a signed-in user administers.
func TestIntegrationGrantDefaultTenant(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	ada, _ := xentreetest.CreateUser(t, eng, "")
	example := integration.GrantRequest{Mode: "api", Origin: "https://partner.example.com", Scopes: []string{"profile:read", "quota:read"}, TTLSeconds: 120}

	// The docs' example, which names no tenant, works for a user of no
	// organization (it was 400): the token is her personal tenant's.
	g, err := eng.GrantIntegrationToken(ctx, ada, example)
	if err != nil {
		t.Fatalf("the docs' example, no organization: %v", err)
	}
	if g.TenantID != ada.ID {
		t.Fatalf("tenant %q, want her own, %q", g.TenantID, ada.ID)
	}
	if v, err := eng.VerifyIntegrationToken(ctx, ada, integration.VerifyRequest{Token: g.Token, TenantID: ada.ID}); err != nil || !v.Valid || v.Claims.TenantID != ada.ID {
		t.Fatalf("verify on her tenant: %+v %v", v, err)
	}
	if set, err := eng.IntegrationJWKS(ctx, ada.ID); err != nil || len(set.Keys) != 1 {
		t.Fatalf("her tenant's JWKS: %+v %v", set, err)
	}
	// Administering organizations changes nothing: without tenantId the
	// token stays hers (guessing one of them would change meaning with a
	// second), and naming one gives that one's.
	o := newOrg(t, eng, ada, "Tenant")
	newOrg(t, eng, ada, "Second")
	if g, err = eng.GrantIntegrationToken(ctx, ada, example); err != nil || g.TenantID != ada.ID {
		t.Fatalf("administering two: %+v %v", g, err)
	}
	named := example
	named.TenantID = o.ID
	if g, err = eng.GrantIntegrationToken(ctx, ada, named); err != nil || g.TenantID != o.ID {
		t.Fatalf("naming her organization: %+v %v", g, err)
	}

	// A personal tenant is its user's alone: another user can neither
	// grant, verify, rotate keys nor list revocations on it.
	bob, _ := xentreetest.CreateUser(t, eng, "")
	onAda := example
	onAda.TenantID = ada.ID
	_, err = eng.GrantIntegrationToken(ctx, bob, onAda)
	wantErr(t, "grant on another's tenant", err, xerr.NotFound, "")
	_, err = eng.VerifyIntegrationToken(ctx, bob, integration.VerifyRequest{Token: g.Token, TenantID: ada.ID})
	wantErr(t, "verify on another's tenant", err, xerr.NotFound, "")
	_, err = eng.RotateIntegrationKey(ctx, bob, integration.KeyRotateRequest{TenantID: ada.ID})
	wantErr(t, "key rotation on another's tenant", err, xerr.NotFound, "")
	_, err = eng.ListIntegrationTokenRevocations(ctx, bob, ada.ID, xentree.Page{})
	wantErr(t, "revocations of another's tenant", err, xerr.NotFound, "")
	// Nor an API key of hers: a key acts for its organization.
	ku := keyUser(t, eng, ada, o.ID, auth.ScopeIntegrationsWrite)
	_, err = eng.GrantIntegrationToken(ctx, ku, onAda)
	wantErr(t, "her key on her personal tenant", err, xerr.NotFound, "")
	g, err = eng.GrantIntegrationToken(ctx, ku, example) // the key's organization
	if err != nil || g.TenantID != o.ID {
		t.Fatalf("the key's token: %+v %v", g, err)
	}
	// Rotating without tenantId: the old token's tenant.
	r, err := eng.RotateIntegrationToken(ctx, ada, integration.RotateRequest{IntegrationToken: g.Token, GrantRequest: example})
	if err != nil || r.TenantID != o.ID {
		t.Fatalf("rotate without tenantId: %+v %v", r, err)
	}
	if v, err := eng.VerifyIntegrationToken(ctx, ada, integration.VerifyRequest{Token: r.Token, TenantID: o.ID}); err != nil || !v.Valid {
		t.Fatalf("the rotated token: %+v %v", v, err)
	}
	// A missing tenant is 400, not an unknown organization's 404.
	_, err = eng.VerifyIntegrationToken(ctx, ada, integration.VerifyRequest{Token: r.Token})
	wantErr(t, "verify without tenantId", err, xerr.Invalid, "")
	_, err = eng.RotateIntegrationKey(ctx, ada, integration.KeyRotateRequest{})
	wantErr(t, "key rotation without tenantId", err, xerr.Invalid, "")
	_, err = eng.IntegrationFingerprint(ctx, "")
	wantErr(t, "fingerprint without tenantId", err, xerr.Invalid, "")
	// An access token is no integration token: malformed, not a tenant's.
	_, tok := xentreetest.CreateUser(t, eng, "")
	if v, err := eng.VerifyIntegrationToken(ctx, ada, integration.VerifyRequest{Token: tok.AccessToken, TenantID: ada.ID}); err != nil || v.Reason != "malformed" {
		t.Fatalf("an access token: %+v %v", v, err)
	}

	// Her personal tenant's keys and revocations go with her account.
	mine, err := eng.GrantIntegrationToken(ctx, ada, example)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RevokeIntegrationToken(ctx, ada, integration.RevokeRequest{TenantID: ada.ID, JTI: mine.JTI, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.DeleteUser(ctx, ada.ID); err != nil {
		t.Fatal(err)
	}
	if set, err := eng.IntegrationJWKS(ctx, ada.ID); err != nil || len(set.Keys) != 0 {
		t.Fatalf("a deleted user's tenant still publishes keys: %+v %v", set, err)
	}
}

// TestIntegrationTokenOutlivesNoGranter: a token acts for the admin who
// granted it, as an API key for its creator; once they no longer
// administer the tenant (demoted, or gone) verify refuses it, where it said
// valid until it expired.
func TestIntegrationTokenOutlivesNoGranter(t *testing.T) {
	eng := xentreetest.NewEngine(t)
	ctx := context.Background()
	owner, _ := xentreetest.CreateUser(t, eng, "")
	o := newOrg(t, eng, owner, "Tenant")
	grant := func(u xentree.User) string {
		t.Helper()
		g, err := eng.GrantIntegrationToken(ctx, u, integration.GrantRequest{Mode: "api", Origin: "https://partner.example",
			Scopes: []string{"profile:read"}, TTLSeconds: 600, TenantID: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		return g.Token
	}
	verify := func(token string) string {
		t.Helper()
		v, err := eng.VerifyIntegrationToken(ctx, owner, integration.VerifyRequest{Token: token, TenantID: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid {
			return "valid"
		}
		return v.Reason
	}
	demoted, _ := xentreetest.CreateUser(t, eng, "")
	removed, _ := xentreetest.CreateUser(t, eng, "")
	addMember(t, eng, owner, o.ID, demoted, org.RoleAdmin)
	addMember(t, eng, owner, o.ID, removed, org.RoleAdmin)
	byDemoted, byRemoved, byOwner := grant(demoted), grant(removed), grant(owner)
	if _, err := eng.UpdateMemberRole(ctx, owner, o.ID, demoted.ID, org.RoleRequest{Role: org.RoleMember}); err != nil {
		t.Fatal(err)
	}
	if err := eng.RemoveMember(ctx, owner, o.ID, removed.ID); err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]string{byDemoted: "granter_gone", byRemoved: "granter_gone", byOwner: "valid"} {
		if got := verify(token); got != want {
			t.Errorf("verify: %s, want %s", got, want)
		}
	}
}
