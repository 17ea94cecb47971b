package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
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

// decodeJSON decodes a JSON object body into dst strictly: the media type
// must be JSON, the body valid UTF-8, every field known and of the right
// type, and nothing may follow the object. Errors name the field at fault.
// An empty body decodes to the zero value when optional is true.
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
	if !utf8.Valid(b) {
		return xerr.New(xerr.Invalid, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return xerr.New(xerr.Invalid, "unexpected data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return xerr.Newf(xerr.Invalid, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return xerr.Newf(xerr.Invalid, "request body must be a JSON object, not %s", typ.Value)
		}
		return xerr.InvalidField(typ.Field, "must be "+jsonKind(typ.Type.Kind().String())+", not "+typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return xerr.New(xerr.Invalid, "malformed JSON: unexpected end of body")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return xerr.InvalidField(strings.Trim(f, `"`), "is not a known field")
	}
	// Other decoder errors (depth limit, bad literals) are the client's too.
	return xerr.Newf(xerr.Invalid, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
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
