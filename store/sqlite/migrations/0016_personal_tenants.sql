-- Integration tokens may be a user's own (a personal tenant, named by the
-- user's id) as well as an organization's, so that the docs' grant example,
-- which names no tenant, works for every user. tenant_keys and
-- integration_revocations lose their foreign key to organizations: org_id
-- now holds a tenant's id, an organization's or a user's (the column keeps
-- its name so that the previous version's nodes keep working on the
-- migrated PostgreSQL schema; store/postgres has the twin), and the engine
-- deletes a tenant's rows with its organization or user.
CREATE TABLE tenant_keys_new (
    kid         TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL, -- the tenant: an organization's id, or a user's
    private_key BLOB NOT NULL, -- PKCS #8, sealed
    public_key  BLOB NOT NULL, -- PKIX DER
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER        -- set when rotated out; public until its tokens have expired
);
INSERT INTO tenant_keys_new (kid, org_id, private_key, public_key, created_at, retired_at)
    SELECT kid, org_id, private_key, public_key, created_at, retired_at FROM tenant_keys;
DROP TABLE tenant_keys;
ALTER TABLE tenant_keys_new RENAME TO tenant_keys;
CREATE INDEX tenant_keys_org ON tenant_keys(org_id, created_at);

CREATE TABLE integration_revocations_new (
    org_id     TEXT NOT NULL, -- the tenant: an organization's id, or a user's
    jti        TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    revoked_by TEXT NOT NULL,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, -- when the token would expire anyway: the row may go then
    PRIMARY KEY (org_id, jti)
) WITHOUT ROWID;
INSERT INTO integration_revocations_new (org_id, jti, reason, revoked_by, revoked_at, expires_at)
    SELECT org_id, jti, reason, revoked_by, revoked_at, expires_at FROM integration_revocations;
DROP TABLE integration_revocations;
ALTER TABLE integration_revocations_new RENAME TO integration_revocations;
CREATE INDEX integration_revocations_org_revoked ON integration_revocations(org_id, revoked_at, jti);
