// The C half of gost_engine.go: its cgo preamble includes this file, so everything here is
// compiled in that one translation unit and the static functions and state stay private to it.
// It is only ever built with cgo (gost_engine.go carries //go:build cgo).

#include <openssl/opensslv.h> // from Debian package libssl-dev: deploy/install-deps.sh installs it
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "profdev's GOST signer needs OpenSSL 3 (Debian libssl-dev and libengine-gost-openssl)"
#endif
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define PD_SIG_SIZE 64
#define PD_DIGEST_SIZE 32
#define PD_MAX_KEY_FILE (64 * 1024)

// Every pd_ function returns 1 on success and 0 on failure, when *err is a malloc'd message
// (or NULL if even that could not be allocated) for the Go side to free.

// pd_error returns a malloc'd message: what, then OpenSSL's queued errors (which name
// operations and files, never key material), and empties the queue.
static char *pd_error(const char *what) {
	size_t cap = 1024, used;
	char *s = malloc(cap);
	unsigned long code;
	const char *data = NULL;
	int flags = 0;

	if (s == NULL) {
		ERR_clear_error();
		return NULL;
	}
	snprintf(s, cap, "%s", what);
	while ((code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		char one[256];
		ERR_error_string_n(code, one, sizeof one);
		used = strlen(s);
		if (used + 8 >= cap)
			continue;
		if ((flags & ERR_TXT_STRING) && data != NULL && *data != '\0')
			snprintf(s + used, cap - used, ": %s (%s)", one, data);
		else
			snprintf(s + used, cap - used, ": %s", one);
	}
	return s;
}

static int pd_fail(char **err, const char *what) {
	*err = pd_error(what);
	return 0;
}

// Scrub-on-free allocator for libcrypto, with the semantics of OpenSSL's defaults.
static void *pd_malloc(size_t n, const char *file, int line) {
	(void)file; (void)line;
	return n == 0 ? NULL : malloc(n);
}

static void pd_free(void *p, const char *file, int line) {
	(void)file; (void)line;
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *pd_realloc(void *p, size_t n, const char *file, int line) {
	size_t old;
	void *q;

	if (p == NULL)
		return pd_malloc(n, file, line);
	if (n == 0) {
		pd_free(p, file, line);
		return NULL;
	}
	old = malloc_usable_size(p);
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	pd_free(p, file, line);
	return q;
}

static ENGINE *pd_engine;
static const EVP_MD *pd_streebog;

// pd_gost_init sets up libcrypto and the gost engine (the Go side serialises calls and stops
// calling after a success). It reports what the hardening got: *scrub is 1 when pd_free is
// libcrypto's allocator (possible only before libcrypto's first allocation, so the first call
// makes it); *secheap is what CRYPTO_secure_malloc_init returned: 0 no secure heap, 1 locked
// in memory and excluded from core dumps, 2 in use but mlock (RLIMIT_MEMLOCK) or
// madvise(MADV_DONTDUMP) was refused.
static int pd_gost_init(size_t secheap_size, int *scrub, int *secheap, char **err) {
	static int tried, mem_ok, sh_status;
	ENGINE *e;
	const EVP_MD *md;

	if (!tried) {
		tried = 1;
		mem_ok = CRYPTO_set_mem_functions(pd_malloc, pd_realloc, pd_free);
		if (!CRYPTO_secure_malloc_initialized())
			sh_status = CRYPTO_secure_malloc_init(secheap_size, 16);
	}
	*scrub = mem_ok;
	*secheap = sh_status;
	*err = NULL;
	ERR_clear_error();

	if (!OPENSSL_init_crypto(OPENSSL_INIT_ENGINE_DYNAMIC, NULL))
		return pd_fail(err, "initialise libcrypto");
	// Finds gost.so in OpenSSL's engines directory, or in $OPENSSL_ENGINES.
	if ((e = ENGINE_by_id("gost")) == NULL)
		return pd_fail(err, "load the gost engine");
	if (!ENGINE_init(e)) {
		ENGINE_free(e);
		return pd_fail(err, "initialise the gost engine");
	}
	// What default_algorithms = ALL does in OpenSSLConfig(): the engine serves its digests,
	// key formats and signatures to every libcrypto call in this process (profdev makes no
	// other use of libcrypto).
	if (!ENGINE_set_default(e, ENGINE_METHOD_ALL)) {
		pd_fail(err, "make the gost engine the default for GOST algorithms");
		ENGINE_finish(e);
		ENGINE_free(e);
		return 0;
	}
	if ((md = ENGINE_get_digest(e, NID_id_GostR3411_2012_256)) == NULL) {
		pd_fail(err, "the gost engine has no GOST R 34.11-2012 (256) digest");
		ENGINE_finish(e);
		ENGINE_free(e);
		return 0;
	}
	ENGINE_free(e); // the functional reference ENGINE_init took keeps it loaded for good
	pd_engine = e;
	pd_streebog = md;
	return 1;
}

static int pd_no_passphrase(char *buf, int size, int rwflag, void *u) {
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1; // an encrypted key is refused rather than prompted for on a terminal
}

// pd_gost_load_key reads the PEM private key at path straight into the secure heap (no stdio
// buffer), decodes it, and wipes the file's bytes.
static int pd_gost_load_key(const char *path, EVP_PKEY **out, char **err) {
	int fd, ok = 0;
	struct stat st;
	char *buf = NULL;
	size_t got = 0, size;
	ssize_t n;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	char msg[160];

	*out = NULL;
	*err = NULL;
	ERR_clear_error();
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(msg, sizeof msg, "open: %s", strerror(errno));
		return pd_fail(err, msg);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > PD_MAX_KEY_FILE) {
		close(fd);
		snprintf(msg, sizeof msg, "not a regular file of 1 to %d bytes", PD_MAX_KEY_FILE);
		return pd_fail(err, msg);
	}
	size = (size_t)st.st_size;
	if ((buf = OPENSSL_secure_malloc(size)) == NULL) {
		close(fd);
		return pd_fail(err, "allocate secure memory for the key");
	}
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != size) {
		pd_fail(err, "short read");
		goto out;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)got)) == NULL) {
		pd_fail(err, "read");
		goto out;
	}
	if ((key = PEM_read_bio_PrivateKey(bio, NULL, pd_no_passphrase, NULL)) == NULL) {
		pd_fail(err, "decode (want an unencrypted PKCS#8 PEM GOST key)");
		goto out;
	}
	if (EVP_PKEY_get_base_id(key) != NID_id_GostR3410_2012_256) {
		const char *sn = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
		snprintf(msg, sizeof msg, "holds a key of type %s, want GOST R 34.10-2012 (256) (gost2012_256)", sn ? sn : "non-GOST");
		EVP_PKEY_free(key);
		pd_fail(err, msg);
		goto out;
	}
	*out = key;
	ok = 1;
