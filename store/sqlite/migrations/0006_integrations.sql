-- Third-party integrations (OAuth grants, sealed) and integration tokens
-- (per-organization RS256 keys, sealed private halves; revocations).

-- A started OAuth flow: single use, ten minutes. Only the state's hash is
-- kept; the PKCE verifier is sealed.
CREATE TABLE oauth_states (
    state_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider     TEXT NOT NULL,
    verifier     BLOB NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states(expires_at);

CREATE TABLE integrations (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'needs_reauth')),
    account_email TEXT NOT NULL DEFAULT '',
    scopes        TEXT NOT NULL, -- space-separated
    token         BLOB NOT NULL, -- the OAuth token as JSON, sealed (AES-256-GCM)
    connected_at  INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (user_id, provider)
) WITHOUT ROWID;

CREATE TABLE tenant_keys (
    kid         TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    private_key BLOB NOT NULL, -- PKCS #8, sealed
    public_key  BLOB NOT NULL, -- PKIX DER
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER        -- set when rotated out; public until its tokens have expired
);
CREATE INDEX tenant_keys_org ON tenant_keys(org_id, created_at);

CREATE TABLE integration_revocations (
    jti        TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    reason     TEXT NOT NULL DEFAULT '',
    revoked_by TEXT NOT NULL,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL -- when the token would expire anyway: the row may go then
);
