package signing

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestEnsureDevPKI(t *testing.T) {
	for _, kind := range []Kind{KindGOST, KindECDSA} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			if kind == KindGOST {
				requireGOST(t)
			}
			dir := filepath.Join(t.TempDir(), "pki") // does not exist yet
			first, err := EnsureDevPKI(dir, kind)
			if err != nil {
				t.Fatal(err)
			}
			second, err := EnsureDevPKI(dir, kind)
			if err != nil {
				t.Fatal(err)
			}
			if !first.Certificate.Equal(second.Certificate) || !bytes.Equal(first.Chain, second.Chain) {
				t.Fatal("a second EnsureDevPKI made new certificates instead of reusing the first")
			}

			for path, want := range map[string]os.FileMode{
				dir: 0o700, first.Dir: 0o700, first.KeyFile: 0o600, first.CAKeyFile: 0o600,
			} {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != want {
					t.Errorf("%s has mode %o, want %o", path, got, want)
				}
			}
			entries, err := os.ReadDir(first.Dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if want := []string{"ca.key", "ca.pem", "signer.key", "signer.pem"}; !slices.Equal(names, want) {
				t.Errorf("material files = %v, want %v", names, want)
			}

			ca, leaf := first.CAChain[0], first.Certificate
			if !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 || !bytes.Equal(ca.RawSubject, ca.RawIssuer) {
				t.Errorf("CA certificate: IsCA=%v KeyUsage=%b self-issued=%v", ca.IsCA, ca.KeyUsage, bytes.Equal(ca.RawSubject, ca.RawIssuer))
			}
			wantKU := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
			if leaf.IsCA || leaf.KeyUsage != wantKU || !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}) {
				t.Errorf("signing certificate: IsCA=%v KeyUsage=%b ExtKeyUsage=%v", leaf.IsCA, leaf.KeyUsage, leaf.ExtKeyUsage)
			}
			if leaf.Subject.CommonName != devSignerName || !slices.Equal(leaf.Subject.Country, []string{"RU"}) {
				t.Errorf("signing certificate subject = %q", leaf.Subject)
			}
			if kind == KindGOST {
				if first.OpenSSLConf != filepath.Join(dir, VerifyConfigName) {
					t.Errorf("OpenSSLConf = %q, want %q", first.OpenSSLConf, filepath.Join(dir, VerifyConfigName))
				}
			} else if first.OpenSSLConf != "" {
				t.Errorf("ECDSA material has OpenSSLConf %q", first.OpenSSLConf)
			}
		})
	}
}

// TestEnsureDevPKIRace: concurrent first calls all end up with the one set that landed.
func TestEnsureDevPKIRace(t *testing.T) {
	for _, kind := range []Kind{KindGOST, KindECDSA} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			if kind == KindGOST {
				requireGOST(t)
			}
			dir := t.TempDir()
			const n = 4
			got := make([]Material, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { got[i], errs[i] = EnsureDevPKI(dir, kind) })
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("caller %d: %v", i, errs[i])
				}
				if !got[i].Certificate.Equal(got[0].Certificate) {
					t.Errorf("caller %d got a different certificate from caller 0", i)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".tmp") {
					t.Errorf("temporary %s left behind", e.Name())
				}
			}
		})
	}
}

// TestEnsureDevPKIKeepsBrokenMaterial: an incomplete set is reported, never replaced, since it
// may be a real key waiting for its certificate.
func TestEnsureDevPKIKeepsBrokenMaterial(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, err := EnsureDevPKI(dir, KindECDSA)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(m.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(m.CertFile); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureDevPKI(dir, KindECDSA); err == nil || !strings.Contains(err.Error(), "signer.pem") {
		t.Fatalf("EnsureDevPKI over an incomplete set: err = %v, want one naming signer.pem", err)
	}
	if after, err := os.ReadFile(m.KeyFile); err != nil || !bytes.Equal(after, key) {
		t.Fatalf("the existing key was changed or removed (err %v)", err)
	}
}

func TestVerifyConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, err := VerifyConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, VerifyConfigName) {
		t.Errorf("VerifyConfig path = %q", path)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, OpenSSLConfig()) {
		t.Fatalf("config file content differs from OpenSSLConfig() (err %v)", err)
	}
	if again, err := VerifyConfig(dir); err != nil || again != path {
		t.Fatalf("second VerifyConfig = %q, %v", again, err)
	}
	// The content alone must load the engine: this is what a verifier elsewhere gets.
	if err := runOpenSSLCheck(path); err != nil {
		t.Fatalf("openssl with OPENSSL_CONF=%s cannot hash with Streebog: %v", path, err)
	}
}

// TestGOSTAvailableExplainsMissingEngine hides the engine from OpenSSL (OPENSSL_ENGINES pointing
// at an empty directory) and expects the apt-get hint.
func TestGOSTAvailableExplainsMissingEngine(t *testing.T) {
	t.Setenv("OPENSSL_ENGINES", t.TempDir())
	err := GOSTAvailable()
	if err == nil {
		t.Fatal("GOSTAvailable() = nil with the engine hidden")
	}
	if !strings.Contains(err.Error(), "apt-get install -y libengine-gost-openssl") {
		t.Fatalf("GOSTAvailable() error lacks the install hint: %v", err)
	}
}
