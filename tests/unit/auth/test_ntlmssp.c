/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/auth/ntlmssp.c: MS-NLMP 4.2.4 NTLMv2 and 4.2.4.4 signing vectors, replayed
 * smbclient/impacket exchanges, and the refusals (wrong password, v1/LM, MIC tampering, malformed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "core/utf16.h"
#include "crypto/crypto.h"

#include "auth_vectors.h"
#include "ntlm_testclient.h"

/* --- fixtures --------------------------------------------------------------------------- */

static struct { const char *user, *password; } users[] = {
	{ "tuser", "tpass" },
	{ "User", "Password" },
	{ "alice", "secret" },
};

static int lookups;

static bool get_hash(void *ctx, const char *user, uint8_t nt_hash[16])
{
	(void)ctx;
	lookups++;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		if (utf8_casecmp(user, users[i].user) == 0) {
			tc_nt_hash(users[i].password, nt_hash);
			return true;
		}
	}
	return false;
}

static struct auth_config cfg = {
	.netbios_name = "SKIFF",
	.domain = "WORKGROUP",
	.dns_name = "skiff",
	.allow_anonymous = false,
	.guest_account = NULL,
	.get_nt_hash = get_hash,
};

static int setup(void **st)
{
	(void)st;
	cfg.allow_anonymous = false;
	cfg.guest_account = NULL;
	return crypto_init() ? 0 : -1;
}

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void assert_hex(const uint8_t *p, const char *h)
{
	uint8_t want[64];
	size_t n = strlen(h) / 2;
	unhex(h, want);
	assert_memory_equal(p, want, n);
}

/* The NTLMSSP message inside a captured SPNEGO token. */
static struct spnego_blob inner(const uint8_t *tok, size_t len)
{
	struct spnego_token t;
	assert_int_equal(spnego_parse(tok, len, &t), STATUS_SUCCESS);
	return t.kind == SPNEGO_NEG_TOKEN_INIT ? t.mech_token : t.response_token;
}

/* A server that has sent its CHALLENGE to the test client; returns the CHALLENGE. */
static struct ntlmssp_server *start(struct tc *c, const struct tc_opts *o, uint8_t **chal,
				    size_t *chal_len)
{
	struct ntlmssp_server *s = ntlmssp_server_new(&cfg);
	size_t neg_len;
	uint8_t *neg = tc_negotiate(c, o, &neg_len);

	assert_non_null(s);
	assert_int_equal(ntlmssp_server_negotiate(s, neg, neg_len, chal, chal_len),
			 STATUS_MORE_PROCESSING_REQUIRED);
	free(neg);
	return s;
}

/* Full exchange with the test client; returns the AUTHENTICATE status. */
static NTSTATUS run(const struct tc_opts *o, struct auth_result *res, uint8_t exported[16])
{
	struct tc c;
	uint8_t *chal, *auth;
	size_t chal_len, auth_len;
	struct ntlmssp_server *s = start(&c, o, &chal, &chal_len);
	NTSTATUS st;

	auth = tc_authenticate(&c, chal, chal_len, &auth_len);
	st = ntlmssp_server_authenticate(s, auth, auth_len, res);
	if (exported)
		memcpy(exported, c.exported, 16);
	free(chal);
	free(auth);
	ntlmssp_server_free(s);
	return st;
}

/* --- MS-NLMP 4.2.4 ------------------------------------------------------------------------ */

static const char spec_server_challenge[] = "0123456789abcdef";
static const char spec_ntowfv2[] = "0c868a403bfd7a93a3001ef22ef02e3f";
static const char spec_ntproofstr[] = "68cd0ab851e51c96aabc927bebef6a1c";
static const char spec_session_base_key[] = "8de40ccadbc14a82f15cb0ad0de95ca3";
static const char spec_lmv2[] = "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa";
static const char spec_encrypted_session_key[] = "c5dad2544fc9799094ce1ce90bc9d03e";
/* 4.2.4.1.3 temp: NTLMv2_CLIENT_CHALLENGE with Time 0, ClientChallenge aa.., AV pairs
 * MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL, then Z(4). */
static const char spec_temp[] =
	"0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000"
	"02000c0044006f006d00610069006e00" "01000c00530065007200760065007200"
	"00000000" "00000000";

