package store

import (
	"context"
	"slices"
	"strings"
)

// A UserTable is a table that holds rows belonging to one user: Where selects
// them with the user's id as its only argument. Omit names the columns that
// are secrets (hashes, sealed tokens) and never leave the database.
type UserTable struct {
	Name  string
	Where string
	Omit  []string
}

// UserTables are, in dependency order, every table with rows a user owns:
// what an export contains and what a user's deletion removes.
// TestUserTablesCoverSchema fails when a table that names a user is missing.
var UserTables = []UserTable{
	{Name: "users", Where: "id = ?", Omit: []string{"password_hash"}},
	{Name: "auth_sessions", Where: "user_id = ?"},
	{Name: "conversations", Where: "user_id = ?"},
	{Name: "messages", Where: "user_id = ?"},
	{Name: "notes", Where: "user_id = ?"},
	{Name: "conversation_sessions", Where: "user_id = ?"},
	{Name: "live_sessions", Where: "user_id = ?"},
	{Name: "live_usage", Where: "user_id = ?"},
	{Name: "live_transcripts", Where: "user_id = ?"},
	{Name: "memberships", Where: "user_id = ?"},
	{Name: "api_keys", Where: "created_by = ?", Omit: []string{"hash"}},
	{Name: "documents", Where: "user_id = ?"},
	{Name: "chunks", Where: "document_id IN (SELECT id FROM documents WHERE user_id = ?)"},
	{Name: "integrations", Where: "user_id = ?", Omit: []string{"token"}},
	{Name: "xel_submissions", Where: "user_id = ?"},
	{Name: "xel_task_progress", Where: "user_id = ?"},
	{Name: "xel_days", Where: "user_id = ?"},
}

// NotUserTables are the tables that name a user but are not the user's
// data, each with the reason. A user's deletion still clears the reference.
var NotUserTables = map[string]string{
	"refresh_tokens":          "hashes of bearer secrets; deleted with the user's sessions",
	"oauth_states":            "an OAuth flow's PKCE verifier, valid ten minutes; deleted with the user",
	"integration_revocations": "a tenant's revocation list; revoked_by is cleared when the user goes, and a personal tenant's list goes with its user",
}

