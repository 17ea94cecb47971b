package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/xentree/xentree/internal/xerr"
)

// CopyOptions configure CopyFromSQLite.
type CopyOptions struct {
	// Keys are the instance's keys by name ("signing", "encryption"),
	// stored in the target's instance_keys table when it has one.
	Keys map[string][]byte
	// Progress, when set, is called as a table's rows go in: done of
	// total, at least once per table (done == total at its end).
	Progress func(table string, done, total int64)
	// Now stamps the stored keys. Defaults to time.Now.
	Now func() time.Time
}

// TableCount is one copied table's rows on each side.
type TableCount struct {
	Table          string
	Source, Target int64
}

// CopyReport says what CopyFromSQLite copied.
type CopyReport struct {
	// Tables are the copied tables, parents before children, with their
	// counts after the copy (compared before committing).
	Tables []TableCount
	// Skipped are the SQLite tables left out on purpose, with the reason.
	Skipped map[string]string
	// KeysTable reports whether the target has instance_keys; KeysStored
	// names the keys written there.
	KeysTable  bool
	KeysStored []string
}

// Rows is the number of rows copied.
func (r CopyReport) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Target
	}
	return n
}

// notCopied are SQLite tables that a copy leaves out.
var notCopied = map[string]string{
	// The outbox lists changes the search index has not applied yet. A
	// PostgreSQL store opened with an empty search_docs beside content
	// rebuilds its index from the tables (Index.Created), which covers
	// every pending change, so its rows would only be applied twice.
	"index_outbox": "search index changes: the PostgreSQL search table is rebuilt from the copied rows at the first start",
}

// CopyFromSQLite copies a SQLite store into this database, which must be
// empty but for schema_migrations and at the same schema version: every
// table of src (but those notCopied) into its PostgreSQL twin, parents
// before children by their foreign keys, each with one COPY streamed from
// src, and o.Keys into instance_keys when the target has that table. It all
// runs in one transaction, after counting both sides of every table, so a
// failure or a mismatch leaves the target as it was. A target with rows
// is refused with a Conflict before anything is written.
//
// src is a read transaction on the SQLite database (database/sql, driver
// "sqlite"): one snapshot, so a copy is consistent even beside a writer
// (whose later writes it does not see). Nothing is written to src.
func (d *Driver) CopyFromSQLite(ctx context.Context, src *sql.Tx, o CopyOptions) (CopyReport, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	rep := CopyReport{Skipped: map[string]string{}}
	tables, err := sqliteTables(ctx, src)
	if err != nil {
		return rep, err
	}
	var copied []sqliteTable
	for _, t := range tables {
		if why, ok := notCopied[t.name]; ok {
			rep.Skipped[t.name] = why
			continue
		}
		copied = append(copied, t)
	}
	if copied, err = dependencyOrder(copied); err != nil {
		return rep, err
	}
	if err := foreignKeyCheck(ctx, src); err != nil {
		return rep, err
	}

	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return rep, mapErr(err)
	}
	defer c.Release()
	tx, err := c.Begin(ctx)
	if err != nil {
		return rep, mapErr(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after Commit

	if err := sameVersion(ctx, src, tx); err != nil {
		return rep, err
	}
	target, err := lockEmpty(ctx, tx)
	if err != nil {
		return rep, err
	}
	types := map[string]map[string]string{}
	for _, t := range copied {
		cols, ok := target[t.name]
		if !ok {
			return rep, fmt.Errorf("table %s of the SQLite database has no twin in PostgreSQL: the two schemas differ", t.name)
		}
		for _, col := range t.cols {
			if _, ok := cols[col]; !ok {
				return rep, fmt.Errorf("column %s.%s of the SQLite database has no twin in PostgreSQL: the two schemas differ", t.name, col)
			}
		}
		types[t.name] = cols
	}

	for i, t := range copied {
		var n int64
		if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&n); err != nil {
			return rep, fmt.Errorf("count %s in SQLite: %w", t.name, err)
		}
		copied[i].rows = n
	}
	for _, t := range copied {
		n, err := copyTable(ctx, src, tx, t, types[t.name], o.Progress)
		if err != nil {
			return rep, err
		}
		if err := resetIdentities(ctx, tx, t.name); err != nil {
			return rep, err
		}
		rep.Tables = append(rep.Tables, TableCount{Table: t.name, Source: t.rows, Target: n})
	}

	if _, ok := target["instance_keys"]; ok {
		rep.KeysTable = true
		names := make([]string, 0, len(o.Keys))
		for name := range o.Keys {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if _, err := tx.Exec(ctx, `INSERT INTO instance_keys (name, key, created_at) VALUES ($1, $2, $3)`,
				name, o.Keys[name], o.Now().UnixMilli()); err != nil {
				return rep, fmt.Errorf("store the %s key in instance_keys: %w", name, mapErr(err))
			}
			rep.KeysStored = append(rep.KeysStored, name)
		}
	}

	// Verify: every table holds, inside the transaction, what SQLite held.
	var bad []string
	for i, tc := range rep.Tables {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+pgx.Identifier{tc.Table}.Sanitize()).Scan(&n); err != nil {
			return rep, fmt.Errorf("count %s in PostgreSQL: %w", tc.Table, mapErr(err))
		}
		rep.Tables[i].Target = n
		if n != tc.Source {
			bad = append(bad, fmt.Sprintf("%s (%d in SQLite, %d in PostgreSQL)", tc.Table, tc.Source, n))
		}
	}
	if len(bad) > 0 {
		return rep, fmt.Errorf("row counts differ after the copy, so nothing was committed: %s", strings.Join(bad, ", "))
	}
	if err := tx.Commit(ctx); err != nil {
		return rep, fmt.Errorf("commit the copy: %w", mapErr(err))
	}
	// Fresh statistics for the planner; autovacuum would get there later.
	for _, tc := range rep.Tables {
		_, _ = c.Exec(ctx, `ANALYZE `+pgx.Identifier{tc.Table}.Sanitize())
	}
	return rep, nil
}

