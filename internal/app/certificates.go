package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/workflows"
)

// The educational certificate (process 1): issue one or a batch, read within scope, and the
// provider's, ministry's and servant's steps on an issued certificate.

// CertificateStore is what the certificate steps read and write directly.
type CertificateStore interface {
	AllocateCertificateNumber(ctx context.Context, authority string, year int, claimKey string) (string, error)
	ProgrammeForCertificate(ctx context.Context, authority, providerID, code string, year int) (domain.Programme, error)
	GetCertificate(ctx context.Context, number string) (domain.Certificate, error)
	ListCertificates(ctx context.Context, f postgres.CertificateFilter, page postgres.Page) ([]domain.Certificate, string, error)
	CountCertificates(ctx context.Context, f postgres.CertificateFilter, max int) (int, error)
	GetDocument(ctx context.Context, number string, seq int) (domain.Document, error)
	VerifyCertificate(ctx context.Context, number string) (domain.Verification, error)
	SigningChains(ctx context.Context) ([]byte, error)
	CreateBatch(ctx context.Context, b domain.Batch, items []domain.BatchItem) error
	GetBatch(ctx context.Context, id string) (domain.Batch, error)
	BatchProgress(ctx context.Context, batchID string) (map[string]int, error)
	UnissuedBatchItems(ctx context.Context, batchID string, limit int) ([]domain.BatchItemState, error)
	Timeline(ctx context.Context, subjectID string) ([]domain.Event, error)
}

// CertificateReaders are the roles that may read certificates, each within its scope.
var CertificateReaders = []domain.Role{domain.RoleMinistry, domain.RoleHR, domain.RoleProvider, domain.RoleServant, domain.RoleOperator}

// IssueCertificate forms, signs and delivers one certificate (ministry).
func (s *Service) IssueCertificate(ctx context.Context, actor domain.Actor, req domain.CertificateRequest) (domain.Certificate, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return domain.Certificate{}, err
	}
	// Refuse at once what the workflow would refuse: a clear 409 without spending a number.
	if _, err := s.store.ProgrammeForCertificate(ctx, actor.Authority, req.ProviderID, req.ProgrammeCode, req.Year); err != nil {
		return domain.Certificate{}, err
	}
	region := s.authorityRegion(ctx, actor.Authority)
	number, err := s.store.AllocateCertificateNumber(ctx, actor.Authority, req.Year, "request:"+uuid.NewString())
	if err != nil {
		return domain.Certificate{}, err
	}
	in := workflows.NewCertificateInput(req, number, actor.Authority, region, actor, s.cfg.CertificateTerms, s.cfg.PublicBaseURL, "")
	var out domain.Certificate
	err = s.start(ctx, Start{
		ID: workflows.CertificateWorkflowID(number), Workflow: workflows.CertificateWorkflowType, Input: in,
		Process: workflows.ProcessCertificate, Authority: actor.Authority, Agency: req.Agency.ID, Provider: req.ProviderID,
	}, workflows.UpdateCertificateIssued, actor, &out)
	return out, err
}

// authorityRegion is the region whose calendar counts for an authority ("" is federal).
func (s *Service) authorityRegion(ctx context.Context, authority string) string {
	if a, err := s.store.GetAuthority(ctx, authority); err == nil {
		return a.Region
	}
	return ""
}

// Certificate returns one certificate if the actor may see it; otherwise not found.
func (s *Service) Certificate(ctx context.Context, actor domain.Actor, number string) (domain.Certificate, error) {
	if err := Require(actor, CertificateReaders...); err != nil {
		return domain.Certificate{}, err
	}
	cert, err := s.store.GetCertificate(ctx, number)
	if err == nil && (cert.Status == domain.CertificateIssuing ||
		!InScope(actor, Owner{Authority: cert.Authority, Agency: cert.Agency.ID, Provider: cert.ProviderID, Servant: cert.Servant.ID})) {
		err = domain.NotFound("certificate " + number)
	}
	return cert, err
}

