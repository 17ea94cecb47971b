// Package ids makes identifiers: UUIDv7 for rows (time-ordered, so inserts
// land at the right edge of the B-tree and ids sort like creation times) and
// random secrets for tokens.
package ids

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/google/uuid"
)

// New returns a UUIDv7 string. It panics only if the system's random source
// fails, which crypto/rand documents never happens on supported platforms.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Valid reports whether s is a UUID in canonical form; ids from clients are
// checked with it so a malformed id is a 404 without touching the store.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Named returns the UUID (version 5) that stands for name, the same for
// the same name: for things named by strings that a UUID must stand in
// for, such as a curriculum module in a list cursor.
func Named(name string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(name)).String()
}

// Secret returns n random bytes encoded as unpadded base64url.
func Secret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
