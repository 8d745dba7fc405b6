/* SPDX-License-Identifier: Apache-2.0 */
/* SPNEGO NegTokenInit/NegTokenResp decoding and the server's token encoding (RFC 4178, MS-SPNG). */
#include "auth/spnego.h"

#include <string.h>

#include "auth/asn1.h"

const uint8_t spnego_oid_spnego[6] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
const uint8_t spnego_oid_ntlmssp[10] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

/* MS-SPNG 3.2.5.2: what Windows (and Samba) put in negHints.hintName. */
static const char spnego_neg_hint[] = "not_defined_in_RFC4178@please_ignore";

/* The value of `outer` must be exactly one TLV with identifier `tag`. */
static bool only_child(const struct asn1_tlv *outer, uint8_t tag, struct asn1_tlv *inner)
{
	struct rd r = outer->val;

	return asn1_read_tag(&r, tag, inner) && rd_left(&r) == 0;
}

static void set_blob(struct spnego_blob *b, const struct asn1_tlv *t)
{
	b->p = t->val.base;
	b->len = t->val.len;
	b->present = true;
}

/* MechTypeList ::= SEQUENCE OF MechType (OID). */
static bool parse_mech_types(const struct asn1_tlv *field, struct spnego_token *tok)
{
	struct asn1_tlv seq, oid;
	struct rd r;
	int i = 0;

	if (!only_child(field, ASN1_SEQUENCE, &seq))
		return false;
	tok->mech_types.p = seq.raw;
	tok->mech_types.len = seq.raw_len;
	tok->mech_types.present = true;
	r = seq.val;
	while (rd_left(&r) > 0) {
		if (!asn1_read_tag(&r, ASN1_OID, &oid) || oid.val.len == 0)
			return false;
		if (tok->ntlmssp_index < 0 &&
		    asn1_oid_equal(&oid, spnego_oid_ntlmssp, sizeof(spnego_oid_ntlmssp)))
			tok->ntlmssp_index = i;
		if (i < 0x7fff)   /* the index only matters while small */
			i++;
	}
	return true;
}

/* Reads the next field of a SEQUENCE whose fields are tagged [0]..[last], each at most once. */
static bool next_field(struct rd *r, uint8_t last, unsigned *seen, struct asn1_tlv *f)
{
	unsigned bit;

	if (!asn1_read(r, f))
		return false;
	if (f->tag < ASN1_CONTEXT(0) || f->tag > ASN1_CONTEXT(last))
		return false;
	bit = 1u << (f->tag - ASN1_CONTEXT(0));
	if (*seen & bit)
		return false;
	*seen |= bit;
	return true;
}

/*
 * NegTokenInit ::= SEQUENCE { mechTypes [0], reqFlags [1], mechToken [2], mechListMIC [3] }.
 * [3] is also where NegTokenInit2 keeps negHints (then [4] is the MIC): accepted if well formed.
 * Fields are taken in any order (as Samba does), but each at most once.
 */
static bool parse_init(const struct asn1_tlv *outer, struct spnego_token *tok)
{
	struct asn1_tlv seq, f, in;
	unsigned seen = 0;
	struct rd r;

	if (!only_child(outer, ASN1_SEQUENCE, &seq))
		return false;
	r = seq.val;
	while (rd_left(&r) > 0) {
		if (!next_field(&r, 4, &seen, &f))
			return false;
		switch (f.tag) {
		case ASN1_CONTEXT(0):
			if (!parse_mech_types(&f, tok))
				return false;
			break;
		case ASN1_CONTEXT(1):   /* ContextFlags: ignored, but must be a BIT STRING */
			if (!only_child(&f, ASN1_BIT_STRING, &in))
				return false;
			break;
		case ASN1_CONTEXT(2):
			if (!only_child(&f, ASN1_OCTET_STRING, &in))
				return false;
			set_blob(&tok->mech_token, &in);
			break;
		case ASN1_CONTEXT(3): {
			struct rd v = f.val;
			uint8_t t;
			if (asn1_peek_tag(&v, &t) && t == ASN1_OCTET_STRING) {
				if (!only_child(&f, ASN1_OCTET_STRING, &in))
					return false;
				set_blob(&tok->mech_list_mic, &in);
			} else if (!asn1_check_tree(f.val, ASN1_MAX_DEPTH)) {
				return false;
			}
			break;
		}
		case ASN1_CONTEXT(4):
			if (!only_child(&f, ASN1_OCTET_STRING, &in))
				return false;
			set_blob(&tok->mech_list_mic, &in);
			break;
		}
	}
	return true;
}

/* NegTokenResp ::= SEQUENCE { negState [0], supportedMech [1], responseToken [2], mechListMIC [3] } */
static bool parse_resp(const struct asn1_tlv *outer, struct spnego_token *tok)
{
	struct asn1_tlv seq, f, in;
	unsigned seen = 0;
	struct rd r, v;
	uint32_t st;

	if (!only_child(outer, ASN1_SEQUENCE, &seq))
		return false;
	r = seq.val;
	while (rd_left(&r) > 0) {
		if (!next_field(&r, 3, &seen, &f))
			return false;
		switch (f.tag) {
		case ASN1_CONTEXT(0):
			v = f.val;
			if (!asn1_read_enum(&v, &st) || rd_left(&v) != 0 || st > SPNEGO_REQUEST_MIC)
				return false;
			tok->neg_state = (uint8_t)st;
			break;
		case ASN1_CONTEXT(1):
			if (!only_child(&f, ASN1_OID, &in) || in.val.len == 0)
				return false;
			tok->supported_mech_ntlmssp =
				asn1_oid_equal(&in, spnego_oid_ntlmssp, sizeof(spnego_oid_ntlmssp));
			break;
		case ASN1_CONTEXT(2):
			if (!only_child(&f, ASN1_OCTET_STRING, &in))
				return false;
			set_blob(&tok->response_token, &in);
			break;
		case ASN1_CONTEXT(3):
			if (!only_child(&f, ASN1_OCTET_STRING, &in))
				return false;
			set_blob(&tok->mech_list_mic, &in);
			break;
		}
	}
	return true;
}

