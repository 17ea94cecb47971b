package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/xtime"
)

// OAuthState is a started OAuth flow.
type OAuthState struct {
	StateHash   string
	UserID      string
	Provider    string
	Verifier    []byte // sealed
	RedirectURI string
	ExpiresAt   int64
}

// OAuthStateInsert records a started flow.
func (tx *Tx) OAuthStateInsert(ctx context.Context, s OAuthState) error {
	_, err := tx.exec(ctx, `INSERT INTO oauth_states (state_hash, user_id, provider, verifier, redirect_uri, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.StateHash, s.UserID, s.Provider, s.Verifier, s.RedirectURI, s.ExpiresAt)
	return mapErr(err)
}

// OAuthStateTake deletes and returns a flow's state: a state is used once,
// whatever the outcome. NotFound if there is none.
func (tx *Tx) OAuthStateTake(ctx context.Context, stateHash string) (OAuthState, error) {
	s := OAuthState{StateHash: stateHash}
	err := tx.queryRow(ctx, `DELETE FROM oauth_states WHERE state_hash = ? RETURNING user_id, provider, verifier, redirect_uri, expires_at`,
		stateHash).Scan(&s.UserID, &s.Provider, &s.Verifier, &s.RedirectURI, &s.ExpiresAt)
	return s, mapErr(err)
}

// OAuthStatePurge deletes flows that expired before now.
func (tx *Tx) OAuthStatePurge(ctx context.Context, now int64) error {
	_, err := tx.exec(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, now)
	return mapErr(err)
}

// IntegrationRow is a stored integration with its sealed token.
type IntegrationRow struct {
	integration.Integration
	UserID string
	Token  []byte
}

// IntegrationUpsert stores a connection, replacing an earlier one.
func (tx *Tx) IntegrationUpsert(ctx context.Context, r *IntegrationRow) error {
	r.ConnectedAt = xtime.Of(tx.Now)
	_, err := tx.exec(ctx, `INSERT INTO integrations (user_id, provider, status, account_email, scopes, token, connected_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id, provider) DO UPDATE SET status = excluded.status, account_email = excluded.account_email,
			scopes = excluded.scopes, token = excluded.token, connected_at = excluded.connected_at, updated_at = excluded.updated_at`,
		r.UserID, r.Provider, r.Status, r.AccountEmail, strings.Join(r.Scopes, " "), r.Token, tx.NowMillis(), tx.NowMillis())
	return mapErr(err)
}

func scanIntegration(row interface{ Scan(...any) error }) (IntegrationRow, error) {
	var r IntegrationRow
	var scopes string
	var connected int64
	err := row.Scan(&r.UserID, &r.Provider, &r.Status, &r.AccountEmail, &scopes, &r.Token, &connected)
	r.Scopes = strings.Fields(scopes)
	if r.Scopes == nil {
		r.Scopes = []string{}
	}
	r.ConnectedAt = xtime.FromMillis(connected)
	return r, err
}

const integrationCols = `user_id, provider, status, account_email, scopes, token, connected_at`

// IntegrationGet returns a user's connection to provider, or NotFound.
func (tx *Tx) IntegrationGet(ctx context.Context, userID, provider string) (IntegrationRow, error) {
	r, err := scanIntegration(tx.queryRow(ctx, `SELECT `+integrationCols+` FROM integrations WHERE user_id = ? AND provider = ?`, userID, provider))
	return r, mapErr(err)
}

// IntegrationList returns a user's connections.
func (tx *Tx) IntegrationList(ctx context.Context, userID string) ([]IntegrationRow, error) {
	return queryAll(ctx, tx, `SELECT `+integrationCols+` FROM integrations WHERE user_id = ? ORDER BY provider`, []any{userID}, scanIntegration)
}

// IntegrationSetToken replaces the sealed token (after a refresh; nil keeps
// it) and the status, if the stored token is still old: a reconnect that
// happened meanwhile wins, and this is NotFound.
func (tx *Tx) IntegrationSetToken(ctx context.Context, userID, provider, status string, old, token []byte) error {
	res, err := tx.exec(ctx, `UPDATE integrations SET status = ?, token = COALESCE(?, token), updated_at = ?
		WHERE user_id = ? AND provider = ? AND token = ?`, status, token, tx.NowMillis(), userID, provider, old)
	return mustAffect(res, err)
}

// IntegrationDelete removes a connection.
func (tx *Tx) IntegrationDelete(ctx context.Context, userID, provider string) error {
	res, err := tx.exec(ctx, `DELETE FROM integrations WHERE user_id = ? AND provider = ?`, userID, provider)
	return mustAffect(res, err)
}

// TenantKey is one of a tenant's signing key pairs. A tenant is an
// organization, or a user for tokens of their own (a personal tenant).
type TenantKey struct {
	KID        string
	TenantID   string // an organization's id, or a user's
	PrivateKey []byte // sealed PKCS #8
	PublicKey  []byte // PKIX DER
	CreatedAt  int64
	RetiredAt  int64 // 0 while active
}

// TenantKeyInsert stores a new key pair; NotFound when its tenant is gone.
func (tx *Tx) TenantKeyInsert(ctx context.Context, k *TenantKey) error {
	k.CreatedAt = tx.NowMillis()
	// Only for a tenant that exists: one deleted since the caller's check
	// would keep a key nothing deletes.
	res, err := tx.exec(ctx, `INSERT INTO tenant_keys (kid, org_id, private_key, public_key, created_at)
		SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?) OR EXISTS (SELECT 1 FROM users WHERE id = ?)`,
		k.KID, k.TenantID, k.PrivateKey, k.PublicKey, k.CreatedAt, k.TenantID, k.TenantID)
	return mustAffect(res, err)
}

// TenantKeyRetire marks tenantID's active keys retired at tx.Now.
func (tx *Tx) TenantKeyRetire(ctx context.Context, tenantID string) error {
	_, err := tx.exec(ctx, `UPDATE tenant_keys SET retired_at = ? WHERE org_id = ? AND retired_at IS NULL`, tx.NowMillis(), tenantID)
	return mapErr(err)
}

// TenantKeys returns tenantID's keys, newest first: the active one, then those
// retired after retiredSince (older ones can no longer have live tokens).
func (tx *Tx) TenantKeys(ctx context.Context, tenantID string, retiredSince int64) ([]TenantKey, error) {
	return queryAll(ctx, tx, `SELECT kid, org_id, private_key, public_key, created_at, retired_at FROM tenant_keys
		WHERE org_id = ? AND (retired_at IS NULL OR retired_at > ?) ORDER BY created_at DESC, kid DESC`,
		[]any{tenantID, retiredSince}, func(row interface{ Scan(...any) error }) (TenantKey, error) {
			var k TenantKey
			var retired sql.NullInt64
			err := row.Scan(&k.KID, &k.TenantID, &k.PrivateKey, &k.PublicKey, &k.CreatedAt, &retired)
			k.RetiredAt = retired.Int64
			return k, err
		})
}

// RevocationInsert records a revoked token id; revoking twice is not an error.
func (tx *Tx) RevocationInsert(ctx context.Context, jti, tenantID, reason, by string, expiresAt int64) error {
	_, err := tx.exec(ctx, `INSERT INTO integration_revocations (jti, org_id, reason, revoked_by, revoked_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, jti) DO NOTHING`, jti, tenantID, reason, by, tx.NowMillis(), expiresAt)
	return mapErr(err)
}

// Revoked reports whether tenantID revoked its token jti.
func (tx *Tx) Revoked(ctx context.Context, tenantID, jti string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM integration_revocations WHERE org_id = ? AND jti = ?`, tenantID, jti).Scan(&n)
	return n > 0, mapErr(err)
}

