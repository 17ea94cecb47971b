package xentree

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/store"
)

// Integration tokens: short-lived RS256 JWTs signed with a key pair per
// tenant, so a partner can verify them with the public JWKS alone. A tenant
// is an organization, whose admins and owners manage its tokens, or a
// signed-in user's own personal tenant (its id is the user's), so that any
// user can grant a token for their own profile and quota. Private keys are
// sealed at rest; a rotated key stays in the JWKS until every token it
// signed has expired.

const (
	tokenIssuer = "xentree"
	rsaBits     = 2048
)

var errInvalidToken = &xerr.Error{Kind: xerr.Invalid, Code: "invalid_token", Field: "integrationToken",
	Message: "the integration token is not valid"}

// tokenClaims are an integration token's claims on the wire.
type tokenClaims struct {
	jwt.RegisteredClaims
	TenantID string   `json:"tenantId"`
	Mode     string   `json:"mode"`
	Origin   string   `json:"origin"`
	Scopes   []string `json:"scopes"`
}

// tenantKeys is an organization's usable keys: the active one signs; all
// verify.
type tenantKeys struct {
	activeKID string
	active    *rsa.PrivateKey
	public    map[string]*rsa.PublicKey
	der       map[string][]byte // PKIX DER, for fingerprints
	order     []string          // kids, newest first
	loaded    time.Time
}

// tenantKeyCache holds parsed keys; parsing RSA keys costs more than a query.
type tenantKeyCache struct {
	mu  sync.Mutex
	m   map[string]*tenantKeys
	gen uint64 // bumped by every forget and clear; guarded by mu
}

func (c *tenantKeyCache) get(orgID string, now time.Time, ttl time.Duration) *tenantKeys {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k := c.m[orgID]; k != nil && now.Sub(k.loaded) < ttl {
		return k
	}
	return nil
}

func (c *tenantKeyCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches k unless a forget came since generation gen was read.
func (c *tenantKeyCache) put(orgID string, k *tenantKeys, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) > 10_000 {
		c.m = map[string]*tenantKeys{}
	}
	c.m[orgID] = k
}

func (c *tenantKeyCache) forget(orgID string) {
	c.mu.Lock()
	delete(c.m, orgID)
	c.gen++
	c.mu.Unlock()
}

func (c *tenantKeyCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.gen++
	c.mu.Unlock()
}

func keyContext(kid string) string { return "tenant-key:" + kid }

// loadTenantKeys reads an organization's keys (nil active when it has none).
func (e *Engine) loadTenantKeys(ctx context.Context, orgID string) (*tenantKeys, error) {
	now := e.cfg.Clock.Now()
	if k := e.tenants.get(orgID, now, e.cacheTTL); k != nil && e.cachesTrusted() {
		return k, nil
	}
	gen := e.tenants.generation() // a forget during the read below must win
	var rows []store.TenantKey
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		// A key retired longer ago than the longest token lifetime signed
		// nothing still valid.
		rows, err = tx.TenantKeys(ctx, orgID, now.Add(-integration.MaxTokenTTL*time.Second).UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	k := &tenantKeys{public: map[string]*rsa.PublicKey{}, der: map[string][]byte{}, loaded: now}
	for _, r := range rows {
		pub, err := x509.ParsePKIXPublicKey(r.PublicKey)
		rsaPub, ok := pub.(*rsa.PublicKey)
		if err != nil || !ok {
			return nil, xerr.Internalf(err, "parse tenant key %s", r.KID)
		}
		k.public[r.KID], k.der[r.KID] = rsaPub, r.PublicKey
		k.order = append(k.order, r.KID)
		if r.RetiredAt == 0 && k.active == nil {
			der, err := e.sealer.Open(r.PrivateKey, keyContext(r.KID))
			if err != nil {
				return nil, xerr.Internalf(err, "open tenant key %s", r.KID)
			}
			priv, err := x509.ParsePKCS8PrivateKey(der)
			if k.active, ok = priv.(*rsa.PrivateKey); err != nil || !ok {
				return nil, xerr.Internalf(err, "parse tenant key %s", r.KID)
			}
			k.activeKID = r.KID
		}
	}
	e.tenants.put(orgID, k, gen)
	return k, nil
}

// newTenantKey generates a key pair and stores it as orgID's active key,
// retiring the previous one when rotate is set. Without rotate, a key
// another caller stored meanwhile wins and nothing is written.
func (e *Engine) newTenantKey(ctx context.Context, orgID string, rotate bool) (string, error) {
	// Generated before the write: RSA generation takes tens of milliseconds.
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return "", xerr.Internalf(err, "generate tenant key")
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", xerr.Internalf(err, "encode tenant key")
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return "", xerr.Internalf(err, "encode tenant key")
	}
	newKID := ids.New()
	var kid string
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		kid = newKID // fn runs again when a PostgreSQL store retries it
		if rotate {
			if err := e.rotationBound(ctx, tx, orgID); err != nil {
				return err
			}
			if err := tx.TenantKeyRetire(ctx, orgID); err != nil {
				return err
			}
		} else if keys, err := tx.TenantKeys(ctx, orgID, tx.NowMillis()); err != nil {
			return err
		} else if len(keys) > 0 && keys[0].RetiredAt == 0 {
			kid = keys[0].KID
			return nil
		}
		return tx.TenantKeyInsert(ctx, &store.TenantKey{KID: kid, TenantID: orgID,
			PrivateKey: e.sealer.Seal(privDER, keyContext(kid)), PublicKey: pubDER})
	})
	e.tell(ctx, noticeTenant, orgID)
	return kid, err
}

