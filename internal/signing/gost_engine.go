//go:build cgo

package signing

// The GOST arithmetic in process: OpenSSL's libcrypto with the gost engine, the same code that
// `openssl dgst -md_gost12_256 -sign` runs, called through cgo instead of a subprocess.
//
// The signing key is read by C from its file into OpenSSL's secure heap and decoded there; it
// lives in libcrypto memory for the life of its gostKey and never enters the Go heap, a log or
// an error message. The secure heap is mmap'd apart from the rest of the process, excluded from
// core dumps (MADV_DONTDUMP) and, where RLIMIT_MEMLOCK allows, locked out of swap; OpenSSL
// keeps private EC scalars (BN_secure_new) in it. On top of that every block libcrypto frees
// is zeroed first (pd_free), so the transient copies made while decoding the key do not linger
// in freed heap memory either.
//
// OpenSSL's error queue is per thread and a goroutine may change threads between two cgo
// calls, so every C function below reads the queue itself and returns the text.

/*
#cgo LDFLAGS: -lcrypto
// The ENGINE API is deprecated in OpenSSL 3, but the Debian gost engine is an engine, not a
// provider.
#cgo CFLAGS: -Wno-deprecated-declarations

#include "gost_engine.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// gostEngineInfo is what the engine set-up achieved, for the signer's log line.
type gostEngineInfo struct {
	ScrubOnFree      bool // libcrypto zeroes every block it frees
	SecureHeap       bool // OpenSSL's secure heap is in use
	SecureHeapLocked bool // ... locked out of swap and excluded from core dumps (else one was refused)
}

var gostEngineState struct {
	sync.Mutex
	ready atomic.Bool
	info  gostEngineInfo
}

// gostEngine loads libcrypto's gost engine into this process the first time it succeeds; a
// failure is not remembered, so installing the engine and trying again works.
func gostEngine() (gostEngineInfo, error) {
	st := &gostEngineState
	if st.ready.Load() {
		return st.info, nil
	}
	st.Lock()
	defer st.Unlock()
	if st.ready.Load() {
		return st.info, nil
	}
	var scrub, secheap C.int
	var msg *C.char
	if C.pd_gost_init(C.size_t(gostSecureHeapSize), &scrub, &secheap, &msg) != 1 {
		return gostEngineInfo{}, fmt.Errorf("libcrypto with the gost engine, in process: %w", cError(msg))
	}
	st.info = gostEngineInfo{ScrubOnFree: scrub == 1, SecureHeap: secheap != 0, SecureHeapLocked: secheap == 1}
	st.ready.Store(true)
	return st.info, nil
}

// cError is the error of a failed pd_ call, its message freed.
func cError(msg *C.char) error {
	if msg == nil {
		return errors.New("libcrypto failed (and so did allocating its error message)")
	}
	defer C.free(unsafe.Pointer(msg))
	// libcrypto's messages carry no key material, but they pass the filter openssl's stderr
	// passes: nothing PEM-like ever reaches an error.
	return errors.New(redactStderr([]byte(C.GoString(msg))))
}

// cBytes is b as a C pointer, for the duration of one cgo call.
func cBytes(b []byte) *C.uchar { return (*C.uchar)(unsafe.Pointer(unsafe.SliceData(b))) }

// gostKey is a GOST R 34.10-2012 (256) key, private or public, held by libcrypto; it is freed
// (its secure memory wiped) once the gostKey is unreachable.
type gostKey struct {
	p *C.EVP_PKEY
}

func newGOSTKey(p *C.EVP_PKEY) *gostKey {
	k := &gostKey{p: p}
	runtime.AddCleanup(k, func(p *C.EVP_PKEY) { C.EVP_PKEY_free(p) }, p)
	return k
}

// loadGOSTKey reads the unencrypted PKCS#8 PEM private key at path. Errors name the file,
// never its content.
func loadGOSTKey(path string) (*gostKey, error) {
	if _, err := gostEngine(); err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var p *C.EVP_PKEY
	var msg *C.char
	if C.pd_gost_load_key(cpath, &p, &msg) != 1 {
		return nil, fmt.Errorf("GOST key %s: %w", path, cError(msg))
	}
	return newGOSTKey(p), nil
}

// parseGOSTPublicKey decodes a DER SubjectPublicKeyInfo holding a GOST R 34.10-2012 (256) key.
func parseGOSTPublicKey(spki []byte) (*gostKey, error) {
	if _, err := gostEngine(); err != nil {
		return nil, err
	}
	if len(spki) == 0 {
		return nil, errors.New("GOST public key: empty")
	}
	var p *C.EVP_PKEY
	var msg *C.char
	if C.pd_gost_public_key(cBytes(spki), C.long(len(spki)), &p, &msg) != 1 {
		return nil, fmt.Errorf("GOST public key: %w", cError(msg))
	}
	return newGOSTKey(p), nil
}

// matches reports whether k and pub are the private and public halves of one key pair.
func (k *gostKey) matches(pub *gostKey) (bool, error) {
	var match C.int
	var msg *C.char
	ok := C.pd_gost_key_match(k.p, pub.p, &match, &msg)
	runtime.KeepAlive(k)
	runtime.KeepAlive(pub)
	if ok != 1 {
		return false, cError(msg)
	}
	return match == 1, nil
}

// inSecureHeap reports whether the private scalar of k lives in OpenSSL's secure heap.
func (k *gostKey) inSecureHeap() bool {
	r := C.pd_gost_key_secure(k.p)
	runtime.KeepAlive(k)
	return r == 1
}

// sign returns the 64-byte GOST R 34.10-2012 signature of the Streebog-256 digest of tbs.
func (k *gostKey) sign(tbs []byte) ([]byte, error) {
	sig := make([]byte, gost256SigSize)
	var msg *C.char
	ok := C.pd_gost_sign(k.p, cBytes(tbs), C.size_t(len(tbs)), cBytes(sig), &msg)
	runtime.KeepAlive(k)
	if ok != 1 {
		return nil, cError(msg)
	}
	return sig, nil
}

// verify reports whether sig is a signature of tbs by k (a public or a private key).
func (k *gostKey) verify(tbs, sig []byte) (bool, error) {
	var valid C.int
	var msg *C.char
	ok := C.pd_gost_verify(k.p, cBytes(tbs), C.size_t(len(tbs)), cBytes(sig), C.size_t(len(sig)), &valid, &msg)
	runtime.KeepAlive(k)
	if ok != 1 {
		return false, cError(msg)
	}
	return valid == 1, nil
}

// streebog256 returns the GOST R 34.11-2012 256-bit digest of data, computed in process.
func streebog256(data []byte) ([]byte, error) {
	if _, err := gostEngine(); err != nil {
		return nil, err
	}
	sum := make([]byte, streebog256Size)
	var msg *C.char
	if C.pd_streebog256(cBytes(data), C.size_t(len(data)), cBytes(sum), &msg) != 1 {
		return nil, cError(msg)
	}
	return sum, nil
}
