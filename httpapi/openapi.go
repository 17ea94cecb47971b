package httpapi

import (
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree/xel"
	"github.com/xentree/xentree/xtime"
)

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI builds the OpenAPI 3.1 document from the route table, once.
func (a *api) openAPI() map[string]any {
	a.openAPIOnce.Do(func() { a.openAPIDoc = buildOpenAPI(a.routes()) })
	return a.openAPIDoc
}

func buildOpenAPI(routes []route) map[string]any {
	schemas := map[string]any{}
	paths := map[string]any{}
	for _, rt := range routes {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"tags":        []string{rt.Tag},
		}
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			p := queryParam(q, slices.Contains(rt.Required, q))
			if d, ok := rt.QueryDoc[q]; ok {
				p["description"] = d
			}
			params = append(params, p)
		}
		for _, h := range slices.Sorted(maps.Keys(rt.Headers)) {
			params = append(params, map[string]any{"name": h, "in": "header", "required": false,
				"description": rt.Headers[h], "schema": map[string]any{"type": "string", "minLength": 1, "maxLength": 200}})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch rt.Auth {
		case public:
			op["security"] = []any{}
		case bearerOnly:
			op["security"] = []any{map[string]any{"bearer": []string{}}}
		case bearer:
			sec := []any{map[string]any{"bearer": []string{}}}
			if rt.Scope != "" {
				sec = append(sec, map[string]any{"apiKey": []string{rt.Scope}})
			}
			op["security"] = sec
		}
		if rt.Scope != "" {
			op["x-required-scope"] = rt.Scope
		}
		if rt.Admin {
			op["x-admin-only"] = true
		}
		if rt.Request != nil {
			content := map[string]any{"application/json": map[string]any{"schema": schemaRef(schemas, reflect.TypeOf(rt.Request))}}
			if rt.Form {
				content["application/x-www-form-urlencoded"] = map[string]any{"schema": schemaRef(schemas, reflect.TypeOf(rt.Request))}
			}
			if rt.Upload {
				content["multipart/form-data"] = map[string]any{"schema": map[string]any{
					"type": "object", "required": []string{"file"},
					"properties": map[string]any{
						"file":            map[string]any{"type": "string", "format": "binary"},
						"title":           map[string]any{"type": "string"},
						"organization_id": map[string]any{"type": "string"},
					},
				}}
			}
			op["requestBody"] = map[string]any{"required": rt.Method != "DELETE", "content": content}
		}
		resp := map[string]any{"description": "success"}
		if rt.Response != nil {
			content := map[string]any{"application/json": map[string]any{"schema": responseSchema(schemas, rt.Response)}}
			if rt.Stream {
				resp["description"] = "the answer as JSON, or as Server-Sent Events when the body's stream is true or Accept asks for text/event-stream"
				content["text/event-stream"] = map[string]any{"schema": map[string]any{
					"type": "string",
					"description": "Server-Sent Events: `delta` events with data {\"content\": piece}, then one `done` event whose data is the JSON answer, " +
						"or an `error` event whose data is the error envelope if the call fails after the stream began",
				}}
			}
			if rt.CSV {
				resp["description"] = "the answer as JSON, or as CSV when format is csv or Accept asks for text/csv"
				content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string", "description": "a header row, then one row per item"}}
			}
			resp["content"] = content
		}
		responses := map[string]any{strconv.Itoa(rt.Status): resp, "default": map[string]any{
			"description": "unexpected error (5xx): internal, or a dependency unavailable",
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
		}}
		for _, status := range errorStatuses(rt) {
			responses[strconv.Itoa(status)] = map[string]any{"$ref": "#/components/responses/" + errorResponses[status].name}
		}
		op["responses"] = responses
		item[strings.ToLower(rt.Method)] = op
	}
	schemas["Error"] = map[string]any{
		"type": "object", "required": []string{"detail"},
		"properties": map[string]any{"detail": map[string]any{
			"type": "object", "required": []string{"error", "message"},
			"properties": map[string]any{
				"error":   map[string]any{"type": "string", "description": "stable error code"},
				"message": map[string]any{"type": "string"},
				"field":   map[string]any{"type": "string", "description": "the request field at fault"},
			},
		}},
	}
	responses := map[string]any{}
	for status, r := range errorResponses {
		resp := map[string]any{
			"description": r.desc,
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
		}
		switch status {
		case http.StatusUnauthorized:
			resp["headers"] = map[string]any{"WWW-Authenticate": map[string]any{"description": "Bearer realm=\"xentree\"", "schema": map[string]any{"type": "string"}}}
		case http.StatusTooManyRequests:
			resp["headers"] = map[string]any{"Retry-After": map[string]any{"description": "seconds to wait before retrying, when known", "schema": map[string]any{"type": "integer"}}}
		}
		responses[r.name] = resp
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Xentree API",
			"version": "1.0.0",
			"description": "The REST API of Xentree, an embeddable AI-learning backend. " +
				"Errors use the envelope {\"detail\": {\"error\": code, \"message\": text}}. " +
				"Lists return {items, next_cursor}. Times are RFC 3339 UTC with milliseconds.",
			"license": map[string]any{"name": licenseName, "identifier": licenseID},
		},
		// Relative: the API is at the root of the server (or of the prefix it
		// is mounted under) that serves this document.
		"servers": []any{map[string]any{"url": "/", "description": "the server that serves this document"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":   schemas,
			"responses": responses,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
			},
		},
	}
}

