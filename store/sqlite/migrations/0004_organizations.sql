-- Organizations, their teams and members, and the API keys they own.

CREATE TABLE organizations (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    slug         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    member_count INTEGER NOT NULL DEFAULT 0, -- kept in the transactions that add and remove members
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX teams_org_name ON teams(org_id, name COLLATE NOCASE);

-- One row per member. team_id always names a team of the same organization:
-- the Engine checks it, and deleting the team clears it.
CREATE TABLE memberships (
    org_id    TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'member')),
    team_id   TEXT REFERENCES teams(id) ON DELETE SET NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships(user_id, org_id);
CREATE INDEX memberships_joined ON memberships(org_id, joined_at, user_id);
CREATE INDEX memberships_team ON memberships(team_id) WHERE team_id IS NOT NULL;

-- API keys: only the SHA-256 of the key is kept, with a short prefix for display.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    name         TEXT NOT NULL,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes       TEXT NOT NULL, -- space-separated
    allowed_ips  TEXT NOT NULL DEFAULT '', -- space-separated addresses and CIDR prefixes
    expires_at   INTEGER,
    last_used_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX api_keys_org ON api_keys(org_id, created_at);
CREATE INDEX api_keys_creator ON api_keys(created_by, created_at);
