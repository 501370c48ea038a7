package auth

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/profdev/profdev/internal/domain"
)

func mustJWKSVerifier(t *testing.T, url string, client *http.Client) *Verifier {
	t.Helper()
	// t.Context ends with the test, which stops the background refresh goroutine.
	v, err := NewJWKSVerifier(t.Context(), url, client, Options{Issuer: testIssuer, Audience: testAudience, Now: fixedClock(testNow)})
	if err != nil {
		t.Fatalf("NewJWKSVerifier: %v", err)
	}
	return v
}

func TestJWKSVerifier(t *testing.T) {
	a := mustSigner(t, testIssuer, testAudience)
	b := mustSigner(t, testIssuer, testAudience)
	notServed := mustSigner(t, testIssuer, testAudience)
	srv := newJWKSServer(t, signerKey(a), signerKey(b))
	v := mustJWKSVerifier(t, srv.URL, srv.Client())
	ministry := actors[domain.RoleMinistry]

	numericKID := jwt.NewWithClaims(jwt.SigningMethodES256, claimsAt(ministry))
	numericKID.Header["kid"] = 7
	kidNotString, err := numericKID.SignedString(a.key)
	if err != nil {
		t.Fatal(err)
	}

	encKey := signerKey(notServed)
	encKey.use = jwkset.UseEnc
	encSrv := newJWKSServer(t, encKey)
	encV := mustJWKSVerifier(t, encSrv.URL, encSrv.Client())

	tests := []struct {
		name  string
		v     *Verifier
		token string
		want  outcome
	}{
		{"first key", v, mustMint(t, a, ministry, time.Hour), outcome{Actor: ministry}},
		{"second key", v, mustMint(t, b, ministry, time.Hour), outcome{Actor: ministry}},
		{"no kid tries every key", v, mustSign(t, jwt.SigningMethodES256, b.key, "", claimsAt(ministry)), outcome{Actor: ministry}},
		{"kid of one key, signature of another", v, mustSign(t, jwt.SigningMethodES256, a.key, b.KeyID(), claimsAt(ministry)), refused("token signature is invalid")},
		{"unknown kid", v, mustMint(t, notServed, ministry, time.Hour), refused("token was signed by an unknown key")},
		{"no kid, served by nobody", v, mustSign(t, jwt.SigningMethodES256, notServed.key, "", claimsAt(ministry)), refused("token signature is invalid")},
		{"kid not a string", v, kidNotString, refused("token was signed by an unknown key")},
		{"key published for encryption", encV, mustMint(t, notServed, ministry, time.Hour), refused("token signature is invalid")},
		{"alg none", v, mustSign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, a.KeyID(), claimsAt(ministry)), refused("token signing algorithm is not allowed")},
		{"expired", v, mustSign(t, jwt.SigningMethodES256, a.key, a.KeyID(), func() Claims {
			c := claimsAt(ministry)
			c.ExpiresAt = jwt.NewNumericDate(testNow.Add(-time.Hour))
			return c
		}()), refused("token has expired")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, verify(t, tt.v, tt.token)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJWKSVerifierPicksUpRotatedKey: the issuer starts signing with a new key and adds it
// to its set; the first token naming the new kid makes the verifier fetch the set again,
// and a flood of unknown kids after that is answered without more fetches.
func TestJWKSVerifierPicksUpRotatedKey(t *testing.T) {
	oldKey := mustSigner(t, testIssuer, testAudience)
	newKey := mustSigner(t, testIssuer, testAudience)
	stranger := mustSigner(t, testIssuer, testAudience)
	srv := newJWKSServer(t, signerKey(oldKey))
	v := mustJWKSVerifier(t, srv.URL, srv.Client())
	hr := actors[domain.RoleHR]

	type step struct {
		Outcome outcome
		Fetches int32
	}
	check := func(name string, token string, want step) {
		t.Helper()
		got := step{Outcome: verify(t, v, token), Fetches: srv.fetches.Load()}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", name, diff)
		}
	}

	check("old key before rotation", mustMint(t, oldKey, hr, time.Hour), step{outcome{Actor: hr}, 1})
	srv.serve(t, signerKey(oldKey), signerKey(newKey))
	check("new key after rotation", mustMint(t, newKey, hr, time.Hour), step{outcome{Actor: hr}, 2})
	check("old key still served", mustMint(t, oldKey, hr, time.Hour), step{outcome{Actor: hr}, 2})

	start := time.Now()
	for range 5 {
		check("unknown kid, rate-limited", mustMint(t, stranger, hr, time.Hour), step{refused("token was signed by an unknown key"), 2})
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("unknown kids took %v: a rate-limited refresh should fail fast, not wait", elapsed)
	}
}

func TestNewJWKSVerifierFailsFast(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>"))
	}))
	t.Cleanup(notJSON.Close)
	tests := []struct {
		name string
		url  string
		opts Options
	}{
		{"server error", broken.URL, Options{}},
		{"not a JWK set", notJSON.URL, Options{}},
		{"not a URL", "jwks.json", Options{}},
		{"not http", "file:///etc/jwks.json", Options{}},
		{"HS256 allowed", broken.URL, Options{Algorithms: []string{"HS256"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := NewJWKSVerifier(t.Context(), tt.url, nil, tt.opts); err == nil {
				t.Errorf("NewJWKSVerifier = %v, nil; want an error", v)
			}
		})
	}
}

