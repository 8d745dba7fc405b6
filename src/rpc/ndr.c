/* SPDX-License-Identifier: Apache-2.0 */
/* NDR20 primitives (see ndr.h): scalars, pointers, conformant/varying strings, SIDs, handles. */
#include "rpc/ndr.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf16.h"

/* Referent ids as Windows and Samba number them; any non-zero value would do. */
#define NDR_FIRST_REFERENT 0x00020000u

bool ndr_pull_align(struct ndr_pull *p, size_t n)
{
	return rd_align(&p->r, n);
}

bool ndr_pull_u8(struct ndr_pull *p, uint8_t *v)
{
	return rd_u8(&p->r, v);
}

bool ndr_pull_u16(struct ndr_pull *p, uint16_t *v)
{
	return rd_align(&p->r, 2) && rd_u16(&p->r, v);
}

bool ndr_pull_u32(struct ndr_pull *p, uint32_t *v)
{
	return rd_align(&p->r, 4) && rd_u32(&p->r, v);
}

bool ndr_pull_u64(struct ndr_pull *p, uint64_t *v)
{
	return rd_align(&p->r, 8) && rd_u64(&p->r, v);
}

bool ndr_pull_ptr(struct ndr_pull *p, bool *present)
{
	uint32_t ref;

	if (!ndr_pull_u32(p, &ref))
		return false;
	*present = ref != 0;
	return true;
}

bool ndr_pull_conformance(struct ndr_pull *p, size_t elem_size, uint32_t *count)
{
	uint32_t n;

	if (!ndr_pull_u32(p, &n))
		return false;
	if (elem_size && n > rd_left(&p->r) / elem_size)
		return false;
	*count = n;
	return true;
}

/* The varying part of a conformant varying array of UTF-16 units: offset (0) and actual count,
 * then the units. C706 14.3.3.4: actual may not exceed the conformance. */
static bool pull_units(struct ndr_pull *p, uint32_t max, uint32_t *actual, const uint8_t **units)
{
	uint32_t off;

	if (!ndr_pull_u32(p, &off) || !ndr_pull_u32(p, actual))
		return false;
	if (off != 0 || *actual > max || *actual > NDR_MAX_STRING_UNITS)
		return false;
	return rd_bytes(&p->r, (size_t)*actual * 2, units);
}

bool ndr_pull_string(struct ndr_pull *p, char **out)
{
	uint32_t max, actual;
	const uint8_t *units;

	if (!ndr_pull_conformance(p, 0, &max) || !pull_units(p, max, &actual, &units))
		return false;
	/* [string]: the terminator is part of the array; the string ends at the first NUL (some
	 * clients, impacket for one, send a server name of ten NULs) */
	if (actual == 0 || le16(units + 2 * (actual - 1)) != 0)
		return false;
	size_t len = 0;
	while (le16(units + 2 * len) != 0)
		len++;
	*out = utf16le_to_utf8(p->a, units, 2 * len);
	return *out != NULL;
}

bool ndr_pull_ustr_hdr(struct ndr_pull *p, struct ndr_ustr *u)
{
	u->s = NULL;
	/* the structure is 4-aligned (its pointer) */
	return ndr_pull_align(p, 4) && ndr_pull_u16(p, &u->length) && ndr_pull_u16(p, &u->max_length) &&
	       ndr_pull_ptr(p, &u->present) && u->length <= u->max_length;
}

bool ndr_pull_ustr_body(struct ndr_pull *p, struct ndr_ustr *u)
{
	uint32_t max, actual;
	const uint8_t *units;
	size_t n;

	if (!u->present) {
		u->s = arena_strdup(p->a, "");
		return u->s != NULL;
	}
	/* size_is(MaximumLength/2), length_is(Length/2) */
	if (!ndr_pull_conformance(p, 0, &max) || !pull_units(p, max, &actual, &units))
		return false;
	if (max != u->max_length / 2u || actual != u->length / 2u)
		return false;
	n = actual;
	if (n && le16(units + 2 * (n - 1)) == 0)   /* a counted terminator is tolerated */
		n--;
	u->s = utf16le_to_utf8(p->a, units, 2 * n);
	return u->s != NULL;
}

bool ndr_pull_sid(struct ndr_pull *p, struct sd_sid *sid)
{
	uint32_t count;
	uint8_t rev, n;
	const uint8_t *auth;

	if (!ndr_pull_conformance(p, 4, &count) || !rd_u8(&p->r, &rev) || !rd_u8(&p->r, &n) ||
	    !rd_bytes(&p->r, 6, &auth))
		return false;
	if (rev != 1 || n != count || n > SD_SID_MAX_SUB_AUTHS)
		return false;
	memset(sid, 0, sizeof(*sid));
	sid->num_auths = n;
	for (int i = 0; i < 6; i++)
		sid->authority = sid->authority << 8 | auth[i];
	for (unsigned i = 0; i < n; i++)
		if (!rd_u32(&p->r, &sid->sub_auths[i]))
			return false;
	return true;
}

bool ndr_pull_handle(struct ndr_pull *p, uint8_t h[NDR_HANDLE_SIZE])
{
	return ndr_pull_align(p, 4) && rd_copy(&p->r, h, NDR_HANDLE_SIZE);
}

void ndr_push_init(struct ndr_push *p)
{
	wr_init(&p->w, 512);
	p->next_ref = NDR_FIRST_REFERENT;
}

void ndr_push_free(struct ndr_push *p)
{
	wr_free(&p->w);
}

