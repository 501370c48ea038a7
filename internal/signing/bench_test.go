package signing

import (
	"context"
	"testing"
	"time"
)

// BenchmarkSign measures one signature over a 128 KiB document, about the size of a rendered
// certificate PDF. For GOST that is two openssl processes (hash the document, sign the
// attributes); for ECDSA it is all in process.
func BenchmarkSign(b *testing.B) {
	doc := pdfLike(128 << 10)
	for _, kind := range []Kind{KindGOST, KindECDSA} {
		b.Run(string(kind), func(b *testing.B) {
			s, _ := newDevSigner(b, kind)
			at := time.Now()
			for b.Loop() {
				if _, err := s.Sign(context.Background(), doc, at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