// newOIDCServer serves a discovery document naming docIssuer (the server's own URL when
// "") and a JWK set of keys, over TLS as a real issuer would.
func newOIDCServer(t *testing.T, docIssuer string, keys ...servedKey) *httptest.Server {
	t.Helper()
	jwks := mustJWKSet(t, keys...)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	// A client that distrusts the test certificate is a case below; keep its noise out.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	if docIssuer == "" {
		docIssuer = srv.URL
	}
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                docIssuer,
			"jwks_uri":                              srv.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) { w.Write(jwks) })
	return srv
}

func TestOIDCVerifier(t *testing.T) {
	fromElsewhere := mustSigner(t, "https://elsewhere.test", testAudience)
	srv := newOIDCServer(t, "", signerKey(fromElsewhere))
	fromIssuer := *fromElsewhere // same key, the issuer's name
	fromIssuer.issuer = srv.URL

	v, err := NewOIDCVerifier(t.Context(), srv.URL, srv.Client(), Options{Audience: testAudience, Now: fixedClock(testNow)})
	if err != nil {
		t.Fatalf("NewOIDCVerifier: %v", err)
	}
	servant := actors[domain.RoleServant]
	tests := []struct {
		name  string
		token string
		want  outcome
	}{
		{"token from the issuer", mustMint(t, &fromIssuer, servant, time.Hour), outcome{Actor: servant}},
		{"same key, another issuer", mustMint(t, fromElsewhere, servant, time.Hour), refused("token has the wrong issuer")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, verify(t, v, tt.token)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewOIDCVerifierRefusesBadDiscovery(t *testing.T) {
	key := signerKey(mustSigner(t, testIssuer, testAudience))
	impostor := newOIDCServer(t, "https://real-issuer.test", key)
	good := newOIDCServer(t, "", key)
	missing := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(missing.Close)
	tests := []struct {
		name    string
		issuer  string
		client  *http.Client
		wantErr string
	}{
		{"issuer mismatch", impostor.URL, impostor.Client(), `names issuer "https://real-issuer.test"`},
		{"trailing slash is another issuer", good.URL + "/", good.Client(), "names issuer"},
		{"no discovery document", missing.URL, missing.Client(), "404"},
		{"untrusted TLS certificate", good.URL, nil, "certificate"},
		{"not a URL", "issuer", nil, "absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewOIDCVerifier(t.Context(), tt.issuer, tt.client, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewOIDCVerifier = %v, %v; want an error containing %q", v, err, tt.wantErr)
			}
		})
	}
}

func TestJWKSVerifierBackgroundRefreshAndClose(t *testing.T) {
	signer := mustSigner(t, testIssuer, testAudience)
	srv := newJWKSServer(t, signerKey(signer))
	v, err := NewJWKSVerifier(t.Context(), srv.URL, srv.Client(), Options{RefreshInterval: 5 * time.Millisecond, Now: fixedClock(testNow)})
	if err != nil {
		t.Fatalf("NewJWKSVerifier: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.fetches.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d fetches in 5s with a 5ms refresh interval", srv.fetches.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}

	v.Close()
	v.Close()                         // idempotent
	time.Sleep(20 * time.Millisecond) // let a refresh already under way finish
	closedAt := srv.fetches.Load()
	time.Sleep(50 * time.Millisecond)
	if got := srv.fetches.Load(); got != closedAt {
		t.Errorf("%d fetches after Close, want none", got-closedAt)
	}
	servant := actors[domain.RoleServant]
	if diff := cmp.Diff(outcome{Actor: servant}, verify(t, v, mustMint(t, signer, servant, time.Hour))); diff != "" {
		t.Errorf("Verify after Close: mismatch (-want +got):\n%s", diff)
	}
}
