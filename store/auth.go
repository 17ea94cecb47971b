package store

import (
	"context"
	"database/sql"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/xtime"
)

// UserRow is a stored account, with the fields the profile does not show.
type UserRow struct {
	auth.Profile
	PasswordHash string
	ExternalID   string
	Disabled     bool
}

const userCols = `id, email, COALESCE(username, ''), password_hash, full_name, timezone, preferred_language,
	live_nickname, role, plan, COALESCE(external_id, ''), disabled, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (UserRow, error) {
	var u UserRow
	var created, updated int64
	err := row.Scan(&u.ID, &u.Email, &u.Username, &u.PasswordHash, &u.FullName, &u.Timezone,
		&u.PreferredLanguage, &u.LiveNickname, &u.Role, &u.Plan, &u.ExternalID, &u.Disabled, &created, &updated)
	u.CreatedAt, u.UpdatedAt = xtime.FromMillis(created), xtime.FromMillis(updated)
	return u, err
}

// UserInsert stores a new account; CreatedAt and UpdatedAt are set to tx.Now.
// A taken email, username or external id is a Conflict.
func (tx *Tx) UserInsert(ctx context.Context, u *UserRow) error {
	u.CreatedAt = xtime.Of(tx.Now)
	u.UpdatedAt = u.CreatedAt
	_, err := tx.exec(ctx, `INSERT INTO users (id, email, username, password_hash, full_name, timezone,
		preferred_language, live_nickname, role, plan, external_id, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, nullString(u.Username), u.PasswordHash, u.FullName, u.Timezone, u.PreferredLanguage,
		u.LiveNickname, u.Role, u.Plan, nullString(u.ExternalID), u.Disabled, tx.NowMillis(), tx.NowMillis())
	return mapErr(err)
}

// UserByID returns a user or NotFound.
func (tx *Tx) UserByID(ctx context.Context, id string) (UserRow, error) {
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
	return u, mapErr(err)
}

// UserByEmail returns a user by normalised email, or NotFound.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (UserRow, error) {
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE email = ?", email))
	return u, mapErr(err)
}

// UserByUsername returns a user by username (case-insensitive), or NotFound.
func (tx *Tx) UserByUsername(ctx context.Context, username string) (UserRow, error) {
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE username = ?", username))
	return u, mapErr(err)
}

// UserByExternalID returns the user an embedder knows by externalID, or NotFound.
func (tx *Tx) UserByExternalID(ctx context.Context, externalID string) (UserRow, error) {
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE external_id = ?", externalID))
	return u, mapErr(err)
}

// UserUpdate writes every mutable field of u and sets UpdatedAt to tx.Now.
func (tx *Tx) UserUpdate(ctx context.Context, u *UserRow) error {
	u.UpdatedAt = xtime.Of(tx.Now)
	res, err := tx.exec(ctx, `UPDATE users SET email = ?, username = ?, password_hash = ?, full_name = ?,
		timezone = ?, preferred_language = ?, live_nickname = ?, role = ?, plan = ?, disabled = ?, updated_at = ?
		WHERE id = ?`,
		u.Email, nullString(u.Username), u.PasswordHash, u.FullName, u.Timezone, u.PreferredLanguage,
		u.LiveNickname, u.Role, u.Plan, u.Disabled, tx.NowMillis(), u.ID)
	return mustAffect(res, err)
}

// SessionRow is a login session as Authenticate needs it.
type SessionRow struct {
	ID        string
	UserID    string
	Role      string
	Disabled  bool
	ExpiresAt int64
	RevokedAt int64
}

// SessionInsert starts a login session with its first refresh token.
func (tx *Tx) SessionInsert(ctx context.Context, id, userID, refreshHash string, expiresAt int64) error {
	if _, err := tx.exec(ctx, `INSERT INTO auth_sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		id, userID, tx.NowMillis(), expiresAt); err != nil {
		return mapErr(err)
	}
	return tx.refreshInsert(ctx, refreshHash, id, expiresAt)
}

func (tx *Tx) refreshInsert(ctx context.Context, hash, sessionID string, expiresAt int64) error {
	_, err := tx.exec(ctx, `INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, sessionID, tx.NowMillis(), expiresAt)
	return mapErr(err)
}

// SessionByID returns a session joined with its user's role and status.
func (tx *Tx) SessionByID(ctx context.Context, id string) (SessionRow, error) {
	var s SessionRow
	var revoked sql.NullInt64
	err := tx.queryRow(ctx, `SELECT s.id, s.user_id, u.role, u.disabled, s.expires_at, s.revoked_at
		FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, id).
		Scan(&s.ID, &s.UserID, &s.Role, &s.Disabled, &s.ExpiresAt, &revoked)
	s.RevokedAt = revoked.Int64
	return s, mapErr(err)
}

// RefreshToken is a stored refresh token with its session's state.
type RefreshToken struct {
	SessionRow
	ExpiresAt int64 // of the token itself
	UsedAt    int64
}

// RefreshByHash looks a refresh token up by hash, or NotFound.
func (tx *Tx) RefreshByHash(ctx context.Context, hash string) (RefreshToken, error) {
	var t RefreshToken
	var used, revoked sql.NullInt64
	err := tx.queryRow(ctx, `SELECT s.id, s.user_id, u.role, u.disabled, s.expires_at, s.revoked_at, r.expires_at, r.used_at
		FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id
		WHERE r.hash = ?`, hash).
		Scan(&t.ID, &t.UserID, &t.Role, &t.Disabled, &t.SessionRow.ExpiresAt, &revoked, &t.ExpiresAt, &used)
	t.RevokedAt, t.UsedAt = revoked.Int64, used.Int64
	return t, mapErr(err)
}

// RefreshRotate marks oldHash used and issues newHash in the same session,
// extending the session to expiresAt. It fails with NotFound if oldHash was
// used meanwhile, so two concurrent refreshes cannot both succeed.
func (tx *Tx) RefreshRotate(ctx context.Context, sessionID, oldHash, newHash string, expiresAt int64) error {
	res, err := tx.exec(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, tx.NowMillis(), oldHash)
	if err := mustAffect(res, err); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE auth_sessions SET expires_at = ? WHERE id = ?`, expiresAt, sessionID); err != nil {
		return mapErr(err)
	}
	return tx.refreshInsert(ctx, newHash, sessionID, expiresAt)
}

// SessionRevoke ends one session; revoking a revoked session changes nothing.
func (tx *Tx) SessionRevoke(ctx context.Context, id, reason string) error {
	_, err := tx.exec(ctx, `UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL`,
		tx.NowMillis(), reason, id)
	return mapErr(err)
}

// SessionRevokeUser ends every live session of a user except keepID ("" for all)
// and returns the ids it ended.
func (tx *Tx) SessionRevokeUser(ctx context.Context, userID, keepID, reason string) ([]string, error) {
	rows, err := tx.query(ctx, `UPDATE auth_sessions SET revoked_at = ?, revoke_reason = ?
		WHERE user_id = ? AND id != ? AND revoked_at IS NULL RETURNING id`, tx.NowMillis(), reason, userID, keepID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr(rows.Err())
}

// SessionPurge deletes sessions that expired before cutoff, with their tokens.
func (tx *Tx) SessionPurge(ctx context.Context, cutoff int64) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM auth_sessions WHERE expires_at < ?`, cutoff)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n == 0 {
		return mapErr(sql.ErrNoRows)
	}
	return nil
}
