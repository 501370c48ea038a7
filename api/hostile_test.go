package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// The hostile walk: every operation of the served OpenAPI document, as every role and
// without a token, with malformed input of every kind the operator of issue 11 sent. No
// answer may be a 5xx; every error must be the contract's error document; where the answer
// does not depend on the role or the record (a parameter the document constrains, a path
// value PostgreSQL could not take, a body over the limit) it must be exactly that 400 or 413
// naming the field.

// hostileActors are the callers of the walk: nil is a request without a token. Their scopes
// are those of the records mustHostileSeeds makes, so that each reaches as far into the
// handlers as its role allows.
var hostileActors = []*domain.Actor{
	nil,
	{Sub: "m1", Role: domain.RoleMinistry, Authority: "mintrud"},
	{Sub: "ra1", Role: domain.RoleReserveAuthority, Authority: "mintrud"},
	{Sub: "h1", Role: domain.RoleHR, Agency: "agency-1"},
	{Sub: "head1", Role: domain.RoleAgencyHead, Agency: "agency-1"},
	{Sub: "pa", Role: domain.RoleProvider, Provider: "provider-a"},
	{Sub: "s1", Role: domain.RoleServant, Servant: "servant-1"},
	{Sub: "o1", Role: domain.RoleOperator},
}

func roleOf(a *domain.Actor) string {
	if a == nil {
		return "(no token)"
	}
	return string(a.Role)
}

// hostileSeeds are real records, one of each kind a path names, so that requests get past
// "not found" to the checks of their bodies.
type hostileSeeds struct {
	certificate, application, nomination, batch, plan, workflowID string
	year                                                          int
}

