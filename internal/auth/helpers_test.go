package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/profdev/profdev/internal/domain"
)

const (
	testIssuer   = "https://profdev.test"
	testAudience = "profdev-api"
)

// testNow is the fixed clock of every test: tokens are minted and checked at this instant
// unless a case moves the verifier's clock.
var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// actors holds one valid actor per role, each with exactly its scope claim.
var actors = map[domain.Role]domain.Actor{
	domain.RoleMinistry:         {Sub: "u-min-1", Name: "Ирина Петрова", Role: domain.RoleMinistry, Authority: "mintrud"},
	domain.RoleReserveAuthority: {Sub: "u-res-1", Name: "Олег Смирнов", Role: domain.RoleReserveAuthority, Authority: "region-64"},
	domain.RoleHR:               {Sub: "u-hr-1", Name: "Анна Козлова", Role: domain.RoleHR, Agency: "agency-1"},
	domain.RoleAgencyHead:       {Sub: "u-head-1", Name: "Пётр Иванов", Role: domain.RoleAgencyHead, Agency: "agency-1"},
	domain.RoleProvider:         {Sub: "u-prov-1", Name: "Мария Волкова", Role: domain.RoleProvider, Provider: "provider-7"},
	domain.RoleServant:          {Sub: "u-serv-1", Name: "Сергей Орлов", Role: domain.RoleServant, Servant: "servant-42"},
	domain.RoleOperator:         {Sub: "u-op-1", Name: "Operator", Role: domain.RoleOperator},
	domain.RoleOrgAdmin:         {Sub: "u-adm-1", Name: "Елена Соколова", Role: domain.RoleOrgAdmin, Agency: "agency-1"},
	domain.RoleApplicant:        {Sub: "u-app-1", Name: "Николай Фёдоров", Role: domain.RoleApplicant},
}

// outcome is what a test compares after Verify: the actor, or the error's code and message.
type outcome struct {
	Actor   domain.Actor
	Code    domain.Code
	Message string
}

func verify(t *testing.T, v *Verifier, raw string) outcome {
	t.Helper()
	actor, err := v.Verify(context.Background(), raw)
	if err == nil {
		return outcome{Actor: actor}
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("Verify error is %T (%v), want *domain.Error", err, err)
	}
	return outcome{Code: de.Code, Message: de.Message}
}

func refused(message string) outcome {
	return outcome{Code: domain.CodeUnauthenticated, Message: message}
}

func mustECKey(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return key
}

// mustSigner returns a Signer with a fresh key whose clock is testNow.
func mustSigner(t *testing.T, issuer, audience string) *Signer {
	t.Helper()
	s, err := NewSigner(mustECKey(t, elliptic.P256()), issuer, audience)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	s.now = fixedClock(testNow)
	return s
}

func mustMint(t *testing.T, s *Signer, actor domain.Actor, ttl time.Duration) string {
	t.Helper()
	token, err := s.Mint(actor, ttl)
	if err != nil {
		t.Fatalf("Mint(%+v): %v", actor, err)
	}
	return token
}

// claimsAt returns valid claims for actor, issued at testNow for ten minutes.
func claimsAt(actor domain.Actor) Claims {
	c := NewClaims(actor)
	c.Issuer = testIssuer
	c.Audience = jwt.ClaimStrings{testAudience}
	c.IssuedAt = jwt.NewNumericDate(testNow)
	c.NotBefore = jwt.NewNumericDate(testNow)
	c.ExpiresAt = jwt.NewNumericDate(testNow.Add(10 * time.Minute))
	return c
}

// mustSign signs arbitrary claims, for tokens that Signer.Mint rightly refuses to produce.
// kid "" leaves the header out.
func mustSign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	token := jwt.NewWithClaims(method, claims)
	if kid != "" {
		token.Header["kid"] = kid
	}
	signed, err := token.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s token: %v", method.Alg(), err)
	}
	return signed
}

// servedKey is one entry of a test JWK set.
type servedKey struct {
	kid string
	alg jwkset.ALG
	use jwkset.USE
	key crypto.PublicKey
}

func signerKey(s *Signer) servedKey {
	return servedKey{kid: s.KeyID(), alg: jwkset.AlgES256, use: jwkset.UseSig, key: s.PublicKey()}
}

// jwksServer serves a JWK set that a test can replace, and counts the fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, keys ...servedKey) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.serve(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(s.handleJWKS))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) handleJWKS(w http.ResponseWriter, r *http.Request) {
	s.fetches.Add(1)
	s.mu.Lock()
	body := s.body
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Write(body)
}

// serve replaces the served set with keys.
func (s *jwksServer) serve(t *testing.T, keys ...servedKey) {
	t.Helper()
	body := mustJWKSet(t, keys...)
	s.mu.Lock()
	s.body = body
	s.mu.Unlock()
}

func mustJWKSet(t *testing.T, keys ...servedKey) []byte {
	t.Helper()
	set := jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{}}
	for _, k := range keys {
		jwk, err := jwkset.NewJWKFromKey(k.key, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.kid, ALG: k.alg, USE: k.use},
		})
		if err != nil {
			t.Fatalf("JWK for %s: %v", k.kid, err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatalf("marshal JWK set: %v", err)
	}
	return body
}
