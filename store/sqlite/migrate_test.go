package sqlite

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xentree/xentree/store"
)

// reopen closes db and opens path again, migrated to the latest schema.
func reopen(t *testing.T, db *store.DB, path string) *store.DB {
	t.Helper()
	db.Close()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// 0009 rebuilds documents and chunks: every row survives, and an
// organization's document outlives the account that uploaded it while a
// personal one still goes with its owner.
func TestMigration0009KeepsDocumentsAndChunks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path, Options{schemaUpTo: 8})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SchemaVersion(ctx); v != 8 {
		t.Fatalf("schema %d, want 8", v)
	}
	for _, q := range []string{
		`INSERT INTO users (id, email, created_at, updated_at) VALUES ('u1', 'a@x', 0, 0), ('u2', 'b@x', 0, 0)`,
		`INSERT INTO organizations (id, name, slug, created_at, updated_at) VALUES ('o1', 'O', 'o', 0, 0)`,
		`INSERT INTO documents (id, user_id, org_id, title, content_type, size_bytes, chunk_count, created_at)
			VALUES ('d1', 'u1', NULL, 'mine', 'text/plain', 1, 1, 0), ('d2', 'u1', 'o1', 'org', 'text/plain', 1, 2, 0)`,
		`INSERT INTO chunks (id, document_id, position, text) VALUES ('c1', 'd1', 0, 'a'), ('c2', 'd2', 0, 'b'), ('c3', 'd2', 1, 'c')`,
	} {
		if err := db.ExecRaw(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db = reopen(t, db, path)
	count := func(q string) int {
		t.Helper()
		var n int
		err := db.Read(ctx, func(tx *Tx) error { return tx.QueryRowRaw(ctx, q).Scan(&n) })
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if d, c := count(`SELECT COUNT(*) FROM documents`), count(`SELECT COUNT(*) FROM chunks`); d != 2 || c != 3 {
		t.Fatalf("after migrating: %d documents, %d chunks; want 2, 3", d, c)
	}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.UserDelete(ctx, "u1") }); err != nil {
		t.Fatal(err)
	}
	if d, c := count(`SELECT COUNT(*) FROM documents WHERE id = 'd2' AND user_id IS NULL`), count(`SELECT COUNT(*) FROM chunks`); d != 1 || c != 2 {
		t.Fatalf("after deleting the uploader: org document kept %d, chunks %d; want 1, 2", d, c)
	}
	if n := count(`SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Fatalf("%d foreign key violations", n)
	}
}

// 0011 turns the outbox's document copies into references: a row queued by
// an older version keeps its place and gets its type from the old payload.
func TestMigration0011KeepsQueuedChangesAsReferences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path, Options{schemaUpTo: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ExecRaw(ctx, `INSERT INTO index_outbox (id, doc_id, op, payload, created_at) VALUES
		(1, 'm1', 'index', '{"id":"m1","type":"message","owner_id":"u1","body":"hi"}', 0),
		(2, 'm0', 'delete', NULL, 0),
		(3, 'x1', 'index', 'not json', 0)`); err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db, path)
	var ops []store.OutboxOp
	err = db.Read(ctx, func(tx *Tx) error { ops, err = tx.OutboxPending(ctx, 10); return err })
	if err != nil {
		t.Fatal(err)
	}
	want := []store.OutboxOp{{Seq: 1, DocID: "m1", Type: "message"}, {Seq: 2, DocID: "m0", Delete: true}, {Seq: 3, DocID: "x1"}}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("pending after migrating:\n got %+v\nwant %+v", ops, want)
	}
}

// 0016 drops the tenant column's foreign key (tenants may be users too):
// existing keys and revocations keep their tenant, and an organization's
// still go with it.
func TestMigration0016KeepsTenantKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path, Options{schemaUpTo: 15})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO organizations (id, name, slug, created_at, updated_at) VALUES ('o1', 'O', 'o', 0, 0)`,
		`INSERT INTO tenant_keys (kid, org_id, private_key, public_key, created_at) VALUES ('k1', 'o1', x'01', x'02', 5)`,
		`INSERT INTO integration_revocations (org_id, jti, reason, revoked_by, revoked_at, expires_at) VALUES ('o1', 'j1', 'r', 'u', 1, 2)`,
	} {
		if err := db.ExecRaw(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db = reopen(t, db, path)
	var keys []store.TenantKey
	var revoked bool
	err = db.Read(ctx, func(tx *Tx) error {
		if keys, err = tx.TenantKeys(ctx, "o1", 0); err != nil {
			return err
		}
		revoked, err = tx.Revoked(ctx, "o1", "j1")
		return err
	})
	if err != nil || len(keys) != 1 || keys[0].KID != "k1" || keys[0].TenantID != "o1" || !revoked {
		t.Fatalf("after migrating: keys %+v, revoked %v, %v", keys, revoked, err)
	}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.OrgDelete(ctx, "o1") }); err != nil {
		t.Fatal(err)
	}
	err = db.Read(ctx, func(tx *Tx) error {
		if keys, err = tx.TenantKeys(ctx, "o1", 0); err != nil {
			return err
		}
		revoked, err = tx.Revoked(ctx, "o1", "j1")
		return err
	})
	if err != nil || len(keys) != 0 || revoked {
		t.Fatalf("after deleting the organization: keys %+v, revoked %v, %v", keys, revoked, err)
	}
}