NTSTATUS spnego_parse(const uint8_t *in, size_t len, struct spnego_token *tok)
{
	struct rd r = rd_init(in, len);
	struct asn1_tlv top, oid, inner;
	bool ok = false;

	memset(tok, 0, sizeof(*tok));
	tok->ntlmssp_index = -1;
	tok->neg_state = SPNEGO_NEG_STATE_ABSENT;

	/* Bytes after the top-level token are ignored, as Samba and Windows do. */
	if (!asn1_read(&r, &top))
		return STATUS_INVALID_PARAMETER;
	switch (top.tag) {
	case ASN1_APPLICATION(0):
		/* RFC 2743 3.1: InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE {
		 * thisMech OID, innerContextToken } with thisMech = SPNEGO. */
		r = top.val;
		if (!asn1_read_tag(&r, ASN1_OID, &oid) ||
		    !asn1_oid_equal(&oid, spnego_oid_spnego, sizeof(spnego_oid_spnego)))
			break;
		if (!asn1_read_tag(&r, ASN1_CONTEXT(0), &inner) || rd_left(&r) != 0)
			break;
		tok->kind = SPNEGO_NEG_TOKEN_INIT;
		ok = parse_init(&inner, tok);
		break;
	case ASN1_CONTEXT(0):
		tok->kind = SPNEGO_NEG_TOKEN_INIT;
		ok = parse_init(&top, tok);
		break;
	case ASN1_CONTEXT(1):
		tok->kind = SPNEGO_NEG_TOKEN_RESP;
		ok = parse_resp(&top, tok);
		break;
	default:
		break;
	}
	return ok ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

/* Append [ctx] { tag { val } } to w. */
static void put_field(struct wr *w, uint8_t ctx, uint8_t tag, const void *val, size_t len)
{
	struct wr f;

	wr_init(&f, len + 8);
	asn1_put_tlv(&f, tag, val, len);
	asn1_put_wrap(w, ctx, &f);
	wr_free(&f);
}

bool spnego_build_resp(struct wr *w, uint8_t neg_state, bool supported_mech,
		       const uint8_t *response, size_t response_len,
		       const uint8_t *mic, size_t mic_len)
{
	struct wr seq, body;

	wr_init(&body, response_len + mic_len + 64);
	if (neg_state != SPNEGO_NEG_STATE_ABSENT)
		put_field(&body, ASN1_CONTEXT(0), ASN1_ENUMERATED, &neg_state, 1);
	if (supported_mech)
		put_field(&body, ASN1_CONTEXT(1), ASN1_OID, spnego_oid_ntlmssp,
			  sizeof(spnego_oid_ntlmssp));
	if (response)
		put_field(&body, ASN1_CONTEXT(2), ASN1_OCTET_STRING, response, response_len);
	if (mic)
		put_field(&body, ASN1_CONTEXT(3), ASN1_OCTET_STRING, mic, mic_len);
	wr_init(&seq, body.len + 8);
	asn1_put_wrap(&seq, ASN1_SEQUENCE, &body);
	asn1_put_wrap(w, ASN1_CONTEXT(1), &seq);
	wr_free(&seq);
	wr_free(&body);
	return !w->failed;
}

bool spnego_build_init2(struct wr *w)
{
	struct wr types, hints, body, seq, gss;

	/* mechTypes [0] SEQUENCE { NTLMSSP } */
	wr_init(&types, 32);
	asn1_put_tlv(&types, ASN1_OID, spnego_oid_ntlmssp, sizeof(spnego_oid_ntlmssp));
	/* negHints [3] SEQUENCE { hintName [0] GeneralString } */
	wr_init(&hints, 64);
	put_field(&hints, ASN1_CONTEXT(0), ASN1_GENERAL_STRING, spnego_neg_hint,
		  sizeof(spnego_neg_hint) - 1);

	wr_init(&body, 128);
	{
		struct wr f;
		wr_init(&f, 32);
		asn1_put_wrap(&f, ASN1_SEQUENCE, &types);
		asn1_put_wrap(&body, ASN1_CONTEXT(0), &f);
		wr_free(&f);
		wr_init(&f, 64);
		asn1_put_wrap(&f, ASN1_SEQUENCE, &hints);
		asn1_put_wrap(&body, ASN1_CONTEXT(3), &f);
		wr_free(&f);
	}
	wr_init(&seq, 128);
	asn1_put_wrap(&seq, ASN1_SEQUENCE, &body);
	/* InitialContextToken: [APPLICATION 0] { SPNEGO OID, [0] NegTokenInit2 } */
	wr_init(&gss, 128);
	asn1_put_tlv(&gss, ASN1_OID, spnego_oid_spnego, sizeof(spnego_oid_spnego));
	asn1_put_wrap(&gss, ASN1_CONTEXT(0), &seq);
	asn1_put_wrap(w, ASN1_APPLICATION(0), &gss);

	wr_free(&types);
	wr_free(&hints);
	wr_free(&body);
	wr_free(&seq);
	wr_free(&gss);
	return !w->failed;
}