// RevocationList returns tenantID's revocations, newest first.
func (tx *Tx) RevocationList(ctx context.Context, tenantID string, after *cursor.Position, limit int) ([]integration.Revocation, error) {
	q, args := revokedNewest.page(`SELECT jti, reason, revoked_by, revoked_at, expires_at FROM integration_revocations WHERE org_id = ?`,
		[]any{tenantID}, after, limit)
	return queryAll(ctx, tx, q, args, func(row interface{ Scan(...any) error }) (integration.Revocation, error) {
		var r integration.Revocation
		var revoked, expires int64
		err := row.Scan(&r.JTI, &r.Reason, &r.RevokedBy, &revoked, &expires)
		r.RevokedAt, r.ExpiresAt = xtime.FromMillis(revoked), xtime.FromMillis(expires)
		return r, err
	})
}

// RevocationPurge deletes revocations of tokens that have expired anyway.
func (tx *Tx) RevocationPurge(ctx context.Context, now int64) error {
	_, err := tx.exec(ctx, `DELETE FROM integration_revocations WHERE expires_at < ?`, now)
	return mapErr(err)
}

// TenantOrphansPurge deletes the keys and revocations of tenants that are
// neither an organization nor a user any more.
func (tx *Tx) TenantOrphansPurge(ctx context.Context) error {
	const gone = ` WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = org_id)
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = org_id)`
	for _, table := range []string{"tenant_keys", "integration_revocations"} {
		if _, err := tx.exec(ctx, `DELETE FROM `+table+gone); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// TenantDelete deletes a tenant's keys and revocations, with its
// organization or its user: the tables name tenants of both kinds, so no
// foreign key does it.
func (tx *Tx) TenantDelete(ctx context.Context, tenantID string) error {
	// org_id holds the tenant's id, an organization's or a user's.
	for _, q := range []string{`DELETE FROM tenant_keys WHERE org_id = ?`, `DELETE FROM integration_revocations WHERE org_id = ?`} {
		if _, err := tx.exec(ctx, q, tenantID); err != nil {
			return mapErr(err)
		}
	}
	return nil
}
