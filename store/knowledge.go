package store

import (
	"context"

	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/internal/xtime"
	"github.com/xentree/xentree/knowledge"
)

// DocumentRow is a stored document with its uploader.
type DocumentRow struct {
	knowledge.Document
	UserID string
}

// DocumentInsert stores d (CreatedAt set to tx.Now) and its chunks.
func (tx *Tx) DocumentInsert(ctx context.Context, d *DocumentRow, chunkIDs []string, chunks []knowledge.Chunk) error {
	d.CreatedAt = xtime.Of(tx.Now)
	if _, err := tx.exec(ctx, `INSERT INTO documents (id, user_id, org_id, title, content_type, size_bytes, chunk_count, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, d.UserID, nullString(d.OrganizationID), d.Title, d.ContentType,
		d.SizeBytes, d.ChunkCount, tx.NowMillis()); err != nil {
		return mapErr(err)
	}
	for i, c := range chunks {
		if _, err := tx.exec(ctx, `INSERT INTO chunks (id, document_id, position, heading, text) VALUES (?, ?, ?, ?, ?)`,
			chunkIDs[i], d.ID, c.Position, c.Heading, c.Text); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

const documentCols = `d.id, d.title, d.content_type, d.size_bytes, d.chunk_count, COALESCE(d.org_id, ''), d.created_at, COALESCE(d.user_id, '')`

func scanDocument(row interface{ Scan(...any) error }) (DocumentRow, error) {
	var d DocumentRow
	var created int64
	err := row.Scan(&d.ID, &d.Title, &d.ContentType, &d.SizeBytes, &d.ChunkCount, &d.OrganizationID, &created, &d.UserID)
	d.CreatedAt = xtime.FromMillis(created)
	return d, err
}

// visibleDoc is the condition for documents userID may read: their own, and
// those of organizations they belong to (only onlyOrg's, when set).
func visibleDoc(userID, onlyOrg string) (string, []any) {
	if onlyOrg != "" {
		return `((d.org_id IS NULL AND d.user_id = ?) OR (d.org_id = ? AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = d.org_id AND m.user_id = ?)))`,
			[]any{userID, onlyOrg, userID}
	}
	return `((d.org_id IS NULL AND d.user_id = ?) OR d.org_id IN (SELECT org_id FROM memberships WHERE user_id = ?))`,
		[]any{userID, userID}
}

// DocumentGet returns document id if userID may read it (their own, or an
// organization's they belong to, limited to onlyOrg when set), or NotFound.
func (tx *Tx) DocumentGet(ctx context.Context, userID, onlyOrg, id string) (DocumentRow, error) {
	cond, args := visibleDoc(userID, onlyOrg)
	d, err := scanDocument(tx.queryRow(ctx, `SELECT `+documentCols+` FROM documents d WHERE d.id = ? AND `+cond,
		append([]any{id}, args...)...))
	return d, mapErr(err)
}

// DocumentList returns documents newest first: with orgID, that
// organization's (the caller's membership is checked by the Engine);
// without, the user's own.
func (tx *Tx) DocumentList(ctx context.Context, userID, orgID string, after *cursor.Position, limit int) ([]DocumentRow, error) {
	q := `SELECT ` + documentCols + ` FROM documents d WHERE d.org_id IS NULL AND d.user_id = ?`
	args := []any{userID}
	if orgID != "" {
		q = `SELECT ` + documentCols + ` FROM documents d WHERE d.org_id = ?`
		args = []any{orgID}
	}
	q, args = docsByNewest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanDocument)
}

// DocumentDelete deletes a document with its chunks and returns the chunk
// ids, whose index entries must go.
func (tx *Tx) DocumentDelete(ctx context.Context, id string) ([]string, error) {
	chunkIDs, err := queryAll(ctx, tx, `SELECT id FROM chunks WHERE document_id = ?`, []any{id}, scanString)
	if err != nil {
		return nil, err
	}
	res, err := tx.exec(ctx, `DELETE FROM documents WHERE id = ?`, id)
	return chunkIDs, mustAffect(res, err)
}

// OrgChunkIDs returns the ids of every chunk of orgID's documents, whose
// index entries must go when the organization does.
func (tx *Tx) OrgChunkIDs(ctx context.Context, orgID string) ([]string, error) {
	return queryAll(ctx, tx, `SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.org_id = ?`,
		[]any{orgID}, scanString)
}

func scanString(row interface{ Scan(...any) error }) (string, error) {
	var s string
	return s, row.Scan(&s)
}

// VisibleChunk is a chunk a search hit named, as its reader may see it.
type VisibleChunk struct {
	DocumentID string
	Title      string
	Heading    string
	Text       string
	CreatedAt  int64
}

// VisibleChunks returns, of the chunks ids, those userID may read (limited
// to their own and onlyOrg's documents when onlyOrg is set).
func (tx *Tx) VisibleChunks(ctx context.Context, userID, onlyOrg string, ids []string) (map[string]VisibleChunk, error) {
	out := make(map[string]VisibleChunk, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cond, args := visibleDoc(userID, onlyOrg)
	list, args := inList(args, ids)
	rows, err := tx.query(ctx, `SELECT c.id, d.id, d.title, c.heading, c.text, d.created_at FROM chunks c
		JOIN documents d ON d.id = c.document_id WHERE `+cond+` AND c.id IN `+list, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v VisibleChunk
		if err := rows.Scan(&id, &v.DocumentID, &v.Title, &v.Heading, &v.Text, &v.CreatedAt); err != nil {
			return nil, mapErr(err)
		}
		out[id] = v
	}
	return out, mapErr(rows.Err())
}

// chunkSource reads knowledge chunks with their document's title and owner:
// an organization's chunk has no owning user.
var chunkSource = sourceQuery{
	sel: `SELECT c.id, CASE WHEN d.org_id IS NULL THEN d.user_id ELSE '' END, COALESCE(d.org_id, ''),
		d.id, d.title, c.heading, c.text, d.created_at, c.position FROM chunks c JOIN documents d ON d.id = c.document_id`,
	id: "c.id",
	scan: func(row interface{ Scan(...any) error }) (SearchSource, error) {
		s := SearchSource{Type: knowledge.TypeChunk}
		var heading string
		err := row.Scan(&s.ID, &s.UserID, &s.OrgID, &s.ParentID, &s.Title, &heading, &s.Body, &s.CreatedAt, &s.Position)
		s.Title = knowledge.ChunkTitle(s.Title, heading)
		return s, err
	},
}
