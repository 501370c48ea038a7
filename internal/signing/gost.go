package signing

import (
	"context"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// GOSTSigner signs with GOST R 34.10-2012 (256) over GOST R 34.11-2012 (Streebog-256) digests.
// The GOST arithmetic runs in the openssl binary with the gost engine; the CMS structure is
// built in Go so that signingTime is honoured (`openssl cms -sign` always signs "now").
//
// Each Sign starts two openssl processes, each fed on stdin and read from stdout, so no
// temporary file is written: one hashes the document, one signs the signed attributes with
// the key file. The key never leaves that file through us, and openssl's stderr reaches an
// error only after redactStderr has checked it for PEM.
type GOSTSigner struct {
	keyFile string
	conf    string // OPENSSL_CONF loading the gost engine
	tmpl    *cmsTemplate
	chain   []byte
	log     zerolog.Logger
}

var _ Signer = (*GOSTSigner)(nil)

// The algorithm identifiers are those `openssl cms -sign -md md_gost12_256` writes with the gost
// engine (a test compares them), with the NULL parameters it puts there.
var (
	gostDigestAlg = pkix.AlgorithmIdentifier{Algorithm: oidStreebog256, Parameters: asn1.NullRawValue}
	gostSigAlg    = pkix.AlgorithmIdentifier{Algorithm: oidGOST3410_2012_256Key, Parameters: asn1.NullRawValue}
)

const (
	streebog256Size = 32
	gost256SigSize  = 64
	gostSetupTime   = 20 * time.Second
)

// NewGOSTSigner returns a signer using the key and certificates of m (see EnsureDevPKI). It
// runs openssl once, to hash the signing certificate for signing-certificate-v2.
func NewGOSTSigner(m Material, log zerolog.Logger) (*GOSTSigner, error) {
	if m.OpenSSLConf == "" {
		return nil, errors.New("GOST signer: material has no OpenSSLConf (use EnsureDevPKI or VerifyConfig)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), gostSetupTime)
	defer cancel()
	certHash, err := streebog(ctx, m.OpenSSLConf, m.Certificate.Raw)
	if err != nil {
		return nil, fmt.Errorf("GOST signer: hash signing certificate: %w; if the engine is missing, %s", err, installHint)
	}
	tmpl, err := newCMSTemplate(m.Certificate, m.CAChain, gostDigestAlg, gostSigAlg, &gostDigestAlg, certHash)
	if err != nil {
		return nil, fmt.Errorf("GOST signer: %w", err)
	}
	return &GOSTSigner{keyFile: m.KeyFile, conf: m.OpenSSLConf, tmpl: tmpl, chain: m.Chain, log: log}, nil
}

// Sign implements Signer.
func (s *GOSTSigner) Sign(ctx context.Context, doc []byte, signingTime time.Time) ([]byte, error) {
	start := time.Now()
	t, err := normaliseSigningTime(signingTime)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: %w", err)
	}
	digest, err := streebog(ctx, s.conf, doc)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: hash document: %w", err)
	}
	toSign, field, err := s.tmpl.signedAttrs(digest, t)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: %w", err)
	}
	// dgst -sign hashes its input with Streebog-256 and signs the hash, which is exactly what
	// CMS asks for the DER signed attributes (RFC 5652 §5.4, RFC 4490 §3.2).
	sig, err := runOpenSSL(ctx, s.conf, toSign, "dgst", "-md_gost12_256", "-binary", "-sign", s.keyFile)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: sign attributes: %w", err)
	}
	if len(sig) != gost256SigSize {
		return nil, fmt.Errorf("GOST sign: openssl returned a %d-byte signature, want %d (is %s a GOST R 34.10-2012 256-bit key?)",
			len(sig), gost256SigSize, s.keyFile)
	}
	der, err := s.tmpl.assemble(field, sig)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: %w", err)
	}
	s.log.Debug().Int("doc_bytes", len(doc)).Time("signing_time", t).Str("algorithm", AlgorithmGOST).
		Dur("took", time.Since(start)).Msg("document signed")
	return der, nil
}

// Chain implements Signer.
func (s *GOSTSigner) Chain() []byte { return append([]byte(nil), s.chain...) }

// Algorithm implements Signer.
func (s *GOSTSigner) Algorithm() string { return AlgorithmGOST }

// streebog returns the GOST R 34.11-2012 256-bit digest of data, computed by openssl.
func streebog(ctx context.Context, conf string, data []byte) ([]byte, error) {
	sum, err := runOpenSSL(ctx, conf, data, "dgst", "-md_gost12_256", "-binary")
	if err != nil {
		return nil, err
	}
	if len(sum) != streebog256Size {
		return nil, fmt.Errorf("openssl returned a %d-byte GOST R 34.11-2012 digest, want %d", len(sum), streebog256Size)
	}
	return sum, nil
}
