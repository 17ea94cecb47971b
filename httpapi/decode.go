package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xentree/xentree/internal/xerr"
)

// readBody reads the whole (size-limited) body.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &xerr.Error{Kind: xerr.TooLarge, Message: "request body exceeds " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) { // the server's read timeout: not the body's fault
		return nil, xerr.Wrap(xerr.Unavailable, err, "the request body did not arrive in time")
	}
	if err != nil {
		return nil, xerr.Wrap(xerr.Invalid, err, "could not read request body")
	}
	return b, nil
}

// mediaType returns the request's lower-cased media type, "" if none.
func mediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "invalid"
	}
	return strings.ToLower(mt)
}

var errWantJSON = &xerr.Error{Kind: xerr.Unsupported, Message: "Content-Type must be application/json"}

// wantJSONOr is decodeJSON's error on a route that also takes other media
// types: a 415 names all of them, so a client is not steered away from the
// form or upload the route accepts.
func wantJSONOr(err error, other string) error {
	if err == errWantJSON {
		return &xerr.Error{Kind: xerr.Unsupported, Message: "Content-Type must be application/json or " + other}
	}
	return err
}

// decodeJSON decodes a JSON object body into dst strictly: the media type
// must be JSON, every field known and of the right type, every string valid
// Unicode without NUL, and nothing may follow the object. Errors name the
// field at fault. An empty body decodes to the zero value when optional is
// true.
func decodeJSON(r *http.Request, dst any, optional bool) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if optional {
			return nil
		}
		return xerr.New(xerr.Invalid, "request body is required")
	}
	if mt := mediaType(r); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return errWantJSON
	}
	return unmarshalStrict(b, dst)
}

// unmarshalStrict is the JSON half of decodeJSON; fuzzed on its own.
func unmarshalStrict(b []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, reflect.TypeOf(dst))
	}
	if _, err := dec.Token(); err != io.EOF {
		return xerr.New(xerr.Invalid, "unexpected data after the JSON object")
	}
	// Only now: the body is known to be one well-formed value, so the scans
	// below cannot be misled about where strings begin and end.
	if at := duplicateKey(b); at >= 0 {
		if f := fieldAt(b, at); f != "" {
			return xerr.InvalidField(f, "appears twice")
		}
		return xerr.New(xerr.Invalid, "request body: a key appears twice in one object")
	}
	if at, why := badText(b); at >= 0 {
		if f := fieldAt(b, at); f != "" {
			return xerr.InvalidField(f, why)
		}
		return xerr.New(xerr.Invalid, "request body: a string "+why)
	}
	return nil
}

// badText finds the first string in a well-formed JSON text that must be
// refused, and says why; at is -1 if there is none. encoding/json would
// quietly turn bytes that are not UTF-8, and \u escapes of lone UTF-16
// surrogates, into U+FFFD, so what we stored would not be what was sent.
// U+0000 round-trips through the store, but SQLite's text functions (lower,
// length, LIKE) stop at it, so "a\u0000b" would compare equal to "a".
func badText(b []byte) (at int, why string) {
	if utf8.Valid(b) && bytes.IndexByte(b, '\\') < 0 {
		return -1, "" // the common case: nothing escaped, nothing to check
	}
	in := false
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case !in:
			in = c == '"'
			i++
		case c == '"':
			in = false
			i++
		case c == '\\' && i+1 < len(b) && b[i+1] == 'u':
			r, ok := hex4(b, i+2)
			switch {
			case !ok:
				return i, "must be valid JSON" // unreachable after a successful decode
			case r == 0:
				return i, "must not contain NUL characters"
			case utf16.IsSurrogate(r):
				lo, ok := rune(0), false
				if r < 0xdc00 && i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
					lo, ok = hex4(b, i+8)
				}
				if !ok || lo < 0xdc00 || lo > 0xdfff {
					return i, "must be valid Unicode (a \\u escape of a lone surrogate is not)"
				}
				i += 12
			default:
				i += 6
			}
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 {
				return i, "must be valid UTF-8"
			}
			i += n
		}
	}
	return -1, ""
}

// duplicateKey finds the second of two keys of one object in a
// well-formed JSON text that encoding/json would take as one field (it
// matches names without regard to case), and returns where it begins; -1
// if there is none. encoding/json keeps the last silently, while a proxy
// or another parser in front of us may act on the first: one request, read
// two ways.
func duplicateKey(b []byte) int {
	type container struct {
		object bool
		keys   map[string]bool
	}
	var stack []container
	wantKey := false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			stack = append(stack, container{object: true})
			wantKey = true
		case '[':
			stack = append(stack, container{})
			wantKey = false
		case '}', ']':
			stack = stack[:len(stack)-1]
			wantKey = false
		case ',':
			wantKey = stack[len(stack)-1].object
		case '"':
			end := i + 1
			for b[end] != '"' {
				if b[end] == '\\' {
					end++
				}
				end++
			}
			if wantKey {
				top := &stack[len(stack)-1]
				k := foldKey(b[i : end+1])
				if top.keys[k] {
					return i
				}
				if top.keys == nil {
					top.keys = map[string]bool{}
				}
				top.keys[k] = true
				wantKey = false
			}
			i = end
		}
	}
	return -1
}

