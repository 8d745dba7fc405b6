/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/auth/asn1.c, spnego.c and the auth.c facade: DER edge cases, captured
 * Samba/smbclient tokens, and whole SESSION_SETUP exchanges driven by the test NTLM client
 * (mechListMIC both ways, the three-leg MIC, downgrade, raw NTLMSSP, anonymous, guest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/asn1.h"
#include "auth/auth.h"
#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "core/utf16.h"
#include "crypto/crypto.h"

#include "auth_vectors.h"
#include "ntlm_testclient.h"

static bool get_hash(void *ctx, const char *user, uint8_t nt_hash[16])
{
	(void)ctx;
	if (utf8_casecmp(user, "alice") == 0) {
		tc_nt_hash("secret", nt_hash);
		return true;
	}
	if (utf8_casecmp(user, "tuser") == 0) {
		tc_nt_hash("tpass", nt_hash);
		return true;
	}
	return false;
}

static struct auth_config cfg = {
	.netbios_name = "SKIFF",
	.domain = "WORKGROUP",
	.dns_name = "skiff",
	.get_nt_hash = get_hash,
};

static int setup(void **st)
{
	(void)st;
	cfg.allow_anonymous = false;
	cfg.guest_account = NULL;
	return crypto_init() ? 0 : -1;
}

static const uint8_t ntlm_mech_types[] = { 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
					   0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

/* --- DER ---------------------------------------------------------------------------------- */

static void test_asn1_lengths(void **st)
{
	(void)st;
	struct asn1_tlv t;
	struct rd r;
	uint8_t buf[300];

	/* short, 0x81 and 0x82 forms; non-minimal long form tolerated */
	static const uint8_t s1[] = { 0x04, 0x02, 0xaa, 0xbb };
	r = rd_init(s1, sizeof(s1));
	assert_true(asn1_read(&r, &t));
	assert_int_equal(t.tag, 0x04);
	assert_int_equal(t.val.len, 2);
	assert_int_equal(t.raw_len, 4);
	static const uint8_t s2[] = { 0x04, 0x81, 0x01, 0xcc };
	r = rd_init(s2, sizeof(s2));
	assert_true(asn1_read(&r, &t));
	assert_int_equal(t.val.len, 1);
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x04;
	buf[1] = 0x82;
	buf[2] = 0x01;
	buf[3] = 0x00;
	r = rd_init(buf, 4 + 256);
	assert_true(asn1_read(&r, &t));
	assert_int_equal(t.val.len, 256);
	assert_int_equal(rd_left(&r), 0);

	/* refused: indefinite, 5-byte length, reserved 0xff, past the end, high tag, empty */
	static const uint8_t bad[][8] = {
		{ 0x30, 0x80, 0x00, 0x00 },
		{ 0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0xaa },
		{ 0x04, 0xff, 0x00, 0x00 },
		{ 0x04, 0x05, 0x00, 0x00 },
		{ 0x04, 0x84, 0xff, 0xff, 0xff, 0xff },
		{ 0x04, 0x84, 0x01, 0x00, 0x00, 0x00 },
		{ 0x1f, 0x01, 0x00, 0x00 },
		{ 0x04, 0x82, 0x00 },
	};
	static const size_t bad_len[] = { 4, 8, 4, 4, 6, 6, 4, 3 };
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		r = rd_init(bad[i], bad_len[i]);
		assert_false(asn1_read(&r, &t));
		assert_int_equal(r.off, 0);
	}
	r = rd_init(buf, 0);
	assert_false(asn1_read(&r, &t));

	/* writer: minimal lengths */
	struct wr w;
	wr_init(&w, 16);
	asn1_put_len(&w, 0x7f);
	asn1_put_len(&w, 0x80);
	asn1_put_len(&w, 0x1234);
	assert_int_equal(w.len, 1 + 2 + 3);
	assert_memory_equal(w.buf, "\x7f\x81\x80\x82\x12\x34", 6);
	wr_free(&w);
}

static void test_asn1_depth(void **st)
{
	(void)st;
	uint8_t buf[2 * (ASN1_MAX_DEPTH + 4)];
	size_t n = ASN1_MAX_DEPTH + 3;

	/* n nested empty SEQUENCEs: 30 2(n-1) 30 2(n-2) ... 30 00 */
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = 0x30;
		buf[2 * i + 1] = (uint8_t)(2 * (n - 1 - i));
	}
	assert_false(asn1_check_tree(rd_init(buf, 2 * n), ASN1_MAX_DEPTH));
	assert_true(asn1_check_tree(rd_init(buf + 2 * (n - ASN1_MAX_DEPTH), 2 * ASN1_MAX_DEPTH),
				    ASN1_MAX_DEPTH));
	/* a bad length deep inside */
	buf[2 * (n - 2) + 1] = 5;
	assert_false(asn1_check_tree(rd_init(buf + 2 * (n - 4), 8), ASN1_MAX_DEPTH));
}

