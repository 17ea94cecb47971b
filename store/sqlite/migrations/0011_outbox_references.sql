-- The outbox holds a reference to the changed row (its type and id), not a
-- copy of the search document: the indexer reads the row when it applies the
-- change, through the same query a rebuild uses. Before, every message body
-- was written twice (row and payload), and the two descriptions of a search
-- document could drift apart.
ALTER TABLE index_outbox ADD COLUMN doc_type TEXT;
-- Rows queued by an older version name their type in the payload.
UPDATE index_outbox SET doc_type = json_extract(payload, '$.type')
    WHERE op = 'index' AND json_valid(payload);
ALTER TABLE index_outbox DROP COLUMN payload;
