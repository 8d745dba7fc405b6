/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL 3 behind crypto.h: the private library context (default + legacy providers), the
 * algorithms fetched from it once at start-up, and the hashes, MACs and RC4 built on them.
 */
#include "crypto/crypto.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "core/log.h"
#include "crypto/crypto_internal.h"

/*
 * Written only by crypto_init/crypto_shutdown, which run before the worker threads start and
 * after they stop; read-only in between. Sharing the fetched objects is then safe: every call
 * makes its own EVP_*_CTX, and OpenSSL only touches a fetched object's reference count (atomically)
 * when a context takes it.
 */
static struct {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *prov_default;
	OSSL_PROVIDER *prov_legacy;
	EVP_MD *md4;
	EVP_MD *md5;
	EVP_MD *sha256;
	EVP_MD *sha512;
	EVP_CIPHER *rc4;
	/* Not used directly: the CMAC and GMAC implementations fetch them by name from libctx on
	 * every init. Holding them makes a missing cipher fail at start-up and keeps them cached. */
	EVP_CIPHER *aes128_cbc;
	EVP_CIPHER *aes128_gcm;
	EVP_MAC *hmac;
	EVP_MAC *cmac;
} g;

/* Names the MAC implementations look up inside g.libctx. */
#define HMAC_MD5_DIGEST    "MD5"
#define HMAC_SHA256_DIGEST "SHA2-256"
#define CMAC_CIPHER        "AES-128-CBC"
#define GMAC_CIPHER        "AES-128-GCM"
#define GMAC_NONCE_SIZE    12
#define AES128_KEY_SIZE    16
#define RC4_MAX_KEY        256
/* EVP_*Update take an int length: feed longer buffers in pieces of this size. */
#define EVP_CHUNK          (1 << 30)

/* The newest OpenSSL error of this thread as text, and the thread's error queue emptied. */
static const char *openssl_error_text(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "no OpenSSL error recorded");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static bool fetched(const void *obj, const char *what)
{
	char err[256];

	if (obj != NULL)
		return true;
	log_err("crypto: cannot fetch %s: %s", what, openssl_error_text(err, sizeof(err)));
	return false;
}

bool crypto_init(void)
{
	char err[256];

	if (g.libctx != NULL)
		return true;

	g.libctx = OSSL_LIB_CTX_new();
	if (g.libctx == NULL) {
		log_err("crypto: OSSL_LIB_CTX_new failed: %s", openssl_error_text(err, sizeof(err)));
		goto fail;
	}
	/* Both providers go into the private context only: MD4 and RC4 stay unavailable to any other
	 * OpenSSL user in the process. */
	g.prov_default = OSSL_PROVIDER_load(g.libctx, "default");
	g.prov_legacy = OSSL_PROVIDER_load(g.libctx, "legacy");
	if (g.prov_default == NULL || g.prov_legacy == NULL) {
		log_err("crypto: cannot load the OpenSSL %s provider: %s",
			g.prov_default == NULL ? "default" : "legacy", openssl_error_text(err, sizeof(err)));
		goto fail;
	}

	g.md4 = EVP_MD_fetch(g.libctx, "MD4", NULL);
	g.md5 = EVP_MD_fetch(g.libctx, "MD5", NULL);
	g.sha256 = EVP_MD_fetch(g.libctx, "SHA2-256", NULL);
	g.sha512 = EVP_MD_fetch(g.libctx, "SHA2-512", NULL);
	g.rc4 = EVP_CIPHER_fetch(g.libctx, "RC4", NULL);
	g.aes128_cbc = EVP_CIPHER_fetch(g.libctx, CMAC_CIPHER, NULL);
	g.aes128_gcm = EVP_CIPHER_fetch(g.libctx, GMAC_CIPHER, NULL);
	g.hmac = EVP_MAC_fetch(g.libctx, "HMAC", NULL);
	g.cmac = EVP_MAC_fetch(g.libctx, "CMAC", NULL);
	if (!fetched(g.md4, "MD4") || !fetched(g.md5, "MD5") || !fetched(g.sha256, "SHA-256") ||
	    !fetched(g.sha512, "SHA-512") || !fetched(g.rc4, "RC4") ||
	    !fetched(g.aes128_cbc, CMAC_CIPHER) || !fetched(g.aes128_gcm, GMAC_CIPHER) ||
	    !fetched(g.hmac, "HMAC") || !fetched(g.cmac, "CMAC"))
		goto fail;
	if (!crypto_encrypt_init(g.libctx))
		goto fail;
	return true;

fail:
	crypto_shutdown();
	return false;
}

