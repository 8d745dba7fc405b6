/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks between the files of the crypto layer, not for its users: crypto.c owns the private
 * OpenSSL library context and lets encrypt.c fetch its ciphers from it at start-up.
 */
#ifndef SKIFF_CRYPTO_INTERNAL_H
#define SKIFF_CRYPTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/* Called by crypto_init once libctx has its providers; false (with a log line) on failure. */
bool crypto_encrypt_init(OSSL_LIB_CTX *libctx);
/* Called by crypto_shutdown before libctx goes; safe when crypto_encrypt_init never ran. */
void crypto_encrypt_shutdown(void);
/* AES-128-GMAC (GCM with every part as AAD) on this thread's cached AES-128-GCM context: no
 * allocation or algorithm fetch per message, unlike a fresh EVP_MAC context. */
struct crypto_part;
bool crypto_gmac_cached(const uint8_t key[16], const uint8_t nonce[12],
			const struct crypto_part *parts, size_t n, uint8_t out[16]);

#endif
