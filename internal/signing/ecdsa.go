package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"
)

// ECDSASigner signs with ECDSA P-256 and SHA-256 in process. It honours signingTime.
type ECDSASigner struct {
	key   *ecdsa.PrivateKey
	tmpl  *cmsTemplate
	chain []byte
	log   zerolog.Logger
}

var _ Signer = (*ECDSASigner)(nil)

// NewECDSASigner returns a signer using the key and certificates of m (see EnsureDevPKI).
func NewECDSASigner(m Material, log zerolog.Logger) (*ECDSASigner, error) {
	key, err := readECDSAKey(m.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("ECDSA signer: %w", err)
	}
	if !key.PublicKey.Equal(m.Certificate.PublicKey) {
		return nil, fmt.Errorf("ECDSA signer: %s does not hold the key of the certificate in %s", m.KeyFile, m.CertFile)
	}
	certHash := sha256.Sum256(m.Certificate.Raw)
	tmpl, err := newCMSTemplate(m.Certificate, m.CAChain,
		pkix.AlgorithmIdentifier{Algorithm: oidSHA256}, // parameters absent, RFC 5754 §2
		pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256},
		nil, certHash[:])
	if err != nil {
		return nil, fmt.Errorf("ECDSA signer: %w", err)
	}
	return &ECDSASigner{key: key, tmpl: tmpl, chain: m.Chain, log: log}, nil
}

// Sign implements Signer.
func (s *ECDSASigner) Sign(ctx context.Context, doc []byte, signingTime time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ECDSA sign: %w", err)
	}
	t, err := normaliseSigningTime(signingTime)
	if err != nil {
		return nil, fmt.Errorf("ECDSA sign: %w", err)
	}
	digest := sha256.Sum256(doc)
	toSign, field, err := s.tmpl.signedAttrs(digest[:], t)
	if err != nil {
		return nil, fmt.Errorf("ECDSA sign: %w", err)
	}
	h := sha256.Sum256(toSign)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, h[:])
	if err != nil {
		return nil, fmt.Errorf("ECDSA sign: %w", err)
	}
	der, err := s.tmpl.assemble(field, sig)
	if err != nil {
		return nil, fmt.Errorf("ECDSA sign: %w", err)
	}
	s.log.Debug().Int("doc_bytes", len(doc)).Time("signing_time", t).Str("algorithm", AlgorithmECDSA).Msg("document signed")
	return der, nil
}

// Chain implements Signer.
func (s *ECDSASigner) Chain() []byte { return append([]byte(nil), s.chain...) }

// Algorithm implements Signer.
func (s *ECDSASigner) Algorithm() string { return AlgorithmECDSA }

// readECDSAKey reads a PKCS#8 PEM ECDSA P-256 key. Errors name the file, never its content.
func readECDSAKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PKCS#8 \"PRIVATE KEY\" PEM block", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: want an ECDSA P-256 key, got %T", path, parsed)
	}
	return key, nil
}
