package signing

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/profdev/profdev/internal/benchtable"
)

// BenchmarkSign measures one signature over a 128 KiB document, about the size of a rendered
// certificate PDF. Both kinds sign in process: GOST in libcrypto with the gost engine, where
// hashing the document is most of the time (Streebog runs at about 170 MB/s), ECDSA in Go.
//
// Besides wall-clock ns/op it reports cpu-ns/op: the CPU time (user and system) of this
// process and of the children it waited for, per signature. On a machine shared with other
// work, wall-clock time measures the queue for the cores as much as the signer; CPU time
// does not, and it would count openssl child processes too (the GOST signer started two per
// signature until it moved in process).
func BenchmarkSign(b *testing.B) {
	doc := pdfLike(128 << 10)
	for _, kind := range []Kind{KindGOST, KindECDSA} {
		b.Run(string(kind), func(b *testing.B) {
			s, _ := newDevSigner(b, kind)
			at := time.Now()
			cpu := cpuTime(b)
			for b.Loop() {
				if _, err := s.Sign(context.Background(), doc, at); err != nil {
					b.Fatal(err)
				}
			}
			cpuPerOp := float64(cpuTime(b)-cpu) / float64(b.N)
			b.ReportMetric(cpuPerOp, "cpu-ns/op")
			benchtable.Add("signature over 128 KiB, "+string(kind), fmt.Sprintf("%.2f ms", float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6),
				fmt.Sprintf("wall clock; CPU %.2f ms", cpuPerOp/1e6))
		})
	}
}

// cpuTime is the user and system CPU time used so far by this process and its waited-for
// children.
func cpuTime(b *testing.B) time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			b.Fatalf("getrusage: %v", err)
		}
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}