/* --- SPNEGO codec ----------------------------------------------------------------------------- */

static void test_negotiate_token_matches_samba(void **st)
{
	(void)st;
	uint8_t *tok;
	size_t len;
	struct spnego_token t;

	assert_true(auth_negotiate_token(&tok, &len));
	assert_int_equal(len, sizeof(samba_negotiate_token));
	assert_memory_equal(tok, samba_negotiate_token, len);
	/* and it parses as a NegTokenInit offering NTLMSSP (negHints accepted) */
	assert_int_equal(spnego_parse(tok, len, &t), STATUS_SUCCESS);
	assert_int_equal(t.kind, SPNEGO_NEG_TOKEN_INIT);
	assert_int_equal(t.ntlmssp_index, 0);
	assert_false(t.mech_token.present);
	free(tok);
}

static void test_parse_captured(void **st)
{
	(void)st;
	struct spnego_token t;

	assert_int_equal(spnego_parse(smbclient_neg_token_init, sizeof(smbclient_neg_token_init), &t),
			 STATUS_SUCCESS);
	assert_int_equal(t.kind, SPNEGO_NEG_TOKEN_INIT);
	assert_int_equal(t.ntlmssp_index, 0);
	assert_int_equal(t.mech_types.len, sizeof(ntlm_mech_types));
	assert_memory_equal(t.mech_types.p, ntlm_mech_types, sizeof(ntlm_mech_types));
	assert_true(t.mech_token.present);
	assert_int_equal(t.mech_token.len, 40);
	assert_memory_equal(t.mech_token.p, "NTLMSSP\0\1\0\0\0", 12);
	assert_false(t.mech_list_mic.present);

	assert_int_equal(spnego_parse(smbclient_challenge_resp, sizeof(smbclient_challenge_resp), &t),
			 STATUS_SUCCESS);
	assert_int_equal(t.kind, SPNEGO_NEG_TOKEN_RESP);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(t.supported_mech_ntlmssp);
	assert_int_equal(t.response_token.len, 128);

	assert_int_equal(spnego_parse(smbclient_auth_resp, sizeof(smbclient_auth_resp), &t),
			 STATUS_SUCCESS);
	assert_int_equal(t.kind, SPNEGO_NEG_TOKEN_RESP);
	assert_int_equal(t.neg_state, SPNEGO_NEG_STATE_ABSENT);
	assert_int_equal(t.response_token.len, 0x178);
	assert_int_equal(t.mech_list_mic.len, 16);

	assert_int_equal(spnego_parse(smbclient_final_resp, sizeof(smbclient_final_resp), &t),
			 STATUS_SUCCESS);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_COMPLETED);
	assert_false(t.response_token.present);
	assert_int_equal(t.mech_list_mic.len, 16);

	assert_int_equal(spnego_parse(impacket_neg_token_init, sizeof(impacket_neg_token_init), &t),
			 STATUS_SUCCESS);
	assert_int_equal(t.ntlmssp_index, 0);
}

