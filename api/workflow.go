package api

import (
	"context"
	"errors"

	"github.com/gin-gonic/gin"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// update runs a Workflow Update and waits for its result: the workflow's validator checks
// state and actor again before anything is written.
func (s *Server) update(ctx context.Context, workflowID, name string, arg, result any) error {
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return workflowError(err)
	}
	return workflowError(h.Get(ctx, result))
}

// startWithUpdate starts a workflow and runs an update on it in one call, so a creating
// request answers with what the workflow recorded.
func (s *Server) startWithUpdate(ctx context.Context, opts client.StartWorkflowOptions, wf any, in any, updateName string, arg, result any) error {
	opts.TaskQueue = workflows.TaskQueue
	op := s.temporal.NewWithStartWorkflowOperation(opts, wf, in)
	h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: updateName, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err != nil {
		return workflowError(err)
	}
	return workflowError(h.Get(ctx, result))
}

// errProcessClosed marks an update sent to a workflow that has already completed: the caller
// turns it into a conflict that names the record's final state.
var errProcessClosed = errors.New("the process has completed")

// workflowError turns what Temporal returns into domain errors: a refusal from a validator
// or handler carries its domain code as the application error type.
func workflowError(err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch code := domain.Code(appErr.Type()); code {
		case domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden:
			return &domain.Error{Code: code, Message: appErr.Message(), Err: err}
		}
		return domain.Wrap(err, domain.CodeInternal, "the process failed")
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return domain.Wrap(errProcessClosed, domain.CodeConflict, "the process has completed")
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return domain.Wrap(err, domain.CodeConflict, "the process already exists")
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) || errors.Is(err, context.DeadlineExceeded) {
		return domain.Wrap(err, domain.CodeUnavailable, "the workflow service is unavailable; retry")
	}
	return domain.Wrap(err, domain.CodeInternal, "workflow call failed")
}

// runStep runs a user's step as an update on its workflow and writes the error response
// when it fails: an update sent to a workflow that has already completed becomes closed,
// the conflict that names the record's final state. It reports whether the step succeeded;
// the caller then answers with out.
func (s *Server) runStep(c *gin.Context, workflowID, name string, arg, out any, closed *domain.Error) bool {
	err := s.update(c.Request.Context(), workflowID, name, arg, out)
	if closedProcess(err) {
		err = closed
	}
	if err != nil {
		fail(c, err)
		return false
	}
	return true
}

// closedProcess reports whether err says the workflow had already completed.
func closedProcess(err error) bool { return errors.Is(err, errProcessClosed) }