// Certificates lists the certificates the actor may see that match the filter; the actor's
// own scope always wins, and a filter naming another scope is forbidden.
func (s *Service) Certificates(ctx context.Context, actor domain.Actor, f postgres.CertificateFilter, page postgres.Page) ([]domain.Certificate, string, error) {
	if err := scopeCertificates(actor, &f); err != nil {
		return nil, "", err
	}
	return s.store.ListCertificates(ctx, f, page)
}

// CountCertificates counts, up to max, the certificates Certificates would list.
func (s *Service) CountCertificates(ctx context.Context, actor domain.Actor, f postgres.CertificateFilter, max int) (int, error) {
	if err := scopeCertificates(actor, &f); err != nil {
		return 0, err
	}
	return s.store.CountCertificates(ctx, f, max)
}

// scopeCertificates pins a certificate filter to the actor's scope: the actor's own scope
// always wins, and a filter naming another scope is forbidden.
func scopeCertificates(actor domain.Actor, f *postgres.CertificateFilter) error {
	if err := Require(actor, CertificateReaders...); err != nil {
		return err
	}
	switch actor.Role {
	case domain.RoleMinistry:
		f.Authority = actor.Authority
	case domain.RoleHR:
		return pinScope("certificates", "agency", actor.Agency, &f.Agency)
	case domain.RoleProvider:
		return pinScope("certificates", "provider", actor.Provider, &f.Provider)
	case domain.RoleServant:
		return pinScope("certificates", "servant", actor.Servant, &f.Servant)
	}
	return nil
}

// CertificateDocument returns the latest document of a certificate (the newest duplicate);
// with signature, it must be signed already.
func (s *Service) CertificateDocument(ctx context.Context, actor domain.Actor, number string, signature bool) (domain.Document, error) {
	cert, err := s.Certificate(ctx, actor, number)
	if err != nil {
		return domain.Document{}, err
	}
	doc, err := s.store.GetDocument(ctx, cert.Number, -1)
	if err == nil && signature && doc.Signature == nil {
		err = domain.Conflict("the document of certificate %s is not signed yet", cert.Number)
	}
	return doc, err
}

// CertificateTimeline is who did what to a certificate, and when.
func (s *Service) CertificateTimeline(ctx context.Context, actor domain.Actor, number string) ([]domain.Event, error) {
	cert, err := s.Certificate(ctx, actor, number)
	if err != nil {
		return nil, err
	}
	return s.store.Timeline(ctx, cert.Number)
}

// MayTakeCertificateStep reports whether the actor may take a step that is the given role's
// on the certificate: not found outside the actor's scope, forbidden for another role (HR
// may answer the quality survey too). A transport asks before it reads the step's input.
func (s *Service) MayTakeCertificateStep(ctx context.Context, actor domain.Actor, number string, role domain.Role) error {
	_, err := s.loadForStep(ctx, actor, number, role)
	return err
}

func (s *Service) loadForStep(ctx context.Context, actor domain.Actor, number string, role domain.Role) (domain.Certificate, error) {
	cert, err := s.Certificate(ctx, actor, number)
	if err == nil && actor.Role != role && !(role == domain.RoleServant && actor.Role == domain.RoleHR) {
		err = domain.Forbidden("this step is for the %s of the certificate", role)
	}
	return cert, err
}

// certificateStep runs one step of the given role on a certificate the actor may see.
func (s *Service) certificateStep(ctx context.Context, actor domain.Actor, number string, role domain.Role, update string, arg any) (domain.Certificate, error) {
	cert, err := s.loadForStep(ctx, actor, number, role)
	if err != nil {
		return cert, err
	}
	var out domain.Certificate
	err = s.step(ctx, cert.WorkflowID, update, arg, &out,
		domain.Conflict("certificate %s is %s: its process has ended", cert.Number, cert.Status))
	return out, err
}

// ReportEnrolment records the provider's report of enrolment and start (сведения о зачислении).
func (s *Service) ReportEnrolment(ctx context.Context, actor domain.Actor, number string, e domain.Enrolment) (domain.Certificate, error) {
	return s.certificateStep(ctx, actor, number, domain.RoleProvider, workflows.UpdateEnrol, workflows.EnrolmentReport{Actor: actor, Enrolment: e})
}

