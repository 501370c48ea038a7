package api

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/auth"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/pgtest"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/internal/testtemporal"
	"github.com/profdev/profdev/workflows"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testAPI is an API on a fresh database and a real Temporal server, with a token signer.
type testAPI struct {
	t      *testing.T
	srv    *Server
	db     *postgres.DB
	signer *auth.Signer
	tenv   *testtemporal.Env
	// docSigner signs certificate documents once mustProcesses runs.
	docSigner signing.Signer
}

func mustAPI(t *testing.T) *testAPI {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: pgtest.NewDatabase(t)}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	signer := mustSigner(t)
	tenv := testtemporal.New(t, workflows.SearchAttributes())
	// No clock leeway, so that a token minted to expire at once is refused at once.
	verifier, err := auth.NewStaticVerifier(signer.PublicKey(), auth.Options{Issuer: "test-issuer", Audience: "profdev", Leeway: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Version: "test"}, Deps{Log: zerolog.Nop(), Store: db, Temporal: tenv.Client(), Verifier: verifier})
	return &testAPI{t: t, srv: srv, db: db, signer: signer, tenv: tenv}
}

func mustSigner(t *testing.T) *auth.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := auth.NewSigner(key, "test-issuer", "profdev")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (a *testAPI) token(actor domain.Actor) string {
	a.t.Helper()
	tok, err := a.signer.Mint(actor, time.Hour)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// do sends a request as actor (nil: no token) and returns the status and body.
func (a *testAPI) do(method, path string, actor *domain.Actor, body string, headers ...string) (int, []byte, http.Header) {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if actor != nil {
		req.Header.Set("Authorization", "Bearer "+a.token(*actor))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.srv.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes(), rec.Header()
}

func errorOf(t *testing.T, body []byte) ErrorDetail {
	t.Helper()
	var e ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("body is not the contract's error document: %s", body)
	}
	return e.Error
}

var (
	ministry      = domain.Actor{Sub: "m1", Role: domain.RoleMinistry, Authority: "mintrud"}
	otherMinistry = domain.Actor{Sub: "m2", Role: domain.RoleMinistry, Authority: "region-64"}
	hr            = domain.Actor{Sub: "h1", Role: domain.RoleHR, Agency: "agency-1"}
	operator      = domain.Actor{Sub: "o1", Role: domain.RoleOperator}
)

func TestAuthentication(t *testing.T) {
	a := mustAPI(t)
	expired, err := a.signer.Mint(hr, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // exp has one-second precision
	foreign, err := mustSigner(t).Mint(hr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, header string
	}{
		{"missing", ""},
		{"not bearer", "Basic dXNlcjpwYXNz"},
		{"empty bearer", "Bearer "},
		{"malformed", "Bearer not-a-jwt"},
		{"expired", "Bearer " + expired},
		{"wrongly signed", "Bearer " + foreign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := a.do("GET", "/api/v1/notifications", nil, "", "Authorization", tt.header)
			if code != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", code, body)
			}
			if e := errorOf(t, body); e.Code != domain.CodeUnauthenticated || e.Message == "" {
				t.Errorf("error = %+v, want unauthenticated with a message", e)
			}
		})
	}
	if code, body, _ := a.do("GET", "/api/v1/notifications", &hr, ""); code != http.StatusOK {
		t.Errorf("valid token: status %d, body %s", code, body)
	}
}

func TestPublicEndpointsNeedNoToken(t *testing.T) {
	a := mustAPI(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		if code, body, _ := a.do("GET", p, nil, ""); code != http.StatusOK {
			t.Errorf("GET %s = %d, body %.200s", p, code, body)
		}
	}
}

