package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/profdev/profdev/internal/document"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/notify"
)

// CertificateStore is what the certificate activities need from storage.
type CertificateStore interface {
	ProgrammeForCertificate(ctx context.Context, authority, providerID, code string, year int) (domain.Programme, error)
	GetCertificateParties(ctx context.Context, authority, providerID string) (domain.CertificateParties, error)
	RegisterCertificate(ctx context.Context, c domain.Certificate, ev domain.Event) error
	SaveCertificate(ctx context.Context, c domain.Certificate, ev domain.Event) error
	SaveDocument(ctx context.Context, d domain.Document) (domain.Document, error)
	SaveSignature(ctx context.Context, number string, seq int, der []byte, algorithm string, at time.Time) (domain.Document, error)
	GetDocument(ctx context.Context, number string, seq int) (domain.Document, error)
	SaveRating(ctx context.Context, c domain.Certificate, rater domain.Actor, r domain.Rating, ev domain.Event) error
}

// DocumentSigner signs a certificate document (internal/signing).
type DocumentSigner interface {
	Sign(ctx context.Context, doc []byte, signingTime time.Time) ([]byte, error)
	Algorithm() string
}

// Certificates are the certificate process's activities: checking and registering a
// request, rendering and signing its documents, storing each step, and delivering the
// document. Each is keyed by the certificate number and step, so retries change nothing.
type Certificates struct {
	Store    CertificateStore
	Signer   DocumentSigner
	Notifier Notifier
	// Qualified says the signer is the authority's signing service, whose signature is
	// qualified (УКЭП); only then does the document claim it. A development or local key's
	// documents say they are not qualified.
	Qualified bool
}

// PrepareInput asks to check, register and render a certificate's original document.
type PrepareInput struct {
	Certificate     domain.Certificate `json:"certificate"`
	Event           domain.Event       `json:"event"`
	VerificationURL string             `json:"verification_url"`
}

// Prepared is the registered certificate with its programme filled in from the registry.
type Prepared struct {
	Certificate domain.Certificate        `json:"certificate"`
	Parties     domain.CertificateParties `json:"parties"`
	SHA256      string                    `json:"sha256"`
}

// PrepareCertificate checks the request against the registry (provider admitted and not
// excluded, programme accepted for the year), registers the certificate (one live
// certificate per servant, programme and year) and renders and stores its document.
func (a *Certificates) PrepareCertificate(ctx context.Context, in PrepareInput) (Prepared, error) {
	c := in.Certificate
	prog, err := a.Store.ProgrammeForCertificate(ctx, c.Authority, c.ProviderID, c.Programme.Code, c.Year)
	if err != nil {
		return Prepared{}, err
	}
	c.Programme = prog
	parties, err := a.Store.GetCertificateParties(ctx, c.Authority, c.ProviderID)
	if err != nil {
		return Prepared{}, err
	}
	// Render before registering: a request the document refuses leaves nothing behind.
	doc, err := a.renderDoc(c, parties, 0, in.Event.At, in.VerificationURL)
	if err != nil {
		return Prepared{}, err
	}
	if err := a.Store.RegisterCertificate(ctx, c, in.Event); err != nil {
		return Prepared{}, err
	}
	if doc, err = a.Store.SaveDocument(ctx, doc); err != nil {
		return Prepared{}, err
	}
	return Prepared{Certificate: c, Parties: parties, SHA256: doc.SHA256}, nil
}

// DuplicateInput asks to render the N-th duplicate's document.
type DuplicateInput struct {
	Certificate     domain.Certificate        `json:"certificate"`
	Parties         domain.CertificateParties `json:"parties"`
	Seq             int                       `json:"seq"`
	IssuedAt        time.Time                 `json:"issued_at"`
	VerificationURL string                    `json:"verification_url"`
}

// RenderDuplicate renders and stores a duplicate's document, marked «ДУБЛИКАТ N».
func (a *Certificates) RenderDuplicate(ctx context.Context, in DuplicateInput) (string, error) {
	doc, err := a.render(ctx, in.Certificate, in.Parties, in.Seq, in.IssuedAt, in.VerificationURL)
	return doc.SHA256, err
}

func (a *Certificates) render(ctx context.Context, c domain.Certificate, p domain.CertificateParties, seq int, at time.Time, url string) (domain.Document, error) {
	doc, err := a.renderDoc(c, p, seq, at, url)
	if err != nil {
		return doc, err
	}
	return a.Store.SaveDocument(ctx, doc)
}

