package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Defaults of RemoteConfig.
const (
	DefaultRemoteDigestAlgorithm = "GOST R 34.11-2012 (256)"
	defaultRemoteTimeout         = 30 * time.Second
	defaultRemoteMaxResponse     = 4 << 20 // a CMS with a chain is a few kilobytes; this is generous
)

// RemoteConfig configures a RemoteSigner.
type RemoteConfig struct {
	URL             string // signing endpoint, POSTed to
	Token           string // bearer token; never logged
	ChainFile       string // PEM file with the signing certificate and its CA chain
	ChainURL        string // fetched at construction when ChainFile is empty
	DigestAlgorithm string // sent as digest_algorithm; default DefaultRemoteDigestAlgorithm

	Timeout          time.Duration // per request; default 30s
	MaxResponseBytes int64         // default 4 MiB
	Client           *http.Client  // default: a client with Timeout
	Logger           zerolog.Logger
}

// RemoteSigner asks an external signing service (of the CryptoPro DSS kind) for detached CMS
// signatures: it POSTs {"document": base64, "digest_algorithm": ..., "detached": true} with a
// bearer token and expects {"signature": base64 DER CMS}.
//
// The service chooses the signing time: the request format has no field for it, so Sign
// cannot honour signingTime, and a retry yields a signature with a later signing-time. What
// the service returns is checked to be a detached CMS SignedData whose signer is in the
// configured chain, but not verified cryptographically: its algorithms (GOST) may be ones Go
// does not implement.
type RemoteSigner struct {
	url       string
	token     string
	digestAlg string
	client    *http.Client
	maxResp   int64
	chain     []byte
	certs     []*x509.Certificate // parsed chain, to check who signed
	log       zerolog.Logger
}

var _ Signer = (*RemoteSigner)(nil)

// NewRemoteSigner returns a RemoteSigner; when cfg.ChainFile is empty it GETs cfg.ChainURL.
func NewRemoteSigner(ctx context.Context, cfg RemoteConfig) (*RemoteSigner, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("remote signer: URL %q is not an http(s) URL", cfg.URL)
	}
	if u.Scheme == "http" && cfg.Token != "" && !isLoopback(u.Hostname()) {
		// Plain HTTP would carry the bearer token in the clear; allowed for a service on
		// this host or a trusted network, but worth a line in the log.
		cfg.Logger.Warn().Str("url", redactURL(u)).Msg("remote signer over plain http: the bearer token is not encrypted")
	}
	s := &RemoteSigner{
		url:       cfg.URL,
		token:     cfg.Token,
		digestAlg: cfg.DigestAlgorithm,
		client:    cfg.Client,
		maxResp:   cfg.MaxResponseBytes,
		log:       cfg.Logger,
	}
	if s.digestAlg == "" {
		s.digestAlg = DefaultRemoteDigestAlgorithm
	}
	if s.maxResp <= 0 {
		s.maxResp = defaultRemoteMaxResponse
	}
	if s.client == nil {
		timeout := cfg.Timeout
		if timeout <= 0 {
			timeout = defaultRemoteTimeout
		}
		s.client = &http.Client{Timeout: timeout}
	}

	var chain []byte
	switch {
	case cfg.ChainFile != "":
		if chain, err = os.ReadFile(cfg.ChainFile); err != nil {
			return nil, fmt.Errorf("remote signer: chain: %w", err)
		}
	case cfg.ChainURL != "":
		if chain, err = s.fetchChain(ctx, cfg.ChainURL, u); err != nil {
			return nil, fmt.Errorf("remote signer: chain: %w", err)
		}
	default:
		return nil, errors.New("remote signer: neither a chain file nor a chain URL is configured")
	}
	if s.chain, s.certs, err = normaliseChain(chain); err != nil {
		return nil, fmt.Errorf("remote signer: chain: %w", err)
	}
	return s, nil
}

type remoteRequest struct {
	Document        string `json:"document"`
	DigestAlgorithm string `json:"digest_algorithm"`
	Detached        bool   `json:"detached"`
}

type remoteResponse struct {
	Signature string `json:"signature"`
}

