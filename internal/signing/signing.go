// Package signing produces the detached CMS signatures that the ministry puts on the
// certificate documents (GET /certificates/{id}/signature) and the PEM bundle a verifier needs
// (GET /public/signing-certificates).
//
// Three implementations sit behind one narrow interface, chosen by Config.Kind:
//
//   - GOSTSigner: GOST R 34.10-2012 (256-bit, paramset A) with GOST R 34.11-2012 (Streebog-256),
//     the scheme Russian verifiers expect. The GOST arithmetic is done in process by OpenSSL's
//     libcrypto with the Debian gost engine (libengine-gost-openssl), through cgo (headers from
//     libssl-dev); Go has no GOST implementation we may use. The openssl binary, with the same
//     engine, still creates the development PKI.
//   - ECDSASigner: ECDSA P-256 with SHA-256, in process; for machines without the engine.
//   - RemoteSigner: an HTTP client of an external signing service of the CryptoPro DSS kind,
//     for when the ministry's key lives in an HSM and never on this machine.
//
// Every signature is a DER, detached CMS SignedData that stock OpenSSL accepts with
//
//	openssl cms -verify -binary -inform DER -in sig.der -content document.pdf -CAfile ca.pem -out /dev/null
//
// where ca.pem is Signer.Chain() (the bundle GET /public/signing-certificates serves). A GOST
// signature needs the gost engine in the verifier's OpenSSL: on Debian or Ubuntu
// `apt-get install -y libengine-gost-openssl`, then point OPENSSL_CONF at a file holding
// OpenSSLConfig() (VerifyConfig writes one) for that command:
//
//	OPENSSL_CONF=/path/to/openssl-gost.cnf openssl cms -verify -binary -inform DER \
//	    -in sig.der -content document.pdf -CAfile ca.pem -out /dev/null
//
// The local signers build the CMS structure in Go (cms.go) and leave only the digest and
// signature arithmetic to libcrypto (GOST) or crypto/ecdsa. Neither `openssl cms -sign` nor
// smallstep/pkcs7 (v0.2.3 calls time.Now in AddSignerChain) can sign a signing-time chosen by
// the caller, and the Signer contract is that the caller's signingTime is the one signed, so
// a retried activity reproduces the same signed attributes. smallstep/pkcs7 parses: remote
// responses here, and signatures in the tests. The signed attributes are the CAdES-BES set:
// content-type, message-digest, signing-time and signing-certificate-v2 (RFC 5035). A test
// checks that for both local kinds the algorithms, certificates and attribute values equal
// those of `openssl cms -sign -cades` with the same key and document.
//
// Development keys and certificates come from EnsureDevPKI; a real key and certificate can be
// dropped into the same layout (see Material) and are then used as they are.
package signing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// Signer makes detached CMS signatures over documents.
type Signer interface {
	// Sign returns a DER-encoded detached CMS SignedData over doc (CAdES-BES where the
	// implementation can: signed attributes with content-type, message-digest, signing-time and
	// signing-certificate-v2), signed at signingTime (the caller passes it so a retried activity
	// can reproduce the same request; where the backend cannot honour it, document that).
	Sign(ctx context.Context, doc []byte, signingTime time.Time) ([]byte, error)
	// Chain is the PEM bundle a verifier needs: the signing certificate and its CA chain.
	Chain() []byte
	// Algorithm names the scheme, e.g. "GOST R 34.10-2012 (256) / GOST R 34.11-2012", "ECDSA P-256 / SHA-256", "remote".
	Algorithm() string
}

// Algorithm names returned by Signer.Algorithm.
const (
	AlgorithmGOST   = "GOST R 34.10-2012 (256) / GOST R 34.11-2012"
	AlgorithmECDSA  = "ECDSA P-256 / SHA-256"
	AlgorithmRemote = "remote"
)

// Kind selects the key type of a development PKI.
type Kind string

const (
	KindGOST  Kind = "gost"
	KindECDSA Kind = "ecdsa"
)

