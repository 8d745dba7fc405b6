/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NDR20 (C706 14, MS-RPCE 2.2.5), little-endian only: a bounds-checked decoder over the core
 * reader and an encoder over the core writer. Alignment counts from the start of the stub.
 */
#ifndef SKIFF_RPC_NDR_H
#define SKIFF_RPC_NDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/secdesc.h"

/* Longest string (in UTF-16 code units, terminator included) the decoder accepts. Names,
 * comments and paths in these services are far shorter; a limit keeps one request's arena small. */
#define NDR_MAX_STRING_UNITS 32768u

/* A context handle (MS-RPCE 2.2.5.3.4.2 / policy_handle): 4-byte attributes + 16-byte uuid. */
#define NDR_HANDLE_SIZE 20

struct ndr_pull {
	struct rd r;          /* the stub; r.off is the NDR position */
	struct arena *a;      /* decoded strings and arrays */
};

static inline void ndr_pull_init(struct ndr_pull *p, const uint8_t *stub, size_t len,
				 struct arena *a)
{
	p->r = rd_init(stub, len);
	p->a = a;
}

/* All of these return false when the stub ends first or a value breaks an NDR rule. */
bool ndr_pull_align(struct ndr_pull *p, size_t n);
bool ndr_pull_u8(struct ndr_pull *p, uint8_t *v);
bool ndr_pull_u16(struct ndr_pull *p, uint16_t *v);          /* also 16-bit enums */
bool ndr_pull_u32(struct ndr_pull *p, uint32_t *v);
bool ndr_pull_u64(struct ndr_pull *p, uint64_t *v);          /* hyper: 8-aligned */
/* A unique (or full) pointer's referent id: *present is false for NULL. */
bool ndr_pull_ptr(struct ndr_pull *p, bool *present);
/* The max_count of a conformant array whose elements take at least elem_size bytes each on the
 * wire: fails when that many could not fit in what is left of the stub. */
bool ndr_pull_conformance(struct ndr_pull *p, size_t elem_size, uint32_t *count);
/* A [string] wchar_t* referent (conformant varying, terminator expected): UTF-8 from the arena. */
bool ndr_pull_string(struct ndr_pull *p, char **out);

/* RPC_UNICODE_STRING (MS-DTYP 2.3.10): the scalar part, then (deferred) the buffer. */
struct ndr_ustr {
	uint16_t length, max_length;
	bool present;
	char *s;              /* set by ndr_pull_ustr_body; "" when the pointer was NULL */
};
bool ndr_pull_ustr_hdr(struct ndr_pull *p, struct ndr_ustr *u);
bool ndr_pull_ustr_body(struct ndr_pull *p, struct ndr_ustr *u);

/* RPC_SID referent (MS-DTYP 2.4.2.3): conformance, revision 1, count, authority, sub-auths. */
bool ndr_pull_sid(struct ndr_pull *p, struct sd_sid *sid);
bool ndr_pull_handle(struct ndr_pull *p, uint8_t h[NDR_HANDLE_SIZE]);

struct ndr_push {
	struct wr w;          /* the stub; w.failed on allocation failure or unencodable string */
	uint32_t next_ref;    /* next referent id */
};

void ndr_push_init(struct ndr_push *p);
void ndr_push_free(struct ndr_push *p);
void ndr_push_align(struct ndr_push *p, size_t n);
void ndr_push_u8(struct ndr_push *p, uint8_t v);
void ndr_push_u16(struct ndr_push *p, uint16_t v);
void ndr_push_u32(struct ndr_push *p, uint32_t v);
void ndr_push_u64(struct ndr_push *p, uint64_t v);
/* A unique pointer: a fresh non-zero referent id, or 0 when !present. */
void ndr_push_ptr(struct ndr_push *p, bool present);
/* [string] wchar_t* referent: max = actual = characters + terminator, offset 0. */
void ndr_push_string(struct ndr_push *p, const char *s);
/* RPC_UNICODE_STRING: Length = bytes without terminator, MaximumLength the same or, when large,
 * two more (lsa_StringLarge); the pointer is NULL only when s is NULL. */
void ndr_push_ustr_hdr(struct ndr_push *p, const char *s, bool large);
void ndr_push_ustr_body(struct ndr_push *p, const char *s, bool large);
void ndr_push_sid(struct ndr_push *p, const struct sd_sid *sid);
void ndr_push_handle(struct ndr_push *p, const uint8_t h[NDR_HANDLE_SIZE]);

/* SID text form "S-1-5-21-1-2-3" <-> struct (MS-DTYP 2.4.2.1). */
bool ndr_sid_parse(const char *s, struct sd_sid *sid);
/* Writes at most len bytes including the NUL; 190 bytes hold any SID. */
void ndr_sid_format(const struct sd_sid *sid, char *buf, size_t len);
#define NDR_SID_STRLEN 192

#endif
