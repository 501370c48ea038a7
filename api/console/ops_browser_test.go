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

	"cloud.google.com/go/civil"
	"github.com/chromedp/chromedp"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/profdev/profdev/internal/domain"
	"github.com/profdev/profdev/workflows"
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
// a 400 that says so beside the field. Then a planning cycle whose plans deadline has run out
// is found by the overdue filter, opened, and its Temporal UI link answers too.
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

	// An overdue item: this year's planning cycle started as a schedule would, with yesterday's
	// plans deadline (the console and API refuse a past one), so both agencies are late and the
	// cycle is overdue.
	cycleID := workflows.CycleWorkflowID("mintrud", sys.year)
	yesterday := civil.DateOf(time.Now().In(workflows.Moscow)).AddDays(-1)
	if _, err := sys.tenv.Client().ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: cycleID, TaskQueue: workflows.TaskQueue, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.CycleWorkflowType, workflows.CycleInput{Authority: "mintrud", Region: "RU", Year: sys.year,
		PriorityDirections: []string{"Наставничество"}, PlansDue: yesterday, Terms: workflows.DefaultPlanningTerms,
		OpenedBy: domain.Actor{Sub: "dev-ministry-mintrud", Role: domain.RoleMinistry, Authority: "mintrud"}}); err != nil {
		t.Fatal(err)
	}
	overdueRow := fmt.Sprintf(`tr[data-workflow=%q]`, cycleID)
	for i := 0; ; i++ {
		op.open("/ops?overdue=1")
		if get(op, "look for the overdue cycle", chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, overdueRow))) {
			break
		}
		if i == 60 {
			t.Fatalf("the overdue list never showed %s: %s", cycleID, op.text("main"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	op.mustSee(overdueRow, cycleID, "просрочено")
	if get(op, "the certificate among the overdue", chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, row))) {
		t.Errorf("the overdue list shows %s, which is not overdue", wid)
	}
	op.screenshot("operator-overdue")
	op.click(overdueRow + ` a[href^="/ops/workflows/"]`)
	op.mustSee("h1", cycleID)
	op.mustSee(".timeline", "Наступил срок планов")
	op.click(`a.temporal-link`)
	if loc := op.location(); loc != ui.URL+"/namespaces/profdev/workflows/"+cycleID {
		t.Errorf("the overdue cycle's Temporal link leads to %q", loc)
	}
	ui.mu.Lock()
	served = strings.Join(ui.served, "; ")
	ui.mu.Unlock()
	if !strings.Contains(served, "200 /namespaces/profdev/workflows/"+cycleID) {
		t.Errorf("the Temporal UI answered %q; want 200 for %s", served, cycleID)
	}
}
