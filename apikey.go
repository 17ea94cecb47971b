package xentree

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/token"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/store"
)

var (
	errKeyNotFound  = &xerr.Error{Kind: xerr.NotFound, Message: "API key not found"}
	errKeyInvalid   = &xerr.Error{Kind: xerr.Unauthenticated, Code: "invalid_api_key", Message: "invalid API key"}
	errKeyExpired   = &xerr.Error{Kind: xerr.Unauthenticated, Code: "api_key_expired", Message: "API key has expired"}
	errKeyIPRefused = &xerr.Error{Kind: xerr.Forbidden, Code: "ip_not_allowed", Message: "API key may not be used from this address"}
)

// keyPrefixLen is how much of a key is kept in clear to tell keys apart.
const keyPrefixLen = len(token.APIKeyPrefix) + 8

// lastUsedEvery is how stale last_used_at may get: recording every use
// would turn each authenticated read into a write.
const lastUsedEvery = time.Minute

// CreateAPIKey creates an API key for an organization the caller belongs to.
// The key is in the answer and nowhere else: only its SHA-256 is stored.
// The key acts as the caller, so it never has more power than the caller's
// role in the organization. Bearer sessions only.
func (e *Engine) CreateAPIKey(ctx context.Context, user User, req org.CreateKeyRequest) (org.APIKey, error) {
	if err := user.sessionOnly(); err != nil {
		return org.APIKey{}, err
	}
	req.Normalize()
	if err := req.Validate(e.cfg.Clock.Now()); err != nil {
		return org.APIKey{}, err
	}
	raw := token.NewAPIKey()
	k := store.APIKeyRow{Hash: token.Hash(raw), APIKey: org.APIKey{
		ID: ids.New(), Name: req.Name, OrganizationID: req.OrganizationID, Prefix: raw[:keyPrefixLen],
		Scopes: req.Scopes, AllowedIPs: req.AllowedIPs, ExpiresAt: req.ExpiresAt, CreatedBy: user.ID,
	}}
	if k.AllowedIPs == nil {
		k.AllowedIPs = []string{}
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := membership(ctx, tx, user, req.OrganizationID); err != nil {
			return err
		}
		return tx.APIKeyInsert(ctx, &k)
	})
	k.Key = raw
	return k.APIKey, err
}

// ListAPIKeys returns the keys the caller may see, newest first: all keys
// of organizations the caller administers or owns, and the caller's own
// keys elsewhere. orgID narrows the list to one organization ("" for all).
func (e *Engine) ListAPIKeys(ctx context.Context, user User, orgID string, p Page) (List[org.APIKey], error) {
	if err := user.sessionOnly(); err != nil {
		return List[org.APIKey]{}, err
	}
	after, limit, err := e.page(p)
	if err != nil {
		return List[org.APIKey]{}, err
	}
	if orgID != "" && !ids.Valid(orgID) {
		return List[org.APIKey]{}, xerr.InvalidField("organization_id", "is not an id")
	}
	var rows []store.APIKeyRow
	err = e.db.Read(ctx, func(tx *store.Tx) error {
		rows, err = tx.APIKeyList(ctx, user.ID, orgID, after, limit+1)
		return err
	})
	keys := make([]org.APIKey, len(rows))
	for i, r := range rows {
		keys[i] = r.APIKey
	}
	return makeList(keys, limit, func(k org.APIKey) cursor.Position {
		return cursor.Position{Key: k.CreatedAt.Millis(), ID: k.ID}
	}), err
}

// DeleteAPIKey deletes a key; it stops working at once. Its creator and the
// organization's admins and owners may delete it; to anyone else it does
// not exist.
func (e *Engine) DeleteAPIKey(ctx context.Context, user User, keyID string) error {
	if err := user.sessionOnly(); err != nil {
		return err
	}
	if !ids.Valid(keyID) {
		return errKeyNotFound
	}
	var hash string
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		k, err := tx.APIKeyGet(ctx, keyID)
		if err != nil {
			return notFoundAs(err, errKeyNotFound)
		}
		m, err := tx.MembershipGet(ctx, k.OrganizationID, user.ID)
		if err != nil {
			return notFoundAs(err, errKeyNotFound)
		}
		if k.CreatedBy != user.ID && org.Rank(m.Role) < org.Rank(org.RoleAdmin) {
			return errKeyNotFound
		}
		hash = k.Hash
		return tx.APIKeyDelete(ctx, keyID)
	})
	if err == nil {
		e.tell(ctx, noticeKey, hash)
	}
	return err
}

