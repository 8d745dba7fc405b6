/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal NTLMv2 + SPNEGO *client* for the auth unit tests (MS-NLMP 3.1.5, RFC 4178): it builds
 * NEGOTIATE and AUTHENTICATE messages against whatever CHALLENGE the server under test produced,
 * with knobs to break each part. Test code only; written from the spec, independent of the server.
 */
#ifndef SKIFF_NTLM_TESTCLIENT_H
#define SKIFF_NTLM_TESTCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/asn1.h"
#include "core/buf.h"
#include "core/utf16.h"
#include "crypto/crypto.h"

/* Flags a modern Windows/Samba client asks for. */
#define TC_FLAGS_DEFAULT 0xe2088297u   /* Windows 10's: UNICODE OEM REQUEST_TARGET SIGN LM_KEY NTLM
                                        * ALWAYS_SIGN ESS VERSION 128 KEY_EXCH 56 */

struct tc_opts {
	const char *user;            /* as put in the UserName field */
	const char *domain;          /* as put in the DomainName field */
	const char *password;
	const char *workstation;
	const char *hash_user;       /* if set: the user name NTOWFv2 is computed with */
	const char *hash_domain;     /* if set: the domain NTOWFv2 is computed with */
	uint32_t flags;              /* NEGOTIATE flags (0: TC_FLAGS_DEFAULT) */
	bool mic;                    /* MsvAvFlags MIC bit + MIC field */
	bool tamper_mic;
	bool v1;                     /* send a 24-byte (NTLMv1-shaped) NT response */
	bool lmv2_only;              /* send only an LMv2 response (no NT response) */
	bool anonymous;
	bool drop_enc_key;           /* KEY_EXCH but no EncryptedRandomSessionKey */
};

struct tc {
	struct tc_opts o;
	uint8_t neg[40];
	size_t neg_len;
	uint8_t exported[16];        /* ExportedSessionKey the client ends up with */
	uint32_t flags;              /* flags of the AUTHENTICATE */
};

static inline void tc_utf16(struct wr *w, const char *s)
{
	if (s)
		utf8_to_utf16le(w, s);
}

/* ASCII-only upper-casing: what the tests' user names need. */
static inline void tc_upper_utf16(struct wr *w, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		wr_u16(w, (uint16_t)(ch >= 'a' && ch <= 'z' ? ch - 32 : ch));
	}
}

static inline void tc_nt_hash(const char *password, uint8_t out[16])
{
	struct wr w;

	wr_init(&w, 64);
	tc_utf16(&w, password);
	crypto_md4(w.buf, w.len, out);
	wr_free(&w);
}

static inline uint8_t *tc_negotiate(struct tc *c, const struct tc_opts *o, size_t *len)
{
	struct wr w;

	memset(c, 0, sizeof(*c));
	c->o = *o;
	if (!c->o.flags)
		c->o.flags = TC_FLAGS_DEFAULT;
	wr_init(&w, 40);
	wr_bytes(&w, "NTLMSSP", 8);
	wr_u32(&w, 1);
	wr_u32(&w, c->o.flags);
	wr_zero(&w, 16);                                    /* domain, workstation: empty */
	static const uint8_t ver[8] = { 10, 0, 0x61, 0x4a, 0, 0, 0, 15 };
	wr_bytes(&w, ver, 8);
	memcpy(c->neg, w.buf, w.len);
	c->neg_len = w.len;
	return wr_steal(&w, len);
}

/* A security buffer descriptor plus its bytes at the end of `payload` (offset from msg start). */
static inline void tc_field(struct wr *hdr, struct wr *payload, size_t base, const void *p, size_t n)
{
	wr_u16(hdr, (uint16_t)n);
	wr_u16(hdr, (uint16_t)n);
	wr_u32(hdr, (uint32_t)(base + payload->len));
	wr_bytes(payload, p, n);
}