// sqliteTable is one table of the source.
type sqliteTable struct {
	name    string
	cols    []string
	parents []string // tables its foreign keys reference, itself excluded
	rows    int64
}

// sqliteTables lists src's own tables in creation order, with their columns
// and the tables they reference.
func sqliteTables(ctx context.Context, src *sql.Tx) ([]sqliteTable, error) {
	names, err := sqliteStrings(ctx, src, `SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("list the SQLite tables: %w", err)
	}
	tables := make([]sqliteTable, len(names))
	for i, name := range names {
		t := sqliteTable{name: name}
		if t.cols, err = sqliteStrings(ctx, src, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, name); err != nil {
			return nil, fmt.Errorf("list the columns of %s: %w", name, err)
		}
		parents, err := sqliteStrings(ctx, src, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name)
		if err != nil {
			return nil, fmt.Errorf("list the foreign keys of %s: %w", name, err)
		}
		for _, p := range parents {
			if p != name && !slices.Contains(t.parents, p) {
				t.parents = append(t.parents, p)
			}
		}
		tables[i] = t
	}
	return tables, nil
}

// dependencyOrder sorts tables so that every table comes after those its
// foreign keys reference, keeping the given order where it is free.
// References to a table that is not copied are a schema error.
func dependencyOrder(tables []sqliteTable) ([]sqliteTable, error) {
	byName := map[string]bool{}
	for _, t := range tables {
		byName[t.name] = true
	}
	for _, t := range tables {
		for _, p := range t.parents {
			if !byName[p] {
				return nil, fmt.Errorf("table %s references %s, which is not copied", t.name, p)
			}
		}
	}
	done := map[string]bool{}
	var out []sqliteTable
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if done[t.name] {
				continue
			}
			ready := true
			for _, p := range t.parents {
				ready = ready && done[p]
			}
			if ready {
				out, done[t.name], progress = append(out, t), true, true
			}
		}
		if !progress {
			var cycle []string
			for _, t := range tables {
				if !done[t.name] {
					cycle = append(cycle, t.name)
				}
			}
			return nil, fmt.Errorf("the foreign keys of %s form a cycle: no copy order puts parents first", strings.Join(cycle, ", "))
		}
	}
	return out, nil
}

// foreignKeyCheck refuses a source with rows whose foreign keys point
// nowhere, which PostgreSQL would refuse half-way through the copy.
func foreignKeyCheck(ctx context.Context, src *sql.Tx) error {
	rows, err := src.QueryContext(ctx, `SELECT "table", rowid, parent FROM pragma_foreign_key_check`)
	if err != nil {
		return fmt.Errorf("check the SQLite foreign keys: %w", err)
	}
	defer rows.Close()
	var bad []string
	n := 0
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		if err := rows.Scan(&table, &rowid, &parent); err != nil {
			return fmt.Errorf("check the SQLite foreign keys: %w", err)
		}
		if n++; len(bad) < 5 {
			bad = append(bad, fmt.Sprintf("%s row %d names a missing %s", table, rowid.Int64, parent))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check the SQLite foreign keys: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("the SQLite database has %d row(s) whose foreign keys point nowhere, which PostgreSQL refuses (%s)",
			n, strings.Join(bad, "; "))
	}
	return nil
}

// sameVersion checks that src and the target are at one schema version,
// which means one set of tables and columns.
func sameVersion(ctx context.Context, src *sql.Tx, tx pgx.Tx) error {
	var sv, tv int
	if err := src.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&sv); err != nil {
		return fmt.Errorf("read the SQLite schema version: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&tv); err != nil {
		return fmt.Errorf("read the PostgreSQL schema version: %w", mapErr(err))
	}
	if sv != tv {
		return xerr.Newf(xerr.Invalid, "the SQLite database is at schema version %d and the PostgreSQL database at %d: they must match", sv, tv)
	}
	return nil
}

// lockEmpty locks every table of the target against writers until the
// transaction ends (a second copy waits, then finds rows), checks that none
// but schema_migrations has a row, and returns each table's column types.
func lockEmpty(ctx context.Context, tx pgx.Tx) (map[string]map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT c.table_name::text, c.column_name::text, c.data_type::text
		FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, fmt.Errorf("list the PostgreSQL tables: %w", mapErr(err))
	}
	target := map[string]map[string]string{}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list the PostgreSQL tables: %w", mapErr(err))
		}
		if target[table] == nil {
			target[table] = map[string]string{}
		}
		target[table][col] = typ
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the PostgreSQL tables: %w", mapErr(err))
	}
	names := make([]string, 0, len(target))
	for name := range target {
		names = append(names, name)
	}
	sort.Strings(names)
	ids := make([]string, len(names))
	for i, name := range names {
		ids[i] = pgx.Identifier{name}.Sanitize()
	}
	if len(ids) > 0 {
		if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(ids, ", ")+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return nil, fmt.Errorf("lock the PostgreSQL tables: %w", mapErr(err))
		}
	}
	var full []string
	for i, name := range names {
		if name == "schema_migrations" {
			continue
		}
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+ids[i]+`)`).Scan(&has); err != nil {
			return nil, fmt.Errorf("look into %s: %w", name, mapErr(err))
		}
		if has {
			full = append(full, name)
		}
	}
	if len(full) > 0 {
		return nil, xerr.Newf(xerr.Conflict,
			"the PostgreSQL database is not empty (rows in %s): a copy goes only into an empty database; nothing was written",
			strings.Join(full, ", "))
	}
	return target, nil
}

// copyBatch is how many rows go by between Progress calls.
const copyBatch = 5000

// copyTable streams t's rows from src into the target with one COPY, each
// value converted to its PostgreSQL column's type, and returns how many
// went in.
func copyTable(ctx context.Context, src *sql.Tx, tx pgx.Tx, t sqliteTable, types map[string]string,
	progress func(string, int64, int64)) (int64, error) {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = quote(c)
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+quote(t.name))
	if err != nil {
		return 0, fmt.Errorf("read %s from SQLite: %w", t.name, err)
	}
	defer rows.Close()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var done int64
	next := func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			cv, err := toColumn(v, types[t.cols[i]])
			if err != nil {
				return nil, fmt.Errorf("column %s of the row with %s %v: %w", t.cols[i], t.cols[0], vals[0], err)
			}
			out[i] = cv
		}
		if done++; progress != nil && done%copyBatch == 0 {
			progress(t.name, done, t.rows)
		}
		return out, nil
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromFunc(next))
	if err != nil {
		return n, fmt.Errorf("copy %s: %w", t.name, mapErr(err))
	}
	if progress != nil {
		progress(t.name, n, t.rows)
	}
	return n, nil
}

// resetIdentities moves the sequence of each identity or serial column of
// table past the largest value copied, so the next insert does not collide.
func resetIdentities(ctx context.Context, tx pgx.Tx, table string) error {
	rows, err := tx.Query(ctx, `SELECT column_name::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1
			AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`, table)
	if err != nil {
		return fmt.Errorf("find the identity columns of %s: %w", table, mapErr(err))
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("find the identity columns of %s: %w", table, mapErr(err))
	}
	for _, col := range cols {
		id := pgx.Identifier{col}.Sanitize()
		_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT MAX(`+id+`) AS m FROM `+
			pgx.Identifier{table}.Sanitize()+`) s WHERE m IS NOT NULL`, pgx.Identifier{table}.Sanitize(), col)
		if err != nil {
			return fmt.Errorf("move the sequence of %s.%s: %w", table, col, mapErr(err))
		}
	}
	return nil
}

