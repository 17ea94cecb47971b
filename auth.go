package xentree

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/internal/token"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

var errBadCredentials = &xerr.Error{Kind: xerr.Unauthenticated, Code: "invalid_credentials", Message: "incorrect email, username or password"}

func errTooManyAttempts(wait time.Duration) error {
	// Not "failed": the account counts attempts in flight too, so many
	// concurrent logins with the right password can meet it.
	return &xerr.Error{Kind: xerr.RateLimited, Message: "too many login attempts; try again later", RetryAfter: wait}
}

func errTooManyRequests(wait time.Duration) error {
	return &xerr.Error{Kind: xerr.RateLimited, Message: "too many requests; try again later", RetryAfter: wait}
}

func accountLimitKey(userID string) string { return "user:" + userID }

func errUnauthenticated(msg string) error {
	return &xerr.Error{Kind: xerr.Unauthenticated, Message: msg}
}

// Register creates an account with a password and returns its profile.
// Every attempt counts against Config.RegisterRateLimit for req.ClientIP.
func (e *Engine) Register(ctx context.Context, req auth.RegisterRequest) (auth.Profile, error) {
	if wait := e.registerByIP.Take(ctx, req.ClientIP); wait > 0 {
		return auth.Profile{}, errTooManyRequests(wait)
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		return auth.Profile{}, err
	}
	hash, err := e.hashPassword(ctx, req.Password)
	if err != nil {
		return auth.Profile{}, err
	}
	u := store.UserRow{
		Profile: auth.Profile{
			ID: ids.New(), Email: req.Email, Username: req.Username, FullName: req.FullName,
			Timezone: "UTC", PreferredLanguage: "en", Role: auth.RoleUser, Plan: "free",
		},
		PasswordHash: hash,
	}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		if err := e.checkUnique(ctx, tx, "", u.Email, u.Username); err != nil {
			return err
		}
		return tx.UserInsert(ctx, &u)
	})
	return u.Profile, err
}

// checkUnique reports a taken email or username as a Conflict on its field.
func (e *Engine) checkUnique(ctx context.Context, tx *store.Tx, selfID, email, username string) error {
	if email != "" {
		if other, err := tx.UserByEmail(ctx, email); err == nil && other.ID != selfID {
			return &xerr.Error{Kind: xerr.Conflict, Code: "email_taken", Field: "email", Message: "an account with this email already exists"}
		} else if err != nil && !xerr.Is(err, xerr.NotFound) {
			return err
		}
	}
	if username != "" {
		if other, err := tx.UserByUsername(ctx, username); err == nil && other.ID != selfID {
			return &xerr.Error{Kind: xerr.Conflict, Code: "username_taken", Field: "username", Message: "this username is taken"}
		} else if err != nil && !xerr.Is(err, xerr.NotFound) {
			return err
		}
	}
	return nil
}

// Login checks credentials and starts a session. An unknown account and a
// wrong password fail alike, in about the same time.
func (e *Engine) Login(ctx context.Context, req auth.LoginRequest) (auth.TokenResponse, error) {
	if err := req.Validate(); err != nil {
		return auth.TokenResponse{}, err
	}
	account := strings.ToLower(strings.TrimSpace(req.Username))
	// The address counts failures only: many people log in through one
	// address (an office, a proxy), and their logins in flight must not
	// refuse each other.
	if wait := e.loginByIP.Check(ctx, req.ClientIP); wait > 0 {
		return auth.TokenResponse{}, errTooManyAttempts(wait)
	}
	var u store.UserRow
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if strings.Contains(account, "@") {
			u, err = tx.UserByEmail(ctx, account)
		} else {
			u, err = tx.UserByUsername(ctx, account)
		}
		return err
	})
	if err != nil && !xerr.Is(err, xerr.NotFound) {
		return auth.TokenResponse{}, err
	}
	// Throttle by account, whichever name (email or username) is typed.
	limitKey := "name:" + account
	if err == nil {
		limitKey = accountLimitKey(u.ID)
	}
	// The account counts each attempt before its password is checked, or
	// a burst of concurrent guesses at it would all pass the limit before
	// the first failed; one that turns out not to be a failure is forgotten.
	wait, undoAccount := e.loginByAccount.Attempt(ctx, limitKey)
	if wait > 0 {
		return auth.TokenResponse{}, errTooManyAttempts(wait)
	}
	hash := u.PasswordHash
	if err != nil || hash == "" || u.Disabled {
		hash = e.dummy // same work as a real check, so timing reveals nothing
	}
	// The address is checked again once this check's turn to hash has
	// come, and a failure is counted before the turn passes on: a spray of
	// concurrent guesses at many accounts from one address all passed the
	// first check before any of them failed, and queued for the hash. Now
	// at most MaxConcurrentHashes-1 run past the limit.
	var ok bool
	verr := e.withHashSlot(ctx, func() error {
		if wait := e.loginByIP.Check(ctx, req.ClientIP); wait > 0 {
			return errTooManyAttempts(wait)
		}
		good, err := password.Verify(req.Password, hash)
		if err != nil {
			return xerr.Internalf(err, "verify password")
		}
		if ok = good && hash != e.dummy; !ok {
			e.loginByIP.Fail(ctx, req.ClientIP) // the account's attempt stays counted
		}
		return nil
	})
	if verr != nil { // the server's failure, the client gone, or the address's limit reached meanwhile
		undoAccount()
		return auth.TokenResponse{}, verr
	}
	if !ok {
		return auth.TokenResponse{}, errBadCredentials
	}
	e.loginByAccount.Reset(ctx, limitKey)
	return e.startSession(ctx, u)
}