static void test_spec_ntowfv2(void **st)
{
	(void)st;
	uint8_t hash[16], key[16];
	struct wr u, d;

	tc_nt_hash("Password", hash);
	wr_init(&u, 16);
	wr_init(&d, 16);
	utf8_to_utf16le(&u, "User");
	utf8_to_utf16le(&d, "Domain");
	assert_true(ntlm_ntowfv2(hash, u.buf, u.len, d.buf, d.len, key));
	assert_hex(key, spec_ntowfv2);
	/* The user name is upper-cased, the domain is not: a lower-case user gives the same key. */
	u.len = 0;
	utf8_to_utf16le(&u, "uSeR");
	assert_true(ntlm_ntowfv2(hash, u.buf, u.len, d.buf, d.len, key));
	assert_hex(key, spec_ntowfv2);
	wr_free(&u);
	wr_free(&d);
}

/* Non-ASCII names: vectors computed with Python's str.upper() (same as RtlUpcaseUnicodeString
 * for these letters). */
static void test_ntowfv2_non_ascii(void **st)
{
	(void)st;
	static const struct { const char *user, *domain, *password, *key; } v[] = {
		{ "jürgen", "Wörkgroup", "pässwort", "840d9419c13a601c1821d48e5c2b921c" },
		{ "иван", "ДОМЕН", "пароль", "bc2b2b57c0977888718c2fc8935e60ab" },
	};
	for (size_t i = 0; i < 2; i++) {
		uint8_t hash[16], key[16];
		struct wr u, d;
		tc_nt_hash(v[i].password, hash);
		wr_init(&u, 16);
		wr_init(&d, 16);
		utf8_to_utf16le(&u, v[i].user);
		utf8_to_utf16le(&d, v[i].domain);
		assert_true(ntlm_ntowfv2(hash, u.buf, u.len, d.buf, d.len, key));
		assert_hex(key, v[i].key);
		wr_free(&u);
		wr_free(&d);
	}
}

/* The spec's AUTHENTICATE_MESSAGE (4.2.4.3), assembled from its documented fields. */
static uint8_t *spec_authenticate(size_t *len)
{
	uint8_t temp[68], proof[16], lm[24], enc[16], nt[84];
	struct wr hdr, pay, s;

	unhex(spec_temp, temp);
	unhex(spec_ntproofstr, proof);
	unhex(spec_lmv2, lm);
	unhex(spec_encrypted_session_key, enc);
	memcpy(nt, proof, 16);
	memcpy(nt + 16, temp, sizeof(temp));
	wr_init(&hdr, 128);
	wr_init(&pay, 256);
	wr_init(&s, 32);
	wr_bytes(&hdr, "NTLMSSP", 8);
	wr_u32(&hdr, 3);
	tc_field(&hdr, &pay, 72, lm, 24);
	tc_field(&hdr, &pay, 72, nt, sizeof(nt));
	utf8_to_utf16le(&s, "Domain");
	tc_field(&hdr, &pay, 72, s.buf, s.len);
	s.len = 0;
	utf8_to_utf16le(&s, "User");
	tc_field(&hdr, &pay, 72, s.buf, s.len);
	s.len = 0;
	utf8_to_utf16le(&s, "COMPUTER");
	tc_field(&hdr, &pay, 72, s.buf, s.len);
	tc_field(&hdr, &pay, 72, enc, 16);
	wr_u32(&hdr, 0xe28a8233);
	static const uint8_t ver[8] = { 0x05, 0x01, 0x28, 0x0a, 0, 0, 0, 0x0f };
	wr_bytes(&hdr, ver, 8);
	wr_bytes(&hdr, pay.buf, pay.len);
	wr_free(&pay);
	wr_free(&s);
	return wr_steal(&hdr, len);
}

static void test_spec_authenticate(void **st)
{
	(void)st;
	uint8_t chal[8], hash[16], base[16], exported[16], enc[16];
	struct ntlm_authenticate a;
	size_t len;
	uint8_t *msg = spec_authenticate(&len);

	unhex(spec_server_challenge, chal);
	assert_int_equal(ntlm_parse_authenticate(msg, len, &a), STATUS_SUCCESS);
	assert_true(a.v2);
	assert_int_equal(a.flags, 0xe28a8233);
	assert_int_equal(a.av_flags, 0);
	assert_int_equal(a.nt.len, 84);

	tc_nt_hash("Password", hash);
	assert_true(ntlm_v2_verify(hash, &a, chal, base));
	assert_hex(base, spec_session_base_key);
	/* KEY_EXCH: ExportedSessionKey = RC4(KeyExchangeKey = SessionBaseKey, EncryptedKey) */
	unhex(spec_encrypted_session_key, enc);
	assert_true(crypto_rc4(base, 16, enc, 16, exported));
	for (int i = 0; i < 16; i++)
		assert_int_equal(exported[i], 0x55);

	/* A wrong password, or another server challenge, fails. */
	tc_nt_hash("password", hash);
	assert_false(ntlm_v2_verify(hash, &a, chal, base));
	tc_nt_hash("Password", hash);
	chal[7] ^= 1;
	assert_false(ntlm_v2_verify(hash, &a, chal, base));
	free(msg);
}

