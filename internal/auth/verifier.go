package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/domain"
)

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat when Options.Leeway is 0.
const DefaultLeeway = 30 * time.Second

// maxTokenBytes bounds the raw token. Real tokens are well under a kilobyte; refusing a
// huge one up front keeps a hostile header from costing base64 and JSON work.
const maxTokenBytes = 16 << 10

// Options configures a Verifier. The zero value checks signature and times only.
type Options struct {
	// Issuer is the expected iss claim; "" means not checked. The OIDC constructor
	// defaults it to the discovered issuer.
	Issuer string
	// Audience must be one of the token's aud values; "" means not checked.
	Audience string
	// Leeway is the clock skew tolerated on exp, nbf and iat; 0 means DefaultLeeway and a
	// negative value means none.
	Leeway time.Duration
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// Algorithms narrows the accepted JWS algorithms; nil means every public-key algorithm
	// (ES256/384/512, RS256/384/512, PS256/384/512, EdDSA). HS* and none are refused.
	Algorithms []string

	// RefreshInterval is how often a remote JWK set is fetched in the background; 0 means
	// one hour. An unknown kid also triggers a fetch, at most once per five minutes.
	RefreshInterval time.Duration
	// Logger receives failures of background JWK set refreshes; its zero value discards.
	Logger zerolog.Logger
	// IdentityOnly accepts tokens that say only who (sub): with authorisation from the
	// registry of authorised people (AUTH_FROM_REGISTRY) the registry says the role and the
	// scope, so a token without a role claim is a person not yet given one (an applicant).
	IdentityOnly bool
}

// keySource returns the key (or jwt.VerificationKeySet) for a parsed, not yet verified
// token whose algorithm is already on the allow-list.
type keySource func(ctx context.Context, token *jwt.Token) (any, error)

// Verifier turns raw bearer tokens into actors. It is immutable once built and safe for
// concurrent use.
type Verifier struct {
	parser     *jwt.Parser
	keys       keySource
	algorithms []string
	issuer     string
	audience   string
	stop       context.CancelFunc // ends a remote source's background refresh; nil if static
	identity   bool
}

// Errors of the key sources, mapped to client messages by unauthenticated.
var (
	errUnknownKey  = errors.New("no key with the token's key ID")
	errKeyMismatch = errors.New("key does not fit the token's algorithm")
)

// NewStaticVerifier returns a Verifier that checks signatures against one public key, such
// as one read with ParsePublicKeyPEM. The token's kid, if any, is ignored: there is only one
// key to try. Only the allowed algorithms that fit the key are accepted (ES256 alone for a
// P-256 key), so a token cannot pick an algorithm the key was never meant for.
func NewStaticVerifier(key crypto.PublicKey, opts Options) (*Verifier, error) {
	algs, err := checkAlgorithms(opts.Algorithms)
	if err != nil {
		return nil, fmt.Errorf("new static verifier: %w", err)
	}
	fit := algorithmsForKey(key, algs)
	if len(fit) == 0 {
		return nil, fmt.Errorf("new static verifier: key %s fits none of the algorithms %v", describeKey(key), algs)
	}
	opts.Algorithms = fit
	keys := func(context.Context, *jwt.Token) (any, error) {
		return key, nil
	}
	v, err := newVerifier(keys, opts)
	if err != nil {
		return nil, fmt.Errorf("new static verifier: %w", err)
	}
	return v, nil
}

// newVerifier builds the parser shared by every key source.
func newVerifier(keys keySource, opts Options) (*Verifier, error) {
	algs, err := checkAlgorithms(opts.Algorithms)
	if err != nil {
		return nil, err
	}
	leeway := opts.Leeway
	switch {
	case leeway == 0:
		leeway = DefaultLeeway
	case leeway < 0:
		leeway = 0
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	// Issuer and audience are checked after parsing, not with jwt.WithIssuer/WithAudience:
	// the library reports a missing iss as a generic "required claim missing", and the
	// client deserves to hear "wrong issuer" either way.
	parser := jwt.NewParser(
		jwt.WithValidMethods(algs),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
		jwt.WithExpirationRequired(), // a bearer token without exp would be good forever
		jwt.WithIssuedAt(),
	)
	return &Verifier{
		parser:     parser,
		keys:       keys,
		algorithms: algs,
		issuer:     opts.Issuer,
		audience:   opts.Audience,
		identity:   opts.IdentityOnly,
	}, nil
}

// Verify checks raw (the token without the "Bearer " prefix) and returns the actor it
// names. Every failure is a *domain.Error with code unauthenticated. ctx bounds a JWK set
// refresh that an unknown key ID may trigger.
func (v *Verifier) Verify(ctx context.Context, raw string) (domain.Actor, error) {
	if raw == "" || len(raw) > maxTokenBytes {
		return domain.Actor{}, domain.Errorf(domain.CodeUnauthenticated, "token is malformed")
	}
	var claims Claims
	token, err := v.parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		return v.keys(ctx, t)
	})
	if err != nil {
		return domain.Actor{}, v.unauthenticated(token, err)
	}
	if v.issuer != "" && claims.Issuer != v.issuer {
		return domain.Actor{}, domain.Errorf(domain.CodeUnauthenticated, "token has the wrong issuer")
	}
	if v.audience != "" && !slices.Contains(claims.Audience, v.audience) {
		return domain.Actor{}, domain.Errorf(domain.CodeUnauthenticated, "token has the wrong audience")
	}
	if claims.Role == "" {
		if !v.identity || claims.Subject == "" {
			return domain.Actor{}, domain.Errorf(domain.CodeUnauthenticated, "token has no role")
		}
		return domain.Actor{Sub: claims.Subject, Name: claims.Name, Role: domain.RoleApplicant}, nil
	}
	actor := claims.Actor()
	if err := actor.Validate(); err != nil {
		return domain.Actor{}, err
	}
	return actor, nil
}

// Close stops the background refresh of a JWKS or OIDC Verifier; Verify keeps using the
// keys fetched so far. It is a no-op for a static Verifier and safe to call more than once.
func (v *Verifier) Close() {
	if v.stop != nil {
		v.stop()
	}
}

// unauthenticated maps a parse failure to a client-safe message, keeping the cause for the
// log. The order matters: the parser may join several claim errors, and the first match
// here is what the client reads.
func (v *Verifier) unauthenticated(token *jwt.Token, err error) *domain.Error {
	msg := "token is invalid"
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed), token == nil:
		msg = "token is malformed"
	case token.Method == nil || !slices.Contains(v.algorithms, token.Method.Alg()):
		msg = "token signing algorithm is not allowed"
	case errors.Is(err, errUnknownKey):
		msg = "token was signed by an unknown key"
	case errors.Is(err, errKeyMismatch), errors.Is(err, jwt.ErrTokenSignatureInvalid):
		msg = "token signature is invalid"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		msg = "token cannot be verified"
	case errors.Is(err, jwt.ErrTokenExpired):
		msg = "token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		msg = "token is not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		msg = "token has no expiry time"
	}
	return domain.Wrap(err, domain.CodeUnauthenticated, "%s", msg)
}
