package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/profdev/profdev/internal/domain"
)

// Signer mints bearer tokens with an ECDSA P-256 key (ES256). It is for development and
// tests: in production an identity provider mints tokens and the API only verifies them.
// A Signer is safe for concurrent use.
type Signer struct {
	key      *ecdsa.PrivateKey
	keyID    string
	issuer   string
	audience string
	now      func() time.Time // tests move the clock; time.Now otherwise
}

// NewSigner returns a Signer whose tokens carry issuer and audience ("" leaves the claim
// out). The key must be on P-256, the curve ES256 is defined over.
func NewSigner(key *ecdsa.PrivateKey, issuer, audience string) (*Signer, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("new signer: need an ECDSA P-256 private key")
	}
	kid, err := thumbprintEC(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("new signer: %w", err)
	}
	return &Signer{key: key, keyID: kid, issuer: issuer, audience: audience, now: time.Now}, nil
}

// KeyID is the kid header of every token the Signer mints: the RFC 7638 thumbprint of its
// public key, so it is stable across restarts for the same key and changes with the key.
func (s *Signer) KeyID() string { return s.keyID }

// PublicKey is the key that verifies the Signer's tokens.
func (s *Signer) PublicKey() *ecdsa.PublicKey { return &s.key.PublicKey }

// Mint returns a token for actor valid for ttl from now. The actor is validated first, so
// the Signer never hands out a token that a Verifier would refuse for its content.
func (s *Signer) Mint(actor domain.Actor, ttl time.Duration) (string, error) {
	if err := actor.Validate(); err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	if ttl <= 0 {
		return "", fmt.Errorf("mint token: ttl %v is not positive", ttl)
	}
	now := s.now()
	claims := NewClaims(actor)
	claims.Issuer = s.issuer
	if s.audience != "" {
		claims.Audience = jwt.ClaimStrings{s.audience}
	}
	claims.IssuedAt = jwt.NewNumericDate(now)
	claims.NotBefore = jwt.NewNumericDate(now)
	claims.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	claims.ID = rand.Text() // unique per token, for audit trails and any future revocation list

	token := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	token.Header["kid"] = s.keyID
	signed, err := token.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("mint token: sign: %w", err)
	}
	return signed, nil
}

// Verifier returns a Verifier for the Signer's own tokens: its public key, issuer and
// audience, ES256 only, default leeway. It is what `profdev dev` checks requests with.
func (s *Signer) Verifier() *Verifier {
	v, err := NewStaticVerifier(&s.key.PublicKey, Options{
		Issuer:     s.issuer,
		Audience:   s.audience,
		Algorithms: []string{jwt.SigningMethodES256.Alg()},
	})
	if err != nil {
		// NewSigner admitted only P-256 keys, which always fit ES256.
		panic(fmt.Sprintf("auth: verifier for a P-256 signer: %v", err))
	}
	return v
}
