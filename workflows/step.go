package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/profdev/profdev/internal/domain"
)

// The skeleton of a step, which every process workflow embeds. A step is an update that a
// person sends, or an alarm of the process's clock. It
//
//  1. takes the process's lock, so that steps run one at a time: a handler that waits for an
//     activity lets the next handler run, and without the lock two steps would interleave;
//  2. re-validates under the lock: the update's validator checked the state when the update
//     was accepted, but another step may have changed it while this one waited its turn;
//  3. changes the workflow state;
//  4. records the step: the next event on the process's timeline (its number is the read
//     model's revision and keys the storage write), the search attributes, and the save
//     activity of the process.
//
// A failed upsert of the search attributes fails the workflow task, in every process (see
// upsertSearch); so does a step the workflow takes on its own that storage refuses for good
// (see ownStep).

// stepper is the step skeleton; a process embeds it and gives it its recorder.
type stepper struct {
	mu      workflow.Mutex
	changes int // counts the steps taken; a process's main loop wakes when it moves
	rec     recorder
}

// recorder is what a process tells the skeleton about recording its steps.
type recorder interface {
	// stepTimeline is the process's timeline.
	stepTimeline() *timeline
	// stored takes the step's number into the read model and names the activity that saves
	// the step, with its input.
	stored(ev domain.Event) storage
	// searchAttributes are the process's typed search attributes as the state now stands.
	searchAttributes() []temporal.SearchAttributeUpdate
}

// storage is the activity that saves one step, and its input.
type storage struct {
	activity any
	input    any
	// local runs the activity as a local activity (one server round trip fewer); the caller
	// passes a context with local activity options.
	local bool
	// unsearched: the step changes nothing operators search by, so nothing is upserted.
	unsearched bool
}

func newStepper(ctx workflow.Context, rec recorder) stepper {
	return stepper{mu: workflow.NewMutex(ctx), rec: rec}
}

// take runs one step under the lock: check (nil for none) re-validates, then do changes the
// state and records the step. The main loop is woken when do returns, unless do woke it
// itself earlier (changed), which some processes do so that the loop re-arms its clock in the
// same workflow task as the step's first command.
func take[T any](ctx workflow.Context, s *stepper, check func() error, do func() (T, error)) (T, error) {
	var zero T
	if err := s.mu.Lock(ctx); err != nil {
		return zero, err
	}
	defer s.mu.Unlock()
	if check != nil {
		if err := check(); err != nil {
			return zero, err
		}
	}
	before := s.changes
	defer func() {
		if s.changes == before {
			s.changes++
		}
	}()
	return do()
}

// changed wakes the main loop before the step is over.
func (s *stepper) changed() { s.changes++ }

// record records the step just taken through the process's save activity.
func (s *stepper) record(ctx workflow.Context, actor domain.Actor, action string, details map[string]any) error {
	return s.recordWith(ctx, actor, action, details, s.rec.stored)
}

// recordWith records a step that another activity saves (a rating, a declaration, a report).
func (s *stepper) recordWith(ctx workflow.Context, actor domain.Actor, action string, details map[string]any, store func(domain.Event) storage) error {
	ctx = withActivities(ctx) // update handlers get a fresh context without activity options
	ev := s.rec.stepTimeline().next(ctx, actor, action, details)
	st := store(ev)
	if !st.unsearched {
		upsertSearch(ctx, s.rec.searchAttributes()...)
	}
	if st.local {
		return runLocal(ctx, st.activity, st.input, nil)
	}
	return workflow.ExecuteActivity(ctx, st.activity, st.input).Get(ctx, nil)
}

// upsertSearch sets typed search attributes. The SDK refuses such an upsert only for a
// programming error (no attribute, a value it cannot encode, a reserved name), and the server
// refuses an unregistered attribute by failing the workflow task anyway. So a refusal panics,
// which fails the workflow task: the workflow stays where it was, visible to operators as a
// failing task with the error, and a fixed build carries on from there (the worker's default
// panic policy blocks the workflow). Logging instead would let the searchable state drift
// from the read model unnoticed; returning the error would fail an update whose state had
// already changed, or fail the whole workflow, for a bug in this code.
func upsertSearch(ctx workflow.Context, attrs ...temporal.SearchAttributeUpdate) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, attrs...); err != nil {
		panic(fmt.Sprintf("search attributes of %s not upserted: %v", workflow.GetInfo(ctx).WorkflowExecution.ID, err))
	}
}

// ownStep passes on the error of a step that a workflow takes on its own (its start, its
// clock, its close), where no person awaits the answer. Transient errors never get this far:
// activities retry until they succeed and local ones fall back to regular ones (runLocal).
// What does is storage refusing for good (conflict, invalid, not found) what the workflow
// decided, which is a defect or bad data; the workflow task then fails with it, so the
// workflow stays where it is, in plain sight of operators, and carries on after a fix (a
// fixed build, or a reset to before the step once the data is right), instead of failing for
// good or going on with a read model that misses the step. Cancellation passes through.
func ownStep(ctx workflow.Context, step string, err error) error {
	if err == nil || temporal.IsCanceledError(err) {
		return err
	}
	panic(fmt.Sprintf("%s: %s refused for good: %v", workflow.GetInfo(ctx).WorkflowExecution.ID, step, err))
}
