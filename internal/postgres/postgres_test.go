package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/pgtest"
	"github.com/profdev/profdev/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// mustDB opens a fresh, migrated database for one test.
func mustDB(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: pgtest.NewDatabase(t)}, zerolog.Nop())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// testCertificate is certificate i of mintrud's 2026 for servant s-i, of the agency and
// provider given, in status st: a row ready to be registered.
func testCertificate(i int, agency, provider string, st domain.CertificateStatus) domain.Certificate {
	return domain.Certificate{Number: fmt.Sprintf("MT-2026-%06d", i+1), WorkflowID: fmt.Sprintf("certificate-%d", i), Authority: "mintrud",
		Year: 2026, Agency: domain.AgencyRef{ID: agency, Name: "Ведомство " + agency},
		Servant:    domain.Servant{ID: fmt.Sprintf("s-%d", i), FullName: "Иванов", SNILS: "112-233-445 95", Email: "s@x.test", Position: "p"},
		ProviderID: provider, Programme: domain.Programme{Code: "PK-1", Title: "Программа", Hours: 72},
		Hours: 72, Amount: 30000, StartBy: civil.Date{Year: 2026, Month: 4, Day: 1}, EndBy: civil.Date{Year: 2026, Month: 12, Day: 1},
		Status: st, Revision: 1}
}

func TestMigrateIsIdempotentAndCurrent(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(again) != 0 {
		t.Errorf("second migrate applied %d migrations, want 0", len(again))
	}
	current, latest, err := db.MigrationVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if current != latest || latest < 1 {
		t.Errorf("versions current=%d latest=%d, want equal and >= 1", current, latest)
	}
}

func TestIdempotencyKeyLifecycle(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	req := postgres.IdempotentRequest{ActorSub: "u1", Key: "k1", Method: "POST", Path: "/api/v1/x", RequestHash: []byte{1, 2, 3}}

	stored, err := db.ClaimIdempotencyKey(ctx, req)
	if err != nil || stored != nil {
		t.Fatalf("first claim = %v, %v; want nil, nil", stored, err)
	}
	if _, err := db.ClaimIdempotencyKey(ctx, req); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("claim while pending: err = %v, want conflict", err)
	}
	resp := postgres.StoredResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"id":"a"}`)}
	if err := db.CompleteIdempotencyKey(ctx, req, resp); err != nil {
		t.Fatal(err)
	}
	stored, err = db.ClaimIdempotencyKey(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&resp, stored); diff != "" {
		t.Errorf("replayed response mismatch (-want +got):\n%s", diff)
	}

	other := req
	other.RequestHash = []byte{9}
	if _, err := db.ClaimIdempotencyKey(ctx, other); domain.ErrorCode(err) != domain.CodeIdempotencyConflict {
		t.Errorf("different body: err = %v, want idempotency_conflict", err)
	}
	otherCaller := req
	otherCaller.ActorSub = "u2"
	if stored, err := db.ClaimIdempotencyKey(ctx, otherCaller); err != nil || stored != nil {
		t.Errorf("same key, other caller = %v, %v; want a fresh claim", stored, err)
	}
}

func TestIdempotencyKeyReleaseAndStaleTakeover(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	req := postgres.IdempotentRequest{ActorSub: "u1", Key: "k2", Method: "POST", Path: "/p", RequestHash: []byte{1}}
	if _, err := db.ClaimIdempotencyKey(ctx, req); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseIdempotencyKey(ctx, req); err != nil {
		t.Fatal(err)
	}
	if stored, err := db.ClaimIdempotencyKey(ctx, req); err != nil || stored != nil {
		t.Fatalf("claim after release = %v, %v; want a fresh claim", stored, err)
	}
	// A server that died mid-request leaves the key pending; after a while a retry takes over.
	if _, err := db.Pool().Exec(ctx, `UPDATE idempotency_keys SET created_at = now() - interval '10 minutes'`); err != nil {
		t.Fatal(err)
	}
	if stored, err := db.ClaimIdempotencyKey(ctx, req); err != nil || stored != nil {
		t.Fatalf("claim of a stale key = %v, %v; want a takeover", stored, err)
	}
	if n, err := db.PruneIdempotencyKeys(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("prune of fresh keys = %d, %v; want 0", n, err)
	}
}

func TestDirectory(t *testing.T) {
	db := mustDB(t)
	ctx := context.Background()
	if _, err := db.PutAuthority(ctx, domain.Authority{ID: "mintrud", Name: "Минтруд России", Region: "RU", Emails: []string{"staff@mintrud.test"}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"agency-3", "agency-1", "agency-2"} {
		if _, err := db.PutAgency(ctx, domain.Agency{ID: id, Name: "Агентство " + id, Authority: "mintrud", Region: "RU",
			HREmails: []string{"hr1@" + id + ".test", "hr2@" + id + ".test"}, HeadEmail: "head@" + id + ".test"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PutAgency(ctx, domain.Agency{ID: "other-1", Name: "Other", Authority: "region-64", Region: "64"}); err != nil {
		t.Fatal(err)
	}
	// Update replaces.
	if _, err := db.PutAgency(ctx, domain.Agency{ID: "agency-1", Name: "Renamed", Authority: "mintrud", Region: "RU", HREmails: []string{"hr@agency-1.test"}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetAgency(ctx, "agency-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Renamed" || got.HeadEmail != "" || len(got.HREmails) != 1 {
		t.Errorf("updated agency = %+v", got)
	}
	if _, err := db.GetAgency(ctx, "nope"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("unknown agency: err = %v, want not_found", err)
	}

	page1, next, err := db.ListAgencies(ctx, "mintrud", postgres.Page{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	page2, last, err := db.ListAgencies(ctx, "mintrud", postgres.Page{Limit: 2, Cursor: next})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range append(page1, page2...) {
		ids = append(ids, a.ID)
	}
	if diff := cmp.Diff([]string{"agency-1", "agency-2", "agency-3"}, ids); diff != "" || next == "" || last != "" {
		t.Errorf("paged ids mismatch (-want +got):\n%s (next=%q last=%q)", diff, next, last)
	}

	tests := []struct {
		audience domain.Audience
		want     []string
	}{
		{domain.RoleAudience(domain.RoleHR, "agency-2"), []string{"hr1@agency-2.test", "hr2@agency-2.test"}},
		{domain.RoleAudience(domain.RoleAgencyHead, "agency-3"), []string{"head@agency-3.test"}},
		{domain.RoleAudience(domain.RoleAgencyHead, "agency-1"), []string{}},
		{domain.RoleAudience(domain.RoleMinistry, "mintrud"), []string{"staff@mintrud.test"}},
		{domain.RoleAudience(domain.RoleHR, "unknown"), nil},
		{domain.UserAudience("someone"), nil},
	}
	for _, tt := range tests {
		got, err := db.EmailsFor(ctx, tt.audience)
		if err != nil {
			t.Fatalf("EmailsFor(%s): %v", tt.audience.Key(), err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("EmailsFor(%s) mismatch (-want +got):\n%s", tt.audience.Key(), diff)
		}
	}
}

func TestCursorRejectsGarbage(t *testing.T) {
	db := mustDB(t)
	_, _, err := db.ListAgencies(context.Background(), "", postgres.Page{Cursor: "!!!"})
	if domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("err = %v, want invalid", err)
	}
}
