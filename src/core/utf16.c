/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-16LE <-> UTF-8 conversion (see utf16.h). */
#include "core/utf16.h"

#include <stdlib.h>
#include <string.h>

/* Decode one code point from UTF-8; returns bytes used, 0 on invalid input. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		if ((s[1] & 0xC0) != 0x80)
			return 0;
		*cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
		return *cp >= 0x80 ? 2 : 0;
	}
	if ((s[0] & 0xF0) == 0xE0) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		*cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
		if (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF))
			return 0;
		return 3;
	}
	if ((s[0] & 0xF8) == 0xF0) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
		      (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
		if (*cp < 0x10000 || *cp > 0x10FFFF)
			return 0;
		return 4;
	}
	return 0;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Convert into `out` (at least nbytes/2*3+1 bytes); returns false on invalid input. */
static bool utf16_convert(const uint8_t *p, size_t nbytes, char *out)
{
	size_t i = 0, o = 0;

	if (nbytes % 2)
		return false;
	while (i < nbytes) {
		uint32_t cp = le16(p + i);
		i += 2;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 2 > nbytes)
				return false;
			uint32_t lo = le16(p + i);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return false;
			i += 2;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			return false;
		} else if (cp == 0) {
			return false;
		}
		o += utf8_encode(cp, out + o);
	}
	out[o] = '\0';
	return true;
}

char *utf16le_to_utf8(struct arena *a, const uint8_t *p, size_t nbytes)
{
	char *out = arena_alloc(a, nbytes / 2 * 3 + 1);
	if (!out || !utf16_convert(p, nbytes, out))
		return NULL;
	return out;
}

char *utf16le_to_utf8_dup(const uint8_t *p, size_t nbytes)
{
	char *out = malloc(nbytes / 2 * 3 + 1);
	if (!out)
		return NULL;
	if (!utf16_convert(p, nbytes, out)) {
		free(out);
		return NULL;
	}
	return out;
}

bool utf8_to_utf16le(struct wr *w, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		uint32_t cp;
		size_t n = utf8_decode(u, &cp);
		if (!n)
			return false;
		u += n;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			wr_u16(w, (uint16_t)(0xD800 + (cp >> 10)));
			wr_u16(w, (uint16_t)(0xDC00 + (cp & 0x3FF)));
		} else {
			wr_u16(w, (uint16_t)cp);
		}
	}
	return true;
}

size_t utf8_utf16le_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = 0;

	while (*u) {
		uint32_t cp;
		size_t n = utf8_decode(u, &cp);
		if (!n)
			return SIZE_MAX;
		u += n;
		len += cp >= 0x10000 ? 4 : 2;
	}
	return len;
}

/* Simple upper-casing as Windows does for names: ASCII, Latin-1, Greek, Cyrillic ranges. */
static uint32_t fold_upper(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
		return c - 32;
	if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
		return c - 32;
	if (c >= 0x430 && c <= 0x44F)
		return c - 32;
	if (c >= 0x450 && c <= 0x45F)
		return c - 80;
	/* Latin Extended-A pairs: upper case on the even code point, except in the two runs
	 * U+0139-U+0148 and U+0179-U+017E where it sits on the odd one. */
	if ((c >= 0x100 && c <= 0x137 && c != 0x131) || (c >= 0x14A && c <= 0x177))
		return c & ~1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c : c - 1;
	return c;
}

int utf8_casecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *y) {
		uint32_t cx, cy;
		size_t nx = utf8_decode(x, &cx), ny = utf8_decode(y, &cy);
		if (!nx || !ny)
			return strcmp((const char *)x, (const char *)y);
		cx = fold_upper(cx);
		cy = fold_upper(cy);
		if (cx != cy)
			return cx < cy ? -1 : 1;
		x += nx;
		y += ny;
	}
	return (*x != 0) - (*y != 0);
}