// toColumn converts a SQLite value (int64, float64, string, []byte or nil:
// a column's declared type does not bind what SQLite stores in it) to what
// a PostgreSQL column of type typ (information_schema's data_type) takes.
func toColumn(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
		case []byte:
			if n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64); err == nil {
				return n, nil
			}
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		case []byte:
			if f, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64); err == nil {
				return f, nil
			}
		}
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		}
	case "text", "character varying", "character":
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			return nil, fmt.Errorf("a %T cannot go into a %s column", v, typ)
		}
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("the text is not valid UTF-8, which PostgreSQL refuses")
		}
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("the text holds a NUL character, which PostgreSQL text cannot")
		}
		return s, nil
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		case int64:
			return []byte(strconv.FormatInt(x, 10)), nil
		case float64:
			return []byte(strconv.FormatFloat(x, 'g', -1, 64)), nil
		}
	default:
		return v, nil // pgx's own conversion decides
	}
	return nil, fmt.Errorf("%v (a %T) cannot go into a %s column", v, v, typ)
}

// quote is a SQLite identifier in double quotes.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// sqliteStrings runs a query of one text column on src (a transaction
// or, in tests, the database).
func sqliteStrings(ctx context.Context, src interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q string, args ...any) ([]string, error) {
	rows, err := src.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