func TestReadyzReportsADownDatabase(t *testing.T) {
	a := mustAPI(t)
	a.db.Close()
	code, body, _ := a.do("GET", "/readyz", nil, "")
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"postgres":{"ok":false`) {
		t.Errorf("readyz with a closed pool = %d %s, want 503 naming postgres", code, body)
	}
}

func TestRoleCheckAndErrorsForUnknownRoutes(t *testing.T) {
	a := mustAPI(t)
	code, body, _ := a.do("PUT", "/api/v1/directory/agencies/agency-1", &hr, `{}`)
	if code != http.StatusForbidden || errorOf(t, body).Code != domain.CodeForbidden {
		t.Errorf("hr putting an agency = %d %s, want 403 forbidden", code, body)
	}
	code, body, _ = a.do("GET", "/api/v1/no-such-thing", &hr, "")
	if code != http.StatusNotFound || errorOf(t, body).Code != domain.CodeNotFound {
		t.Errorf("unknown route = %d %s, want 404 not_found", code, body)
	}
	code, body, _ = a.do("DELETE", "/api/v1/notifications", &hr, "")
	if code != http.StatusMethodNotAllowed {
		t.Errorf("wrong method = %d %s, want 405", code, body)
	}
}

func TestRequestIDIsEchoedOrMade(t *testing.T) {
	a := mustAPI(t)
	_, _, h := a.do("GET", "/healthz", nil, "", RequestIDHeader, "trace-123")
	if got := h.Get(RequestIDHeader); got != "trace-123" {
		t.Errorf("echoed request id = %q", got)
	}
	_, _, h = a.do("GET", "/healthz", nil, "", RequestIDHeader, "bad id with spaces")
	if got := h.Get(RequestIDHeader); got == "" || strings.Contains(got, " ") {
		t.Errorf("generated request id = %q", got)
	}
}

func TestValidationNamesEveryField(t *testing.T) {
	a := mustAPI(t)
	code, body, _ := a.do("PUT", "/api/v1/directory/agencies/agency-1", &ministry,
		`{"name":"","authority":"mintrud","hr_emails":["ok@x.test","nope"],"head_email":"also-nope"}`)
	if code != http.StatusBadRequest {
		t.Fatalf("status %d, body %s", code, body)
	}
	got := map[string]string{}
	for _, f := range errorOf(t, body).Fields {
		got[f.Field] = f.Message
	}
	for _, field := range []string{"name", "region", "hr_emails[1]", "head_email"} {
		if got[field] == "" {
			t.Errorf("field %q not named; fields %v", field, got)
		}
	}
	for _, bad := range []string{`{"name": 5}`, `{"nme":"x"}`, `not json`, ``, `{"name":"a"} {"name":"b"}`} {
		code, body, _ := a.do("PUT", "/api/v1/directory/agencies/agency-1", &ministry, bad)
		if code != http.StatusBadRequest || errorOf(t, body).Code != domain.CodeInvalid {
			t.Errorf("body %q: %d %s, want 400 invalid", bad, code, body)
		}
	}
	if code, _, _ := a.do("PUT", "/api/v1/directory/agencies/bad%20id", &ministry, `{}`); code != http.StatusBadRequest {
		t.Errorf("bad path id: %d, want 400", code)
	}
}

func TestBodyLimit(t *testing.T) {
	a := mustAPI(t)
	a.srv.cfg.MaxBodyBytes = 64
	code, body, _ := a.do("PUT", "/api/v1/directory/agencies/agency-1", &ministry, `{"name":"`+strings.Repeat("x", 100)+`"}`)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(errorOf(t, body).Message, "larger than") {
		t.Errorf("oversized body = %d %s, want 413 naming the limit", code, body)
	}
}

func TestDirectoryScope(t *testing.T) {
	a := mustAPI(t)
	put := `{"name":"Агентство","authority":"mintrud","region":"RU","hr_emails":["hr@a.test"],"head_email":"head@a.test"}`
	if code, body, _ := a.do("PUT", "/api/v1/directory/agencies/agency-1", &ministry, put); code != http.StatusOK {
		t.Fatalf("put: %d %s", code, body)
	}
	// Another authority's user may not register under mintrud, nor see or take over its agency.
	if code, _, _ := a.do("PUT", "/api/v1/directory/agencies/agency-1", &otherMinistry, put); code != http.StatusForbidden {
		t.Errorf("foreign authority in body: %d, want 403", code)
	}
	if code, _, _ := a.do("PUT", "/api/v1/directory/agencies/agency-1", &otherMinistry, strings.Replace(put, "mintrud", "region-64", 1)); code != http.StatusNotFound {
		t.Errorf("foreign agency: %d, want 404", code)
	}
	got, err := a.db.GetAgency(context.Background(), "agency-1")
	if err != nil || got.Authority != "mintrud" || got.HeadEmail != "head@a.test" {
		t.Errorf("refused requests changed the agency: %+v %v", got, err)
	}
	if code, _, _ := a.do("GET", "/api/v1/directory/agencies?authority=mintrud", &otherMinistry, ""); code != http.StatusForbidden {
		t.Errorf("listing another authority: %d, want 403", code)
	}
	code, body, _ := a.do("GET", "/api/v1/directory/agencies", &otherMinistry, "")
	if code != http.StatusOK || !strings.Contains(string(body), `"items":[]`) {
		t.Errorf("other ministry's own list = %d %s, want empty", code, body)
	}
	code, body, _ = a.do("GET", "/api/v1/directory/agencies", &operator, "")
	if code != http.StatusOK || !strings.Contains(string(body), "agency-1") {
		t.Errorf("operator list = %d %s", code, body)
	}
	if code, _, _ := a.do("PUT", "/api/v1/directory/authorities/region-64", &ministry, `{"name":"x","region":"64"}`); code != http.StatusForbidden {
		t.Errorf("keeping another authority's record: %d, want 403", code)
	}
	if code, body, _ := a.do("PUT", "/api/v1/directory/authorities/mintrud", &ministry, `{"name":"Минтруд","region":"RU","emails":["m@mintrud.test"]}`); code != http.StatusOK {
		t.Errorf("own authority: %d %s", code, body)
	}
	_, body, _ = a.do("GET", "/api/v1/directory/authorities/mintrud", &hr, "")
	if strings.Contains(string(body), "m@mintrud.test") {
		t.Errorf("staff addresses shown outside the authority: %s", body)
	}
}

func TestNotificationsFeedIsTheCallers(t *testing.T) {
	a := mustAPI(t)
	ctx := context.Background()
	for i, aud := range []domain.Audience{
		domain.RoleAudience(domain.RoleHR, "agency-1"), domain.RoleAudience(domain.RoleHR, "agency-2"), domain.UserAudience("h1"),
	} {
		if _, err := a.db.RecordNotification(ctx, aud.Key(), domain.Notification{WorkflowID: "wf", Step: string(rune('a' + i)), Audience: aud, Subject: aud.Key(), Body: "-"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	code, body, _ := a.do("GET", "/api/v1/notifications?limit=1", &hr, "")
	var page listBody[domain.Notification]
	if err := json.Unmarshal(body, &page); err != nil || code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	if len(page.Items) != 1 || page.Items[0].Subject != "user:h1" || page.NextCursor == "" {
		t.Fatalf("first page = %+v", page)
	}
	_, body, _ = a.do("GET", "/api/v1/notifications?cursor="+page.NextCursor, &hr, "")
	if !strings.Contains(string(body), "role:hr:agency-1") || strings.Contains(string(body), "agency-2") {
		t.Errorf("second page = %s", body)
	}
	if code, _, _ := a.do("GET", "/api/v1/notifications?limit=0", &hr, ""); code != http.StatusBadRequest {
		t.Errorf("limit=0: %d, want 400", code)
	}
}

func TestIdempotencyKey(t *testing.T) {
	a := mustAPI(t)
	var calls atomic.Int32
	a.srv.engine.POST("/api/v1/test/create", a.srv.authenticate(), a.srv.idempotent(func(c *gin.Context) {
		n := calls.Add(1)
		var in struct {
			A int `json:"a" validate:"gte=0"`
		}
		if err := a.srv.bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"n": n, "in": in})
	}))
	post := func(key, body string, who domain.Actor) (int, string, http.Header) {
		code, b, h := a.do("POST", "/api/v1/test/create", &who, body, IdempotencyKeyHeader, key)
		return code, string(b), h
	}
	c1, b1, _ := post("k-1", `{"a": 1}`, hr)
	c2, b2, h2 := post("k-1", `{"a":1}`, hr) // same body, other whitespace
	if c1 != http.StatusCreated || c2 != c1 || b2 != b1 || h2.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d %s (replayed=%q), want %d %s", c2, b2, h2.Get("Idempotent-Replayed"), c1, b1)
	}
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times, want 1", calls.Load())
	}
	c3, b3, _ := post("k-1", `{"a": 2}`, hr)
	if c3 != http.StatusConflict || !strings.Contains(b3, string(domain.CodeIdempotencyConflict)) {
		t.Errorf("different body = %d %s, want 409 idempotency_conflict", c3, b3)
	}
	if c4, _, _ := post("k-1", `{"a": 1}`, operator); c4 != http.StatusCreated || calls.Load() != 2 {
		t.Errorf("same key from another caller = %d (calls %d), want a fresh 201", c4, calls.Load())
	}
	// Invalid input is a final answer too: replayed, not re-run.
	before := calls.Load()
	post("k-2", `not json`, hr)
	if c5, _, _ := post("k-2", `not json`, hr); c5 != http.StatusBadRequest || calls.Load() != before+1 {
		t.Errorf("replayed 400 = %d, calls %d (want %d)", c5, calls.Load(), before+1)
	}
	if c6, _, _ := post(strings.Repeat("k", 201), `{}`, hr); c6 != http.StatusBadRequest {
		t.Errorf("overlong key = %d, want 400", c6)
	}
}

func TestPanicsBecome500WithoutInternals(t *testing.T) {
	a := mustAPI(t)
	a.srv.engine.GET("/api/v1/test/panic", func(*gin.Context) { panic("secret internal detail") })
	code, body, _ := a.do("GET", "/api/v1/test/panic", nil, "")
	if code != http.StatusInternalServerError || bytes.Contains(body, []byte("secret")) || errorOf(t, body).Code != domain.CodeInternal {
		t.Errorf("panic = %d %s", code, body)
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	a := mustAPI(t)
	a.do("GET", "/api/v1/notifications", &hr, "")
	a.do("GET", "/api/v1/notifications", nil, "")
	_, body, _ := a.do("GET", "/metrics", nil, "")
	for _, want := range []string{
		`profdev_http_requests_total{method="GET",route="/api/v1/notifications",status="200"} 1`,
		`profdev_http_requests_total{method="GET",route="/api/v1/notifications",status="401"} 1`,
		`profdev_http_request_duration_seconds_bucket{method="GET",route="/api/v1/notifications",status="200"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
