package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/postgres"
)

func TestCertificateBatch(t *testing.T) {
	a := mustAPI(t)
	smtp := a.mustProcesses()
	a.mustRegistryFor()
	now := time.Now()
	startBy, endBy := now.AddDate(0, 1, 0), now.AddDate(0, 3, 0)
	items := []string{
		certificateBody("servant-b1", "PK-01", startBy, endBy),
		certificateBody("servant-b2", "PK-01", startBy, endBy),
		strings.Replace(certificateBody("servant-b3", "PK-01", startBy, endBy), `"112-233-445 95"`, `"112-233-445 96"`, 1), // bad SNILS
		certificateBody("servant-b4", "PK-01", startBy, endBy),
		certificateBody("servant-b5", "PK-99", startBy, endBy), // programme not declared
		certificateBody("servant-b6", "PK-01", endBy, startBy), // end before start
	}
	body := `{"items":[` + strings.Join(items, ",") + `]}`
	code, resp, _ := a.do("POST", "/api/v1/certificates/batch", &ministry, body, IdempotencyKeyHeader, "batch-1")
	got := decode[app.BatchReceipt](t, http.StatusAccepted, code, resp)
	var rejected []string
	for _, r := range got.Rejected {
		field := ""
		if len(r.Error.Fields) > 0 {
			field = r.Error.Fields[0].Field
		}
		rejected = append(rejected, fmt.Sprintf("%d:%s:%s", r.Index, r.Error.Code, field))
	}
	if got.Accepted != 3 || strings.Join(rejected, " ") != "2:invalid:servant.snils 4:conflict: 5:invalid:end_by" {
		t.Fatalf("batch = accepted %d, rejected %v", got.Accepted, rejected)
	}
	// The same request with the same key issues nothing twice: the first answer comes back.
	code, resp, _ = a.do("POST", "/api/v1/certificates/batch", &ministry, body, IdempotencyKeyHeader, "batch-1")
	if again := decode[app.BatchReceipt](t, http.StatusAccepted, code, resp); again.BatchID != got.BatchID {
		t.Fatalf("replayed batch id %s, want %s", again.BatchID, got.BatchID)
	}

	var progress struct {
		Done     int            `json:"done"`
		Complete bool           `json:"complete"`
		ByStatus map[string]int `json:"by_status"`
	}
	eventually(t, 30*time.Second, "batch issued", func() bool {
		code, resp, _ := a.do("GET", "/api/v1/certificates/batches/"+got.BatchID, &ministry, "")
		progress = decode[struct {
			Done     int            `json:"done"`
			Complete bool           `json:"complete"`
			ByStatus map[string]int `json:"by_status"`
		}](t, http.StatusOK, code, resp)
		return progress.Complete
	})
	if progress.ByStatus["issued"] != 3 {
		t.Errorf("progress = %+v, want 3 issued", progress)
	}
	if code, _, _ := a.do("GET", "/api/v1/certificates/batches/"+got.BatchID, &otherMinistry, ""); code != http.StatusNotFound {
		t.Errorf("another authority's batch = %d, want 404", code)
	}
	list, _, err := a.db.ListCertificates(context.Background(), postgres.CertificateFilter{Authority: "mintrud"}, postgres.Page{})
	if err != nil || len(list) != 3 {
		t.Fatalf("certificates = %d (%v), want 3", len(list), err)
	}
	for _, s := range []string{"servant-b1", "servant-b2", "servant-b4"} {
		eventually(t, 10*time.Second, "delivery to "+s, func() bool { return smtp.CountTo(s+"@gov.test") == 1 })
	}
}
