/* SPDX-License-Identifier: Apache-2.0 */
/* DER tag/length decoding over the core reader, a depth-limited tree check, and a DER writer. */
#include "auth/asn1.h"

#include <string.h>

bool asn1_peek_tag(const struct rd *r, uint8_t *tag)
{
	struct rd tmp = *r;
	return rd_u8(&tmp, tag);
}

bool asn1_read(struct rd *r, struct asn1_tlv *t)
{
	struct rd tmp = *r;
	size_t start = tmp.off;
	uint8_t tag, b;
	size_t len;
	const uint8_t *val;

	if (!rd_u8(&tmp, &tag) || !rd_u8(&tmp, &b))
		return false;
	/* X.690 8.1.2.4: tag numbers >= 31 need more identifier octets; SPNEGO never uses them. */
	if ((tag & 0x1f) == 0x1f)
		return false;
	if (b < 0x80) {
		len = b;
	} else {
		unsigned n = b & 0x7f;
		/* 0x80 is the indefinite form (BER only); 0xff is reserved (X.690 8.1.3.5). */
		if (n == 0 || n > 4)
			return false;
		len = 0;
		for (unsigned i = 0; i < n; i++) {
			if (!rd_u8(&tmp, &b))
				return false;
			len = len << 8 | b;
		}
		if (len > ASN1_MAX_LEN)
			return false;
	}
	if (!rd_bytes(&tmp, len, &val))
		return false;
	t->tag = tag;
	t->val = rd_init(val, len);
	t->raw = tmp.base + start;
	t->raw_len = tmp.off - start;
	*r = tmp;
	return true;
}

bool asn1_read_tag(struct rd *r, uint8_t tag, struct asn1_tlv *t)
{
	struct rd tmp = *r;

	if (!asn1_read(&tmp, t) || t->tag != tag)
		return false;
	*r = tmp;
	return true;
}

bool asn1_check_tree(struct rd r, unsigned max_depth)
{
	struct asn1_tlv t;

	while (rd_left(&r) > 0) {
		if (!asn1_read(&r, &t))
			return false;
		if (t.tag & ASN1_CONSTRUCTED) {
			if (max_depth == 0 || !asn1_check_tree(t.val, max_depth - 1))
				return false;
		}
	}
	return true;
}

bool asn1_oid_equal(const struct asn1_tlv *t, const uint8_t *oid, size_t oid_len)
{
	return t->tag == ASN1_OID && t->val.len == oid_len && memcmp(t->val.base, oid, oid_len) == 0;
}

bool asn1_read_enum(struct rd *r, uint32_t *v)
{
	struct rd tmp = *r;
	struct asn1_tlv t;
	uint32_t x = 0;
	uint8_t b;

	if (!asn1_read_tag(&tmp, ASN1_ENUMERATED, &t) || t.val.len < 1 || t.val.len > 4)
		return false;
	while (rd_u8(&t.val, &b))
		x = x << 8 | b;
	*v = x;
	*r = tmp;
	return true;
}

void asn1_put_len(struct wr *w, size_t len)
{
	if (len < 0x80) {
		wr_u8(w, (uint8_t)len);
	} else if (len <= 0xff) {
		wr_u8(w, 0x81);
		wr_u8(w, (uint8_t)len);
	} else if (len <= 0xffff) {
		wr_u8(w, 0x82);
		wr_be16(w, (uint16_t)len);
	} else if (len <= 0xffffff) {
		wr_u8(w, 0x83);
		wr_u8(w, (uint8_t)(len >> 16));
		wr_be16(w, (uint16_t)len);
	} else {
		/* Nothing Skiff writes comes near this; refuse rather than emit a 4-byte length. */
		w->failed = true;
	}
}

void asn1_put_tlv(struct wr *w, uint8_t tag, const void *val, size_t len)
{
	wr_u8(w, tag);
	asn1_put_len(w, len);
	wr_bytes(w, val, len);
}

void asn1_put_wrap(struct wr *w, uint8_t tag, const struct wr *inner)
{
	if (inner->failed) {
		w->failed = true;
		return;
	}
	asn1_put_tlv(w, tag, inner->buf, inner->len);
}

void asn1_put_enum(struct wr *w, uint8_t v)
{
	asn1_put_tlv(w, ASN1_ENUMERATED, &v, 1);
}