static void test_build_resp_round_trip(void **st)
{
	(void)st;
	struct wr w;
	struct spnego_token t;
	uint8_t big[300], mic[16];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	memset(mic, 0x5a, sizeof(mic));
	wr_init(&w, 16);
	assert_true(spnego_build_resp(&w, SPNEGO_ACCEPT_INCOMPLETE, true, big, sizeof(big), mic, 16));
	assert_int_equal(spnego_parse(w.buf, w.len, &t), STATUS_SUCCESS);
	assert_int_equal(t.kind, SPNEGO_NEG_TOKEN_RESP);
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(t.supported_mech_ntlmssp);
	assert_int_equal(t.response_token.len, sizeof(big));
	assert_memory_equal(t.response_token.p, big, sizeof(big));
	assert_int_equal(t.mech_list_mic.len, 16);
	wr_free(&w);

	/* Samba's final answer, rebuilt byte for byte */
	struct spnego_token fin;
	assert_int_equal(spnego_parse(smbclient_final_resp, sizeof(smbclient_final_resp), &fin),
			 STATUS_SUCCESS);
	wr_init(&w, 16);
	assert_true(spnego_build_resp(&w, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0,
				      fin.mech_list_mic.p, 16));
	assert_int_equal(w.len, sizeof(smbclient_final_resp));
	assert_memory_equal(w.buf, smbclient_final_resp, w.len);
	wr_free(&w);

	/* and its CHALLENGE answer */
	struct spnego_token ch;
	assert_int_equal(spnego_parse(smbclient_challenge_resp, sizeof(smbclient_challenge_resp), &ch),
			 STATUS_SUCCESS);
	wr_init(&w, 16);
	assert_true(spnego_build_resp(&w, SPNEGO_ACCEPT_INCOMPLETE, true, ch.response_token.p,
				      ch.response_token.len, NULL, 0));
	assert_int_equal(w.len, sizeof(smbclient_challenge_resp));
	assert_memory_equal(w.buf, smbclient_challenge_resp, w.len);
	wr_free(&w);
}

