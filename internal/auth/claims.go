// Package auth turns bearer tokens into domain actors and, for development, mints them.
//
// Every request to the API carries `Authorization: Bearer <JWT>` (../shared/API.md). A
// Verifier checks the signature against a key source (a static public key, a JWKS URL, or
// an OIDC issuer's discovery document), checks the time, issuer and audience claims, and
// returns the domain.Actor the token names. Whatever is wrong with a token comes back as a
// *domain.Error with code unauthenticated and a message safe to show the client; the cause
// is kept in Err for the log.
//
// A Signer holds the ECDSA P-256 key that `profdev dev` uses to mint tokens for local work;
// LoadOrCreateDevKey keeps that key in a file so tokens survive a restart.
package auth

import (
	"github.com/golang-jwt/jwt/v5"

	"github.com/profdev/profdev/internal/domain"
)

// Claims is the payload of a profdev bearer token: the registered claims (sub, iss, aud,
// exp, nbf, iat, jti) plus who the caller is in the domain. The scope claims mirror
// domain.Actor one to one, so a token can carry exactly what an actor holds.
type Claims struct {
	jwt.RegisteredClaims
	Name      string      `json:"name,omitempty"`
	Role      domain.Role `json:"role,omitempty"`
	Authority string      `json:"authority,omitempty"`
	Agency    string      `json:"agency,omitempty"`
	Provider  string      `json:"provider,omitempty"`
	Servant   string      `json:"servant,omitempty"`
}

// NewClaims returns the claims that describe actor. Only the subject of the registered
// claims is set; issuer, audience and times are the minting side's business.
func NewClaims(actor domain.Actor) Claims {
	return Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: actor.Sub},
		Name:             actor.Name,
		Role:             actor.Role,
		Authority:        actor.Authority,
		Agency:           actor.Agency,
		Provider:         actor.Provider,
		Servant:          actor.Servant,
	}
}

// Actor returns the actor the claims describe. It does not validate: call Validate on the
// result, as Verifier.Verify does, before trusting it.
func (c Claims) Actor() domain.Actor {
	return domain.Actor{
		Sub:       c.Subject,
		Name:      c.Name,
		Role:      c.Role,
		Authority: c.Authority,
		Agency:    c.Agency,
		Provider:  c.Provider,
		Servant:   c.Servant,
	}
}
