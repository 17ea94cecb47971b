package store

import "context"

// Memory is what SQLite holds in the process's own memory, summed over the
// store's open connections, as SQLite itself accounts it
// (sqlite3_db_status). It is most of the server's memory outside the Go
// heap, and the part that grows with the database until the page caches
// are full.
type Memory struct {
	Cache      int64 // page caches
	Schema     int64 // parsed schemas
	Statements int64 // prepared statements
	Conns      int   // connections read
}

// Memory reads the driver's memory counters; a server database's memory is
// not the process's, so there it is zero. Give it a bounded ctx: SQLite's
// counters are read between statements, waiting for each connection.
func (db *DB) Memory(ctx context.Context) (Memory, error) {
	if m, ok := db.drv.(interface {
		Memory(context.Context) (Memory, error)
	}); ok {
		mem, err := m.Memory(ctx)
		return mem, mapErr(err)
	}
	return Memory{}, nil
}
