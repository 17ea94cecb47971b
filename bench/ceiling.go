package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"github.com/xentree/xentree/internal/password"
	_ "modernc.org/sqlite" // the driver both servers use
)

// ceiling is what raw SQLite does on this machine, with nothing around it.
type ceiling struct {
	insertsPerSec  float64
	readsPerSec    float64
	listsPerSec    float64 // the 20 newest of the user's rows, by the list index
	verifiesPerSec float64 // password verifications, the work of a login
	rows           int
}

// forScenario is the raw rate a scenario's request cannot beat on one
// connection: a create is an insert, a view a point read, a list a page
// of 20 by the index, a login a password verification.
func (c ceiling) forScenario(scenario string) float64 {
	switch scenario {
	case "create":
		return c.insertsPerSec
	case "view":
		return c.readsPerSec
	case "list":
		return c.listsPerSec
	case "login":
		return c.verifiesPerSec
	}
	return 0
}

// measureCeiling inserts single rows, one per transaction, for d, then reads
// rows back by primary key for d, then pages of 20 by the list index for d,
// sequentially on one connection; and verifies passwords for d. The table
// has the shape of Xentree's conversations table (UUIDv7 text key, WITHOUT
// ROWID, the (user, updated) list index), so the insert ceiling is that of
// a conversation row, and the pragmas are the servers' (WAL,
// synchronous=NORMAL).
func measureCeiling(ctx context.Context, dir string, d time.Duration) (ceiling, error) {
	var c ceiling
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "ceiling.db")+
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return c, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE conversations (
		id TEXT PRIMARY KEY, user_id TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
		message_count INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX conversations_user_updated ON conversations(user_id, updated_at DESC, id DESC);`); err != nil {
		return c, err
	}
	ins, err := db.PrepareContext(ctx, `INSERT INTO conversations (id, user_id, title, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return c, err
	}
	defer ins.Close()
	user := uuid.Must(uuid.NewV7()).String()
	var ids []string
	start := time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		id := uuid.Must(uuid.NewV7()).String()
		now := time.Now().UnixMilli()
		// Outside a transaction each statement is its own: one row, one commit.
		if _, err := ins.ExecContext(ctx, id, user, fmt.Sprintf("Load conversation %d", len(ids)), "bench", now, now); err != nil {
			return c, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return c, fmt.Errorf("no row inserted: %w", ctx.Err())
	}
	c.insertsPerSec = float64(len(ids)) / time.Since(start).Seconds()
	c.rows = len(ids)
	sel, err := db.PrepareContext(ctx, `SELECT id, user_id, title, source, message_count, created_at, updated_at FROM conversations WHERE id = ?`)
	if err != nil {
		return c, err
	}
	defer sel.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	var (
		n                    int
		id, u, title, source string
		count, cat, uat      int64
	)
	start = time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		err := sel.QueryRowContext(ctx, ids[rng.IntN(len(ids))]).Scan(&id, &u, &title, &source, &count, &cat, &uat)
		if err != nil {
			return c, err
		}
		n++
	}
	c.readsPerSec = float64(n) / time.Since(start).Seconds()
	list, err := db.PrepareContext(ctx, `SELECT id, user_id, title, source, message_count, created_at, updated_at FROM conversations
		WHERE user_id = ? ORDER BY updated_at DESC, id DESC LIMIT 20`)
	if err != nil {
		return c, err
	}
	defer list.Close()
	n = 0
	start = time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		rows, err := list.QueryContext(ctx, user)
		if err != nil {
			return c, err
		}
		for rows.Next() {
			if err := rows.Scan(&id, &u, &title, &source, &count, &cat, &uat); err != nil {
				rows.Close()
				return c, err
			}
		}
		if err := rows.Close(); err != nil {
			return c, err
		}
		n++
	}
	c.listsPerSec = float64(n) / time.Since(start).Seconds()
	c.verifiesPerSec = measureVerify(ctx, d)
	return c, ctx.Err()
}

// measureVerify is how many logins' worth of password hashing one core does:
// Xentree's own hash with its default parameters, verified sequentially.
func measureVerify(ctx context.Context, d time.Duration) float64 {
	encoded := password.Hash(benchPassword, password.Default)
	n := 0
	start := time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		if ok, err := password.Verify(benchPassword, encoded); !ok || err != nil {
			panic(fmt.Sprintf("password.Verify of its own hash: %v %v", ok, err))
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}
