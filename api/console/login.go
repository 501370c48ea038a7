package console

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/profdev/profdev/internal/domain"
)

// PeopleLister lists the development people of the sign-in page.
type PeopleLister interface {
	DevPeople(ctx context.Context, servants int) ([]domain.Actor, error)
}

// OIDCConfig is the identity provider of production sign-in: OpenID Connect's
// authorization code flow with PKCE.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RoleClaims takes role and scope from the ID token's claims (as the API does from its
	// bearer tokens) when the registry of authorised people does not say them.
	RoleClaims bool
}

type loginView struct {
	Reason string
	Next   string
	Groups []personGroup
	OIDC   bool
}

type personGroup struct {
	Role   domain.Role
	People []domain.Actor
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if c.oidc != nil && !c.cfg.DevSignIn && r.URL.Query().Get("start") == "1" {
		c.oidcStart(w, r, next)
		return
	}
	v := loginView{Reason: r.URL.Query().Get("reason"), Next: next, OIDC: c.oidc != nil}
	if c.cfg.DevSignIn && c.people != nil {
		people, err := c.people.DevPeople(r.Context(), 10)
		if err != nil {
			c.renderError(w, r, err)
			return
		}
		for _, role := range domain.Roles {
			g := personGroup{Role: role}
			for _, p := range people {
				if p.Role == role {
					g.People = append(g.People, p)
				}
			}
			if len(g.People) > 0 {
				v.Groups = append(v.Groups, g)
			}
		}
	}
	c.render(w, r, http.StatusOK, "login", "Вход", v, nil)
}

// devLogin signs in as one of the development people (profdev dev only).
func (c *Console) devLogin(w http.ResponseWriter, r *http.Request) {
	if !c.cfg.DevSignIn || c.people == nil {
		c.renderError(w, r, domain.NotFound("page"))
		return
	}
	people, err := c.people.DevPeople(r.Context(), 10)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	sub := r.PostFormValue("person")
	for _, p := range people {
		if p.Sub == sub {
			if err := c.signIn(r.Context(), p); err != nil {
				c.renderError(w, r, err)
				return
			}
			http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
			return
		}
	}
	c.renderStatus(w, r, http.StatusBadRequest, "Пользователь не найден", "Выберите пользователя из списка.")
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if err := c.sessions.Destroy(r.Context()); err != nil {
		c.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// oidcClient discovers the provider on first use, so that a console starts while the
// identity provider is still coming up.
type oidcClient struct {
	cfg      OIDCConfig
	redirect string
	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCClient(cfg OIDCConfig, base string) *oidcClient {
	return &oidcClient{cfg: cfg, redirect: base + "/login/callback"}
}

func (o *oidcClient) discover(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
		if err != nil {
			return nil, nil, domain.Wrap(err, domain.CodeUnavailable, "identity provider")
		}
		o.provider = p
	}
	return o.provider, &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.redirect,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}, nil
}

const (
	keyOIDCState    = "oidc_state"
	keyOIDCNonce    = "oidc_nonce"
	keyOIDCVerifier = "oidc_verifier"
	keyOIDCNext     = "oidc_next"
)

func (c *Console) oidcStart(w http.ResponseWriter, r *http.Request, next string) {
	_, oc, err := c.oidc.discover(r.Context())
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	state, nonce, verifier := newToken(), newToken(), oauth2.GenerateVerifier()
	ctx := r.Context()
	c.sessions.Put(ctx, keyOIDCState, state)
	c.sessions.Put(ctx, keyOIDCNonce, nonce)
	c.sessions.Put(ctx, keyOIDCVerifier, verifier)
	c.sessions.Put(ctx, keyOIDCNext, next)
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oidcCallback finishes the authorization code flow: the state and the PKCE verifier of
// this session, the ID token verified (issuer, audience, expiry, nonce); the person is the
// token's subject, and their role and scope come from the registry (or its claims).
func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		c.renderError(w, r, domain.NotFound("page"))
		return
	}
	ctx := r.Context()
	state := c.sessions.PopString(ctx, keyOIDCState)
	nonce := c.sessions.PopString(ctx, keyOIDCNonce)
	verifier := c.sessions.PopString(ctx, keyOIDCVerifier)
	next := safeNext(c.sessions.PopString(ctx, keyOIDCNext))
	q := r.URL.Query()
	if state == "" || q.Get("state") != state || q.Get("code") == "" {
		c.renderStatus(w, r, http.StatusBadRequest, "Вход не завершён", "Ответ поставщика удостоверений не относится к этому сеансу. Войдите заново.")
		return
	}
	provider, oc, err := c.oidc.discover(ctx)
	if err != nil {
		c.renderError(w, r, err)
		return
	}
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		c.renderStatus(w, r, http.StatusBadGateway, "Вход не завершён", "Поставщик удостоверений не подтвердил вход. Войдите заново.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: c.oidc.cfg.ClientID}).Verify(ctx, raw)
	if err == nil && idt.Nonce != nonce {
		err = errors.New("nonce mismatch")
	}
	if err != nil {
		c.renderStatus(w, r, http.StatusBadRequest, "Вход не завершён", "Удостоверение не прошло проверку. Войдите заново.")
		return
	}
	var claims struct {
		Name      string `json:"name"`
		Role      string `json:"role"`
		Authority string `json:"authority"`
		Agency    string `json:"agency"`
		Provider  string `json:"provider"`
		Servant   string `json:"servant"`
	}
	_ = idt.Claims(&claims)
	a := domain.Actor{Sub: idt.Subject, Name: claims.Name}
	if c.oidc.cfg.RoleClaims {
		a.Role, a.Authority, a.Agency, a.Provider, a.Servant = domain.Role(claims.Role), claims.Authority, claims.Agency, claims.Provider, claims.Servant
	}
	if c.cfg.RegistryAuthorisation {
		if a, err = c.app.ActorFromRegistry(ctx, a); err != nil {
			if domain.IsCode(err, domain.CodeForbidden) {
				c.toLogin(w, r, "blocked")
				return
			}
			c.renderError(w, r, err)
			return
		}
	}
	if !a.Role.Valid() {
		c.renderStatus(w, r, http.StatusForbidden, "Нет доступа", "Для вашей учётной записи не назначена роль. Обратитесь к администратору вашей организации.")
		return
	}
	if err := c.signIn(ctx, a); err != nil {
		c.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
