-- Accounts, login sessions and the search index outbox.
-- Times are Unix milliseconds (UTC); ids are UUIDv7 text.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,          -- stored lower-cased
    username           TEXT UNIQUE COLLATE NOCASE,    -- optional
    password_hash      TEXT NOT NULL DEFAULT '',      -- '' for embedder-managed users
    full_name          TEXT NOT NULL DEFAULT '',
    timezone           TEXT NOT NULL DEFAULT 'UTC',
    preferred_language TEXT NOT NULL DEFAULT 'en',
    live_nickname      TEXT NOT NULL DEFAULT '',
    role               TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    plan               TEXT NOT NULL DEFAULT 'free',
    external_id        TEXT UNIQUE,                    -- the embedder's own id
    disabled           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- A login session: one chain of rotated refresh tokens. Revoking it ends the
-- access tokens that name it (their sid) at once.
CREATE TABLE auth_sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    revoke_reason TEXT
);
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);
CREATE INDEX auth_sessions_expiry ON auth_sessions(expires_at);

-- Every refresh token ever issued in a live session, by SHA-256. A used one
-- presented again is theft: the session is revoked.
CREATE TABLE refresh_tokens (
    hash       TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

-- Search index changes, written in the same transaction as the content they
-- describe and deleted once applied to Bleve.
CREATE TABLE index_outbox (
    id         INTEGER PRIMARY KEY, -- rowid: ids only grow while rows remain, which is all the indexer needs
    doc_id     TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('index', 'delete')),
    payload    BLOB,
    created_at INTEGER NOT NULL
);
