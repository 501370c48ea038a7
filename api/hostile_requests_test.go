package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/profdev/profdev/internal/domain"
)

type hostileRequest struct {
	op      docOperation
	actor   *domain.Actor
	what    string
	path    string // with the query
	body    []byte
	chunked bool // no Content-Length: the server learns the size by reading
	// want, when set, is the one status the answer must have, and field the field its
	// error must name.
	want  int
	field string
}

// Junk for path parameters: the first two are bytes PostgreSQL refuses in a text parameter
// (checkInput's 400 whatever the route), the others valid text that names nothing.
var pathJunk = []string{"%FF%FE", "%00", "x%27%3B%20DROP%20TABLE%20certificates%3B--", strings.Repeat("9", 3000),
	"-1", "%E2%80%AE%D0%96", "99999999999999999999", "a%20b"}

// nulFieldOf is the first property (by name) of the walk's escaped-NUL body.
func nulFieldOf(body string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || len(m) == 0 {
		panic("hostile walk: NUL body " + body)
	}
	keys := slices.Sorted(maps.Keys(m))
	return keys[0]
}

// requiredQueryValue is a valid value of a required query parameter.
func requiredQueryValue(name string) string {
	if name == "authority" {
		return "mintrud"
	}
	panic("hostile walk: no value for required query parameter " + name)
}

// hostileBodies are malformed JSON bodies for an operation with a request body.
func hostileBodies(schema *docSchema) map[string]string {
	wrong, nul, huge, dates := map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}
	for name, p := range schema.Properties {
		switch p.typ() {
		case "string":
			wrong[name] = 12345
			nul[name] = "a\u0000b"
			if p.Format == "date" {
				dates[name] = "2025-02-30"
			}
		case "integer", "number":
			wrong[name] = "not a number"
			huge[name] = json.RawMessage("1e400")
			if name == "year" {
				dates[name] = 1900
			}
		case "boolean":
			wrong[name] = "yes"
		case "array":
			wrong[name] = map[string]int{"x": 1}
		case "object":
			wrong[name] = []int{1, 2}
		default:
			wrong[name] = []any{}
		}
	}
	if len(nul) == 0 {
		nul["note"] = "\u0000"
	}
	if len(huge) == 0 {
		huge["n"] = json.RawMessage("99999999999999999999999999")
	}
	if len(dates) == 0 {
		dates["date"] = "yesterday"
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	return map[string]string{
		"not json":        `not json`,
		"truncated json":  `{"year": 2026, "auth`,
		"empty body":      ``,
		"wrong types":     enc(wrong),
		"huge numbers":    enc(huge),
		"impossible date": enc(dates),
		"deep nesting":    strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
		"array body":      `[{"year":2026}]`,
		"escaped NUL":     enc(nul),
	}
}

