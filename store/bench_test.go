package store

import (
	"fmt"
	"testing"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/internal/ids"
)

// BenchmarkRawInsert is the ceiling: one single-row INSERT per committed
// transaction on the write connection, no store code around it.
func BenchmarkRawInsert(b *testing.B) {
	db := openTest(b, nil)
	if err := db.ExecRaw(ctx, `CREATE TABLE bench (id TEXT PRIMARY KEY, v TEXT NOT NULL, t INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := db.ExecRaw(ctx, `INSERT INTO bench (id, v, t) VALUES (?, ?, ?)`, ids.New(), "some value", 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserInsert is a store write as the Engine does it: Write, Tx, one row.
func BenchmarkUserInsert(b *testing.B) {
	db := openTest(b, nil)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		u := UserRow{Profile: auth.Profile{ID: ids.New(), Email: fmt.Sprintf("u%d@example.com", n), Role: "user", Plan: "free", Timezone: "UTC", PreferredLanguage: "en"}}
		if err := db.Write(ctx, func(tx *Tx) error { return tx.UserInsert(ctx, &u) }); err != nil {
			b.Fatal(err)
		}
	}
}