// signingKey returns orgID's active key, generating the first on first use.
func (e *Engine) signingKey(ctx context.Context, orgID string) (*tenantKeys, error) {
	k, err := e.loadTenantKeys(ctx, orgID)
	if err != nil || k.active != nil {
		return k, err
	}
	if _, err := e.newTenantKey(ctx, orgID, false); err != nil {
		return nil, err
	}
	// A concurrent reader may have cached the keyless state after
	// newTenantKey cleared it: drop it and read what was committed.
	e.tell(ctx, noticeTenant, orgID)
	if k, err = e.loadTenantKeys(ctx, orgID); err == nil && k.active == nil {
		err = xerr.Newf(xerr.Internal, "tenant %s has no active key after creating one", orgID)
	}
	return k, err
}

// tenantAdmin checks that user administers tenant tenantID: owns or
// administers the organization, or is the user of a personal tenant.
func (e *Engine) tenantAdmin(ctx context.Context, user User, tenantID string) error {
	return e.db.Read(ctx, func(tx *store.Tx) error { return tenantAdminIn(ctx, tx, user, tenantID) })
}

func tenantAdminIn(ctx context.Context, tx *store.Tx, user User, tenantID string) error {
	if ok, err := personalTenant(user, tenantID); ok || err != nil {
		return err
	}
	m, err := membership(ctx, tx, user, tenantID)
	if err != nil {
		return err
	}
	return org.CheckAdmin(m)
}

// tenantMember checks that user belongs to tenant tenantID.
func (e *Engine) tenantMember(ctx context.Context, user User, tenantID string) error {
	if ok, err := personalTenant(user, tenantID); ok || err != nil {
		return err
	}
	return e.db.Read(ctx, func(tx *store.Tx) error {
		_, err := membership(ctx, tx, user, tenantID)
		return err
	})
}

// personalTenant reports whether tenantID is user's own tenant. An API key
// acts for its organization, never for its creator's personal tenant; a
// missing tenantID is Invalid.
func personalTenant(user User, tenantID string) (bool, error) {
	if err := requireTenant(tenantID); err != nil {
		return false, err
	}
	return tenantID == user.ID && user.OrgID == "", nil
}

// requireTenant refuses a missing tenant: 400, not the 404 of an unknown
// organization (or a JWKS's empty set, which a misconfigured verifier
// would trust and refuse every token by, without saying why).
func requireTenant(tenantID string) error {
	if tenantID == "" {
		return xerr.InvalidField("tenantId", "is required")
	}
	return nil
}

