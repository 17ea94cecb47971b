package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xentree/xentree/auth"
	"github.com/xentree/xentree/conversation"
	"github.com/xentree/xentree/integration"
	"github.com/xentree/xentree/internal/xerr"
	"github.com/xentree/xentree/live"
	"github.com/xentree/xentree/org"
	"github.com/xentree/xentree/xel"
)

// TestUnmarshalStrictText: what encoding/json would change quietly is
// refused with the field named, and what it keeps is kept.
func TestUnmarshalStrictText(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		field      string // "" for accepted
	}{
		{"plain", `{"message":"héllo \"quoted\" \\ back"}`, ""},
		{"escaped pair", `{"message":"\ud83d\ude00 \uD83D\uDE00"}`, ""},
		{"escaped replacement char", `{"message":"\ufffd"}`, ""},
		{"raw replacement char", "{\"message\":\"\xef\xbf\xbd\"}", ""},
		{"backslash then u0000 as text", `{"message":"\\u0000"}`, ""},
		{"control escape", `{"message":"a\u0001\tb"}`, ""},
		{"NUL escape", `{"message":"a\u0000b"}`, "message"},
		{"NUL escape upper case", `{"message":"\U0000"}`, "malformed"},
		{"invalid byte", "{\"message\":\"a\xffb\"}", "message"},
		{"overlong encoding", "{\"message\":\"\xc0\xaf\"}", "message"},
		{"surrogate in UTF-8", "{\"message\":\"\xed\xa0\x80\"}", "message"},
		{"lone high surrogate", `{"message":"\ud800"}`, "message"},
		{"high surrogate then text", `{"message":"\ud800abcdef"}`, "message"},
		{"two high surrogates", `{"message":"\ud800\ud800"}`, "message"},
		{"lone low surrogate", `{"message":"\udc00\ud800"}`, "message"},
		{"nested", `{"message":"ok","conversation_history":[{"role":"user","content":"ok"},{"role":"user","content":"\u0000"}]}`, "conversation_history[1].content"},
		{"in an array of strings", `{"name":"k","scopes":["a","b","\u0000"]}`, "scopes[2]"},
		{"after a nested object", `{"conversation_history":[{"role":"user","content":"ok"}],"provider":"\ud800"}`, "provider"},
		{"promoted from an embedded struct", `{"mode":1}`, "mode"},
		{"huge integer", `{"ttlSeconds":99999999999999999999999}`, "ttlSeconds"},
		{"1e400 into an integer", `{"ttlSeconds":1e400}`, "ttlSeconds"},
		// encoding/json kept the last of two; a proxy may read the first.
		{"a key twice", `{"message":"hi","provider":"local","message":"bye"}`, "message"},
		{"a key twice, another case", `{"message":"hi","MESSAGE":"bye"}`, "MESSAGE"},
		{"a key twice, escaped", `{"message":"hi","\u006dessage":"bye"}`, "message"},
		{"a key twice, Kelvin sign", `{"message":"hi","idempotency_\u212aey":"a","idempotency_key":"b"}`, "idempotency_key"},
		{"a key twice, nested", `{"message":"ok","conversation_history":[{"role":"user","content":"a","content":"b"}]}`, "conversation_history[0].content"},
		{"the same key in two objects", `{"message":"ok","conversation_history":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}`, ""},
		{"a value that looks like a key", `{"message":"message","provider":"local"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dst any = &conversation.ChatRequest{}
			switch {
			case strings.Contains(tc.body, "mode") || strings.Contains(tc.body, "ttlSeconds"):
				dst = &integration.RotateRequest{}
			case strings.Contains(tc.body, "scopes"):
				dst = &org.CreateKeyRequest{}
			}
			err := unmarshalStrict([]byte(tc.body), dst)
			e := xerr.As(err)
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("unmarshalStrict(%q) = %v, want accepted", tc.body, err)
			case tc.field == "malformed" && (e == nil || e.Kind != xerr.Invalid || e.Field != ""):
				t.Errorf("unmarshalStrict(%q) = %#v, want a malformed body", tc.body, err)
			case tc.field != "" && tc.field != "malformed" && (e == nil || e.Kind != xerr.Invalid || e.Field != tc.field):
				t.Errorf("unmarshalStrict(%q) = %#v, want invalid field %s", tc.body, err, tc.field)
			}
		})
	}
}

// FuzzDecodeJSON: no input makes the strict decoder panic; what it refuses
// is a 400; what it accepts is valid JSON, and every string decoded from it
// is exactly what was sent: valid UTF-8, no NUL, and no U+FFFD that the
// body did not spell.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@example.com","password":"12345678"}`,
		`{"email":1}`, `{"email":"a"} x`, `[]`, `null`, `{"email":"\u0000"}`, "{\"email\":\"\xff\"}",
		`{"full_name":"` + strings.Repeat("é", 50) + `"}`, `{"password":1e999}`, strings.Repeat("[", 100),
		`{"session_started_at":"2026-04-16T10:00:00Z","transcripts":[{"role":"user","text":"\ud800","timestamp":"2026-04-16T10:00:01Z"}]}`,
		`{"mode":"embed","ttlSeconds":99999999999999999999999,"integrationToken":"t"}`,
		`{"name":"k","expires_at":12,"scopes":["a\udc00"]}`,
		`{"selected_options":[1e400],"duration_seconds":-1e400}`,
		`{"message":"\uD83D\uDE00","conversation_history":[{"role":"user","content":"\\u0000"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dst := range []any{
			&auth.RegisterRequest{}, &auth.UpdateMeRequest{}, &live.SaveTranscriptRequest{}, &org.CreateKeyRequest{},
			&integration.RotateRequest{}, &conversation.ChatRequest{}, &xel.SubmitRequest{},
		} {
			err := unmarshalStrict(b, dst)
			if err != nil {
				if StatusOf(err) != http.StatusBadRequest {
					t.Fatalf("%T: status %d for %q: %v", dst, StatusOf(err), b, err)
				}
				continue
			}
			if !json.Valid(b) {
				t.Fatalf("%T: accepted invalid JSON %q", dst, b)
			}
			spelled := bytes.Contains(b, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(b), []byte(`\ufffd`))
			eachString(reflect.ValueOf(dst), func(s string) {
				if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || (!spelled && strings.ContainsRune(s, utf8.RuneError)) {
					t.Fatalf("%T: accepted %q as the string %q", dst, b, s)
				}
			})
		}
	})
}

// eachString calls fn with every string reachable from v.
func eachString(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachString(v.Elem(), fn)
		}
	case reflect.String:
		fn(v.String())
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			eachString(v.Index(i), fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				eachString(v.Field(i), fn)
			}
		}
	}
}
