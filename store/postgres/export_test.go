package postgres

// SQLiteStrings is for the contract test (package postgres_test), which
// reads a SQLite schema as migrate-store does.
var SQLiteStrings = sqliteStrings