out:
	BIO_free(bio);
	OPENSSL_secure_clear_free(buf, size);
	return ok;
}

// pd_gost_public_key decodes a DER SubjectPublicKeyInfo (a certificate's).
static int pd_gost_public_key(const unsigned char *spki, long len, EVP_PKEY **out, char **err) {
	const unsigned char *p = spki;
	EVP_PKEY *key;

	*out = NULL;
	*err = NULL;
	ERR_clear_error();
	if ((key = d2i_PUBKEY(NULL, &p, len)) == NULL)
		return pd_fail(err, "decode the public key");
	if (EVP_PKEY_get_base_id(key) != NID_id_GostR3410_2012_256) {
		EVP_PKEY_free(key);
		return pd_fail(err, "not a GOST R 34.10-2012 (256) public key");
	}
	*out = key;
	return 1;
}

// pd_gost_key_match sets *match to 1 when priv and pub are the two halves of one key pair.
static int pd_gost_key_match(EVP_PKEY *priv, EVP_PKEY *pub, int *match, char **err) {
	int r;

	*err = NULL;
	ERR_clear_error();
	r = EVP_PKEY_eq(priv, pub);
	*match = r == 1;
	if (r < 0)
		return pd_fail(err, "compare the key with the certificate's");
	ERR_clear_error();
	return 1;
}

// pd_gost_key_secure returns 1 when the private scalar of key is in the secure heap.
static int pd_gost_key_secure(EVP_PKEY *key) {
	const EC_KEY *ec = EVP_PKEY_get0(key); // the gost engine keeps an EC_KEY
	const BIGNUM *d;

	if (ec == NULL || (d = EC_KEY_get0_private_key(ec)) == NULL)
		return 0;
	return CRYPTO_secure_malloc_initialized() && BN_get_flags(d, BN_FLG_SECURE) != 0;
}

// pd_streebog256 writes the GOST R 34.11-2012 256-bit digest of data[:len] to out[:32].
static int pd_streebog256(const unsigned char *data, size_t len, unsigned char *out, char **err) {
	unsigned int n = 0;

	*err = NULL;
	ERR_clear_error();
	if (!EVP_Digest(data, len, out, &n, pd_streebog, pd_engine))
		return pd_fail(err, "GOST R 34.11-2012 digest");
	if (n != PD_DIGEST_SIZE)
		return pd_fail(err, "GOST R 34.11-2012 digest: not 32 bytes");
	return 1;
}

// pd_gost_sign signs tbs[:len] as `openssl dgst -md_gost12_256 -sign` does: Streebog-256 of
// tbs, then GOST R 34.10-2012 of that digest; sig[:64] receives the signature.
static int pd_gost_sign(EVP_PKEY *key, const unsigned char *tbs, size_t len, unsigned char *sig, char **err) {
	EVP_MD_CTX *ctx;
	size_t siglen = PD_SIG_SIZE;
	int ok = 0;

	*err = NULL;
	ERR_clear_error();
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return pd_fail(err, "allocate a digest context");
	// One signature per context: spares DigestSignFinal a copy of the context.
	EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
	if (EVP_DigestSignInit(ctx, NULL, pd_streebog, pd_engine, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, tbs, len) != 1)
		pd_fail(err, "sign");
	else if (siglen != PD_SIG_SIZE)
		pd_fail(err, "the signature is not 64 bytes (not a 256-bit key?)");
	else
		ok = 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

// pd_gost_verify sets *valid to 1 when sig[:siglen] is a signature of tbs[:len] by pub.
static int pd_gost_verify(EVP_PKEY *pub, const unsigned char *tbs, size_t len,
                          const unsigned char *sig, size_t siglen, int *valid, char **err) {
	EVP_MD_CTX *ctx;
	int ok = 0, r;

	*valid = 0;
	*err = NULL;
	ERR_clear_error();
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return pd_fail(err, "allocate a digest context");
	if (EVP_DigestVerifyInit(ctx, NULL, pd_streebog, pd_engine, pub) != 1) {
		pd_fail(err, "verify");
	} else if ((r = EVP_DigestVerify(ctx, sig, siglen, tbs, len)) < 0) {
		pd_fail(err, "verify");
	} else {
		*valid = r == 1;
		ok = 1;
		ERR_clear_error(); // a mismatch queues "signature mismatch"
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}