// GrantIntegrationToken issues an integration token for a tenant (an
// organization the caller administers), bound to an origin and scopes.
func (e *Engine) GrantIntegrationToken(ctx context.Context, user User, req integration.GrantRequest) (integration.GrantResponse, error) {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return integration.GrantResponse{}, err
	}
	defaultTenant(user, &req)
	if err := req.Validate(); err != nil {
		return integration.GrantResponse{}, err
	}
	if err := grantable(user, req.Scopes); err != nil {
		return integration.GrantResponse{}, err
	}
	if err := e.tenantAdmin(ctx, user, req.TenantID); err != nil {
		return integration.GrantResponse{}, err
	}
	return e.sign(ctx, user, req)
}

// defaultTenant fills a grant's missing tenantId, so that the docs' own
// example (which names none) works for every caller: an API key's
// organization, or else the signed-in user's personal tenant. Guessing an
// organization the user administers would change meaning the day they
// administer a second.
func defaultTenant(user User, req *integration.GrantRequest) {
	if req.TenantID != "" {
		return
	}
	req.TenantID = user.ID
	if user.OrgID != "" {
		req.TenantID = user.OrgID
	}
}

// grantable refuses a token that claims an API-key scope its granter's key
// lacks: a partner trusts a token's scopes, so a key with integrations:write
// alone must not vouch for more than it holds. The embed scopes
// (profile:read, quota:read) are the granting user's own public profile and
// quota, which integrations:write covers.
func grantable(user User, scopes []string) error {
	for _, s := range scopes {
		if slices.Contains(auth.Scopes, s) {
			if err := user.Allow(s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Engine) sign(ctx context.Context, user User, req integration.GrantRequest) (integration.GrantResponse, error) {
	k, err := e.signingKey(ctx, req.TenantID)
	if err != nil {
		return integration.GrantResponse{}, err
	}
	now := e.cfg.Clock.Now().Truncate(time.Second)
	exp := now.Add(time.Duration(req.TTLSeconds) * time.Second)
	c := tokenClaims{RegisteredClaims: jwt.RegisteredClaims{Issuer: tokenIssuer, Subject: user.ID, Audience: jwt.ClaimStrings{req.Origin},
		ID: ids.New(), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)},
		TenantID: req.TenantID, Mode: req.Mode, Origin: req.Origin, Scopes: req.Scopes}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = k.activeKID
	s, err := t.SignedString(k.active)
	if err != nil {
		return integration.GrantResponse{}, xerr.Internalf(err, "sign integration token")
	}
	return integration.GrantResponse{Token: s, JTI: c.ID, ExpiresAt: Time{Time: exp}, TenantID: req.TenantID}, nil
}

// parseToken checks an integration token's signature (with tenantID's
// keys), algorithm, issuer and, unless ignoreExpiry, its times. reason says
// why it failed.
func (e *Engine) parseToken(ctx context.Context, raw, tenantID string, ignoreExpiry bool) (c *tokenClaims, reason string, err error) {
	if len(raw) > 8192 {
		return nil, "malformed", nil
	}
	var peek tokenClaims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &peek); err != nil {
		return nil, "malformed", nil
	}
	switch peek.TenantID {
	case "":
		return nil, "malformed", nil // not an integration token: a user's access token, say
	case tenantID:
	default:
		return nil, "wrong_tenant", nil
	}
	keys, err := e.loadTenantKeys(ctx, tenantID)
	if err != nil {
		return nil, "", err
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithIssuer(tokenIssuer),
		jwt.WithTimeFunc(e.cfg.Clock.Now), jwt.WithExpirationRequired()}
	if ignoreExpiry {
		opts = append(opts, jwt.WithoutClaimsValidation())
	}
	c = &tokenClaims{}
	_, err = jwt.ParseWithClaims(raw, c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if pub := keys.public[kid]; pub != nil {
			return pub, nil
		}
		return nil, errUnknownKey
	}, opts...)
	switch {
	case err == nil:
		return c, "", nil
	case errors.Is(err, errUnknownKey):
		return nil, "unknown_key", nil
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, "expired", nil
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, "bad_signature", nil
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, "not_yet_valid", nil
	}
	return nil, "malformed", nil
}