func (e *Engine) startSession(ctx context.Context, u store.UserRow) (auth.TokenResponse, error) {
	sid, refresh := ids.New(), token.NewRefresh()
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		return tx.SessionInsert(ctx, sid, u.ID, token.Hash(refresh), tx.Now.Add(e.cfg.RefreshTokenTTL).UnixMilli())
	})
	if err != nil {
		return auth.TokenResponse{}, err
	}
	return e.tokens(u.ID, sid, refresh)
}

func (e *Engine) tokens(userID, sid, refresh string) (auth.TokenResponse, error) {
	access, _, err := e.signer.Issue(userID, sid, e.cfg.AccessTokenTTL)
	if err != nil {
		return auth.TokenResponse{}, xerr.Internalf(err, "sign access token")
	}
	return auth.TokenResponse{
		AccessToken: access, TokenType: "bearer", RefreshToken: refresh,
		ExpiresIn: int64(e.cfg.AccessTokenTTL / time.Second),
	}, nil
}

// Refresh rotates a refresh token: the old one stops working and a new pair
// is returned. Presenting an already rotated token revokes its whole session,
// since one of the two holders is a thief. Every attempt counts against
// Config.RefreshRateLimit for req.ClientIP.
func (e *Engine) Refresh(ctx context.Context, req auth.RefreshRequest) (auth.TokenResponse, error) {
	if wait := e.refreshByIP.Take(ctx, req.ClientIP); wait > 0 {
		return auth.TokenResponse{}, errTooManyRequests(wait)
	}
	if req.RefreshToken == "" {
		return auth.TokenResponse{}, xerr.InvalidField("refresh_token", "is required")
	}
	if len(req.RefreshToken) > 256 {
		return auth.TokenResponse{}, errUnauthenticated("invalid refresh token")
	}
	oldHash, refresh := token.Hash(req.RefreshToken), token.NewRefresh()
	var t store.RefreshToken
	var reused bool
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		reused = false // fn runs again when a PostgreSQL store retries it
		var err error
		if t, err = tx.RefreshByHash(ctx, oldHash); err != nil {
			return err
		}
		now := tx.NowMillis()
		switch {
		case t.RevokedAt != 0 || t.Disabled || t.ExpiresAt <= now:
			return errUnauthenticated("invalid refresh token")
		case t.UsedAt != 0:
			reused = true
			return tx.SessionRevoke(ctx, t.ID, "refresh_token_reuse")
		}
		return tx.RefreshRotate(ctx, t.ID, oldHash, token.Hash(refresh), tx.Now.Add(e.cfg.RefreshTokenTTL).UnixMilli())
	})
	if xerr.Is(err, xerr.NotFound) {
		return auth.TokenResponse{}, errUnauthenticated("invalid refresh token")
	}
	if err != nil {
		return auth.TokenResponse{}, err
	}
	if reused {
		e.tell(ctx, noticeSession, t.ID)
		e.log.Warn("refresh token reused: session revoked", "session_id", t.ID, "user_id", t.UserID)
		return auth.TokenResponse{}, errUnauthenticated("invalid refresh token")
	}
	return e.tokens(t.UserID, t.ID, refresh)
}