// Config selects and configures a Signer for New.
type Config struct {
	// Kind is "gost", "ecdsa", "remote", or "" for gost when GOSTAvailable() reports the
	// engine works here and ecdsa otherwise.
	Kind string
	// Dir holds the key material of the gost and ecdsa signers (see EnsureDevPKI).
	Dir string

	// RemoteURL is the signing endpoint of the remote service (Kind "remote").
	RemoteURL string
	// RemoteToken is sent as "Authorization: Bearer <token>".
	RemoteToken string
	// RemoteChainFile is a PEM file with the service's signing certificate and CA chain.
	RemoteChainFile string
	// RemoteChainURL, used when RemoteChainFile is empty, is fetched once by New for the chain.
	RemoteChainURL string
	// RemoteDigestAlgorithm is sent as digest_algorithm; default DefaultRemoteDigestAlgorithm.
	RemoteDigestAlgorithm string

	Logger zerolog.Logger
}

// New returns the Signer cfg asks for. For "gost" and "ecdsa" it creates the development PKI
// in cfg.Dir on first use (EnsureDevPKI) and reuses it afterwards.
func New(cfg Config) (Signer, error) {
	log := cfg.Logger.With().Str("component", "signing").Logger()
	kind, gostChecked := cfg.Kind, false
	if kind == "" {
		// Prefer GOST, the scheme the ministry's verifiers expect, but let a machine without
		// the engine (a developer laptop) still run the whole system with ECDSA.
		if err := GOSTAvailable(); err != nil {
			log.Warn().Err(err).Msg("GOST signing unavailable, falling back to ECDSA P-256")
			kind = string(KindECDSA)
		} else {
			kind, gostChecked = string(KindGOST), true
		}
	}
	switch kind {
	case string(KindGOST):
		if !gostChecked {
			if err := GOSTAvailable(); err != nil {
				return nil, fmt.Errorf("signing: %w", err)
			}
		}
		m, err := EnsureDevPKI(cfg.Dir, KindGOST)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		s, err := NewGOSTSigner(m, log)
		if err != nil {
			return nil, err
		}
		logReady(log, s, m)
		return s, nil
	case string(KindECDSA):
		m, err := EnsureDevPKI(cfg.Dir, KindECDSA)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		s, err := NewECDSASigner(m, log)
		if err != nil {
			return nil, err
		}
		logReady(log, s, m)
		return s, nil
	case "remote":
		ctx, cancel := context.WithTimeout(context.Background(), defaultRemoteTimeout)
		defer cancel()
		return NewRemoteSigner(ctx, RemoteConfig{
			URL:             cfg.RemoteURL,
			Token:           cfg.RemoteToken,
			ChainFile:       cfg.RemoteChainFile,
			ChainURL:        cfg.RemoteChainURL,
			DigestAlgorithm: cfg.RemoteDigestAlgorithm,
			Logger:          log,
		})
	default:
		return nil, fmt.Errorf("signing: unknown kind %q (want gost, ecdsa, remote or empty)", cfg.Kind)
	}
}

// logReady records which key signs from now on: what an operator checks first when a
// verifier rejects signatures.
func logReady(log zerolog.Logger, s Signer, m Material) {
	log.Info().Str("algorithm", s.Algorithm()).Str("dir", m.Dir).
		Str("subject", m.Certificate.Subject.String()).Str("serial", m.Certificate.SerialNumber.Text(16)).
		Time("not_after", m.Certificate.NotAfter).Msg("signer ready")
}

// errZeroTime is returned by Sign for a zero signingTime: the caller must choose the time
// (typically the workflow's clock) so that a retry signs the same attributes.
var errZeroTime = errors.New("signing time is zero: the caller must pass the time to sign at")

// normaliseSigningTime returns t as CMS encodes it: UTC, whole seconds (UTCTime has no
// fractions, and truncating here makes the encoded value independent of the caller's zone).
func normaliseSigningTime(t time.Time) (time.Time, error) {
	if t.IsZero() {
		return time.Time{}, errZeroTime
	}
	return t.UTC().Truncate(time.Second), nil
}
