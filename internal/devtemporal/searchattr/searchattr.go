// Package searchattr registers custom search attributes on a Temporal
// namespace and waits until the server actually accepts them.
//
// Registering is not enough on its own: with SQL visibility (SQLite in
// profdev) an attribute is an alias stored in the namespace record, and each
// server service reads that record through a namespace cache refreshed every
// few seconds. Until the cache catches up, queries and upserts that use the
// new attribute fail, hence WaitQueryable.
package searchattr

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
)

// pollInterval is how often Ensure and WaitQueryable retry. Everything runs
// against a local server, so polling is cheap.
const pollInterval = 100 * time.Millisecond

// Ensure registers on namespace every attribute of want that is missing,
// through the OperatorService, and returns the names it added, sorted. It
// is idempotent, so callers run it on every start: attributes introduced by
// a newer profdev then get registered on an existing database.
//
// An attribute already registered with another type is an error: Temporal
// cannot change the type of an attribute in place.
//
// Transient errors (the frontend still starting) are retried until ctx is
// done. Ensure does not wait for the namespace caches; see WaitQueryable.
func Ensure(ctx context.Context, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) ([]string, error) {
	if len(want) == 0 {
		return nil, nil
	}
	have, err := list(ctx, c, namespace)
	if err != nil {
		return nil, err
	}
	missing, err := diff(want, have)
	if err != nil {
		return nil, fmt.Errorf("namespace %q: %w", namespace, err)
	}
	if len(missing) == 0 {
		return nil, nil
	}

	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return nil, fmt.Errorf("add search attributes %s to namespace %q: %w",
			strings.Join(sortedKeys(missing), ", "), namespace, err)
	}

	// The frontend answers the add before the namespace record is read back
	// anywhere; confirm it through the same API callers will use.
	err = poll(ctx, func() (bool, error) {
		have, err := list(ctx, c, namespace)
		if err != nil {
			return false, err
		}
		rest, err := diff(want, have)
		return len(rest) == 0, err
	})
	if err != nil {
		return nil, fmt.Errorf("wait for search attributes on namespace %q: %w", namespace, err)
	}
	return sortedKeys(missing), nil
}

// WaitQueryable blocks until the frontend accepts a visibility query on each
// of names, meaning its namespace cache knows the attributes. The history
// service, which validates upserts, refreshes its own cache on the same
// period, so callers that need upserts to work right away should allow one
// more refresh interval after this returns.
func WaitQueryable(ctx context.Context, c client.Client, namespace string, names []string) error {
	for _, name := range names {
		req := &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: namespace,
			// IS NOT NULL is valid for every attribute type.
			Query: name + " IS NOT NULL",
		}
		err := poll(ctx, func() (bool, error) {
			_, err := c.CountWorkflow(ctx, req)
			if err == nil {
				return true, nil
			}
			// InvalidArgument is what an unknown attribute yields while
			// the cache is stale; keep polling but remember the cause.
			var invalid *serviceerror.InvalidArgument
			if errors.As(err, &invalid) {
				return false, &retryableError{err}
			}
			return false, err
		})
		if err != nil {
			return fmt.Errorf("wait for search attribute %s to be queryable in namespace %q: %w", name, namespace, err)
		}
	}
	return nil
}

// list returns the custom attributes of namespace, retrying transient errors.
func list(ctx context.Context, c client.Client, namespace string) (map[string]enumspb.IndexedValueType, error) {
	var attrs map[string]enumspb.IndexedValueType
	err := poll(ctx, func() (bool, error) {
		resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{
			Namespace: namespace,
		})
		if err != nil {
			return false, err
		}
		attrs = resp.GetCustomAttributes()
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list search attributes of namespace %q: %w", namespace, err)
	}
	return attrs, nil
}

// diff returns the attributes of want absent from have, or an error if one
// is present with a different type.
func diff(want, have map[string]enumspb.IndexedValueType) (map[string]enumspb.IndexedValueType, error) {
	missing := make(map[string]enumspb.IndexedValueType)
	var conflicts []string
	for _, name := range sortedKeys(want) {
		got, ok := have[name]
		switch {
		case !ok:
			missing[name] = want[name]
		case got != want[name]:
			conflicts = append(conflicts, fmt.Sprintf("%s is %s, want %s", name, got, want[name]))
		}
	}
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("search attributes registered with another type: %s", strings.Join(conflicts, "; "))
	}
	return missing, nil
}

// retryableError marks an error that poll should retry.
type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// poll calls try until it reports done, returns a permanent error, or ctx
// ends. Errors with a transient gRPC code, or wrapped in retryableError, are
// retried; when ctx ends, the last of them is returned with ctx's error.
func poll(ctx context.Context, try func() (bool, error)) error {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		done, err := try()
		if done && err == nil {
			return nil
		}
		if err != nil && !isRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
			}
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

func isRetryable(err error) bool {
	var r *retryableError
	if errors.As(err, &r) {
		return true
	}
	switch serviceerror.ToStatus(err).Code() {
	case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded, codes.NotFound:
		// NotFound covers a namespace that the frontend's cache has not
		// loaded yet right after startup.
		return true
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
