package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/xentree/xentree/internal/cursor"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xtime"
)

// OrgInsert stores o with created and updated set to tx.Now and no members;
// a taken slug is a Conflict.
func (tx *Tx) OrgInsert(ctx context.Context, o *org.Organization) error {
	o.CreatedAt = xtime.Of(tx.Now)
	o.UpdatedAt = o.CreatedAt
	_, err := tx.exec(ctx, `INSERT INTO organizations (id, name, slug, description, member_count, created_at, updated_at)
		VALUES (?, ?, ?, ?, 0, ?, ?)`, o.ID, o.Name, o.Slug, o.Description, tx.NowMillis(), tx.NowMillis())
	return mapErr(err)
}

// SlugTaken reports whether an organization uses slug.
func (tx *Tx) SlugTaken(ctx context.Context, slug string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM organizations WHERE slug = ?`, slug).Scan(&n)
	return n > 0, mapErr(err)
}

const orgCols = `o.id, o.name, o.slug, o.description, m.role, o.member_count, o.created_at, o.updated_at`

func scanOrg(row interface{ Scan(...any) error }) (org.Organization, error) {
	var o org.Organization
	var created, updated int64
	err := row.Scan(&o.ID, &o.Name, &o.Slug, &o.Description, &o.Role, &o.MemberCount, &created, &updated)
	o.CreatedAt, o.UpdatedAt = xtime.FromMillis(created), xtime.FromMillis(updated)
	return o, err
}

// OrgForMember returns organization id with userID's role in it; NotFound
// when it does not exist or userID is not a member.
func (tx *Tx) OrgForMember(ctx context.Context, id, userID string) (org.Organization, error) {
	o, err := scanOrg(tx.queryRow(ctx, `SELECT `+orgCols+` FROM memberships m JOIN organizations o ON o.id = m.org_id
		WHERE m.org_id = ? AND m.user_id = ?`, id, userID))
	return o, mapErr(err)
}

// OrgListForUser returns the organizations userID belongs to, oldest first,
// after the cursor position if given; only is a filter ("" for all).
func (tx *Tx) OrgListForUser(ctx context.Context, userID, only string, after *cursor.Position, limit int) ([]org.Organization, error) {
	q := `SELECT ` + orgCols + ` FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = ?`
	args := []any{userID}
	if only != "" {
		q += ` AND m.org_id = ?`
		args = append(args, only)
	}
	q, args = orgsByOldest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanOrg)
}

// OrgIDsForUser returns the ids of every organization userID belongs to.
func (tx *Tx) OrgIDsForUser(ctx context.Context, userID string) ([]string, error) {
	return queryAll(ctx, tx, `SELECT org_id FROM memberships WHERE user_id = ?`, []any{userID}, scanString)
}

// OrgUpdate writes o's name, slug and description and sets UpdatedAt.
func (tx *Tx) OrgUpdate(ctx context.Context, o *org.Organization) error {
	o.UpdatedAt = xtime.Of(tx.Now)
	res, err := tx.exec(ctx, `UPDATE organizations SET name = ?, slug = ?, description = ?, updated_at = ? WHERE id = ?`,
		o.Name, o.Slug, o.Description, tx.NowMillis(), o.ID)
	return mustAffect(res, err)
}

// OrgDelete deletes an organization with its teams, memberships and keys,
// its integration signing keys and revocations too.
func (tx *Tx) OrgDelete(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM organizations WHERE id = ?`, id)
	if err := mustAffect(res, err); err != nil {
		return err
	}
	return tx.TenantDelete(ctx, id)
}

// MembershipGet returns userID's membership of orgID, or NotFound.
func (tx *Tx) MembershipGet(ctx context.Context, orgID, userID string) (org.Membership, error) {
	m := org.Membership{UserID: userID}
	var team sql.NullString
	err := tx.queryRow(ctx, `SELECT role, team_id FROM memberships WHERE org_id = ? AND user_id = ?`, orgID, userID).
		Scan(&m.Role, &team)
	m.TeamID = team.String
	return m, mapErr(err)
}

// MembershipInsert adds a member (joined at tx.Now); an existing member is a Conflict.
func (tx *Tx) MembershipInsert(ctx context.Context, orgID string, m org.Membership) error {
	if _, err := tx.exec(ctx, `INSERT INTO memberships (org_id, user_id, role, team_id, joined_at) VALUES (?, ?, ?, ?, ?)`,
		orgID, m.UserID, m.Role, nullString(m.TeamID), tx.NowMillis()); err != nil {
		return mapErr(err)
	}
	return tx.orgCount(ctx, orgID, +1)
}

// MembershipUpdate sets a member's role and team.
func (tx *Tx) MembershipUpdate(ctx context.Context, orgID string, m org.Membership) error {
	res, err := tx.exec(ctx, `UPDATE memberships SET role = ?, team_id = ? WHERE org_id = ? AND user_id = ?`,
		m.Role, nullString(m.TeamID), orgID, m.UserID)
	return mustAffect(res, err)
}

