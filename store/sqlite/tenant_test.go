package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/store"
)

// Integration keys name their tenant without a foreign key (it may be an
// organization or a user): a key for a tenant that is gone is refused, and
// the keys and revocations of tenants deleted without them (by a node of
// the previous version) are purged.
func TestTenantRowsFollowTheirTenant(t *testing.T) {
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO users (id, email, created_at, updated_at) VALUES ('u1', 'a@x', 0, 0)`,
		`INSERT INTO organizations (id, name, slug, created_at, updated_at) VALUES ('o1', 'O', 'o', 0, 0)`,
		`INSERT INTO tenant_keys (kid, org_id, private_key, public_key, created_at) VALUES ('gone', 'o-gone', x'01', x'02', 0)`,
		`INSERT INTO integration_revocations (org_id, jti, reason, revoked_by, revoked_at, expires_at) VALUES ('o-gone', 'j', '', '', 0, 9999999999999)`,
	} {
		if err := db.ExecRaw(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	err = db.Write(ctx, func(tx *Tx) error {
		for _, tenant := range []string{"u1", "o1"} {
			if err := tx.TenantKeyInsert(ctx, &store.TenantKey{KID: "k-" + tenant, TenantID: tenant, PrivateKey: []byte{1}, PublicKey: []byte{2}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("keys for a user and an organization: %v", err)
	}
	err = db.Write(ctx, func(tx *Tx) error {
		return tx.TenantKeyInsert(ctx, &store.TenantKey{KID: "k-x", TenantID: "nobody", PrivateKey: []byte{1}, PublicKey: []byte{2}})
	})
	if xerr.KindOf(err) != xerr.NotFound {
		t.Fatalf("a key for no tenant: %v", err)
	}
	if err := db.Write(ctx, func(tx *Tx) error { return tx.TenantOrphansPurge(ctx) }); err != nil {
		t.Fatal(err)
	}
	var keys, revocations int
	err = db.Read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowRaw(ctx, `SELECT COUNT(*) FROM tenant_keys`).Scan(&keys); err != nil {
			return err
		}
		return tx.QueryRowRaw(ctx, `SELECT COUNT(*) FROM integration_revocations`).Scan(&revocations)
	})
	if err != nil || keys != 2 || revocations != 0 {
		t.Fatalf("after the purge: %d keys (want the user's and the organization's), %d revocations, %v", keys, revocations, err)
	}
}
