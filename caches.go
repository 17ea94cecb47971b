package xentree

import (
	"context"
	"strings"
)

// Authenticate, AuthenticateAPIKey and the integration-token keys cache
// what they read for a few seconds (Config.SessionCacheTTL), and whoever
// changes the underlying rows forgets the entries at once. On PostgreSQL
// the change may come from another node, so every forget is also sent to
// every node (NOTIFY on cacheChannel) and each node applies what it hears.
// A node trusts its caches only while it is listening: until LISTEN is in
// effect, and from the moment its connection fails until it is back (when
// everything cached is dropped, since notices sent meanwhile were missed),
// every check reads the database.

// cacheChannel is the PostgreSQL notification channel of cache notices.
const cacheChannel = "xentree_cache"

// The kinds of a cache notice, "kind:id".
const (
	noticeSession    = "s" // a session was revoked
	noticeUser       = "u" // an account changed (role, disabled, deleted): its sessions and keys
	noticeKeysOfUser = "k" // a user's role or membership changed: the API keys they created
	noticeKey        = "h" // an API key was deleted: by its stored hash
	noticeOrg        = "o" // an organization was deleted: its API keys and token keys
	noticeTenant     = "t" // an organization's integration-token keys changed
)

// revokeSession marks a revoked session in every node's cache.
func (e *Engine) revokeSession(ctx context.Context, sid string) {
	e.applyNotice(noticeSession + ":" + sid)
	e.publish(ctx, noticeSession, sid)
}

// forgetUser drops a user's cached sessions and keys on every node.
func (e *Engine) forgetUser(ctx context.Context, userID string) {
	e.applyNotice(noticeUser + ":" + userID)
	e.publish(ctx, noticeUser, userID)
}

// forgetKeysOfUser drops the cached API keys a user created, on every node.
func (e *Engine) forgetKeysOfUser(ctx context.Context, userID string) {
	e.applyNotice(noticeKeysOfUser + ":" + userID)
	e.publish(ctx, noticeKeysOfUser, userID)
}

// forgetKey drops one cached API key, by its stored hash, on every node.
func (e *Engine) forgetKey(ctx context.Context, hash string) {
	e.applyNotice(noticeKey + ":" + hash)
	e.publish(ctx, noticeKey, hash)
}

// forgetOrg drops an organization's cached keys and token keys on every node.
func (e *Engine) forgetOrg(ctx context.Context, orgID string) {
	e.applyNotice(noticeOrg + ":" + orgID)
	e.publish(ctx, noticeOrg, orgID)
}

// forgetTenant drops an organization's cached token keys on every node.
func (e *Engine) forgetTenant(ctx context.Context, orgID string) {
	e.applyNotice(noticeTenant + ":" + orgID)
	e.publish(ctx, noticeTenant, orgID)
}

// publish tells the other nodes of a PostgreSQL deployment. It is sent
// after the change committed; should it fail, they trust their entry for
// at most SessionCacheTTL.
func (e *Engine) publish(ctx context.Context, kind, id string) {
	if !e.db.Postgres() {
		return
	}
	if err := e.db.Notify(context.WithoutCancel(ctx), cacheChannel, kind+":"+id); err != nil {
		e.log.Error("cache notice not sent: other nodes may trust a stale entry for up to SessionCacheTTL",
			"kind", kind, "err", err)
	}
}

// applyNotice forgets what a notice names in this process's caches.
func (e *Engine) applyNotice(payload string) {
	kind, id, ok := strings.Cut(payload, ":")
	if !ok || id == "" {
		return
	}
	switch kind {
	case noticeSession:
		e.sessions.revoke(id)
	case noticeUser:
		e.sessions.forgetUser(id)
		e.keys.forgetUser(id)
	case noticeKeysOfUser:
		e.keys.forgetUser(id)
	case noticeKey:
		e.keys.forget(id)
	case noticeOrg:
		e.keys.forgetOrg(id)
		e.tenants.forget(id)
	case noticeTenant:
		e.tenants.forget(id)
	}
}

// cachesTrusted reports whether a cached entry may be used: always on
// SQLite; on PostgreSQL while this node hears other nodes' notices.
func (e *Engine) cachesTrusted() bool { return !e.db.Postgres() || e.listening.Load() }

// listenForNotices applies other nodes' notices until the engine stops.
func (e *Engine) listenForNotices() {
	defer e.bg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-e.stop
		cancel()
	}()
	e.db.Listen(ctx, cacheChannel, e.applyNotice, func(up bool) {
		if up {
			// Notices sent while this node was not listening were missed.
			e.sessions.clear()
			e.keys.clear()
			e.tenants.clear()
		}
		e.listening.Store(up)
	})
}
