package signing

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// requireGOST fails (never skips) the test when the gost engine does not work here: GOST is
// what the ministry uses, so a machine that cannot test it must say so loudly. The error
// carries the apt-get hint.
func requireGOST(t testing.TB) {
	t.Helper()
	if err := GOSTAvailable(); err != nil {
		t.Fatalf("GOST engine unavailable: %v", err)
	}
}

// newDevSigner creates the development PKI of kind in a fresh directory and a signer on it.
func newDevSigner(t testing.TB, kind Kind) (Signer, Material) {
	t.Helper()
	if kind == KindGOST {
		requireGOST(t)
	}
	m, err := EnsureDevPKI(t.TempDir(), kind)
	if err != nil {
		t.Fatalf("EnsureDevPKI(%s): %v", kind, err)
	}
	var s Signer
	switch kind {
	case KindGOST:
		s, err = NewGOSTSigner(m, testLogger(t))
	case KindECDSA:
		s, err = NewECDSASigner(m, testLogger(t))
	}
	if err != nil {
		t.Fatalf("new %s signer: %v", kind, err)
	}
	return s, m
}

func testLogger(t testing.TB) zerolog.Logger {
	if _, ok := t.(*testing.B); ok {
		return zerolog.Nop() // logging would be measured and flood the benchmark output
	}
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel)
}

// pdfLike is a document that looks like the start and end of a PDF, of about n bytes.
func pdfLike(n int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%% Сертификат на обучение, строка %d\n", i)
	}
	b.WriteString("%%EOF\n")
	return b.Bytes()
}

// verifyWithOpenSSL runs exactly
//
//	openssl cms -verify -binary -inform DER -in sig.der -content document.pdf -CAfile ca.pem -out /dev/null
//
// in a fresh directory holding those three files, with OPENSSL_CONF=conf when conf is not
// empty, and returns its combined output and error.
func verifyWithOpenSSL(t testing.TB, sig, doc, chain []byte, conf string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"sig.der": sig, "document.pdf": doc, "ca.pem": chain} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der",
		"-content", "document.pdf", "-CAfile", "ca.pem", "-out", "/dev/null")
	cmd.Dir = dir
	cmd.Env = opensslEnv(conf)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// printCMS returns `openssl cms -cmsout -print -inform DER` of sig.
func printCMS(t testing.TB, sig []byte, conf string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sig.der")
	if err := os.WriteFile(path, sig, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", path)
	cmd.Env = opensslEnv(conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl cms -cmsout -print: %v: %s", err, stderr.String())
	}
	return string(out)
}

var printedSigningTime = regexp.MustCompile(`signingTime \(1\.2\.840\.113549\.1\.9\.5\)\s*\n\s*set:\s*\n\s*(?:UTCTIME|GENERALIZEDTIME):([^\n]+)`)

// signingTimeOf is the signing time openssl reads from sig.
func signingTimeOf(t testing.TB, sig []byte, conf string) time.Time {
	t.Helper()
	out := printCMS(t, sig, conf)
	m := printedSigningTime.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no signingTime in openssl's print of the signature:\n%s", out)
	}
	got, err := time.Parse("Jan _2 15:04:05 2006 MST", strings.TrimSpace(m[1]))
	if err != nil {
		t.Fatalf("parse printed signing time %q: %v", m[1], err)
	}
	return got
}

// runOpenSSLCheck hashes the standard's test message with openssl under OPENSSL_CONF=conf.
func runOpenSSLCheck(conf string) error {
	sum, err := opensslStreebog(conf, []byte(streebogM1))
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(sum); got != streebogM1H256 {
		return fmt.Errorf("digest %s, want %s", got, streebogM1H256)
	}
	return nil
}

// opensslStreebog is `openssl dgst -md_gost12_256 -binary` of data, under OPENSSL_CONF=conf.
func opensslStreebog(conf string, data []byte) ([]byte, error) {
	sum, err := runOpenSSL(context.Background(), conf, data, "dgst", "-md_gost12_256", "-binary")
	if err != nil {
		return nil, err
	}
	if len(sum) != streebog256Size {
		return nil, fmt.Errorf("openssl returned a %d-byte GOST R 34.11-2012 digest, want %d", len(sum), streebog256Size)
	}
	return sum, nil
}

// reencodeWithOpenSSL is sig parsed and written back by openssl, which writes DER: equal
// bytes mean our encoding is canonical DER.
func reencodeWithOpenSSL(t testing.TB, sig []byte, conf string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", "cms", "-cmsout", "-inform", "DER", "-outform", "DER")
	cmd.Stdin, cmd.Env = bytes.NewReader(sig), opensslEnv(conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl cms -cmsout: %v: %s", err, stderr.String())
	}
	return out
}