// AuthenticateAPIKey turns an X-API-Key value, used from address ip, into
// the User the key acts as: its creator, within the key's organization,
// limited to its scopes. It runs on every key-authenticated request, so the
// key's state is cached briefly; deleting a key or changing its creator's
// membership clears the cache at once.
func (e *Engine) AuthenticateAPIKey(ctx context.Context, key, ip string) (User, error) {
	if !token.IsAPIKey(key) {
		return User{}, errKeyInvalid
	}
	// The cache and the store are both looked up by the key's SHA-256, so
	// lookup timing reveals nothing about stored keys (see token.Hash).
	sum := sha256.Sum256([]byte(key)) // the cache key; hex (token.Hash) only for the store
	now := e.cfg.Clock.Now()
	k := e.keys.get(sum, now)
	if !e.cachesTrusted() {
		k = nil
	}
	if k == nil {
		gen := e.keys.generation() // a forget during the read below must win
		hash := hex.EncodeToString(sum[:])
		var row store.APIKeyAuth
		err := e.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			row, err = tx.APIKeyByHash(ctx, hash)
			return err
		})
		if xerr.Is(err, xerr.NotFound) {
			return User{}, errKeyInvalid
		}
		if err != nil {
			return User{}, err
		}
		allow, err := org.ParseAllowList(row.AllowedIPs)
		if err != nil {
			return User{}, xerr.Internalf(err, "stored allow-list of key %s", row.ID)
		}
		k = &cachedKey{
			user: User{ID: row.CreatedBy, Role: row.UserRole, APIKeyID: row.ID,
				OrgID: row.OrganizationID, Scopes: row.Scopes},
			disabled: row.Disabled, allow: allow, loaded: now,
		}
		if row.ExpiresAt != nil {
			k.expires = row.ExpiresAt.Time
		}
		if row.LastUsedAt != nil {
			k.lastUsed.Store(row.LastUsedAt.Millis())
		}
		e.keys.put(sum, k, gen)
	}
	switch {
	case k.disabled:
		return User{}, errKeyInvalid
	case !k.expires.IsZero() && !now.Before(k.expires):
		return User{}, errKeyExpired
	case !k.allow.Allows(ip):
		return User{}, errKeyIPRefused
	}
	if last := k.lastUsed.Load(); now.UnixMilli()-last >= lastUsedEvery.Milliseconds() &&
		k.lastUsed.CompareAndSwap(last, now.UnixMilli()) {
		// One request a minute per key pays for the write; the others see
		// the swapped value and skip it.
		if err := e.db.Write(ctx, func(tx *store.Tx) error { return tx.APIKeyTouch(ctx, k.user.APIKeyID) }); err != nil {
			e.log.Warn("record API key use", "key_id", k.user.APIKeyID, "err", err)
		}
	}
	return k.user, nil
}

// keyCache holds recently used keys by hash for AuthenticateAPIKey.
type keyCache struct {
	mu  sync.RWMutex
	m   map[[sha256.Size]byte]*cachedKey
	ttl time.Duration
	gen uint64 // bumped by every forget; guarded by mu
}

type cachedKey struct {
	user     User
	disabled bool
	expires  time.Time // zero: never
	allow    org.AllowList
	loaded   time.Time
	lastUsed atomic.Int64 // Unix ms
}

const maxCachedKeys = 100_000

func (c *keyCache) init(ttl time.Duration) {
	c.m = make(map[[sha256.Size]byte]*cachedKey)
	c.ttl = ttl
}

func (c *keyCache) get(hash [sha256.Size]byte, now time.Time) *cachedKey {
	c.mu.RLock()
	k := c.m[hash]
	c.mu.RUnlock()
	if k == nil || now.Sub(k.loaded) >= c.ttl {
		return nil
	}
	return k
}

func (c *keyCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches k unless something was forgotten since generation gen was
// read: k may then describe a key or membership that no longer exists.
func (c *keyCache) put(hash [sha256.Size]byte, k *cachedKey, gen uint64) {
	c.mu.Lock()
	if c.gen != gen {
		c.mu.Unlock()
		return
	}
	if len(c.m) >= maxCachedKeys {
		clear(c.m) // bounded; the cache refills from the store
	}
	c.m[hash] = k
	c.mu.Unlock()
}

// forget drops a key by its stored (hex) hash.
func (c *keyCache) forget(hash string) {
	var sum [sha256.Size]byte
	if n, err := hex.Decode(sum[:], []byte(hash)); err != nil || n != len(sum) {
		return
	}
	c.mu.Lock()
	delete(c.m, sum)
	c.gen++
	c.mu.Unlock()
}

// clear drops every cached key.
func (c *keyCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

// forgetWhere drops the cached keys that match, so their next use re-reads
// the store.
func (c *keyCache) forgetWhere(match func(*cachedKey) bool) {
	c.mu.Lock()
	for h, k := range c.m {
		if match(k) {
			delete(c.m, h)
		}
	}
	c.gen++
	c.mu.Unlock()
}

// forgetUser drops the keys a user created (their membership or account changed).
func (c *keyCache) forgetUser(userID string) {
	c.forgetWhere(func(k *cachedKey) bool { return k.user.ID == userID })
}

// forgetOrg drops an organization's keys (it was deleted).
func (c *keyCache) forgetOrg(orgID string) {
	c.forgetWhere(func(k *cachedKey) bool { return k.user.OrgID == orgID })
}