// listOf marks a response as a page of Elem: {items: [Elem], next_cursor}.
type listOf struct{ Elem any }

// responseSchema is schemaRef that also understands listOf.
func responseSchema(schemas map[string]any, v any) map[string]any {
	if l, ok := v.(listOf); ok {
		return map[string]any{
			"type":     "object",
			"required": []string{"items", "next_cursor"},
			"properties": map[string]any{
				"items":       map[string]any{"type": "array", "items": schemaRef(schemas, reflect.TypeOf(l.Elem))},
				"next_cursor": map[string]any{"type": []string{"string", "null"}, "description": "opaque; pass as cursor for the next page"},
			},
		}
	}
	return schemaRef(schemas, reflect.TypeOf(v))
}

func operationID(rt route) string {
	s := strings.NewReplacer("/api/", "", "/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path)
	return strings.ToLower(rt.Method) + "_" + strings.Trim(s, "_")
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	xtimeType = reflect.TypeOf(xtime.Time{})
	// choiceType encodes as a number or a string (xel.Choice.MarshalJSON).
	choiceType = reflect.TypeOf(xel.Choice{})
)

// schemaRef returns a schema for t, registering named structs in schemas.
func schemaRef(schemas map[string]any, t reflect.Type) map[string]any {
	switch t {
	case timeType, xtimeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case choiceType:
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "integer", "minimum": 0, "description": "the option's 0-based index"},
			map[string]any{"type": "string", "description": "the option's text, exactly as the module detail shows it"},
		}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaRef(schemas, t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaRef(schemas, t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaRef(schemas, t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		if name == "" {
			return structSchema(schemas, t)
		}
		if _, ok := schemas[name]; !ok {
			schemas[name] = map[string]any{} // placeholder against recursion
			schemas[name] = structSchema(schemas, t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// schemaName names a schema after its package and type: auth.Profile → AuthProfile.
func schemaName(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	pkg := t.PkgPath()
	pkg = pkg[strings.LastIndex(pkg, "/")+1:]
	if pkg == "xentree" || pkg == "" {
		return t.Name()
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + t.Name()
}

func structSchema(schemas map[string]any, t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && ft != xtimeType {
					walk(ft)
					continue
				}
			}
			if name == "" {
				name = f.Name
			}
			s := schemaRef(schemas, f.Type)
			if f.Type.Kind() == reflect.Pointer {
				s = map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
			}
			props[name] = s
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
	}
	walk(t)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// The license the document states. The repository grants none yet, so this
// says so rather than naming an open-source one; change both together.
const (
	licenseName = "Proprietary"
	licenseID   = "LicenseRef-Xentree-Proprietary"
)

// queryParam describes a query parameter; the paging and counting ones are
// integers.
func queryParam(name string, required bool) map[string]any {
	schema := map[string]any{"type": "string"}
	p := map[string]any{"name": name, "in": "query", "required": required, "schema": schema}
	switch name {
	case "limit":
		schema["type"], schema["minimum"] = "integer", 1
		p["description"] = "items per page: default 50, at most 200 (server settings)"
	case "page":
		schema["type"], schema["minimum"] = "integer", 1
	case "offset":
		schema["type"], schema["minimum"] = "integer", 0
	case "cursor":
		p["description"] = "the next_cursor of the previous page"
	}
	return p
}

// errorResponses are the 4xx answers an operation may list, each a shared
// component carrying the error envelope.
var errorResponses = map[int]struct{ name, desc string }{
	http.StatusBadRequest:            {"BadRequest", "invalid_request: a malformed or invalid body, query or path value; field names the one at fault"},
	http.StatusUnauthorized:          {"Unauthenticated", "unauthenticated: no credentials, or an expired, revoked or malformed token or API key"},
	http.StatusForbidden:             {"Forbidden", "authenticated but not allowed: the caller's role, administrators only, an API key without the route's scope (INSUFFICIENT_API_KEY_SCOPE) or on a session-only route"},
	http.StatusNotFound:              {"NotFound", "not_found: missing, or not visible to the caller"},
	http.StatusConflict:              {"Conflict", "the request conflicts with the current state: a taken name, the last owner, no active session, a running reindex, a grant to renew"},
	http.StatusRequestEntityTooLarge: {"PayloadTooLarge", "payload_too_large: the body, or a part of it, exceeds its limit"},
	http.StatusUnsupportedMediaType:  {"UnsupportedMediaType", "the body's Content-Type is not one the operation reads"},
	http.StatusTooManyRequests:       {"TooManyRequests", "rate_limited, or a quota such as live_quota_exceeded: retry after Retry-After seconds"},
}

// engineErrors lists, by "METHOD path", the 4xx statuses an operation's
// Engine call returns beyond those its declaration implies (errorStatuses):
// the throttles, the quotas, the conflicts, and not-found answers about
// things the path does not name. TestOpenAPIEngineErrorsNameRoutes keeps
// and notAnswered's keys true, and TestMain in this package fails when an API test
// receives a 4xx the document does not list for its operation.
var engineErrors = map[string][]int{
	"POST /api/auth/register":       {http.StatusConflict, http.StatusTooManyRequests},
	"POST /api/auth/login":          {http.StatusUnauthorized, http.StatusTooManyRequests},
	"POST /api/auth/refresh":        {http.StatusUnauthorized, http.StatusTooManyRequests},
	"PATCH /api/auth/me":            {http.StatusConflict},
	"POST /api/core/chat":           {http.StatusConflict, http.StatusTooManyRequests}, // 409: an idempotency key reused for another message
	"POST /api/core/search/reindex": {http.StatusConflict},
	"POST /api/core/conversations/{conversation_id}/session/activity": {http.StatusConflict},
	"POST /api/core/conversations/{conversation_id}/session/end":      {http.StatusConflict},
	"POST /api/live/session/start":                                    {http.StatusTooManyRequests},
	"POST /api/live/session/heartbeat":                                {http.StatusTooManyRequests},
	"POST /api/organizations":                                         {http.StatusConflict},
	"PATCH /api/organizations/{org_id}":                               {http.StatusConflict},
	"POST /api/organizations/{org_id}/members":                        {http.StatusConflict},
	"PATCH /api/organizations/{org_id}/members/{target_user_id}":      {http.StatusConflict},
	"PUT /api/organizations/{org_id}/members/{target_user_id}":        {http.StatusConflict},
	"DELETE /api/organizations/{org_id}/members/{target_user_id}":     {http.StatusConflict},
	"POST /api/organizations/{org_id}/teams":                          {http.StatusConflict},
	"PATCH /api/organizations/{org_id}/teams/{team_id}":               {http.StatusConflict},
	"DELETE /api/integrations/google-calendar":                        {http.StatusNotFound},
	"GET /api/integrations/google-calendar/events":                    {http.StatusNotFound, http.StatusConflict},
	"POST /api/integrations/google-calendar/events":                   {http.StatusNotFound, http.StatusConflict},
	"GET /api/integration/fingerprint":                                {http.StatusNotFound},
	"POST /api/integration/keys/rotate":                               {http.StatusTooManyRequests}, // ten retired keys still published
}

// notAnswered lists, by "METHOD path", the statuses the rules of
// errorStatuses would list but the operation never answers.
var notAnswered = map[string][]int{
	// organization_id filters the list: an unknown one is an empty page.
	"GET /api/api-keys": {http.StatusNotFound},
	// Public: an unknown or malformed tenantId has an empty key set (only
	// a missing one is 400).
	"GET /api/integration/jwks": {http.StatusNotFound},
}

// errorStatuses returns the 4xx statuses rt may answer, in order: those
// its declaration implies, and those of engineErrors, less notAnswered.
//   - 401 and 403 for every route that needs credentials (a key without the
//     scope, a session-only route, administrators only, the caller's role);
//   - 400 for a route that reads a body or a query; 413 and 415 for a body;
//   - 404 for a route whose path, body or query names a resource by id.
func errorStatuses(rt route) []int {
	set := map[int]bool{}
	if rt.Auth != public {
		set[http.StatusUnauthorized], set[http.StatusForbidden] = true, true
	}
	if rt.Request != nil || len(rt.Query) > 0 {
		set[http.StatusBadRequest] = true
	}
	if rt.Request != nil {
		set[http.StatusRequestEntityTooLarge], set[http.StatusUnsupportedMediaType] = true, true
	}
	if namesResource(rt) {
		set[http.StatusNotFound] = true
	}
	for _, s := range engineErrors[rt.Method+" "+rt.Path] {
		set[s] = true
	}
	for _, s := range notAnswered[rt.Method+" "+rt.Path] {
		delete(set, s)
	}
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// namesResource reports whether rt's path, query or body names a resource
// by id (org_id, conversation_id, tenantId, ...), which may not exist or not
// be visible to the caller.
func namesResource(rt route) bool {
	isID := func(name string) bool { return strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "Id") }
	if pathParamRE.MatchString(rt.Path) || slices.ContainsFunc(rt.Query, isID) {
		return true
	}
	if rt.Request == nil {
		return false
	}
	t := reflect.TypeOf(rt.Request)
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if isID(name) {
			return true
		}
	}
	return false
}
