package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smallstep/pkcs7"
)

// testSigningTime is a time the clock cannot produce while the test runs, so finding it in a
// signature proves the signer used the time passed in. It is given in Moscow time to check
// that signing-time is written in UTC.
func testSigningTime() time.Time {
	return time.Now().Add(2*time.Hour + 17*time.Minute).Truncate(time.Second).In(time.FixedZone("MSK", 3*60*60))
}

func TestSignVerifiesWithOpenSSL(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		alg  string
	}{{KindGOST, AlgorithmGOST}, {KindECDSA, AlgorithmECDSA}} {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			s, m := newDevSigner(t, tc.kind)
			doc := pdfLike(4096)
			at := testSigningTime()

			sig, err := s.Sign(context.Background(), doc, at)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got := s.Algorithm(); got != tc.alg {
				t.Errorf("Algorithm() = %q, want %q", got, tc.alg)
			}
			if !bytes.Equal(s.Chain(), m.Chain) {
				t.Errorf("Chain() differs from the material's chain")
			}
			if out, err := verifyWithOpenSSL(t, sig, doc, s.Chain(), m.OpenSSLConf); err != nil {
				t.Fatalf("openssl cms -verify rejected the signature: %v\n%s", err, out)
			} else if !strings.Contains(out, "Verification successful") {
				t.Errorf("openssl cms -verify output lacks %q:\n%s", "Verification successful", out)
			}

			tampered := bytes.Replace(doc, []byte("строка 7\n"), []byte("строка 8\n"), 1)
			if bytes.Equal(tampered, doc) {
				t.Fatal("test bug: the document was not modified")
			}
			if out, err := verifyWithOpenSSL(t, sig, tampered, s.Chain(), m.OpenSSLConf); err == nil {
				t.Errorf("openssl cms -verify accepted a modified document:\n%s", out)
			}

			if got := signingTimeOf(t, sig, m.OpenSSLConf); !got.Equal(at) {
				t.Errorf("signing time in the signature = %s, want the one passed in, %s", got, at.UTC())
			}
			checkCAdESBES(t, sig, m)
			if !bytes.Equal(reencodeWithOpenSSL(t, sig, m.OpenSSLConf), sig) {
				t.Error("openssl re-encodes the signature differently: it is not canonical DER")
			}
		})
	}
}

// checkCAdESBES parses sig with smallstep/pkcs7 and checks the CAdES-BES shape: detached,
// the signer and CA certificates, and exactly the four signed attributes.
func checkCAdESBES(t *testing.T, sig []byte, m Material) {
	t.Helper()
	p7, err := checkDetachedSignedData(sig)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, a := range p7.Signers[0].AuthenticatedAttributes {
		types = append(types, a.Type.String())
	}
	slices.Sort(types)
	want := []string{oidAttrContentType.String(), oidAttrMessageDigest.String(), oidAttrSigningTime.String(), oidAttrSigningCertV2.String()}
	slices.Sort(want)
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("signed attribute types (-want +got):\n%s", diff)
	}
	if got, want := len(p7.Certificates), 1+len(m.CAChain); got != want {
		t.Errorf("signature carries %d certificates, want %d (signer and CA chain)", got, want)
	}
	if got := p7.GetOnlySigner(); got == nil || !got.Equal(m.Certificate) {
		t.Errorf("signer of the signature is not the material's certificate")
	}
}

func TestECDSASignatureVerifiesWithPKCS7(t *testing.T) {
	t.Parallel()
	s, m := newDevSigner(t, KindECDSA)
	doc := pdfLike(1000)
	sig, err := s.Sign(context.Background(), doc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p7, err := pkcs7.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	p7.Content = doc
	roots := x509.NewCertPool()
	roots.AddCert(m.CAChain[0])
	if err := p7.VerifyWithChain(roots); err != nil {
		t.Fatalf("smallstep/pkcs7 rejects the signature: %v", err)
	}
	p7.Content = append(doc, ' ')
	if err := p7.VerifyWithChain(roots); err == nil {
		t.Fatal("smallstep/pkcs7 accepts the signature over a modified document")
	}
}

// TestSignRetryReproducesSignedAttributes: a retried activity passes the same time and must
// get the same signed attributes (the signature value itself is randomised by both schemes).
func TestSignRetryReproducesSignedAttributes(t *testing.T) {
	for _, kind := range []Kind{KindGOST, KindECDSA} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s, _ := newDevSigner(t, kind)
			doc, at := pdfLike(500), testSigningTime()
			var attrs [][]byte
			for range 2 {
				sig, err := s.Sign(context.Background(), doc, at)
				if err != nil {
					t.Fatal(err)
				}
				p7, err := pkcs7.Parse(sig)
				if err != nil {
					t.Fatal(err)
				}
				enc, err := asn1.Marshal(p7.Signers[0].AuthenticatedAttributes)
				if err != nil {
					t.Fatal(err)
				}
				attrs = append(attrs, enc)
			}
			if !bytes.Equal(attrs[0], attrs[1]) {
				t.Error("two signatures at the same time have different signed attributes")
			}
		})
	}
}

