package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
)

// minRSABits is the smallest RSA modulus accepted for verification. Shorter keys are
// factorable at a cost within reach of a motivated attacker (NIST SP 800-131A).
const minRSABits = 2048

// asymmetricAlgorithms are the JWS algorithms a Verifier may ever accept: public-key
// signatures only. HS* is absent on purpose: with a public verification key, an HMAC token
// "signed" with that public key would otherwise verify (the classic algorithm-confusion
// attack), and "none" is absent for the obvious reason.
var asymmetricAlgorithms = []string{
	"ES256", "ES384", "ES512",
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"EdDSA",
}

// ParsePublicKeyPEM reads the first PEM block of data, either a PKIX "PUBLIC KEY" or a
// "CERTIFICATE" (whose subject public key is taken; the certificate itself is not
// validated, since the key is pinned by configuration). The key must be ECDSA, RSA of at
// least 2048 bits, or Ed25519.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse public key PEM: no PEM block found")
	}
	var key crypto.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key PEM: %w", err)
		}
		key = k
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key PEM: certificate: %w", err)
		}
		key = cert.PublicKey
	default:
		return nil, fmt.Errorf("parse public key PEM: block type %q is neither PUBLIC KEY nor CERTIFICATE", block.Type)
	}
	if len(algorithmsForKey(key, asymmetricAlgorithms)) == 0 {
		return nil, fmt.Errorf("parse public key PEM: unsupported key %s", describeKey(key))
	}
	return key, nil
}

// keyFitsAlgorithm reports whether key may verify a signature made with alg. Checking the
// pairing ourselves, rather than trusting the JWS library to reject a mismatched key type,
// also pins the curve to the algorithm (RFC 7518 §3.4) and enforces minRSABits.
func keyFitsAlgorithm(key crypto.PublicKey, alg string) bool {
	if !wellFormed(key) {
		return false
	}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return k.Curve == elliptic.P256()
		case "ES384":
			return k.Curve == elliptic.P384()
		case "ES512":
			return k.Curve == elliptic.P521()
		}
	case *rsa.PublicKey:
		switch alg {
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
			return k.N.BitLen() >= minRSABits
		}
	case ed25519.PublicKey:
		return alg == "EdDSA" && len(k) == ed25519.PublicKeySize
	}
	return false
}

// wellFormed reports whether key's fields can be inspected without a nil dereference; a
// hand-built or zero key must be refused, not crash the caller.
func wellFormed(key crypto.PublicKey) bool {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		return k != nil && k.Curve != nil
	case *rsa.PublicKey:
		return k != nil && k.N != nil
	}
	return key != nil
}

// algorithmsForKey returns the members of allowed that key can verify.
func algorithmsForKey(key crypto.PublicKey, allowed []string) []string {
	var fit []string
	for _, alg := range allowed {
		if keyFitsAlgorithm(key, alg) {
			fit = append(fit, alg)
		}
	}
	return fit
}

// checkAlgorithms validates a configured allow-list; nil means every asymmetric algorithm.
func checkAlgorithms(algs []string) ([]string, error) {
	if algs == nil {
		return slices.Clone(asymmetricAlgorithms), nil
	}
	if len(algs) == 0 {
		return nil, errors.New("the algorithm allow-list is empty")
	}
	for _, alg := range algs {
		if !slices.Contains(asymmetricAlgorithms, alg) {
			return nil, fmt.Errorf("algorithm %q is not allowed: only public-key algorithms %v", alg, asymmetricAlgorithms)
		}
	}
	return slices.Clone(algs), nil
}

// describeKey names a key's type for an error message without printing any of it.
func describeKey(key crypto.PublicKey) string {
	if !wellFormed(key) {
		return fmt.Sprintf("%T (empty)", key)
	}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bits", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", key)
}

// thumbprintEC returns the RFC 7638 JWK thumbprint of an EC public key, base64url without
// padding: SHA-256 over the required members crv, kty, x, y in lexicographic order, with
// the coordinates at the curve's full byte length. A standard thumbprint lets anyone who
// holds the JWK recompute the key ID, so it never needs to be stored.
func thumbprintEC(pub *ecdsa.PublicKey) (string, error) {
	raw, err := pub.Bytes() // 0x04 || X || Y, each coordinate at full length
	if err != nil {
		return "", fmt.Errorf("thumbprint: %w", err)
	}
	n := (len(raw) - 1) / 2
	b64 := base64.RawURLEncoding.EncodeToString
	// No member value can contain a character that JSON would escape, so %q is exact.
	canonical := fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`,
		pub.Curve.Params().Name, b64(raw[1:1+n]), b64(raw[1+n:]))
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:]), nil
}