static void test_parse_malformed(void **st)
{
	(void)st;
	struct spnego_token t;
	uint8_t buf[512];

	/* every truncation of every captured token */
	const uint8_t *toks[] = { smbclient_neg_token_init, smbclient_challenge_resp,
				  smbclient_auth_resp, smbclient_final_resp, samba_negotiate_token };
	const size_t lens[] = { sizeof(smbclient_neg_token_init), sizeof(smbclient_challenge_resp),
				sizeof(smbclient_auth_resp), sizeof(smbclient_final_resp),
				sizeof(samba_negotiate_token) };
	for (size_t k = 0; k < 5; k++)
		for (size_t n = 0; n < lens[k]; n++) {
			memcpy(buf, toks[k], n);
			assert_int_equal(spnego_parse(buf, n, &t), STATUS_INVALID_PARAMETER);
		}

	static const struct { const char *what; const char *der; size_t len; } bad[] = {
		{ "not SPNEGO", "\x30\x00", 2 },
		{ "wrong GSS OID", "\x60\x0a\x06\x06\x2b\x06\x01\x05\x05\x03\xa0\x00", 12 },
		{ "GSS without inner token", "\x60\x08\x06\x06\x2b\x06\x01\x05\x05\x02", 10 },
		{ "init not a SEQUENCE", "\xa0\x02\x31\x00", 4 },
		{ "init trailing after SEQUENCE", "\xa0\x04\x30\x00\x05\x00", 6 },
		{ "unknown field [5]", "\xa0\x04\x30\x02\xa5\x00", 6 },
		{ "duplicate mechTypes", "\xa0\x0a\x30\x08\xa0\x02\x30\x00\xa0\x02\x30\x00", 12 },
		{ "mechTypes not OIDs", "\xa0\x08\x30\x06\xa0\x04\x30\x02\x04\x00", 10 },
		{ "empty OID", "\xa0\x08\x30\x06\xa0\x04\x30\x02\x06\x00", 10 },
		{ "mechToken not OCTET STRING", "\xa0\x06\x30\x04\xa2\x02\x03\x00", 8 },
		{ "mechToken with a trailer", "\xa0\x08\x30\x06\xa2\x04\x04\x00\x04\x00", 10 },
		{ "reqFlags not BIT STRING", "\xa0\x06\x30\x04\xa1\x02\x04\x00", 8 },
		{ "negHints bad inside", "\xa0\x08\x30\x06\xa3\x04\x30\x02\x04\x05", 10 },
		{ "resp negState not ENUMERATED", "\xa1\x07\x30\x05\xa0\x03\x02\x01\x00", 9 },
		{ "resp negState too big", "\xa1\x07\x30\x05\xa0\x03\x0a\x01\x04", 9 },
		{ "resp negState empty", "\xa1\x06\x30\x04\xa0\x02\x0a\x00", 8 },
		{ "resp unknown field [4]", "\xa1\x04\x30\x02\xa4\x00", 6 },
		{ "resp duplicate responseToken", "\xa1\x0a\x30\x08\xa2\x02\x04\x00\xa2\x02\x04\x00", 12 },
		{ "resp constructed OCTET STRING", "\xa1\x06\x30\x04\xa2\x02\x24\x00", 8 },
		{ "resp supportedMech empty OID", "\xa1\x06\x30\x04\xa1\x02\x06\x00", 8 },
		{ "resp indefinite length", "\xa1\x80\x30\x00\x00\x00", 6 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (spnego_parse((const uint8_t *)bad[i].der, bad[i].len, &t) != STATUS_INVALID_PARAMETER)
			fail_msg("accepted: %s", bad[i].what);
	}

	/* well-formed corner cases */
	assert_int_equal(spnego_parse((const uint8_t *)"\xa1\x02\x30\x00", 4, &t), STATUS_SUCCESS);
	assert_int_equal(t.kind, SPNEGO_NEG_TOKEN_RESP);
	assert_int_equal(spnego_parse((const uint8_t *)"\xa0\x02\x30\x00" "junk", 8, &t),
			 STATUS_SUCCESS);   /* bytes after the token are ignored */
	assert_false(t.mech_types.present);
	/* NTLMSSP second in the list; an unknown first OID */
	static const uint8_t two[] = { 0xa0, 0x1a, 0x30, 0x18, 0xa0, 0x16, 0x30, 0x14,
				       0x06, 0x06, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12,
				       0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82,
				       0x37, 0x02, 0x02, 0x0a };
	assert_int_equal(spnego_parse(two, sizeof(two), &t), STATUS_SUCCESS);
	assert_int_equal(t.ntlmssp_index, 1);
	assert_int_equal(t.mech_types.len, 0x16);
}

/* --- the facade ----------------------------------------------------------------------------- */

struct flow {
	struct auth_ctx *ctx;
	struct tc c;
	uint8_t *mech_types;
	size_t mech_types_len;
	uint8_t *out;
	size_t out_len;
	struct spnego_token resp;   /* parse of `out` */
};

static NTSTATUS step(struct flow *f, uint8_t *in, size_t in_len)
{
	NTSTATUS st;

	free(f->out);
	st = auth_ctx_step(f->ctx, in, in_len, &f->out, &f->out_len);
	free(in);
	memset(&f->resp, 0, sizeof(f->resp));
	if (f->out_len)
		assert_int_equal(spnego_parse(f->out, f->out_len, &f->resp), STATUS_SUCCESS);
	return st;
}

/* step() with a token built in the argument list: len is read only after it is set. */
static NTSTATUS step_tok(struct flow *f, uint8_t *tok, const size_t *len)
{
	return step(f, tok, *len);
}

static void flow_free(struct flow *f)
{
	auth_ctx_free(f->ctx);
	free(f->out);
	free(f->mech_types);
}

/* Up to the server's CHALLENGE (NegTokenInit with the optimistic NEGOTIATE). */
static void flow_start(struct flow *f, const struct tc_opts *o)
{
	size_t neg_len, len;
	uint8_t *neg;

	memset(f, 0, sizeof(*f));
	f->ctx = auth_ctx_new(&cfg);
	assert_non_null(f->ctx);
	neg = tc_negotiate(&f->c, o, &neg_len);
	uint8_t *tok = tc_neg_token_init(false, false, neg, neg_len, &f->mech_types,
					 &f->mech_types_len, &len);
	free(neg);
	assert_int_equal(step(f, tok, len), STATUS_MORE_PROCESSING_REQUIRED);
	assert_int_equal(f->resp.kind, SPNEGO_NEG_TOKEN_RESP);
	assert_int_equal(f->resp.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(f->resp.supported_mech_ntlmssp);
	assert_true(f->resp.response_token.present);
	assert_null(auth_ctx_result(f->ctx));
}

/* Send AUTHENTICATE (+ our mechListMIC if asked) in a NegTokenResp. */
static NTSTATUS flow_auth(struct flow *f, bool with_mic, bool bad_mic)
{
	size_t auth_len, len;
	uint8_t sig[16];
	uint8_t *auth = tc_authenticate(&f->c, f->resp.response_token.p, f->resp.response_token.len,
					&auth_len);
	tc_sign(f->c.exported, true, f->c.flags & NTLMSSP_NEGOTIATE_KEY_EXCH, f->mech_types,
		f->mech_types_len, sig);
	if (bad_mic)
		sig[5] ^= 1;
	uint8_t *tok = tc_neg_token_resp(auth, auth_len, with_mic ? sig : NULL, 16, &len);
	free(auth);
	return step(f, tok, len);
}

/* The server's mechListMIC in the last answer is the right one. */
static void assert_server_mic(struct flow *f)
{
	uint8_t sig[16];

	tc_sign(f->c.exported, false, f->c.flags & NTLMSSP_NEGOTIATE_KEY_EXCH, f->mech_types,
		f->mech_types_len, sig);
	assert_true(f->resp.mech_list_mic.present);
	assert_int_equal(f->resp.mech_list_mic.len, 16);
	assert_memory_equal(f->resp.mech_list_mic.p, sig, 16);
}

static void test_flow_windows_style(void **st)
{
	(void)st;
	struct flow f;
	struct tc_opts o = { .user = "alice", .domain = "WORKGROUP", .password = "secret",
			     .workstation = "DESKTOP-1", .mic = true };

	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, true, false), STATUS_SUCCESS);
	assert_int_equal(f.resp.neg_state, SPNEGO_ACCEPT_COMPLETED);
	assert_false(f.resp.supported_mech_ntlmssp);
	assert_false(f.resp.response_token.present);
	assert_server_mic(&f);
	const struct auth_result *r = auth_ctx_result(f.ctx);
	assert_non_null(r);
	assert_string_equal(r->user, "alice");
	assert_string_equal(r->domain, "WORKGROUP");
	assert_string_equal(r->workstation, "DESKTOP-1");
	assert_true(r->has_session_key);
	assert_memory_equal(r->session_key, f.c.exported, 16);
	/* the exchange is over */
	uint8_t *again = malloc(1);
	assert_int_equal(step(&f, again, 1), STATUS_INVALID_PARAMETER);
	assert_null(auth_ctx_result(f.ctx));
	flow_free(&f);
}