/* 4.2.4.4 GSS_WrapEx: keys from RandomSessionKey 55.., the sealed text and the signature. */
static void test_spec_signing(void **st)
{
	(void)st;
	uint8_t exported[16], plain[18], sealed[18], sig[16];
	struct ntlmssp_keys k;
	struct wr p;

	memset(exported, 0x55, 16);
	assert_true(ntlmssp_derive_keys(exported, 0xe28a8233, &k));
	assert_hex(k.client_seal, "59f600973cc4960a25480a7c196e4c58");
	assert_hex(k.client_sign, "4788dc861b4782f35d43fd98fe1a2d39");

	wr_init(&p, 32);
	utf8_to_utf16le(&p, "Plaintext");
	assert_int_equal(p.len, 18);
	memcpy(plain, p.buf, 18);
	wr_free(&p);

	/* Unsealed checksum: HMAC_MD5(SigningKey, SeqNum || Message)[0..7] */
	assert_true(ntlmssp_make_signature(k.client_sign, NULL, 0, plain, 18, sig));
	assert_hex(sig, "0100000070352851f256430900000000");

	/* Sealed: the RC4 stream first encrypts the message, then the checksum. */
	struct crypto_rc4_state *rc4 = crypto_rc4_new(k.client_seal, 16);
	assert_non_null(rc4);
	assert_true(crypto_rc4_update(rc4, plain, 18, sealed));
	assert_hex(sealed, "54e50165bf1936dc996020c1811b0f06fb5f");
	assert_true(ntlmssp_make_signature(k.client_sign, rc4, 0, plain, 18, sig));
	assert_hex(sig, "010000007fb38ec5c55d497600000000");
	crypto_rc4_free(rc4);
}

/* --- real clients ------------------------------------------------------------------------- */

static void test_replay_smbclient(void **st)
{
	(void)st;
	struct spnego_blob neg = inner(smbclient_neg_token_init, sizeof(smbclient_neg_token_init));
	struct spnego_blob chal = inner(smbclient_challenge_resp, sizeof(smbclient_challenge_resp));
	struct spnego_token auth, fin;
	struct auth_result res;
	uint8_t sig[16];
	static const uint8_t mech_types[] = { 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
					      0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

	assert_int_equal(spnego_parse(smbclient_auth_resp, sizeof(smbclient_auth_resp), &auth),
			 STATUS_SUCCESS);
	assert_int_equal(spnego_parse(smbclient_final_resp, sizeof(smbclient_final_resp), &fin),
			 STATUS_SUCCESS);

	struct ntlmssp_server *s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_resume(s, neg.p, neg.len, chal.p, chal.len), STATUS_SUCCESS);
	assert_int_equal(ntlmssp_server_authenticate(s, auth.response_token.p,
						     auth.response_token.len, &res),
			 STATUS_SUCCESS);
	assert_string_equal(res.user, "tuser");
	assert_string_equal(res.domain, "WORKGROUP");
	assert_string_equal(res.workstation, "VM");
	assert_false(res.anonymous);
	assert_false(res.guest);
	assert_true(res.has_session_key);
	assert_true(ntlmssp_server_had_mic(s));
	assert_true(ntlmssp_server_can_sign(s));
	/* smbclient's mechListMIC verifies, and ours is byte-for-byte the one Samba sent. */
	assert_int_equal(ntlmssp_server_check_sig(s, mech_types, sizeof(mech_types),
						  auth.mech_list_mic.p, auth.mech_list_mic.len),
			 STATUS_SUCCESS);
	assert_true(ntlmssp_server_sign(s, mech_types, sizeof(mech_types), sig));
	assert_int_equal(fin.mech_list_mic.len, 16);
	assert_memory_equal(sig, fin.mech_list_mic.p, 16);
	ntlmssp_server_free(s);

	/* Same exchange, but the password on file is different. */
	users[0].password = "tpass2";
	s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_resume(s, neg.p, neg.len, chal.p, chal.len), STATUS_SUCCESS);
	assert_int_equal(ntlmssp_server_authenticate(s, auth.response_token.p,
						     auth.response_token.len, &res),
			 STATUS_LOGON_FAILURE);
	users[0].password = "tpass";
	ntlmssp_server_free(s);

	/* Same exchange, but a NEGOTIATE different from the one the MIC covers. */
	uint8_t neg2[64];
	memcpy(neg2, neg.p, neg.len);
	neg2[neg.len - 1] ^= 1;
	s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_resume(s, neg2, neg.len, chal.p, chal.len), STATUS_SUCCESS);
	assert_int_equal(ntlmssp_server_authenticate(s, auth.response_token.p,
						     auth.response_token.len, &res),
			 STATUS_LOGON_FAILURE);
	ntlmssp_server_free(s);
}

