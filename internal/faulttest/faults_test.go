package faulttest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/signing"
)

// The tests run one after another (no t.Parallel): each is a whole system on 2 cores.

// recoveryLimit bounds the wait for a batch after its fault has ended.
const recoveryLimit = 3 * time.Minute

// gost is the in-process GOST signer, as `profdev dev` and a worker with SIGNING_DIR sign.
func (w *world) gost() signing.Config {
	return signing.Config{Kind: string(signing.KindGOST), Dir: filepath.Join(w.dir, "signing")}
}

func TestDatabaseStopped20s(t *testing.T) {
	w := newWorld(t)
	w.inProcessWorker(w.gost())
	w.runFault(t, "PostgreSQL stopped 20 s", batchSize(), recoveryLimit, func() time.Time {
		w.stopDB()
		time.Sleep(20 * time.Second)
		w.startDB()
		return time.Now()
	})
}

func TestDatabaseStopped2min(t *testing.T) {
	w := newWorld(t)
	w.inProcessWorker(w.gost())
	w.runFault(t, "PostgreSQL stopped 2 min", batchSize(), recoveryLimit, func() time.Time {
		w.stopDB()
		time.Sleep(2 * time.Minute)
		w.startDB()
		return time.Now()
	})
}

func TestSMTPRefusing30s(t *testing.T) {
	w := newWorld(t)
	w.inProcessWorker(w.gost())
	w.runFault(t, "SMTP refusing 30 s", batchSize(), recoveryLimit, func() time.Time {
		w.smtp.Refuse(true)
		time.Sleep(30 * time.Second)
		w.smtp.Refuse(false)
		return time.Now()
	})
	if w.smtp.Refused() == 0 {
		t.Error("the SMTP server refused no session: the fault missed the batch")
	}
}

func TestRemoteSigner503For30s(t *testing.T) {
	w := newWorld(t)
	d := w.startDSS()
	w.inProcessWorker(d.config())
	w.runFault(t, "remote signer 503 30 s", batchSize(), recoveryLimit, func() time.Time {
		d.down.Store(true)
		time.Sleep(30 * time.Second)
		d.down.Store(false)
		return time.Now()
	})
	if d.refused.Load() == 0 {
		t.Error("the signing service refused no request: the fault missed the batch")
	}
	if got, want := d.signed.Load(), int64(batchSize()); got != want {
		t.Errorf("the signing service signed %d documents, want %d (one each)", got, want)
	}
}

// TestWorkerKilled kills the worker with SIGKILL in the middle of the batch. The worker is a
// process of its own (the test binary started again, see workerMain), so the kill is a real
// one: nothing of it gets to finish, report or clean up, and whatever it held (workflow tasks
// on its sticky queue, activities and local activities under way) must be taken over by the
// next worker, which starts at once, as a supervisor would start it. An email the relay had
// accepted in the last moment before the kill, but whose record as sent had not committed,
// goes again under the same Message-ID: the one repeat no sender can rule out (see
// internal/notify), counted apart as resent_after_kill; every other copy is a duplicate.
func TestWorkerKilled(t *testing.T) {
	w := newWorld(t)
	p := w.startWorkerProcess(w.gost())
	w.runFault(t, "worker killed (SIGKILL)", batchSize(), recoveryLimit, func() time.Time {
		w.killed.at = time.Now()
		p.kill()
		w.startWorkerProcess(w.gost())
		// Until its replacement polls, only the killed worker's messages can arrive.
		w.killed.replaced = time.Now()
		return w.killed.replaced
	})
}
