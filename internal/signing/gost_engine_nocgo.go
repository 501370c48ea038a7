//go:build !cgo

package signing

// Without cgo there is no libcrypto in process: the package still builds (CGO_ENABLED=0, a
// cross-compile) and New falls back to ECDSA, but GOST signing is unavailable.

type gostEngineInfo struct {
	ScrubOnFree, SecureHeap, SecureHeapLocked bool
}

type gostKey struct{}

func gostEngine() (gostEngineInfo, error)             { return gostEngineInfo{}, errGOSTNeedsCgo }
func loadGOSTKey(string) (*gostKey, error)            { return nil, errGOSTNeedsCgo }
func parseGOSTPublicKey([]byte) (*gostKey, error)     { return nil, errGOSTNeedsCgo }
func streebog256([]byte) ([]byte, error)              { return nil, errGOSTNeedsCgo }
func (*gostKey) matches(*gostKey) (bool, error)       { return false, errGOSTNeedsCgo }
func (*gostKey) inSecureHeap() bool                   { return false }
func (*gostKey) sign([]byte) ([]byte, error)          { return nil, errGOSTNeedsCgo }
func (*gostKey) verify(tbs, sig []byte) (bool, error) { return false, errGOSTNeedsCgo }
