package signing

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names inside a Material directory.
const (
	fileCAKey     = "ca.key"     // development CA key; absent for real material
	fileCACert    = "ca.pem"     // CA chain of the signing certificate, issuer first
	fileSignerKey = "signer.key" // PKCS#8 PEM, unencrypted
	fileSignerCrt = "signer.pem" // the signing certificate
)

// Subjects of the development certificates. "(разработка)" marks them as not the ministry's
// real ones, for anyone who looks at a signature made with them.
const (
	devOrganisation = "Министерство труда и социальной защиты Российской Федерации"
	devCAName       = "Удостоверяющий центр Минтруда России (разработка)"
	devSignerName   = "Минтруд России (разработка)"
	devCountry      = "RU"
	devCAValidity   = 10 * 365 * 24 * time.Hour
	devLeafValidity = 5 * 365 * 24 * time.Hour
)

// Material is the key and certificates of one signer, as files in Dir:
//
//	ca.key      the development CA's key (mode 0600); absent for real material
//	ca.pem      the CA chain of the signing certificate, issuer first
//	signer.key  the signing key, PKCS#8 PEM (mode 0600)
//	signer.pem  the signing certificate
//
// A real key and certificate placed in that layout (without ca.key) are used as they are.
type Material struct {
	Kind      Kind
	Dir       string // <dir>/<kind>
	KeyFile   string
	CertFile  string
	CAFile    string
	CAKeyFile string // "" when the CA key is not in Dir

	Certificate *x509.Certificate   // the signing certificate
	CAChain     []*x509.Certificate // its issuers, from ca.pem
	Chain       []byte              // PEM: the signing certificate, then the CA chain

	// OpenSSLConf is, for KindGOST, the OPENSSL_CONF file that loads the gost engine into the
	// openssl binary (see VerifyConfig), for creating the PKI and verifying; "" for KindECDSA.
	// NewGOSTSigner does not need it: it loads the engine into this process itself.
	OpenSSLConf string
}

// EnsureDevPKI returns the development PKI of kind under dir, creating it on the first call:
// a self-signed CA (CA:true, keyCertSign) and a signing certificate it issues (digitalSignature,
// nonRepudiation, extendedKeyUsage emailProtection, so `openssl cms -verify` accepts it with its
// default S/MIME purpose). Later calls, from this process or another, reuse the files.
//
// Everything lands in dir/<kind>, created 0700 with keys 0600. The files are generated in a
// temporary directory that is then renamed into place, so the set appears complete or not at
// all, and of two racing creators the second adopts the first one's set. An existing but
// unreadable set is an error, never overwritten: it may hold someone's real key.
//
// GOST material is made by the openssl binary with the gost engine (see GOSTAvailable);
// ECDSA material in Go.
func EnsureDevPKI(dir string, kind Kind) (Material, error) {
	if dir == "" {
		return Material{}, errors.New("dev PKI: empty directory")
	}
	if kind != KindGOST && kind != KindECDSA {
		return Material{}, fmt.Errorf("dev PKI: unknown kind %q", kind)
	}
	// Absolute paths keep Material valid if the process changes directory, and keep a file
	// name from ever looking like an option to openssl.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Material{}, fmt.Errorf("dev PKI: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Material{}, fmt.Errorf("dev PKI: %w", err)
	}
	var conf string
	if kind == KindGOST {
		if conf, err = VerifyConfig(dir); err != nil {
			return Material{}, fmt.Errorf("dev PKI: %w", err)
		}
	}
	final := filepath.Join(dir, string(kind))
	switch _, err := os.Stat(final); {
	case errors.Is(err, fs.ErrNotExist):
		if kind == KindGOST {
			// Fail with the install hint rather than with whatever openssl says first.
			if err := GOSTAvailable(); err != nil {
				return Material{}, fmt.Errorf("dev PKI: %w", err)
			}
		}
		if err := createPKI(dir, final, kind, conf); err != nil {
			return Material{}, fmt.Errorf("dev PKI %s: %w", final, err)
		}
	case err != nil:
		return Material{}, fmt.Errorf("dev PKI: %w", err)
	}
	m, err := LoadMaterial(final, kind)
	if err != nil {
		return Material{}, err
	}
	m.OpenSSLConf = conf
	return m, nil
}

// createPKI generates the material of kind in a temporary directory next to final and renames
// it to final.
func createPKI(dir, final string, kind Kind, conf string) error {
	tmp, err := os.MkdirTemp(dir, "."+string(kind)+"-*.tmp") // mode 0700
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone already after a successful rename
	switch kind {
	case KindGOST:
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err = createGOSTMaterial(ctx, tmp, conf)
	case KindECDSA:
		err = createECDSAMaterial(tmp)
	}
	if err != nil {
		return err
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, statErr := os.Stat(filepath.Join(final, fileSignerCrt)); statErr == nil {
			return nil // another process finished first; LoadMaterial reads its set
		}
		return fmt.Errorf("rename into place: %w", err)
	}
	return syncDir(dir)
}

// LoadMaterial reads the material of kind in dir (laid out as Material describes) and checks
// that it fits together. For GOST only the key's presence is checked here (NewGOSTSigner has
// libcrypto read it, and checks it against the certificate), and OpenSSLConf stays empty: set it
// (VerifyConfig) to verify with the openssl binary. EnsureDevPKI does both.
func LoadMaterial(dir string, kind Kind) (Material, error) {
	m := Material{
		Kind:     kind,
		Dir:      dir,
		KeyFile:  filepath.Join(dir, fileSignerKey),
		CertFile: filepath.Join(dir, fileSignerCrt),
		CAFile:   filepath.Join(dir, fileCACert),
	}
	fail := func(err error) (Material, error) {
		return Material{}, fmt.Errorf("load signing material %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, fileCAKey)); err == nil {
		m.CAKeyFile = filepath.Join(dir, fileCAKey)
	}
	certs, err := readCertificates(m.CertFile)
	if err != nil {
		return fail(err)
	}
	if len(certs) != 1 {
		return fail(fmt.Errorf("%s holds %d certificates, want exactly the signing certificate", fileSignerCrt, len(certs)))
	}
	m.Certificate = certs[0]
	if m.CAChain, err = readCertificates(m.CAFile); err != nil {
		return fail(err)
	}
	if len(m.CAChain) == 0 {
		return fail(fmt.Errorf("%s holds no certificate", fileCACert))
	}
	if !bytes.Equal(m.Certificate.RawIssuer, m.CAChain[0].RawSubject) {
		return fail(fmt.Errorf("the first certificate of %s is not the issuer of %s", fileCACert, fileSignerCrt))
	}
	if _, err := os.Stat(m.KeyFile); err != nil {
		return fail(err)
	}
	var chain bytes.Buffer
	for _, c := range append([]*x509.Certificate{m.Certificate}, m.CAChain...) {
		_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}) // a bytes.Buffer never fails
	}
	m.Chain = chain.Bytes()
	return m, nil
}

// readCertificates parses every CERTIFICATE block of a PEM file. Go parses GOST certificates
// too: it leaves the unknown key and signature algorithms opaque, which is all we need.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return certs, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
}

// randomSerial returns a positive 127-bit serial number, unpredictable as RFC 5280 and the
// CA/Browser Forum want, so two development CAs never issue colliding serials.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// writeNewFile writes data to path (which must not exist) with mode perm and syncs it, so
// that after the directory rename every file is complete on disk.
func writeNewFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

// replaceFile atomically replaces path with data: a reader sees the old or the new content.
func replaceFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// syncDir flushes a directory's entries, so a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