// renderDoc renders a document in memory; the same input always gives the same bytes.
func (a *Certificates) renderDoc(c domain.Certificate, p domain.CertificateParties, seq int, at time.Time, url string) (domain.Document, error) {
	pdf, sum, err := document.Render(document.Certificate{
		Number: c.Number, IssuedAt: at, Issuer: p.IssuerName, ServantName: c.Servant.FullName,
		ServantPosition: c.Servant.Position, AgencyName: c.Agency.Name, ProgrammeCode: c.Programme.Code,
		ProgrammeTitle: c.Programme.Title, ProgrammeKind: string(c.Programme.Kind), Hours: c.Hours, Amount: c.Amount,
		ProviderName: p.ProviderName, StartBy: c.StartBy, EndBy: c.EndBy, Year: c.Year, Duplicate: seq, VerificationURL: url,
		Signature: a.signatureKind(),
	})
	var verr *document.ValidationError
	if errors.As(err, &verr) {
		return domain.Document{}, domain.Invalid(fmt.Sprintf("the certificate document cannot be formed: %v", err))
	}
	if err != nil {
		return domain.Document{}, err
	}
	return domain.Document{Number: c.Number, Seq: seq, PDF: pdf, SHA256: sum}, nil
}

func (a *Certificates) signatureKind() document.SignatureKind {
	if a.Qualified {
		return document.SignatureQualified
	}
	return document.SignatureNonQualified
}

// SignInput asks to sign one stored document at a given signing time.
type SignInput struct {
	Number      string    `json:"number"`
	Seq         int       `json:"seq"`
	SigningTime time.Time `json:"signing_time"`
}

// Signed describes the stored signature.
type Signed struct {
	SHA256    string    `json:"sha256"`
	Algorithm string    `json:"algorithm"`
	SignedAt  time.Time `json:"signed_at"`
}

// SignDocument signs a stored document unless it is signed already: a retry after a crash
// finds the first signature and returns it, so a document never gets two.
func (a *Certificates) SignDocument(ctx context.Context, in SignInput) (Signed, error) {
	doc, err := a.Store.GetDocument(ctx, in.Number, in.Seq)
	if err != nil {
		return Signed{}, err
	}
	if doc.Signature == nil {
		der, err := a.Signer.Sign(ctx, doc.PDF, in.SigningTime)
		if err != nil {
			return Signed{}, fmt.Errorf("sign certificate %s document %d: %w", in.Number, in.Seq, err)
		}
		if doc, err = a.Store.SaveSignature(ctx, in.Number, in.Seq, der, a.Signer.Algorithm(), in.SigningTime); err != nil {
			return Signed{}, err
		}
	}
	return Signed{SHA256: doc.SHA256, Algorithm: doc.Algorithm, SignedAt: *doc.SignedAt}, nil
}

// CertificateStep is the certificate after a step, and the step.
type CertificateStep struct {
	Certificate domain.Certificate `json:"certificate"`
	Event       domain.Event       `json:"event"`
}

// SaveCertificate records a certificate step.
func (a *Certificates) SaveCertificate(ctx context.Context, in CertificateStep) error {
	return a.Store.SaveCertificate(ctx, in.Certificate, in.Event)
}

// RatingStep is one quality survey answer.
type RatingStep struct {
	Certificate domain.Certificate `json:"certificate"`
	Rater       domain.Actor       `json:"rater"`
	Rating      domain.Rating      `json:"rating"`
	Event       domain.Event       `json:"event"`
}

// SaveRating records a quality survey answer.
func (a *Certificates) SaveRating(ctx context.Context, in RatingStep) error {
	return a.Store.SaveRating(ctx, in.Certificate, in.Rater, in.Rating, in.Event)
}

// DeliveryInput is the notification that brings a servant the signed document, and the
// notifications of the other parties fanned out in the same activity (one round trip).
type DeliveryInput struct {
	Request notify.Request   `json:"request"`
	Number  string           `json:"number"`
	Seq     int              `json:"seq"`
	Also    []notify.Request `json:"also,omitempty"`
}

// DeliverDocument notifies the servant with the document and its signature attached
// (доведение сертификата), loading them from storage so history stays small.
func (a *Certificates) DeliverDocument(ctx context.Context, in DeliveryInput) (notify.Result, error) {
	doc, err := a.Store.GetDocument(ctx, in.Number, in.Seq)
	if err != nil {
		return notify.Result{}, err
	}
	r := in.Request
	r.Attachments = []notify.Attachment{{Name: in.Number + ".pdf", ContentType: "application/pdf", Data: doc.PDF}}
	if doc.Signature != nil {
		r.Attachments = append(r.Attachments, notify.Attachment{Name: in.Number + ".pdf.sig", ContentType: "application/pkcs7-signature", Data: doc.Signature})
	}
	res, err := a.Notifier.Notify(ctx, r)
	if err != nil {
		return res, err
	}
	// Each notification is idempotent per party, so a retry after a partial failure sends
	// only what is still owed.
	for _, other := range in.Also {
		if _, err := a.Notifier.Notify(ctx, other); err != nil {
			return res, err
		}
	}
	return res, nil
}