// foldKey is a canonical form of a quoted JSON key: unescaped, and each
// letter folded as encoding/json folds field names (the smallest rune of
// its simple case-folding orbit, so "K", "k" and the Kelvin sign meet).
func foldKey(quoted []byte) string {
	var key string
	if bytes.IndexByte(quoted, '\\') >= 0 {
		_ = json.Unmarshal(quoted, &key) // well-formed: checked by the caller's decode
	} else {
		key = string(quoted[1 : len(quoted)-1])
	}
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, key)
}

// hex4 reads the four hex digits of a \u escape at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// fieldAt names the field whose string holds byte at: the keys that lead
// to it, with the index of each array element on the way
// ("transcripts[2].text", as the Live rules name it). It walks the tokens
// again, which is slow, but only for a body already being refused.
func fieldAt(b []byte, at int) string {
	type frame struct {
		object, wantKey bool
		key             string
		index           int // the array element being read
	}
	var stack []frame
	done := func() { // a value in the innermost container is complete
		if top := len(stack) - 1; top >= 0 {
			stack[top].wantKey = stack[top].object
			if !stack[top].object {
				stack[top].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				stack = append(stack, frame{object: d == '{', wantKey: true})
			} else {
				stack = stack[:len(stack)-1]
				done()
			}
			continue
		}
		top := len(stack) - 1
		isKey := top >= 0 && stack[top].object && stack[top].wantKey
		if isKey {
			stack[top].key, _ = tok.(string)
		}
		if int(dec.InputOffset()) > at {
			var path strings.Builder
			for _, f := range stack {
				switch {
				case !f.object:
					path.WriteString("[" + strconv.Itoa(f.index) + "]")
				case path.Len() > 0:
					path.WriteString("." + f.key)
				default:
					path.WriteString(f.key)
				}
			}
			return path.String()
		}
		if isKey {
			stack[top].wantKey = false
		} else {
			done()
		}
	}
}

func jsonError(err error, dst reflect.Type) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return xerr.Newf(xerr.Invalid, "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			return xerr.Newf(xerr.Invalid, "request body must be a JSON object, not %s", typ.Value)
		}
		return xerr.InvalidField(jsonField(dst, typ.Field), typeMessage(typ))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return xerr.New(xerr.Invalid, "malformed JSON: unexpected end of body")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return xerr.InvalidField(strings.Trim(f, `"`), "is not a known field")
	}
	// Other decoder errors (bad literals, a custom decoder's complaint) are
	// the client's too.
	return xerr.Newf(xerr.Invalid, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// typeMessage says what a field must be. A number that did not fit says
// so: "must be an integer, not number 1e400" would read as a contradiction.
func typeMessage(typ *json.UnmarshalTypeError) string {
	if typ.Type == xtimeType {
		return "must be an RFC 3339 timestamp such as 2026-04-16T10:00:00Z"
	}
	if typ.Type == choiceType {
		return "items must be option texts or 0-based option indexes, not " + typ.Value
	}
	kind := jsonKind(typ.Type.Kind().String())
	if num, ok := strings.CutPrefix(typ.Value, "number "); ok {
		if kind == "an integer" && strings.ContainsAny(num, ".eE") {
			return "must be an integer, not " + num
		}
		return "is out of range: " + num
	}
	return "must be " + kind + ", not " + typ.Value
}

// jsonField turns the field path of an encoding/json error into the keys a
// client sends: encoding/json puts the Go name of an embedded struct in it
// ("GrantRequest.mode" for a "mode" promoted from it).
func jsonField(t reflect.Type, path string) string {
	var out []string
	for _, seg := range strings.Split(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			out, t = append(out, seg), nil
			continue
		}
		if f, ok := t.FieldByName(seg); ok && f.Anonymous && f.Tag.Get("json") == "" {
			t = f.Type
			continue
		}
		out = append(out, seg)
		var next reflect.Type
		for _, f := range reflect.VisibleFields(t) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == seg || (name == "" && f.Name == seg) {
				next = f.Type
				break
			}
		}
		t = next
	}
	return strings.Join(out, ".")
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "an integer"
	case strings.HasPrefix(k, "float"):
		return "a number"
	case k == "slice", k == "array":
		return "an array"
	case k == "struct", k == "map":
		return "an object"
	case k == "bool":
		return "a boolean"
	}
	return "a " + k
}

// writeJSON encodes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"detail":{"error":"internal","message":"internal error"}}`)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func errInvalid(msg string) error { return xerr.New(xerr.Invalid, msg) }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
