-- Xentree Live: metered sessions, monthly usage and transcripts.

CREATE TABLE live_sessions (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_type      TEXT NOT NULL CHECK (session_type IN ('voice', 'avatar')),
    started_at        INTEGER NOT NULL,
    last_heartbeat_at INTEGER NOT NULL, -- charged up to here
    ended_at          INTEGER,
    end_reason        TEXT,
    charged_ms        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX live_sessions_user ON live_sessions(user_id, started_at DESC);
-- One active session per user, enforced by the store.
CREATE UNIQUE INDEX live_sessions_one_active ON live_sessions(user_id) WHERE ended_at IS NULL;
-- The reaper's scan: active sessions by silence.
CREATE INDEX live_sessions_silent ON live_sessions(last_heartbeat_at) WHERE ended_at IS NULL;

-- Charged time per user and calendar month (UTC), e.g. period '2026-04'.
CREATE TABLE live_usage (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    period  TEXT NOT NULL,
    used_ms INTEGER NOT NULL CHECK (used_ms >= 0),
    PRIMARY KEY (user_id, period)
) WITHOUT ROWID;

CREATE TABLE live_transcripts (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id         TEXT REFERENCES live_sessions(id) ON DELETE SET NULL,
    session_started_at INTEGER NOT NULL,
    session_ended_at   INTEGER NOT NULL,
    turn_count         INTEGER NOT NULL,
    preview            TEXT NOT NULL,
    turns              TEXT NOT NULL, -- JSON array of turns
    created_at         INTEGER NOT NULL
);
CREATE INDEX live_transcripts_user ON live_transcripts(user_id, created_at DESC, id DESC);
