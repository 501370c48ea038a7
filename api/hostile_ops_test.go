package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/workflows"
)

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
