package app

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
)

// Start says which process workflow to start: its ID, type and input, and the search
// attributes an operator filters by. Every process starts with the same fixed policies: an ID
// is used once (a second start is a conflict, never a second run), and the first step runs
// as an update in the same call, so the answer is what the workflow recorded.
type Start struct {
	ID       string
	Workflow string
	Input    any
	// Process is the ProfdevProcess search attribute; the others are set when non-empty.
	Process                     string
	Authority, Agency, Provider string
	Year                        int
}

func (st Start) searchAttributes() temporal.SearchAttributes {
	updates := []temporal.SearchAttributeUpdate{workflows.AttrProcess.ValueSet(st.Process)}
	if st.Authority != "" {
		updates = append(updates, workflows.AttrAuthority.ValueSet(st.Authority))
	}
	if st.Agency != "" {
		updates = append(updates, workflows.AttrAgency.ValueSet(st.Agency))
	}
	if st.Provider != "" {
		updates = append(updates, workflows.AttrProvider.ValueSet(st.Provider))
	}
	if st.Year != 0 {
		updates = append(updates, workflows.AttrYear.ValueSet(int64(st.Year)))
	}
	return temporal.NewSearchAttributes(updates...)
}

// start starts a process workflow and runs its first step, update with arg, in one call.
func (s *Service) start(ctx context.Context, st Start, update string, arg, out any) error {
	op := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       st.ID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    st.searchAttributes(),
	}, st.Workflow, st.Input)
	h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: update, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err != nil {
		return workflowError(err)
	}
	return workflowError(h.Get(ctx, out))
}

// step runs one user step as a Workflow Update and waits for its result: the workflow's
// validator checks state and actor again before anything is written. A step sent to a
// workflow that has already completed is refused with closed, the conflict that names the
// record's final state.
func (s *Service) step(ctx context.Context, workflowID, update string, arg, out any, closed *domain.Error) error {
	err := s.update(ctx, workflowID, update, arg, out)
	if errors.Is(err, errProcessClosed) && closed != nil {
		return closed
	}
	return err
}

// update runs a Workflow Update and waits for its result.
func (s *Service) update(ctx context.Context, workflowID, name string, arg, out any) error {
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return workflowError(err)
	}
	return workflowError(h.Get(ctx, out))
}

// errProcessClosed marks an update sent to a workflow that has already completed.
var errProcessClosed = errors.New("the process has completed")

// workflowError turns what Temporal returns into domain errors: a refusal from a validator
// or handler carries its domain code as the application error type.
func workflowError(err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if code := domain.Code(appErr.Type()); code.Permanent() {
			refusal := &domain.Error{Code: code, Message: appErr.Message(), Err: err}
			if appErr.HasDetails() {
				_ = appErr.Details(&refusal.Fields) // the fields an activity named, if any
			}
			return refusal
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
