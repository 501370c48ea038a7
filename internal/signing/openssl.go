package signing

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// installHint is part of every error that means "the GOST engine is missing".
const installHint = "install the GOST engine for OpenSSL with `apt-get install -y libengine-gost-openssl` (or run `make deps`)"

// VerifyConfigName is the file VerifyConfig writes into its directory.
const VerifyConfigName = "openssl-gost.cnf"

// gostConfig loads the gost engine into every OpenSSL command started with OPENSSL_CONF
// pointing at it. There is no dynamic_path on purpose: OpenSSL then finds gost.so in its own
// engines directory (or $OPENSSL_ENGINES), so the same file works on any distribution.
// default_algorithms = ALL makes the engine serve the GOST digests and signatures that
// `openssl cms -verify` meets in a signature, without a -engine flag on the command line.
const gostConfig = `# Written by profdev (internal/signing): loads the GOST engine (Debian package
# libengine-gost-openssl) so stock OpenSSL can verify GOST R 34.10-2012 signatures:
#
#   OPENSSL_CONF=/path/to/this/file openssl cms -verify -binary -inform DER \
#       -in sig.der -content document.pdf -CAfile ca.pem -out /dev/null
#
# It replaces the system openssl.cnf for that command only.
openssl_conf = openssl_init

[openssl_init]
engines = engine_section

[engine_section]
gost = gost_section

[gost_section]
engine_id = gost
default_algorithms = ALL
`

// OpenSSLConfig returns the content of an OpenSSL configuration that loads the gost engine;
// with OPENSSL_CONF naming a file holding it, the stock `openssl cms -verify` checks GOST
// signatures. VerifyConfig writes it to a file.
func OpenSSLConfig() []byte { return []byte(gostConfig) }

// VerifyConfig writes OpenSSLConfig() to dir/openssl-gost.cnf (unless it is there already)
// and returns the file's path, for use as OPENSSL_CONF when verifying GOST signatures.
func VerifyConfig(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("openssl config: empty directory")
	}
	path := filepath.Join(dir, VerifyConfigName)
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, OpenSSLConfig()) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("openssl config: %w", err)
	}
	if err := replaceFile(path, OpenSSLConfig(), 0o644); err != nil {
		return "", fmt.Errorf("openssl config: %w", err)
	}
	return path, nil
}

// Streebog-256 of the 63-byte message M1 of GOST R 34.11-2012, appendix A.1: checking it
// proves the engine is loaded through our configuration and computes the right function.
const (
	streebogM1       = "012345678901234567890123456789012345678901234567890123456789012"
	streebogM1H256   = "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"
	gostCheckTimeout = 20 * time.Second
)

// GOSTAvailable returns nil when the gost engine works on this machine both in the openssl
// binary (which creates the development PKI, and which verifiers use) and in this process's
// libcrypto (which signs), which it finds out by running them: a Streebog test vector in
// both, and a throwaway GOST key from the binary. The error otherwise says how to install the
// engine.
func GOSTAvailable() error {
	if _, err := exec.LookPath("openssl"); err != nil {
		return fmt.Errorf("GOST signing needs the openssl binary: %w; install it with `apt-get install -y openssl libengine-gost-openssl`", err)
	}
	dir, err := os.MkdirTemp("", "profdev-gost-check-*")
	if err != nil {
		return fmt.Errorf("check GOST engine: %w", err)
	}
	defer os.RemoveAll(dir)
	conf, err := VerifyConfig(dir)
	if err != nil {
		return fmt.Errorf("check GOST engine: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), gostCheckTimeout)
	defer cancel()

	sum, err := runOpenSSL(ctx, conf, []byte(streebogM1), "dgst", "-md_gost12_256", "-binary")
	if err != nil {
		return fmt.Errorf("openssl cannot compute GOST R 34.11-2012 digests (gost engine not loaded): %w; %s", err, installHint)
	}
	if got := hex.EncodeToString(sum); got != streebogM1H256 {
		return fmt.Errorf("openssl's GOST R 34.11-2012 digest of the standard's test message is %s, want %s; %s", got, streebogM1H256, installHint)
	}
	// The key goes to a pipe and is dropped: only success matters.
	if _, err := runOpenSSL(ctx, conf, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A"); err != nil {
		return fmt.Errorf("openssl cannot generate GOST R 34.10-2012 keys (gost engine not loaded): %w; %s", err, installHint)
	}

	if _, err := gostEngine(); err != nil {
		if errors.Is(err, errGOSTNeedsCgo) {
			return err
		}
		return fmt.Errorf("GOST signing in process: %w; %s", err, installHint)
	}
	sum, err = streebog256([]byte(streebogM1))
	if err != nil {
		return fmt.Errorf("GOST signing in process: %w; %s", err, installHint)
	}
	if got := hex.EncodeToString(sum); got != streebogM1H256 {
		return fmt.Errorf("libcrypto's GOST R 34.11-2012 digest of the standard's test message is %s, want %s; %s", got, streebogM1H256, installHint)
	}
	return nil
}

// maxOpenSSLOutput bounds what we read from openssl: signatures, digests, keys and
// certificates are a few kilobytes.
const maxOpenSSLOutput = 1 << 20

// runOpenSSL runs `openssl args...` with OPENSSL_CONF=conf (when not empty), stdin as its
// standard input, and returns its standard output. Its error carries openssl's stderr only
// after redactStderr has checked it, because a failing openssl may print what it was fed.
func runOpenSSL(ctx context.Context, conf string, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "openssl", args...)
	cmd.Env = opensslEnv(conf)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr limitedBuffer
	stdout.limit, stderr.limit = maxOpenSSLOutput, 64<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Without WaitDelay a cancelled context kills openssl but Wait could still block on the
	// pipes if a child inherited them.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return nil, fmt.Errorf("openssl %s: %w: %s", args[0], err, redactStderr(stderr.Bytes()))
	}
	if stdout.overflow {
		return nil, fmt.Errorf("openssl %s: output exceeds %d bytes", args[0], maxOpenSSLOutput)
	}
	return stdout.Bytes(), nil
}

// opensslEnv is the process environment with OPENSSL_CONF replaced by conf.
func opensslEnv(conf string) []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if conf != "" && strings.HasPrefix(kv, "OPENSSL_CONF=") {
			continue
		}
		env = append(env, kv)
	}
	if conf != "" {
		env = append(env, "OPENSSL_CONF="+conf)
	}
	return env
}

// redactStderr makes openssl's stderr safe and short enough for an error message: it is
// withheld entirely when it contains anything PEM-like (a key must never reach a log) — the
// armour lines, or a long run of base64 as in a PEM body without them — and otherwise
// collapsed to one line of at most 400 bytes.
func redactStderr(b []byte) string {
	s := string(b)
	if strings.Contains(s, "-----BEGIN") || strings.Contains(s, "-----END") || pemBodyLine.MatchString(s) {
		return "(stderr withheld: it contains PEM data)"
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(no stderr)"
	}
	const max = 400
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// pemBodyLine matches 48 or more base64 characters in a row: a PEM body line is 64, and no
// openssl diagnostic has such a word.
var pemBodyLine = regexp.MustCompile(`[A-Za-z0-9+/=]{48,}`)

// limitedBuffer keeps the first limit bytes written to it and notes whether more came.
type limitedBuffer struct {
	bytes.Buffer
	limit    int
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); len(p) > room {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil // keep draining so openssl never blocks on a full pipe
	}
	return b.Buffer.Write(p)
}
