/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounds-checked little-endian reader and growable writer: the only way wire bytes are read or
 * built. Every reader call returns false (and consumes nothing) when the bytes are not there;
 * callers turn that into STATUS_INVALID_PARAMETER.
 */
#ifndef SKIFF_BUF_H
#define SKIFF_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *base;  /* start of the region the reader may see */
	size_t len;           /* bytes in the region */
	size_t off;           /* next byte to read */
};

static inline struct rd rd_init(const void *p, size_t len)
{
	return (struct rd){ .base = p, .len = len, .off = 0 };
}

static inline size_t rd_left(const struct rd *r) { return r->len - r->off; }

bool rd_u8(struct rd *r, uint8_t *v);
bool rd_u16(struct rd *r, uint16_t *v);
bool rd_u32(struct rd *r, uint32_t *v);
bool rd_u64(struct rd *r, uint64_t *v);
bool rd_be16(struct rd *r, uint16_t *v);
bool rd_be32(struct rd *r, uint32_t *v);
/* Point *p at the next n bytes (no copy) and consume them. */
bool rd_bytes(struct rd *r, size_t n, const uint8_t **p);
bool rd_copy(struct rd *r, void *dst, size_t n);
bool rd_skip(struct rd *r, size_t n);
/* Move to absolute offset `off` (<= len). */
bool rd_seek(struct rd *r, size_t off);
/* Skip to the next multiple of `a` from the region start; false if that lies past the end. */
bool rd_align(struct rd *r, size_t a);
/* A sub-reader over [off, off+len) of r's region, independent of r's position. */
bool rd_at(const struct rd *r, size_t off, size_t len, struct rd *sub);

/* Growable writer. On allocation failure `failed` is set and later writes are ignored. */
struct wr {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool failed;
};

void wr_init(struct wr *w, size_t initial_cap);
void wr_free(struct wr *w);
/* Ensure room for n more bytes; returns a pointer to them (not yet counted in len) or NULL. */
uint8_t *wr_reserve(struct wr *w, size_t n);
void wr_u8(struct wr *w, uint8_t v);
void wr_u16(struct wr *w, uint16_t v);
void wr_u32(struct wr *w, uint32_t v);
void wr_u64(struct wr *w, uint64_t v);
void wr_be16(struct wr *w, uint16_t v);
void wr_be32(struct wr *w, uint32_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);
void wr_zero(struct wr *w, size_t n);
/* Pad with zeros to a multiple of `a` counted from the start of the buffer. */
void wr_align(struct wr *w, size_t a);
/* Overwrite already-written bytes (for lengths/offsets known only later); ignored if out of range. */
void wr_put_u16_at(struct wr *w, size_t off, uint16_t v);
void wr_put_u32_at(struct wr *w, size_t off, uint32_t v);
void wr_put_u64_at(struct wr *w, size_t off, uint64_t v);
/* Hand the buffer to the caller (who frees it); the writer is reset. */
uint8_t *wr_steal(struct wr *w, size_t *len);

/* Plain little-endian helpers for fixed-layout buffers the program itself owns. */
static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void put_le64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v); put_le32(p + 4, (uint32_t)(v >> 32)); }

#endif
