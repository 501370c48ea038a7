package faulttest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/profdev/profdev/internal/signing"
)

// dssToken is the bearer token the signing service expects.
const dssToken = "faulttest-dss-token"

// dss is a signing service of the CryptoPro DSS kind over real HTTP, which internal/signing's
// RemoteSigner talks to: POST /sign with {"document": base64, "digest_algorithm", "detached":
// true} and a bearer token answers {"signature": base64 DER CMS}, made with a real GOST key
// through internal/signing. While down, it answers 503 as a service under maintenance does.
type dss struct {
	srv       *httptest.Server
	signer    signing.Signer
	chainFile string
	down      atomic.Bool
	signed    atomic.Int64
	refused   atomic.Int64
}

func (w *world) startDSS() *dss {
	w.t.Helper()
	s, err := signing.New(signing.Config{Kind: string(signing.KindGOST), Dir: filepath.Join(w.dir, "dss"), Logger: w.log})
	if err != nil {
		w.t.Fatalf("the signing service's key: %v", err)
	}
	d := &dss{signer: s, chainFile: filepath.Join(w.dir, "dss-chain.pem")}
	if err := os.WriteFile(d.chainFile, s.Chain(), 0o644); err != nil {
		w.t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sign", d.sign)
	d.srv = httptest.NewServer(mux)
	w.t.Cleanup(d.srv.Close)
	return d
}

// config is the remote signer of a worker that signs through this service.
func (d *dss) config() signing.Config {
	return signing.Config{Kind: "remote", RemoteURL: d.srv.URL + "/sign", RemoteToken: dssToken, RemoteChainFile: d.chainFile}
}

func (d *dss) sign(w http.ResponseWriter, r *http.Request) {
	if d.down.Load() {
		d.refused.Add(1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, `{"error":"the signing service is under maintenance"}`, http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+dssToken {
		http.Error(w, `{"error":"invalid token"}`, http.StatusUnauthorized)
		return
	}
	var req struct {
		Document        string `json:"document"`
		DigestAlgorithm string `json:"digest_algorithm"`
		Detached        bool   `json:"detached"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !req.Detached || req.DigestAlgorithm == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	doc, err := base64.StdEncoding.DecodeString(req.Document)
	if err != nil {
		http.Error(w, `{"error":"document is not base64"}`, http.StatusBadRequest)
		return
	}
	sig, err := d.signer.Sign(r.Context(), doc, time.Now()) // the service picks the signing time
	if err != nil {
		http.Error(w, `{"error":"signing failed"}`, http.StatusInternalServerError)
		return
	}
	d.signed.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)})
}
