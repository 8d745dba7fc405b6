/* SPDX-License-Identifier: Apache-2.0 */
/* The client side of SMB 3.1.1 that skiff-load needs (MS-SMB2 2.2, 3.2; MS-NLMP; RFC 4178). */
#include "smb2_client.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/utf16.h"

#define PROTO_SMB2          0x424D53FEu
#define FLAG_SERVER         0x00000001u
#define FLAG_ASYNC          0x00000002u
#define FLAG_RELATED        0x00000004u
#define FLAG_SIGNED         0x00000008u
#define DIALECT_311         0x0311
#define CAP_LARGE_MTU       0x00000004u
#define CREDITS_ASKED       256

/* NTLMSSP negotiate flags (MS-NLMP 2.2.2.5) this client asks for. */
#define NTLM_FLAGS (0x00000001u /* UNICODE */ | 0x00000004u /* REQUEST_TARGET */ |          \
		    0x00000010u /* SIGN */ | 0x00000200u /* NTLM */ | 0x00008000u /* ALWAYS_SIGN */ | \
		    0x00080000u /* EXTENDED_SESSIONSECURITY */ | 0x00800000u /* TARGET_INFO */ |  \
		    0x20000000u /* 128 */ | 0x40000000u /* KEY_EXCH */ | 0x80000000u /* 56 */)
#define NTLM_KEY_EXCH 0x40000000u
#define MSV_AV_EOL       0
#define MSV_AV_TIMESTAMP 7