// Logout ends the caller's session: its access and refresh tokens stop
// working at once. A refresh token in req, if it belongs to another session
// of the same user, ends that session too.
func (e *Engine) Logout(ctx context.Context, user User, req auth.LogoutRequest) error {
	if user.SessionID == "" {
		return xerr.New(xerr.Forbidden, "logout needs a session (bearer token)")
	}
	var ended []string
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		ended = []string{user.SessionID} // fn runs again when a PostgreSQL store retries it
		if req.RefreshToken != "" && len(req.RefreshToken) <= 256 {
			t, err := tx.RefreshByHash(ctx, token.Hash(req.RefreshToken))
			if err == nil && t.UserID == user.ID && t.ID != user.SessionID {
				if err := tx.SessionRevoke(ctx, t.ID, "logout"); err != nil {
					return err
				}
				ended = append(ended, t.ID)
			} else if err != nil && !xerr.Is(err, xerr.NotFound) {
				return err
			}
		}
		return tx.SessionRevoke(ctx, user.SessionID, "logout")
	})
	if err != nil {
		return err
	}
	for _, sid := range ended {
		e.tell(ctx, noticeSession, sid)
	}
	return nil
}

// Authenticate turns an access token into the User it was issued to. It runs
// on every request: signature and expiry are checked in memory and the
// session's state comes from a small cache, so it rarely touches the store.
func (e *Engine) Authenticate(ctx context.Context, accessToken string) (User, error) {
	c, err := e.signer.Verify(accessToken)
	if err != nil {
		return User{}, errUnauthenticated("invalid or expired access token")
	}
	now := e.cfg.Clock.Now()
	s, ok := e.sessions.get(c.SessionID, now)
	if ok && !s.revoked && !e.cachesTrusted() {
		ok = false // a revocation is final; anything else is re-read
	}
	if !ok {
		gen := e.sessions.generation() // a revoke during the read below must win
		var row store.SessionRow
		err := e.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			row, err = tx.SessionByID(ctx, c.SessionID)
			return err
		})
		if xerr.Is(err, xerr.NotFound) {
			return User{}, errUnauthenticated("session has ended")
		}
		if err != nil {
			return User{}, err
		}
		// A revocation is final; a disabled account may be enabled again,
		// so that state follows the cache's TTL like any other.
		s = cachedSession{userID: row.UserID, role: row.Role, revoked: row.RevokedAt != 0, disabled: row.Disabled, loaded: now}
		e.sessions.put(c.SessionID, s, gen)
	}
	if s.revoked || s.disabled || s.userID != c.Subject {
		return User{}, errUnauthenticated("session has ended")
	}
	return User{ID: s.userID, Role: s.role, SessionID: c.SessionID}, nil
}

// Me returns the caller's profile.
func (e *Engine) Me(ctx context.Context, user User) (auth.Profile, error) {
	if err := user.sessionOnly(); err != nil {
		return auth.Profile{}, err
	}
	var u store.UserRow
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByID(ctx, user.ID)
		return err
	})
	return u.Profile, err
}

// UpdateMe changes the caller's profile. A password change needs the current
// password and ends every other session of the user.
func (e *Engine) UpdateMe(ctx context.Context, user User, req auth.UpdateMeRequest) (auth.Profile, error) {
	if err := user.sessionOnly(); err != nil {
		return auth.Profile{}, err
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		return auth.Profile{}, err
	}
	var newHash string
	if req.NewPassword != "" {
		var current string
		err := e.db.Read(ctx, func(tx *store.Tx) error {
			u, err := tx.UserByID(ctx, user.ID)
			current = u.PasswordHash
			return err
		})
		if err != nil {
			return auth.Profile{}, err
		}
		if current == "" {
			return auth.Profile{}, xerr.New(xerr.Forbidden, "this account signs in through its application and has no password")
		}
		// A stolen access token must not become a password oracle: wrong
		// current passwords count against the account like failed logins.
		limitKey := accountLimitKey(user.ID)
		wait, undo := e.loginByAccount.Attempt(ctx, limitKey) // counted up front, as a login is
		if wait > 0 {
			return auth.Profile{}, errTooManyAttempts(wait)
		}
		ok, err := e.verifyPassword(ctx, req.CurrentPassword, current)
		if err != nil {
			undo()
			return auth.Profile{}, err
		}
		if !ok {
			return auth.Profile{}, xerr.InvalidField("current_password", "is incorrect")
		}
		undo()
		if newHash, err = e.hashPassword(ctx, req.NewPassword); err != nil {
			return auth.Profile{}, err
		}
	}
	var u store.UserRow
	var ended []string
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.UserByID(ctx, user.ID); err != nil {
			return err
		}
		if req.Username != nil && !strings.EqualFold(*req.Username, u.Username) {
			if err := e.checkUnique(ctx, tx, u.ID, "", *req.Username); err != nil {
				return err
			}
		}
		before := u
		setIf(&u.FullName, req.FullName)
		setIf(&u.Username, req.Username)
		setIf(&u.Timezone, req.Timezone)
		setIf(&u.PreferredLanguage, req.PreferredLanguage)
		if u == before && newHash == "" {
			return nil // nothing changes, updated_at included
		}
		if newHash != "" {
			u.PasswordHash = newHash
			if ended, err = tx.SessionRevokeUser(ctx, u.ID, user.SessionID, "password_changed"); err != nil {
				return err
			}
		}
		return tx.UserUpdate(ctx, &u)
	})
	if err != nil {
		return auth.Profile{}, err
	}
	for _, sid := range ended {
		e.tell(ctx, noticeSession, sid)
	}
	return u.Profile, nil
}

