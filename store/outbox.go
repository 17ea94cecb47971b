package store

import (
	"context"
	"database/sql"
)

// OutboxOp is one pending change to the search index.
type OutboxOp struct {
	Seq    int64
	DocID  string
	Type   string // the row's searchable type (SearchSources); "" for a delete
	Delete bool
}

// OutboxIndex queues the row docID of searchable type typ for indexing, in
// the caller's transaction, so the index entry exists exactly when the
// content was committed. The outbox holds the reference only: the indexer
// reads the row as committed when it applies the change (SearchSourcesByID).
func (tx *Tx) OutboxIndex(ctx context.Context, typ, docID string) error {
	tx.outbox = true
	_, err := tx.exec(ctx, `INSERT INTO index_outbox (doc_id, op, doc_type, created_at) VALUES (?, 'index', ?, ?)`,
		docID, typ, tx.NowMillis())
	return mapErr(err)
}

// OutboxDelete queues the removal of docID from the index.
func (tx *Tx) OutboxDelete(ctx context.Context, docID string) error {
	tx.outbox = true
	_, err := tx.exec(ctx, `INSERT INTO index_outbox (doc_id, op, created_at) VALUES (?, 'delete', ?)`,
		docID, tx.NowMillis())
	return mapErr(err)
}

// OutboxPending returns up to limit pending operations, oldest first.
func (tx *Tx) OutboxPending(ctx context.Context, limit int) ([]OutboxOp, error) {
	rows, err := tx.query(ctx, `SELECT id, doc_id, op, COALESCE(doc_type, '') FROM index_outbox ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var ops []OutboxOp
	for rows.Next() {
		var op OutboxOp
		var kind string
		if err := rows.Scan(&op.Seq, &op.DocID, &kind, &op.Type); err != nil {
			return nil, mapErr(err)
		}
		op.Delete = kind == "delete"
		ops = append(ops, op)
	}
	return ops, mapErr(rows.Err())
}

// OutboxAck deletes the applied operations done (read by OutboxPending).
// On SQLite they are every row up to the last one's id, as ids only grow in
// commit order there (one writer); on PostgreSQL an id is taken at insert
// and a transaction holding a smaller one may commit later, so exactly the
// applied rows go.
func (db *DB) OutboxAck(ctx context.Context, done []OutboxOp) error {
	if len(done) == 0 {
		return nil
	}
	return db.Write(ctx, func(tx *Tx) error {
		if !tx.pg {
			_, err := tx.exec(ctx, `DELETE FROM index_outbox WHERE id <= ?`, done[len(done)-1].Seq)
			return err
		}
		seqs := make([]int64, len(done))
		for i, op := range done {
			seqs[i] = op.Seq
		}
		_, err := tx.exec(ctx, `DELETE FROM index_outbox WHERE id = ANY(?)`, seqs)
		return err
	})
}

// OutboxStats returns how many operations are pending and when the oldest was queued (0 if none).
func (db *DB) OutboxStats(ctx context.Context) (pending int64, oldest int64, err error) {
	var o sql.NullInt64
	err = db.Read(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT COUNT(*), MIN(created_at) FROM index_outbox`).Scan(&pending, &o)
	})
	return pending, o.Int64, mapErr(err)
}

// HasSearchable reports whether the database holds any searchable content,
// so a missing index can be told from a new data folder.
func (db *DB) HasSearchable(ctx context.Context) (bool, error) {
	var n int
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM conversations) OR EXISTS (SELECT 1 FROM notes)
			OR EXISTS (SELECT 1 FROM live_transcripts) OR EXISTS (SELECT 1 FROM chunks) THEN 1 ELSE 0 END`).Scan(&n)
	})
	return n != 0, mapErr(err)
}
