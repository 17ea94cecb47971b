-- A chat exchange (a question and its answer) appended under a client's
-- idempotency key: a retried or reconnected request with the same key
-- replays the stored exchange instead of appending it twice. Messages are
-- only ever deleted with their conversation, which takes these rows too, so
-- the message ids need no foreign keys (whose checks would cost a lookup
-- here for every message a conversation's deletion removes).
CREATE TABLE chat_exchanges (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    question_id     TEXT NOT NULL,
    answer_id       TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, idempotency_key)
) WITHOUT ROWID;
