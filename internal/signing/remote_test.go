package signing

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "s3cr3t-bearer-token"

// fakeDSS is a signing service of the CryptoPro DSS kind that signs with a development
// ECDSASigner. POST /sign signs; GET /chain serves the chain; both want the bearer token.
type fakeDSS struct {
	t      *testing.T
	signer Signer
	srv    *httptest.Server
	// override, when set, answers POST /sign instead of the signer.
	override atomic.Pointer[http.HandlerFunc]
}

func newFakeDSS(t *testing.T) *fakeDSS {
	s, _ := newDevSigner(t, KindECDSA)
	f := &fakeDSS{t: t, signer: s}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sign", f.sign)
	mux.HandleFunc("GET /chain", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(s.Chain())
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDSS) sign(w http.ResponseWriter, r *http.Request) {
	if h := f.override.Load(); h != nil {
		(*h)(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		http.Error(w, `{"error":"invalid token"}`, http.StatusUnauthorized)
		return
	}
	var req struct {
		Document        string `json:"document"`
		DigestAlgorithm string `json:"digest_algorithm"`
		Detached        *bool  `json:"detached"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Detached == nil || !*req.Detached || req.DigestAlgorithm == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	doc, err := base64.StdEncoding.DecodeString(req.Document)
	if err != nil {
		http.Error(w, `{"error":"document is not base64"}`, http.StatusBadRequest)
		return
	}
	sig, err := f.signer.Sign(r.Context(), doc, time.Now()) // the service picks the time
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)})
}

func TestRemoteRoundTripVerifies(t *testing.T) {
	t.Parallel()
	f := newFakeDSS(t)
	chainFile := filepath.Join(t.TempDir(), "chain.pem")
	if err := os.WriteFile(chainFile, f.signer.Chain(), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"chain from URL":  {Kind: "remote", RemoteURL: f.srv.URL + "/sign", RemoteToken: testToken, RemoteChainURL: f.srv.URL + "/chain"},
		"chain from file": {Kind: "remote", RemoteURL: f.srv.URL + "/sign", RemoteToken: testToken, RemoteChainFile: chainFile},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.Logger = testLogger(t)
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if s.Algorithm() != AlgorithmRemote {
				t.Errorf("Algorithm() = %q", s.Algorithm())
			}
			doc := pdfLike(3000)
			sig, err := s.Sign(context.Background(), doc, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if out, err := verifyWithOpenSSL(t, sig, doc, s.Chain(), ""); err != nil {
				t.Fatalf("openssl cms -verify rejected the remote signature: %v\n%s", err, out)
			}
			if out, err := verifyWithOpenSSL(t, sig, append(doc, '\n'), s.Chain(), ""); err == nil {
				t.Fatalf("openssl cms -verify accepted a modified document:\n%s", out)
			}
		})
	}
}

// TestRemoteChainTokenStaysHome: a chain URL on another origin must not receive the token.
func TestRemoteChainTokenStaysHome(t *testing.T) {
	t.Parallel()
	f := newFakeDSS(t)
	ca := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("chain server on another origin received an Authorization header")
		}
		w.Write(f.signer.Chain())
	}))
	defer ca.Close()
	ctx := context.Background()
	if _, err := NewRemoteSigner(ctx, RemoteConfig{URL: f.srv.URL + "/sign", Token: testToken, ChainURL: ca.URL + "/bundle.pem"}); err != nil {
		t.Fatal(err)
	}
}

func TestRemoteErrors(t *testing.T) {
	t.Parallel()
	f := newFakeDSS(t)
	long := strings.Repeat("сервис недоступен ", 100)
	stranger, _ := newDevSigner(t, KindECDSA) // a key whose certificate is not in the chain
	for _, tc := range []struct {
		name     string
		token    string
		override http.HandlerFunc
		cfg      func(*RemoteConfig)
		want     []string // substrings of the error
	}{
		{name: "wrong token", token: "wrong", want: []string{"401", "invalid token"}},
		{name: "5xx with a long body", override: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Authorization: Bearer "+testToken+" "+long, http.StatusServiceUnavailable)
		}, want: []string{"503 Service Unavailable", "Bearer [token] сервис недоступен", "…"}},
		{name: "oversized response", override: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"signature":"` + strings.Repeat("A", 5000) + `"}`))
		}, cfg: func(c *RemoteConfig) { c.MaxResponseBytes = 1000 }, want: []string{"exceeds 1000 bytes"}},
		{name: "not JSON", override: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>proxy login</html>"))
		}, want: []string{"not the expected JSON"}},
		{name: "no signature", override: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"status":"queued"}`))
		}, want: []string{"no signature"}},
		{name: "not base64", override: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"signature":"!!!"}`))
		}, want: []string{"not base64"}},
		{name: "not CMS", override: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"signature":"` + base64.StdEncoding.EncodeToString([]byte("hello")) + `"}`))
		}, want: []string{"not a CMS SignedData"}},
		{name: "signer not in chain", override: func(w http.ResponseWriter, r *http.Request) {
			sig, err := stranger.Sign(r.Context(), []byte("%PDF-1.7"), time.Now())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Write([]byte(`{"signature":"` + base64.StdEncoding.EncodeToString(sig) + `"}`))
		}, want: []string{"not in the configured chain"}},
		{name: "timeout", override: func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, cfg: func(c *RemoteConfig) { c.Timeout = 200 * time.Millisecond }, want: []string{"Timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One fake service per case would be cleaner but slower; the cases run one by one.
			if tc.override != nil {
				f.override.Store(&tc.override)
			}
			defer f.override.Store(nil)
			token := testToken
			if tc.token != "" {
				token = tc.token
			}
			cfg := RemoteConfig{URL: f.srv.URL + "/sign?tenant=1", Token: token, ChainFile: writeChain(t, f.signer.Chain())}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			s, err := NewRemoteSigner(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Sign(context.Background(), []byte("%PDF-1.7"), time.Now())
			if err == nil {
				t.Fatal("Sign succeeded, want an error")
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, testToken) || strings.Contains(msg, "tenant=1") {
				t.Errorf("error leaks the token or the query: %q", msg)
			}
			if len(msg) > 400 {
				t.Errorf("error is %d bytes long, want a short message: %q", len(msg), msg)
			}
		})
	}
}

func writeChain(t *testing.T, chain []byte) string {
	path := filepath.Join(t.TempDir(), "chain.pem")
	if err := os.WriteFile(path, chain, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
