/* SPDX-License-Identifier: Apache-2.0 */
/* bench's load client: NTLMv2 against MS-NLMP 4.2.4, message framing and signing, the parser's
 * bounds, and a forged response signature refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smb2_client.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void expect_hex(const uint8_t *p, size_t n, const char *want)
{
	char got[256] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(got + 2 * i, 3, "%02x", p[i]);
	assert_string_equal(got, want);
}

static int setup(void **state)
{
	(void)state;
	return crypto_init() ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	crypto_shutdown();
	return 0;
}

/* MS-NLMP 4.2.4: User "User", domain "Domain", password "Password", time 0, client challenge
 * aa.., AV pairs NbDomainName "Domain", NbComputerName "Server". */
static void ntlmv2_spec_vectors(void **state)
{
	uint8_t ntowf[16], server_chal[8], client_chal[8], base_key[16], ti[36];
	struct wr resp;
	(void)state;

	assert_true(lc_ntowfv2("User", "Domain", "Password", ntowf));
	expect_hex(ntowf, 16, "0c868a403bfd7a93a3001ef22ef02e3f");
	unhex("0123456789abcdef", server_chal, 8);
	memset(client_chal, 0xaa, 8);
	unhex("02000c0044006f006d00610069006e00" "01000c00530065007200760065007200" "00000000", ti, 36);
	wr_init(&resp, 128);
	assert_true(lc_ntlmv2_response(ntowf, server_chal, client_chal, 0, ti, sizeof(ti), &resp, base_key));
	expect_hex(resp.buf, 16, "68cd0ab851e51c96aabc927bebef6a1c");   /* NTProofStr */
	expect_hex(base_key, 16, "8de40ccadbc14a82f15cb0ad0de95ca3");
	/* then temp, whole: 28 fixed bytes, the AV pairs, Z(4) */
	assert_int_equal(resp.len, 16 + 28 + sizeof(ti) + 4);
	assert_memory_equal(resp.buf + 16, "\x01\x01\0\0\0\0\0\0", 8);
	assert_memory_equal(resp.buf + 16 + 16, client_chal, 8);
	wr_free(&resp);
}

/* A CREATE+WRITE+CLOSE compound as the files workload builds it: 8-byte aligned messages with
 * NextCommand, RELATED on the 2nd and 3rd, each one signed over its own bytes. */
static void compound_framing_and_signatures(void **state)
{
	struct lc_conn c = { .credits = 10, .next_mid = 7, .session_id = 0x11, .tree_id = 5,
			     .signing = true, .sign_alg = SMB2_SIGN_AES_GMAC };
	const uint8_t fid[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t data[100];
	struct wr w;
	struct lc_msg m;
	size_t next;
	(void)state;

	memset(c.sign_key, 0x42, 16);
	memset(data, 0x5a, sizeof(data));
	wr_init(&w, 512);
	lc_frame_begin(&w);
	size_t a = lc_msg_begin(&c, &w, LC_CREATE, 1, false);
	lc_put_create(&w, "dir\\name", 0x2, 5, 0x40);
	lc_msg_end(&c, &w, a, true);
	a = lc_msg_begin(&c, &w, LC_WRITE, 1, true);
	lc_put_write(&w, fid, 0, data, sizeof(data));
	lc_msg_end(&c, &w, a, true);
	a = lc_msg_begin(&c, &w, LC_CLOSE, 1, true);
	lc_put_close(&w, fid);
	lc_msg_end(&c, &w, a, false);
	assert_false(w.failed);
	assert_int_equal(c.next_mid, 10);
	assert_int_equal(c.credits, 7);

	const uint8_t *f = w.buf + 4;
	size_t len = w.len - 4, off = 0;
	uint16_t cmds[3] = { LC_CREATE, LC_WRITE, LC_CLOSE };
	for (int i = 0; i < 3; i++) {
		assert_true(lc_msg_parse(f, len, off, &m, &next));
		assert_int_equal(off % 8, 0);
		assert_int_equal(m.command, cmds[i]);
		assert_int_equal(m.message_id, 7 + (uint64_t)i);
		assert_int_equal(!!(m.flags & 0x4), i > 0);            /* RELATED */
		assert_true(m.flags & 0x8);                             /* SIGNED */
		assert_true(smb2_sign_verify(c.sign_alg, c.sign_key, m.p, m.len));
		off = next;
	}
	assert_int_equal(off, len);
	/* the WRITE's data where its DataOffset says */
	assert_true(lc_msg_parse(f, len, 0, &m, &next));
	assert_true(lc_msg_parse(f, len, next, &m, &next));
	assert_int_equal(le16(m.body + 2), 64 + 48);
	assert_memory_equal(m.p + 64 + 48, data, sizeof(data));
	wr_free(&w);
}

/* The parser refuses what does not fit: a NextCommand past the end or not a multiple of 8, a
 * short header, another protocol. */
static void parse_bounds(void **state)
{
	uint8_t f[200];
	struct lc_msg m;
	size_t next;
	(void)state;

	memset(f, 0, sizeof(f));
	put_le32(f, 0x424D53FE);
	put_le16(f + 4, 64);
	assert_true(lc_msg_parse(f, 64, 0, &m, &next));
	assert_int_equal(next, 64);
	assert_false(lc_msg_parse(f, 63, 0, &m, &next));
	put_le32(f + 20, 136);   /* NextCommand beyond the frame */
	assert_false(lc_msg_parse(f, 128, 0, &m, &next));
	put_le32(f + 20, 68);    /* not 8-aligned */
	assert_false(lc_msg_parse(f, 200, 0, &m, &next));
	put_le32(f + 20, 0);
	put_le32(f, 0x424D53FF);
	assert_false(lc_msg_parse(f, 64, 0, &m, &next));
	assert_false(lc_msg_parse(f, 64, 65, &m, &next));
}

/* A response with a forged signature is an error for the signing session, not data. */
static void forged_response_refused(void **state)
{
	struct lc_conn c = { .credits = 1, .session_id = 0x11, .signing = true,
			     .sign_alg = SMB2_SIGN_AES_CMAC };
	struct lc_msg m;
	struct wr w;
	size_t off = 0;
	(void)state;

	memset(c.sign_key, 0x17, 16);
	wr_init(&w, 128);
	size_t a = lc_msg_begin(&c, &w, LC_CLOSE, 1, false);
	lc_put_close(&w, (const uint8_t[16]){ 0 });
	lc_msg_end(&c, &w, a, false);
	put_le32(w.buf + 16, le32(w.buf + 16) | 0x1);   /* as if from the server: re-sign */
	smb2_sign_compute(c.sign_alg, c.sign_key, w.buf, w.len, w.buf + 48);
	c.rbuf = w.buf;
	c.rlen = w.len;
	assert_true(lc_frame_next(&c, &off, &m));
	assert_int_equal(c.credits, 1 - 1 + 256);   /* its CreditResponse counted */
	w.buf[w.len - 1] ^= 1;                       /* one body bit changed */
	off = 0;
	assert_false(lc_frame_next(&c, &off, &m));
	assert_non_null(strstr(c.error, "bad signature"));
	c.rbuf = NULL;
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ntlmv2_spec_vectors),
		cmocka_unit_test(compound_framing_and_signatures),
		cmocka_unit_test(parse_bounds),
		cmocka_unit_test(forged_response_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
