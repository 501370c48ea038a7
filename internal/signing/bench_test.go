package signing

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSign measures one signature over a 128 KiB document, about the size of a rendered
// certificate PDF. For GOST that is two openssl processes (hash the document, sign the
// attributes); for ECDSA it is all in process.
//
// Besides wall-clock ns/op it reports cpu-ns/op: the CPU time (user and system) of this
// process and of the children it waited for, per signature. On a machine shared with other
// work, wall-clock time measures the queue for the cores as much as the signer; CPU time
// does not, and it counts the openssl processes too.
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
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
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
