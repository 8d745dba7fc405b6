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
 * no-op returning true. Until crypto_init succeeds the hash, MAC, KDF, RC4, signing and
 * encryption functions return false (crypto_random, crypto_equal, crypto_wipe, the cipher
 * size queries and the nonce generator work at any time). Each thread that encrypts keeps its
 * own cached OpenSSL cipher contexts, freed when the thread exits; crypto_shutdown frees the
 * calling thread's, so call it after every other thread that encrypted has exited.
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


/*
 * SMB 3.x encryption (MS-SMB2 3.1.4.3 encrypt, 3.3.5.2.1.1 decrypt, 2.2.41 TRANSFORM_HEADER).
 * The cipher values are the 3.1.1 ENCRYPTION_CAPABILITIES Cipher IDs (MS-SMB2 2.2.3.1.2);
 * 3.0 and 3.0.2 always use AES-128-CCM.
 */
enum smb2_cipher {
	SMB2_CIPHER_NONE = 0,
	SMB2_CIPHER_AES128_CCM = 1,
	SMB2_CIPHER_AES128_GCM = 2,
	SMB2_CIPHER_AES256_CCM = 3,
	SMB2_CIPHER_AES256_GCM = 4,
};

/* Named apart from smb2/wire/transform.h's SMB2_TRANSFORM_HDR_SIZE (same value) so the two
 * headers can be included together. */
#define CRYPTO_TRANSFORM_HDR_SIZE 52  /* MS-SMB2 2.2.41 */
#define SMB2_CIPHER_KEY_MAX       32
#define SMB2_NONCE_FIELD_SIZE     16  /* the header's Nonce field; the nonce proper is 11 or 12 */

/* 16 for the AES-128 ciphers, 32 for AES-256; 0 for NONE or an unknown value. */
size_t smb2_cipher_key_len(enum smb2_cipher c);
/* 11 for CCM (AES_CCM_Nonce), 12 for GCM (AES_GCM_Nonce); 0 for NONE or an unknown value. */
size_t smb2_cipher_nonce_len(enum smb2_cipher c);

/*
 * Encrypt one transform's payload (an SMB2 message or a compound chain, plaintext, len bytes)
 * into out, which receives the 52-byte TRANSFORM_HEADER followed by len bytes of ciphertext:
 * ProtocolId 0xFD 'S' 'M' 'B', Signature = the 16-byte AEAD tag, Nonce = the first
 * smb2_cipher_nonce_len(c) bytes of `nonce` then zeros, OriginalMessageSize = len, Reserved 0,
 * Flags/EncryptionAlgorithm 0x0001, SessionId. The AAD is header bytes 20..51 (Nonce to the end).
 * key holds smb2_cipher_key_len(c) bytes (the session's EncryptionKey).
 *
 * No copies: to encrypt in place, build the message at out + 52 and pass plain == out + 52.
 * Any other overlap between plain and out is refused. 0 < len <= INT_MAX.
 * False on bad arguments (out untouched) or an OpenSSL failure (the len + 52 bytes of out
 * wiped, so no half-encrypted message can be sent by mistake).
 */
bool smb2_encrypt(enum smb2_cipher c, const uint8_t *key, uint64_t session_id,
		  const uint8_t *nonce, const uint8_t *plain, size_t len, uint8_t *out);

/*
 * Verify and decrypt a transform message (the 52-byte header + ciphertext, len bytes in all)
 * with the session's DecryptionKey. plain must have room for len - 52 bytes; on success it
 * holds the OriginalMessageSize = len - 52 bytes of plaintext and *plain_len says so.
 * plain may equal msg + 52 (decrypt in place); no other overlap is allowed.
 * False on a short message, a wrong ProtocolId, Flags/EncryptionAlgorithm not 0x0001,
 * OriginalMessageSize not len - 52, an unknown cipher or a tag that does not verify; then
 * nothing unauthenticated is left in plain (it is wiped) and *plain_len is 0.
 * The header's SessionId is not checked here: the caller found the key through it, and it is
 * covered by the tag.
 */
bool smb2_decrypt(enum smb2_cipher c, const uint8_t *key, const uint8_t *msg, size_t len,
		  uint8_t *plain, size_t *plain_len);

/*
 * Per-session nonce source for the messages the server encrypts (MS-SMB2 2.2.41: a nonce is
 * never reused within a session; one generator serves every channel of the session).
 * Scheme: bytes 0..7 are a 64-bit counter (little-endian) drawn with an atomic
 * compare-and-swap, so every call in the session's life gets a distinct value; the remaining
 * nonce bytes (3 for CCM, 4 for GCM) are random salt chosen at init and fixed for the session;
 * bytes 11/12..15 of the field are zero. Uniqueness rests on the counter alone (the key is
 * per session and direction), so a failed random draw at init only costs the salt.
 * smb2_nonce_next returns false once the counter is spent (2^64 - 1 nonces): the session must
 * then be torn down, never continued. Thread-safe after smb2_nonce_init.
 */
struct smb2_nonce_gen {
	_Atomic uint64_t next;  /* next counter value to hand out; UINT64_MAX = exhausted */
	uint8_t salt[4];        /* written once by smb2_nonce_init, read-only afterwards */
};
void smb2_nonce_init(struct smb2_nonce_gen *g);
bool smb2_nonce_next(struct smb2_nonce_gen *g, enum smb2_cipher c,
		     uint8_t nonce[SMB2_NONCE_FIELD_SIZE]);

/*
 * The server's encryption keys, MS-SMB2 3.3.5.5.3 with 3.1.4.2, for dialect 0x0300, 0x0302 or
 * 0x0311 (SMB2_DIALECT_* in smb2/wire/negotiate.h):
 *   3.0 / 3.0.2 (AES-128-CCM only): enc = KDF(SessionKey, "SMB2AESCCM\0", "ServerOut\0"),
 *                                    dec = KDF(SessionKey, "SMB2AESCCM\0", "ServerIn \0");
 *   3.1.1: enc = KDF(key, "SMBS2CCipherKey\0", preauth), dec = KDF(key, "SMBC2SCipherKey\0",
 *          preauth), where key is Session.SessionKey (first 16 bytes of the GSS key, zero-padded)
 *          with L = 128 for the AES-128 ciphers, and the full GSS session key (sk_len bytes,
 *          32 with Kerberos AES) with L = 256 for the AES-256 ciphers.
 * enc_key / dec_key receive smb2_cipher_key_len(c) bytes; the rest of the 32 is zeroed.
 * preauth (the session's PreauthIntegrityHashValue) is read only for 3.1.1 and may be NULL
 * otherwise. False (both keys zeroed) for another dialect, a cipher the dialect cannot use,
 * an empty session key or a KDF failure.
 */
bool smb2_derive_cipher_keys(uint16_t dialect, enum smb2_cipher c, const uint8_t *session_key,
			     size_t sk_len, const uint8_t preauth[64],
			     uint8_t enc_key[SMB2_CIPHER_KEY_MAX], uint8_t dec_key[SMB2_CIPHER_KEY_MAX]);

#endif
