package document

import (
	"os"
	"testing"
)

// TestWriteSample writes a sample duplicate for looking at the layout:
// DOCUMENT_SAMPLE=/tmp/sample-certificate.pdf go test -run TestWriteSample .
func TestWriteSample(t *testing.T) {
	path := os.Getenv("DOCUMENT_SAMPLE")
	if path == "" {
		t.Skip("set DOCUMENT_SAMPLE to a file name to write a sample certificate")
	}
	c := sample()
	c.Duplicate = 2
	pdf, sum := render(t, c)
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes, sha256 %s", path, len(pdf), sum)
}
