-- The newest-first list indexes become ascending. SQLite reads an index
-- backwards as cheaply as forwards, so every newest-first list keeps its
-- index seek (store tests check the plans), but inserts change: new rows
-- carry the largest time, which in a DESC index is the left end. SQLite's
-- fast path for a full leaf only covers appends on the right; an insert on
-- the left rebalances three sibling pages. Measured on the conversation
-- list index with the real schema: 1.8 pages written per insert DESC,
-- 1.2 ascending, a quarter of a create's commit.
DROP INDEX conversations_user_updated;
CREATE INDEX conversations_user_updated ON conversations(user_id, updated_at, id);
DROP INDEX notes_user_updated;
CREATE INDEX notes_user_updated ON notes(user_id, updated_at, id);
DROP INDEX conversation_sessions_conversation;
CREATE INDEX conversation_sessions_conversation ON conversation_sessions(conversation_id, started_at, id);
DROP INDEX live_sessions_user;
CREATE INDEX live_sessions_user ON live_sessions(user_id, started_at);
DROP INDEX live_transcripts_user;
CREATE INDEX live_transcripts_user ON live_transcripts(user_id, created_at, id);
