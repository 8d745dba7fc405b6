/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks between the files of the crypto layer, not for its users: crypto.c owns the private
 * OpenSSL library context and lets encrypt.c fetch its ciphers from it at start-up.
 */
#ifndef SKIFF_CRYPTO_INTERNAL_H
#define SKIFF_CRYPTO_INTERNAL_H

#include <stdbool.h>

#include <openssl/types.h>

/* Called by crypto_init once libctx has its providers; false (with a log line) on failure. */
bool crypto_encrypt_init(OSSL_LIB_CTX *libctx);
/* Called by crypto_shutdown before libctx goes; safe when crypto_encrypt_init never ran. */
void crypto_encrypt_shutdown(void);

#endif