/* MIC in NTLM but no mechListMIC yet: we send ours with accept-incomplete and wait for theirs. */
static void test_flow_three_legs(void **st)
{
	(void)st;
	struct flow f;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "secret", .mic = true };
	uint8_t sig[16];
	size_t len;

	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, false, false), STATUS_MORE_PROCESSING_REQUIRED);
	assert_int_equal(f.resp.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_false(f.resp.response_token.present);
	assert_server_mic(&f);
	assert_null(auth_ctx_result(f.ctx));
	tc_sign(f.c.exported, true, true, f.mech_types, f.mech_types_len, sig);
	assert_int_equal(step_tok(&f, tc_neg_token_resp(NULL, 0, sig, 16, &len), &len), STATUS_SUCCESS);
	assert_int_equal(f.resp.neg_state, SPNEGO_ACCEPT_COMPLETED);
	assert_false(f.resp.mech_list_mic.present);
	assert_non_null(auth_ctx_result(f.ctx));
	flow_free(&f);

	/* the last leg with a wrong MIC, with none, or with a token again */
	for (int k = 0; k < 3; k++) {
		flow_start(&f, &o);
		assert_int_equal(flow_auth(&f, false, false), STATUS_MORE_PROCESSING_REQUIRED);
		tc_sign(f.c.exported, true, true, f.mech_types, f.mech_types_len, sig);
		sig[4] ^= 0x80;
		uint8_t *tok = k == 0 ? tc_neg_token_resp(NULL, 0, sig, 16, &len) :
			       k == 1 ? tc_neg_token_resp(NULL, 0, NULL, 0, &len) :
					tc_neg_token_resp((const uint8_t *)"x", 1, sig, 16, &len);
		assert_int_equal(step(&f, tok, len),
				 k == 2 ? STATUS_INVALID_PARAMETER : STATUS_ACCESS_DENIED);
		assert_null(auth_ctx_result(f.ctx));
		flow_free(&f);
	}
}

