package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// gostParamSet is the curve of the GOST keys: id-GostR3410-2001-CryptoPro-A-ParamSet, which
// every GOST R 34.10-2012 (256) implementation, CryptoPro CSP included, supports.
const gostParamSet = "A"

// reqConfig is an `openssl req` configuration with subject CN (O and C fixed) and the
// extensions ext in section [ext]. utf8 and string_mask make the Russian names UTF8String.
func reqConfig(cn, ext string) string {
	return fmt.Sprintf(`[req]
distinguished_name = dn
prompt = no
utf8 = yes
string_mask = utf8only

[dn]
C = %s
O = %s
CN = %s

[ext]
%s
`, devCountry, devOrganisation, cn, ext)
}

const (
	gostCAExt = `basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash`
	// emailProtection is what OpenSSL's default S/MIME purpose looks for in a signer
	// certificate; nonRepudiation (contentCommitment) marks a signature meant as consent.
	gostSignerExt = `basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always`
)

// createGOSTMaterial generates the GOST CA and signing certificate into dir with the openssl
// binary, its gost engine loaded by conf.
func createGOSTMaterial(ctx context.Context, dir, conf string) error {
	path := func(name string) string { return filepath.Join(dir, name) }
	days := func(d time.Duration) string { return strconv.Itoa(int(d / (24 * time.Hour))) }

	genKey := func(name string) error {
		// The key passes through a pipe into a 0600 file; it is never logged.
		key, err := runOpenSSL(ctx, conf, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:"+gostParamSet)
		if err != nil {
			return fmt.Errorf("generate GOST key: %w", err)
		}
		return writeNewFile(path(name), key, 0o600)
	}
	serial := func() (string, error) {
		n, err := randomSerial()
		if err != nil {
			return "", err
		}
		return "0x" + n.Text(16), nil
	}

	if err := genKey(fileCAKey); err != nil {
		return err
	}
	if err := writeNewFile(path("ca.cnf"), []byte(reqConfig(devCAName, gostCAExt)), 0o600); err != nil {
		return err
	}
	caSerial, err := serial()
	if err != nil {
		return err
	}
	caPEM, err := runOpenSSL(ctx, conf, nil, "req", "-new", "-x509", "-utf8",
		"-config", path("ca.cnf"), "-extensions", "ext", "-key", path(fileCAKey),
		"-md_gost12_256", "-days", days(devCAValidity), "-set_serial", caSerial)
	if err != nil {
		return fmt.Errorf("issue GOST CA certificate: %w", err)
	}
	if err := writeNewFile(path(fileCACert), caPEM, 0o644); err != nil {
		return err
	}

	if err := genKey(fileSignerKey); err != nil {
		return err
	}
	if err := writeNewFile(path("signer.cnf"), []byte(reqConfig(devSignerName, gostSignerExt)), 0o600); err != nil {
		return err
	}
	csr, err := runOpenSSL(ctx, conf, nil, "req", "-new", "-utf8", "-config", path("signer.cnf"), "-key", path(fileSignerKey))
	if err != nil {
		return fmt.Errorf("make GOST certificate request: %w", err)
	}
	leafSerial, err := serial()
	if err != nil {
		return err
	}
	leafPEM, err := runOpenSSL(ctx, conf, csr, "x509", "-req",
		"-CA", path(fileCACert), "-CAkey", path(fileCAKey), "-set_serial", leafSerial,
		"-md_gost12_256", "-days", days(devLeafValidity),
		"-extfile", path("signer.cnf"), "-extensions", "ext")
	if err != nil {
		return fmt.Errorf("issue GOST signing certificate: %w", err)
	}
	if err := writeNewFile(path(fileSignerCrt), leafPEM, 0o644); err != nil {
		return err
	}
	for _, name := range []string{"ca.cnf", "signer.cnf"} {
		if err := os.Remove(path(name)); err != nil {
			return err
		}
	}
	return nil
}

// createECDSAMaterial generates the ECDSA P-256 CA and signing certificate into dir.
func createECDSAMaterial(dir string) error {
	// Backdated by an hour so that a verifier whose clock is a little behind ours, or a
	// signing time taken just before the PKI was created, still falls inside the validity.
	now := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	name := func(cn string) pkix.Name {
		return pkix.Name{Country: []string{devCountry}, Organization: []string{devOrganisation}, CommonName: cn}
	}

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate ECDSA key: %w", err)
	}
	caSerial, err := randomSerial()
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               name(devCAName),
		NotBefore:             now,
		NotAfter:              now.Add(devCAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("issue ECDSA CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return fmt.Errorf("issue ECDSA CA certificate: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate ECDSA key: %w", err)
	}
	leafSerial, err := randomSerial()
	if err != nil {
		return err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber:          leafSerial,
		Subject:               name(devSignerName),
		NotBefore:             now,
		NotAfter:              now.Add(devLeafValidity),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("issue ECDSA signing certificate: %w", err)
	}

	for _, f := range []struct {
		name string
		key  *ecdsa.PrivateKey
		der  []byte
	}{{fileCAKey, caKey, nil}, {fileCACert, nil, caDER}, {fileSignerKey, leafKey, nil}, {fileSignerCrt, nil, leafDER}} {
		block, perm := &pem.Block{Type: "CERTIFICATE", Bytes: f.der}, os.FileMode(0o644)
		if f.key != nil {
			der, err := x509.MarshalPKCS8PrivateKey(f.key)
			if err != nil {
				return fmt.Errorf("encode ECDSA key: %w", err)
			}
			block, perm = &pem.Block{Type: "PRIVATE KEY", Bytes: der}, 0o600
		}
		if err := writeNewFile(filepath.Join(dir, f.name), pem.EncodeToMemory(block), perm); err != nil {
			return err
		}
	}
	return nil
}