func setIf(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

// EnsureUser returns the User for an account the embedding application
// manages itself, creating it on first use. externalID is the application's
// own stable user id; the account has no password and cannot log in through
// the REST API. Every Engine method works for it but those that need a
// password or a session: Logout and a password change in UpdateMe are
// KindForbidden. For an existing externalID, email is not updated; an email
// another account has (one registered over REST, say) is KindConflict
// email_taken.
func (e *Engine) EnsureUser(ctx context.Context, externalID, email string) (User, error) {
	externalID = strings.TrimSpace(externalID)
	if externalID == "" || len(externalID) > auth.MaxExternalID {
		return User{}, xerr.InvalidField("external_id", "must be 1 to 200 characters")
	}
	email = auth.NormalizeEmail(email)
	if err := auth.ValidateEmail("email", email); err != nil {
		return User{}, err
	}
	var u store.UserRow
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByExternalID(ctx, externalID)
		if err == nil || !xerr.Is(err, xerr.NotFound) {
			return err
		}
		if err := e.checkUnique(ctx, tx, "", email, ""); err != nil {
			return err
		}
		u = store.UserRow{
			Profile: auth.Profile{ID: ids.New(), Email: email, Timezone: "UTC", PreferredLanguage: "en",
				Role: auth.RoleUser, Plan: "free"},
			ExternalID: externalID,
		}
		return tx.UserInsert(ctx, &u)
	})
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return User{}, xerr.New(xerr.Forbidden, "account is disabled")
	}
	return User{ID: u.ID, Role: u.Role}, nil
}

// SetUserRole makes an account an instance admin or a plain user. It is an
// operator method: it takes no principal and is meant for trusted code such
// as the CLI.
func (e *Engine) SetUserRole(ctx context.Context, userID, role string) error {
	if role != auth.RoleUser && role != auth.RoleAdmin {
		return xerr.InvalidField("role", "must be user or admin")
	}
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		u.Role = role
		return tx.UserUpdate(ctx, &u)
	})
	e.tell(ctx, noticeUser, userID)
	return err
}

// SetUserDisabled disables or re-enables an account (operator method). A
// disabled account cannot log in, and disabling ends its sessions and
// deletes the API keys it created, at once in this process (other
// processes: within SessionCacheTTL): re-enabling it (after a compromise,
// say) brings none of them back.
func (e *Engine) SetUserDisabled(ctx context.Context, userID string, disabled bool) error {
	var ended []string
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		u.Disabled = disabled
		if err := tx.UserUpdate(ctx, &u); err != nil || !disabled {
			return err
		}
		if ended, err = tx.SessionRevokeUser(ctx, userID, "", "disabled"); err != nil {
			return err
		}
		return tx.APIKeyDeleteCreatedBy(ctx, userID)
	})
	e.tell(ctx, noticeUser, userID)
	if err == nil && disabled {
		for _, sid := range ended {
			e.tell(ctx, noticeSession, sid)
		}
		e.tell(ctx, noticeKeysOfUser, userID)
	}
	return err
}

// FindUserByEmail returns an account's profile by email (operator method).
func (e *Engine) FindUserByEmail(ctx context.Context, email string) (auth.Profile, error) {
	var u store.UserRow
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByEmail(ctx, auth.NormalizeEmail(email))
		return err
	})
	return u.Profile, err
}