func (a *testAPI) mustHostileSeeds() hostileSeeds {
	t := a.t
	t.Helper()
	a.mustPlanningDirectory() // mintrud with agency-1, agency-2, provider-a admitted; region-64
	year := thisYear()
	s := hostileSeeds{year: year}

	cert := a.mustIssue("servant-1")
	s.certificate = cert.ID
	s.workflowID = "certificate-" + cert.ID

	now := time.Now()
	code, body, _ := a.do("POST", "/api/v1/certificates/batch", &ministry,
		`{"items":[`+certificateBody("servant-7", "PK-01", now.AddDate(0, 1, 0), now.AddDate(0, 3, 0))+`]}`)
	s.batch = decode[app.BatchReceipt](t, http.StatusAccepted, code, body).BatchID

	// provider-b applies to mintrud, so that the ministry reaches the decision's body.
	providerB := domain.Actor{Sub: "pb", Role: domain.RoleProvider, Provider: "provider-b"}
	code, body, _ = a.do("POST", "/api/v1/registry/applications", &providerB, applicationBody("mintrud", "PK-05"))
	s.application = decode[domain.Application](t, http.StatusCreated, code, body).ID

	reserveAuthority := *hostileActors[2]
	if code, body, _ := a.do("PUT", fmt.Sprintf("/api/v1/reserve/quotas/%d/agency-1", year), &reserveAuthority, `{"I":2,"II":2,"III":2}`); code != http.StatusOK {
		t.Fatalf("quotas: %d %s", code, body)
	}
	hr := *hostileActors[3]
	code, body, _ = a.do("POST", "/api/v1/reserve/nominations", &hr, fmt.Sprintf(`{"year":%d,"authority":"mintrud"}`, year))
	s.nomination = decode[domain.Nomination](t, http.StatusCreated, code, body).ID
	code, body, _ = a.do("POST", "/api/v1/reserve/nominations/"+s.nomination+"/candidates", &hr, reservePeople[0].body(t))
	if cand := decode[domain.ReserveCandidate](t, http.StatusCreated, code, body); cand.ID != "C1" {
		t.Fatalf("candidate = %+v, want C1", cand)
	}

	plansDue := time.Now().In(time.UTC).AddDate(0, 0, 7)
	if plansDue.Year() != year {
		plansDue = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	code, body, _ = a.do("POST", "/api/v1/planning/cycles", &ministry, fmt.Sprintf(`{"year":%d,"authority":"mintrud",
		"priority_directions":["Цифровая трансформация"],"plans_due":%q,"quarterly_reports":true}`, year, plansDue.Format(time.DateOnly)))
	decode[cycleBody](t, http.StatusCreated, code, body)
	code, body, _ = a.do("POST", fmt.Sprintf("/api/v1/planning/cycles/%d/plans", year), &hr, planBody("mintrud", "seminar", false))
	s.plan = decode[domain.Plan](t, http.StatusCreated, code, body).ID
	return s
}

// pathValue is the real value of a path parameter of path.
func (s hostileSeeds) pathValue(path, param string) string {
	switch param {
	case "id":
		switch {
		case strings.HasPrefix(path, "/api/v1/certificates/"):
			return s.certificate
		case strings.HasPrefix(path, "/api/v1/registry/applications/"):
			return s.application
		case strings.HasPrefix(path, "/api/v1/reserve/nominations/"):
			return s.nomination
		case strings.HasPrefix(path, "/api/v1/connections/"):
			return "connection-unknown" // no such request: the walk still must never see a 5xx
		}
	case "number":
		return s.certificate
	case "cid":
		return "C1"
	case "year":
		return fmt.Sprint(s.year)
	case "agency":
		return "agency-1"
	case "authority":
		return "mintrud"
	case "provider_id":
		return "provider-a"
	case "declaration_id":
		return "declaration-1"
	case "batch_id":
		return s.batch
	case "plan_id":
		return s.plan
	case "workflow_id":
		return s.workflowID
	case "org":
		return "agency-1"
	case "change_id":
		return "change-unknown"
	case "person_id":
		return "person-unknown"
	case "code":
		return "invitation-unknown"
	}
	panic("hostile walk: no value for path parameter " + param + " of " + path)
}

// docSchema is the part of a JSON schema in the document the walk reads.
type docSchema struct {
	Ref        string                `json:"$ref"`
	Type       json.RawMessage       `json:"type"`
	Enum       []any                 `json:"enum"`
	Pattern    string                `json:"pattern"`
	Minimum    *float64              `json:"minimum"`
	Maximum    *float64              `json:"maximum"`
	Format     string                `json:"format"`
	Properties map[string]*docSchema `json:"properties"`
	Items      *docSchema            `json:"items"`
}

// typ is the schema's type, the non-null one of a [type, "null"] pair.
func (s *docSchema) typ() string {
	var one string
	if json.Unmarshal(s.Type, &one) == nil {
		return one
	}
	var many []string
	_ = json.Unmarshal(s.Type, &many)
	for _, t := range many {
		if t != "null" {
			return t
		}
	}
	if s.Properties != nil {
		return "object"
	}
	return ""
}

// constrained reports whether a query value can break the schema: checkInput then refuses a
// value that does with a 400 naming the parameter, whoever asks.
func (s *docSchema) constrained() bool {
	switch s.typ() {
	case "integer", "number", "boolean":
		return true
	}
	return len(s.Enum) > 0 || s.Pattern != ""
}

// violation is a value the schema refuses, for constrained schemas.
func (s *docSchema) violation() string {
	switch {
	case s.typ() == "integer" || s.typ() == "number":
		return "12abc"
	case s.typ() == "boolean":
		return "maybe"
	case len(s.Enum) > 0:
		return "bogus-value"
	case s.Pattern != "":
		return "not an ident!"
	}
	return ""
}

type docParam struct {
	Ref      string     `json:"$ref"`
	Name     string     `json:"name"`
	In       string     `json:"in"`
	Required bool       `json:"required"`
	Schema   *docSchema `json:"schema"`
}

// docOperation is one operation of the document, with its parameters and body schema resolved.
type docOperation struct {
	method, path string
	public       bool
	pathParams   []docParam
	queryParams  []docParam
	body         *docSchema // nil: no request body
}

func (o docOperation) String() string { return o.method + " " + o.path }

func (o docOperation) declaresQuery(name string) bool {
	return slices.ContainsFunc(o.queryParams, func(p docParam) bool { return p.Name == name })
}

// servedOperations reads every operation of the document the server serves.
func (a *testAPI) servedOperations() []docOperation {
	t := a.t
	code, raw, _ := a.do("GET", "/api/v1/openapi.json", nil, "")
	if code != http.StatusOK {
		t.Fatalf("openapi.json: %d", code)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]docParam   `json:"parameters"`
			Schemas    map[string]*docSchema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var resolve func(s *docSchema, depth int) *docSchema
	resolve = func(s *docSchema, depth int) *docSchema {
		if s == nil || depth > 8 {
			return s
		}
		if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
			def := doc.Components.Schemas[name]
			if def == nil {
				t.Fatalf("openapi.json: no schema %s", name)
			}
			return resolve(def, depth+1)
		}
		for k, p := range s.Properties {
			s.Properties[k] = resolve(p, depth+1)
		}
		s.Items = resolve(s.Items, depth+1)
		return s
	}
	var ops []docOperation
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains([]string{"get", "put", "post", "delete", "patch"}, method) {
				continue
			}
			var op struct {
				Security    *[]any     `json:"security"`
				Parameters  []docParam `json:"parameters"`
				RequestBody *struct {
					Content map[string]struct {
						Schema *docSchema `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			o := docOperation{method: strings.ToUpper(method), path: path, public: op.Security != nil && len(*op.Security) == 0}
			for _, p := range op.Parameters {
				if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
					p = doc.Components.Parameters[name]
				}
				if p.Schema == nil {
					p.Schema = &docSchema{}
				}
				p.Schema = resolve(p.Schema, 0)
				switch p.In {
				case "path":
					o.pathParams = append(o.pathParams, p)
				case "query":
					o.queryParams = append(o.queryParams, p)
				}
			}
			if op.RequestBody != nil {
				o.body = resolve(op.RequestBody.Content["application/json"].Schema, 0)
				if o.body == nil {
					o.body = &docSchema{}
				}
			}
			ops = append(ops, o)
		}
	}
	// Steps that change a record whatever their body (approving a nomination, deleting its
	// candidate) go last, so that the other requests find the seeded records as they are.
	late := func(o docOperation) bool { return o.method == "DELETE" || o.method == "POST" && o.body == nil }
	sort.Slice(ops, func(i, j int) bool {
		if late(ops[i]) != late(ops[j]) {
			return late(ops[j])
		}
		return ops[i].String() < ops[j].String()
	})
	return ops
}

// hostileRequest is one request of the walk and what its answer must be.
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

// TestHostileInputNeverFails is the walk of issue 11 (see the top of this file).
func TestHostileInputNeverFails(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	seeds := a.mustHostileSeeds()
	const limit = 64 << 10 // the oversized bodies stay small; the limit's code is the same
	a.srv.cfg.MaxBodyBytes = limit
	ops := a.servedOperations()
	if len(ops) < 50 {
		t.Fatalf("the served document has %d operations; the walk expects them all", len(ops))
	}

	tokens := map[*domain.Actor]string{}
	for _, actor := range hostileActors[1:] {
		tokens[actor] = a.token(*actor)
	}
	var reqs []hostileRequest
	for _, op := range ops {
		for i, actor := range hostileActors {
			reqs = append(reqs, hostileRequests(op, actor, i, seeds, limit)...)
		}
	}

	handler := a.srv.Handler()
	type slow struct {
		d    time.Duration
		what string
	}
	var slowest []slow
	perOp := map[string]int{}
	began := time.Now()
	failures := 0
	for _, r := range reqs {
		var body io.Reader
		if r.body != nil {
			body = bytes.NewReader(r.body)
		}
		req := httptest.NewRequest(r.op.method, r.path, body)
		if r.chunked {
			req.ContentLength = -1
			req.Body = io.NopCloser(bytes.NewReader(r.body))
		}
		if r.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if r.actor != nil {
			req.Header.Set("Authorization", "Bearer "+tokens[r.actor])
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		handler.ServeHTTP(rec, req)
		d := time.Since(start)
		slowest = append(slowest, slow{d, fmt.Sprintf("%s as %s: %s -> %d", r.op, roleOf(r.actor), r.what, rec.Code)})
		perOp[r.op.String()]++
		if problem := r.check(rec.Code, rec.Body.Bytes()); problem != "" {
			failures++
			if failures <= 40 {
				t.Errorf("%s %s as %s (%s): %s", r.op.method, truncate(r.path, 120), roleOf(r.actor), r.what, problem)
			}
		}
	}
	took := time.Since(began)
	if failures > 40 {
		t.Errorf("... and %d more", failures-40)
	}
	for _, op := range ops {
		if perOp[op.String()] == 0 {
			t.Errorf("%s was not walked", op)
		}
	}
	sort.Slice(slowest, func(i, j int) bool { return slowest[i].d > slowest[j].d })
	for _, s := range slowest[:min(5, len(slowest))] {
		t.Logf("slow: %v %s", s.d.Round(time.Millisecond), s.what)
	}
	t.Logf("hostile walk: %d requests over %d operations as %d callers in %v", len(reqs), len(ops), len(hostileActors), took.Round(time.Millisecond))
	if took > 45*time.Second {
		t.Errorf("the walk took %v; it must stay well under a minute", took)
	}
}

var nonPrintable = regexp.MustCompile(`[^ -~]`)

func truncate(s string, n int) string {
	s = nonPrintable.ReplaceAllString(s, "?")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// TestOpsListRefusesBadCursorsAndFiltersAtOnce: the operators' list of issue 11 answered a
// garbage cursor with a 500 after 10 seconds. Its cursors now carry a check over the filter,
// so garbage and cursors of another filter are refused before Temporal is asked; a filter
// Temporal refuses is a 400 naming the query; both within a second. A real cursor still
// pages.
func TestOpsListRefusesBadCursorsAndFiltersAtOnce(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustRegistryFor()
	for _, s := range []string{"servant-1", "servant-2", "servant-3"} {
		a.mustIssue(s)
	}
	list := "/api/v1/ops/workflows?process=certificate&limit=2"
	var first listBody[workflowSummary]
	eventually(t, 15*time.Second, "three certificates in visibility", func() bool {
		code, body, _ := a.do("GET", "/api/v1/ops/workflows?process=certificate", &operator, "")
		return len(decode[listBody[workflowSummary]](t, http.StatusOK, code, body).Items) == 3
	})
	code, body, _ := a.do("GET", list, &operator, "")
	first = decode[listBody[workflowSummary]](t, http.StatusOK, code, body)
	if len(first.Items) != 2 || first.NextCursor == "" {
		t.Fatalf("first page = %+v", first)
	}
	code, body, _ = a.do("GET", list+"&cursor="+first.NextCursor, &operator, "")
	if second := decode[listBody[workflowSummary]](t, http.StatusOK, code, body); len(second.Items) != 1 || second.NextCursor != "" {
		t.Errorf("second page = %+v", second)
	}

	forged := cursorOf("csv-but-long-enough")
	for name, path := range map[string]string{
		"garbage cursor":              list + "&cursor=csv",
		"base64 garbage cursor":       list + "&cursor=" + forged,
		"cursor of another filter":    "/api/v1/ops/workflows?process=certificate&overdue=true&limit=2&cursor=" + first.NextCursor,
		"malformed raw query":         "/api/v1/ops/workflows?query=" + url.QueryEscape("not a filter((("),
		"unknown attribute":           "/api/v1/ops/workflows?query=" + url.QueryEscape("NoSuchAttribute = 'x'"),
		"raw query and garbage token": "/api/v1/ops/workflows?query=" + url.QueryEscape("WorkflowType = 'Certificate'") + "&cursor=AAAAAAAAAAAAAAAA",
	} {
		start := time.Now()
		code, body, _ := a.do("GET", path, &operator, "")
		took := time.Since(start)
		want := "cursor"
		if strings.Contains(name, "query") || name == "unknown attribute" {
			want = "query"
		}
		if name == "raw query and garbage token" {
			want = "cursor"
		}
		if code != http.StatusBadRequest || !hasFields(errorOf(t, body), want) {
			t.Errorf("%s: %d %s, want 400 naming %s", name, code, body, want)
		}
		if took > time.Second {
			t.Errorf("%s: answered in %v, want within a second", name, took)
		}
	}
}

// TestOpsListRefusesAForgedCursor: a cursor that passes the check but holds a token Temporal
// cannot read (only someone who computed the check makes one) is still the caller's 400.
func TestOpsListRefusesAForgedCursor(t *testing.T) {
	a := mustAPI(t)
	query := workflows.AttrProcess.GetName() + " = 'certificate'"
	for _, token := range []string{"garbage", "[1]"} {
		start := time.Now()
		code, body, _ := a.do("GET", "/api/v1/ops/workflows?process=certificate&cursor="+app.EncodeOpsCursor(query, []byte(token)), &operator, "")
		if code != http.StatusBadRequest || !hasFields(errorOf(t, body), "cursor") {
			t.Errorf("forged token %q: %d %s, want 400 naming cursor", token, code, body)
		}
		if took := time.Since(start); took > app.OpsListTimeout+2*app.OpsProbeTimeout {
			t.Errorf("forged token %q: answered in %v", token, took)
		}
	}
}