void ndr_push_align(struct ndr_push *p, size_t n)
{
	wr_align(&p->w, n);
}

void ndr_push_u8(struct ndr_push *p, uint8_t v)
{
	wr_u8(&p->w, v);
}

void ndr_push_u16(struct ndr_push *p, uint16_t v)
{
	wr_align(&p->w, 2);
	wr_u16(&p->w, v);
}

void ndr_push_u32(struct ndr_push *p, uint32_t v)
{
	wr_align(&p->w, 4);
	wr_u32(&p->w, v);
}

void ndr_push_u64(struct ndr_push *p, uint64_t v)
{
	wr_align(&p->w, 8);
	wr_u64(&p->w, v);
}

void ndr_push_ptr(struct ndr_push *p, bool present)
{
	if (!present) {
		ndr_push_u32(p, 0);
		return;
	}
	ndr_push_u32(p, p->next_ref);
	p->next_ref += 4;
}

/* UTF-16 units of s, or fail the writer (invalid UTF-8 or too long for a u16 length field). */
static bool units_of(struct ndr_push *p, const char *s, uint32_t limit, uint32_t *units)
{
	size_t b = utf8_utf16le_len(s);

	if (b == SIZE_MAX || b / 2 > limit) {
		p->w.failed = true;
		return false;
	}
	*units = (uint32_t)(b / 2);
	return true;
}

void ndr_push_string(struct ndr_push *p, const char *s)
{
	uint32_t n;

	if (!units_of(p, s, NDR_MAX_STRING_UNITS - 1, &n))
		return;
	ndr_push_u32(p, n + 1);
	ndr_push_u32(p, 0);
	ndr_push_u32(p, n + 1);
	if (!utf8_to_utf16le(&p->w, s))
		p->w.failed = true;
	wr_u16(&p->w, 0);
}

void ndr_push_ustr_hdr(struct ndr_push *p, const char *s, bool large)
{
	uint32_t n = 0;

	if (s != NULL && !units_of(p, s, 0x7FFEu, &n))
		return;
	ndr_push_align(p, 4);
	ndr_push_u16(p, (uint16_t)(2 * n));
	ndr_push_u16(p, (uint16_t)(2 * n + (large && s != NULL ? 2 : 0)));
	ndr_push_ptr(p, s != NULL);
}

void ndr_push_ustr_body(struct ndr_push *p, const char *s, bool large)
{
	uint32_t n;

	if (s == NULL || !units_of(p, s, 0x7FFEu, &n))
		return;
	ndr_push_u32(p, n + (large ? 1 : 0));
	ndr_push_u32(p, 0);
	ndr_push_u32(p, n);
	if (!utf8_to_utf16le(&p->w, s))
		p->w.failed = true;
}

void ndr_push_sid(struct ndr_push *p, const struct sd_sid *sid)
{
	uint8_t auth[6];

	ndr_push_u32(p, sid->num_auths);
	wr_u8(&p->w, 1);
	wr_u8(&p->w, sid->num_auths);
	for (int i = 0; i < 6; i++)
		auth[i] = (uint8_t)(sid->authority >> (8 * (5 - i)));
	wr_bytes(&p->w, auth, sizeof(auth));
	for (unsigned i = 0; i < sid->num_auths && i < SD_SID_MAX_SUB_AUTHS; i++)
		wr_u32(&p->w, sid->sub_auths[i]);
}

void ndr_push_handle(struct ndr_push *p, const uint8_t h[NDR_HANDLE_SIZE])
{
	wr_align(&p->w, 4);
	wr_bytes(&p->w, h, NDR_HANDLE_SIZE);
}

/* One unsigned number of at most `max`, decimal, or hex after "0x" when hex is allowed. */
static bool parse_num(const char **sp, uint64_t max, bool hex, uint64_t *v)
{
	const char *s = *sp;
	unsigned base = 10;
	uint64_t n = 0;
	bool any = false;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (n > (max - d) / base)
			return false;
		n = n * base + d;
		any = true;
	}
	*sp = s;
	*v = n;
	return any;
}

bool ndr_sid_parse(const char *s, struct sd_sid *sid)
{
	uint64_t v;

	if ((s[0] != 'S' && s[0] != 's') || s[1] != '-' || s[2] != '1' || s[3] != '-')
		return false;
	s += 4;
	memset(sid, 0, sizeof(*sid));
	if (!parse_num(&s, 0xFFFFFFFFFFFFull, true, &v))
		return false;
	sid->authority = v;
	while (*s == '-') {
		s++;
		if (sid->num_auths == SD_SID_MAX_SUB_AUTHS || !parse_num(&s, UINT32_MAX, false, &v))
			return false;
		sid->sub_auths[sid->num_auths++] = (uint32_t)v;
	}
	return *s == '\0';
}

void ndr_sid_format(const struct sd_sid *sid, char *buf, size_t len)
{
	size_t off;
	int n;

	if (len == 0)
		return;
	/* MS-DTYP 2.4.2.1: the authority in hex when it does not fit in 32 bits */
	if (sid->authority >> 32)
		n = snprintf(buf, len, "S-1-0x%012" PRIX64, sid->authority);
	else
		n = snprintf(buf, len, "S-1-%" PRIu64, sid->authority);
	off = n < 0 ? len : (size_t)n;
	for (unsigned i = 0; i < sid->num_auths && i < SD_SID_MAX_SUB_AUTHS && off < len; i++) {
		n = snprintf(buf + off, len - off, "-%" PRIu32, sid->sub_auths[i]);
		off += n < 0 ? len : (size_t)n;
	}
}