// TestMatchesOpenSSLCMSSign compares our CMS with what `openssl cms -sign -cades` makes from
// the same key and document: same algorithms, signer, certificates, and the same content-type,
// message-digest and signing-certificate-v2 values. Only signing-time (ours is the one passed
// in) and the randomised signature value may differ. Note that `openssl cms -verify` does not
// catch a wrong signing-certificate-v2, so this comparison is what guards it.
func TestMatchesOpenSSLCMSSign(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		md   string
	}{{KindGOST, "md_gost12_256"}, {KindECDSA, "sha256"}} {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			s, m := newDevSigner(t, tc.kind)
			doc := pdfLike(2000)
			ours, err := s.Sign(context.Background(), doc, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "document.pdf"), doc, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("openssl", "cms", "-sign", "-binary", "-outform", "DER", "-cades", "-nosmimecap",
				"-md", tc.md, "-signer", m.CertFile, "-inkey", m.KeyFile, "-certfile", m.CAFile,
				"-in", "document.pdf", "-out", "theirs.der")
			cmd.Dir, cmd.Env = dir, opensslEnv(m.OpenSSLConf)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("openssl cms -sign: %v\n%s", err, redactStderr(out))
			}
			theirs, err := os.ReadFile(filepath.Join(dir, "theirs.der"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(summarise(t, theirs), summarise(t, ours)); diff != "" {
				t.Errorf("our CMS differs from openssl's (-openssl +ours):\n%s", diff)
			}
		})
	}
}

type cmsSummary struct {
	DigestAlg, SigAlg, IssuerAndSerial []byte
	Certificates                       [][]byte
	Attrs                              map[string][]byte // by OID; signing-time left out
}

func summarise(t *testing.T, der []byte) cmsSummary {
	t.Helper()
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(p7.Signers) != 1 {
		t.Fatalf("%d signers, want 1", len(p7.Signers))
	}
	si := p7.Signers[0]
	enc := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sum := cmsSummary{
		DigestAlg:       enc(si.DigestAlgorithm),
		SigAlg:          enc(si.DigestEncryptionAlgorithm),
		IssuerAndSerial: enc(si.IssuerAndSerialNumber),
		Attrs:           map[string][]byte{},
	}
	for _, c := range p7.Certificates {
		sum.Certificates = append(sum.Certificates, c.Raw)
	}
	slices.SortFunc(sum.Certificates, bytes.Compare)
	for _, a := range si.AuthenticatedAttributes {
		if !a.Type.Equal(oidAttrSigningTime) {
			sum.Attrs[a.Type.String()] = a.Value.FullBytes
		}
	}
	return sum
}

func TestSignRejectsZeroTime(t *testing.T) {
	for _, kind := range []Kind{KindGOST, KindECDSA} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s, _ := newDevSigner(t, kind)
			if _, err := s.Sign(context.Background(), []byte("x"), time.Time{}); !errors.Is(err, errZeroTime) {
				t.Fatalf("Sign with a zero time: err = %v, want errZeroTime", err)
			}
		})
	}
}

func TestSignHonoursCancellation(t *testing.T) {
	for _, kind := range []Kind{KindGOST, KindECDSA} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			s, _ := newDevSigner(t, kind)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := s.Sign(ctx, []byte("x"), time.Now()); !errors.Is(err, context.Canceled) {
				t.Fatalf("Sign with a cancelled context: err = %v, want context.Canceled", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	requireGOST(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		kind, wantAlg string
	}{
		{"", AlgorithmGOST}, // the engine works here, so the default is GOST
		{"gost", AlgorithmGOST},
		{"ecdsa", AlgorithmECDSA},
	} {
		s, err := New(Config{Kind: tc.kind, Dir: dir, Logger: testLogger(t)})
		if err != nil {
			t.Fatalf("New(Kind %q): %v", tc.kind, err)
		}
		if got := s.Algorithm(); got != tc.wantAlg {
			t.Errorf("New(Kind %q).Algorithm() = %q, want %q", tc.kind, got, tc.wantAlg)
		}
	}
	for _, cfg := range []Config{
		{Kind: "rsa", Dir: dir},
		{Kind: "gost"},   // no Dir
		{Kind: "remote"}, // no URL
		{Kind: "remote", RemoteURL: "https://dss.example/sign"}, // no chain
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}

func TestRedactStderr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "(no stderr)"},
		{"Could not read private key from signer.key\nerror:1E08010C:DECODER routines::unsupported\n",
			"Could not read private key from signer.key error:1E08010C:DECODER routines::unsupported"},
		{"-----BEGIN PRIVATE KEY-----\nMD4CAQAw\n-----END PRIVATE KEY-----\n", "(stderr withheld: it contains PEM data)"},
		{"oops MD4CAQAwFwYIKoUDBwEBAQEwCwYJKoUDBwECAQECBCDczke3DLputwQnAnqqVdIN", "(stderr withheld: it contains PEM data)"},
	} {
		if got := redactStderr([]byte(tc.in)); got != tc.want {
			t.Errorf("redactStderr(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := redactStderr(bytes.Repeat([]byte("ошибка "), 200)); len(got) > 410 {
		t.Errorf("redactStderr of a long text is %d bytes, want at most about 400", len(got))
	}
}