// Sign implements Signer. signingTime is not sent: the service picks its own (see RemoteSigner).
func (s *RemoteSigner) Sign(ctx context.Context, doc []byte, signingTime time.Time) ([]byte, error) {
	start := time.Now()
	body, err := json.Marshal(remoteRequest{
		Document:        base64.StdEncoding.EncodeToString(doc),
		DigestAlgorithm: s.digestAlg,
		Detached:        true,
	})
	if err != nil {
		return nil, fmt.Errorf("remote sign: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("remote sign: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	s.authorise(req)
	respBody, err := s.do(req)
	if err != nil {
		return nil, fmt.Errorf("remote sign: %w", err)
	}
	var resp remoteResponse
	if err := json.Unmarshal(respBody, &resp); err != nil {
		return nil, fmt.Errorf("remote sign: response is not the expected JSON: %w", err)
	}
	if resp.Signature == "" {
		return nil, errors.New("remote sign: response has no signature")
	}
	// Tolerate line-wrapped base64, which some services emit.
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(resp.Signature), ""))
	if err != nil {
		return nil, fmt.Errorf("remote sign: signature is not base64: %w", err)
	}
	p7, err := checkDetachedSignedData(der)
	if err != nil {
		return nil, fmt.Errorf("remote sign: %w", err)
	}
	// A signature that the published chain cannot verify is worse than none: it would go out
	// to the servant and fail at every verifier. The usual cause is a key rotated at the
	// service after we fetched the chain.
	if !signedByOneOf(p7, s.certs) {
		return nil, errors.New("remote sign: the signature was made by a certificate not in the configured chain " +
			"(key rotated at the service? update the chain file or restart to fetch the chain again)")
	}
	s.log.Debug().Int("doc_bytes", len(doc)).Time("requested_signing_time", signingTime).
		Dur("took", time.Since(start)).Msg("document signed remotely")
	return der, nil
}

// Chain implements Signer.
func (s *RemoteSigner) Chain() []byte { return append([]byte(nil), s.chain...) }

// Algorithm implements Signer.
func (s *RemoteSigner) Algorithm() string { return AlgorithmRemote }

func (s *RemoteSigner) authorise(req *http.Request) {
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
}

// fetchChain GETs the PEM chain. The token goes along only to the signing service's own
// origin, so a chain URL elsewhere (a public CA site) never sees it.
func (s *RemoteSigner) fetchChain(ctx context.Context, chainURL string, signURL *url.URL) ([]byte, error) {
	cu, err := url.Parse(chainURL)
	if err != nil || (cu.Scheme != "https" && cu.Scheme != "http") || cu.Host == "" {
		return nil, fmt.Errorf("chain URL %q is not an http(s) URL", chainURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, chainURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/x-pem-file, text/plain, */*")
	if cu.Scheme == signURL.Scheme && cu.Host == signURL.Host {
		s.authorise(req)
	}
	return s.do(req)
}

// do sends req and returns the body of a 2xx response, read up to the size limit. Other
// statuses become a short error: the status and the start of the body, on one line.
func (s *RemoteSigner) do(req *http.Request) ([]byte, error) {
	target := req.Method + " " + redactURL(req.URL)
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error repeats the full URL; ours is shorter and has no query.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxResp+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read response: %w", target, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s: %s: %s", target, resp.Status, snippet(body, s.token))
	}
	if int64(len(body)) > s.maxResp {
		return nil, fmt.Errorf("%s: response exceeds %d bytes", target, s.maxResp)
	}
	return body, nil
}

// snippet is the start of an error body, on one line, for an error message. The token is
// blanked out first (before truncation could cut it in half), against services that echo
// the request headers.
func snippet(body []byte, token string) string {
	s := strings.ToValidUTF8(string(body), "")
	if token != "" {
		s = strings.ReplaceAll(s, token, "[token]")
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(empty body)"
	}
	const max = 200
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// redactURL drops the query, user info and fragment, which may carry credentials.
func redactURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// normaliseChain keeps the CERTIFICATE blocks of a PEM bundle, checking each parses.
func normaliseChain(data []byte) ([]byte, []*x509.Certificate, error) {
	var out bytes.Buffer
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, nil, err
		}
		certs = append(certs, c)
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}) // a bytes.Buffer never fails
	}
	if len(certs) == 0 {
		return nil, nil, errors.New("no PEM certificate found")
	}
	return out.Bytes(), certs, nil
}
