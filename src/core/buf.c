/* SPDX-License-Identifier: Apache-2.0 */
/* The bounds-checked reader and the growable writer (see buf.h). */
#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

bool rd_bytes(struct rd *r, size_t n, const uint8_t **p)
{
	if (n > r->len - r->off)
		return false;
	*p = r->base + r->off;
	r->off += n;
	return true;
}

bool rd_u8(struct rd *r, uint8_t *v)
{
	const uint8_t *p;
	if (!rd_bytes(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

bool rd_u16(struct rd *r, uint16_t *v)
{
	const uint8_t *p;
	if (!rd_bytes(r, 2, &p))
		return false;
	*v = le16(p);
	return true;
}

bool rd_u32(struct rd *r, uint32_t *v)
{
	const uint8_t *p;
	if (!rd_bytes(r, 4, &p))
		return false;
	*v = le32(p);
	return true;
}

bool rd_u64(struct rd *r, uint64_t *v)
{
	const uint8_t *p;
	if (!rd_bytes(r, 8, &p))
		return false;
	*v = le64(p);
	return true;
}

bool rd_be16(struct rd *r, uint16_t *v)
{
	const uint8_t *p;
	if (!rd_bytes(r, 2, &p))
		return false;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

bool rd_be32(struct rd *r, uint32_t *v)
{
	const uint8_t *p;
	if (!rd_bytes(r, 4, &p))
		return false;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

bool rd_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *p;
	if (!rd_bytes(r, n, &p))
		return false;
	if (n)
		memcpy(dst, p, n);
	return true;
}

bool rd_skip(struct rd *r, size_t n)
{
	const uint8_t *p;
	return rd_bytes(r, n, &p);
}

bool rd_seek(struct rd *r, size_t off)
{
	if (off > r->len)
		return false;
	r->off = off;
	return true;
}

bool rd_align(struct rd *r, size_t a)
{
	size_t pad = (a - r->off % a) % a;
	return rd_skip(r, pad);
}

bool rd_at(const struct rd *r, size_t off, size_t len, struct rd *sub)
{
	if (off > r->len || len > r->len - off)
		return false;
	*sub = rd_init(r->base + off, len);
	return true;
}

void wr_init(struct wr *w, size_t initial_cap)
{
	w->len = 0;
	w->failed = false;
	w->cap = initial_cap ? initial_cap : 64;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		w->cap = 0;
		w->failed = true;
	}
}

void wr_free(struct wr *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

uint8_t *wr_reserve(struct wr *w, size_t n)
{
	if (w->failed)
		return NULL;
	if (n > SIZE_MAX / 2 - w->len) {
		w->failed = true;
		return NULL;
	}
	if (w->len + n > w->cap) {
		/* Double for small appends; a big reservation (a READ's data) gets exactly what it
		 * needs rather than the next power of two. */
		size_t ncap = w->cap ? w->cap * 2 : 64;
		if (ncap < w->len + n)
			ncap = w->len + n;
		uint8_t *nb = realloc(w->buf, ncap);
		if (!nb) {
			w->failed = true;
			return NULL;
		}
		w->buf = nb;
		w->cap = ncap;
	}
	return w->buf + w->len;
}

void wr_bytes(struct wr *w, const void *p, size_t n)
{
	uint8_t *d = wr_reserve(w, n);
	if (!d)
		return;
	if (n)
		memcpy(d, p, n);
	w->len += n;
}

void wr_zero(struct wr *w, size_t n)
{
	uint8_t *d = wr_reserve(w, n);
	if (!d)
		return;
	memset(d, 0, n);
	w->len += n;
}

void wr_u8(struct wr *w, uint8_t v) { wr_bytes(w, &v, 1); }

void wr_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2];
	put_le16(b, v);
	wr_bytes(w, b, 2);
}

void wr_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4];
	put_le32(b, v);
	wr_bytes(w, b, 4);
}

void wr_u64(struct wr *w, uint64_t v)
{
	uint8_t b[8];
	put_le64(b, v);
	wr_bytes(w, b, 8);
}

void wr_be16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	wr_bytes(w, b, 2);
}

void wr_be32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	wr_bytes(w, b, 4);
}

void wr_align(struct wr *w, size_t a)
{
	wr_zero(w, (a - w->len % a) % a);
}

void wr_put_u16_at(struct wr *w, size_t off, uint16_t v)
{
	if (!w->failed && off <= w->len && 2 <= w->len - off)
		put_le16(w->buf + off, v);
}

void wr_put_u32_at(struct wr *w, size_t off, uint32_t v)
{
	if (!w->failed && off <= w->len && 4 <= w->len - off)
		put_le32(w->buf + off, v);
}

void wr_put_u64_at(struct wr *w, size_t off, uint64_t v)
{
	if (!w->failed && off <= w->len && 8 <= w->len - off)
		put_le64(w->buf + off, v);
}

uint8_t *wr_steal(struct wr *w, size_t *len)
{
	uint8_t *b = w->buf;
	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return b;
}
