package xentreetest

import (
	"os"
	"sync"
	"testing"

	"github.com/xentree/xentree/internal/pgtest"
)

// DatabaseEnv names the PostgreSQL server that engine tests run on when it is
// set (postgres://user:password@host:port/db): every engine Config and
// NewEngine then gets a schema of its own there, dropped when the test ends,
// so tests stay parallel. Unset, tests use SQLite in their temp folder.
const DatabaseEnv = pgtest.Env

// databases remembers the schema of each data folder, so that an engine
// reopened on the same Dir (WithDir) finds the same data.
var databases sync.Map

func databaseFor(t testing.TB, dir string) string {
	if os.Getenv(DatabaseEnv) == "" {
		return ""
	}
	if u, ok := databases.Load(dir); ok {
		return u.(string)
	}
	u := Database(t)
	databases.Store(dir, u)
	t.Cleanup(func() { databases.Delete(dir) })
	return u
}

// Database returns the URL of a new, empty schema on the server DatabaseEnv
// names, or "" when it is unset. The role needs the CREATE privilege on the
// database.
func Database(t testing.TB) string {
	t.Helper()
	return pgtest.Schema(t)
}
