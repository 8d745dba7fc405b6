/* SPDX-License-Identifier: Apache-2.0 */
/* NDR20 codec (src/rpc/ndr.c): scalars and alignment, pointers, conformance checks, [string]
 * and RPC_UNICODE_STRING both ways, SIDs, handles, SID text form; every truncation fails. */
#include "rpc_test.h"

static struct arena A;

static int setup(void **state)
{
	(void)state;
	arena_init(&A, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_destroy(&A);
	return 0;
}

static void test_scalars_alignment(void **state)
{
	/* u8 at 0, u16 at 2, u32 at 4, u64 at 8, u8 at 16, u32 at 20 */
	static const uint8_t b[] = {
		0x11, 0xEE, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		1, 2, 3, 4, 5, 6, 7, 8,
		0x99, 0xEE, 0xEE, 0xEE, 0xAA, 0xBB, 0xCC, 0xDD,
	};
	struct ndr_pull p;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	(void)state;

	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_true(ndr_pull_u8(&p, &u8));
	assert_int_equal(u8, 0x11);
	assert_true(ndr_pull_u16(&p, &u16));
	assert_int_equal(u16, 0x3322);
	assert_true(ndr_pull_u32(&p, &u32));
	assert_int_equal(u32, 0x77665544);
	assert_true(ndr_pull_u64(&p, &u64));
	assert_int_equal(u64, 0x0807060504030201ull);
	assert_true(ndr_pull_u8(&p, &u8));
	assert_true(ndr_pull_u32(&p, &u32));
	assert_int_equal(u32, 0xDDCCBBAA);
	assert_false(ndr_pull_u8(&p, &u8));             /* at the end */

	/* alignment padding past the end fails, and so does a value cut short */
	ndr_pull_init(&p, b, 5, &A);
	assert_true(ndr_pull_u8(&p, &u8));
	assert_false(ndr_pull_u32(&p, &u32));           /* pad to 4 leaves 1 byte */
	ndr_pull_init(&p, b, 7, &A);
	assert_true(ndr_pull_u8(&p, &u8));
	assert_false(ndr_pull_u64(&p, &u64));

	/* the writer pads the same way */
	struct ndr_push w;
	ndr_push_init(&w);
	ndr_push_u8(&w, 0x11);
	ndr_push_u16(&w, 0x3322);
	ndr_push_u32(&w, 0x77665544);
	ndr_push_u64(&w, 0x0807060504030201ull);
	ndr_push_u8(&w, 0x99);
	ndr_push_u32(&w, 0xDDCCBBAA);
	assert_false(w.w.failed);
	assert_int_equal(w.w.len, sizeof(b));
	assert_int_equal(w.w.buf[1], 0);                /* padding is zero */
	assert_memory_equal(w.w.buf + 2, b + 2, 14);
	assert_memory_equal(w.w.buf + 20, b + 20, 4);
	ndr_push_free(&w);
}

static void test_pointers_conformance(void **state)
{
	struct ndr_push w;
	struct ndr_pull p;
	bool present;
	uint32_t count;
	(void)state;

	ndr_push_init(&w);
	ndr_push_ptr(&w, true);
	ndr_push_ptr(&w, false);
	ndr_push_ptr(&w, true);
	assert_int_equal(le32(w.w.buf), 0x00020000);
	assert_int_equal(le32(w.w.buf + 4), 0);
	assert_int_equal(le32(w.w.buf + 8), 0x00020004);
	ndr_pull_init(&p, w.w.buf, w.w.len, &A);
	assert_true(ndr_pull_ptr(&p, &present));
	assert_true(present);
	assert_true(ndr_pull_ptr(&p, &present));
	assert_false(present);
	ndr_push_free(&w);

	/* a conformance claiming more elements than the stub holds is refused before any loop */
	static const uint8_t c[] = { 3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	ndr_pull_init(&p, c, sizeof(c), &A);
	assert_true(ndr_pull_conformance(&p, 4, &count));
	assert_int_equal(count, 3);
	ndr_pull_init(&p, c, sizeof(c) - 1, &A);
	assert_false(ndr_pull_conformance(&p, 4, &count));
	static const uint8_t huge[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 };
	ndr_pull_init(&p, huge, sizeof(huge), &A);
	assert_false(ndr_pull_conformance(&p, 1, &count));
}

/* "ab" as a [string]: max 3, offset 0, actual 3, "a\0b\0\0\0" */
static const uint8_t str_ab[] = {
	3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 'b', 0, 0, 0,
};

static void test_string(void **state)
{
	struct ndr_pull p;
	struct ndr_push w;
	uint8_t b[sizeof(str_ab)];
	char *s;
	(void)state;

	ndr_pull_init(&p, str_ab, sizeof(str_ab), &A);
	assert_true(ndr_pull_string(&p, &s));
	assert_string_equal(s, "ab");
	assert_int_equal(rd_left(&p.r), 0);

	/* every truncation fails */
	for (size_t n = 0; n < sizeof(str_ab); n++) {
		ndr_pull_init(&p, str_ab, n, &A);
		assert_false(ndr_pull_string(&p, &s));
	}
	/* offset != 0, actual > max, no terminator, early NUL, empty array */
	memcpy(b, str_ab, sizeof(b));
	b[4] = 1;
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_false(ndr_pull_string(&p, &s));
	memcpy(b, str_ab, sizeof(b));
	b[0] = 2;
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_false(ndr_pull_string(&p, &s));
	memcpy(b, str_ab, sizeof(b));
	b[16] = 'c';
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_false(ndr_pull_string(&p, &s));
	memcpy(b, str_ab, sizeof(b));
	b[14] = 0;                                      /* "a\0\0": the string ends at the NUL */
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_true(ndr_pull_string(&p, &s));
	assert_string_equal(s, "a");
	static const uint8_t empty[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	ndr_pull_init(&p, empty, sizeof(empty), &A);
	assert_false(ndr_pull_string(&p, &s));
	/* a huge actual count is refused without reading */
	static const uint8_t big[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF };
	ndr_pull_init(&p, big, sizeof(big), &A);
	assert_false(ndr_pull_string(&p, &s));

	/* the encoder writes the same bytes, and non-ASCII survives the round trip */
	ndr_push_init(&w);
	ndr_push_string(&w, "ab");
	assert_int_equal(w.w.len, sizeof(str_ab));
	assert_memory_equal(w.w.buf, str_ab, sizeof(str_ab));
	w.w.len = 0;
	ndr_push_string(&w, "Gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80");   /* "Grüß 😀" */
	ndr_pull_init(&p, w.w.buf, w.w.len, &A);
	assert_true(ndr_pull_string(&p, &s));
	assert_string_equal(s, "Gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80");
	assert_int_equal(le32(w.w.buf), 8);             /* 7 units (one surrogate pair) + NUL */
	/* invalid UTF-8 cannot be encoded: the writer fails */
	w.w.len = 0;
	ndr_push_string(&w, "\xff");
	assert_true(w.w.failed);
	ndr_push_free(&w);
}

static void test_ustr(void **state)
{
	/* lsa_String "tuser": Length 10, MaximumLength 10, pointer; then 5, 0, 5, units */
	static const uint8_t tuser[] = {
		10, 0, 10, 0, 0, 0, 2, 0,
		5, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 't', 0, 'u', 0, 's', 0, 'e', 0, 'r', 0,
	};
	struct ndr_pull p;
	struct ndr_push w;
	struct ndr_ustr u;
	uint8_t b[sizeof(tuser)];
	(void)state;

	ndr_pull_init(&p, tuser, sizeof(tuser), &A);
	assert_true(ndr_pull_ustr_hdr(&p, &u));
	assert_true(u.present);
	assert_true(ndr_pull_ustr_body(&p, &u));
	assert_string_equal(u.s, "tuser");
	for (size_t n = 0; n < sizeof(tuser); n++) {
		ndr_pull_init(&p, tuser, n, &A);
		assert_false(ndr_pull_ustr_hdr(&p, &u) && ndr_pull_ustr_body(&p, &u));
	}
	/* Length > MaximumLength; array sizes that disagree with the header */
	memcpy(b, tuser, sizeof(b));
	b[0] = 12;
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_false(ndr_pull_ustr_hdr(&p, &u));
	memcpy(b, tuser, sizeof(b));
	b[8] = 6;
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_true(ndr_pull_ustr_hdr(&p, &u));
	assert_false(ndr_pull_ustr_body(&p, &u));
	memcpy(b, tuser, sizeof(b));
	b[16] = 4;
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_true(ndr_pull_ustr_hdr(&p, &u));
	assert_false(ndr_pull_ustr_body(&p, &u));
	/* NULL pointer: empty name */
	static const uint8_t null_str[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	ndr_pull_init(&p, null_str, sizeof(null_str), &A);
	assert_true(ndr_pull_ustr_hdr(&p, &u));
	assert_false(u.present);
	assert_true(ndr_pull_ustr_body(&p, &u));
	assert_string_equal(u.s, "");

	/* encoder: plain and large (MaximumLength + 2, one more in the conformance) */
	ndr_push_init(&w);
	ndr_push_ustr_hdr(&w, "tuser", false);
	ndr_push_ustr_body(&w, "tuser", false);
	assert_int_equal(w.w.len, sizeof(tuser));
	assert_memory_equal(w.w.buf, tuser, sizeof(tuser));
	ndr_push_free(&w);
	ndr_push_init(&w);
	ndr_push_u16(&w, 1);                            /* the header aligns itself to 4 */
	ndr_push_ustr_hdr(&w, "", true);
	ndr_push_ustr_body(&w, "", true);
	static const uint8_t empty_large[] = {
		1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	assert_int_equal(w.w.len, sizeof(empty_large));
	assert_memory_equal(w.w.buf, empty_large, sizeof(empty_large));
	w.w.len = 0;
	ndr_push_ustr_hdr(&w, NULL, true);
	ndr_push_ustr_body(&w, NULL, true);
	assert_int_equal(w.w.len, 8);
	assert_int_equal(le32(w.w.buf), 0);
	assert_int_equal(le32(w.w.buf + 4), 0);
	ndr_push_free(&w);
}

static void test_sid(void **state)
{
	/* S-1-5-21-215274726-1712772639-2689559171 as the lsarpc capture carries it */
	static const uint8_t dom[] = {
		4, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 5, 0x15, 0, 0, 0,
		0xe6, 0xd4, 0xd4, 0x0c, 0x1f, 0xd6, 0x16, 0x66, 0x83, 0x6a, 0x4f, 0xa0,
	};
	struct ndr_pull p;
	struct ndr_push w;
	struct sd_sid sid, parsed;
	uint8_t b[sizeof(dom)];
	char txt[NDR_SID_STRLEN];
	(void)state;

	ndr_pull_init(&p, dom, sizeof(dom), &A);
	assert_true(ndr_pull_sid(&p, &sid));
	ndr_sid_format(&sid, txt, sizeof(txt));
	assert_string_equal(txt, "S-1-5-21-215274726-1712772639-2689559171");
	assert_true(ndr_sid_parse(txt, &parsed));
	assert_true(sd_sid_equal(&sid, &parsed));
	for (size_t n = 0; n < sizeof(dom); n++) {
		ndr_pull_init(&p, dom, n, &A);
		assert_false(ndr_pull_sid(&p, &sid));
	}
	memcpy(b, dom, sizeof(b));
	b[0] = 3;                                       /* conformance != SubAuthorityCount */
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_false(ndr_pull_sid(&p, &sid));
	memcpy(b, dom, sizeof(b));
	b[4] = 2;                                       /* revision */
	ndr_pull_init(&p, b, sizeof(b), &A);
	assert_false(ndr_pull_sid(&p, &sid));
	static const uint8_t sixteen[] = { 16, 0, 0, 0, 1, 16, 0, 0, 0, 0, 0, 5 };
	ndr_pull_init(&p, sixteen, sizeof(sixteen), &A);
	assert_false(ndr_pull_sid(&p, &sid));

	ndr_push_init(&w);
	ndr_push_sid(&w, &parsed);
	assert_int_equal(w.w.len, sizeof(dom));
	assert_memory_equal(w.w.buf, dom, sizeof(dom));
	ndr_push_free(&w);

	/* text form: a big authority in hex, limits, junk */
	assert_true(ndr_sid_parse("S-1-0x123456789ABC-7", &parsed));
	assert_int_equal(parsed.authority, 0x123456789ABCull);
	ndr_sid_format(&parsed, txt, sizeof(txt));
	assert_string_equal(txt, "S-1-0x123456789ABC-7");
	assert_true(ndr_sid_parse("s-1-1-0", &parsed));
	assert_int_equal(parsed.num_auths, 1);
	assert_true(ndr_sid_parse("S-1-5", &parsed));
	assert_int_equal(parsed.num_auths, 0);
	assert_false(ndr_sid_parse("S-1-5-4294967296", &parsed));
	assert_false(ndr_sid_parse("S-1-0x1000000000000", &parsed));
	assert_false(ndr_sid_parse("S-2-5", &parsed));
	assert_false(ndr_sid_parse("S-1-", &parsed));
	assert_false(ndr_sid_parse("S-1-5-", &parsed));
	assert_false(ndr_sid_parse("S-1-5-21x", &parsed));
	assert_false(ndr_sid_parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", &parsed));
	assert_true(ndr_sid_parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", &parsed));
	ndr_sid_format(&parsed, txt, 8);                /* truncated, still terminated */
	assert_string_equal(txt, "S-1-5-1");
}

static void test_handle(void **state)
{
	uint8_t h[NDR_HANDLE_SIZE], in[24] = { 0xAA };
	struct ndr_pull p;
	(void)state;

	for (size_t i = 4; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	ndr_pull_init(&p, in, sizeof(in), &A);
	assert_true(ndr_pull_u8(&p, h));
	assert_true(ndr_pull_handle(&p, h));            /* 4-aligned: skips 3 bytes */
	assert_memory_equal(h, in + 4, NDR_HANDLE_SIZE);
	ndr_pull_init(&p, in, 23, &A);
	assert_true(ndr_pull_u8(&p, h));
	assert_false(ndr_pull_handle(&p, h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_alignment),
		cmocka_unit_test(test_pointers_conformance),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_ustr),
		cmocka_unit_test(test_sid),
		cmocka_unit_test(test_handle),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
