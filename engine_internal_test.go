package xentree

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/internal/password"
	"github.com/xentree/xentree/store"
	"github.com/xentree/xentree/store/index"
	"github.com/xentree/xentree/store/sqlite"
)

// Changes committed by a process that died before indexing them are applied
// by the next Open, before it returns.
func TestOpenDrainsOutboxLeftByACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, dbFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.ExecRaw(ctx, `INSERT INTO users (id, email, created_at, updated_at) VALUES ('u1', 'u1@example.com', 0, 0)`); err != nil {
			return err
		}
		n := conversation.Note{ID: "n1", Content: "glaciers carve valleys"}
		if err := tx.NoteInsert(ctx, "u1", &n); err != nil {
			return err
		}
		return tx.OutboxIndex(ctx, conversation.TypeNote, n.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	e, err := Open(ctx, Config{Dir: dir, Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.ix.Search(ctx, index.SearchOptions{Query: "glacier", OwnerID: "u1", Types: []string{"note"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 {
		t.Errorf("hits after Open = %d, want 1", res.Total)
	}
}

func TestCitedNumbers(t *testing.T) {
	for _, c := range []struct {
		answer string
		want   []int
	}{
		{"Ice forms from snow [1]. It moves [2].", []int{1, 2}},
		{"Ice forms from snow [1, 3]. It moves [2].", []int{1, 2, 3}},
		{"All of it [1;2] and [2-4], or [1–2].", []int{1, 2, 3, 4}},
		{"Out of range [9], [0], [3-2].", nil},
		{"Partly out of range [1, 9], [4-9].", []int{1, 4, 5}},
		{"Not markers: [sic], [1a], [], [ ], [1,x], a[ and ]b.", nil},
		{"Unclosed [1 then [2].", []int{2}},
	} {
		got := citedNumbers(c.answer, 5)
		var nums []int
		for k := 1; k <= 5; k++ {
			if got[k] {
				nums = append(nums, k)
			}
		}
		if !slices.Equal(nums, c.want) || len(got) != len(nums) {
			t.Errorf("citedNumbers(%q) = %v, want %v", c.answer, got, c.want)
		}
	}
}

// Open refuses a configuration it cannot run with, as Invalid: a short
// EncryptionKey panicked (slice out of range) and a long one's slack was read.
func TestOpenRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no Dir":              {},
		"short SigningKey":    {Dir: t.TempDir(), SigningKey: make([]byte, 31)},
		"short EncryptionKey": {Dir: t.TempDir(), EncryptionKey: make([]byte, 16)},
		"empty EncryptionKey": {Dir: t.TempDir(), EncryptionKey: []byte{}},
		"partial Password":    {Dir: t.TempDir(), Password: PasswordParams{MemoryKiB: 1024}},
	} {
		eng, err := Open(context.Background(), cfg)
		if err == nil {
			eng.Close()
		}
		if KindOf(err) != KindInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

// Config reports the provider "auto" resolved to, not "".
func TestConfigReportsTheDefaultProvider(t *testing.T) {
	eng, err := Open(context.Background(), Config{Dir: t.TempDir(), Password: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if got := eng.Config().AI.Default; got != "local" {
		t.Fatalf("Config().AI.Default = %q, want local", got)
	}
}
