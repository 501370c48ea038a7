package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
)

func TestMintRefusesWhatAVerifierWouldRefuse(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	hr := actors[domain.RoleHR]
	noScope := hr
	noScope.Agency = ""
	tests := []struct {
		name    string
		actor   domain.Actor
		ttl     time.Duration
		wantErr string
	}{
		{"missing scope claim", noScope, time.Hour, "role hr needs the agency claim"},
		{"unknown role", domain.Actor{Sub: "x", Role: "admin"}, time.Hour, "unknown role"},
		{"no subject", domain.Actor{Role: domain.RoleOperator}, time.Hour, "no subject"},
		{"zero ttl", hr, 0, "not positive"},
		{"negative ttl", hr, -time.Minute, "not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := signer.Mint(tt.actor, tt.ttl)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Mint = %q, %v; want an error containing %q", token, err, tt.wantErr)
			}
		})
	}
}

func TestMintUniqueTokenIDs(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	v, err := NewStaticVerifier(signer.PublicKey(), Options{Now: fixedClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 20 {
		token := mustMint(t, signer, actors[domain.RoleOperator], time.Minute)
		var c Claims
		if _, err := v.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return signer.PublicKey(), nil }); err != nil {
			t.Fatal(err)
		}
		if c.ID == "" || seen[c.ID] {
			t.Fatalf("jti %q is empty or repeated", c.ID)
		}
		seen[c.ID] = true
	}
}

// TestSignerVerifier is what `profdev dev` does: mint with the dev key, verify with the
// signer's own Verifier on the real clock.
func TestSignerVerifier(t *testing.T) {
	key, err := LoadOrCreateDevKey(t.TempDir() + "/dev.pem")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := NewSigner(key, "profdev-dev", "profdev")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewSigner(key, "profdev-dev", "someone-else")
	if err != nil {
		t.Fatal(err)
	}
	agencyHead := actors[domain.RoleAgencyHead]
	tests := []struct {
		name   string
		signer *Signer
		want   outcome
	}{
		{"own token", signer, outcome{Actor: agencyHead}},
		{"same key, other audience", other, refused("token has the wrong audience")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := mustMint(t, tt.signer, agencyHead, time.Minute)
			if diff := cmp.Diff(tt.want, verify(t, signer.Verifier(), token)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewSignerRefusesOtherCurves(t *testing.T) {
	for _, key := range []*ecdsa.PrivateKey{nil, mustECKey(t, elliptic.P384())} {
		if s, err := NewSigner(key, testIssuer, testAudience); err == nil {
			t.Errorf("NewSigner = %v, nil; want an error", s)
		}
	}
}

func TestKeyIDIsStableThumbprint(t *testing.T) {
	key := mustECKey(t, elliptic.P256())
	a, err := NewSigner(key, "a", "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSigner(key, "b", "")
	if err != nil {
		t.Fatal(err)
	}
	c := mustSigner(t, "a", "")
	if a.KeyID() != b.KeyID() {
		t.Errorf("same key, different key IDs %q and %q", a.KeyID(), b.KeyID())
	}
	if a.KeyID() == c.KeyID() {
		t.Errorf("different keys share key ID %q", a.KeyID())
	}
	if raw, err := base64.RawURLEncoding.DecodeString(a.KeyID()); err != nil || len(raw) != 32 {
		t.Errorf("key ID %q is not an unpadded base64url SHA-256 (%d bytes, %v)", a.KeyID(), len(raw), err)
	}
}

func TestParsePublicKeyPEM(t *testing.T) {
	ecKey := mustECKey(t, elliptic.P256())
	ecDER, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKIXPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "profdev issuer"},
		NotBefore:    testNow,
		NotAfter:     testNow.Add(24 * time.Hour),
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ecKey.PublicKey, ecKey)
	if err != nil {
		t.Fatal(err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}

	good := []struct {
		name string
		pem  []byte
		want any
	}{
		{"PKIX ECDSA", pemBytes("PUBLIC KEY", ecDER), &ecKey.PublicKey},
		{"PKIX Ed25519", pemBytes("PUBLIC KEY", edDER), edPub},
		{"certificate", pemBytes("CERTIFICATE", certDER), &ecKey.PublicKey},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKeyPEM(tt.pem)
			if err != nil {
				t.Fatalf("ParsePublicKeyPEM: %v", err)
			}
			if !tt.want.(interface{ Equal(crypto.PublicKey) bool }).Equal(got) {
				t.Errorf("ParsePublicKeyPEM returned %s, not the encoded key", describeKey(got))
			}
		})
	}

	bad := []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"empty", nil, "no PEM block"},
		{"private key", pemBytes("PRIVATE KEY", privDER), `"PRIVATE KEY" is neither`},
		{"corrupt public key", pemBytes("PUBLIC KEY", []byte("junk")), "parse public key PEM"},
		{"corrupt certificate", pemBytes("CERTIFICATE", []byte("junk")), "certificate"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParsePublicKeyPEM(tt.pem)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePublicKeyPEM = %v, %v; want an error containing %q", key, err, tt.wantErr)
			}
		})
	}
}

func TestClaimsActorRoundTrip(t *testing.T) {
	for _, role := range domain.Roles {
		t.Run(string(role), func(t *testing.T) {
			actor := actors[role]
			if diff := cmp.Diff(actor, NewClaims(actor).Actor()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