// PurgeExpired deletes what no longer matters: login sessions whose
// refresh tokens expired more than a day ago, revocations of integration
// tokens that have expired anyway, integration keys and revocations of
// tenants that are gone (a node of the previous version deletes an
// organization without them), and on PostgreSQL the rate-limit events that
// no longer count. The janitor calls it hourly.
func (e *Engine) PurgeExpired(ctx context.Context) error {
	return e.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.SessionPurge(ctx, tx.Now.Add(-24*time.Hour).UnixMilli()); err != nil {
			return err
		}
		if err := tx.RevocationPurge(ctx, tx.NowMillis()); err != nil {
			return err
		}
		if err := tx.TenantOrphansPurge(ctx); err != nil {
			return err
		}
		if !e.db.Postgres() {
			return nil // SQLite's rate limits live in memory
		}
		return tx.RatePurge(ctx)
	})
}

func (e *Engine) hashPassword(ctx context.Context, pw string) (h string, err error) {
	err = e.withHashSlot(ctx, func() error {
		h = password.Hash(pw, e.cfg.Password)
		return nil
	})
	return h, err
}

// verifyPassword checks pw against hash once a hashing slot is free
// (MaxConcurrentHashes).
func (e *Engine) verifyPassword(ctx context.Context, pw, hash string) (ok bool, err error) {
	err = e.withHashSlot(ctx, func() error {
		if ok, err = password.Verify(pw, hash); err != nil {
			return xerr.Internalf(err, "verify password")
		}
		return nil
	})
	return ok, err
}

// withHashSlot runs fn holding one of the MaxConcurrentHashes slots.
func (e *Engine) withHashSlot(ctx context.Context, fn func() error) error {
	if err := e.acquireHash(ctx); err != nil {
		return err
	}
	defer func() { <-e.hashSem }()
	return fn()
}

func (e *Engine) acquireHash(ctx context.Context) error {
	return acquire(ctx, e.hashSem, "request cancelled while waiting to check a password")
}

// acquire takes a slot of sem, the bound on some costly work running at
// once, waiting at most as long as ctx; a caller gone meanwhile is
// Unavailable with msg. Release the slot with <-sem.
func acquire(ctx context.Context, sem chan struct{}, msg string) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return xerr.Wrap(xerr.Unavailable, ctx.Err(), msg)
	}
}

// sessionCache holds recent session states for Authenticate.
type sessionCache struct {
	mu  sync.RWMutex
	m   map[string]cachedSession
	ttl time.Duration
	gen uint64 // bumped by every revoke, forget and clear; guarded by mu
}

type cachedSession struct {
	userID   string
	role     string
	revoked  bool
	disabled bool
	loaded   time.Time
}

const maxCachedSessions = 100_000

func (c *sessionCache) init(ttl time.Duration) {
	c.m = make(map[string]cachedSession)
	c.ttl = ttl
}

func (c *sessionCache) get(sid string, now time.Time) (cachedSession, bool) {
	c.mu.RLock()
	s, ok := c.m[sid]
	c.mu.RUnlock()
	// A revoked session stays revoked: no need to re-read it.
	if ok && !s.revoked && now.Sub(s.loaded) >= c.ttl {
		return s, false
	}
	return s, ok
}

func (c *sessionCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches s unless a revoke or forget came since generation gen was
// read: s may then be a state that no longer holds.
func (c *sessionCache) put(sid string, s cachedSession, gen uint64) {
	c.mu.Lock()
	if c.gen != gen {
		c.mu.Unlock()
		return
	}
	if len(c.m) >= maxCachedSessions {
		clear(c.m) // crude but bounded; the cache refills from the store
	}
	c.m[sid] = s
	c.mu.Unlock()
}

// clear drops every cached session.
func (c *sessionCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

func (c *sessionCache) revoke(sid string) {
	c.mu.Lock()
	s := c.m[sid]
	s.revoked = true
	c.m[sid] = s
	c.gen++
	c.mu.Unlock()
}

// forgetUser drops a user's cached sessions so the next request re-reads
// them (after a role change or a disable).
func (c *sessionCache) forgetUser(userID string) {
	c.mu.Lock()
	for sid, s := range c.m {
		if s.userID == userID {
			delete(c.m, sid)
		}
	}
	c.gen++
	c.mu.Unlock()
}