static const uint8_t OID_SPNEGO[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
static const uint8_t OID_NTLMSSP[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

static bool fail(struct lc_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return false;
}

/* ---- messages and frames ---- */

bool lc_msg_parse(const uint8_t *frame, size_t len, size_t off, struct lc_msg *m, size_t *next_off)
{
	struct rd r;
	uint32_t proto, next, reserved;
	uint16_t size, charge;

	if (off > len || len - off < LC_HDR_SIZE ||
	    !rd_at(&(struct rd){ .base = frame, .len = len }, off, len - off, &r))
		return false;
	if (!rd_u32(&r, &proto) || proto != PROTO_SMB2 || !rd_u16(&r, &size) || size != LC_HDR_SIZE ||
	    !rd_u16(&r, &charge) || !rd_u32(&r, &m->status) || !rd_u16(&r, &m->command) ||
	    !rd_u16(&r, &m->credits) || !rd_u32(&r, &m->flags) || !rd_u32(&r, &next) ||
	    !rd_u64(&r, &m->message_id) || !rd_u32(&r, &reserved) || !rd_u32(&r, &reserved) ||
	    !rd_u64(&r, &m->session_id))
		return false;
	if (next && (next < LC_HDR_SIZE || next > len - off || next % 8))
		return false;
	m->p = frame + off;
	m->len = next ? next : len - off;
	m->body = m->p + LC_HDR_SIZE;
	m->body_len = m->len - LC_HDR_SIZE;
	*next_off = next ? off + next : len;
	return true;
}

/* Zero-pad to a multiple of 8 counted from `base` (a message's start, or the first message's:
 * the 4-byte Direct TCP header before it does not count). */
static void pad8_from(struct wr *w, size_t base)
{
	while (w->len > base && (w->len - base) % 8 && !w->failed)
		wr_u8(w, 0);
}

size_t lc_msg_begin(struct lc_conn *c, struct wr *w, enum lc_cmd cmd, uint16_t charge, bool related)
{
	size_t at;

	pad8_from(w, 4);
	at = w->len;
	if (charge == 0)
		charge = 1;
	wr_u32(w, PROTO_SMB2);
	wr_u16(w, LC_HDR_SIZE);
	wr_u16(w, charge);
	wr_u32(w, 0);                    /* ChannelSequence */
	wr_u16(w, cmd);
	wr_u16(w, CREDITS_ASKED);
	wr_u32(w, related ? FLAG_RELATED : 0);
	wr_u32(w, 0);                    /* NextCommand, set by lc_msg_end */
	wr_u64(w, c->next_mid);
	wr_u32(w, 0xFEFF);               /* Reserved (process id) */
	wr_u32(w, c->tree_id);           /* the same ids in related messages too */
	wr_u64(w, c->session_id);
	wr_zero(w, 16);
	c->next_mid += charge;
	c->credits -= charge;
	return at;
}

void lc_msg_end(struct lc_conn *c, struct wr *w, size_t at, bool next)
{
	if (next) {
		pad8_from(w, at);
		wr_put_u32_at(w, at + 20, (uint32_t)(w->len - at));
	}
	if (c->signing && !w->failed) {
		wr_put_u32_at(w, at + 16, le32(w->buf + at + 16) | FLAG_SIGNED);
		smb2_sign_compute(c->sign_alg, c->sign_key, w->buf + at, w->len - at, w->buf + at + 48);
	}
}

void lc_frame_begin(struct wr *w)
{
	w->len = 0;
	wr_zero(w, 4);
}

/* All n bytes through send or recv, retried on EINTR and short transfers. */
static bool transfer_all(int fd, uint8_t *p, size_t n, bool sending)
{
	while (n) {
		ssize_t k = sending ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

bool lc_frame_send(struct lc_conn *c, struct wr *w)
{
	size_t n = w->len - 4;

	if (w->failed || n > 0xFFFFFF)
		return fail(c, "request too large or out of memory");
	w->buf[0] = 0;
	w->buf[1] = (uint8_t)(n >> 16);
	w->buf[2] = (uint8_t)(n >> 8);
	w->buf[3] = (uint8_t)n;
	if (!transfer_all(c->fd, w->buf, w->len, true))
		return fail(c, "send: %s", strerror(errno));
	return true;
}

/* SKIFF_LOAD_DUMP_DIR: keep the first frames received, as seeds for fuzz_load_response. */
static void dump_frame(const uint8_t *p, size_t n)
{
	static unsigned count;
	const char *dir = getenv("SKIFF_LOAD_DUMP_DIR");
	char path[4096];

	if (!dir || count >= 32 || n > 65536)
		return;
	snprintf(path, sizeof(path), "%s/frame-%d-%02u", dir, (int)getpid(), count++);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

bool lc_frame_recv(struct lc_conn *c)
{
	uint8_t h[4];

	if (!transfer_all(c->fd, h, 4, false))
		return fail(c, "connection closed by the server");
	size_t n = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
	if (h[0] != 0 || n < LC_HDR_SIZE)
		return fail(c, "bad frame from the server");
	if (n > c->rcap) {
		uint8_t *nb = realloc(c->rbuf, n);
		if (!nb)
			return fail(c, "out of memory");
		c->rbuf = nb;
		c->rcap = n;
	}
	if (!transfer_all(c->fd, c->rbuf, n, false))
		return fail(c, "connection closed by the server");
	c->rlen = n;
	dump_frame(c->rbuf, n);
	return true;
}

bool lc_frame_next(struct lc_conn *c, size_t *off, struct lc_msg *m)
{
	size_t next;

	/* Defined on every return: callers look at a failed step's status only after checking the
	 * result, but clang's analyzer does not follow fail() (variadic) to see it return false. */
	*m = (struct lc_msg){ 0 };
	if (*off >= c->rlen)
		return false;
	if (!lc_msg_parse(c->rbuf, c->rlen, *off, m, &next)) {
		*off = c->rlen;
		return fail(c, "malformed response");
	}
	*off = next;
	c->credits += m->credits;
	/* Interim responses are not signed (MS-SMB2 3.3.4.4); everything else on a signing
	 * session must be, correctly. */
	bool interim = (m->flags & FLAG_ASYNC) && m->status == LC_STATUS_PENDING;
	if (c->signing && !interim && m->session_id == c->session_id &&
	    (!(m->flags & FLAG_SIGNED) || !smb2_sign_verify(c->sign_alg, c->sign_key, m->p, m->len))) {
		*off = c->rlen;
		return fail(c, "response %llu: missing or bad signature", (unsigned long long)m->message_id);
	}
	return true;
}

/* Send one message and wait for its final response (for set-up: nothing else is outstanding). */
static bool roundtrip(struct lc_conn *c, struct wr *w, struct lc_msg *m)
{
	if (!lc_frame_send(c, w))
		return false;
	for (;;) {
		size_t off = 0;
		if (!lc_frame_recv(c))
			return false;
		if (!lc_frame_next(c, &off, m))
			return c->error[0] ? false : fail(c, "empty response");
		if (!((m->flags & FLAG_ASYNC) && m->status == LC_STATUS_PENDING))
			return true;
	}
}

/* ---- NTLMv2 ---- */

static void put_utf16_upper(struct wr *w, const char *s, bool upper)
{
	char *t = strdup(s);

	if (!t) {
		w->failed = true;
		return;
	}
	if (upper)
		for (char *p = t; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	utf8_to_utf16le(w, t);
	free(t);
}

bool lc_ntowfv2(const char *user, const char *domain, const char *password, uint8_t out[16])
{
	struct wr pw, ud;
	uint8_t nt[16];
	bool ok;

	wr_init(&pw, 64);
	wr_init(&ud, 64);
	put_utf16_upper(&pw, password, false);
	put_utf16_upper(&ud, user, true);
	put_utf16_upper(&ud, domain, false);
	ok = !pw.failed && !ud.failed && crypto_md4(pw.buf, pw.len, nt) &&
	     crypto_hmac_md5(nt, 16, &(struct crypto_part){ ud.buf, ud.len }, 1, out);
	explicit_bzero(nt, sizeof(nt));
	if (pw.buf)
		explicit_bzero(pw.buf, pw.len);
	wr_free(&pw);
	wr_free(&ud);
	return ok;
}

bool lc_ntlmv2_response(const uint8_t ntowf[16], const uint8_t server_challenge[8],
			const uint8_t client_challenge[8], uint64_t timestamp, const uint8_t *target_info,
			size_t target_info_len, struct wr *response, uint8_t session_base_key[16])
{
	struct wr temp;
	uint8_t proof[16];
	bool ok;

	/* temp: Responserversion, HiResponserversion, Z(6), Time, ClientChallenge, Z(4),
	 * ServerName (the AV pairs), Z(4) */
	wr_init(&temp, 64 + target_info_len);
	wr_u8(&temp, 1);
	wr_u8(&temp, 1);
	wr_zero(&temp, 6);
	wr_u64(&temp, timestamp);
	wr_bytes(&temp, client_challenge, 8);
	wr_zero(&temp, 4);
	wr_bytes(&temp, target_info, target_info_len);
	wr_zero(&temp, 4);
	const struct crypto_part parts[2] = { { server_challenge, 8 }, { temp.buf, temp.len } };
	ok = !temp.failed && crypto_hmac_md5(ntowf, 16, parts, 2, proof) &&
	     crypto_hmac_md5(ntowf, 16, &(struct crypto_part){ proof, 16 }, 1, session_base_key);
	wr_bytes(response, proof, 16);
	wr_bytes(response, temp.buf, temp.len);
	wr_free(&temp);
	return ok && !response->failed;
}

/* ---- SPNEGO (just the two client tokens NTLMSSP needs) ---- */

static void der_len(struct wr *w, size_t n)
{
	if (n < 0x80) {
		wr_u8(w, (uint8_t)n);
	} else if (n < 0x100) {
		wr_u8(w, 0x81);
		wr_u8(w, (uint8_t)n);
	} else {
		wr_u8(w, 0x82);
		wr_be16(w, (uint16_t)n);
	}
}

static size_t der_len_size(size_t n)
{
	return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

static size_t der_tlv_size(size_t n)
{
	return 1 + der_len_size(n) + n;
}

/* NegTokenInit{mechTypes: NTLMSSP, mechToken: tok} in its GSS-API wrapper. */
static void spnego_init(struct wr *w, const uint8_t *tok, size_t n)
{
	size_t mech = der_tlv_size(sizeof(OID_NTLMSSP));
	size_t types = der_tlv_size(der_tlv_size(mech));          /* [0] SEQUENCE OF */
	size_t token = der_tlv_size(der_tlv_size(n));             /* [2] OCTET STRING */
	size_t seq = der_tlv_size(types + token);
	size_t init = der_tlv_size(seq);                          /* [0] NegTokenInit */
	size_t inner = der_tlv_size(sizeof(OID_SPNEGO)) + init;

	wr_u8(w, 0x60);
	der_len(w, inner);
	wr_u8(w, 0x06);
	der_len(w, sizeof(OID_SPNEGO));
	wr_bytes(w, OID_SPNEGO, sizeof(OID_SPNEGO));
	wr_u8(w, 0xa0);
	der_len(w, seq);
	wr_u8(w, 0x30);
	der_len(w, types + token);
	wr_u8(w, 0xa0);
	der_len(w, der_tlv_size(mech));
	wr_u8(w, 0x30);
	der_len(w, mech);
	wr_u8(w, 0x06);
	der_len(w, sizeof(OID_NTLMSSP));
	wr_bytes(w, OID_NTLMSSP, sizeof(OID_NTLMSSP));
	wr_u8(w, 0xa2);
	der_len(w, der_tlv_size(n));
	wr_u8(w, 0x04);
	der_len(w, n);
	wr_bytes(w, tok, n);
}

/* NegTokenResp{responseToken: tok}. */
static void spnego_resp(struct wr *w, const uint8_t *tok, size_t n)
{
	size_t token = der_tlv_size(der_tlv_size(n));
	size_t seq = der_tlv_size(token);

	wr_u8(w, 0xa1);
	der_len(w, seq);
	wr_u8(w, 0x30);
	der_len(w, token);
	wr_u8(w, 0xa2);
	der_len(w, der_tlv_size(n));
	wr_u8(w, 0x04);
	der_len(w, n);
	wr_bytes(w, tok, n);
}

/* The NTLMSSP message inside a server's SPNEGO token: found by its signature, then bounded by
 * the token's end (the CHALLENGE's own offsets are checked against that). */
static bool find_ntlmssp(const uint8_t *p, size_t n, const uint8_t **msg, size_t *len)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		if (memcmp(p + i, "NTLMSSP\0", 8) == 0) {
			*msg = p + i;
			*len = n - i;
			return true;
		}
	}
	return false;
}

bool lc_challenge_parse(const uint8_t *blob, size_t n, struct lc_challenge *out)
{
	const uint8_t *chal, *server_chal;
	size_t chal_len;
	struct rd r, ti;
	uint32_t type, ti_off;
	uint16_t ti_len, ti_max;

	memset(out, 0, sizeof(*out));
	if (!find_ntlmssp(blob, n, &chal, &chal_len))
		return false;
	r = rd_init(chal, chal_len);
	if (!rd_seek(&r, 8) || !rd_u32(&r, &type) || type != 2 || !rd_seek(&r, 20) ||
	    !rd_u32(&r, &out->flags) || !rd_bytes(&r, 8, &server_chal) || !rd_seek(&r, 40) ||
	    !rd_u16(&r, &ti_len) || !rd_u16(&r, &ti_max) || !rd_u32(&r, &ti_off) ||
	    !rd_at(&r, ti_off, ti_len, &ti))
		return false;
	memcpy(out->server_challenge, server_chal, 8);
	out->target_info = ti.base;
	out->target_info_len = ti.len;
	/* The server's timestamp if it sent one (then the LM response is zeros, MS-NLMP 3.1.5.1.2) */
	for (struct rd av = ti;;) {
		uint16_t id, len;
		struct rd val;
		if (!rd_u16(&av, &id) || !rd_u16(&av, &len) || id == MSV_AV_EOL)
			break;
		if (!rd_at(&av, av.off, len, &val) || !rd_skip(&av, len))
			break;
		if (id == MSV_AV_TIMESTAMP && len == 8 && rd_u64(&val, &out->timestamp))
			out->have_timestamp = true;
	}
	return true;
}

/* ---- set-up ---- */

static bool negotiate(struct lc_conn *c)
{
	struct wr w;
	struct lc_msg m;
	uint8_t salt[32], guid[16];
	bool ok = false;

	crypto_random(salt, sizeof(salt));
	crypto_random(guid, sizeof(guid));
	wr_init(&w, 256);
	lc_frame_begin(&w);
	size_t at = lc_msg_begin(c, &w, LC_NEGOTIATE, 0, false);
	wr_u16(&w, 36);
	wr_u16(&w, 1);                   /* DialectCount */
	wr_u16(&w, 1);                   /* SecurityMode: signing enabled */
	wr_u16(&w, 0);
	wr_u32(&w, CAP_LARGE_MTU);
	wr_bytes(&w, guid, 16);
	size_t ctx_off_at = w.len;
	wr_u32(&w, 0);                   /* NegotiateContextOffset, below */
	wr_u16(&w, 2);
	wr_u16(&w, 0);
	wr_u16(&w, DIALECT_311);
	pad8_from(&w, at);
	wr_put_u32_at(&w, ctx_off_at, (uint32_t)(w.len - at));
	wr_u16(&w, 1);                   /* PREAUTH_INTEGRITY_CAPABILITIES */
	wr_u16(&w, 38);
	wr_u32(&w, 0);
	wr_u16(&w, 1);                   /* one hash: SHA-512 */
	wr_u16(&w, sizeof(salt));
	wr_u16(&w, 1);
	wr_bytes(&w, salt, sizeof(salt));
	pad8_from(&w, at);
	wr_u16(&w, 8);                   /* SIGNING_CAPABILITIES: GMAC, then CMAC */
	wr_u16(&w, 6);
	wr_u32(&w, 0);
	wr_u16(&w, 2);
	wr_u16(&w, SMB2_SIGN_AES_GMAC);
	wr_u16(&w, SMB2_SIGN_AES_CMAC);
	lc_msg_end(c, &w, at, false);
	if (w.failed)
		goto out;
	crypto_preauth_update(c->preauth, w.buf + 4, w.len - 4);
	if (!roundtrip(c, &w, &m))
		goto out;
	if (m.status != LC_STATUS_SUCCESS) {
		fail(c, "NEGOTIATE: status 0x%08x", m.status);
		goto out;
	}
	crypto_preauth_update(c->preauth, m.p, m.len);

	struct rd r = rd_init(m.body, m.body_len), ctx;
	uint16_t dialect, nctx;
	uint32_t max_read, max_write, ctx_off;
	if (!rd_seek(&r, 4) || !rd_u16(&r, &dialect) || !rd_u16(&r, &nctx) || !rd_seek(&r, 32) ||
	    !rd_u32(&r, &max_read) || !rd_u32(&r, &max_write) || !rd_seek(&r, 60) || !rd_u32(&r, &ctx_off)) {
		fail(c, "NEGOTIATE: short response");
		goto out;
	}
	if (dialect != DIALECT_311) {
		fail(c, "NEGOTIATE: server chose dialect 0x%04x, not 3.1.1", dialect);
		goto out;
	}
	c->max_read = max_read;
	c->max_write = max_write;
	c->sign_alg = SMB2_SIGN_AES_CMAC;   /* without a SIGNING_CAPABILITIES answer */
	struct rd whole = rd_init(m.p, m.len);
	if (ctx_off >= LC_HDR_SIZE && rd_at(&whole, ctx_off, m.len - ctx_off, &ctx)) {
		for (uint16_t i = 0; i < nctx; i++) {
			uint16_t type, dlen, count, alg;
			uint32_t reserved;
			struct rd data;
			if (!rd_align(&ctx, 8) || !rd_u16(&ctx, &type) || !rd_u16(&ctx, &dlen) ||
			    !rd_u32(&ctx, &reserved) || !rd_at(&ctx, ctx.off, dlen, &data) || !rd_skip(&ctx, dlen))
				break;
			if (type == 8 && rd_u16(&data, &count) && count == 1 && rd_u16(&data, &alg) &&
			    (alg == SMB2_SIGN_AES_GMAC || alg == SMB2_SIGN_AES_CMAC))
				c->sign_alg = (enum smb2_sign_alg)alg;
		}
	}
	ok = true;
out:
	wr_free(&w);
	return ok;
}

/* One SESSION_SETUP leg: the request is hashed into `preauth` before it goes; the response
 * (unless it is the final success) after it came. */
static bool session_leg(struct lc_conn *c, const uint8_t *token, size_t n, uint8_t preauth[64],
			struct lc_msg *m)
{
	struct wr w;
	bool ok;

	wr_init(&w, 128 + n);
	lc_frame_begin(&w);
	size_t at = lc_msg_begin(c, &w, LC_SESSION_SETUP, 0, false);
	wr_u16(&w, 25);
	wr_u8(&w, 0);                    /* Flags */
	wr_u8(&w, 1);                    /* SecurityMode: signing enabled */
	wr_u32(&w, 0);                   /* Capabilities */
	wr_u32(&w, 0);                   /* Channel */
	wr_u16(&w, LC_HDR_SIZE + 24);    /* SecurityBufferOffset */
	wr_u16(&w, (uint16_t)n);
	wr_u64(&w, 0);                   /* PreviousSessionId */
	wr_bytes(&w, token, n);
	lc_msg_end(c, &w, at, false);
	ok = !w.failed && crypto_preauth_update(preauth, w.buf + 4, w.len - 4) && roundtrip(c, &w, m);
	wr_free(&w);
	if (ok && m->status == LC_STATUS_MORE_PROCESSING_REQUIRED)
		crypto_preauth_update(preauth, m->p, m->len);
	return ok;
}

static bool security_buffer(const struct lc_msg *m, const uint8_t **p, size_t *n)
{
	struct rd r = rd_init(m->body, m->body_len), whole = rd_init(m->p, m->len), buf;
	uint16_t off, len;

	if (!rd_seek(&r, 4) || !rd_u16(&r, &off) || !rd_u16(&r, &len) || !rd_at(&whole, off, len, &buf))
		return false;
	*p = buf.base;
	*n = buf.len;
	return true;
}

static void put_field(struct wr *w, size_t at, size_t payload_off, size_t len)
{
	wr_put_u16_at(w, at, (uint16_t)len);
	wr_put_u16_at(w, at + 2, (uint16_t)len);
	wr_put_u32_at(w, at + 4, (uint32_t)payload_off);
}

static bool logon(struct lc_conn *c, const char *user, const char *password)
{
	uint8_t preauth[64], ntowf[16], base_key[16], exported[16], enc_key[16], client_chal[8];
	const uint8_t *blob;
	size_t blob_len;
	struct wr tok, neg, auth, nt;
	struct lc_msg m;
	bool ok = false;

	memcpy(preauth, c->preauth, sizeof(preauth));
	wr_init(&tok, 256);
	wr_init(&neg, 64);
	wr_init(&auth, 512);
	wr_init(&nt, 256);

	/* NEGOTIATE_MESSAGE, no domain or workstation */
	wr_bytes(&neg, "NTLMSSP\0", 8);
	wr_u32(&neg, 1);
	wr_u32(&neg, NTLM_FLAGS);
	wr_zero(&neg, 16);
	spnego_init(&tok, neg.buf, neg.len);
	if (tok.failed || !session_leg(c, tok.buf, tok.len, preauth, &m))
		goto out;
	if (m.status != LC_STATUS_MORE_PROCESSING_REQUIRED) {
		fail(c, "SESSION_SETUP: status 0x%08x to NEGOTIATE_MESSAGE", m.status);
		goto out;
	}
	c->session_id = m.session_id;

	struct lc_challenge ch;
	if (!security_buffer(&m, &blob, &blob_len) || !lc_challenge_parse(blob, blob_len, &ch)) {
		fail(c, "SESSION_SETUP: no well-formed NTLMSSP CHALLENGE in the answer");
		goto out;
	}
	uint32_t flags = ch.flags;
	const uint8_t *server_chal = ch.server_challenge;
	struct rd ti = rd_init(ch.target_info, ch.target_info_len);
	uint64_t timestamp = ch.timestamp;
	bool have_ts = ch.have_timestamp;
	if (!have_ts) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		timestamp = ((uint64_t)now.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)now.tv_nsec / 100;
	}
	crypto_random(client_chal, sizeof(client_chal));
	if (!lc_ntowfv2(user, "", password, ntowf) ||
	    !lc_ntlmv2_response(ntowf, server_chal, client_chal, timestamp, ti.base, ti.len, &nt, base_key)) {
		fail(c, "NTLMv2 computation failed");
		goto out;
	}
	/* KEY_EXCH: our random session key, sealed with the key-exchange key (= base key, NTLMv2) */
	crypto_random(exported, sizeof(exported));
	if (flags & NTLM_KEY_EXCH)
		crypto_rc4(base_key, 16, exported, 16, enc_key);
	else
		memcpy(exported, base_key, 16);

	/* AUTHENTICATE_MESSAGE: fixed part (64 bytes, no version, no MIC), then the payload */
	uint8_t lm[24];
	if (have_ts) {
		memset(lm, 0, sizeof(lm));
	} else {
		const struct crypto_part parts[2] = { { server_chal, 8 }, { client_chal, 8 } };
		crypto_hmac_md5(ntowf, 16, parts, 2, lm);
		memcpy(lm + 16, client_chal, 8);
	}
	wr_bytes(&auth, "NTLMSSP\0", 8);
	wr_u32(&auth, 3);
	wr_zero(&auth, 6 * 8);
	wr_u32(&auth, flags & NTLM_FLAGS);
	size_t p = auth.len;
	put_field(&auth, 12, p, sizeof(lm));
	wr_bytes(&auth, lm, sizeof(lm));
	put_field(&auth, 20, auth.len, nt.len);
	wr_bytes(&auth, nt.buf, nt.len);
	put_field(&auth, 28, auth.len, 0);                       /* domain: empty */
	size_t user_at = auth.len;
	put_utf16_upper(&auth, user, false);
	put_field(&auth, 36, user_at, auth.len - user_at);
	put_field(&auth, 44, auth.len, 0);                       /* workstation: none */
	if (flags & NTLM_KEY_EXCH) {
		put_field(&auth, 52, auth.len, 16);
		wr_bytes(&auth, enc_key, 16);
	} else {
		put_field(&auth, 52, auth.len, 0);
	}
	tok.len = 0;
	spnego_resp(&tok, auth.buf, auth.len);
	if (tok.failed || auth.failed || !session_leg(c, tok.buf, tok.len, preauth, &m))
		goto out;
	if (m.status != LC_STATUS_SUCCESS) {
		fail(c, "SESSION_SETUP: logon failed, status 0x%08x%s", m.status,
		     m.status == 0xC000006Du ? " (STATUS_LOGON_FAILURE: wrong user or password)" : "");
		goto out;
	}
	/* MS-SMB2 3.2.5.3.1: SigningKey = KDF(SessionKey, "SMBSigningKey", preauth hash) */
	if (!crypto_kdf_sp800_108(exported, 16, "SMBSigningKey", 14, preauth, 64, c->sign_key, 16)) {
		fail(c, "key derivation failed");
		goto out;
	}
	c->signing = true;
	if (!(m.flags & FLAG_SIGNED) || !smb2_sign_verify(c->sign_alg, c->sign_key, m.p, m.len)) {
		fail(c, "SESSION_SETUP: the final response's signature does not verify (wrong key?)");
		goto out;
	}
	ok = true;
out:
	explicit_bzero(ntowf, sizeof(ntowf));
	explicit_bzero(base_key, sizeof(base_key));
	explicit_bzero(exported, sizeof(exported));
	wr_free(&tok);
	wr_free(&neg);
	wr_free(&auth);
	wr_free(&nt);
	return ok;
}

static bool tree_connect(struct lc_conn *c, const char *host, const char *share)
{
	char unc[512];
	struct wr w;
	struct lc_msg m;
	bool ok;

	snprintf(unc, sizeof(unc), "\\\\%s\\%s", host, share);
	wr_init(&w, 256);
	lc_frame_begin(&w);
	size_t at = lc_msg_begin(c, &w, LC_TREE_CONNECT, 0, false);
	wr_u16(&w, 9);
	wr_u16(&w, 0);
	wr_u16(&w, LC_HDR_SIZE + 8);
	wr_u16(&w, (uint16_t)(2 * strlen(unc)));
	utf8_to_utf16le(&w, unc);
	lc_msg_end(c, &w, at, false);
	ok = roundtrip(c, &w, &m);
	wr_free(&w);
	if (ok && m.status != LC_STATUS_SUCCESS)
		ok = fail(c, "TREE_CONNECT %s: status 0x%08x", unc, m.status);
	if (ok)
		c->tree_id = le32(m.p + 36);
	return ok;
}

bool lc_connect(struct lc_conn *c, const char *host, uint16_t port, const char *user,
		const char *password, const char *share)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->credits = 1;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, "socket: %s", strerror(errno));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return fail(c, "%s: not an IPv4 address", host);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return fail(c, "connect %s:%u: %s", host, port, strerror(errno));
	return negotiate(c) && logon(c, user, password) && tree_connect(c, host, share);
}

void lc_close(struct lc_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	explicit_bzero(c->sign_key, sizeof(c->sign_key));
	free(c->rbuf);
	c->rbuf = NULL;
}

/* ---- request bodies ---- */

void lc_put_create(struct wr *w, const char *path, uint32_t access, uint32_t disposition,
		   uint32_t options)
{
	size_t n = utf8_utf16le_len(path);

	wr_u16(w, 57);
	wr_u8(w, 0);                     /* SecurityFlags */
	wr_u8(w, 0);                     /* RequestedOplockLevel: none */
	wr_u32(w, 2);                    /* ImpersonationLevel: Impersonation */
	wr_u64(w, 0);
	wr_u64(w, 0);
	wr_u32(w, access);
	wr_u32(w, 0x80);                 /* FILE_ATTRIBUTE_NORMAL */
	wr_u32(w, 7);                    /* share read, write, delete */
	wr_u32(w, disposition);
	wr_u32(w, options);
	wr_u16(w, LC_HDR_SIZE + 56);
	wr_u16(w, (uint16_t)n);
	wr_u32(w, 0);
	wr_u32(w, 0);
	if (n)
		utf8_to_utf16le(w, path);
	else
		wr_u8(w, 0);
}

void lc_put_write(struct wr *w, const uint8_t fid[16], uint64_t offset, const uint8_t *data, uint32_t len)
{
	wr_u16(w, 49);
	wr_u16(w, LC_HDR_SIZE + 48);     /* DataOffset */
	wr_u32(w, len);
	wr_u64(w, offset);
	wr_bytes(w, fid, 16);
	wr_u32(w, 0);                    /* Channel */
	wr_u32(w, 0);                    /* RemainingBytes */
	wr_u32(w, 0);                    /* WriteChannelInfo offset, length */
	wr_u32(w, 0);                    /* Flags */
	wr_bytes(w, data, len);
}

void lc_put_read(struct wr *w, const uint8_t fid[16], uint64_t offset, uint32_t len)
{
	wr_u16(w, 49);
	wr_u8(w, 0x50);                  /* Padding: data right after the fixed response */
	wr_u8(w, 0);
	wr_u32(w, len);
	wr_u64(w, offset);
	wr_bytes(w, fid, 16);
	wr_u32(w, 0);                    /* MinimumCount */
	wr_u32(w, 0);                    /* Channel */
	wr_u32(w, 0);                    /* RemainingBytes */
	wr_u32(w, 0);                    /* ReadChannelInfo offset, length */
	wr_u8(w, 0);
}

void lc_put_close(struct wr *w, const uint8_t fid[16])
{
	wr_u16(w, 24);
	wr_u16(w, 0);
	wr_u32(w, 0);
	wr_bytes(w, fid, 16);
}

bool lc_create(struct lc_conn *c, const char *path, uint32_t access, uint32_t disposition,
	       uint32_t options, uint8_t fid[16], uint64_t *eof)
{
	struct wr w;
	struct lc_msg m;
	bool ok;

	wr_init(&w, 256);
	lc_frame_begin(&w);
	size_t at = lc_msg_begin(c, &w, LC_CREATE, 0, false);
	lc_put_create(&w, path, access, disposition, options);
	lc_msg_end(c, &w, at, false);
	ok = roundtrip(c, &w, &m);
	wr_free(&w);
	if (ok && m.status != LC_STATUS_SUCCESS)
		return fail(c, "CREATE %s: status 0x%08x", path, m.status);
	if (ok && m.body_len < 80)
		return fail(c, "CREATE %s: short response", path);
	if (ok) {
		memcpy(fid, m.body + 64, 16);
		if (eof)
			*eof = le64(m.body + 48);
	}
	return ok;
}

bool lc_close_file(struct lc_conn *c, const uint8_t fid[16])
{
	struct wr w;
	struct lc_msg m;
	bool ok;

	wr_init(&w, 128);
	lc_frame_begin(&w);
	size_t at = lc_msg_begin(c, &w, LC_CLOSE, 0, false);
	lc_put_close(&w, fid);
	lc_msg_end(c, &w, at, false);
	ok = roundtrip(c, &w, &m);
	wr_free(&w);
	if (ok && m.status != LC_STATUS_SUCCESS)
		return fail(c, "CLOSE: status 0x%08x", m.status);
	return ok;
}