// hostileRequests makes the walk's requests for one operation as one actor; i is the actor's
// index, which spreads the path junk over the actors.
func hostileRequests(op docOperation, actor *domain.Actor, i int, seeds hostileSeeds, limit int64) []hostileRequest {
	realPath := op.path
	for _, p := range op.pathParams {
		realPath = strings.ReplaceAll(realPath, "{"+p.Name+"}", url.PathEscape(seeds.pathValue(op.path, p.Name)))
	}
	authed := actor != nil || op.public
	req := func(what, path string, body []byte) hostileRequest {
		return hostileRequest{op: op, actor: actor, what: what, path: path, body: body}
	}
	// exactly: the answer must be code naming field, or 401 without a token on a private route.
	exactly := func(r hostileRequest, code int, field string) hostileRequest {
		if authed {
			r.want, r.field = code, field
		} else {
			r.want = http.StatusUnauthorized
		}
		return r
	}
	var out []hostileRequest
	var baseBody []byte
	if op.body != nil {
		baseBody = []byte(`{}`)
	}
	out = append(out, req("plain", realPath, baseBody))

	// Query parameters: everything the document constrains broken at once.
	var broken []string
	q := url.Values{}
	for _, p := range op.queryParams {
		if p.Schema.constrained() {
			q.Set(p.Name, p.Schema.violation())
			broken = append(broken, p.Name)
		} else {
			q.Set(p.Name, "' OR 1=1 --")
		}
	}
	if len(q) > 0 {
		r := req("every query parameter wrong", realPath+"?"+q.Encode(), baseBody)
		if len(broken) > 0 {
			r = exactly(r, http.StatusBadRequest, strings.Join(broken, ","))
		}
		out = append(out, r)
	}
	// Each list parameter alone (with the required ones) with the values of issue 11.
	alone := func(name, value string) string {
		q := url.Values{}
		for _, p := range op.queryParams {
			if p.Required && p.Name != name {
				q.Set(p.Name, requiredQueryValue(p.Name))
			}
		}
		return realPath + "?" + q.Encode() + "&" + name + "=" + value
	}
	if op.declaresQuery("cursor") {
		for _, c := range []string{"csv", "AAAA", "__8", cursorOf("a\x00b")} {
			r := req("cursor "+c, alone("cursor", url.QueryEscape(c)), nil)
			r.field = "cursor" // 400 must name it; a role that may not list gets 403 first
			out = append(out, r)
		}
	}
	if op.declaresQuery("limit") {
		for _, l := range []string{"abc", "0", "501", "1e3"} {
			out = append(out, exactly(req("limit "+l, alone("limit", url.QueryEscape(l)), nil), http.StatusBadRequest, "limit"))
		}
	}
	for _, name := range []string{"year", "overdue", "status", "format"} {
		if op.declaresQuery(name) {
			for _, v := range []string{"1900", "twenty", "%FF", "%00"} {
				r := req(name+" "+v, alone(name, v), nil)
				if strings.HasPrefix(v, "%") {
					r = exactly(r, http.StatusBadRequest, name)
				} else {
					r.field = name
				}
				out = append(out, r)
			}
		}
	}
	// Junk in each path parameter, two of pathJunk per actor: all of it over the actors.
	for _, p := range op.pathParams {
		for k := range 2 {
			j := pathJunk[(2*i+k)%len(pathJunk)]
			path := op.path
			for _, other := range op.pathParams {
				v := url.PathEscape(seeds.pathValue(op.path, other.Name))
				if other.Name == p.Name {
					v = j
				}
				path = strings.ReplaceAll(path, "{"+other.Name+"}", v)
			}
			r := req("path "+p.Name+" junk "+j, path, baseBody)
			if strings.HasPrefix(j, "%FF") || j == "%00" || len(j) > maxParamBytes {
				r = exactly(r, http.StatusBadRequest, p.Name)
			}
			out = append(out, r)
		}
	}
	// Bodies, on every operation that may have one.
	if op.method != "GET" {
		over := []byte(`{"note":"` + strings.Repeat("x", int(limit)) + `"}`)
		r := req("oversized body", realPath, over)
		r.want = http.StatusRequestEntityTooLarge // refused before authentication: nothing reads it
		out = append(out, r)
		r = req("oversized chunked body", realPath, over)
		r.chunked = true
		out = append(out, exactly(r, http.StatusRequestEntityTooLarge, "(body)"))
		if actor != nil && op.body != nil {
			bodies := hostileBodies(op.body)
			for _, what := range slices.Sorted(maps.Keys(bodies)) {
				b := bodies[what]
				r := req(what, realPath, []byte(b))
				if what == "escaped NUL" {
					r = exactly(r, http.StatusBadRequest, nulFieldOf(b))
				}
				out = append(out, r)
			}
		} else if actor != nil {
			out = append(out, exactly(req("escaped NUL", realPath, []byte(`{"x":["ok","a\u0000"]}`)), http.StatusBadRequest, "x[1]"))
		}
	}
	return out
}

// cursorOf is a well-formed encoding of key as the store writes cursors: it lets the walk
// send cursors that decode to bytes PostgreSQL refuses.
func cursorOf(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// codeFor is the error code the contract pairs with each status of the walk.
var codeFor = map[int]domain.Code{
	http.StatusBadRequest: domain.CodeInvalid, http.StatusUnauthorized: domain.CodeUnauthenticated,
	http.StatusForbidden: domain.CodeForbidden, http.StatusNotFound: domain.CodeNotFound,
	http.StatusConflict: domain.CodeConflict, http.StatusRequestEntityTooLarge: domain.CodeInvalid,
	http.StatusMethodNotAllowed: domain.CodeInvalid,
}

// check returns what is wrong with an answer, or "".
func (r hostileRequest) check(code int, body []byte) string {
	if code >= 500 {
		return fmt.Sprintf("%d %.300s", code, body)
	}
	if r.want != 0 && code != r.want {
		return fmt.Sprintf("status %d, want %d: %.300s", code, r.want, body)
	}
	if code < 400 {
		return ""
	}
	var e ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		return fmt.Sprintf("%d with a body that is not the contract's error document: %.300s", code, body)
	}
	if want, ok := codeFor[code]; !ok {
		return fmt.Sprintf("status %d is not one a malformed request may get: %.300s", code, body)
	} else if e.Error.Code != want && !(code == http.StatusConflict && e.Error.Code == domain.CodeIdempotencyConflict) {
		return fmt.Sprintf("%d with code %q, want %q", code, e.Error.Code, want)
	}
	if code == http.StatusBadRequest && r.field != "" {
		for _, f := range strings.Split(r.field, ",") {
			if !slices.ContainsFunc(e.Error.Fields, func(fe domain.FieldError) bool { return fe.Field == f }) {
				return fmt.Sprintf("400 does not name %q: %.300s", f, body)
			}
		}
	}
	return ""
}
