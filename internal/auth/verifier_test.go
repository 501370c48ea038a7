package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
)

func TestRoundTripEveryRole(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	v, err := NewStaticVerifier(signer.PublicKey(), Options{Issuer: testIssuer, Audience: testAudience, Now: fixedClock(testNow)})
	if err != nil {
		t.Fatalf("NewStaticVerifier: %v", err)
	}
	for _, role := range domain.Roles {
		t.Run(string(role), func(t *testing.T) {
			actor := actors[role]
			token := mustMint(t, signer, actor, time.Hour)
			if diff := cmp.Diff(outcome{Actor: actor}, verify(t, v, token)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMintedTokenCarriesRoleScopeClaim(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	for _, role := range domain.Roles {
		t.Run(string(role), func(t *testing.T) {
			token := mustMint(t, signer, actors[role], time.Hour)
			var claims map[string]any
			parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
			if err != nil {
				t.Fatalf("ParseUnverified: %v", err)
			}
			claims = parsed.Claims.(jwt.MapClaims)
			if claim := role.ScopeClaim(); claim != "" && claims[claim] != actors[role].Scope() {
				t.Errorf("claim %s = %v, want %q", claim, claims[claim], actors[role].Scope())
			}
			header := map[string]any{"alg": parsed.Header["alg"], "kid": parsed.Header["kid"]}
			want := map[string]any{"alg": "ES256", "kid": signer.KeyID()}
			if diff := cmp.Diff(want, header); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			for _, c := range []string{"sub", "role", "iss", "aud", "iat", "nbf", "exp", "jti"} {
				if _, ok := claims[c]; !ok {
					t.Errorf("claim %s missing from %v", c, claims)
				}
			}
		})
	}
}

func TestVerifierRefuses(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	other := mustSigner(t, testIssuer, testAudience)
	key := signer.key
	hr := actors[domain.RoleHR]
	good := mustMint(t, signer, hr, 5*time.Minute)

	pubDER, err := x509.MarshalPKIXPublicKey(signer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	withClaims := func(edit func(*Claims)) string {
		c := claimsAt(hr)
		edit(&c)
		return mustSign(t, jwt.SigningMethodES256, key, signer.KeyID(), c)
	}
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString

	tests := []struct {
		name  string
		token string
		now   time.Time // zero means testNow
		want  outcome
	}{
		{"valid", good, time.Time{}, outcome{Actor: hr}},
		{"expired but within leeway", good, testNow.Add(5*time.Minute + 29*time.Second), outcome{Actor: hr}},
		{"expired", good, testNow.Add(5*time.Minute + 31*time.Second), refused("token has expired")},
		{"not yet valid", good, testNow.Add(-time.Minute), refused("token is not valid yet")},
		{"signed by another key", mustMint(t, other, hr, time.Hour), time.Time{}, refused("token signature is invalid")},
		{"payload swapped", parts[0] + "." + b64([]byte(`{"sub":"u-hr-1","role":"operator","exp":9999999999}`)) + "." + parts[2], time.Time{}, refused("token signature is invalid")},
		{"alg none", mustSign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claimsAt(hr)), time.Time{}, refused("token signing algorithm is not allowed")},
		{"HS256 keyed with the public key", mustSign(t, jwt.SigningMethodHS256, pubPEM, signer.KeyID(), claimsAt(hr)), time.Time{}, refused("token signing algorithm is not allowed")},
		{"HS256 keyed with the public key DER", mustSign(t, jwt.SigningMethodHS256, pubDER, "", claimsAt(hr)), time.Time{}, refused("token signing algorithm is not allowed")},
		{"ES384 against a P-256 key", mustSign(t, jwt.SigningMethodES384, mustECKey(t, elliptic.P384()), "", claimsAt(hr)), time.Time{}, refused("token signing algorithm is not allowed")},
		{"unknown alg", b64([]byte(`{"alg":"XX256","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2], time.Time{}, refused("token signing algorithm is not allowed")},
		{"no alg", b64([]byte(`{"typ":"JWT"}`)) + "." + parts[1] + "." + parts[2], time.Time{}, refused("token signing algorithm is not allowed")},
		{"empty", "", time.Time{}, refused("token is malformed")},
		{"one segment", "garbage", time.Time{}, refused("token is malformed")},
		{"two segments", parts[0] + "." + parts[1], time.Time{}, refused("token is malformed")},
		{"bad base64", "a!.b!.c!", time.Time{}, refused("token is malformed")},
		{"header not JSON", b64([]byte("not json")) + "." + parts[1] + "." + parts[2], time.Time{}, refused("token is malformed")},
		{"claims not JSON", parts[0] + "." + b64([]byte("[1,2")) + "." + parts[2], time.Time{}, refused("token is malformed")},
		{"role of the wrong type", parts[0] + "." + b64([]byte(`{"sub":"x","role":7}`)) + "." + parts[2], time.Time{}, refused("token is malformed")},
		{"too long", good + strings.Repeat("A", maxTokenBytes), time.Time{}, refused("token is malformed")},
		{"Bearer prefix left on", "Bearer " + good, time.Time{}, refused("token is malformed")},
		{"no exp", withClaims(func(c *Claims) { c.ExpiresAt = nil }), time.Time{}, refused("token has no expiry time")},
		{"missing scope claim", withClaims(func(c *Claims) { c.Agency = "" }), time.Time{}, refused("role hr needs the agency claim")},
		{"scope claim of another role only", withClaims(func(c *Claims) { c.Agency, c.Authority = "", "mintrud" }), time.Time{}, refused("role hr needs the agency claim")},
		{"unknown role", withClaims(func(c *Claims) { c.Role = "admin" }), time.Time{}, refused(`token has an unknown role "admin"`)},
		{"no role", withClaims(func(c *Claims) { c.Role = "" }), time.Time{}, refused("token has no role")},
		{"no subject", withClaims(func(c *Claims) { c.Subject = "" }), time.Time{}, refused("token has no subject")},
		{"wrong issuer", withClaims(func(c *Claims) { c.Issuer = "https://evil.test" }), time.Time{}, refused("token has the wrong issuer")},
		{"no issuer", withClaims(func(c *Claims) { c.Issuer = "" }), time.Time{}, refused("token has the wrong issuer")},
		{"wrong audience", withClaims(func(c *Claims) { c.Audience = jwt.ClaimStrings{"another-api"} }), time.Time{}, refused("token has the wrong audience")},
		{"no audience", withClaims(func(c *Claims) { c.Audience = nil }), time.Time{}, refused("token has the wrong audience")},
		{"one of several audiences", withClaims(func(c *Claims) { c.Audience = jwt.ClaimStrings{"another-api", testAudience} }), time.Time{}, outcome{Actor: hr}},
		{"issued in the future", withClaims(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(testNow.Add(time.Hour)) }), time.Time{}, refused("token is not valid yet")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = testNow
			}
			v, err := NewStaticVerifier(signer.PublicKey(), Options{Issuer: testIssuer, Audience: testAudience, Now: fixedClock(now)})
			if err != nil {
				t.Fatalf("NewStaticVerifier: %v", err)
			}
			if diff := cmp.Diff(tt.want, verify(t, v, tt.token)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifierIssuerAndAudienceUncheckedWhenEmpty(t *testing.T) {
	signer := mustSigner(t, "https://anyone.test", "anything")
	v, err := NewStaticVerifier(signer.PublicKey(), Options{Now: fixedClock(testNow)})
	if err != nil {
		t.Fatalf("NewStaticVerifier: %v", err)
	}
	ministry := actors[domain.RoleMinistry]
	if diff := cmp.Diff(outcome{Actor: ministry}, verify(t, v, mustMint(t, signer, ministry, time.Minute))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestVerifierLeeway(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	token := mustMint(t, signer, actors[domain.RoleServant], time.Minute)
	justExpired := testNow.Add(time.Minute + time.Second)
	tests := []struct {
		name   string
		leeway time.Duration
		want   outcome
	}{
		{"default leeway tolerates 1s", 0, outcome{Actor: actors[domain.RoleServant]}},
		{"negative means none", -1, refused("token has expired")},
		{"explicit short leeway", 500 * time.Millisecond, refused("token has expired")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewStaticVerifier(signer.PublicKey(), Options{Leeway: tt.leeway, Now: fixedClock(justExpired)})
			if err != nil {
				t.Fatalf("NewStaticVerifier: %v", err)
			}
			if diff := cmp.Diff(tt.want, verify(t, v, token)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStaticVerifierAlgorithms shows each family of allowed algorithms verifying with its
// own kind of key, and an RSA key refused by an ES256-only allow-list.
func TestStaticVerifierAlgorithms(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec384 := mustECKey(t, elliptic.P384())
	provider := actors[domain.RoleProvider]
	tests := []struct {
		name   string
		pub    any
		method jwt.SigningMethod
		priv   any
		algs   []string
		want   outcome
	}{
		{"RS256", &rsaKey.PublicKey, jwt.SigningMethodRS256, rsaKey, nil, outcome{Actor: provider}},
		{"PS256", &rsaKey.PublicKey, jwt.SigningMethodPS256, rsaKey, nil, outcome{Actor: provider}},
		{"EdDSA", edPub, jwt.SigningMethodEdDSA, edPriv, nil, outcome{Actor: provider}},
		{"ES384", &ec384.PublicKey, jwt.SigningMethodES384, ec384, nil, outcome{Actor: provider}},
		{"RS256 narrowed out", &rsaKey.PublicKey, jwt.SigningMethodRS256, rsaKey, []string{"RS384", "PS256"}, refused("token signing algorithm is not allowed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewStaticVerifier(tt.pub, Options{Algorithms: tt.algs, Now: fixedClock(testNow)})
			if err != nil {
				t.Fatalf("NewStaticVerifier: %v", err)
			}
			token := mustSign(t, tt.method, tt.priv, "", claimsAt(provider))
			if diff := cmp.Diff(tt.want, verify(t, v, token)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewStaticVerifierRejectsBadConfig(t *testing.T) {
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p256 := &mustECKey(t, elliptic.P256()).PublicKey
	tests := []struct {
		name string
		key  any
		opts Options
	}{
		{"nil key", nil, Options{}},
		{"nil ECDSA key", (*ecdsa.PublicKey)(nil), Options{}},
		{"ECDSA key without curve", &ecdsa.PublicKey{}, Options{}},
		{"RSA key without modulus", &rsa.PublicKey{}, Options{}},
		{"private key by mistake", mustECKey(t, elliptic.P256()), Options{}},
		{"HMAC secret as key", []byte("secret"), Options{}},
		{"RSA under 2048 bits", &smallRSA.PublicKey, Options{}},
		{"HS256 allowed", p256, Options{Algorithms: []string{"ES256", "HS256"}}},
		{"none allowed", p256, Options{Algorithms: []string{"none"}}},
		{"empty allow-list", p256, Options{Algorithms: []string{}}},
		{"no algorithm fits the key", p256, Options{Algorithms: []string{"RS256"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := NewStaticVerifier(tt.key, tt.opts); err == nil {
				t.Errorf("NewStaticVerifier = %v, nil; want an error", v)
			}
		})
	}
}

func TestVerifyErrorKeepsCauseForLogs(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	v := signer.Verifier()
	_, err := v.Verify(t.Context(), "garbage")
	if !domain.IsCode(err, domain.CodeUnauthenticated) {
		t.Fatalf("Verify error %v, want code unauthenticated", err)
	}
	var de *domain.Error
	if !errors.As(err, &de) || de.Err == nil {
		t.Errorf("Verify error has no cause for the log: %#v", de)
	}
}

// With authorisation from the registry a token may say only who: without a role claim the
// person is an applicant until the registry says otherwise; without a subject it is refused.
func TestIdentityOnlyTokens(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	v, err := NewStaticVerifier(signer.PublicKey(), Options{Issuer: testIssuer, Audience: testAudience, Now: fixedClock(testNow), IdentityOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	who := claimsAt(domain.Actor{Sub: "esia-42", Name: "Кузнецова Е. В."})
	got := verify(t, v, mustSign(t, jwt.SigningMethodES256, signer.key, signer.keyID, who))
	want := outcome{Actor: domain.Actor{Sub: "esia-42", Name: "Кузнецова Е. В.", Role: domain.RoleApplicant}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity-only token mismatch (-want +got):\n%s", diff)
	}
	nobody := claimsAt(domain.Actor{})
	if diff := cmp.Diff(refused("token has no role"), verify(t, v, mustSign(t, jwt.SigningMethodES256, signer.key, signer.keyID, nobody))); diff != "" {
		t.Errorf("token without subject mismatch (-want +got):\n%s", diff)
	}
	// A role claim, where the identity provider gives one, still counts (the ministry's own
	// staff are not in the registry of organisations' people).
	hr := actors[domain.RoleHR]
	if diff := cmp.Diff(outcome{Actor: hr}, verify(t, v, mustMint(t, signer, hr, time.Minute))); diff != "" {
		t.Errorf("token with a role mismatch (-want +got):\n%s", diff)
	}
}