static void test_replay_impacket(void **st)
{
	(void)st;
	struct spnego_blob neg = inner(impacket_neg_token_init, sizeof(impacket_neg_token_init));
	struct spnego_blob chal = inner(impacket_challenge_resp, sizeof(impacket_challenge_resp));
	struct spnego_blob auth = inner(impacket_auth_resp, sizeof(impacket_auth_resp));
	struct auth_result res;
	struct ntlm_authenticate a;
	uint8_t hash[16], base[16];

	struct ntlmssp_server *s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_resume(s, neg.p, neg.len, chal.p, chal.len), STATUS_SUCCESS);
	assert_int_equal(ntlmssp_server_authenticate(s, auth.p, auth.len, &res), STATUS_SUCCESS);
	assert_string_equal(res.user, "tuser");
	assert_true(res.has_session_key);
	assert_false(ntlmssp_server_had_mic(s));
	assert_false(ntlmssp_server_can_sign(s));   /* impacket did not ask for SIGN */
	/* No KEY_EXCH: the session key is the session base key. */
	assert_int_equal(ntlm_parse_authenticate(auth.p, auth.len, &a), STATUS_SUCCESS);
	tc_nt_hash("tpass", hash);
	assert_true(ntlm_v2_verify(hash, &a, chal.p + 24, base));
	assert_memory_equal(res.session_key, base, 16);
	ntlmssp_server_free(s);
}

static void test_replay_anonymous(void **st)
{
	(void)st;
	struct spnego_blob neg = inner(anon_neg_token_init, sizeof(anon_neg_token_init));
	struct spnego_blob chal = inner(anon_challenge_resp, sizeof(anon_challenge_resp));
	struct spnego_blob auth = inner(anon_auth_resp, sizeof(anon_auth_resp));
	struct auth_result res;
	uint8_t zero[16] = { 0 }, exported[16];

	struct ntlmssp_server *s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_resume(s, neg.p, neg.len, chal.p, chal.len), STATUS_SUCCESS);
	assert_int_equal(ntlmssp_server_authenticate(s, auth.p, auth.len, &res),
			 STATUS_LOGON_FAILURE);
	ntlmssp_server_free(s);

	cfg.allow_anonymous = true;
	s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_resume(s, neg.p, neg.len, chal.p, chal.len), STATUS_SUCCESS);
	assert_int_equal(ntlmssp_server_authenticate(s, auth.p, auth.len, &res), STATUS_SUCCESS);
	assert_true(res.anonymous);
	assert_string_equal(res.user, "");
	assert_false(ntlmssp_server_can_sign(s));
	/* KEY_EXCH under the all-zero base key (what Samba's anonymous-encryption tests use). */
	struct ntlm_authenticate a;
	assert_int_equal(ntlm_parse_authenticate(auth.p, auth.len, &a), STATUS_SUCCESS);
	assert_int_equal(a.enc_key.len, 16);
	crypto_rc4(zero, 16, a.enc_key.p, 16, exported);
	assert_memory_equal(res.session_key, exported, 16);
	ntlmssp_server_free(s);
}

/* --- the server against the test client ---------------------------------------------------- */

