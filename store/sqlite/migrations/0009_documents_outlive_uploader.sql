-- An organization's documents belong to the organization: deleting the
-- account that uploaded one must not delete it. documents.user_id becomes
-- nullable (ON DELETE SET NULL); a personal document (org_id NULL) is still
-- deleted with its owner, by the Engine, before the user row goes.
--
-- SQLite cannot alter a foreign key, so both tables are rebuilt. chunks is
-- rebuilt first against documents_new: dropping the old documents then has
-- no child rows to cascade to, and the renames carry the reference along.
CREATE TABLE documents_new (
    id           TEXT PRIMARY KEY,
    user_id      TEXT REFERENCES users(id) ON DELETE SET NULL,        -- the uploader; NULL once deleted
    org_id       TEXT REFERENCES organizations(id) ON DELETE CASCADE, -- NULL: the uploader's own
    title        TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    chunk_count  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
INSERT INTO documents_new (id, user_id, org_id, title, content_type, size_bytes, chunk_count, created_at)
    SELECT id, user_id, org_id, title, content_type, size_bytes, chunk_count, created_at FROM documents;

CREATE TABLE chunks_new (
    id          TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents_new(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    heading     TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL
);
INSERT INTO chunks_new (id, document_id, position, heading, text)
    SELECT id, document_id, position, heading, text FROM chunks;

DROP TABLE chunks;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
ALTER TABLE chunks_new RENAME TO chunks;

CREATE INDEX documents_user ON documents(user_id, created_at) WHERE org_id IS NULL;
CREATE INDEX documents_org ON documents(org_id, created_at) WHERE org_id IS NOT NULL;
CREATE UNIQUE INDEX chunks_document ON chunks(document_id, position);
