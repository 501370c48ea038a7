package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
)

// TestCountCertificatesCountsWhatTheListLists: for each filter, the count is the number of
// certificates the list pages through, capped at max; a certificate still being issued is
// in neither.
func TestCountCertificatesCountsWhatTheListLists(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	statuses := []domain.CertificateStatus{domain.CertificateIssued, domain.CertificateEnrolled, domain.CertificateEnrolled, domain.CertificateIssuing}
	for i := range 12 {
		c := testCertificate(i, fmt.Sprintf("agency-%d", i%2), fmt.Sprintf("prov-%d", i%3), statuses[i%len(statuses)])
		if err := db.RegisterCertificate(ctx, c, domain.Event{Seq: 1, At: at, Actor: domain.SystemActor, Action: "registered"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []postgres.CertificateFilter{
		{Authority: "mintrud"},
		{Agency: "agency-1"},
		{Provider: "prov-2", Status: string(domain.CertificateEnrolled)},
		{Agency: "agency-0", Status: string(domain.CertificateEnrolled), Year: 2026},
		{Agency: "agency-0", Status: string(domain.CertificateIssuing)},
		{Provider: "nobody"},
	} {
		listed := 0
		for page := (postgres.Page{Limit: 2}); ; {
			items, next, err := db.ListCertificates(ctx, f, page)
			if err != nil {
				t.Fatal(err)
			}
			listed += len(items)
			if next == "" {
				break
			}
			page.Cursor = next
		}
		for _, max := range []int{100, 3} {
			n, err := db.CountCertificates(ctx, f, max)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(listed, max); n != want {
				t.Errorf("%+v, max %d: counted %d, the list has %d", f, max, n, want)
			}
		}
		if f.Authority == "mintrud" && listed != 9 {
			t.Errorf("the authority's list has %d certificates, want the 9 not still issuing", listed)
		}
	}
}
