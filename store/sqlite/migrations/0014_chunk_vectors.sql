-- Embedding vectors of knowledge chunks, for hybrid search when an
-- embeddings provider is configured (Config.AI.Embeddings). Derived data,
-- like the search index: computed by the indexer after a chunk is stored,
-- and again when the configured model changes. One vector per chunk; it goes
-- with its chunk.
--
-- A search reads every vector in the caller's scope, so the scope and the
-- document are kept beside the vector: the scan reads this table alone,
-- never the chunks' text. A document never changes scope (a personal
-- document goes with its owner; an organization's stays the organization's).
CREATE TABLE chunk_vectors (
    chunk_id    TEXT PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    scope       TEXT NOT NULL, -- 'u:' || user id for a personal document, 'o:' || org id for an organization's
    document_id TEXT NOT NULL,
    model       TEXT NOT NULL, -- ai.Embedder.Model(): vectors of another model are never compared
    vector      BLOB NOT NULL  -- little-endian float32s, scaled to unit length
);
CREATE INDEX chunk_vectors_scope ON chunk_vectors(scope, model);