// ReportOutcome records how training ended, as the provider reports it.
func (s *Service) ReportOutcome(ctx context.Context, actor domain.Actor, number string, o domain.Outcome) (domain.Certificate, error) {
	return s.certificateStep(ctx, actor, number, domain.RoleProvider, workflows.UpdateReportOutcome, workflows.OutcomeReport{Actor: actor, Outcome: o})
}

// Annul annuls a certificate (аннулирование) with a reason (ministry).
func (s *Service) Annul(ctx context.Context, actor domain.Actor, number, reason string) (domain.Certificate, error) {
	return s.certificateStep(ctx, actor, number, domain.RoleMinistry, workflows.UpdateAnnul, workflows.AuthorityStep{Actor: actor, Reason: reason})
}

// Duplicate issues a new signed document of a lost or damaged certificate (дубликат).
func (s *Service) Duplicate(ctx context.Context, actor domain.Actor, number, reason string) (domain.Certificate, error) {
	return s.certificateStep(ctx, actor, number, domain.RoleMinistry, workflows.UpdateDuplicate, workflows.AuthorityStep{Actor: actor, Reason: reason})
}

// Rate records one quality survey answer (оценка качества), once per person.
func (s *Service) Rate(ctx context.Context, actor domain.Actor, number string, r domain.Rating) (domain.Certificate, error) {
	return s.certificateStep(ctx, actor, number, domain.RoleServant, workflows.UpdateRate, workflows.RatingReport{Actor: actor, Rating: r})
}

// VerifyCertificate is the public check of a certificate number: no personal data.
// A document signed by a development or local key says so: only the authority's signing
// service gives a qualified signature.
func (s *Service) VerifyCertificate(ctx context.Context, number string) (domain.Verification, error) {
	v, err := s.store.VerifyCertificate(ctx, number)
	if err != nil {
		return v, err
	}
	v.Qualified = v.Algorithm == signing.AlgorithmRemote
	v.SignatureKind = "non_qualified"
	if v.Qualified {
		v.SignatureKind = "qualified"
	}
	return v, nil
}

// SigningChains is the PEM bundle a verifier needs (signing certificates and their CAs).
func (s *Service) SigningChains(ctx context.Context) ([]byte, error) {
	pem, err := s.store.SigningChains(ctx)
	if err == nil && len(pem) == 0 {
		err = domain.Errorf(domain.CodeUnavailable, "no signing certificate has been published yet: start a worker")
	}
	return pem, err
}

// MaxBatchItems is the most items one batch may carry.
const MaxBatchItems = 10000

// BatchEntry is one item of a batch as the transport read it: the request, or why it could
// not be read (bad JSON, a field that fails validation).
type BatchEntry struct {
	Request domain.CertificateRequest
	Err     error
}

// BatchReceipt answers a batch: its ID, how many items were accepted, and why the others
// were refused, by index.
type BatchReceipt struct {
	BatchID  string                  `json:"batch_id"`
	Accepted int                     `json:"accepted"`
	Rejected []domain.BatchRejection `json:"rejected"`
}

// IssueBatch checks each item as IssueCertificate would, stores the accepted ones and starts
// the batch workflow without waiting for it; BatchStatus reports progress.
func (s *Service) IssueBatch(ctx context.Context, actor domain.Actor, entries []BatchEntry) (BatchReceipt, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return BatchReceipt{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return BatchReceipt{}, domain.Wrap(err, domain.CodeInternal, "no batch ID")
	}
	b := domain.Batch{ID: "batch-" + id.String(), Authority: actor.Authority, Actor: actor, Rejected: []domain.BatchRejection{}}
	eligible := map[string]error{} // one registry look-up per provider, programme and year
	var items []domain.BatchItem
	for i, e := range entries {
		item, rej := s.batchItem(ctx, actor, e, eligible)
		if rej != nil {
			b.Rejected = append(b.Rejected, domain.BatchRejection{Index: i, Error: *rej})
			continue
		}
		items = append(items, domain.BatchItem{Index: i, Request: item})
	}
	b.Accepted = len(items)
	if err := s.store.CreateBatch(ctx, b, items); err != nil {
		return BatchReceipt{}, err
	}
	if b.Accepted > 0 {
		_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: workflows.CertificateBatchWorkflowID(b.ID), TaskQueue: workflows.TaskQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		}, workflows.CertificateBatchWorkflowType, workflows.BatchInput{
			BatchID: b.ID, Authority: actor.Authority, Region: s.authorityRegion(ctx, actor.Authority),
			IssuedBy: actor, Terms: s.cfg.CertificateTerms, PublicBaseURL: s.cfg.PublicBaseURL, Born: workflows.BornNow,
		})
		if err != nil {
			return BatchReceipt{}, workflowError(err)
		}
	}
	return BatchReceipt{BatchID: b.ID, Accepted: b.Accepted, Rejected: b.Rejected}, nil
}

