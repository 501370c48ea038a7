// Package api is profdev's JSON API: a thin Gin layer that authenticates the caller, binds
// and validates input once, calls the application layer (internal/app) for the step and
// writes its answer. Errors are produced in one place (fail) with the contract's body and
// statuses.
package api

import (
	"net/http"

	"github.com/alexedwards/scs/v2"

	"github.com/profdev/profdev/api/console"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/internal/app"
	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/validate"
	"github.com/profdev/profdev/workflows"
)

// Config is the API's own settings.
type Config struct {
	Version      string
	MaxBodyBytes int64 // default 16 MiB: a batch of 10,000 certificates fits
	// PublicBaseURL is where the public reaches the API: printed on certificates.
	PublicBaseURL string
	// CertificateTerms are the certificate deadlines new certificates start with.
	CertificateTerms workflows.CertificateTerms
	// PlanningTerms are the deadlines new planning cycles start with.
	PlanningTerms workflows.PlanningTerms
	// RegistryAuthorisation makes the registry of authorised people (process 5) say each
	// caller's role and scope: the token says only who (sub). Off, development tokens carry
	// the role themselves.
	RegistryAuthorisation bool
	// Console is the web console's own settings (it is served at / by the same server).
	Console console.Config
}

// Store is every storage call the API makes.
type Store interface {
	Readiness
	IdempotencyStore
	app.Store
}

// Deps are the API's collaborators, built in cmd/.
type Deps struct {
	Log      zerolog.Logger
	Store    Store
	Temporal client.Client
	Verifier TokenVerifier
	Metrics  *prometheus.Registry // nil: a fresh registry
	// Sessions keeps the console's sessions (PostgreSQL in production; nil: in memory).
	Sessions scs.Store
	// People lists the development people of the console's sign-in page (profdev dev).
	People console.PeopleLister
}

// Server holds the API's collaborators and its Gin engine.
type Server struct {
	cfg       Config
	log       zerolog.Logger
	store     Store
	ready     Readiness
	idem      IdempotencyStore
	temporal  client.Client
	verifier  TokenVerifier
	app       *app.Service
	validator *validate.Validator
	engine    *gin.Engine
	console   *console.Console
	handler   http.Handler
}

// New builds the API and registers its routes.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.PublicBaseURL == "" {
		cfg.PublicBaseURL = "http://localhost:8080"
	}
	if cfg.CertificateTerms == (workflows.CertificateTerms{}) {
		cfg.CertificateTerms = workflows.DefaultCertificateTerms
	}
	if cfg.PlanningTerms == (workflows.PlanningTerms{}) {
		cfg.PlanningTerms = workflows.DefaultPlanningTerms
	}
	reg := d.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s := &Server{
		cfg: cfg, log: d.Log, store: d.Store, ready: d.Store, idem: d.Store,
		temporal: d.Temporal, verifier: d.Verifier, validator: validate.New(),
		app: app.New(app.Config{PublicBaseURL: cfg.PublicBaseURL, CertificateTerms: cfg.CertificateTerms, PlanningTerms: cfg.PlanningTerms},
			d.Store, d.Temporal, d.Log),
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	m := newMetrics(reg)
	e.Use(s.requestContext(), s.recoverPanics(), m.middleware(), s.limitBody())
	e.NoRoute(func(c *gin.Context) { fail(c, domain.NotFound("route "+c.Request.URL.Path)) })
	e.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, ErrorBody{Error: ErrorDetail{
			Code: domain.CodeInvalid, Message: "method " + c.Request.Method + " is not allowed on " + c.Request.URL.Path,
		}})
	})

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.json", s.openapi)
	public := v1.Group("/public", s.checkInput())

	authed := v1.Group("", s.authenticate(), s.checkInput())
	authed.GET("/notifications", s.listNotifications)
	authed.PUT("/directory/agencies/:agency", s.putAgency)
	authed.GET("/directory/agencies", s.listAgencies)
	authed.PUT("/directory/authorities/:authority", s.putAuthority)
	authed.GET("/directory/authorities/:authority", s.getAuthority)
	s.registryRoutes(authed, public)
	s.certificateRoutes(authed, public)
	s.opsRoutes(authed)
	s.inboxRoutes(authed)
	s.reserveRoutes(authed)
	s.planningRoutes(authed)
	s.connectionRoutes(authed)

	s.engine = e
	ccfg := cfg.Console
	ccfg.Version = cfg.Version
	ccfg.PublicBaseURL = cfg.PublicBaseURL
	ccfg.RegistryAuthorisation = cfg.RegistryAuthorisation
	con, err := console.New(ccfg, console.Deps{Log: d.Log, App: s.app, Sessions: d.Sessions, Validator: s.validator,
		People: d.People, Idempotency: d.Store})
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a build defect, caught by every test
	}
	s.console = con
	// The JSON API, health and metrics go to Gin; every other path is the console's.
	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		mux.Handle(p, e)
	}
	mux.Handle("/", con.Handler())
	s.handler = mux
	return s
}

// Handler returns the http.Handler to serve: the JSON API under /api/v1 and the web console.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists every registered route as "METHOD /path" with Gin's :param syntax.
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }
