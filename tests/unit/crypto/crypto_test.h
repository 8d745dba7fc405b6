/* SPDX-License-Identifier: Apache-2.0 */
/* Hex helpers the crypto tests share: decode published vectors and compare results against them.
 * Included by tests/unit/crypto/test_*.c only, after <cmocka.h>. */
#ifndef SKIFF_TEST_CRYPTO_TEST_H
#define SKIFF_TEST_CRYPTO_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	fail_msg("bad hex digit '%c'", c);
	return -1;
}

/* Decode hex into a malloc'd buffer the caller frees. */
static inline uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *out;

	assert_int_equal(n % 2, 0);
	out = malloc(n / 2 + 1);
	assert_non_null(out);
	for (size_t i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
	*len = n / 2;
	return out;
}

/* Decode hex of a known size into a caller's buffer. */
static inline void unhex_to(const char *hex, uint8_t *out, size_t want)
{
	size_t len;
	uint8_t *b = unhex(hex, &len);

	assert_int_equal(len, want);
	memcpy(out, b, len);
	free(b);
}

static inline void expect_hex(const uint8_t *got, size_t got_len, const char *want_hex)
{
	size_t len;
	uint8_t *want = unhex(want_hex, &len);

	assert_int_equal(got_len, len);
	assert_memory_equal(got, want, len);
	free(want);
}

#endif