// UserRows calls fn with every row of t that belongs to userID, as column
// name to value (int64, float64, string, []byte or nil), minus t.Omit.
func (tx *Tx) UserRows(ctx context.Context, t UserTable, userID string, fn func(map[string]any) error) error {
	rows, err := tx.query(ctx, `SELECT * FROM `+t.Name+` WHERE `+t.Where, userID)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return mapErr(err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return mapErr(err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			if !slices.Contains(t.Omit, c) {
				row[c] = vals[i]
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// UserSearchableIDs returns the ids of every index entry of userID's own
// content: conversations, messages, notes, transcripts and the chunks of
// personal documents (an organization's documents stay).
func (tx *Tx) UserSearchableIDs(ctx context.Context, userID string) ([]string, error) {
	return queryAll(ctx, tx, `SELECT id FROM conversations WHERE user_id = ?1
		UNION ALL SELECT id FROM messages WHERE user_id = ?1
		UNION ALL SELECT id FROM notes WHERE user_id = ?1
		UNION ALL SELECT id FROM live_transcripts WHERE user_id = ?1
		UNION ALL SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.user_id = ?1 AND d.org_id IS NULL`,
		[]any{userID}, scanString)
}

// UserOrgRole is one organization a user belongs to, with how many members
// and owners it has.
type UserOrgRole struct {
	OrgID   string
	Slug    string
	Role    string
	Members int
	Owners  int
}

// UserOrgs returns every organization userID belongs to.
func (tx *Tx) UserOrgs(ctx context.Context, userID string) ([]UserOrgRole, error) {
	return queryAll(ctx, tx, `SELECT o.id, o.slug, m.role,
		(SELECT COUNT(*) FROM memberships x WHERE x.org_id = o.id),
		(SELECT COUNT(*) FROM memberships x WHERE x.org_id = o.id AND x.role = 'owner')
		FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.id`,
		[]any{userID}, func(row interface{ Scan(...any) error }) (UserOrgRole, error) {
			var r UserOrgRole
			return r, row.Scan(&r.OrgID, &r.Slug, &r.Role, &r.Members, &r.Owners)
		})
}

// UserDelete deletes userID and everything that is theirs: personal
// documents and their personal integration tenant explicitly, the rest by
// the schema's cascades. An
// organization's documents they uploaded stay, without an uploader, and
// their name is cleared from revocation records. Index entries are the
// caller's to queue (UserSearchableIDs), before this runs.
func (tx *Tx) UserDelete(ctx context.Context, userID string) error {
	type stmt struct {
		q    string
		args []any
	}
	qs := []stmt{
		{`DELETE FROM documents WHERE user_id = ? AND org_id IS NULL`, []any{userID}},
		{`UPDATE integration_revocations SET revoked_by = '' WHERE revoked_by = ?`, []any{userID}},
	}
	if tx.pg {
		// Limits keyed by the user: chat by the id, login by "user:" and the id.
		qs = append(qs, stmt{`DELETE FROM rate_events WHERE key IN (?, ?)`, []any{userID, "user:" + userID}})
	}
	for _, s := range qs {
		if _, err := tx.exec(ctx, s.q, s.args...); err != nil {
			return mapErr(err)
		}
	}
	// Their personal tenant: its keys and revocations name it without a
	// foreign key.
	if err := tx.TenantDelete(ctx, userID); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `DELETE FROM users WHERE id = ?`, userID)
	return mustAffect(res, err)
}

// TablesNaming returns the tables with a column that references users(id)
// or is named like a user reference, for the coverage test.
func (tx *Tx) TablesNaming(ctx context.Context) (map[string][]string, error) {
	tables, err := tx.tableNames(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range tables {
		cols, err := tx.columnNames(ctx, t)
		if err != nil {
			return nil, err
		}
		fkq := `SELECT "from" FROM pragma_foreign_key_list(?) WHERE "table" = 'users'`
		if tx.pg {
			fkq = `SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
				WHERE c.contype = 'f' AND c.conrelid = to_regclass(?) AND c.confrelid = to_regclass('users')`
		}
		fks, err := queryAll(ctx, tx, fkq, []any{t}, scanString)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			if slices.Contains(fks, c) || c == "user_id" || strings.HasSuffix(c, "_by") {
				out[t] = append(out[t], c)
			}
		}
	}
	return out, nil
}

// CountMentions returns, for every table with rows where some column
// holds value, how many such rows: the proof that a deletion left nothing.
func (tx *Tx) CountMentions(ctx context.Context, value string) (map[string]int, error) {
	tables, err := tx.tableNames(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, t := range tables {
		cols, err := tx.columnNames(ctx, t)
		if err != nil {
			return nil, err
		}
		conds := make([]string, len(cols))
		for i, c := range cols {
			// strpos is PostgreSQL's instr; both take ?1 as the one argument.
			conds[i] = `instr(CAST("` + c + `" AS TEXT), ?1) > 0`
			if tx.pg {
				conds[i] = `strpos(CAST("` + c + `" AS TEXT), ?1) > 0`
			}
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM "`+t+`" WHERE `+strings.Join(conds, " OR "), value).Scan(&n); err != nil {
			return nil, mapErr(err)
		}
		if n > 0 {
			out[t] = n
		}
	}
	return out, nil
}

// SearchableCount is how many rows of every user have an index entry: what
// the index must hold once it has caught up.
func (tx *Tx) SearchableCount(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM conversations) + (SELECT COUNT(*) FROM messages)
		+ (SELECT COUNT(*) FROM notes) + (SELECT COUNT(*) FROM live_transcripts) + (SELECT COUNT(*) FROM chunks)`).Scan(&n)
	return n, mapErr(err)
}

// columnNames lists table's columns in order.
func (tx *Tx) columnNames(ctx context.Context, table string) ([]string, error) {
	q := `SELECT name FROM pragma_table_info(?)`
	if tx.pg {
		q = `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	}
	return queryAll(ctx, tx, q, []any{table}, scanString)
}

// tableNames lists the database's own tables.
func (tx *Tx) tableNames(ctx context.Context) ([]string, error) {
	if tx.pg {
		return queryAll(ctx, tx, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`, nil, scanString)
	}
	return queryAll(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`, nil, scanString)
}