void crypto_shutdown(void)
{
	crypto_encrypt_shutdown();
	EVP_MAC_free(g.cmac);
	EVP_MAC_free(g.hmac);
	EVP_CIPHER_free(g.aes128_gcm);
	EVP_CIPHER_free(g.aes128_cbc);
	EVP_CIPHER_free(g.rc4);
	EVP_MD_free(g.sha512);
	EVP_MD_free(g.sha256);
	EVP_MD_free(g.md5);
	EVP_MD_free(g.md4);
	if (g.prov_legacy != NULL)
		OSSL_PROVIDER_unload(g.prov_legacy);
	if (g.prov_default != NULL)
		OSSL_PROVIDER_unload(g.prov_default);
	OSSL_LIB_CTX_free(g.libctx);
	memset(&g, 0, sizeof(g));
}

bool crypto_random(void *buf, size_t n)
{
	if (n == 0)
		return true;
	if (buf == NULL)
		return false;
	/* With g.libctx still NULL this draws from the default context, which is as good. */
	if (RAND_bytes_ex(g.libctx, buf, n, 0) != 1) {
		ERR_clear_error();
		return false;
	}
	return true;
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return true;
	return CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_wipe(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

static bool parts_valid(const struct crypto_part *parts, size_t n)
{
	if (n > 0 && parts == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (parts[i].p == NULL && parts[i].len > 0)
			return false;
	return true;
}

/* One-shot digest of the concatenated parts; out holds exactly outlen bytes. */
static bool digest_parts(const EVP_MD *md, const struct crypto_part *parts, size_t n,
			 uint8_t *out, unsigned int outlen)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned int got = 0;
	bool ok = false;

	if (md == NULL || out == NULL || !parts_valid(parts, n))
		goto out;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || !EVP_DigestInit_ex2(ctx, md, NULL))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len > 0 && !EVP_DigestUpdate(ctx, parts[i].p, parts[i].len))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, &got) || got != outlen)
		goto out;
	ok = true;
out:
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		if (out != NULL)
			explicit_bzero(out, outlen);
		ERR_clear_error();
	}
	return ok;
}

/* One-shot MAC of the concatenated parts; out holds exactly outlen bytes. */
static bool mac_parts(EVP_MAC *mac, const OSSL_PARAM *params, const uint8_t *key, size_t keylen,
		      const struct crypto_part *parts, size_t n, uint8_t *out, size_t outlen)
{
	/* EVP_MAC_init reads a NULL key as "keep the current key", and a fresh context has none:
	 * an empty key (legal for HMAC) must still be a non-NULL pointer. */
	static const uint8_t empty_key[1];
	EVP_MAC_CTX *ctx = NULL;
	size_t got = 0;
	bool ok = false;

	if (mac == NULL || out == NULL || (key == NULL && keylen > 0) || !parts_valid(parts, n))
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL || !EVP_MAC_init(ctx, keylen > 0 ? key : empty_key, keylen, params))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len > 0 && !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, out, &got, outlen) || got != outlen)
		goto out;
	ok = true;
out:
	EVP_MAC_CTX_free(ctx);  /* cleanses the key schedule */
	if (!ok) {
		if (out != NULL)
			explicit_bzero(out, outlen);
		ERR_clear_error();
	}
	return ok;
}

bool crypto_md4(const void *data, size_t len, uint8_t out[16])
{
	const struct crypto_part part = { data, len };

	return digest_parts(g.md4, &part, 1, out, 16);
}

bool crypto_md5(const void *data, size_t len, uint8_t out[16])
{
	const struct crypto_part part = { data, len };

	return digest_parts(g.md5, &part, 1, out, 16);
}

bool crypto_sha256(const struct crypto_part *parts, size_t n, uint8_t out[32])
{
	return digest_parts(g.sha256, parts, n, out, 32);
}

bool crypto_sha512(const struct crypto_part *parts, size_t n, uint8_t out[64])
{
	return digest_parts(g.sha512, parts, n, out, 64);
}

