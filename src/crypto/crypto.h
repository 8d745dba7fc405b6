/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Thin wrappers over OpenSSL libcrypto 3: everything Skiff hashes, MACs or derives goes through
 * here. MD4 and RC4 (needed by NTLM) come from the legacy provider loaded into a private library
 * context, so the process-wide default context stays untouched.
 */
#ifndef SKIFF_CRYPTO_H
#define SKIFF_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Load providers and fetch algorithms once. Returns false (with a log line) on failure.
 * Call from one thread before any worker starts (and crypto_shutdown after they stopped);
 * everything below is then safe to call from many threads at once. A second crypto_init is a
 * no-op returning true. Until crypto_init succeeds the hash, MAC, KDF, RC4 and signing
 * functions return false (crypto_random, crypto_equal and crypto_wipe work at any time).
 */
bool crypto_init(void);
void crypto_shutdown(void);

/* Fill with cryptographically strong random bytes; false on failure. */
bool crypto_random(void *buf, size_t n);

/* Constant-time equality (CRYPTO_memcmp). */
bool crypto_equal(const void *a, const void *b, size_t n);

/* Wipe the n bytes at p (explicit_bzero), then free(p): p must come from malloc/calloc/realloc,
 * or be NULL (then nothing happens). For stack buffers call explicit_bzero directly. */
void crypto_wipe(void *p, size_t n);

/* NTLM primitives. */
bool crypto_md4(const void *data, size_t len, uint8_t out[16]);
bool crypto_md5(const void *data, size_t len, uint8_t out[16]);
/* HMAC-MD5 over the concatenation of `n` (pointer, length) parts. */
struct crypto_part { const void *p; size_t len; };
bool crypto_hmac_md5(const uint8_t *key, size_t keylen, const struct crypto_part *parts, size_t n,
		     uint8_t out[16]);
/* One-shot RC4 (for NTLM key exchange): out may equal in. */
bool crypto_rc4(const uint8_t *key, size_t keylen, const uint8_t *in, size_t len, uint8_t *out);
/* A running RC4 state for NTLMSSP sealing of signatures (sequence of calls continues the stream). */
struct crypto_rc4_state;
struct crypto_rc4_state *crypto_rc4_new(const uint8_t *key, size_t keylen);
bool crypto_rc4_update(struct crypto_rc4_state *st, const uint8_t *in, size_t len, uint8_t *out);
void crypto_rc4_free(struct crypto_rc4_state *st);

/* SHA-256 / SHA-512 one-shot over parts. */
bool crypto_sha256(const struct crypto_part *parts, size_t n, uint8_t out[32]);
bool crypto_sha512(const struct crypto_part *parts, size_t n, uint8_t out[64]);
/* MS-SMB2 3.1.1 preauth integrity: hash = SHA-512(hash || msg). */
bool crypto_preauth_update(uint8_t hash[64], const void *msg, size_t len);

bool crypto_hmac_sha256(const uint8_t *key, size_t keylen, const struct crypto_part *parts,
			size_t n, uint8_t out[32]);

/* AES-128-CMAC (RFC 4493) over parts. */
bool crypto_aes128_cmac(const uint8_t key[16], const struct crypto_part *parts, size_t n,
			uint8_t out[16]);
/* AES-128-GMAC (RFC 4543): AES-128-GCM with no plaintext, the parts as AAD, a 12-byte nonce;
 * out is the 16-byte tag. */
bool crypto_aes128_gmac(const uint8_t key[16], const uint8_t nonce[12],
			const struct crypto_part *parts, size_t n, uint8_t out[16]);

/* SP800-108 counter-mode KDF with HMAC-SHA256, as MS-SMB2 3.1.4.2 uses it: one block,
 * i = 1 (32-bit BE), Label (with its NUL), 0x00, Context, L (32-bit BE, bits). out_len <= 32. */
bool crypto_kdf_sp800_108(const uint8_t *key, size_t keylen, const void *label, size_t label_len,
			  const void *context, size_t context_len, uint8_t *out, size_t out_len);

/* SMB2 signing algorithms (values of the 3.1.1 SIGNING_CAPABILITIES context, plus HMAC). */
enum smb2_sign_alg {
	SMB2_SIGN_HMAC_SHA256 = 0,
	SMB2_SIGN_AES_CMAC = 1,
	SMB2_SIGN_AES_GMAC = 2,
};

/*
 * Compute the 16-byte signature of one SMB2 message (header + body, exactly the bytes of that
 * message within a compound). The 16 signature bytes at offset 48 are treated as zero whatever
 * the buffer holds; the buffer itself is not modified. For GMAC the nonce is built from the
 * header's MessageId and the flags (MS-SMB2 3.1.4.1: role = server when SMB2_FLAGS_SERVER_TO_REDIR
 * is set; cancel bit when Command is CANCEL). sig may point at msg + 48 to sign in place.
 * False (and sig zeroed) when len < 64, the algorithm is unknown or OpenSSL fails.
 */
bool smb2_sign_compute(enum smb2_sign_alg alg, const uint8_t key[16], const uint8_t *msg,
		       size_t len, uint8_t sig[16]);
/* True when the signature in msg[48..63] is the right one (constant-time compare). */
bool smb2_sign_verify(enum smb2_sign_alg alg, const uint8_t key[16], const uint8_t *msg,
		      size_t len);

#endif
