// Package cursor encodes keyset-pagination positions as opaque strings: a
// sort key (Unix milliseconds) and the row id that breaks ties. Clients treat
// them as opaque, so the format can change; Decode rejects anything it did
// not make.
package cursor

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/xentree/xentree/internal/ids"
	"github.com/xentree/xentree/internal/xerr"
)

// Position is where the next page starts (exclusive).
type Position struct {
	Key int64
	ID  string
}

// Encode returns the opaque form of p.
func Encode(p Position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.Key, 36) + "." + p.ID))
}

// Decode parses a cursor; "" is the first page (ok false).
func Decode(s string) (p Position, ok bool, err error) {
	if s == "" {
		return p, false, nil
	}
	bad := xerr.InvalidField("cursor", "is not a cursor this server issued")
	if len(s) > 100 {
		return p, false, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return p, false, bad
	}
	k, id, found := strings.Cut(string(b), ".")
	if !found || !ids.Valid(id) {
		return p, false, bad
	}
	if p.Key, err = strconv.ParseInt(k, 36, 64); err != nil {
		return p, false, bad
	}
	p.ID = id
	return p, true, nil
}