// batchItem checks one item against the registry, returning it encoded for storage.
func (s *Service) batchItem(ctx context.Context, actor domain.Actor, e BatchEntry, eligible map[string]error) (json.RawMessage, *domain.BatchRejectionError) {
	err := e.Err
	r := e.Request
	if err == nil {
		key := fmt.Sprintf("%s|%s|%d", r.ProviderID, r.ProgrammeCode, r.Year)
		e, seen := eligible[key]
		if !seen {
			_, e = s.store.ProgrammeForCertificate(ctx, actor.Authority, r.ProviderID, r.ProgrammeCode, r.Year)
			eligible[key] = e
		}
		err = e
	}
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || de.Code == domain.CodeInternal || de.Code == domain.CodeUnavailable {
			de = &domain.Error{Code: domain.CodeInvalid, Message: "the item could not be checked"}
		}
		return nil, &domain.BatchRejectionError{Code: de.Code, Message: de.Message, Fields: de.Fields}
	}
	out, _ := json.Marshal(r)
	return out, nil
}

// BatchStatus is a batch's progress: how many of its accepted items stand in each status,
// and each item without an issued certificate, refused (with the reason) or waiting. It is
// complete only when every accepted item is issued or refused.
type BatchStatus struct {
	BatchID   string                  `json:"batch_id"`
	Accepted  int                     `json:"accepted"`
	Rejected  int                     `json:"rejected"`
	ByStatus  map[string]int          `json:"by_status"`
	Done      int                     `json:"done"`
	Issued    int                     `json:"issued"`
	Refused   int                     `json:"refused"`
	Waiting   int                     `json:"waiting"`
	Unissued  []domain.BatchItemState `json:"unissued"`
	Complete  bool                    `json:"complete"`
	CreatedAt time.Time               `json:"created_at"`
}

// maxUnissuedShown bounds the items a batch's status lists one by one.
const maxUnissuedShown = 1000

// Batch returns the progress of one of the actor's authority's batches.
func (s *Service) Batch(ctx context.Context, actor domain.Actor, id string) (BatchStatus, error) {
	if err := Require(actor, domain.RoleMinistry); err != nil {
		return BatchStatus{}, err
	}
	b, err := s.store.GetBatch(ctx, id)
	if err == nil && b.Authority != actor.Authority {
		err = domain.NotFound("batch " + id)
	}
	if err != nil {
		return BatchStatus{}, err
	}
	progress, err := s.store.BatchProgress(ctx, b.ID)
	if err != nil {
		return BatchStatus{}, err
	}
	unissued, err := s.store.UnissuedBatchItems(ctx, b.ID, maxUnissuedShown)
	if err != nil {
		return BatchStatus{}, err
	}
	if unissued == nil {
		unissued = []domain.BatchItemState{}
	}
	st := BatchStatus{BatchID: b.ID, Accepted: b.Accepted, Rejected: len(b.Rejected), ByStatus: progress,
		Unissued: unissued, CreatedAt: b.CreatedAt}
	for status, n := range progress {
		switch status {
		case "pending", string(domain.CertificateIssuing):
			st.Waiting += n
		case "refused":
			st.Refused += n
		default:
			st.Issued += n
		}
	}
	// Items not numbered yet have no row in progress's statuses but "pending"; anything the
	// counts miss is still waiting, so the batch is never said to be done too early.
	st.Done = st.Issued + st.Refused
	st.Waiting = b.Accepted - st.Done
	st.Complete = st.Done == b.Accepted
	return st, nil
}
