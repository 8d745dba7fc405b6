/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small bounds-checked DER reader and writer, just enough for SPNEGO (RFC 4178). Reading goes
 * through the core reader (struct rd); every tag, length and nesting level is checked.
 */
#ifndef SKIFF_ASN1_H
#define SKIFF_ASN1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* X.690 single-byte identifiers used by SPNEGO. */
#define ASN1_BIT_STRING      0x03
#define ASN1_OCTET_STRING    0x04
#define ASN1_OID             0x06
#define ASN1_ENUMERATED      0x0a
#define ASN1_GENERAL_STRING  0x1b
#define ASN1_SEQUENCE        0x30
#define ASN1_APPLICATION(n)  (0x60 | (n))      /* constructed, application class */
#define ASN1_CONTEXT(n)      (0xa0 | (n))      /* constructed, context-specific class */

#define ASN1_CONSTRUCTED     0x20
/* Deepest nesting asn1_check_tree() walks into; SPNEGO needs 5. */
#define ASN1_MAX_DEPTH       16
/* Longest value accepted: security blobs travel in SMB2 messages far smaller than this. */
#define ASN1_MAX_LEN         0x00ffffffu

/* One decoded TLV: its identifier, its value (a reader over exactly the value bytes), and where
 * the whole encoding (identifier + length + value) sits, for callers that must hash it. */
struct asn1_tlv {
	uint8_t tag;
	struct rd val;
	const uint8_t *raw;
	size_t raw_len;
};

/*
 * Read one TLV from r. Rejects multi-byte (high-tag-number) identifiers, the indefinite length
 * form (0x80), length-of-length above 4 bytes, lengths past ASN1_MAX_LEN and values that run past
 * the reader. The non-minimal long form is tolerated (BER), since mechListMIC hashes raw bytes.
 * False (r unchanged) on any of those.
 */
bool asn1_read(struct rd *r, struct asn1_tlv *t);
/* asn1_read() and require the identifier to be `tag`. */
bool asn1_read_tag(struct rd *r, uint8_t tag, struct asn1_tlv *t);
/* Peek at the next identifier without consuming; false at end of input. */
bool asn1_peek_tag(const struct rd *r, uint8_t *tag);
/*
 * Walk every TLV in r (which must be fully consumed) and, for constructed ones, their contents,
 * no deeper than max_depth levels. Used on fields Skiff ignores so that any malformed DER,
 * wherever it sits, is refused.
 */
bool asn1_check_tree(struct rd r, unsigned max_depth);
/* True if the value of an OID TLV equals the given content bytes (without tag and length). */
bool asn1_oid_equal(const struct asn1_tlv *t, const uint8_t *oid, size_t oid_len);
/* Read an ENUMERATED of one to four content bytes (SPNEGO negState); false otherwise. */
bool asn1_read_enum(struct rd *r, uint32_t *v);

/* Writer: definite-length DER. Lengths are always minimal. */
void asn1_put_len(struct wr *w, size_t len);
void asn1_put_tlv(struct wr *w, uint8_t tag, const void *val, size_t len);
/* Append `inner`'s bytes to w as the value of one TLV with identifier `tag`. */
void asn1_put_wrap(struct wr *w, uint8_t tag, const struct wr *inner);
void asn1_put_enum(struct wr *w, uint8_t v);

#endif
