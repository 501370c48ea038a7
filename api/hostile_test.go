package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
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
