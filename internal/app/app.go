// Package app carries out the user steps of every process: the one place that decides who
// may take a step, loads the record within the caller's scope, makes the checks that need
// storage, starts or updates the workflow and says what the answer is. The JSON API and the
// web console are two transports over it: they bind and validate input, call one function
// here and write what it returns, so a rule is written once whoever the client is.
//
// Each process has its own file (certificates.go, registry.go, reserve.go, planning.go,
// and so on); process.go holds the two helpers every process uses to start a workflow with
// the fixed policies and to run a step as a Workflow Update. Imports run
// api|console -> app -> workflows -> activities -> internal/...; this package reads no
// environment and knows nothing of HTTP.
package app

import (
	"context"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/internal/postgres"
	"github.com/profdev/profdev/workflows"
)

// Config is what the application layer needs to know of the deployment.
type Config struct {
	// PublicBaseURL is where people reach profdev: printed on certificates, linked in emails.
	PublicBaseURL string
	// CertificateTerms are the deadlines new certificates start with.
	CertificateTerms workflows.CertificateTerms
	// PlanningTerms are the deadlines new planning cycles start with.
	PlanningTerms workflows.PlanningTerms
}

// withDefaults fills what the deployment left unset.
func (c Config) withDefaults() Config {
	if c.PublicBaseURL == "" {
		c.PublicBaseURL = "http://localhost:8080"
	}
	if c.CertificateTerms == (workflows.CertificateTerms{}) {
		c.CertificateTerms = workflows.DefaultCertificateTerms
	}
	if c.PlanningTerms == (workflows.PlanningTerms{}) {
		c.PlanningTerms = workflows.DefaultPlanningTerms
	}
	return c
}

// Store is every storage call the application layer makes, one narrow interface per process.
type Store interface {
	DirectoryStore
	RegistryStore
	CertificateStore
	BatchItemsStore
	InboxStore
	ReserveStore
	PlanningStore
	ConnectionStore
	ListNotifications(ctx context.Context, actor domain.Actor, page postgres.Page) ([]domain.Notification, string, error)
}

// Service carries out the steps of every process.
type Service struct {
	cfg      Config
	store    Store
	temporal client.Client
	log      zerolog.Logger
}

// New builds the application layer over a store and a Temporal client.
func New(cfg Config, store Store, temporal client.Client, log zerolog.Logger) *Service {
	return &Service{cfg: cfg.withDefaults(), store: store, temporal: temporal, log: log}
}

// Config returns the settings in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }
