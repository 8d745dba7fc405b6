/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NTLMSSP server side (MS-NLMP): CHALLENGE construction, AUTHENTICATE parsing and NTLMv2
 * verification, key exchange, MIC, and signing/sealing key derivation for SPNEGO's mechListMIC.
 */
#include "auth/ntlmssp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/utf16.h"

const uint8_t ntlmssp_signature[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

/*
 * Samba refuses an AUTHENTICATE more than 30 minutes after its CHALLENGE (MS-NLMP 3.2.5.1.2
 * leaves the lifetime to the implementation; Windows uses 36 hours for connectionless NTLM).
 */
#define NTLMSSP_CHALLENGE_LIFETIME_SEC (30 * 60)
/* Fixed part of CHALLENGE_MESSAGE up to and including Version (MS-NLMP 2.2.1.2). */
#define NTLMSSP_CHALLENGE_HDR 56
/* Fixed part of AUTHENTICATE_MESSAGE up to and including NegotiateFlags (MS-NLMP 2.2.1.3). */
#define NTLMSSP_AUTHENTICATE_HDR 64

/* MS-NLMP 2.2.2.10 VERSION: Skiff claims 6.1 with NTLMSSP_REVISION_W2K3, as Samba does. */
static const uint8_t ntlmssp_version[8] = { 6, 1, 0, 0, 0, 0, 0, 0x0f };

/* MS-NLMP 3.4.5.2 / 3.4.5.3 magic constants; the trailing NUL is part of the hashed input. */
static const char magic_cli_sign[] = "session key to client-to-server signing key magic constant";
static const char magic_cli_seal[] = "session key to client-to-server sealing key magic constant";
static const char magic_srv_sign[] = "session key to server-to-client signing key magic constant";
static const char magic_srv_seal[] = "session key to server-to-client sealing key magic constant";

enum ntlmssp_state {
	NTLMSSP_WAIT_NEGOTIATE,
	NTLMSSP_WAIT_AUTHENTICATE,
	NTLMSSP_DONE,
	NTLMSSP_FAILED,
};

struct ntlmssp_server {
	const struct auth_config *cfg;
	enum ntlmssp_state state;
	uint32_t flags;                   /* negotiated: CHALLENGE flags, narrowed by AUTHENTICATE */
	uint8_t challenge[8];
	struct timespec chal_time;        /* CLOCK_MONOTONIC when the CHALLENGE was made */
	uint8_t *neg, *chal;              /* exact NEGOTIATE and CHALLENGE bytes, for the MIC */
	size_t neg_len, chal_len;
	/* after a successful AUTHENTICATE */
	bool user_key;                    /* a real user's key: signatures possible */
	bool had_mic;
	struct ntlmssp_keys keys;
	struct crypto_rc4_state *recv_seal, *send_seal;
	uint32_t recv_seq, send_seq;
	char tried_user[520];             /* "DOMAIN\\user" of a failed AUTHENTICATE, for logs */
};

/* --- names ---------------------------------------------------------------------------------- */

/*
 * Upper-case one UTF-16 code unit for NTOWFv2 (MS-NLMP 3.3.2 "Uppercase(User)"): the simple
 * mappings of Latin-1, Latin Extended-A, Greek, Cyrillic, Armenian and fullwidth Latin, which
 * covers the names people type. Surrogates and unmapped characters are left alone.
 */
static uint16_t upcase16(uint16_t c)
{
	if (c >= 'a' && c <= 'z')
		return (uint16_t)(c - 32);
	if (c < 0xe0)
		return c == 0xb5 ? 0x39c : c;
	if (c <= 0xfe)
		return c == 0xf7 ? c : (uint16_t)(c - 32);
	if (c == 0xff)
		return 0x178;
	if (c >= 0x100 && c <= 0x17f) {
		/* Pairs are upper/lower at even/odd code points, except two runs that are odd/even. */
		bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e);
		if (c == 0x131)
			return 'I';
		if (c == 0x138 || c == 0x149 || c == 0x17f)
			return c == 0x17f ? 'S' : c;
		if (odd_upper)
			return (c & 1) ? c : (uint16_t)(c - 1);
		return (c & 1) ? (uint16_t)(c - 1) : c;
	}
	if (c >= 0x3ac && c <= 0x3ce) {
		if (c == 0x3ac)
			return 0x386;
		if (c <= 0x3af)
			return (uint16_t)(c - 37);
		if (c == 0x3c2)
			return 0x3a3;
		if (c >= 0x3b1 && c <= 0x3cb)
			return (uint16_t)(c - 32);
		if (c == 0x3cc)
			return 0x38c;
		if (c >= 0x3cd)
			return (uint16_t)(c - 63);
		return c;
	}
	if (c >= 0x430 && c <= 0x44f)
		return (uint16_t)(c - 32);
	if (c >= 0x450 && c <= 0x45f)
		return (uint16_t)(c - 80);
	if (c >= 0x460 && c <= 0x4ff && (c & 1) &&
	    !(c >= 0x482 && c <= 0x489) && !(c >= 0x4c1 && c <= 0x4ce))
		return (uint16_t)(c - 1);
	if (c >= 0x561 && c <= 0x586)
		return (uint16_t)(c - 48);
	if (c >= 0xff41 && c <= 0xff5a)
		return (uint16_t)(c - 32);
	return c;
}

/* Upper-case UTF-16LE into a malloc'ed copy; NULL on odd length or allocation failure. */
static uint8_t *upcase_utf16(const uint8_t *p, size_t len)
{
	uint8_t *u;

	if (len % 2)
		return NULL;
	u = malloc(len ? len : 1);
	if (!u)
		return NULL;
	for (size_t i = 0; i < len; i += 2)
		put_le16(u + i, upcase16(le16(p + i)));
	return u;
}

static const char *name_or(const char *a, const char *b)
{
	return a && *a ? a : (b ? b : "");
}

/* --- NTLMv2 ----------------------------------------------------------------------------------- */

static const uint8_t empty_bytes[1];

bool ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user16, size_t user_len,
		  const uint8_t *domain16, size_t domain_len, uint8_t out[16])
{
	uint8_t *up = upcase_utf16(user16 ? user16 : empty_bytes, user_len);
	bool ok;

	if (!up)
		return false;
	struct crypto_part parts[2] = {
		{ up, user_len },
		{ domain16 ? domain16 : empty_bytes, domain_len },
	};
	ok = crypto_hmac_md5(nt_hash, 16, parts, 2, out);
	explicit_bzero(up, user_len);
	free(up);
	return ok;
}

/* One NTLMv2 check (MS-NLMP 3.3.2) with one spelling of the domain. */
static bool v2_check_one(const uint8_t nt_hash[16], const struct ntlm_authenticate *a,
			 const uint8_t *domain16, size_t domain_len,
			 const uint8_t server_challenge[8], uint8_t session_base_key[16])
{
	uint8_t key[16], proof[16];
	struct crypto_part parts[2] = {
		{ server_challenge, 8 },
		{ a->nt.p + 16, a->nt.len - 16 },   /* temp: the NTLMv2_CLIENT_CHALLENGE */
	};
	struct crypto_part proof_part = { proof, 16 };
	bool ok = false;

	if (!ntlm_ntowfv2(nt_hash, a->user.p, a->user.len, domain16, domain_len, key))
		goto out;
	if (!crypto_hmac_md5(key, 16, parts, 2, proof))
		goto out;
	if (!crypto_equal(proof, a->nt.p, 16))
		goto out;
	/* SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr) */
	ok = crypto_hmac_md5(key, 16, &proof_part, 1, session_base_key);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(proof, sizeof(proof));
	return ok;
}

bool ntlm_v2_verify(const uint8_t nt_hash[16], const struct ntlm_authenticate *a,
		    const uint8_t server_challenge[8], uint8_t session_base_key[16])
{
	uint8_t *upper;
	bool ok;

	if (!a->v2 || a->nt.len < NTLMV2_RESPONSE_MIN)
		return false;
	/* libcli/auth/ntlm_check.c order: the domain as sent, upper-cased, then none at all. */
	if (v2_check_one(nt_hash, a, a->domain.p, a->domain.len, server_challenge, session_base_key))
		return true;
	upper = upcase_utf16(a->domain.p ? a->domain.p : empty_bytes, a->domain.len);
	if (!upper)
		return false;
	ok = a->domain.len && memcmp(upper, a->domain.p, a->domain.len) != 0 &&
	     v2_check_one(nt_hash, a, upper, a->domain.len, server_challenge, session_base_key);
	free(upper);
	if (ok)
		return true;
	return a->domain.len &&
	       v2_check_one(nt_hash, a, NULL, 0, server_challenge, session_base_key);
}

/* --- AUTHENTICATE parsing --------------------------------------------------------------------- */

/* A security-buffer descriptor (Len, MaxLen, Offset) and the bytes it names. */
static bool read_field(struct rd *hdr, const struct rd *msg, struct ntlm_field *f)
{
	uint16_t len, max_len;
	uint32_t off;
	struct rd sub;

	if (!rd_u16(hdr, &len) || !rd_u16(hdr, &max_len) || !rd_u32(hdr, &off))
		return false;
	f->p = NULL;
	f->len = 0;
	if (len == 0)   /* clients leave any offset in empty fields; Samba ignores it too */
		return true;
	if (!rd_at(msg, off, len, &sub))
		return false;
	f->p = sub.base;
	f->len = len;
	return true;
}

/*
 * NTLMv2_RESPONSE (MS-NLMP 2.2.2.8): NTProofStr, then NTLMv2_CLIENT_CHALLENGE whose AvPairs must
 * reach MsvAvEOL inside the response (smbtorture smb2.session.ntlmssp_bug14932 sends one that
 * does not and expects STATUS_INVALID_PARAMETER). Bytes after MsvAvEOL are padding.
 */
static bool parse_v2_response(struct ntlm_authenticate *a)
{
	struct rd r = rd_init(a->nt.p, a->nt.len);
	bool have_flags = false;

	if (!rd_skip(&r, NTLMV2_RESPONSE_MIN))
		return false;
	for (;;) {   /* every pass consumes at least 4 bytes, so this ends */
		uint16_t id, len;
		const uint8_t *v;

		if (!rd_u16(&r, &id) || !rd_u16(&r, &len) || !rd_bytes(&r, len, &v))
			return false;
		if (id == MsvAvEOL)
			return true;
		if (id == MsvAvFlags && !have_flags) {
			if (len != 4)
				return false;
			a->av_flags = le32(v);
			have_flags = true;
		}
	}
}

NTSTATUS ntlm_parse_authenticate(const uint8_t *msg, size_t len, struct ntlm_authenticate *a)
{
	struct rd m = rd_init(msg, len);
	struct rd h = m;
	const uint8_t *sig;
	uint32_t type;

	memset(a, 0, sizeof(*a));
	a->msg = msg;
	a->msg_len = len;
	if (len < NTLMSSP_AUTHENTICATE_HDR)
		return STATUS_INVALID_PARAMETER;
	if (!rd_bytes(&h, 8, &sig) || memcmp(sig, ntlmssp_signature, 8) != 0 ||
	    !rd_u32(&h, &type) || type != NTLMSSP_AUTHENTICATE_MESSAGE)
		return STATUS_INVALID_PARAMETER;
	if (!read_field(&h, &m, &a->lm) || !read_field(&h, &m, &a->nt) ||
	    !read_field(&h, &m, &a->domain) || !read_field(&h, &m, &a->user) ||
	    !read_field(&h, &m, &a->workstation) || !read_field(&h, &m, &a->enc_key) ||
	    !rd_u32(&h, &a->flags))
		return STATUS_INVALID_PARAMETER;
	if (a->domain.len % 2 || a->user.len % 2 || a->workstation.len % 2)
		return STATUS_INVALID_PARAMETER;
	if (a->nt.len > 24) {
		if (!parse_v2_response(a))
			return STATUS_INVALID_PARAMETER;
		a->v2 = true;
	}
	if ((a->av_flags & MSV_AV_FLAG_MIC_PRESENT) &&
	    len < NTLMSSP_MIC_OFFSET + NTLMSSP_MIC_SIZE)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* --- signing ---------------------------------------------------------------------------------- */

static bool md5_with_magic(const uint8_t *key, size_t key_len, const char *magic, size_t magic_len,
			   uint8_t out[16])
{
	uint8_t buf[16 + 64];
	bool ok;

	if (key_len > 16 || magic_len > 64)
		return false;
	memcpy(buf, key, key_len);
	memcpy(buf + key_len, magic, magic_len);
	ok = crypto_md5(buf, key_len + magic_len, out);
	explicit_bzero(buf, sizeof(buf));
	return ok;
}

bool ntlmssp_derive_keys(const uint8_t exported_session_key[16], uint32_t flags,
			 struct ntlmssp_keys *k)
{
	/* MS-NLMP 3.4.5.3 SEALKEY: the sealing keys are weakened to 56 or 40 bits when 128-bit
	 * was not negotiated; the signing keys never are. */
	size_t seal_len = (flags & NTLMSSP_NEGOTIATE_128) ? 16 :
			  (flags & NTLMSSP_NEGOTIATE_56) ? 7 : 5;

	return md5_with_magic(exported_session_key, 16, magic_cli_sign, sizeof(magic_cli_sign), k->client_sign) &&
	       md5_with_magic(exported_session_key, seal_len, magic_cli_seal, sizeof(magic_cli_seal), k->client_seal) &&
	       md5_with_magic(exported_session_key, 16, magic_srv_sign, sizeof(magic_srv_sign), k->server_sign) &&
	       md5_with_magic(exported_session_key, seal_len, magic_srv_seal, sizeof(magic_srv_seal), k->server_seal);
}

bool ntlmssp_make_signature(const uint8_t sign_key[16], struct crypto_rc4_state *seal,
			    uint32_t seqnum, const uint8_t *msg, size_t len,
			    uint8_t sig[NTLMSSP_SIG_SIZE])
{
	uint8_t seq[4], digest[16];
	bool ok;

	put_le32(seq, seqnum);
	struct crypto_part parts[2] = { { seq, 4 }, { msg ? msg : empty_bytes, len } };
	ok = crypto_hmac_md5(sign_key, 16, parts, 2, digest);
	if (ok && seal)
		ok = crypto_rc4_update(seal, digest, 8, digest);
	put_le32(sig, 1);   /* NTLMSSP_MESSAGE_SIGNATURE.Version */
	memcpy(sig + 4, digest, 8);
	put_le32(sig + 12, seqnum);
	explicit_bzero(digest, sizeof(digest));
	if (!ok)
		memset(sig, 0, NTLMSSP_SIG_SIZE);
	return ok;
}

/* --- server ----------------------------------------------------------------------------------- */

struct ntlmssp_server *ntlmssp_server_new(const struct auth_config *cfg)
{
	struct ntlmssp_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->state = NTLMSSP_WAIT_NEGOTIATE;
	return s;
}

void ntlmssp_server_free(struct ntlmssp_server *s)
{
	if (!s)
		return;
	crypto_rc4_free(s->recv_seal);
	crypto_rc4_free(s->send_seal);
	free(s->neg);
	free(s->chal);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* One AV_PAIR holding a UTF-16LE string. */
static bool av_put_str(struct wr *w, uint16_t id, const char *s)
{
	size_t n = utf8_utf16le_len(s);

	if (n == SIZE_MAX || n > 0xffff)
		return false;
	wr_u16(w, id);
	wr_u16(w, (uint16_t)n);
	return utf8_to_utf16le(w, s);
}

static uint64_t filetime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* MS-DTYP 2.3.3 FILETIME: 100 ns units since 1601-01-01. */
	return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

/* MS-NLMP 3.2.5.1.1: what the server answers to the client's NegotiateFlags. */
static uint32_t challenge_flags(uint32_t client)
{
	const uint32_t echoed = NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL |
				NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
				NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
				NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 |
				NTLMSSP_NEGOTIATE_KEY_EXCH;
	uint32_t f = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
		     NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION;

	f |= client & echoed;
	if (client & NTLMSSP_REQUEST_TARGET)   /* a standalone server names itself */
		f |= NTLMSSP_REQUEST_TARGET | NTLMSSP_TARGET_TYPE_SERVER;
	return f;
}

static bool build_challenge(struct ntlmssp_server *s, struct wr *w)
{
	const struct auth_config *c = s->cfg;
	const char *nb = name_or(c->netbios_name, "SKIFF");
	struct wr name, info;
	bool ok = true;

	wr_init(&name, 64);
	wr_init(&info, 256);
	if (s->flags & NTLMSSP_REQUEST_TARGET)
		ok = utf8_to_utf16le(&name, nb);
	/* MS-NLMP 2.2.1.2 TargetInfo; the timestamp makes NTLMv2 clients add a MIC (3.1.5.1.2). */
	ok = ok && av_put_str(&info, MsvAvNbDomainName, name_or(c->domain, nb)) &&
	     av_put_str(&info, MsvAvNbComputerName, nb) &&
	     av_put_str(&info, MsvAvDnsDomainName, name_or(c->dns_name, nb)) &&
	     av_put_str(&info, MsvAvDnsComputerName, name_or(c->dns_name, nb));
	wr_u16(&info, MsvAvTimestamp);
	wr_u16(&info, 8);
	wr_u64(&info, filetime_now());
	wr_u16(&info, MsvAvEOL);
	wr_u16(&info, 0);
	if (!ok || name.failed || info.failed || name.len > 0xffff || info.len > 0xffff) {
		ok = false;
		goto out;
	}

	wr_bytes(w, ntlmssp_signature, 8);
	wr_u32(w, NTLMSSP_CHALLENGE_MESSAGE);
	wr_u16(w, (uint16_t)name.len);                  /* TargetNameFields */
	wr_u16(w, (uint16_t)name.len);
	wr_u32(w, NTLMSSP_CHALLENGE_HDR);
	wr_u32(w, s->flags);
	wr_bytes(w, s->challenge, 8);
	wr_zero(w, 8);                                  /* Reserved */
	wr_u16(w, (uint16_t)info.len);                  /* TargetInfoFields */
	wr_u16(w, (uint16_t)info.len);
	wr_u32(w, (uint32_t)(NTLMSSP_CHALLENGE_HDR + name.len));
	wr_bytes(w, ntlmssp_version, sizeof(ntlmssp_version));
	wr_bytes(w, name.buf, name.len);
	wr_bytes(w, info.buf, info.len);
	ok = !w->failed;
out:
	wr_free(&name);
	wr_free(&info);
	return ok;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}

NTSTATUS ntlmssp_server_negotiate(struct ntlmssp_server *s, const uint8_t *in, size_t len,
				  uint8_t **out, size_t *outlen)
{
	struct rd r = rd_init(in, len);
	const uint8_t *sig;
	uint32_t type, flags;
	struct wr w;
	NTSTATUS st;

	*out = NULL;
	*outlen = 0;
	if (s->state != NTLMSSP_WAIT_NEGOTIATE)
		return STATUS_INVALID_PARAMETER;
	s->state = NTLMSSP_FAILED;
	/* MS-NLMP 2.2.1.1: only Signature, MessageType and NegotiateFlags matter to a server. */
	if (!rd_bytes(&r, 8, &sig) || memcmp(sig, ntlmssp_signature, 8) != 0 ||
	    !rd_u32(&r, &type) || type != NTLMSSP_NEGOTIATE_MESSAGE || !rd_u32(&r, &flags))
		return STATUS_INVALID_PARAMETER;
	if (!(flags & NTLMSSP_NEGOTIATE_UNICODE))
		return STATUS_NOT_SUPPORTED;   /* OEM code pages: not worth supporting */
	s->flags = challenge_flags(flags);
	if (!crypto_random(s->challenge, sizeof(s->challenge)))
		return STATUS_INTERNAL_ERROR;
	clock_gettime(CLOCK_MONOTONIC, &s->chal_time);

	wr_init(&w, 256);
	if (!build_challenge(s, &w)) {
		st = STATUS_NO_MEMORY;
		goto fail;
	}
	s->neg = dup_bytes(in, len);
	if (!s->neg) {
		st = STATUS_NO_MEMORY;
		goto fail;
	}
	s->neg_len = len;
	s->chal = dup_bytes(w.buf, w.len);
	if (!s->chal) {
		st = STATUS_NO_MEMORY;
		goto fail;
	}
	s->chal_len = w.len;
	*out = wr_steal(&w, outlen);
	s->state = NTLMSSP_WAIT_AUTHENTICATE;
	return STATUS_MORE_PROCESSING_REQUIRED;
fail:
	wr_free(&w);
	return st;
}

NTSTATUS ntlmssp_server_resume(struct ntlmssp_server *s, const uint8_t *neg, size_t neg_len,
			       const uint8_t *chal, size_t chal_len)
{
	struct rd r = rd_init(chal, chal_len);
	const uint8_t *sig;
	uint32_t type;

	if (s->state != NTLMSSP_WAIT_NEGOTIATE)
		return STATUS_INVALID_PARAMETER;
	if (!rd_bytes(&r, 8, &sig) || memcmp(sig, ntlmssp_signature, 8) != 0 ||
	    !rd_u32(&r, &type) || type != NTLMSSP_CHALLENGE_MESSAGE || !rd_skip(&r, 8) ||
	    !rd_u32(&r, &s->flags) || !rd_copy(&r, s->challenge, 8))
		return STATUS_INVALID_PARAMETER;
	s->neg = dup_bytes(neg, neg_len);
	s->chal = dup_bytes(chal, chal_len);
	if (!s->neg || !s->chal)
		return STATUS_NO_MEMORY;
	s->neg_len = neg_len;
	s->chal_len = chal_len;
	clock_gettime(CLOCK_MONOTONIC, &s->chal_time);
	s->state = NTLMSSP_WAIT_AUTHENTICATE;
	return STATUS_SUCCESS;
}

static bool challenge_expired(const struct ntlmssp_server *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - s->chal_time.tv_sec > NTLMSSP_CHALLENGE_LIFETIME_SEC;
}

/*
 * Copy a UTF-16LE field into dst as UTF-8; false if invalid, longer than dst can hold, or holding
 * control characters (no Windows account, domain or computer name has them, and these strings
 * end up in log lines).
 */
static bool field_utf8(const struct ntlm_field *f, char *dst, size_t dst_size)
{
	char *s = utf16le_to_utf8_dup(f->p ? f->p : empty_bytes, f->len);
	bool control = false;
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	for (size_t i = 0; i < n; i++)
		control |= (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
	if (control || n >= dst_size) {
		free(s);
		return false;
	}
	memcpy(dst, s, n + 1);
	free(s);
	return true;
}

/*
 * "DOMAIN\user" and "user@domain" name the domain inside the user field (MS-NLMP 3.2.5.1.2
 * only defines the fields, but Windows accepts both forms): split off the account name.
 */
static void split_user(char *user, char *domain, size_t domain_size)
{
	char *p = strchr(user, '\\');

	if (p) {
		*p = '\0';
		if (strlen(user) < domain_size)
			memcpy(domain, user, strlen(user) + 1);
		memmove(user, p + 1, strlen(p + 1) + 1);
		return;
	}
	p = strrchr(user, '@');
	if (p) {
		*p = '\0';
		if (strlen(p + 1) < domain_size)
			memcpy(domain, p + 1, strlen(p + 1) + 1);
	}
}

/* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE with MIC zeroed). */
static bool mic_ok(const struct ntlmssp_server *s, const struct ntlm_authenticate *a,
		   const uint8_t key[16])
{
	static const uint8_t zero_mic[NTLMSSP_MIC_SIZE];
	const size_t end = NTLMSSP_MIC_OFFSET + NTLMSSP_MIC_SIZE;
	uint8_t mic[16];
	bool ok;

	struct crypto_part parts[5] = {
		{ s->neg, s->neg_len },
		{ s->chal, s->chal_len },
		{ a->msg, NTLMSSP_MIC_OFFSET },
		{ zero_mic, NTLMSSP_MIC_SIZE },
		{ a->msg + end, a->msg_len - end },
	};
	ok = crypto_hmac_md5(key, 16, parts, 5, mic) &&
	     crypto_equal(mic, a->msg + NTLMSSP_MIC_OFFSET, NTLMSSP_MIC_SIZE);
	explicit_bzero(mic, sizeof(mic));
	return ok;
}

/* MS-NLMP 3.2.5.1.2: the AUTHENTICATE flags are what the client finally agreed to. */
static void narrow_flags(struct ntlmssp_server *s, uint32_t auth_flags)
{
	const uint32_t narrowable = NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL |
				    NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
				    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
				    NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 |
				    NTLMSSP_NEGOTIATE_KEY_EXCH;

	if (auth_flags != 0)   /* old clients leave the field zero (Samba does the same) */
		s->flags &= ~(narrowable & ~auth_flags);
}

static bool setup_signing(struct ntlmssp_server *s, const uint8_t exported[16])
{
	if (!(s->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY))
		return true;   /* NTLMv1-style signatures are not implemented: no mechListMIC then */
	if (!ntlmssp_derive_keys(exported, s->flags, &s->keys))
		return false;
	if (s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
		s->recv_seal = crypto_rc4_new(s->keys.client_seal, 16);
		s->send_seal = crypto_rc4_new(s->keys.server_seal, 16);
		if (!s->recv_seal || !s->send_seal)
			return false;
	}
	return true;
}

NTSTATUS ntlmssp_server_authenticate(struct ntlmssp_server *s, const uint8_t *in, size_t len,
				     struct auth_result *res)
{
	const struct auth_config *c = s->cfg;
	struct ntlm_authenticate a;
	uint8_t nt_hash[16], base_key[16], exported[16];
	char name_domain[256] = "";
	bool known = false;
	NTSTATUS st;

	memset(res, 0, sizeof(*res));
	if (s->state != NTLMSSP_WAIT_AUTHENTICATE)
		return STATUS_INVALID_PARAMETER;
	s->state = NTLMSSP_FAILED;
	memset(base_key, 0, sizeof(base_key));
	memset(exported, 0, sizeof(exported));

	st = ntlm_parse_authenticate(in, len, &a);
	if (st != STATUS_SUCCESS)
		goto out;
	narrow_flags(s, a.flags);
	st = STATUS_INVALID_PARAMETER;
	if (challenge_expired(s)) {
		log_info("ntlmssp: AUTHENTICATE after the challenge expired");
		goto out;
	}
	if (!field_utf8(&a.user, res->user, sizeof(res->user)) ||
	    !field_utf8(&a.domain, res->domain, sizeof(res->domain)) ||
	    !field_utf8(&a.workstation, res->workstation, sizeof(res->workstation)))
		goto out;

	/* MS-NLMP 3.2.5.1.2: empty user, empty NT response, LM response empty or Z(1). */
	if (a.user.len == 0 && a.nt.len == 0 &&
	    (a.lm.len == 0 || (a.lm.len == 1 && a.lm.p[0] == 0))) {
		st = STATUS_LOGON_FAILURE;
		if (!c->allow_anonymous)
			goto out;
		/* SessionBaseKey is Z(16); with KEY_EXCH the client still sends its random key. */
		if ((s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) && a.enc_key.len == 16 &&
		    !crypto_rc4(base_key, 16, a.enc_key.p, 16, exported)) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
		res->anonymous = true;
		res->has_session_key = true;
		memcpy(res->session_key, exported, 16);
		s->state = NTLMSSP_DONE;
		st = STATUS_SUCCESS;
		goto out;
	}

	/* NTLMv2 only: LM, NTLMv1 (24 bytes), NTLM2 session response and LMv2 alone are refused. */
	st = STATUS_LOGON_FAILURE;
	if (!a.v2) {
		log_info("ntlmssp: refused %s response for '%s' (only NTLMv2 is accepted)",
			 a.nt.len == 24 ? "an NTLMv1" : "an LM-only", res->user);
		goto out;
	}
	split_user(res->user, name_domain, sizeof(name_domain));
	if (name_domain[0])
		memcpy(res->domain, name_domain, sizeof(res->domain));
	if (res->user[0] && c->get_nt_hash)
		known = c->get_nt_hash(c->lookup_ctx, res->user, nt_hash);
	if (!known) {
		/* Spend the same HMACs as for a known user, so timing does not tell them apart. */
		if (crypto_random(nt_hash, sizeof(nt_hash)))
			(void)ntlm_v2_verify(nt_hash, &a, s->challenge, base_key);
		explicit_bzero(base_key, sizeof(base_key));
		if (!c->guest_account || !res->user[0]) {
			log_debug("ntlmssp: unknown user '%s'", res->user);
			goto out;
		}
		/* Samba's "map to guest = bad user": the password is never checked, so there is no
		 * shared key, no MIC check and no signing. */
		if (strlen(c->guest_account) >= sizeof(res->user))
			goto out;
		memcpy(res->user, c->guest_account, strlen(c->guest_account) + 1);
		res->guest = true;
		s->state = NTLMSSP_DONE;
		st = STATUS_SUCCESS;
		goto out;
	}
	if (!ntlm_v2_verify(nt_hash, &a, s->challenge, base_key)) {
		log_debug("ntlmssp: wrong password for '%s'", res->user);
		goto out;
	}

	/* MS-NLMP 3.4.5.1 KXKEY: for NTLMv2 the key exchange key is the session base key. */
	if (s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
		if (a.enc_key.len != 16) {
			st = STATUS_INVALID_PARAMETER;
			goto out;
		}
		if (!crypto_rc4(base_key, 16, a.enc_key.p, 16, exported)) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
	} else {
		memcpy(exported, base_key, 16);
	}

	if (a.av_flags & MSV_AV_FLAG_MIC_PRESENT) {
		if (!mic_ok(s, &a, exported)) {
			log_info("ntlmssp: bad MIC in AUTHENTICATE for '%s'", res->user);
			goto out;   /* STATUS_LOGON_FAILURE */
		}
		s->had_mic = true;
	}
	if (!setup_signing(s, exported)) {
		st = STATUS_INTERNAL_ERROR;
		goto out;
	}
	s->user_key = true;
	memcpy(res->session_key, exported, 16);
	res->has_session_key = true;
	s->state = NTLMSSP_DONE;
	st = STATUS_SUCCESS;
out:
	explicit_bzero(nt_hash, sizeof(nt_hash));
	explicit_bzero(base_key, sizeof(base_key));
	explicit_bzero(exported, sizeof(exported));
	if (st != STATUS_SUCCESS) {
		if (res->user[0])
			snprintf(s->tried_user, sizeof(s->tried_user), "%s%s%s", res->domain,
				 res->domain[0] ? "\\" : "", res->user);
		explicit_bzero(res, sizeof(*res));
	}
	/* The NEGOTIATE/CHALLENGE copies only served the MIC. */
	free(s->neg);
	free(s->chal);
	s->neg = s->chal = NULL;
	s->neg_len = s->chal_len = 0;
	return st;
}

const char *ntlmssp_server_tried_user(const struct ntlmssp_server *s)
{
	return s->tried_user;
}

bool ntlmssp_server_can_sign(const struct ntlmssp_server *s)
{
	return s->state == NTLMSSP_DONE && s->user_key &&
	       (s->flags & NTLMSSP_NEGOTIATE_SIGN) &&
	       (s->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
}

bool ntlmssp_server_had_mic(const struct ntlmssp_server *s)
{
	return s->state == NTLMSSP_DONE && s->had_mic;
}

NTSTATUS ntlmssp_server_check_sig(struct ntlmssp_server *s, const uint8_t *data, size_t len,
				  const uint8_t *sig, size_t sig_len)
{
	uint8_t want[NTLMSSP_SIG_SIZE];
	bool ok;

	if (!ntlmssp_server_can_sign(s) || sig_len != NTLMSSP_SIG_SIZE)
		return STATUS_ACCESS_DENIED;
	ok = ntlmssp_make_signature(s->keys.client_sign, s->recv_seal, s->recv_seq++, data, len,
				    want) &&
	     crypto_equal(want, sig, NTLMSSP_SIG_SIZE);
	explicit_bzero(want, sizeof(want));
	return ok ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
}

bool ntlmssp_server_sign(struct ntlmssp_server *s, const uint8_t *data, size_t len,
			 uint8_t sig[NTLMSSP_SIG_SIZE])
{
	if (!ntlmssp_server_can_sign(s))
		return false;
	return ntlmssp_make_signature(s->keys.server_sign, s->send_seal, s->send_seq++, data, len,
				      sig);
}