var errUnknownKey = errors.New("unknown key id")

// granterVouches reports whether the user who granted a token may still
// grant it: an admin or owner of the tenant's organization, or the user of
// a personal tenant. A token acts for its granter, as an API key for its
// creator, and a key goes when its creator leaves; a token cannot be found
// to be deleted, so verify refuses it instead.
func granterVouches(ctx context.Context, tx *store.Tx, granter, tenantID string) (bool, error) {
	if granter == tenantID {
		return true, nil // a personal tenant's keys go with its user
	}
	m, err := tx.MembershipGet(ctx, tenantID, granter)
	if xerr.KindOf(err) == xerr.NotFound {
		return false, nil
	}
	return err == nil && org.CheckAdmin(m) == nil, err
}

// VerifyIntegrationToken says whether a token is valid for a tenant the
// caller belongs to: signature by one of the tenant's keys, unexpired, not
// revoked.
func (e *Engine) VerifyIntegrationToken(ctx context.Context, user User, req integration.VerifyRequest) (integration.VerifyResponse, error) {
	if err := user.Allow(auth.ScopeIntegrationsRead); err != nil {
		return integration.VerifyResponse{}, err
	}
	if req.Token == "" {
		return integration.VerifyResponse{}, xerr.InvalidField("token", "is required")
	}
	if err := e.tenantMember(ctx, user, req.TenantID); err != nil {
		return integration.VerifyResponse{}, err
	}
	c, reason, err := e.parseToken(ctx, req.Token, req.TenantID, false)
	if err != nil || reason != "" {
		return integration.VerifyResponse{Reason: reason}, err
	}
	var revoked, vouched bool
	if err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if revoked, err = tx.Revoked(ctx, req.TenantID, c.ID); err != nil || revoked {
			return err
		}
		vouched, err = granterVouches(ctx, tx, c.Subject, req.TenantID)
		return err
	}); err != nil {
		return integration.VerifyResponse{}, err
	}
	if revoked {
		return integration.VerifyResponse{Reason: "revoked"}, nil
	}
	if !vouched {
		return integration.VerifyResponse{Reason: "granter_gone"}, nil
	}
	nbf := c.IssuedAt.Unix() // what sign sets it to
	if c.NotBefore != nil {
		nbf = c.NotBefore.Unix()
	}
	return integration.VerifyResponse{Valid: true, Claims: &integration.Claims{Issuer: c.Issuer, Subject: c.Subject,
		Audience: c.Audience, TenantID: c.TenantID, Mode: c.Mode, Origin: c.Origin, Scopes: c.Scopes, JTI: c.ID,
		IssuedAt: c.IssuedAt.Unix(), NotBefore: nbf, ExpiresAt: c.ExpiresAt.Unix()}}, nil
}

// RevokeIntegrationToken revokes a token, given the token or its tenant and
// jti; the revocation is persisted. Admins and owners of the tenant only.
func (e *Engine) RevokeIntegrationToken(ctx context.Context, user User, req integration.RevokeRequest) (integration.RevokeResponse, error) {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return integration.RevokeResponse{}, err
	}
	if err := req.Validate(); err != nil {
		return integration.RevokeResponse{}, err
	}
	tenant, jti := req.TenantID, req.JTI
	expires := e.cfg.Clock.Now().Add(integration.MaxTokenTTL * time.Second).UnixMilli()
	if req.IntegrationToken != "" {
		var peek tokenClaims
		if _, _, err := jwt.NewParser().ParseUnverified(req.IntegrationToken, &peek); err != nil || peek.TenantID == "" {
			return integration.RevokeResponse{}, errInvalidToken
		}
		tenant = peek.TenantID
		if err := e.tenantAdmin(ctx, user, tenant); err != nil {
			return integration.RevokeResponse{}, err
		}
		c, reason, err := e.parseToken(ctx, req.IntegrationToken, tenant, true)
		if err != nil {
			return integration.RevokeResponse{}, err
		}
		if reason != "" {
			return integration.RevokeResponse{}, errInvalidToken
		}
		jti, expires = c.ID, c.ExpiresAt.UnixMilli()
	} else if err := e.tenantAdmin(ctx, user, tenant); err != nil {
		return integration.RevokeResponse{}, err
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		return tx.RevocationInsert(ctx, jti, tenant, req.Reason, user.ID, expires)
	})
	return integration.RevokeResponse{Revoked: err == nil, JTI: jti}, err
}

