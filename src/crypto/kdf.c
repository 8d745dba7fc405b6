/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SP800-108 counter-mode KDF (HMAC-SHA256 PRF) in the one-block form MS-SMB2 3.1.4.2 uses to
 * turn a session key into signing, encryption, decryption and application keys.
 */
#include "crypto/crypto.h"

#include <string.h>

#define KDF_BLOCK_SIZE 32  /* one HMAC-SHA256 output */

bool crypto_kdf_sp800_108(const uint8_t *key, size_t keylen, const void *label, size_t label_len,
			  const void *context, size_t context_len, uint8_t *out, size_t out_len)
{
	/*
	 * NIST SP800-108 5.1 with r = 32: K(i) = PRF(KI, [i]2 || Label || 0x00 || Context || [L]2).
	 * MS-SMB2 asks for L = 128 or 256 bits, so one block (i = 1) is always enough; L is the
	 * length actually requested, which is what makes a 16-byte key differ from the first half
	 * of a 32-byte one.
	 */
	static const uint8_t counter_one[4] = { 0, 0, 0, 1 };
	static const uint8_t separator[1] = { 0 };
	uint8_t bits_be[4];
	uint8_t block[KDF_BLOCK_SIZE];
	bool ok;

	if (out == NULL || out_len == 0 || out_len > KDF_BLOCK_SIZE)
		return false;
	uint32_t bits = (uint32_t)out_len * 8;
	bits_be[0] = (uint8_t)(bits >> 24);
	bits_be[1] = (uint8_t)(bits >> 16);
	bits_be[2] = (uint8_t)(bits >> 8);
	bits_be[3] = (uint8_t)bits;

	const struct crypto_part parts[5] = {
		{ counter_one, sizeof(counter_one) },
		{ label, label_len },
		{ separator, sizeof(separator) },
		{ context, context_len },
		{ bits_be, sizeof(bits_be) },
	};
	ok = crypto_hmac_sha256(key, keylen, parts, 5, block);
	if (ok)
		memcpy(out, block, out_len);
	explicit_bzero(block, sizeof(block));
	return ok;
}
