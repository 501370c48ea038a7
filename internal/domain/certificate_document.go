package domain

import "time"

// Document is one rendered certificate document (seq 0 the original, N the N-th duplicate)
// with its detached signature once signed.
type Document struct {
	Number    string     `json:"number"`
	Seq       int        `json:"seq"`
	PDF       []byte     `json:"-"`
	SHA256    string     `json:"sha256"`
	Signature []byte     `json:"-"`
	Algorithm string     `json:"algorithm"`
	SignedAt  *time.Time `json:"signed_at"`
}

// Verification is what the public may learn about a certificate: no personal data.
type Verification struct {
	Number         string     `json:"number"`
	Valid          bool       `json:"valid"`
	Status         string     `json:"status"`
	Issuer         string     `json:"issuer"`
	SignedAt       *time.Time `json:"signed_at"`
	DocumentSHA256 string     `json:"document_sha256"`
	Duplicate      int        `json:"duplicate"`
	Algorithm      string     `json:"algorithm"`
	// Qualified is true only for a document signed by the authority's signing service
	// (усиленная квалифицированная электронная подпись); SignatureKind says it in words.
	Qualified     bool   `json:"qualified"`
	SignatureKind string `json:"signature_kind"`
}

// CertificateParties are the names and address a certificate's documents and mail need.
type CertificateParties struct {
	IssuerName    string `json:"issuer_name"`
	ProviderName  string `json:"provider_name"`
	ProviderEmail string `json:"provider_email"`
}