static void test_challenge_message(void **st)
{
	(void)st;
	struct tc c;
	struct tc_opts o = { .user = "alice", .password = "secret",
			     .flags = TC_FLAGS_DEFAULT | NTLMSSP_NEGOTIATE_SEAL };
	uint8_t *chal, *chal2;
	size_t len, len2;
	struct ntlmssp_server *s = start(&c, &o, &chal, &len);
	struct ntlmssp_server *s2 = start(&c, &o, &chal2, &len2);

	assert_true(len > 56);
	assert_memory_equal(chal, "NTLMSSP\0\x02\0\0\0", 12);
	uint32_t f = le32(chal + 20);
	assert_true(f & NTLMSSP_NEGOTIATE_UNICODE);
	assert_false(f & NTLM_NEGOTIATE_OEM);
	assert_true(f & NTLMSSP_NEGOTIATE_NTLM);
	assert_true(f & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
	assert_true(f & NTLMSSP_NEGOTIATE_TARGET_INFO);
	assert_true(f & NTLMSSP_NEGOTIATE_128);
	assert_true(f & NTLMSSP_NEGOTIATE_56);
	assert_true(f & NTLMSSP_NEGOTIATE_KEY_EXCH);
	assert_true(f & NTLMSSP_NEGOTIATE_SIGN);
	assert_true(f & NTLMSSP_NEGOTIATE_SEAL);
	assert_true(f & NTLMSSP_NEGOTIATE_VERSION);
	assert_true(f & NTLMSSP_TARGET_TYPE_SERVER);
	assert_false(f & NTLMSSP_NEGOTIATE_LM_KEY);
	/* The server challenge is random. */
	assert_memory_not_equal(chal + 24, chal2 + 24, 8);
	/* TargetName "SKIFF"; AV pairs in order, then EOL. */
	assert_int_equal(le16(chal + 12), 10);
	assert_memory_equal(chal + le32(chal + 16), "S\0K\0I\0F\0F\0", 10);
	struct rd r = rd_init(chal + le32(chal + 44), le16(chal + 40));
	static const struct { uint16_t id; const char *v; } want[] = {
		{ MsvAvNbDomainName, "WORKGROUP" }, { MsvAvNbComputerName, "SKIFF" },
		{ MsvAvDnsDomainName, "skiff" }, { MsvAvDnsComputerName, "skiff" },
	};
	for (size_t i = 0; i < 4; i++) {
		uint16_t id, l;
		const uint8_t *v;
		/* one check each: clang cannot tell that a failed assert_true does not return */
		assert_true(rd_u16(&r, &id));
		assert_true(rd_u16(&r, &l));
		assert_true(rd_bytes(&r, l, &v));
		assert_int_equal(id, want[i].id);
		char *s8 = utf16le_to_utf8_dup(v, l);
		assert_string_equal(s8, want[i].v);
		free(s8);
	}
	uint16_t id, l;
	uint64_t ts;
	assert_true(rd_u16(&r, &id));
	assert_true(rd_u16(&r, &l));
	assert_true(rd_u64(&r, &ts));
	assert_int_equal(id, MsvAvTimestamp);
	assert_int_equal(l, 8);
	assert_true(ts > 133000000000000000ull);   /* after 2022 */
	assert_true(rd_u16(&r, &id));
	assert_true(rd_u16(&r, &l));
	assert_int_equal(id, MsvAvEOL);
	assert_int_equal(l, 0);
	assert_int_equal(rd_left(&r), 0);

	free(chal);
	free(chal2);
	ntlmssp_server_free(s);
	ntlmssp_server_free(s2);
}

static void test_negotiate_refused(void **st)
{
	(void)st;
	uint8_t *out;
	size_t outlen;
	uint8_t neg[32] = "NTLMSSP";
	struct ntlmssp_server *s;

	/* OEM only */
	put_le32(neg + 8, 1);
	put_le32(neg + 12, NTLM_NEGOTIATE_OEM | NTLMSSP_NEGOTIATE_NTLM);
	s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_negotiate(s, neg, 32, &out, &outlen), STATUS_NOT_SUPPORTED);
	assert_null(out);
	ntlmssp_server_free(s);
	/* wrong type, wrong signature, short */
	put_le32(neg + 12, TC_FLAGS_DEFAULT);
	put_le32(neg + 8, 3);
	s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_negotiate(s, neg, 32, &out, &outlen), STATUS_INVALID_PARAMETER);
	ntlmssp_server_free(s);
	put_le32(neg + 8, 1);
	neg[0] = 'X';
	s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_negotiate(s, neg, 32, &out, &outlen), STATUS_INVALID_PARAMETER);
	ntlmssp_server_free(s);
	neg[0] = 'N';
	for (size_t n = 0; n < 16; n++) {
		s = ntlmssp_server_new(&cfg);
		assert_int_equal(ntlmssp_server_negotiate(s, neg, n, &out, &outlen),
				 STATUS_INVALID_PARAMETER);
		ntlmssp_server_free(s);
	}
	/* The minimal 16 bytes are enough; a second NEGOTIATE is not accepted. */
	s = ntlmssp_server_new(&cfg);
	assert_int_equal(ntlmssp_server_negotiate(s, neg, 16, &out, &outlen),
			 STATUS_MORE_PROCESSING_REQUIRED);
	free(out);
	assert_int_equal(ntlmssp_server_negotiate(s, neg, 16, &out, &outlen),
			 STATUS_INVALID_PARAMETER);
	ntlmssp_server_free(s);
}