static inline uint8_t *tc_authenticate(struct tc *c, const uint8_t *chal, size_t chal_len,
				       size_t *len)
{
	const struct tc_opts *o = &c->o;
	uint32_t cflags = le32(chal + 20);
	const uint8_t *server_challenge = chal + 24;
	uint16_t ti_len = le16(chal + 40);
	uint32_t ti_off = le32(chal + 44);
	uint8_t nt_hash[16], key[16], proof[16], base[16], lm[24];
	uint8_t client_chal[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	uint8_t random_key[16];
	struct wr temp, nt, hdr, pay, name;
	size_t hdr_len = o->mic ? 88 : 72;

	(void)chal_len;
	c->flags = cflags;
	crypto_random(random_key, 16);

	/* temp = NTLMv2_CLIENT_CHALLENGE with the server's AV pairs (minus EOL) + ours */
	wr_init(&temp, 256);
	wr_u8(&temp, 1);
	wr_u8(&temp, 1);
	wr_zero(&temp, 6);
	wr_u64(&temp, 0x01d9000000000000ull);
	wr_bytes(&temp, client_chal, 8);
	wr_zero(&temp, 4);
	{
		struct rd r = rd_init(chal + ti_off, ti_len);
		uint16_t id, l;
		const uint8_t *v;
		while (rd_u16(&r, &id) && rd_u16(&r, &l) && rd_bytes(&r, l, &v) && id != 0) {
			wr_u16(&temp, id);
			wr_u16(&temp, l);
			wr_bytes(&temp, v, l);
		}
	}
	if (o->mic) {
		wr_u16(&temp, 6);
		wr_u16(&temp, 4);
		wr_u32(&temp, 2);
	}
	wr_u32(&temp, 0);            /* MsvAvEOL */
	wr_u32(&temp, 0);            /* padding, as Windows sends */

	/* NTOWFv2 and the responses */
	tc_nt_hash(o->password, nt_hash);
	wr_init(&name, 64);
	tc_upper_utf16(&name, o->hash_user ? o->hash_user : o->user);
	tc_utf16(&name, o->hash_domain ? o->hash_domain : o->domain);
	struct crypto_part np = { name.buf, name.len };
	crypto_hmac_md5(nt_hash, 16, &np, 1, key);
	wr_free(&name);

	struct crypto_part pp[2] = { { server_challenge, 8 }, { temp.buf, temp.len } };
	crypto_hmac_md5(key, 16, pp, 2, proof);
	struct crypto_part bp = { proof, 16 };
	crypto_hmac_md5(key, 16, &bp, 1, base);
	struct crypto_part lp[2] = { { server_challenge, 8 }, { client_chal, 8 } };
	crypto_hmac_md5(key, 16, lp, 2, lm);
	memcpy(lm + 16, client_chal, 8);
	if (o->mic)
		memset(lm, 0, 24);   /* MS-NLMP 3.1.5.1.2: with MsvAvTimestamp, LM is Z(24) */

	wr_init(&nt, 512);
	if (o->v1) {
		wr_bytes(&nt, proof, 16);
		wr_bytes(&nt, client_chal, 8);
	} else if (!o->lmv2_only && !o->anonymous) {
		wr_bytes(&nt, proof, 16);
		wr_bytes(&nt, temp.buf, temp.len);
	}

	uint8_t enc_key[16];
	bool kx = (cflags & 0x40000000u) != 0;
	if (o->anonymous)
		memset(base, 0, 16);
	if (kx) {
		crypto_rc4(base, 16, random_key, 16, enc_key);
		memcpy(c->exported, random_key, 16);
	} else {
		memcpy(c->exported, base, 16);
	}

	/* the message */
	wr_init(&hdr, 96);
	wr_init(&pay, 512);
	wr_bytes(&hdr, "NTLMSSP", 8);
	wr_u32(&hdr, 3);
	if (o->anonymous)
		tc_field(&hdr, &pay, hdr_len, "", 0);
	else
		tc_field(&hdr, &pay, hdr_len, lm, 24);
	tc_field(&hdr, &pay, hdr_len, nt.buf, nt.len);
	{
		struct wr s;
		wr_init(&s, 64);
		tc_utf16(&s, o->domain);
		tc_field(&hdr, &pay, hdr_len, s.buf, s.len);
		s.len = 0;
		tc_utf16(&s, o->anonymous ? "" : o->user);
		tc_field(&hdr, &pay, hdr_len, s.buf, s.len);
		s.len = 0;
		tc_utf16(&s, o->workstation ? o->workstation : "TESTWS");
		tc_field(&hdr, &pay, hdr_len, s.buf, s.len);
		wr_free(&s);
	}
	if (kx && !o->drop_enc_key)
		tc_field(&hdr, &pay, hdr_len, enc_key, 16);
	else
		tc_field(&hdr, &pay, hdr_len, "", 0);
	wr_u32(&hdr, cflags);
	static const uint8_t ver[8] = { 10, 0, 0x61, 0x4a, 0, 0, 0, 15 };
	wr_bytes(&hdr, ver, 8);
	if (o->mic)
		wr_zero(&hdr, 16);
	wr_bytes(&hdr, pay.buf, pay.len);

	if (o->mic) {
		uint8_t mic[16];
		struct crypto_part mp[3] = {
			{ c->neg, c->neg_len }, { chal, chal_len }, { hdr.buf, hdr.len },
		};
		crypto_hmac_md5(c->exported, 16, mp, 3, mic);
		if (o->tamper_mic)
			mic[3] ^= 0x40;
		memcpy(hdr.buf + 72, mic, 16);
	}

	wr_free(&temp);
	wr_free(&nt);
	wr_free(&pay);
	return wr_steal(&hdr, len);
}

/* MS-NLMP 3.4.4.2 signature over msg, seqnum 0, with fresh keys (the mechListMIC case). */
static inline void tc_sign(const uint8_t exported[16], bool client_to_server, bool seal,
			   const uint8_t *msg, size_t len, uint8_t sig[16])
{
	const char *sm = client_to_server ?
		"session key to client-to-server signing key magic constant" :
		"session key to server-to-client signing key magic constant";
	const char *cm = client_to_server ?
		"session key to client-to-server sealing key magic constant" :
		"session key to server-to-client sealing key magic constant";
	uint8_t buf[96], sign_key[16], seal_key[16], digest[16], seq[4] = { 0 };

	memcpy(buf, exported, 16);
	memcpy(buf + 16, sm, strlen(sm) + 1);
	crypto_md5(buf, 16 + strlen(sm) + 1, sign_key);
	memcpy(buf + 16, cm, strlen(cm) + 1);
	crypto_md5(buf, 16 + strlen(cm) + 1, seal_key);
	struct crypto_part p[2] = { { seq, 4 }, { msg, len } };
	crypto_hmac_md5(sign_key, 16, p, 2, digest);
	if (seal)
		crypto_rc4(seal_key, 16, digest, 8, digest);
	put_le32(sig, 1);
	memcpy(sig + 4, digest, 8);
	put_le32(sig + 12, 0);
}

/* --- SPNEGO client tokens --------------------------------------------------------------- */

static const uint8_t tc_oid_krb5[9] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
static const uint8_t tc_oid_ntlm[10] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

static inline void tc_ctx_field(struct wr *w, uint8_t ctx, uint8_t tag, const void *p, size_t n)
{
	struct wr f;
	wr_init(&f, n + 8);
	asn1_put_tlv(&f, tag, p, n);
	asn1_put_wrap(w, ctx, &f);
	wr_free(&f);
}

/*
 * GSS InitialContextToken { SPNEGO, [0] NegTokenInit { [0] mechTypes, [2] mechToken } }.
 * krb5_first puts Kerberos before NTLMSSP; no_ntlm leaves NTLMSSP out. *mech_types receives
 * the MechTypeList DER (for mechListMIC), malloc'ed.
 */
static inline uint8_t *tc_neg_token_init(bool krb5_first, bool no_ntlm, const uint8_t *tok,
					 size_t tok_len, uint8_t **mech_types, size_t *mt_len,
					 size_t *len)
{
	struct wr oids, mt, body, seq, gss, out;
	static const uint8_t spnego[6] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };

	wr_init(&oids, 32);
	if (krb5_first || no_ntlm)
		asn1_put_tlv(&oids, 0x06, tc_oid_krb5, sizeof(tc_oid_krb5));
	if (!no_ntlm)
		asn1_put_tlv(&oids, 0x06, tc_oid_ntlm, sizeof(tc_oid_ntlm));
	wr_init(&mt, 32);
	asn1_put_wrap(&mt, 0x30, &oids);
	wr_init(&body, 256);
	asn1_put_wrap(&body, 0xa0, &mt);
	if (tok)
		tc_ctx_field(&body, 0xa2, 0x04, tok, tok_len);
	wr_init(&seq, 256);
	asn1_put_wrap(&seq, 0x30, &body);
	wr_init(&gss, 256);
	asn1_put_tlv(&gss, 0x06, spnego, 6);
	asn1_put_wrap(&gss, 0xa0, &seq);
	wr_init(&out, 256);
	asn1_put_wrap(&out, 0x60, &gss);
	if (mech_types) {
		*mech_types = malloc(mt.len);
		memcpy(*mech_types, mt.buf, mt.len);
		*mt_len = mt.len;
	}
	wr_free(&oids);
	wr_free(&mt);
	wr_free(&body);
	wr_free(&seq);
	wr_free(&gss);
	return wr_steal(&out, len);
}

/* [1] NegTokenResp { [2] responseToken?, [3] mechListMIC? } */
static inline uint8_t *tc_neg_token_resp(const uint8_t *tok, size_t tok_len, const uint8_t *mic,
					 size_t mic_len, size_t *len)
{
	struct wr body, seq, out;

	wr_init(&body, 512);
	if (tok)
		tc_ctx_field(&body, 0xa2, 0x04, tok, tok_len);
	if (mic)
		tc_ctx_field(&body, 0xa3, 0x04, mic, mic_len);
	wr_init(&seq, 512);
	asn1_put_wrap(&seq, 0x30, &body);
	wr_init(&out, 512);
	asn1_put_wrap(&out, 0xa1, &seq);
	wr_free(&body);
	wr_free(&seq);
	return wr_steal(&out, len);
}

#endif
