package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

func TestOperatorsFindWorkflowsAndReadHistory(t *testing.T) {
	a := mustAPI(t)
	a.mustProcesses()
	a.mustRegistryFor()
	cert := a.mustIssue("servant-1")
	id := workflows.CertificateWorkflowID(cert.ID)

	var page listBody[workflowSummary]
	eventually(t, 15*time.Second, "certificate workflow in visibility", func() bool {
		code, body, _ := a.do("GET", "/api/v1/ops/workflows?process=certificate&overdue=false", &operator, "")
		page = decode[listBody[workflowSummary]](t, http.StatusOK, code, body)
		for _, w := range page.Items {
			if w.WorkflowID == id && w.State == "issued" {
				return true
			}
		}
		return false
	})
	if code, body, _ := a.do("GET", "/api/v1/ops/workflows?query="+strings.ReplaceAll("WorkflowType = 'Certificate'", " ", "%20"), &operator, ""); code != http.StatusOK || !strings.Contains(string(body), id) {
		t.Errorf("raw query = %d %s", code, body)
	}
	if code, _, _ := a.do("GET", "/api/v1/ops/workflows?status=bad%27value", &operator, ""); code != http.StatusBadRequest {
		t.Errorf("unsafe filter value = %d, want 400", code)
	}
	if code, _, _ := a.do("GET", "/api/v1/ops/workflows?query=not%20a%20filter%20(((", &operator, ""); code != http.StatusBadRequest {
		t.Errorf("malformed raw query = %d, want 400", code)
	}

	code, body, _ := a.do("GET", "/api/v1/ops/workflows/"+id+"/history", &operator, "")
	hist := decode[struct {
		Events   []map[string]any `json:"events"`
		Timeline []domain.Event   `json:"timeline"`
	}](t, http.StatusOK, code, body)
	if len(hist.Events) < 5 || len(hist.Timeline) < 2 || hist.Timeline[1].Action != "issued" {
		t.Errorf("history: %d events, timeline %+v", len(hist.Events), hist.Timeline)
	}
	if code, _, _ := a.do("GET", "/api/v1/ops/workflows/certificate-NOPE/history", &operator, ""); code != http.StatusNotFound {
		t.Errorf("unknown workflow = %d, want 404", code)
	}
	// Operators read everything and change nothing; others do not see the ops endpoints.
	if code, _, _ := a.do("POST", "/api/v1/certificates/"+cert.ID+"/annulment", &operator, `{"reason":"x"}`); code != http.StatusForbidden {
		t.Errorf("operator annulling = %d, want 403", code)
	}
	if code, _, _ := a.do("GET", "/api/v1/ops/workflows", &ministry, ""); code != http.StatusForbidden {
		t.Errorf("ministry listing workflows = %d, want 403", code)
	}
}
