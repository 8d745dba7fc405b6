/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB 3.x message encryption (MS-SMB2 3.1.4.3, 2.2.41 TRANSFORM_HEADER) with AES-CCM/GCM through
 * OpenSSL EVP, the per-session nonce generator, and the encryption key derivation (3.3.5.5.3).
 */
#include "crypto/crypto.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/buf.h"
#include "core/log.h"
#include "crypto/crypto_internal.h"

/* MS-SMB2 2.2.41 field offsets. */
#define TF_OFF_SIGNATURE   4
#define TF_OFF_NONCE       20
#define TF_OFF_ORIG_SIZE   36
#define TF_OFF_RESERVED    40
#define TF_OFF_FLAGS       42
#define TF_OFF_SESSION_ID  44
#define TF_AAD_OFF         TF_OFF_NONCE  /* 3.1.4.3: the header minus ProtocolId and Signature */
#define TF_AAD_SIZE        (CRYPTO_TRANSFORM_HDR_SIZE - TF_AAD_OFF)
/* 3.1.1 Flags = Encrypted; 3.0/3.0.2 EncryptionAlgorithm = SMB2_ENCRYPTION_AES128_CCM. */
#define TF_FLAG_ENCRYPTED  0x0001
#define TAG_SIZE           16

/* Every message goes through EVP in one update, whose length is an int. SMB2 messages stay
 * far below this (OriginalMessageSize is 32-bit anyway). */
#define ENCRYPT_MAX_LEN    ((size_t)INT_MAX)

#define CIPHER_SLOTS       5  /* indexed by enum smb2_cipher; slot 0 (NONE) unused */
enum { DIR_DECRYPT = 0, DIR_ENCRYPT = 1 };

static const uint8_t transform_protocol_id[4] = { 0xFD, 'S', 'M', 'B' };

static const struct cipher_info {
	const char *name;  /* OpenSSL algorithm name */
	size_t key_len;
	size_t nonce_len;  /* MS-SMB2 2.2.41: AES_CCM_Nonce 11 bytes, AES_GCM_Nonce 12 */
	bool ccm;
} ciphers[CIPHER_SLOTS] = {
	[SMB2_CIPHER_AES128_CCM] = { "AES-128-CCM", 16, 11, true },
	[SMB2_CIPHER_AES128_GCM] = { "AES-128-GCM", 16, 12, false },
	[SMB2_CIPHER_AES256_CCM] = { "AES-256-CCM", 32, 11, true },
	[SMB2_CIPHER_AES256_GCM] = { "AES-256-GCM", 32, 12, false },
};

/*
 * The fetched ciphers are written by crypto_encrypt_init/shutdown only (before workers start
 * and after they stop) and read-only in between, like crypto.c's. The pthread key lives for the
 * process: deleting it would not run the destructors of threads that still hold a cache.
 */
static struct {
	EVP_CIPHER *cipher[CIPHER_SLOTS];
} e;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;
static bool cache_key_ok;
/* Bumped by every init and shutdown: a thread's cache from an earlier crypto_init holds
 * contexts of ciphers that are gone, and must not be used (or freed: their provider went with
 * the old library context). */
static _Atomic uint64_t generation;

/*
 * One thread's EVP contexts, one per cipher and direction, kept between messages so an
 * encrypted 1 GiB read does not allocate and set up a context per 1 MiB message. Only its own
 * thread touches it; the key's destructor frees it when the thread exits.
 */
struct ctx_cache {
	uint64_t generation;
	EVP_CIPHER_CTX *ctx[CIPHER_SLOTS][2];
};

static void cache_free_contexts(struct ctx_cache *cache)
{
	for (size_t c = 0; c < CIPHER_SLOTS; c++)
		for (size_t d = 0; d < 2; d++) {
			EVP_CIPHER_CTX_free(cache->ctx[c][d]);  /* cleanses the key schedule */
			cache->ctx[c][d] = NULL;
		}
}

static void cache_destroy(void *p)
{
	struct ctx_cache *cache = p;

	if (cache == NULL)
		return;
	if (cache->generation == atomic_load(&generation))
		cache_free_contexts(cache);
	/* else: contexts of a shut-down library context; leaking them is the only safe choice,
	 * and only a thread that outlived crypto_shutdown (against its contract) gets here. */
	free(cache);
}

