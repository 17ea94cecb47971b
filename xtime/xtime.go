// Package xtime holds the timestamp type of the public API: a time.Time that
// always encodes as RFC 3339 in UTC with exactly three fractional digits
// ("2026-04-16T10:00:03.120Z"), as the REST contract requires.
//
// The root package re-exports it as xentree.Time. It is a leaf package of
// its own, not internal, so that a program talking REST through package
// client can set a request's times (org.CreateKeyRequest.ExpiresAt) without
// importing the engine.
package xtime

import (
	"encoding/json"
	"reflect"
	"time"
)

// Layout is the wire format of every timestamp.
const Layout = "2006-01-02T15:04:05.000Z07:00"

// Time is a UTC instant with millisecond precision.
type Time struct{ time.Time }

// Of truncates t to milliseconds in UTC.
func Of(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// FromMillis converts Unix milliseconds, the storage format.
func FromMillis(ms int64) Time { return Time{time.UnixMilli(ms).UTC()} }

// Ptr returns nil for zero milliseconds (SQL NULL read as 0), else the time.
func PtrFromMillis(ms int64) *Time {
	if ms == 0 {
		return nil
	}
	t := FromMillis(ms)
	return &t
}

// Millis is the storage format.
func (t Time) Millis() int64 { return t.UnixMilli() }

// String formats t in the wire format.
func (t Time) String() string { return t.UTC().Format(Layout) }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(Layout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, Layout)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var tt time.Time
	if err := tt.UnmarshalJSON(b); err != nil {
		// A type error and not time's own: encoding/json adds the field's
		// name to a type error only, and a client needs to know which
		// timestamp was wrong.
		return &json.UnmarshalTypeError{Value: valueKind(b), Type: reflect.TypeFor[Time]()}
	}
	*t = Of(tt)
	return nil
}

// valueKind names a JSON value's kind as encoding/json's errors do.
func valueKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '"':
		return "string"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	}
	return "number"
}
