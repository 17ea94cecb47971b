package store

import (
	"context"
	"database/sql"

	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/knowledge"
	"github.com/xentree/xentree/xtime"
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

// OutboxIndexChunks queues every chunk of document docID for indexing, in
// position order, in one statement: as OutboxIndex for each would.
func (tx *Tx) OutboxIndexChunks(ctx context.Context, docID string) error {
	tx.outbox = true
	_, err := tx.exec(ctx, `INSERT INTO index_outbox (doc_id, op, doc_type, created_at)
		SELECT id, 'index', ?, ? FROM chunks WHERE document_id = ? ORDER BY position`, knowledge.TypeChunk, tx.NowMillis(), docID)
	return mapErr(err)
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

// ChunkToEmbed is a chunk without a vector of the current model: its id and
// the text to embed (its title and heading path, then its text).
type ChunkToEmbed struct {
	ID   string
	Text string
}

const chunkToEmbedSel = `SELECT c.id, d.title, c.heading, c.text FROM chunks c JOIN documents d ON d.id = c.document_id
	LEFT JOIN chunk_vectors v ON v.chunk_id = c.id WHERE (v.chunk_id IS NULL OR v.model <> ?)`

func scanChunkToEmbed(row interface{ Scan(...any) error }) (ChunkToEmbed, error) {
	var c ChunkToEmbed
	var title, heading, text string
	err := row.Scan(&c.ID, &title, &heading, &text)
	c.Text = knowledge.ChunkTitle(title, heading) + "\n" + text
	return c, err
}

// ChunksToEmbed returns up to limit chunks, in id order after afterID,
// that have no vector of model: a scan of the whole table, page by page.
func (tx *Tx) ChunksToEmbed(ctx context.Context, model, afterID string, limit int) ([]ChunkToEmbed, error) {
	return queryAll(ctx, tx, chunkToEmbedSel+` AND c.id > ? ORDER BY c.id LIMIT ?`, []any{model, afterID, limit}, scanChunkToEmbed)
}

// ChunksToEmbedByID returns, of the chunks ids, those that have no vector
// of model. Ids of other rows, or of chunks gone, are left out.
func (tx *Tx) ChunksToEmbedByID(ctx context.Context, model string, ids []string) ([]ChunkToEmbed, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, args := inList([]any{model}, ids)
	return queryAll(ctx, tx, chunkToEmbedSel+` AND c.id IN `+list+` ORDER BY c.id`, args, scanChunkToEmbed)
}

// ChunkVectorPut stores a chunk's vector of model (vector.Encode), replacing
// any other; a chunk deleted meanwhile is skipped.
func (tx *Tx) ChunkVectorPut(ctx context.Context, chunkID, model string, vec []byte) error {
	_, err := tx.exec(ctx, `INSERT INTO chunk_vectors (chunk_id, scope, document_id, model, vector)
		SELECT c.id, CASE WHEN d.org_id IS NULL THEN 'u:' || d.user_id ELSE 'o:' || d.org_id END, d.id, ?, ?
		FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?
		ON CONFLICT (chunk_id) DO UPDATE SET model = excluded.model, vector = excluded.vector`, model, vec, chunkID)
	return mapErr(err)
}

// VectorScope is what a vector search may look in, as the text search's
// scope: OwnerID's own documents and OrgIDs' documents (at least one of
// them), narrowed to DocumentIDs when set; only vectors of Model count.
type VectorScope struct {
	Model       string
	OwnerID     string
	OrgIDs      []string
	DocumentIDs []string
}

// ChunkVectors calls fn with the id and encoded vector of every chunk in
// scope that has a vector of s.Model; vec is valid only during the call. It
// reads each of them: the cost of a vector search grows with the caller's
// chunks.
func (tx *Tx) ChunkVectors(ctx context.Context, s VectorScope, fn func(chunkID string, vec []byte) error) error {
	var scopes []string
	if s.OwnerID != "" {
		scopes = append(scopes, "u:"+s.OwnerID)
	}
	for _, o := range s.OrgIDs {
		scopes = append(scopes, "o:"+o)
	}
	if len(scopes) == 0 {
		return nil // no scope, nothing visible
	}
	list, args := inList(nil, scopes)
	q := `SELECT chunk_id, vector FROM chunk_vectors WHERE scope IN ` + list + ` AND model = ?`
	args = append(args, s.Model)
	if len(s.DocumentIDs) > 0 {
		list, args = inList(args, s.DocumentIDs)
		q += ` AND document_id IN ` + list
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var vec sql.RawBytes // no copy: fn reads it before the next row
		if err := rows.Scan(&id, &vec); err != nil {
			return mapErr(err)
		}
		if err := fn(id, vec); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}