static void cache_key_create(void)
{
	cache_key_ok = pthread_key_create(&cache_key, cache_destroy) == 0;
}

static const struct cipher_info *cipher_lookup(enum smb2_cipher c)
{
	if ((unsigned)c >= CIPHER_SLOTS || ciphers[c].name == NULL)
		return NULL;
	return &ciphers[c];
}

bool crypto_encrypt_init(OSSL_LIB_CTX *libctx)
{
	char err[256];

	pthread_once(&cache_key_once, cache_key_create);
	if (!cache_key_ok) {
		log_err("crypto: cannot create the thread-local cipher context key");
		return false;
	}
	for (size_t c = 0; c < CIPHER_SLOTS; c++) {
		if (ciphers[c].name == NULL)
			continue;
		e.cipher[c] = EVP_CIPHER_fetch(libctx, ciphers[c].name, NULL);
		if (e.cipher[c] == NULL) {
			ERR_error_string_n(ERR_peek_last_error(), err, sizeof(err));
			ERR_clear_error();
			log_err("crypto: cannot fetch %s: %s", ciphers[c].name, err);
			crypto_encrypt_shutdown();
			return false;
		}
	}
	atomic_fetch_add(&generation, 1);
	return true;
}

void crypto_encrypt_shutdown(void)
{
	/* The calling thread's contexts can still be freed properly; other threads have exited
	 * (and freed theirs) by contract. */
	if (cache_key_ok) {
		struct ctx_cache *cache = pthread_getspecific(cache_key);

		if (cache != NULL && cache->generation == atomic_load(&generation))
			cache_free_contexts(cache);
	}
	atomic_fetch_add(&generation, 1);
	for (size_t c = 0; c < CIPHER_SLOTS; c++) {
		EVP_CIPHER_free(e.cipher[c]);
		e.cipher[c] = NULL;
	}
}

/* This thread's context for (cipher, direction), set up with the SMB nonce and tag lengths;
 * NULL before crypto_init or on allocation failure. */
static EVP_CIPHER_CTX *ctx_get(enum smb2_cipher c, int dir)
{
	const struct cipher_info *ci = &ciphers[c];
	uint64_t gen = atomic_load(&generation);
	struct ctx_cache *cache;
	EVP_CIPHER_CTX *ctx;

	if (!cache_key_ok || e.cipher[c] == NULL)
		return NULL;
	cache = pthread_getspecific(cache_key);
	if (cache == NULL) {
		cache = calloc(1, sizeof(*cache));
		if (cache == NULL)
			return NULL;
		if (pthread_setspecific(cache_key, cache) != 0) {
			free(cache);
			return NULL;
		}
		cache->generation = gen;
	} else if (cache->generation != gen) {
		/* See cache_destroy: stale contexts are dropped, not freed. */
		memset(cache->ctx, 0, sizeof(cache->ctx));
		cache->generation = gen;
	}
	if (cache->ctx[c][dir] != NULL)
		return cache->ctx[c][dir];

	/*
	 * The lengths go in before any key: OpenSSL's CCM fixes its L (= 15 - nonce length) and M
	 * (tag length) when the key is set. A NULL tag with a size sets M without a tag value.
	 */
	size_t ivlen = ci->nonce_len;
	OSSL_PARAM params[3];
	size_t n = 0;

	params[n++] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen);
	if (ci->ccm)
		params[n++] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL,
								 TAG_SIZE);
	params[n] = OSSL_PARAM_construct_end();
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || !EVP_CipherInit_ex2(ctx, e.cipher[c], NULL, NULL, dir, params)) {
		EVP_CIPHER_CTX_free(ctx);
		ERR_clear_error();
		return NULL;
	}
	cache->ctx[c][dir] = ctx;
	return ctx;
}

/* Drop this thread's context after a failure, so no half-used state is ever reused. */
static void ctx_discard(enum smb2_cipher c, int dir)
{
	struct ctx_cache *cache = cache_key_ok ? pthread_getspecific(cache_key) : NULL;

	if (cache == NULL || cache->generation != atomic_load(&generation))
		return;
	EVP_CIPHER_CTX_free(cache->ctx[c][dir]);
	cache->ctx[c][dir] = NULL;
}

/*
 * One AEAD pass: RFC 5084 CCM or GCM with a 16-byte tag over aad (TF_AAD_SIZE bytes) and in
 * (len bytes) into out. Encrypting fills tag; decrypting checks it (CCM inside the update, GCM
 * at final). in == out is fine; the caller has ruled out partial overlap.
 */
