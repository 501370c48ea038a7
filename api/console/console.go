// Package console is profdev's web console (личный кабинет): server-rendered pages in
// Russian for every role, served by the same binary as the JSON API. It is a second
// transport over the application layer (internal/app): each handler binds a form,
// validates it with the API's validator, calls the one function of internal/app that
// carries out the step, and renders the answer, so no rule is written here twice.
//
// Pages are html/template with a little JavaScript of its own (field checks as they are
// typed, the batch progress bar): no front-end build, nothing fetched at run time.
// Sessions live in PostgreSQL (alexedwards/scs), cookies are HttpOnly and SameSite=Lax
// (Secure behind TLS); every form carries the session's CSRF token, and Go's
// http.CrossOriginProtection refuses cross-origin posts before any handler runs.
package console

import (
	"embed"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/rs/zerolog"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/validate"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is the console's own settings.
type Config struct {
	Version string
	// PublicBaseURL is where people reach profdev; https there makes cookies Secure.
	PublicBaseURL string
	// DevSignIn lists development people on /login, one click each (profdev dev and the
	// tests). Production signs in through OIDC instead.
	DevSignIn bool
	// OIDC is the identity provider of production sign-in; empty Issuer turns it off.
	OIDC OIDCConfig
	// RegistryAuthorisation makes the registry of authorised people say each person's role
	// and scope (process 5), re-read on every request, so a block ends the session at once.
	RegistryAuthorisation bool
	// TemporalUIURL is the Temporal Web UI the operator's pages link to (empty: no links).
	TemporalUIURL     string
	TemporalNamespace string
	// SessionLifetime bounds a session; idle sessions end after a quarter of it.
	SessionLifetime time.Duration
}

// Deps are the console's collaborators, built in cmd/ (through api.New).
type Deps struct {
	Log       zerolog.Logger
	App       *app.Service
	Sessions  scs.Store
	Validator *validate.Validator
	// People lists who may sign in on the development sign-in page.
	People PeopleLister
	// Idempotency keeps the first outcome of each creating form.
	Idempotency IdempotencyStore
}

// Console serves the pages.
type Console struct {
	cfg      Config
	log      zerolog.Logger
	app      *app.Service
	val      *validate.Validator
	sessions *scs.SessionManager
	pages    *pages
	people   PeopleLister
	idem     IdempotencyStore
	oidc     *oidcClient
	handler  http.Handler
}

// New builds the console and its routes.
func New(cfg Config, d Deps) (*Console, error) {
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = 12 * time.Hour
	}
	if cfg.TemporalNamespace == "" {
		cfg.TemporalNamespace = "profdev"
	}
	sm := scs.New()
	if d.Sessions != nil {
		sm.Store = d.Sessions
	}
	sm.Lifetime = cfg.SessionLifetime
	sm.IdleTimeout = cfg.SessionLifetime / 4
	sm.Cookie.Name = "profdev_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = strings.HasPrefix(cfg.PublicBaseURL, "https://")
	sm.Cookie.Path = "/"
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, log: d.Log, app: d.App, val: d.Validator, sessions: sm, pages: pg, people: d.People, idem: d.Idempotency}
	if c.val == nil {
		c.val = validate.New()
	}
	if cfg.OIDC.Issuer != "" {
		c.oidc = newOIDCClient(cfg.OIDC, cfg.PublicBaseURL)
	}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		c.log.Error().Err(err).Msg("console session store")
		c.renderError(w, r, domain.Errorf(domain.CodeUnavailable, "session store"))
	}
	mux := http.NewServeMux()
	c.routes(mux)
	protect := http.NewCrossOriginProtection()
	if base := strings.TrimRight(cfg.PublicBaseURL, "/"); base != "" {
		_ = protect.AddTrustedOrigin(base)
	}
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.renderStatus(w, r, http.StatusForbidden, "Запрос отклонён", "Форма отправлена с другого сайта. Откройте страницу заново и повторите действие.")
	}))
	c.handler = c.requestLog(protect.Handler(sm.LoadAndSave(c.recoverPanics(c.checkCSRF(mux)))))
	return c, nil
}

// Handler serves the console.
func (c *Console) Handler() http.Handler { return c.handler }

func (c *Console) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.StripPrefix("/", http.FileServerFS(staticFS)))
	mux.HandleFunc("GET /{$}", c.signedIn(c.home))
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.devLogin)
	mux.HandleFunc("GET /login/callback", c.oidcCallback)
	mux.HandleFunc("POST /logout", c.logout)
	mux.HandleFunc("GET /notifications", c.signedIn(c.notifications))
	mux.HandleFunc("GET /search", c.signedIn(c.search))

	mux.HandleFunc("GET /verify/{number}", c.verify)
	mux.HandleFunc("GET /registry", c.publicRegistry)

	c.certificateRoutes(mux)
	c.connectionRoutes(mux)
	c.connectionRequestRoutes(mux)
	c.batchRoutes(mux)
	c.outcomeRoutes(mux)
	c.registryRoutes(mux)
	c.summaryRoutes(mux)
	c.reserveRoutes(mux)
	mux.HandleFunc("GET /agency", c.signedIn(c.agencyPage))
	c.opsRoutes(mux)
	c.planningRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { c.renderError(w, r, domain.NotFound("page")) })
}
