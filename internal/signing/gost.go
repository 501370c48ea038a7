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
// The GOST arithmetic runs in process, in OpenSSL's libcrypto with the Debian gost engine
// (gost_engine.go, through cgo): the same implementation `openssl dgst -md_gost12_256 -sign`
// uses, without starting a process per signature. The CMS structure is built in Go so that
// signingTime is honoured (`openssl cms -sign` always signs "now").
//
// The key is read from its file once, by libcrypto, into OpenSSL's secure heap (kept out of
// core dumps); it never enters the Go heap, a log or an error. A GOSTSigner is safe for
// concurrent use.
type GOSTSigner struct {
	key   *gostKey
	tmpl  *cmsTemplate
	chain []byte
	log   zerolog.Logger
}

var _ Signer = (*GOSTSigner)(nil)

// The algorithm identifiers are those `openssl cms -sign -md md_gost12_256` writes with the gost
// engine (a test compares them), with the NULL parameters it puts there.
var (
	gostDigestAlg = pkix.AlgorithmIdentifier{Algorithm: oidStreebog256, Parameters: asn1.NullRawValue}
	gostSigAlg    = pkix.AlgorithmIdentifier{Algorithm: oidGOST3410_2012_256Key, Parameters: asn1.NullRawValue}
)

// errGOSTNeedsCgo is every GOST error of a binary built without cgo (gost_engine_nocgo.go).
var errGOSTNeedsCgo = errors.New("GOST signing runs libcrypto in process and this binary was built without cgo: " +
	"build it with CGO_ENABLED=1, gcc and the Debian package libssl-dev")

const (
	streebog256Size = 32
	gost256SigSize  = 64

	// gostSecureHeapSize is OpenSSL's secure heap (a power of two). It holds the private
	// scalars of the keys and the temporaries libcrypto allocates securely while signing, a
	// few hundred bytes each; libcrypto fails an allocation when the heap is full rather than
	// falling back.
	gostSecureHeapSize = 1 << 20
)

// NewGOSTSigner returns a signer using the key and certificates of m (see EnsureDevPKI). It
// loads the gost engine into this process, reads the key and checks that it is the key of
// m.Certificate.
func NewGOSTSigner(m Material, log zerolog.Logger) (*GOSTSigner, error) {
	info, err := gostEngine()
	if err != nil {
		return nil, fmt.Errorf("GOST signer: %w; %s", err, installHint)
	}
	key, err := loadGOSTKey(m.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("GOST signer: %w", err)
	}
	pub, err := parseGOSTPublicKey(m.Certificate.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, fmt.Errorf("GOST signer: certificate %s: %w", m.CertFile, err)
	}
	if ok, err := key.matches(pub); err != nil {
		return nil, fmt.Errorf("GOST signer: %w", err)
	} else if !ok {
		return nil, fmt.Errorf("GOST signer: %s does not hold the key of the certificate in %s", m.KeyFile, m.CertFile)
	}
	certHash, err := streebog256(m.Certificate.Raw)
	if err != nil {
		return nil, fmt.Errorf("GOST signer: hash signing certificate: %w", err)
	}
	tmpl, err := newCMSTemplate(m.Certificate, m.CAChain, gostDigestAlg, gostSigAlg, &gostDigestAlg, certHash)
	if err != nil {
		return nil, fmt.Errorf("GOST signer: %w", err)
	}
	// What protects the key in memory, for an operator; nothing of the key itself.
	log.Debug().Bool("key_in_secure_heap", key.inSecureHeap()).Bool("secure_heap_locked", info.SecureHeapLocked).
		Bool("scrub_on_free", info.ScrubOnFree).Msg("GOST key loaded into libcrypto")
	return &GOSTSigner{key: key, tmpl: tmpl, chain: m.Chain, log: log}, nil
}

// Sign implements Signer.
func (s *GOSTSigner) Sign(ctx context.Context, doc []byte, signingTime time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("GOST sign: %w", err)
	}
	start := time.Now()
	t, err := normaliseSigningTime(signingTime)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: %w", err)
	}
	digest, err := streebog256(doc)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: hash document: %w", err)
	}
	toSign, field, err := s.tmpl.signedAttrs(digest, t)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: %w", err)
	}
	// The signature covers the Streebog-256 digest of the DER signed attributes, exactly what
	// CMS asks for (RFC 5652 §5.4, RFC 4490 §3.2).
	sig, err := s.key.sign(toSign)
	if err != nil {
		return nil, fmt.Errorf("GOST sign: sign attributes: %w", err)
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
