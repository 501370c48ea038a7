package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadOrCreateDevKeyCreatesOnceAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keys")
	path := filepath.Join(dir, "dev-signing.pem")

	first, err := LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatalf("first LoadOrCreateDevKey: %v", err)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatalf("second LoadOrCreateDevKey: %v", err)
	}
	if !first.Equal(second) {
		t.Error("second load returned a different key than the one created")
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(written, again) {
		t.Error("second load rewrote the key file")
	}

	type modes struct{ File, Dir fs.FileMode }
	got := modes{File: mustMode(t, path), Dir: mustMode(t, dir)}
	if diff := cmp.Diff(modes{File: 0o600, Dir: 0o700}, got); diff != "" {
		t.Errorf("permissions mismatch (-want +got):\n%s", diff)
	}

	block, _ := pem.Decode(written)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("key file is not a PKCS#8 PEM: %q", firstLine(written))
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		t.Errorf("key file does not parse as PKCS#8: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// TestLoadOrCreateDevKeyConcurrentCreators: processes started together (the API and the
// worker of `profdev dev`) must end up signing with the same key.
func TestLoadOrCreateDevKeyConcurrentCreators(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.pem")
	const n = 8
	keys := make([]*ecdsa.PrivateKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateDevKey(path) })
	}
	wg.Wait()
	onDisk, err := LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("creator %d: %v", i, errs[i])
		} else if !keys[i].Equal(onDisk) {
			t.Errorf("creator %d holds a key other than the one on disk", i)
		}
	}
}

func TestLoadOrCreateDevKeyRefusesForeignFiles(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaDER, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKCS8PrivateKey(mustECKey(t, elliptic.P384()))
	if err != nil {
		t.Fatal(err)
	}
	sec1DER, err := x509.MarshalECPrivateKey(mustECKey(t, elliptic.P256()))
	if err != nil {
		t.Fatal(err)
	}
	secretBody := bytes.Repeat([]byte("QUJD"), 30)
	tests := []struct {
		name    string
		content []byte
		wantErr string
	}{
		{"empty file", nil, "no \"PRIVATE KEY\" PEM block"},
		{"not PEM", []byte("hello"), "no \"PRIVATE KEY\" PEM block"},
		{"SEC1 EC key", pemBytes("EC PRIVATE KEY", sec1DER), "no \"PRIVATE KEY\" PEM block"},
		{"RSA key", pemBytes("PRIVATE KEY", rsaDER), "*rsa.PrivateKey"},
		{"P-384 key", pemBytes("PRIVATE KEY", p384DER), "curve P-384"},
		{"corrupt PKCS#8", pemBytes("PRIVATE KEY", secretBody), "load dev key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dev.pem")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			key, err := LoadOrCreateDevKey(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadOrCreateDevKey = %v, %v; want an error containing %q", key != nil, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "QUJD") {
				t.Errorf("error repeats file content: %v", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, tt.content) {
				t.Error("a file that is not a usable key was overwritten")
			}
		})
	}
}

func TestLoadOrCreateDevKeyReportsUnreadablePath(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", filepath.Join(notADir, "dev.pem")} {
		if _, err := LoadOrCreateDevKey(path); err == nil {
			t.Errorf("LoadOrCreateDevKey(%q) succeeded, want an error", path)
		}
	}
}

func mustMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func pemBytes(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}