static void test_flow_bad_mech_list_mic(void **st)
{
	(void)st;
	struct flow f;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "secret", .mic = true };

	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, true, true), STATUS_ACCESS_DENIED);
	assert_null(f.out);
	assert_null(auth_ctx_result(f.ctx));
	flow_free(&f);
}

/* Old-style NTLM (no MIC) without a mechListMIC: no MIC either way. With SIGN off: same. */
static void test_flow_old_style(void **st)
{
	(void)st;
	struct flow f;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "secret" };

	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, false, false), STATUS_SUCCESS);
	assert_int_equal(f.resp.neg_state, SPNEGO_ACCEPT_COMPLETED);
	assert_false(f.resp.mech_list_mic.present);
	flow_free(&f);

	/* a mechListMIC without an NTLM MIC still gets checked and answered */
	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, true, false), STATUS_SUCCESS);
	assert_server_mic(&f);
	flow_free(&f);

	/* impacket-like: no SIGN, so a mechListMIC is ignored */
	o.flags = 0xa0880205;
	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, true, true), STATUS_SUCCESS);
	assert_false(f.resp.mech_list_mic.present);
	flow_free(&f);
}

static void test_flow_wrong_password(void **st)
{
	(void)st;
	struct flow f;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "wrong", .mic = true };

	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, true, false), STATUS_LOGON_FAILURE);
	assert_null(f.out);
	assert_null(auth_ctx_result(f.ctx));
	flow_free(&f);
}

