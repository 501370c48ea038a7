// Package faulttest is the fault suite of `make test`: each test issues a certificate batch
// through the application layer on the real pieces (a PostgreSQL cluster of its own, a real
// Temporal server, the worker wired as cmd/profdev wires it, a real SMTP server in process
// and the real signer), strikes with one fault in the middle of the batch, and then counts
// what landed: certificate rows, signatures, emails by party, duplicates, failed workflows,
// and the batch's own account of every item. Each prints a line with the counts and the time
// from the end of the fault to the batch being complete.
//
// The faults: profdev's PostgreSQL stopped for 20 s and for 2 min; the SMTP relay refusing
// for 30 s; the remote signing service answering 503 for 30 s; the worker killed with
// SIGKILL. Every wait is bounded; the whole suite takes about six minutes on 2 cores.
//
// The package holds tests only; this file is its documentation.
package faulttest