static bool aead_run(enum smb2_cipher c, int dir, const uint8_t *key, const uint8_t *nonce,
		     const uint8_t *aad, const uint8_t *in, size_t len, uint8_t *out,
		     uint8_t tag[TAG_SIZE])
{
	const struct cipher_info *ci = &ciphers[c];
	EVP_CIPHER_CTX *ctx = ctx_get(c, dir);
	uint8_t final_scratch[32];
	OSSL_PARAM tag_param[2];
	int outl = 0;
	bool ok = false;

	if (ctx == NULL)
		goto out;
	if (!EVP_CipherInit_ex2(ctx, NULL, key, nonce, dir, NULL))
		goto out;
	tag_param[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, TAG_SIZE);
	tag_param[1] = OSSL_PARAM_construct_end();
	/* CCM checks the tag while decrypting, so it must be in before the data. */
	if (dir == DIR_DECRYPT && !EVP_CIPHER_CTX_set_params(ctx, tag_param))
		goto out;
	/* CCM authenticates the message length first: it must be known before the AAD. */
	if (ci->ccm && !EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len))
		goto out;
	if (!EVP_CipherUpdate(ctx, NULL, &outl, aad, TF_AAD_SIZE))
		goto out;
	if (!EVP_CipherUpdate(ctx, out, &outl, in, (int)len) || outl != (int)len)
		goto out;
	if (!EVP_CipherFinal_ex(ctx, final_scratch, &outl) || outl != 0)
		goto out;
	if (dir == DIR_ENCRYPT && !EVP_CIPHER_CTX_get_params(ctx, tag_param))
		goto out;
	ok = true;
out:
	if (!ok) {
		ERR_clear_error();
		ctx_discard(c, dir);
	}
	return ok;
}

bool crypto_gmac_cached(const uint8_t key[16], const uint8_t nonce[12],
			const struct crypto_part *parts, size_t n, uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = ctx_get(SMB2_CIPHER_AES128_GCM, DIR_ENCRYPT);
	OSSL_PARAM tag_param[2];
	uint8_t final_scratch[32];
	int outl = 0;
	bool ok = false;

	if (ctx == NULL || !EVP_CipherInit_ex2(ctx, NULL, key, nonce, DIR_ENCRYPT, NULL))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len > INT_MAX)
			goto out;
		if (parts[i].len > 0 &&
		    !EVP_CipherUpdate(ctx, NULL, &outl, parts[i].p, (int)parts[i].len))
			goto out;
	}
	if (!EVP_CipherFinal_ex(ctx, final_scratch, &outl) || outl != 0)
		goto out;
	tag_param[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out, TAG_SIZE);
	tag_param[1] = OSSL_PARAM_construct_end();
	ok = EVP_CIPHER_CTX_get_params(ctx, tag_param);
out:
	if (!ok) {
		ERR_clear_error();
		ctx_discard(SMB2_CIPHER_AES128_GCM, DIR_ENCRYPT);
		explicit_bzero(out, TAG_SIZE);
	}
	return ok;
}

/* True when [a, a + alen) and [b, b + blen) share a byte. Compared as integers: relational
 * operators on pointers into different objects are undefined in C. */
static bool overlaps(const void *a, size_t alen, const void *b, size_t blen)
{
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;

	return alen > 0 && blen > 0 && x < y + blen && y < x + alen;
}

size_t smb2_cipher_key_len(enum smb2_cipher c)
{
	const struct cipher_info *ci = cipher_lookup(c);

	return ci != NULL ? ci->key_len : 0;
}

size_t smb2_cipher_nonce_len(enum smb2_cipher c)
{
	const struct cipher_info *ci = cipher_lookup(c);

	return ci != NULL ? ci->nonce_len : 0;
}

