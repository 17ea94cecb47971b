-- Conversations, their messages, notes and learning sessions.

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    source        TEXT NOT NULL DEFAULT '',
    message_count INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) WITHOUT ROWID; -- small rows keyed by a time-ordered UUID: one B-tree instead of two
-- The list: a user's conversations, most recently updated first (keyset).
CREATE INDEX conversations_user_updated ON conversations(user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id                TEXT PRIMARY KEY,
    conversation_id   TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content           TEXT NOT NULL,
    provider          TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL DEFAULT '',
    incomplete        INTEGER NOT NULL DEFAULT 0,
    citations         TEXT,                 -- JSON array, NULL when none
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    created_at        INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at, id);

CREATE TABLE notes (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id TEXT REFERENCES conversations(id) ON DELETE SET NULL,
    title           TEXT NOT NULL DEFAULT '',
    content         TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX notes_user_updated ON notes(user_id, updated_at DESC, id DESC);
CREATE INDEX notes_conversation ON notes(conversation_id);

CREATE TABLE conversation_sessions (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    started_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    ended_at         INTEGER,
    active_ms        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversation_sessions_conversation ON conversation_sessions(conversation_id, started_at DESC, id DESC);
-- At most one active session per conversation, enforced by the store.
CREATE UNIQUE INDEX conversation_sessions_one_active ON conversation_sessions(conversation_id) WHERE ended_at IS NULL;
