package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakeTemporalUI stands in for the Temporal Web UI: a workflow's page answers 200 when the
// test's Temporal server knows the workflow, 404 otherwise, so that a link that answers
// names a real workflow.
type fakeTemporalUI struct {
	*httptest.Server
	mu     sync.Mutex
	sys    *system
	served []string // "status path" of every page asked for
}

func startFakeTemporalUI(t *testing.T) *fakeTemporalUI {
	ui := &fakeTemporalUI{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /namespaces/{ns}/workflows/{id}", func(w http.ResponseWriter, r *http.Request) {
		ui.mu.Lock()
		sys := ui.sys
		ui.mu.Unlock()
		status := http.StatusNotFound
		if sys != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			if _, err := sys.tenv.Client().DescribeWorkflowExecution(ctx, r.PathValue("id"), ""); err == nil {
				status = http.StatusOK
			}
		}
		ui.mu.Lock()
		ui.served = append(ui.served, fmt.Sprintf("%d %s", status, r.URL.Path))
		ui.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Temporal</title><h1>%s</h1></html>`, r.PathValue("id"))
	})
	ui.Server = httptest.NewServer(mux)
	t.Cleanup(ui.Close)
	return ui
}

// TestOperatorInTheBrowser: the operator finds a running certificate workflow among the
// processes, opens its history next to the domain timeline, and its Temporal UI link answers
// for that workflow; the overdue filter leaves it out, and a list filter Temporal refuses is
// a 400 that says so beside the field.
func TestOperatorInTheBrowser(t *testing.T) {
	ui := startFakeTemporalUI(t)
	temporalUI = ui.URL
	t.Cleanup(func() { temporalUI = "" })
	sys := mustSystem(t)
	ui.mu.Lock()
	ui.sys = sys
	ui.mu.Unlock()

	ministry := sys.browser(t)
	ministry.signIn("dev-ministry-mintrud")
	number := sys.issueOne(t, ministry)
	wid := "certificate-" + number

	op := sys.browser(t)
	op.signIn("dev-operator")
	row := fmt.Sprintf(`tr[data-workflow=%q]`, wid)
	// Temporal's visibility store catches up with a new workflow shortly after it starts.
	for i := 0; ; i++ {
		op.open("/ops?process=certificate")
		if get(op, "look for the row", chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, row))) {
			break
		}
		if i == 30 {
			t.Fatalf("the operator's list never showed %s: %s", wid, op.text("main"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	op.mustSee(row, wid, "Выполняется", "Выдан")
	op.accessible("the operator's processes")
	op.screenshot("operator-ops")

	op.open("/ops?process=certificate&overdue=1")
	op.mustSee("main", "Просроченных процессов нет")

	status := get(op, "a filter Temporal refuses", chromedp.Evaluate[int](`fetch("/ops?query=" + encodeURIComponent("WorkflowId ==== 'x'")).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != http.StatusBadRequest {
		t.Errorf("a filter Temporal refuses got %d; want 400", status)
	}
	op.open("/ops?query=" + strings.ReplaceAll("WorkflowId ==== 'x'", " ", "+"))
	op.mustSee(".error-summary", "Temporal не принял этот фильтр")
	op.mustSee(`.invalid p.field-error`, "Ответ Temporal")

	op.open("/ops?process=certificate")
	op.click(row + ` a[href^="/ops/workflows/"]`)
	op.mustSee("h1", wid)
	op.mustSee(".timeline", "Сертификат выдан и подписан")
	op.mustSee(".history", "WORKFLOW_EXECUTION_STARTED")
	op.accessible("a workflow's history")

	op.click(`a.temporal-link`)
	op.mustSee("h1", wid)
	if loc := op.location(); loc != ui.URL+"/namespaces/profdev/workflows/"+wid {
		t.Errorf("the Temporal link leads to %q; want the workflow's page in the Web UI", loc)
	}
	ui.mu.Lock()
	served := strings.Join(ui.served, "; ")
	ui.mu.Unlock()
	if !strings.Contains(served, "200 /namespaces/profdev/workflows/"+wid) {
		t.Errorf("the Temporal UI answered %q; want 200 for %s", served, wid)
	}
}