/* Kerberos first (with a "Kerberos" optimistic token): we pick NTLMSSP, ask for a MIC. */
static void test_flow_downgrade(void **st)
{
	(void)st;
	struct flow f;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "secret" };
	size_t len, neg_len;

	memset(&f, 0, sizeof(f));
	f.ctx = auth_ctx_new(&cfg);
	uint8_t *tok = tc_neg_token_init(true, false, (const uint8_t *)"\x60\x00", 2, &f.mech_types,
					 &f.mech_types_len, &len);
	assert_int_equal(step(&f, tok, len), STATUS_MORE_PROCESSING_REQUIRED);
	assert_int_equal(f.resp.neg_state, SPNEGO_REQUEST_MIC);
	assert_true(f.resp.supported_mech_ntlmssp);
	assert_false(f.resp.response_token.present);

	uint8_t *neg = tc_negotiate(&f.c, &o, &neg_len);
	assert_int_equal(step_tok(&f, tc_neg_token_resp(neg, neg_len, NULL, 0, &len), &len),
			 STATUS_MORE_PROCESSING_REQUIRED);
	free(neg);
	assert_int_equal(f.resp.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(f.resp.response_token.present);

	/* old-style NTLM, but the downgrade makes the mechListMIC mandatory */
	assert_int_equal(flow_auth(&f, false, false), STATUS_MORE_PROCESSING_REQUIRED);
	assert_server_mic(&f);
	uint8_t sig[16];
	tc_sign(f.c.exported, true, true, f.mech_types, f.mech_types_len, sig);
	assert_int_equal(step_tok(&f, tc_neg_token_resp(NULL, 0, sig, 16, &len), &len), STATUS_SUCCESS);
	assert_non_null(auth_ctx_result(f.ctx));
	flow_free(&f);

	/* NTLMSSP first but no optimistic token: plain accept-incomplete, then NEGOTIATE */
	memset(&f, 0, sizeof(f));
	f.ctx = auth_ctx_new(&cfg);
	tok = tc_neg_token_init(false, false, NULL, 0, &f.mech_types, &f.mech_types_len, &len);
	assert_int_equal(step(&f, tok, len), STATUS_MORE_PROCESSING_REQUIRED);
	assert_int_equal(f.resp.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	neg = tc_negotiate(&f.c, &o, &neg_len);
	assert_int_equal(step_tok(&f, tc_neg_token_resp(neg, neg_len, NULL, 0, &len), &len),
			 STATUS_MORE_PROCESSING_REQUIRED);
	free(neg);
	assert_int_equal(flow_auth(&f, false, false), STATUS_SUCCESS);
	flow_free(&f);
}

static void test_flow_no_ntlmssp(void **st)
{
	(void)st;
	struct flow f;
	size_t len;

	memset(&f, 0, sizeof(f));
	f.ctx = auth_ctx_new(&cfg);
	uint8_t *tok = tc_neg_token_init(false, true, (const uint8_t *)"\x60\x00", 2, NULL, NULL, &len);
	assert_int_equal(step(&f, tok, len), STATUS_INVALID_PARAMETER);
	flow_free(&f);

	/* a NegTokenResp first */
	f.ctx = auth_ctx_new(&cfg);
	f.out = NULL;
	assert_int_equal(step_tok(&f, tc_neg_token_resp((const uint8_t *)"x", 1, NULL, 0, &len), &len),
			 STATUS_INVALID_PARAMETER);
	auth_ctx_free(f.ctx);
}

static void test_flow_raw_ntlmssp(void **st)
{
	(void)st;
	struct auth_ctx *ctx = auth_ctx_new(&cfg);
	struct tc c;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "secret", .mic = true };
	uint8_t *neg, *chal, *auth, *out;
	size_t neg_len, chal_len, auth_len, out_len;

	neg = tc_negotiate(&c, &o, &neg_len);
	assert_int_equal(auth_ctx_step(ctx, neg, neg_len, &chal, &chal_len),
			 STATUS_MORE_PROCESSING_REQUIRED);
	assert_memory_equal(chal, "NTLMSSP\0\2", 9);
	auth = tc_authenticate(&c, chal, chal_len, &auth_len);
	assert_int_equal(auth_ctx_step(ctx, auth, auth_len, &out, &out_len), STATUS_SUCCESS);
	assert_null(out);
	assert_int_equal(out_len, 0);
	assert_memory_equal(auth_ctx_result(ctx)->session_key, c.exported, 16);
	free(neg);
	free(chal);
	free(auth);
	auth_ctx_free(ctx);
}

static void test_flow_empty_first_token(void **st)
{
	(void)st;
	struct auth_ctx *ctx = auth_ctx_new(&cfg);
	uint8_t *out;
	size_t len;

	assert_int_equal(auth_ctx_step(ctx, NULL, 0, &out, &len), STATUS_MORE_PROCESSING_REQUIRED);
	assert_int_equal(len, sizeof(samba_negotiate_token));
	assert_memory_equal(out, samba_negotiate_token, len);
	free(out);
	auth_ctx_free(ctx);
}

