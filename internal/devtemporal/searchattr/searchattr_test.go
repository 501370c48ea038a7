package searchattr

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	enumspb "go.temporal.io/api/enums/v1"
)

const (
	keyword = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	integer = enumspb.INDEXED_VALUE_TYPE_INT
)

func TestDiff(t *testing.T) {
	missing, err := diff(
		map[string]enumspb.IndexedValueType{"A": keyword, "B": integer, "C": keyword},
		map[string]enumspb.IndexedValueType{"A": keyword, "Other": integer},
	)
	if err != nil {
		t.Fatalf("diff: %v", err)
	}
	want := map[string]enumspb.IndexedValueType{"B": integer, "C": keyword}
	if d := cmp.Diff(want, missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
}

func TestDiffRejectsTypeChange(t *testing.T) {
	_, err := diff(
		map[string]enumspb.IndexedValueType{"A": integer},
		map[string]enumspb.IndexedValueType{"A": keyword},
	)
	if err == nil || !strings.Contains(err.Error(), "A is Keyword, want Int") {
		t.Fatalf("diff error = %v, want a type conflict on A", err)
	}
}
