// Package token issues and verifies access tokens (HS256 JWTs with sub, sid,
// jti, exp) and makes opaque refresh tokens, of which only a SHA-256 hash is
// ever stored.
package token

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/xentree/xentree/internal/ids"
)

// Claims are the access token's claims.
type Claims struct {
	Subject   string `json:"sub"`
	SessionID string `json:"sid"`
	ID        string `json:"jti"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
}

// ErrInvalid covers every way a token can be unusable; callers do not learn which.
var ErrInvalid = errors.New("token: invalid")

// Signer signs and verifies access tokens with one HMAC key.
type Signer struct {
	key    []byte
	parser *jwt.Parser
	now    func() time.Time

	// verified remembers tokens whose signature checked out, so the token
	// sent with every request is parsed once, not per request. Expiry is
	// still checked on every use.
	mu       sync.RWMutex
	verified map[string]Claims
}

// maxVerified bounds the cache; when full it is emptied and refills.
const maxVerified = 50_000

// NewSigner returns a Signer. now supplies the time for expiry checks.
func NewSigner(key []byte, now func() time.Time) *Signer {
	return &Signer{
		key: key,
		now: now,
		// Only HS256 is accepted: no "none", no algorithm confusion.
		parser:   jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation()),
		verified: map[string]Claims{},
	}
}

// Issue signs an access token for user sub in session sid, valid for ttl.
func (s *Signer) Issue(sub, sid string, ttl time.Duration) (string, Claims, error) {
	now := s.now()
	c := Claims{Subject: sub, SessionID: sid, ID: ids.New(), IssuedAt: now.Unix(), ExpiresAt: now.Add(ttl).Unix()}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(s.key)
	return tok, c, err
}

// Verify checks signature, algorithm and expiry and returns the claims.
func (s *Signer) Verify(raw string) (Claims, error) {
	var c Claims
	if len(raw) == 0 || len(raw) > 4096 {
		return c, ErrInvalid
	}
	s.mu.RLock()
	c, hit := s.verified[raw]
	s.mu.RUnlock()
	if !hit {
		if _, err := s.parser.ParseWithClaims(raw, &c, s.keyFunc); err != nil {
			return Claims{}, ErrInvalid
		}
		if c.Subject == "" || c.SessionID == "" || c.ExpiresAt == 0 {
			return Claims{}, ErrInvalid
		}
		s.mu.Lock()
		if len(s.verified) >= maxVerified {
			clear(s.verified)
		}
		s.verified[raw] = c
		s.mu.Unlock()
	}
	if s.now().Unix() >= c.ExpiresAt {
		return Claims{}, ErrInvalid
	}
	return c, nil
}

func (s *Signer) keyFunc(*jwt.Token) (any, error) { return s.key, nil }

// GetExpirationTime and the rest implement jwt.Claims; validation is done in
// Verify against the injected clock instead.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *Claims) GetIssuer() (string, error)                   { return "", nil }
func (c *Claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// NewRefresh returns a new opaque refresh token (256 random bits).
func NewRefresh() string { return ids.Secret(32) }

// Hash returns the storage form of an opaque token. Refresh tokens, API
// keys and OAuth states are only ever looked up by this hash (a database
// index, a map), never compared as presented, so no constant-time compare is
// needed: timing a lookup tells an attacker about the SHA-256 of their own
// guess, which says nothing about a stored token.
func Hash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// APIKeyPrefix starts every API key, so a leaked key is recognisable.
const APIKeyPrefix = "xntr-"

// APIKeyLen is the length of an API key: the prefix and 64 random bytes in
// unpadded base64url (86 characters).
const APIKeyLen = len(APIKeyPrefix) + 86

// NewAPIKey returns a new API key.
func NewAPIKey() string { return APIKeyPrefix + ids.Secret(64) }

// IsAPIKey reports whether s has the shape of an API key, so malformed
// input is refused before any lookup.
func IsAPIKey(s string) bool {
	if len(s) != APIKeyLen || s[:len(APIKeyPrefix)] != APIKeyPrefix {
		return false
	}
	for i := len(APIKeyPrefix); i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
