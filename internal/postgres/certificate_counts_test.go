package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/profdev/profdev/internal/domain"
)

// TestCertificateCountsFollowWrites: the counters the overview and the summary read from
// equal a count of the certificates and ratings themselves after every kind of write, the
// store's and any other: issuance, each step, duplicates, ratings, and changes and deletions
// that the store never makes but SQL may.
func TestCertificateCountsFollowWrites(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := func(seq int) domain.Event {
		return domain.Event{Seq: seq, At: at, Actor: domain.SystemActor, Action: "step"}
	}
	check := func(step string) {
		t.Helper()
		for _, q := range []string{
			symmetricDifference(`SELECT authority, year, agency_id, agency_name, status, certificates::bigint, duplicates, enrolled::bigint
				FROM certificate_counts_by_agency WHERE certificates <> 0 OR duplicates <> 0 OR enrolled <> 0`,
				`SELECT authority, year, agency_id, agency_name, status, count(*), sum(duplicates), count(*) FILTER (WHERE enrolment IS NOT NULL)
				FROM certificates WHERE status <> 'issuing' GROUP BY 1, 2, 3, 4, 5`),
			symmetricDifference(`SELECT authority, year, provider_id, status, certificates::bigint, duplicates, enrolled::bigint
				FROM certificate_counts_by_provider WHERE certificates <> 0 OR duplicates <> 0 OR enrolled <> 0`,
				`SELECT authority, year, provider_id, status, count(*), sum(duplicates), count(*) FILTER (WHERE enrolment IS NOT NULL)
				FROM certificates WHERE status <> 'issuing' GROUP BY 1, 2, 3, 4`),
			symmetricDifference(`SELECT authority, year, provider_id, programme_code, programme_title, ratings::bigint, score_sum
				FROM certificate_rating_counts WHERE ratings <> 0 OR score_sum <> 0`,
				`SELECT c.authority, c.year, c.provider_id, c.programme->>'code', c.programme->>'title', count(*), sum(r.score)
				FROM certificate_ratings r JOIN certificates c ON c.number = r.number GROUP BY 1, 2, 3, 4, 5`)} {
			var n int
			if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM (`+q+`) d`).Scan(&n); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if n != 0 {
				t.Errorf("%s: %d counter rows differ from a recount", step, n)
			}
		}
	}
	exec := func(step, sql string) {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		check(step)
	}

	certs := map[string]domain.Certificate{}
	for i, agency := range []string{"agency-1", "agency-1", "agency-2", "agency-2"} {
		c := testCertificate(i, agency, fmt.Sprintf("prov-%d", i%2), domain.CertificateIssuing)
		if err := db.RegisterCertificate(ctx, c, ev(1)); err != nil {
			t.Fatal(err)
		}
		certs[c.Number] = c
	}
	check("registered, still issuing")
	step := func(name, number string, change func(c *domain.Certificate)) {
		t.Helper()
		c := certs[number]
		change(&c)
		c.Revision++
		if err := db.SaveCertificate(ctx, c, ev(c.Revision)); err != nil {
			t.Fatal(err)
		}
		certs[number] = c
		check(name)
	}
	for n := range certs {
		step("issued", n, func(c *domain.Certificate) { c.Status = domain.CertificateIssued })
	}
	enrolment := &domain.Enrolment{EnrolledOn: civil.Date{Year: 2026, Month: 3, Day: 10}, OrderNumber: "1"}
	due := civil.Date{Year: 2026, Month: 12, Day: 20}
	step("enrolled", "MT-2026-000001", func(c *domain.Certificate) {
		c.Status, c.Enrolment, c.OutcomeDue = domain.CertificateEnrolled, enrolment, &due
	})
	step("enrolled", "MT-2026-000002", func(c *domain.Certificate) {
		c.Status, c.Enrolment, c.OutcomeDue = domain.CertificateEnrolled, enrolment, &due
	})
	step("overdue, nothing counted changes", "MT-2026-000001", func(c *domain.Certificate) { c.Overdue = true })
	step("completed", "MT-2026-000001", func(c *domain.Certificate) { c.Status, c.Overdue = domain.CertificateCompleted, false })
	step("duplicate", "MT-2026-000001", func(c *domain.Certificate) { c.Duplicates = 2 })
	step("annulled", "MT-2026-000003", func(c *domain.Certificate) { c.Status = domain.CertificateAnnulled })
	step("an older revision changes nothing", "MT-2026-000004", func(c *domain.Certificate) {
		c.Status, c.Revision = domain.CertificateLapsed, 0
	})

	for i, r := range []struct {
		number, rater string
		score         int
	}{{"MT-2026-000001", "s-0", 5}, {"MT-2026-000001", "hr-1", 2}, {"MT-2026-000002", "s-1", 4}, {"MT-2026-000001", "s-0", 1}} {
		if err := db.SaveRating(ctx, certs[r.number], domain.Actor{Sub: r.rater, Role: domain.RoleServant}, domain.Rating{Score: r.score}, ev(20+i)); err != nil {
			t.Fatal(err)
		}
		check("rated " + r.number + " by " + r.rater)
	}

	exec("a rating of a certificate not yet stored", `INSERT INTO certificate_ratings (number, rater_sub, rater_role, score, at)
		VALUES ('MT-2026-000009', 's-9', 'servant', 3, now())`)
	exec("a rating's score changed", `UPDATE certificate_ratings SET score = 1 WHERE number = 'MT-2026-000002'`)
	exec("a rating moved to another certificate", `UPDATE certificate_ratings SET number = 'MT-2026-000003' WHERE rater_sub = 'hr-1'`)
	exec("a certificate's agency renamed", `UPDATE certificates SET agency_name = 'Новое имя' WHERE agency_id = 'agency-1'`)
	exec("a certificate's provider and programme changed", `UPDATE certificates SET provider_id = 'prov-9',
		programme = programme || '{"code": "PK-2", "title": null}' WHERE number = 'MT-2026-000001'`)
	exec("a programme without a code", `UPDATE certificates SET programme = programme - 'code' WHERE number = 'MT-2026-000002'`)
	exec("a certificate renumbered", `UPDATE certificates SET number = 'MT-2026-000009' WHERE number = 'MT-2026-000004'`)
	exec("a certificate back to issuing", `UPDATE certificates SET status = 'issuing' WHERE number = 'MT-2026-000003'`)
	exec("a certificate deleted", `DELETE FROM certificates WHERE number = 'MT-2026-000002'`)
	exec("a rating deleted", `DELETE FROM certificate_ratings WHERE rater_sub = 's-0'`)
	exec("a certificate inserted with its ratings already there", `INSERT INTO certificates (number, workflow_id, authority, year,
		agency_id, agency_name, servant_id, servant, provider_id, programme, hours, amount, start_by, end_by, status, enrolment, revision)
		VALUES ('MT-2026-000002', 'certificate-x', 'mintrud', 2026, 'agency-3', 'Ведомство 3', 's-x', '{}', 'prov-1',
			'{"code": "PK-1", "title": "Программа"}', 72, 1, '2026-04-01', '2026-12-01', 'enrolled', '{}', 1)`)
	exec("ratings truncated", `TRUNCATE certificate_ratings`)
	exec("certificates truncated", `TRUNCATE certificates`)
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM certificate_counts_by_agency) +
		(SELECT count(*) FROM certificate_counts_by_provider) + (SELECT count(*) FROM certificate_rating_counts)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("counter rows after truncating = %d, %v; want none", n, err)
	}
}

// symmetricDifference is a query of the rows that one of a and b has and the other has not.
func symmetricDifference(a, b string) string {
	return `(` + a + ` EXCEPT ALL ` + b + `) UNION ALL (` + b + ` EXCEPT ALL ` + a + `)`
}
