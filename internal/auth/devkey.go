package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// pemTypePKCS8 is the PEM block type of a PKCS#8 private key (RFC 7468 §10).
const pemTypePKCS8 = "PRIVATE KEY"

// LoadOrCreateDevKey returns the ECDSA P-256 key stored at path as a PKCS#8 PEM, creating
// it when the file does not exist, so that tokens minted by `profdev dev` stay valid across
// restarts. The file is written with mode 0600 (its directory, if created, 0700) and
// appears complete or not at all: a crash never leaves a half-written key behind.
//
// An existing file that cannot be read as such a key is an error, never overwritten: it
// may be someone's key. Errors name the path but never contain key material.
func LoadOrCreateDevKey(path string) (*ecdsa.PrivateKey, error) {
	if path == "" {
		return nil, errors.New("load dev key: empty path")
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return parseDevKey(path, data)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("load dev key: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("create dev key: generate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("create dev key: encode: %w", err)
	}
	created, err := createFileAtomically(path, pem.EncodeToMemory(&pem.Block{Type: pemTypePKCS8, Bytes: der}))
	if err != nil {
		return nil, fmt.Errorf("create dev key: %w", err)
	}
	if !created {
		// Another process created the key between our read and our write; use theirs so
		// both processes sign with the same key.
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("load dev key: %w", err)
		}
		return parseDevKey(path, data)
	}
	return key, nil
}

// parseDevKey decodes a PKCS#8 PEM holding an ECDSA P-256 key.
func parseDevKey(path string, data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemTypePKCS8 {
		return nil, fmt.Errorf("load dev key %s: no %q PEM block (want PKCS#8)", path, pemTypePKCS8)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load dev key %s: %w", path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("load dev key %s: want an ECDSA P-256 key, got %T", path, parsed)
	}
	if key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("load dev key %s: want an ECDSA P-256 key, got curve %s", path, key.Curve.Params().Name)
	}
	return key, nil
}

// createFileAtomically writes data to a temporary file with mode 0600 next to path, then
// gives it the name path. It reports false, without error, when path already exists.
//
// A hard link is tried first because, unlike rename, it refuses to replace an existing
// file: two processes racing to create the key both end up with the one that landed first.
// On file systems without hard links it falls back to rename, which is atomic as well but
// last-writer-wins.
func createFileAtomically(path string, data []byte) (created bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return false, err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a link the temporary name is surplus; after rename, gone
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write %s: %w", tmpName, err)
	}
	// Sync before naming the file, or a crash could leave the name on an empty file.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("sync %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("close %s: %w", tmpName, err)
	}

	err = os.Link(tmpName, path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	if err := os.Rename(tmpName, path); err != nil {
		return false, fmt.Errorf("rename into place: %w", err)
	}
	return true, nil
}
