-- Integration-token revocations belong to their tenant: keyed by (org_id,
-- jti), so one organization cannot revoke, or pre-empt the revocation of,
-- another's token by naming its jti.
CREATE TABLE integration_revocations_new (
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    jti        TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    revoked_by TEXT NOT NULL,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, jti)
) WITHOUT ROWID;
INSERT INTO integration_revocations_new (org_id, jti, reason, revoked_by, revoked_at, expires_at)
    SELECT org_id, jti, reason, revoked_by, revoked_at, expires_at FROM integration_revocations;
DROP TABLE integration_revocations;
ALTER TABLE integration_revocations_new RENAME TO integration_revocations;
