package devtemporal

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

func TestStartRejectsBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", loopback+":0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port

	_, err = Start(context.Background(), Config{DataDir: t.TempDir(), FrontendPort: port, Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), "not available") {
		t.Fatalf("Start on a busy port: err = %v, want a port error", err)
	}
}

// TestStartSurvivesALostPortRace: another process binds a port the server is about to use
// between our choosing it and the server binding it (issue 11: "listen tcp 127.0.0.1:44771:
// bind: address already in use" from the worker service ended profdev). Start then tries
// new ports instead of exiting, and the server it returns works. The worker service is
// built after the frontend, whose listener an abandoned attempt keeps: the frontend's
// public port, held by Start, is unaffected.
func TestStartSurvivesALostPortRace(t *testing.T) {
	for _, service := range []string{"history", "frontend", "worker"} {
		t.Run(service, func(t *testing.T) {
			taken, err := net.Listen("tcp", loopback+":0")
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			takenPort := taken.Addr().(*net.TCPAddr).Port

			attempts := 0
			pickPortsFunc = func() (serverPorts, error) {
				attempts++
				p, err := pickPorts()
				if attempts == 1 { // lose the race: the port is someone else's by now
					switch service {
					case "history":
						p.history = takenPort
					case "frontend":
						p.frontend = takenPort
					case "worker":
						p.worker = takenPort
					}
				}
				return p, err
			}
			t.Cleanup(func() { pickPortsFunc = pickPorts })

			logger := testLogger(t)
			srv := startServer(t, Config{
				DataDir: t.TempDir(), FrontendPort: mustFreePort(t), Logger: logger,
				SearchAttributes: map[string]enumspb.IndexedValueType{processKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD},
			})
			if attempts != 2 {
				t.Errorf("server built in %d attempts, want 2", attempts)
			}
			if p := srv.ports; p.history == takenPort || p.frontend == takenPort || p.worker == takenPort {
				t.Errorf("server ports %+v include the taken %d", p, takenPort)
			}
			// The server works through its public address: a workflow runs to completion.
			c, _ := dial(t, srv, logger)
			startWorker(t, c, "race-test")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "race-" + service, TaskQueue: "race-test"}, tagWorkflow, "proc-race", int64(0))
			if err != nil {
				t.Fatal(err)
			}
			if err := run.Get(ctx, nil); err != nil {
				t.Fatalf("workflow: %v", err)
			}
		})
	}
}

// TestStartGivesUpAfterLosingEveryRace: a start that loses its ports on every attempt is an
// error, not the end of the process, and leaves the public port free.
func TestStartGivesUpAfterLosingEveryRace(t *testing.T) {
	taken, err := net.Listen("tcp", loopback+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	pickPortsFunc = func() (serverPorts, error) {
		p, err := pickPorts()
		p.matching = taken.Addr().(*net.TCPAddr).Port
		return p, err
	}
	t.Cleanup(func() { pickPortsFunc = pickPorts })
	frontend := mustFreePort(t)
	_, err = Start(context.Background(), Config{DataDir: t.TempDir(), FrontendPort: frontend, Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), "attempts lost their ports") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Start losing every race: %v, want an error saying so", err)
	}
	if err := checkPortFree(net.JoinHostPort(loopback, strconv.Itoa(frontend))); err != nil {
		t.Errorf("public frontend port after the failed start: %v", err)
	}
}