bool smb2_encrypt(enum smb2_cipher c, const uint8_t *key, uint64_t session_id,
		  const uint8_t *nonce, const uint8_t *plain, size_t len, uint8_t *out)
{
	const struct cipher_info *ci = cipher_lookup(c);
	uint8_t tag[TAG_SIZE];
	bool ok;

	if (ci == NULL || key == NULL || nonce == NULL || plain == NULL || out == NULL ||
	    len == 0 || len > ENCRYPT_MAX_LEN)
		return false;
	if (plain != out + CRYPTO_TRANSFORM_HDR_SIZE &&
	    overlaps(plain, len, out, CRYPTO_TRANSFORM_HDR_SIZE + len))
		return false;

	/* MS-SMB2 3.1.4.3: the header is built first, since its tail is the AAD. */
	memcpy(out, transform_protocol_id, sizeof(transform_protocol_id));
	memset(out + TF_OFF_SIGNATURE, 0, TAG_SIZE);
	memcpy(out + TF_OFF_NONCE, nonce, ci->nonce_len);
	memset(out + TF_OFF_NONCE + ci->nonce_len, 0, SMB2_NONCE_FIELD_SIZE - ci->nonce_len);
	put_le32(out + TF_OFF_ORIG_SIZE, (uint32_t)len);
	put_le16(out + TF_OFF_RESERVED, 0);
	put_le16(out + TF_OFF_FLAGS, TF_FLAG_ENCRYPTED);
	put_le64(out + TF_OFF_SESSION_ID, session_id);

	ok = aead_run(c, DIR_ENCRYPT, key, out + TF_OFF_NONCE, out + TF_AAD_OFF, plain, len,
		      out + CRYPTO_TRANSFORM_HDR_SIZE, tag);
	if (ok)
		memcpy(out + TF_OFF_SIGNATURE, tag, TAG_SIZE);
	else
		explicit_bzero(out, CRYPTO_TRANSFORM_HDR_SIZE + len);
	return ok;
}

bool smb2_decrypt(enum smb2_cipher c, const uint8_t *key, const uint8_t *msg, size_t len,
		  uint8_t *plain, size_t *plain_len)
{
	const struct cipher_info *ci = cipher_lookup(c);
	struct rd r = rd_init(msg, len), aad_r;
	const uint8_t *protocol_id, *nonce, *aad, *ciphertext;
	uint8_t tag[TAG_SIZE];
	uint32_t original_size;
	uint16_t reserved, flags;
	uint64_t session_id;
	size_t ct_len;
	bool ok;

	if (plain_len != NULL)
		*plain_len = 0;
	if (ci == NULL || key == NULL || msg == NULL || plain == NULL || plain_len == NULL ||
	    len <= CRYPTO_TRANSFORM_HDR_SIZE || len - CRYPTO_TRANSFORM_HDR_SIZE > ENCRYPT_MAX_LEN)
		return false;
	ct_len = len - CRYPTO_TRANSFORM_HDR_SIZE;
	if (plain != msg + CRYPTO_TRANSFORM_HDR_SIZE && overlaps(plain, ct_len, msg, len))
		return false;

	/* MS-SMB2 3.3.5.2.1.1: ProtocolId, Flags/EncryptionAlgorithm 0x0001, and the size the
	 * sender claims must be what arrived. */
	if (!rd_bytes(&r, sizeof(transform_protocol_id), &protocol_id) ||
	    !rd_copy(&r, tag, TAG_SIZE) || !rd_bytes(&r, SMB2_NONCE_FIELD_SIZE, &nonce) ||
	    !rd_u32(&r, &original_size) || !rd_u16(&r, &reserved) || !rd_u16(&r, &flags) ||
	    !rd_u64(&r, &session_id) || !rd_bytes(&r, ct_len, &ciphertext) ||
	    !rd_at(&r, TF_AAD_OFF, TF_AAD_SIZE, &aad_r) || !rd_bytes(&aad_r, TF_AAD_SIZE, &aad))
		return false;
	if (memcmp(protocol_id, transform_protocol_id, sizeof(transform_protocol_id)) != 0 ||
	    flags != TF_FLAG_ENCRYPTED || original_size != ct_len)
		return false;

	ok = aead_run(c, DIR_DECRYPT, key, nonce, aad, ciphertext, ct_len, plain, tag);
	if (ok)
		*plain_len = ct_len;
	else
		explicit_bzero(plain, ct_len);  /* GCM wrote plaintext before the tag check */
	return ok;
}

void smb2_nonce_init(struct smb2_nonce_gen *g)
{
	if (g == NULL)
		return;
	atomic_init(&g->next, 0);
	if (!crypto_random(g->salt, sizeof(g->salt)))
		memset(g->salt, 0, sizeof(g->salt));  /* uniqueness rests on the counter anyway */
}

