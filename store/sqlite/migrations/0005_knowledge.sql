-- The knowledge base: documents (a user's own, or an organization's) and
-- their chunks, the unit of retrieval and citation.

CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, -- the uploader
    org_id       TEXT REFERENCES organizations(id) ON DELETE CASCADE,  -- NULL: the uploader's own
    title        TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    chunk_count  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX documents_user ON documents(user_id, created_at) WHERE org_id IS NULL;
CREATE INDEX documents_org ON documents(org_id, created_at) WHERE org_id IS NOT NULL;

CREATE TABLE chunks (
    id          TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    heading     TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL
);
CREATE UNIQUE INDEX chunks_document ON chunks(document_id, position);
