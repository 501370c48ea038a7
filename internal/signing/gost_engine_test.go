package signing

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/smallstep/pkcs7"
)

// TestStreebogVectors checks the in-process GOST R 34.11-2012 (256) against the standard's
// examples (GOST R 34.11-2012 appendix A, RFC 6986 §10.2), the empty message, and the
// 512-bit-counter carry case of the gost engine's own tests.
func TestStreebogVectors(t *testing.T) {
	requireGOST(t)
	carry := append(bytes.Repeat([]byte{0xee}, 64), 0x16)
	carry = append(append(carry, bytes.Repeat([]byte{0x11}, 62)...), 0x16)
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"M1", hex.EncodeToString([]byte(streebogM1)), streebogM1H256},
		{"M2", "d1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120eceef0ff20f1f2f0e5ebe0ece820" +
			"ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb", "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50"},
		{"empty", "", "3f539a213e97c802cc229d474c6aa32a825a360b2a933a949fd925208d9ce1bb"},
		{"carry", hex.EncodeToString(carry), "81bb632fa31fcc38b4c379a662dbc58b9bed83f50d3a1b2ce7271ab02d25babb"},
	} {
		msg, err := hex.DecodeString(tc.msg)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := streebog256(msg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := hex.EncodeToString(sum); got != tc.want {
			t.Errorf("Streebog-256(%s) = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestStreebogMatchesOpenSSL: the in-process digest equals `openssl dgst -md_gost12_256` over
// the same data, at every length around the 64-byte block and for random data.
func TestStreebogMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	requireGOST(t)
	conf, err := VerifyConfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 200_003)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 1000, 4096, 200_003} {
		data := random[:n]
		want, err := opensslStreebog(conf, data)
		if err != nil {
			t.Fatalf("openssl dgst of %d bytes: %v", n, err)
		}
		got, err := streebog256(data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d random bytes: in process %x, openssl %x", n, got, want)
		}
	}
}

// gostFixture is a dev GOST PKI with the certificate's public key written out as PEM, for
// `openssl dgst -verify`.
type gostFixture struct {
	m       Material
	conf    string
	pubFile string
	pub     *gostKey
	key     *gostKey
}

func newGOSTFixture(t *testing.T) gostFixture {
	t.Helper()
	requireGOST(t)
	m, err := EnsureDevPKI(t.TempDir(), KindGOST)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := runOpenSSL(context.Background(), m.OpenSSLConf, nil, "x509", "-pubkey", "-noout", "-in", m.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	f := gostFixture{m: m, conf: m.OpenSSLConf, pubFile: filepath.Join(t.TempDir(), "pub.pem")}
	if err := os.WriteFile(f.pubFile, pubPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if f.pub, err = parseGOSTPublicKey(m.Certificate.RawSubjectPublicKeyInfo); err != nil {
		t.Fatal(err)
	}
	if f.key, err = loadGOSTKey(m.KeyFile); err != nil {
		t.Fatal(err)
	}
	return f
}

// opensslVerify runs `openssl dgst -md_gost12_256 -verify pub.pem -signature sig` over data.
func (f gostFixture) opensslVerify(t *testing.T, data, sig []byte) error {
	t.Helper()
	sigFile := filepath.Join(t.TempDir(), "sig.bin")
	if err := os.WriteFile(sigFile, sig, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runOpenSSL(context.Background(), f.conf, data, "dgst", "-md_gost12_256", "-verify", f.pubFile, "-signature", sigFile)
	if err == nil && !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("openssl dgst -verify succeeded without saying Verified OK: %q", out)
	}
	return err
}

// TestGOSTSignatureCrossCheck checks the raw GOST R 34.10-2012 signature against openssl both
// ways: ours verifies with `openssl dgst -verify`, and one made by `openssl dgst -sign` with the
// same key file verifies in process; neither accepts a changed message or signature.
func TestGOSTSignatureCrossCheck(t *testing.T) {
	t.Parallel()
	f := newGOSTFixture(t)
	for _, data := range [][]byte{[]byte("x"), []byte(streebogM1), pdfLike(5000)} {
		changed := append(bytes.Clone(data), '!')

		ours, err := f.key.sign(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.opensslVerify(t, data, ours); err != nil {
			t.Errorf("openssl dgst -verify rejects the in-process signature of %d bytes: %v", len(data), err)
		}
		if err := f.opensslVerify(t, changed, ours); err == nil {
			t.Errorf("openssl dgst -verify accepts the in-process signature over a changed message")
		}

		theirs, err := runOpenSSL(context.Background(), f.conf, data, "dgst", "-md_gost12_256", "-binary", "-sign", f.m.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		if len(theirs) != gost256SigSize {
			t.Fatalf("openssl signature is %d bytes, want %d", len(theirs), gost256SigSize)
		}
		for _, tc := range []struct {
			name      string
			data, sig []byte
			want      bool
		}{
			{"openssl's signature", data, theirs, true},
			{"openssl's signature over a changed message", changed, theirs, false},
			{"a changed openssl signature", data, flipBit(theirs, 100), false},
			{"our own signature", data, ours, true},
		} {
			ok, err := f.pub.verify(tc.data, tc.sig)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if ok != tc.want {
				t.Errorf("in-process verify of %s over %d bytes = %v, want %v", tc.name, len(data), ok, tc.want)
			}
		}
	}
}

func flipBit(b []byte, bit int) []byte {
	c := bytes.Clone(b)
	c[bit/8] ^= 1 << (bit % 8)
	return c
}

// TestGOSTSignerConcurrent signs from many goroutines at once and checks every signature in
// process against the certificate's key and the signed attributes recomputed for it.
func TestGOSTSignerConcurrent(t *testing.T) {
	t.Parallel()
	f := newGOSTFixture(t)
	s, err := NewGOSTSigner(f.m, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				doc := pdfLike(1000 + 97*w + i)
				at := time.Date(2031, 1, 2, 3, w, i, 0, time.UTC)
				der, err := s.Sign(context.Background(), doc, at)
				if err != nil {
					errs <- err
					return
				}
				p7, err := pkcs7.Parse(der)
				if err != nil {
					errs <- err
					return
				}
				digest, err := streebog256(doc)
				if err != nil {
					errs <- err
					return
				}
				toSign, _, err := s.tmpl.signedAttrs(digest, at)
				if err != nil {
					errs <- err
					return
				}
				if ok, err := f.pub.verify(toSign, p7.Signers[0].EncryptedDigest); err != nil || !ok {
					t.Errorf("worker %d signature %d does not verify (err %v)", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestGOSTKeyStaysInLibcrypto checks where the key lives: its private scalar in OpenSSL's
// secure heap, a mapping excluded from core dumps, and libcrypto wiping what it frees.
func TestGOSTKeyStaysInLibcrypto(t *testing.T) {
	f := newGOSTFixture(t)
	info, err := gostEngine()
	if err != nil {
		t.Fatal(err)
	}
	if !info.ScrubOnFree {
		t.Error("libcrypto does not use the wiping allocator: something used libcrypto before gostEngine")
	}
	if !info.SecureHeap {
		t.Fatal("OpenSSL's secure heap is not in use")
	}
	if !f.key.inSecureHeap() {
		t.Error("the private scalar of the loaded key is not in the secure heap")
	}
	// The arena is one mapping of gostSecureHeapSize between two guard pages.
	file, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	arena := fmt.Sprintf("%d kB", gostSecureHeapSize>>10)
	var size string
	found := false
	for sc := bufio.NewScanner(file); sc.Scan(); {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "Size:"); ok {
			size = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "VmFlags:"); ok && size == arena && strings.Contains(" "+v+" ", " dd ") {
			found = true
		}
	}
	if !found {
		t.Errorf("no %d-byte mapping marked dd (MADV_DONTDUMP) in /proc/self/smaps: the secure heap may reach core dumps", gostSecureHeapSize)
	}
}

// TestGOSTSignerNeverLogsKey runs the signer at debug level and looks for the key file's
// content, in its PEM and its hex form, in everything it logged.
func TestGOSTSignerNeverLogsKey(t *testing.T) {
	t.Parallel()
	f := newGOSTFixture(t)
	var logs bytes.Buffer
	s, err := NewGOSTSigner(f.m, zerolog.New(&logs).Level(zerolog.TraceLevel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(context.Background(), []byte("document"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "key_in_secure_heap") {
		t.Fatalf("the signer logged nothing about its key; the check below would prove nothing:\n%s", logs.String())
	}
	for _, secret := range keyFragments(t, f.m.KeyFile) {
		if strings.Contains(logs.String(), secret) {
			t.Fatal("the signer's log contains part of the key file")
		}
	}
}

// keyFragments are pieces of the key file's content in the forms a careless log might carry.
func keyFragments(t *testing.T, keyFile string) []string {
	t.Helper()
	data, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("the key file is not PEM")
	}
	var frags []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			frags = append(frags, line[:16])
		}
	}
	// The last 32 bytes of the PKCS#8 DER are the private scalar's octets.
	frags = append(frags, hex.EncodeToString(block.Bytes[len(block.Bytes)-32:]))
	return frags
}

// TestLoadGOSTKeyErrors: a wrong, damaged, encrypted or missing key is refused with an error
// that names the file and never quotes it, and a key that is not the certificate's is caught.
func TestLoadGOSTKeyErrors(t *testing.T) {
	t.Parallel()
	f := newGOSTFixture(t)
	dir := t.TempDir()
	key, err := os.ReadFile(f.m.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	frags := keyFragments(t, f.m.KeyFile)

	damaged := bytes.Replace(key, []byte("\n"), []byte("\nAAAA"), 2)
	encrypted, err := runOpenSSL(context.Background(), f.conf, key, "pkcs8", "-topk8", "-v2", "aes256", "-passout", "pass:profdev")
	if err != nil {
		t.Fatal(err)
	}
	_, ecdsa := newDevSigner(t, KindECDSA)
	ecdsaKey, err := os.ReadFile(ecdsa.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content []byte // nil: the file does not exist
		want    string
	}{
		{"damaged.key", damaged, "decode"},
		{"encrypted.key", encrypted, "decode"},
		{"ecdsa.key", ecdsaKey, "want GOST R 34.10-2012 (256)"},
		{"empty.key", []byte{}, "not a regular file of 1 to"},
		{"missing.key", nil, "No such file"},
	} {
		path := filepath.Join(dir, tc.name)
		if tc.content != nil {
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan error, 1)
		go func() { _, err := loadGOSTKey(path); done <- err }()
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: loadGOSTKey hangs (asking for a passphrase?)", tc.name)
		}
		if err == nil {
			t.Errorf("%s: loaded, want an error", tc.name)
			continue
		}
		msg := err.Error()
		t.Logf("%s: %s", tc.name, msg)
		if !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q, want one naming the file and saying %q", tc.name, msg, tc.want)
		}
		for _, secret := range frags {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: the error quotes the key", tc.name)
			}
		}
	}

	// The CA's key with the signing certificate.
	wrong := f.m
	wrong.KeyFile = f.m.CAKeyFile
	if _, err := NewGOSTSigner(wrong, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "does not hold the key of the certificate") {
		t.Errorf("NewGOSTSigner with the CA's key: err = %v, want a key/certificate mismatch", err)
	}
}
