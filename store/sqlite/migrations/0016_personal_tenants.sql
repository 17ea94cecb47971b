-- Integration tokens may be a user's own (a personal tenant, named by the
-- user's id) as well as an organization's, so that the docs' grant example,
-- which names no tenant, works for every user. tenant_keys and
-- integration_revocations name their tenant in tenant_id, without a foreign
-- key: the engine deletes a tenant's rows with its organization or user.
CREATE TABLE tenant_keys_new (
    kid         TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL, -- an organization's id, or a user's for a personal tenant
    private_key BLOB NOT NULL, -- PKCS #8, sealed
    public_key  BLOB NOT NULL, -- PKIX DER
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER        -- set when rotated out; public until its tokens have expired
);
INSERT INTO tenant_keys_new (kid, tenant_id, private_key, public_key, created_at, retired_at)
    SELECT kid, org_id, private_key, public_key, created_at, retired_at FROM tenant_keys;
DROP TABLE tenant_keys;
ALTER TABLE tenant_keys_new RENAME TO tenant_keys;
CREATE INDEX tenant_keys_tenant ON tenant_keys(tenant_id, created_at);

CREATE TABLE integration_revocations_new (
    tenant_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    revoked_by TEXT NOT NULL,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, -- when the token would expire anyway: the row may go then
    PRIMARY KEY (tenant_id, jti)
) WITHOUT ROWID;
INSERT INTO integration_revocations_new (tenant_id, jti, reason, revoked_by, revoked_at, expires_at)
    SELECT org_id, jti, reason, revoked_by, revoked_at, expires_at FROM integration_revocations;
DROP TABLE integration_revocations;
ALTER TABLE integration_revocations_new RENAME TO integration_revocations;
CREATE INDEX integration_revocations_tenant_revoked ON integration_revocations(tenant_id, revoked_at, jti);