bool smb2_nonce_next(struct smb2_nonce_gen *g, enum smb2_cipher c,
		     uint8_t nonce[SMB2_NONCE_FIELD_SIZE])
{
	size_t nonce_len = smb2_cipher_nonce_len(c);
	uint64_t n;

	if (nonce == NULL)
		return false;
	memset(nonce, 0, SMB2_NONCE_FIELD_SIZE);
	if (g == NULL || nonce_len == 0)
		return false;
	/* A CAS rather than fetch_add: a spent counter must stay spent, never wrap to 0. */
	n = atomic_load_explicit(&g->next, memory_order_relaxed);
	do {
		if (n == UINT64_MAX)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&g->next, &n, n + 1, memory_order_relaxed,
							memory_order_relaxed));
	put_le64(nonce, n);
	memcpy(nonce + 8, g->salt, nonce_len - 8);
	return true;
}

#define DIALECT_300 0x0300
#define DIALECT_302 0x0302
#define DIALECT_311 0x0311
#define SESSION_KEY_SIZE 16

bool smb2_derive_cipher_keys(uint16_t dialect, enum smb2_cipher c, const uint8_t *session_key,
			     size_t sk_len, const uint8_t preauth[64],
			     uint8_t enc_key[SMB2_CIPHER_KEY_MAX], uint8_t dec_key[SMB2_CIPHER_KEY_MAX])
{
	/* MS-SMB2 3.3.5.5.3; labels and contexts include their terminating NUL (3.1.4.2). */
	static const char label_30[] = "SMB2AESCCM";
	static const char ctx_server_in[] = "ServerIn ";   /* the trailing space is the spec's */
	static const char ctx_server_out[] = "ServerOut";
	static const char label_c2s[] = "SMBC2SCipherKey";  /* client to server: we decrypt */
	static const char label_s2c[] = "SMBS2CCipherKey";  /* server to client: we encrypt */
	size_t key_len = smb2_cipher_key_len(c);
	uint8_t sk16[SESSION_KEY_SIZE];
	const uint8_t *kdf_key = sk16;
	size_t kdf_key_len = sizeof(sk16);
	bool ok = false;

	if (enc_key != NULL)
		memset(enc_key, 0, SMB2_CIPHER_KEY_MAX);
	if (dec_key != NULL)
		memset(dec_key, 0, SMB2_CIPHER_KEY_MAX);
	if (enc_key == NULL || dec_key == NULL || session_key == NULL || sk_len == 0 ||
	    key_len == 0)
		return false;
	/* Session.SessionKey: the first 16 bytes of the GSS key, right-padded with zeros. */
	memset(sk16, 0, sizeof(sk16));
	memcpy(sk16, session_key, sk_len < sizeof(sk16) ? sk_len : sizeof(sk16));

	switch (dialect) {
	case DIALECT_300:
	case DIALECT_302:
		/* Only AES-128-CCM exists before 3.1.1 (3.1.4.3). */
		if (c != SMB2_CIPHER_AES128_CCM)
			break;
		ok = crypto_kdf_sp800_108(kdf_key, kdf_key_len, label_30, sizeof(label_30),
					  ctx_server_out, sizeof(ctx_server_out), enc_key, key_len) &&
		     crypto_kdf_sp800_108(kdf_key, kdf_key_len, label_30, sizeof(label_30),
					  ctx_server_in, sizeof(ctx_server_in), dec_key, key_len);
		break;
	case DIALECT_311:
		if (preauth == NULL)
			break;
		/* 3.1.4.2: the AES-256 ciphers take the whole GSS key (32 bytes from Kerberos
		 * AES) and L = 256; the L comes from the output length asked for. */
		if (key_len == 32) {
			kdf_key = session_key;
			kdf_key_len = sk_len;
		}
		ok = crypto_kdf_sp800_108(kdf_key, kdf_key_len, label_s2c, sizeof(label_s2c),
					  preauth, 64, enc_key, key_len) &&
		     crypto_kdf_sp800_108(kdf_key, kdf_key_len, label_c2s, sizeof(label_c2s),
					  preauth, 64, dec_key, key_len);
		break;
	default:
		break;
	}
	explicit_bzero(sk16, sizeof(sk16));
	if (!ok) {
		explicit_bzero(enc_key, SMB2_CIPHER_KEY_MAX);
		explicit_bzero(dec_key, SMB2_CIPHER_KEY_MAX);
	}
	return ok;
}