static void test_good_logons(void **st)
{
	(void)st;
	struct auth_result res;
	uint8_t exported[16];

	/* Windows-style: MIC and KEY_EXCH */
	struct tc_opts o = { .user = "alice", .domain = "WORKGROUP", .password = "secret", .mic = true };
	assert_int_equal(run(&o, &res, exported), STATUS_SUCCESS);
	assert_string_equal(res.user, "alice");
	assert_string_equal(res.domain, "WORKGROUP");
	assert_string_equal(res.workstation, "TESTWS");
	assert_true(res.has_session_key);
	assert_memory_equal(res.session_key, exported, 16);

	/* No KEY_EXCH, no MIC, user name in another case */
	o = (struct tc_opts){ .user = "ALICE", .domain = "x", .password = "secret",
			      .flags = TC_FLAGS_DEFAULT & ~NTLMSSP_NEGOTIATE_KEY_EXCH };
	assert_int_equal(run(&o, &res, exported), STATUS_SUCCESS);
	assert_string_equal(res.user, "ALICE");
	assert_memory_equal(res.session_key, exported, 16);

	/* Name forms: DOMAIN\user and user@domain, NTOWFv2 over the name as sent. */
	o = (struct tc_opts){ .user = "CORP\\alice", .domain = "", .password = "secret", .mic = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_SUCCESS);
	assert_string_equal(res.user, "alice");
	assert_string_equal(res.domain, "CORP");
	o = (struct tc_opts){ .user = "alice@corp.example", .domain = "", .password = "secret" };
	assert_int_equal(run(&o, &res, NULL), STATUS_SUCCESS);
	assert_string_equal(res.user, "alice");
	assert_string_equal(res.domain, "corp.example");

	/* Domain spellings the client may have hashed: upper-cased, or none. */
	o = (struct tc_opts){ .user = "alice", .domain = "workgroup", .hash_domain = "WORKGROUP",
			      .password = "secret", .mic = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_SUCCESS);
	o = (struct tc_opts){ .user = "alice", .domain = "WORKGROUP", .hash_domain = "",
			      .password = "secret", .mic = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_SUCCESS);
	/* ... but not any other domain. */
	o = (struct tc_opts){ .user = "alice", .domain = "WORKGROUP", .hash_domain = "OTHER",
			      .password = "secret" };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
}