// MembershipDelete removes a member, and the keys they created for the
// organization: a key acts as its creator, who no longer belongs there.
func (tx *Tx) MembershipDelete(ctx context.Context, orgID, userID string) error {
	res, err := tx.exec(ctx, `DELETE FROM memberships WHERE org_id = ? AND user_id = ?`, orgID, userID)
	if err := mustAffect(res, err); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM api_keys WHERE org_id = ? AND created_by = ?`, orgID, userID); err != nil {
		return mapErr(err)
	}
	return tx.orgCount(ctx, orgID, -1)
}

func (tx *Tx) orgCount(ctx context.Context, orgID string, delta int) error {
	res, err := tx.exec(ctx, `UPDATE organizations SET member_count = member_count + ? WHERE id = ?`, delta, orgID)
	return mustAffect(res, err)
}

// OwnerCount returns how many owners orgID has.
func (tx *Tx) OwnerCount(ctx context.Context, orgID string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE org_id = ? AND role = 'owner'`, orgID).Scan(&n)
	return n, mapErr(err)
}

// MembershipCount returns how many organizations userID belongs to.
func (tx *Tx) MembershipCount(ctx context.Context, userID string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE user_id = ?`, userID).Scan(&n)
	return n, mapErr(err)
}

const memberCols = `m.user_id, u.email, COALESCE(u.username, ''), u.full_name, m.role,
	COALESCE(m.team_id, ''), COALESCE(t.name, ''), m.joined_at`

const memberFrom = ` FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN teams t ON t.id = m.team_id`

func scanMember(row interface{ Scan(...any) error }) (org.Member, error) {
	var m org.Member
	var joined int64
	err := row.Scan(&m.UserID, &m.Email, &m.Username, &m.FullName, &m.Role, &m.TeamID, &m.TeamName, &joined)
	m.JoinedAt = xtime.FromMillis(joined)
	return m, err
}

// MemberGet returns one member with their account details, or NotFound.
func (tx *Tx) MemberGet(ctx context.Context, orgID, userID string) (org.Member, error) {
	m, err := scanMember(tx.queryRow(ctx, `SELECT `+memberCols+memberFrom+` WHERE m.org_id = ? AND m.user_id = ?`, orgID, userID))
	return m, mapErr(err)
}

// MemberList returns up to limit members of orgID in the order they joined.
func (tx *Tx) MemberList(ctx context.Context, orgID string, after *cursor.Position, limit int) ([]org.Member, error) {
	q := `SELECT ` + memberCols + memberFrom + ` WHERE m.org_id = ?`
	args := []any{orgID}
	q, args = membersByJoined.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanMember)
}

// TeamInsert stores t; a name already used in the organization is a Conflict.
func (tx *Tx) TeamInsert(ctx context.Context, t *org.Team) error {
	t.CreatedAt = xtime.Of(tx.Now)
	t.UpdatedAt = t.CreatedAt
	_, err := tx.exec(ctx, `INSERT INTO teams (id, org_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrganizationID, t.Name, t.Description, tx.NowMillis(), tx.NowMillis())
	return mapErr(err)
}

const teamCols = `t.id, t.org_id, t.name, t.description,
	(SELECT COUNT(*) FROM memberships m WHERE m.team_id = t.id), t.created_at, t.updated_at`

func scanTeam(row interface{ Scan(...any) error }) (org.Team, error) {
	var t org.Team
	var created, updated int64
	err := row.Scan(&t.ID, &t.OrganizationID, &t.Name, &t.Description, &t.MemberCount, &created, &updated)
	t.CreatedAt, t.UpdatedAt = xtime.FromMillis(created), xtime.FromMillis(updated)
	return t, err
}

// TeamGet returns team id of orgID, or NotFound.
func (tx *Tx) TeamGet(ctx context.Context, orgID, id string) (org.Team, error) {
	t, err := scanTeam(tx.queryRow(ctx, `SELECT `+teamCols+` FROM teams t WHERE t.org_id = ? AND t.id = ?`, orgID, id))
	return t, mapErr(err)
}

// TeamList returns up to limit teams of orgID, oldest first.
func (tx *Tx) TeamList(ctx context.Context, orgID string, after *cursor.Position, limit int) ([]org.Team, error) {
	q := `SELECT ` + teamCols + ` FROM teams t WHERE t.org_id = ?`
	args := []any{orgID}
	q, args = teamsByOldest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanTeam)
}

// TeamUpdate writes t's name and description and sets UpdatedAt.
func (tx *Tx) TeamUpdate(ctx context.Context, t *org.Team) error {
	t.UpdatedAt = xtime.Of(tx.Now)
	res, err := tx.exec(ctx, `UPDATE teams SET name = ?, description = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
		t.Name, t.Description, tx.NowMillis(), t.ID, t.OrganizationID)
	return mustAffect(res, err)
}

// TeamDelete deletes a team; its members stay in the organization, in no team.
func (tx *Tx) TeamDelete(ctx context.Context, orgID, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM teams WHERE id = ? AND org_id = ?`, id, orgID)
	return mustAffect(res, err)
}

