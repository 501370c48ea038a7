// Package worker wires profdev's workflows and activities to a Temporal worker on the one
// task queue. It is the only place that knows every process; cmd/ builds its dependencies.
package worker

import (
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/activities"
	"github.com/profdev/profdev/internal/calendar"
	"github.com/profdev/profdev/internal/signing"
	"github.com/profdev/profdev/workflows"
)

// Deps are what the activities need.
type Deps struct {
	Notifier  activities.Notifier
	Calendars *calendar.Regions
	Registry  activities.RegistryStore
	Reserve   activities.ReserveStore
	Planning  activities.PlanningStore
	// Connections serves the connection of organisations and their people (process 5).
	Connections activities.ConnectionStore
	// Certificates, Batches and Signer serve the certificate process.
	Certificates activities.CertificateStore
	Batches      activities.BatchStore
	Signer       activities.DocumentSigner
}

// Options tune the worker; zero values keep the SDK's defaults.
type Options struct {
	MaxConcurrentActivities        int
	MaxConcurrentWorkflowTasks     int
	MaxConcurrentLocalActivities   int
	DisableRegistrationOfWorkflows bool // a worker that runs activities only
	// StopTimeout is how long Stop lets running activities finish before it cancels them
	// (SHUTDOWN_TIMEOUT). Zero cancels them at once: an email the relay has just accepted
	// may then lose its record as sent and go again from another worker.
	StopTimeout time.Duration
}

// New builds (but does not start) a worker with everything registered and every activity
// error classified (Interceptors).
func New(c client.Client, d Deps, o Options) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:      o.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize:  o.MaxConcurrentWorkflowTasks,
		MaxConcurrentLocalActivityExecutionSize: o.MaxConcurrentLocalActivities,
		WorkerStopTimeout:                       o.StopTimeout,
		Interceptors:                            Interceptors(),
	})
	Register(w, d)
	return w
}

// Register puts every workflow and activity on a registry (a worker or a replayer). A worker
// built without New must set Interceptors in its options, or its activities' errors go
// unclassified: a not_found would be retried.
func Register(r sdkworker.Registry, d Deps) {
	RegisterWorkflows(r)
	RegisterActivities(r, d)
}

// RegisterWorkflows registers the process workflows under their stable type names.
func RegisterWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.Admission, workflow.RegisterOptions{Name: workflows.AdmissionWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.RegistryMembership, workflow.RegisterOptions{Name: workflows.MembershipWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.Certificate, workflow.RegisterOptions{Name: workflows.CertificateWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.CertificateBatch, workflow.RegisterOptions{Name: workflows.CertificateBatchWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.ReserveNomination, workflow.RegisterOptions{Name: workflows.NominationWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.PlanningCycle, workflow.RegisterOptions{Name: workflows.CycleWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.PlanReview, workflow.RegisterOptions{Name: workflows.PlanWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.OpenPlanningCycle, workflow.RegisterOptions{Name: workflows.OpenerWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.Connection, workflow.RegisterOptions{Name: workflows.ConnectionWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.ConnectionChange, workflow.RegisterOptions{Name: workflows.ChangeWorkflowType})
}

// RegisterActivities registers the activities with their dependencies.
func RegisterActivities(r sdkworker.ActivityRegistry, d Deps) {
	r.RegisterActivity(&activities.Notifications{Notifier: d.Notifier})
	r.RegisterActivity(&activities.Calendar{Regions: d.Calendars})
	r.RegisterActivity(&activities.Registry{Store: d.Registry})
	r.RegisterActivity(&activities.Certificates{Store: d.Certificates, Signer: d.Signer, Notifier: d.Notifier,
		Qualified: d.Signer != nil && d.Signer.Algorithm() == signing.AlgorithmRemote})
	r.RegisterActivity(&activities.Batches{Store: d.Batches})
	r.RegisterActivity(&activities.Reserve{Store: d.Reserve})
	r.RegisterActivity(&activities.Planning{Store: d.Planning})
	r.RegisterActivity(&activities.Connections{Store: d.Connections, Notifier: d.Notifier})
}