// ListIntegrationTokenRevocations returns a tenant's revoked integration
// tokens, newest first, to its admins and owners. Revocations of tokens that
// have expired anyway are purged in time, so the list holds those that
// still matter.
func (e *Engine) ListIntegrationTokenRevocations(ctx context.Context, user User, tenantID string, p Page) (List[integration.Revocation], error) {
	if err := user.Allow(auth.ScopeIntegrationsRead); err != nil {
		return List[integration.Revocation]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[integration.Revocation]{}, err
	}
	var rs []integration.Revocation
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		if err := tenantAdminIn(ctx, tx, user, tenantID); err != nil {
			return err
		}
		rs, err = tx.RevocationList(ctx, tenantID, after, limit+1)
		return err
	})
	return makeList(rs, limit, func(r integration.Revocation) cursor.Position {
		return cursor.Position{Key: r.RevokedAt.Millis(), ID: r.JTI}
	}), err
}

// RotateIntegrationToken exchanges a valid token for a new one: the old one
// is revoked in the same transaction that checks it is not, so of two
// concurrent rotations of one token only one succeeds.
func (e *Engine) RotateIntegrationToken(ctx context.Context, user User, req integration.RotateRequest) (integration.GrantResponse, error) {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return integration.GrantResponse{}, err
	}
	if req.TenantID == "" {
		// The old token names its tenant; its signature is checked with
		// that tenant's keys below, so an unverified read is enough here.
		var c tokenClaims
		if _, _, err := jwt.NewParser().ParseUnverified(req.IntegrationToken, &c); err == nil {
			req.TenantID = c.TenantID
		}
	}
	defaultTenant(user, &req.GrantRequest)
	if err := req.GrantRequest.Validate(); err != nil {
		return integration.GrantResponse{}, err
	}
	if err := grantable(user, req.Scopes); err != nil {
		return integration.GrantResponse{}, err
	}
	if err := e.tenantAdmin(ctx, user, req.TenantID); err != nil {
		return integration.GrantResponse{}, err
	}
	old, reason, err := e.parseToken(ctx, req.IntegrationToken, req.TenantID, false)
	if err != nil {
		return integration.GrantResponse{}, err
	}
	if reason != "" {
		return integration.GrantResponse{}, errInvalidToken
	}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		if revoked, err := tx.Revoked(ctx, req.TenantID, old.ID); err != nil || revoked {
			return cmpErr(err, errInvalidToken)
		}
		return tx.RevocationInsert(ctx, old.ID, req.TenantID, "rotated", user.ID, old.ExpiresAt.UnixMilli())
	})
	if err != nil {
		return integration.GrantResponse{}, err
	}
	return e.sign(ctx, user, req.GrantRequest)
}