// APIKeyRow is a stored key with its hash.
type APIKeyRow struct {
	org.APIKey
	Hash string
}

// APIKeyInsert stores k (CreatedAt set to tx.Now).
func (tx *Tx) APIKeyInsert(ctx context.Context, k *APIKeyRow) error {
	k.CreatedAt = xtime.Of(tx.Now)
	var exp any
	if k.ExpiresAt != nil {
		exp = k.ExpiresAt.Millis()
	}
	_, err := tx.exec(ctx, `INSERT INTO api_keys (id, hash, prefix, name, org_id, created_by, scopes, allowed_ips,
		expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Hash, k.Prefix, k.Name, k.OrganizationID, k.CreatedBy, strings.Join(k.Scopes, " "),
		strings.Join(k.AllowedIPs, " "), exp, tx.NowMillis())
	return mapErr(err)
}

const keyCols = `k.id, k.name, k.org_id, k.prefix, k.scopes, k.allowed_ips, k.expires_at, k.created_by, k.created_at, k.last_used_at, k.hash`

func scanKey(row interface{ Scan(...any) error }) (APIKeyRow, error) {
	var k APIKeyRow
	var scopes, ips string
	var exp, used sql.NullInt64
	var created int64
	err := row.Scan(&k.ID, &k.Name, &k.OrganizationID, &k.Prefix, &scopes, &ips, &exp, &k.CreatedBy, &created, &used, &k.Hash)
	k.Scopes, k.AllowedIPs = strings.Fields(scopes), strings.Fields(ips)
	if k.Scopes == nil {
		k.Scopes = []string{}
	}
	if k.AllowedIPs == nil {
		k.AllowedIPs = []string{}
	}
	k.CreatedAt = xtime.FromMillis(created)
	k.ExpiresAt, k.LastUsedAt = optTime(exp), optTime(used)
	return k, err
}

func optTime(v sql.NullInt64) *xtime.Time {
	if !v.Valid {
		return nil
	}
	t := xtime.FromMillis(v.Int64)
	return &t
}

// APIKeyGet returns key id, or NotFound.
func (tx *Tx) APIKeyGet(ctx context.Context, id string) (APIKeyRow, error) {
	k, err := scanKey(tx.queryRow(ctx, `SELECT `+keyCols+` FROM api_keys k WHERE k.id = ?`, id))
	return k, mapErr(err)
}

// APIKeyAuth is what authenticating a key needs: the key, and the state of
// its creator's account and membership.
type APIKeyAuth struct {
	APIKeyRow
	UserRole string // the creator's instance role
	Disabled bool   // the creator's account is disabled
}

// APIKeyByHash returns the key with that hash whose creator is still a
// member of its organization, or NotFound.
func (tx *Tx) APIKeyByHash(ctx context.Context, hash string) (APIKeyAuth, error) {
	var a APIKeyAuth
	var err error
	a.APIKeyRow, err = scanKey(tx.queryRow(ctx, `SELECT `+keyCols+` FROM api_keys k
		JOIN memberships m ON m.org_id = k.org_id AND m.user_id = k.created_by WHERE k.hash = ?`, hash))
	if err != nil {
		return a, mapErr(err)
	}
	err = tx.queryRow(ctx, `SELECT role, disabled FROM users WHERE id = ?`, a.CreatedBy).Scan(&a.UserRole, &a.Disabled)
	return a, mapErr(err)
}

// APIKeyList returns up to limit keys userID may see, newest first: every
// key of the organizations where userID is an admin or owner, and the keys
// userID created elsewhere. orgID filters ("" for all).
func (tx *Tx) APIKeyList(ctx context.Context, userID, orgID string, after *cursor.Position, limit int) ([]APIKeyRow, error) {
	q := `SELECT ` + keyCols + ` FROM api_keys k JOIN memberships m ON m.org_id = k.org_id AND m.user_id = ?
		WHERE (m.role IN ('owner', 'admin') OR k.created_by = ?)`
	args := []any{userID, userID}
	if orgID != "" {
		q += ` AND k.org_id = ?`
		args = append(args, orgID)
	}
	q, args = apiKeysByNewest.page(q, args, after, limit)
	return queryAll(ctx, tx, q, args, scanKey)
}

// APIKeyDelete deletes key id.
func (tx *Tx) APIKeyDelete(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM api_keys WHERE id = ?`, id)
	return mustAffect(res, err)
}

// APIKeyDeleteCreatedBy deletes every API key userID created.
func (tx *Tx) APIKeyDeleteCreatedBy(ctx context.Context, userID string) error {
	_, err := tx.exec(ctx, `DELETE FROM api_keys WHERE created_by = ?`, userID)
	return mapErr(err)
}

// APIKeyTouch records that key id was used at tx.Now.
func (tx *Tx) APIKeyTouch(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, tx.NowMillis(), id)
	return mapErr(err)
}
