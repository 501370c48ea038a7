package console_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/api/console"
)

// testIdP is a small OpenID provider: discovery, JWKS, an authorize endpoint that signs the
// person in at once, and a token endpoint that checks the PKCE verifier against the
// challenge before it hands out an ID token carrying the nonce.
type testIdP struct {
	srv        *httptest.Server
	key        *ecdsa.PrivateKey
	mu         sync.Mutex
	challenges map[string]string // code -> S256 challenge
	nonces     map[string]string // code -> nonce
	claims     jwt.MapClaims
	pkceSeen   bool
}

func newTestIdP(t *testing.T, claims jwt.MapClaims) *testIdP {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &testIdP{key: key, challenges: map[string]string{}, nonces: map[string]string{}, claims: claims}
	mux := http.NewServeMux()
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"ES256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		b := func(n []byte) string { return base64.RawURLEncoding.EncodeToString(n) }
		x, y := make([]byte, 32), make([]byte, 32)
		key.X.FillBytes(x)
		key.Y.FillBytes(y)
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig", "x": b(x), "y": b(y)}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE required", http.StatusBadRequest)
			return
		}
		code := "code-" + q.Get("state")[:8]
		p.mu.Lock()
		p.challenges[code], p.nonces[code] = q.Get("code_challenge"), q.Get("nonce")
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		code := r.PostForm.Get("code")
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		p.mu.Lock()
		challenge, nonce := p.challenges[code], p.nonces[code]
		ok := challenge != "" && base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
		p.pkceSeen = p.pkceSeen || ok
		p.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		c := jwt.MapClaims{"iss": p.srv.URL, "aud": "profdev-console", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "nonce": nonce}
		for k, v := range p.claims {
			c[k] = v
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
		tok.Header["kid"] = "k1"
		signed, _ := tok.SignedString(p.key)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": signed})
	})
	return p
}

// TestProductionSignInWithOIDCAndPKCE signs an HR officer in through the identity
// provider (authorization code with PKCE, nonce checked), with the role and scope from the
// ID token's claims, and lands them on their inbox.
func TestProductionSignInWithOIDCAndPKCE(t *testing.T) {
	idp := newTestIdP(t, jwt.MapClaims{"sub": "esia-42", "name": "Кузнецова Е. В.", "role": "hr", "agency": "agency-1"})
	sys := mustSystemWith(t, func(c *api.Config) {
		c.Console = console.Config{OIDC: console.OIDCConfig{Issuer: idp.srv.URL, ClientID: "profdev-console", ClientSecret: "s3cret", RoleClaims: true}}
	})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(sys.url + "/certificates")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/login" || resp.Request.URL.Query().Get("next") != "/certificates" {
		t.Fatalf("a signed-out person asking for /certificates lands on %s; want /login?next=/certificates", resp.Request.URL)
	}
	resp, err = c.Get(sys.url + "/login?start=1&next=/certificates")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/certificates" {
		t.Fatalf("after the identity provider: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	if !idp.pkceSeen {
		t.Error("the token request did not carry a PKCE verifier matching the challenge")
	}
	if page := string(body); !strings.Contains(page, "Кузнецова Е. В.") || !strings.Contains(page, "Кадровая служба") {
		t.Errorf("the signed-in page does not name the person and role:\n%s", page)
	}
	// A callback with a state of another session is refused.
	resp, err = c.Get(sys.url + "/login/callback?code=code-x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a forged callback = %d, want 400", resp.StatusCode)
	}
}
