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
	noticeUser       = "u" // an account changed (role, disabled, deleted): its sessions, keys and personal tenant's token keys
	noticeKeysOfUser = "k" // a user's role or membership changed: the API keys they created
	noticeKey        = "h" // an API key was deleted: by its stored hash
	noticeOrg        = "o" // an organization was deleted: its API keys and token keys
	noticeTenant     = "t" // a tenant's integration-token keys changed
)

// tell forgets what the notice kind:id names in this node's caches and
// in every other node's.
func (e *Engine) tell(ctx context.Context, kind, id string) {
	e.applyNotice(kind + ":" + id)
	e.publish(ctx, kind, id)
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
		e.tenants.forget(id)
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

// listenForNotices applies other nodes' notices until ctx ends.
func (e *Engine) listenForNotices(ctx context.Context) {
	defer e.bg.Done()
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