bool crypto_preauth_update(uint8_t hash[64], const void *msg, size_t len)
{
	/* MS-SMB2 3.3.5.4 / 3.3.5.5: PreauthIntegrityHashValue = SHA-512(previous value || message). */
	const struct crypto_part parts[2] = { { hash, 64 }, { msg, len } };
	uint8_t next[64];

	if (hash == NULL || !crypto_sha512(parts, 2, next))
		return false;
	memcpy(hash, next, sizeof(next));
	return true;
}

bool crypto_hmac_md5(const uint8_t *key, size_t keylen, const struct crypto_part *parts, size_t n,
		     uint8_t out[16])
{
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, HMAC_MD5_DIGEST, 0),
		OSSL_PARAM_construct_end(),
	};

	return mac_parts(g.hmac, params, key, keylen, parts, n, out, 16);
}

bool crypto_hmac_sha256(const uint8_t *key, size_t keylen, const struct crypto_part *parts,
			size_t n, uint8_t out[32])
{
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, HMAC_SHA256_DIGEST, 0),
		OSSL_PARAM_construct_end(),
	};

	return mac_parts(g.hmac, params, key, keylen, parts, n, out, 32);
}

bool crypto_aes128_cmac(const uint8_t key[16], const struct crypto_part *parts, size_t n,
			uint8_t out[16])
{
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, CMAC_CIPHER, 0),
		OSSL_PARAM_construct_end(),
	};

	if (key == NULL)
		return false;
	return mac_parts(g.cmac, params, key, AES128_KEY_SIZE, parts, n, out, 16);
}

bool crypto_aes128_gmac(const uint8_t key[16], const uint8_t nonce[12],
			const struct crypto_part *parts, size_t n, uint8_t out[16])
{
	if (key == NULL || nonce == NULL || out == NULL || !parts_valid(parts, n))
		return false;
	return crypto_gmac_cached(key, nonce, parts, n, out);
}

/* RC4 (NTLM key exchange and sealing, MS-NLMP 3.4.3). */

struct crypto_rc4_state {
	EVP_CIPHER_CTX *ctx;
};

static EVP_CIPHER_CTX *rc4_ctx_new(const uint8_t *key, size_t keylen)
{
	EVP_CIPHER_CTX *ctx;

	if (g.rc4 == NULL || key == NULL || keylen == 0 || keylen > RC4_MAX_KEY)
		return NULL;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return NULL;
	/* RC4 starts out with a 16-byte key length: set the real one before the key goes in. */
	if (!EVP_EncryptInit_ex2(ctx, g.rc4, NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_key_length(ctx, (int)keylen) ||
	    !EVP_EncryptInit_ex2(ctx, NULL, key, NULL, NULL)) {
		EVP_CIPHER_CTX_free(ctx);
		ERR_clear_error();
		return NULL;
	}
	return ctx;
}

static bool rc4_run(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t len, uint8_t *out)
{
	if (len > 0 && (in == NULL || out == NULL))
		return false;
	while (len > 0) {
		int chunk = len > EVP_CHUNK ? EVP_CHUNK : (int)len;
		int done = 0;

		/* OpenSSL accepts in == out but refuses partly overlapping buffers. */
		if (!EVP_EncryptUpdate(ctx, out, &done, in, chunk) || done != chunk) {
			ERR_clear_error();
			return false;
		}
		in += chunk;
		out += chunk;
		len -= (size_t)chunk;
	}
	return true;
}

bool crypto_rc4(const uint8_t *key, size_t keylen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = rc4_ctx_new(key, keylen);
	bool ok = ctx != NULL && rc4_run(ctx, in, len, out);

	EVP_CIPHER_CTX_free(ctx);
	/* Half a key stream applied is worse than none: leave no partial output behind. */
	if (!ok && out != NULL)
		explicit_bzero(out, len);
	return ok;
}

struct crypto_rc4_state *crypto_rc4_new(const uint8_t *key, size_t keylen)
{
	struct crypto_rc4_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->ctx = rc4_ctx_new(key, keylen);
	if (st->ctx == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

bool crypto_rc4_update(struct crypto_rc4_state *st, const uint8_t *in, size_t len, uint8_t *out)
{
	if (st == NULL)
		return false;
	return rc4_run(st->ctx, in, len, out);
}

void crypto_rc4_free(struct crypto_rc4_state *st)
{
	if (st == NULL)
		return;
	EVP_CIPHER_CTX_free(st->ctx);  /* the provider cleanses the RC4 state */
	free(st);
}
