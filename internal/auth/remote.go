package auth

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

const (
	// httpTimeout bounds every fetch of a discovery document or JWK set.
	httpTimeout = 10 * time.Second
	// unknownKIDWaitMax bounds how long a request with an unknown kid may wait for the
	// rate-limited refresh, fetch included. A request that would wait longer fails at once,
	// so a stream of made-up kids cannot pile up blocked requests.
	unknownKIDWaitMax = httpTimeout
	// maxDiscoveryBytes bounds the discovery document; real ones are a few kilobytes.
	maxDiscoveryBytes = 1 << 20
)

// NewJWKSVerifier returns a Verifier that finds keys by kid in the JWK set at jwksURL.
// The set is fetched once before returning (an unreachable or broken URL is an error, so a
// misconfiguration shows at start-up), then again every Options.RefreshInterval, and again
// when a token names an unknown kid, at most once per five minutes: that is how a rotated
// key is picked up without waiting for the next scheduled refresh.
//
// The background refresh stops when ctx ends or Close is called. client nil means a client
// with a 10 s timeout.
func NewJWKSVerifier(ctx context.Context, jwksURL string, client *http.Client, opts Options) (*Verifier, error) {
	v, err := newJWKSVerifier(ctx, jwksURL, client, opts)
	if err != nil {
		return nil, fmt.Errorf("new JWKS verifier: %w", err)
	}
	return v, nil
}

func newJWKSVerifier(ctx context.Context, jwksURL string, client *http.Client, opts Options) (*Verifier, error) {
	if _, err := checkAlgorithms(opts.Algorithms); err != nil {
		return nil, err
	}
	if err := checkHTTPURL(jwksURL); err != nil {
		return nil, fmt.Errorf("JWKS URL: %w", err)
	}
	if client == nil {
		client = defaultHTTPClient()
	}
	refresh := opts.RefreshInterval
	if refresh <= 0 {
		refresh = time.Hour
	}
	log := opts.Logger
	// keyfunc starts its refresh goroutine before the first fetch; a child context lets a
	// failed construction, and Close, stop it.
	ctx, stop := context.WithCancel(ctx)
	failFirst := false // keyfunc's default would start with an empty set and hide the error
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, keyfunc.Override{
		Client:                    client,
		HTTPTimeout:               httpTimeout,
		NoErrorReturnFirstHTTPReq: &failFirst,
		RateLimitWaitMax:          unknownKIDWaitMax,
		RefreshInterval:           refresh,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				log.Warn().Err(err).Str("jwks_url", u).Msg("refreshing the JWK set failed; keeping the keys we have")
			}
		},
	})
	if err != nil {
		stop()
		return nil, err
	}
	v, err := newVerifier(remoteKeys(kf.Storage()), opts)
	if err != nil {
		stop()
		return nil, err
	}
	v.stop = stop
	return v, nil
}

// remoteKeys selects the key for a token from a JWK set. It does what keyfunc's own
// Keyfunc does (kid lookup with refresh, alg match) and also refuses keys published for
// encryption and keys that do not fit the token's algorithm.
func remoteKeys(store jwkset.Storage) keySource {
	return func(ctx context.Context, token *jwt.Token) (any, error) {
		alg := token.Method.Alg()
		kid, hasKID := token.Header[jwkset.HeaderKID]
		if !hasKID {
			// Some issuers leave kid out when they publish one key; try each fitting key.
			all, err := store.KeyReadAll(ctx)
			if err != nil {
				return nil, fmt.Errorf("read JWK set: %w", err)
			}
			var set jwt.VerificationKeySet
			for _, jwk := range all {
				if key, ok := usableKey(jwk, alg); ok {
					set.Keys = append(set.Keys, key)
				}
			}
			if len(set.Keys) == 0 {
				return nil, fmt.Errorf("%w: no kid and no key for %s", errUnknownKey, alg)
			}
			return set, nil
		}
		id, ok := kid.(string)
		if !ok || id == "" {
			return nil, fmt.Errorf("%w: kid is not a non-empty string", errUnknownKey)
		}
		jwk, err := store.KeyRead(ctx, id) // an unknown kid triggers the rate-limited refresh
		if err != nil {
			return nil, fmt.Errorf("%w %q: %w", errUnknownKey, id, err)
		}
		key, ok := usableKey(jwk, alg)
		if !ok {
			return nil, fmt.Errorf("%w: kid %q for %s", errKeyMismatch, id, alg)
		}
		return key, nil
	}
}

// usableKey returns the public key of jwk if it may verify an alg signature.
func usableKey(jwk jwkset.JWK, alg string) (crypto.PublicKey, bool) {
	m := jwk.Marshal()
	if m.USE != "" && m.USE != jwkset.UseSig {
		return nil, false
	}
	if m.ALG != "" && m.ALG.String() != alg {
		return nil, false
	}
	key := jwk.Key()
	// A set that wrongly publishes private keys still only yields their public half.
	if priv, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		key = priv.Public()
	}
	if !keyFitsAlgorithm(key, alg) {
		return nil, false
	}
	return key, true
}

// NewOIDCVerifier discovers the JWK set of an OpenID Connect issuer and returns
// NewJWKSVerifier's Verifier for it. It fetches <issuerURL>/.well-known/openid-configuration
// and requires its issuer to equal issuerURL exactly (OpenID Connect Discovery §4.3), so a
// misdirected or tampered document is refused rather than trusted for keys. Options.Issuer
// defaults to the issuer, so tokens from anyone else are refused too.
func NewOIDCVerifier(ctx context.Context, issuerURL string, client *http.Client, opts Options) (*Verifier, error) {
	if client == nil {
		client = defaultHTTPClient()
	}
	jwksURL, err := discoverJWKSURI(ctx, issuerURL, client)
	if err != nil {
		return nil, fmt.Errorf("new OIDC verifier: %w", err)
	}
	if opts.Issuer == "" {
		opts.Issuer = issuerURL
	}
	v, err := newJWKSVerifier(ctx, jwksURL, client, opts)
	if err != nil {
		return nil, fmt.Errorf("new OIDC verifier: %w", err)
	}
	return v, nil
}

// discoverJWKSURI reads the issuer's discovery document and returns its jwks_uri.
func discoverJWKSURI(ctx context.Context, issuerURL string, client *http.Client) (string, error) {
	if err := checkHTTPURL(issuerURL); err != nil {
		return "", fmt.Errorf("issuer URL: %w", err)
	}
	docURL := strings.TrimSuffix(issuerURL, "/") + "/.well-known/openid-configuration"
	ctx, cancel := context.WithTimeout(ctx, httpTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return "", fmt.Errorf("discovery request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch discovery document: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch discovery document %s: status %s", docURL, resp.Status)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDiscoveryBytes)).Decode(&doc); err != nil {
		return "", fmt.Errorf("decode discovery document %s: %w", docURL, err)
	}
	if doc.Issuer != issuerURL {
		return "", fmt.Errorf("discovery document %s names issuer %q, want %q", docURL, doc.Issuer, issuerURL)
	}
	if err := checkHTTPURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("discovery document %s: jwks_uri: %w", docURL, err)
	}
	return doc.JWKSURI, nil
}

// checkHTTPURL accepts an absolute http or https URL. Plain http is allowed because a
// local identity provider in development rarely has TLS; production configuration should
// use https.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("want an absolute http(s) URL, got %q", raw)
	}
	return nil
}

// defaultHTTPClient bounds every request, so a hung identity provider cannot stall
// start-up or a refresh forever.
func defaultHTTPClient() *http.Client {
	return &http.Client{Timeout: httpTimeout}
}