func cmpErr(err error, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// RotateIntegrationKey replaces a tenant's signing key. Tokens signed with
// the old key stay verifiable until they expire: the old public key stays
// in the JWKS for the longest token lifetime.
func (e *Engine) RotateIntegrationKey(ctx context.Context, user User, req integration.KeyRotateRequest) (integration.KeyRotateResponse, error) {
	if err := user.Allow(auth.ScopeIntegrationsWrite); err != nil {
		return integration.KeyRotateResponse{}, err
	}
	if err := e.tenantAdmin(ctx, user, req.TenantID); err != nil {
		return integration.KeyRotateResponse{}, err
	}
	if err := e.rotationAllowed(ctx, req.TenantID); err != nil {
		return integration.KeyRotateResponse{}, err
	}
	kid, err := e.newTenantKey(ctx, req.TenantID, true)
	return integration.KeyRotateResponse{KeyID: kid}, err
}

// maxRetiredKeys bounds a tenant's retired keys still in its JWKS: every
// rotation generates an RSA key on the request's path and grows the public
// set that every verification reads, and a rotation is a rare event, not a
// loop.
const maxRetiredKeys = 10

// rotationAllowed refuses a rotation (429, with Retry-After) while
// maxRetiredKeys retired keys are still published, before an RSA key is
// generated for it; the rotation's write checks again (concurrent
// rotations all pass this read).
func (e *Engine) rotationAllowed(ctx context.Context, orgID string) error {
	return e.db.Read(ctx, func(tx *store.Tx) error { return e.rotationBound(ctx, tx, orgID) })
}

// rotationBound is rotationAllowed's check inside tx.
func (e *Engine) rotationBound(ctx context.Context, tx *store.Tx, orgID string) error {
	now := e.cfg.Clock.Now()
	keep := integration.MaxTokenTTL * time.Second
	keys, err := tx.TenantKeys(ctx, orgID, now.Add(-keep).UnixMilli())
	if err != nil {
		return err
	}
	var retired []int64
	for _, k := range keys {
		if k.RetiredAt != 0 {
			retired = append(retired, k.RetiredAt)
		}
	}
	if len(retired) < maxRetiredKeys {
		return nil
	}
	// The set shrinks below the bound when the oldest retirement that
	// keeps it there leaves the JWKS.
	slices.Sort(retired)
	leaves := time.UnixMilli(retired[len(retired)-maxRetiredKeys]).Add(keep)
	return &xerr.Error{Kind: xerr.RateLimited,
		Message:    fmt.Sprintf("at most %d retired keys are published at once; rotate again later", maxRetiredKeys),
		RetryAfter: max(leaves.Sub(now), time.Second)}
}

// JWK is one public key of a JWK Set (RFC 7517): integration.JWK.
type JWK = integration.JWK

// JWKS is a JWK Set: integration.JWKS.
type JWKS = integration.JWKS

// IntegrationJWKS returns a tenant's public keys: the active one and those
// rotated out whose tokens may still be valid. Public: an unknown tenant
// has an empty set, which reveals nothing.
func (e *Engine) IntegrationJWKS(ctx context.Context, tenantID string) (JWKS, error) {
	set := JWKS{Keys: []JWK{}}
	if err := requireTenant(tenantID); err != nil {
		return set, err
	}
	if !ids.Valid(tenantID) {
		return set, nil
	}
	k, err := e.loadTenantKeys(ctx, tenantID)
	if err != nil {
		return set, err
	}
	for _, kid := range k.order {
		pub := k.public[kid]
		set.Keys = append(set.Keys, JWK{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: kid,
			N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())})
	}
	return set, nil
}

// IntegrationFingerprint returns the SHA-256 (hex) of the tenant's active
// public key (PKIX DER). Public; NotFound when the tenant has no key yet.
func (e *Engine) IntegrationFingerprint(ctx context.Context, tenantID string) (integration.FingerprintResponse, error) {
	nf := &xerr.Error{Kind: xerr.NotFound, Message: "no integration key for this tenant"}
	if err := requireTenant(tenantID); err != nil {
		return integration.FingerprintResponse{}, err
	}
	if !ids.Valid(tenantID) {
		return integration.FingerprintResponse{}, nf
	}
	k, err := e.loadTenantKeys(ctx, tenantID)
	if err != nil {
		return integration.FingerprintResponse{}, err
	}
	if k.activeKID == "" {
		return integration.FingerprintResponse{}, nf
	}
	sum := sha256.Sum256(k.der[k.activeKID])
	return integration.FingerprintResponse{Fingerprint: hex.EncodeToString(sum[:]), KeyID: k.activeKID}, nil
}