static void test_bad_logons(void **st)
{
	(void)st;
	struct auth_result res;
	struct tc_opts o;

	o = (struct tc_opts){ .user = "alice", .domain = "W", .password = "Secret", .mic = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	assert_string_equal(res.user, "");   /* nothing leaks out of a failure */
	/* ... but the account it named is kept apart, for the log line of the failure */
	{
		struct tc c;
		uint8_t *chal, *auth;
		size_t chal_len, auth_len;
		struct ntlmssp_server *s = start(&c, &o, &chal, &chal_len);

		assert_string_equal(ntlmssp_server_tried_user(s), "");
		auth = tc_authenticate(&c, chal, chal_len, &auth_len);
		assert_int_equal(ntlmssp_server_authenticate(s, auth, auth_len, &res),
				 STATUS_LOGON_FAILURE);
		assert_string_equal(ntlmssp_server_tried_user(s), "W\\alice");
		free(chal);
		free(auth);
		ntlmssp_server_free(s);
	}
	/* unknown user: same status, and the lookup happened */
	lookups = 0;
	o = (struct tc_opts){ .user = "mallory", .domain = "W", .password = "secret", .mic = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	assert_int_equal(lookups, 1);
	/* an NTLMv1-shaped (24-byte) NT response with the right key material */
	o = (struct tc_opts){ .user = "alice", .domain = "W", .password = "secret", .v1 = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	/* LMv2 alone */
	o = (struct tc_opts){ .user = "alice", .domain = "W", .password = "secret", .lmv2_only = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	/* tampered MIC */
	o = (struct tc_opts){ .user = "alice", .domain = "W", .password = "secret", .mic = true,
			      .tamper_mic = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	/* anonymous while not allowed */
	o = (struct tc_opts){ .domain = "", .anonymous = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	/* control characters in names (they would end up in log lines) */
	o = (struct tc_opts){ .user = "alice\n12:00:00 INFO fake", .domain = "W", .password = "secret" };
	assert_int_equal(run(&o, &res, NULL), STATUS_INVALID_PARAMETER);
	o = (struct tc_opts){ .user = "alice", .domain = "W", .password = "secret",
			      .workstation = "\x1b[31mPC" };
	assert_int_equal(run(&o, &res, NULL), STATUS_INVALID_PARAMETER);
	/* KEY_EXCH negotiated but no EncryptedRandomSessionKey */
	o = (struct tc_opts){ .user = "alice", .domain = "W", .password = "secret",
			      .drop_enc_key = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_INVALID_PARAMETER);
}

static void test_guest_and_anonymous(void **st)
{
	(void)st;
	struct auth_result res;
	struct tc_opts o;

	cfg.guest_account = "nobody";
	o = (struct tc_opts){ .user = "mallory", .domain = "W", .password = "x", .mic = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_SUCCESS);
	assert_true(res.guest);
	assert_false(res.has_session_key);
	assert_string_equal(res.user, "nobody");
	/* a known user with the wrong password is not turned into a guest */
	o = (struct tc_opts){ .user = "alice", .domain = "W", .password = "x" };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	/* nor is an NTLMv1 response */
	o = (struct tc_opts){ .user = "mallory", .domain = "W", .password = "x", .v1 = true };
	assert_int_equal(run(&o, &res, NULL), STATUS_LOGON_FAILURE);
	cfg.guest_account = NULL;

	cfg.allow_anonymous = true;
	o = (struct tc_opts){ .domain = "", .anonymous = true };
	uint8_t exported[16];
	assert_int_equal(run(&o, &res, exported), STATUS_SUCCESS);
	assert_true(res.anonymous);
	assert_true(res.has_session_key);
	assert_memory_equal(res.session_key, exported, 16);
	cfg.allow_anonymous = false;
}

/* --- malformed AUTHENTICATE messages -------------------------------------------------------- */

static NTSTATUS auth_bytes(const uint8_t *msg, size_t len)
{
	struct tc c;
	struct tc_opts o = { .user = "alice", .password = "secret" };
	uint8_t *chal;
	size_t chal_len;
	struct auth_result res;
	struct ntlmssp_server *s = start(&c, &o, &chal, &chal_len);
	NTSTATUS st = ntlmssp_server_authenticate(s, msg, len, &res);
	free(chal);
	ntlmssp_server_free(s);
	return st;
}

static void test_malformed_authenticate(void **st)
{
	(void)st;
	struct tc c;
	struct tc_opts o = { .user = "alice", .domain = "W", .password = "secret", .mic = true };
	uint8_t *chal, *auth, *copy;
	size_t chal_len, len;
	struct auth_result res;
	struct ntlmssp_server *s = start(&c, &o, &chal, &chal_len);

	auth = tc_authenticate(&c, chal, chal_len, &len);
	copy = malloc(len);

	/* every truncation fails cleanly */
	for (size_t n = 0; n < len; n++) {
		memcpy(copy, auth, n);
		NTSTATUS r = auth_bytes(copy, n);
		assert_true(r == STATUS_INVALID_PARAMETER || r == STATUS_LOGON_FAILURE);
	}
	/* every single-bit flip fails: the MIC covers the whole message */
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b += 3) {
			struct ntlmssp_server *s2 = ntlmssp_server_new(&cfg);
			memcpy(copy, auth, len);
			copy[i] ^= (uint8_t)(1 << b);
			assert_int_equal(ntlmssp_server_resume(s2, c.neg, c.neg_len, chal, chal_len),
					 STATUS_SUCCESS);
			assert_int_not_equal(ntlmssp_server_authenticate(s2, copy, len, &res),
					     STATUS_SUCCESS);
			ntlmssp_server_free(s2);
		}
	}
	/* the unmodified message still works */
	assert_int_equal(ntlmssp_server_authenticate(s, auth, len, &res), STATUS_SUCCESS);
	/* ... once */
	assert_int_equal(ntlmssp_server_authenticate(s, auth, len, &res), STATUS_INVALID_PARAMETER);

	/* field offset past the end, length past the end, odd string length */
	memcpy(copy, auth, len);
	put_le32(copy + 20 + 4, (uint32_t)len);                    /* NtChallengeResponse offset */
	assert_int_equal(auth_bytes(copy, len), STATUS_INVALID_PARAMETER);
	memcpy(copy, auth, len);
	put_le32(copy + 20 + 4, 0xfffffff0u);
	assert_int_equal(auth_bytes(copy, len), STATUS_INVALID_PARAMETER);
	memcpy(copy, auth, len);
	put_le16(copy + 20, (uint16_t)(le16(copy + 20) + 200));  /* NtChallengeResponse length */
	assert_int_equal(auth_bytes(copy, len), STATUS_INVALID_PARAMETER);
	memcpy(copy, auth, len);
	put_le16(copy + 36, (uint16_t)(le16(copy + 36) - 1));    /* UserName length odd */
	assert_int_equal(auth_bytes(copy, len), STATUS_INVALID_PARAMETER);

	free(copy);
	free(auth);
	free(chal);
	ntlmssp_server_free(s);
}

/* smbtorture smb2.session.ntlmssp_bug14932: AV pairs running off the end of the response. */
static void test_bug14932(void **st)
{
	(void)st;
	static const uint8_t netapp[95] =
		"\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab"
		"\x01\x01\x00\x00\x00\x00\x00\x00\x3f\x3f\x3f\x3f\x3f\x3f\x3f\x3f"
		"\xb8\x82\x3a\xf1\xb3\xdd\x08\x15\x00\x00\x00\x00\x11\xa2\x08\x81"
		"\x50\x38\x22\x78\x2b\x94\x47\xfe\x54\x94\x7b\xff\x17\x27\x5a\xb4"
		"\xf4\x18\xba\xdc\x2c\x38\xfd\x5b\xfb\x0e\xc1\x85\x1e\xcc\x92\xbb"
		"\x9b\xb1\xc4\xd5\x53\x14\xff\x8c\x76\x49\xf5\x45\x90\x19\xa2";
	struct wr hdr, pay, s;
	uint8_t lm[24] = { 0 };
	size_t len;

	wr_init(&hdr, 128);
	wr_init(&pay, 256);
	wr_init(&s, 32);
	wr_bytes(&hdr, "NTLMSSP", 8);
	wr_u32(&hdr, 3);
	tc_field(&hdr, &pay, 64, lm, 24);
	tc_field(&hdr, &pay, 64, netapp, sizeof(netapp));
	utf8_to_utf16le(&s, "W");
	tc_field(&hdr, &pay, 64, s.buf, s.len);
	s.len = 0;
	utf8_to_utf16le(&s, "alice");
	tc_field(&hdr, &pay, 64, s.buf, s.len);
	tc_field(&hdr, &pay, 64, "", 0);
	tc_field(&hdr, &pay, 64, "", 0);
	wr_u32(&hdr, TC_FLAGS_DEFAULT & ~NTLMSSP_NEGOTIATE_KEY_EXCH);
	wr_bytes(&hdr, pay.buf, pay.len);
	uint8_t *msg = wr_steal(&hdr, &len);
	assert_int_equal(auth_bytes(msg, len), STATUS_INVALID_PARAMETER);
	free(msg);
	wr_free(&pay);
	wr_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_spec_ntowfv2, setup),
		cmocka_unit_test_setup(test_ntowfv2_non_ascii, setup),
		cmocka_unit_test_setup(test_spec_authenticate, setup),
		cmocka_unit_test_setup(test_spec_signing, setup),
		cmocka_unit_test_setup(test_replay_smbclient, setup),
		cmocka_unit_test_setup(test_replay_impacket, setup),
		cmocka_unit_test_setup(test_replay_anonymous, setup),
		cmocka_unit_test_setup(test_challenge_message, setup),
		cmocka_unit_test_setup(test_negotiate_refused, setup),
		cmocka_unit_test_setup(test_good_logons, setup),
		cmocka_unit_test_setup(test_bad_logons, setup),
		cmocka_unit_test_setup(test_guest_and_anonymous, setup),
		cmocka_unit_test_setup(test_malformed_authenticate, setup),
		cmocka_unit_test_setup(test_bug14932, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
