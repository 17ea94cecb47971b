package httpapi

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xentree/xentree/internal/xtime"
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
			params = append(params, map[string]any{"name": q, "in": "query", "required": q == "q", "schema": map[string]any{"type": "string"}})
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
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": responseSchema(schemas, rt.Response)}}
		}
		responses := map[string]any{strconv.Itoa(rt.Status): resp, "default": map[string]any{
			"description": "error",
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}},
		}}
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
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Xentree API",
			"version": "1.0.0",
			"description": "The REST API of Xentree, an embeddable AI-learning backend. " +
				"Errors use the envelope {\"detail\": {\"error\": code, \"message\": text}}. " +
				"Lists return {items, next_cursor}. Times are RFC 3339 UTC with milliseconds.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
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
)

// schemaRef returns a schema for t, registering named structs in schemas.
func schemaRef(schemas map[string]any, t reflect.Type) map[string]any {
	switch t {
	case timeType, xtimeType:
		return map[string]any{"type": "string", "format": "date-time"}
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