static void test_flow_anonymous_and_guest(void **st)
{
	(void)st;
	struct flow f;
	struct tc_opts o = { .domain = "", .anonymous = true };

	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, false, false), STATUS_LOGON_FAILURE);
	flow_free(&f);

	cfg.allow_anonymous = true;
	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, true, false), STATUS_SUCCESS);
	assert_false(f.resp.mech_list_mic.present);   /* no signing for anonymous */
	assert_true(auth_ctx_result(f.ctx)->anonymous);
	flow_free(&f);
	cfg.allow_anonymous = false;

	cfg.guest_account = "nobody";
	o = (struct tc_opts){ .user = "eve", .domain = "W", .password = "x", .mic = true };
	flow_start(&f, &o);
	assert_int_equal(flow_auth(&f, true, false), STATUS_SUCCESS);
	assert_false(f.resp.mech_list_mic.present);   /* nor for guest */
	const struct auth_result *r = auth_ctx_result(f.ctx);
	assert_true(r->guest);
	assert_false(r->has_session_key);
	assert_string_equal(r->user, "nobody");
	flow_free(&f);
	cfg.guest_account = NULL;
}

/* Random damage to every token of a good exchange, at each step: never a crash, never success. */
static void test_flow_mutations(void **st)
{
	(void)st;
	uint32_t seed = 12345;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "secret", .mic = true };

	for (int iter = 0; iter < 600; iter++) {
		struct flow f;
		size_t len, neg_len;
		uint8_t *neg, *tok;
		int target = iter % 2;   /* 0: damage the NegTokenInit, 1: the AUTHENTICATE resp */

		memset(&f, 0, sizeof(f));
		f.ctx = auth_ctx_new(&cfg);
		neg = tc_negotiate(&f.c, &o, &neg_len);
		tok = tc_neg_token_init(false, false, neg, neg_len, &f.mech_types, &f.mech_types_len,
					&len);
		free(neg);
		if (target == 0) {
			for (int k = 0; k < 1 + iter % 4; k++) {
				seed = seed * 1103515245u + 12345u;
				tok[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 4) % 8));
			}
			NTSTATUS r = step(&f, tok, len);
			assert_true(r == STATUS_MORE_PROCESSING_REQUIRED || r == STATUS_INVALID_PARAMETER ||
				    r == STATUS_NOT_SUPPORTED);
			flow_free(&f);
			continue;
		}
		assert_int_equal(step(&f, tok, len), STATUS_MORE_PROCESSING_REQUIRED);
		size_t auth_len;
		uint8_t sig[16];
		uint8_t *auth = tc_authenticate(&f.c, f.resp.response_token.p,
						f.resp.response_token.len, &auth_len);
		tc_sign(f.c.exported, true, true, f.mech_types, f.mech_types_len, sig);
		tok = tc_neg_token_resp(auth, auth_len, sig, 16, &len);
		free(auth);
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			tok[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 4) % 8));
		}
		NTSTATUS r = step(&f, tok, len);
		assert_int_not_equal(r, STATUS_SUCCESS);
		assert_null(auth_ctx_result(f.ctx));
		flow_free(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_asn1_lengths, setup),
		cmocka_unit_test_setup(test_asn1_depth, setup),
		cmocka_unit_test_setup(test_negotiate_token_matches_samba, setup),
		cmocka_unit_test_setup(test_parse_captured, setup),
		cmocka_unit_test_setup(test_build_resp_round_trip, setup),
		cmocka_unit_test_setup(test_parse_malformed, setup),
		cmocka_unit_test_setup(test_flow_windows_style, setup),
		cmocka_unit_test_setup(test_flow_three_legs, setup),
		cmocka_unit_test_setup(test_flow_bad_mech_list_mic, setup),
		cmocka_unit_test_setup(test_flow_old_style, setup),
		cmocka_unit_test_setup(test_flow_wrong_password, setup),
		cmocka_unit_test_setup(test_flow_downgrade, setup),
		cmocka_unit_test_setup(test_flow_no_ntlmssp, setup),
		cmocka_unit_test_setup(test_flow_raw_ntlmssp, setup),
		cmocka_unit_test_setup(test_flow_empty_first_token, setup),
		cmocka_unit_test_setup(test_flow_anonymous_and_guest, setup),
		cmocka_unit_test_setup(test_flow_mutations, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
