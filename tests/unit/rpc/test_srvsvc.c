/* SPDX-License-Identifier: Apache-2.0 */
/* srvsvc (src/rpc/srvsvc.c): rpcclient's captured requests answered as Samba 4.17 answers
 * them, and share visibility, levels, access, paging and request decoding checked field by
 * field. */
#include "rpc_test.h"

#define OP_ENUM 15
#define OP_GET_INFO 16
#define OP_SERVER_INFO 21
#define OP_ENUM_STICKY 36

/* NetrShareGetInfo(\\127.0.0.1, "share", level) as rpcclient sends it, level appended */
#define GETINFO_SHARE "000002000a000000000000000a0000003100320037002e0030002e0030002e003100" \
		      "0000060000000000000006000000730068006100720065000000"
static const char req_getinfo_502[] = GETINFO_SHARE "f6010000";
static const char req_getinfo_0[] = GETINFO_SHARE "00000000";
static const char req_getinfo_1005[] = GETINFO_SHARE "ed030000";
static const char req_getinfo_501[] = GETINFO_SHARE "f5010000";
static const char req_getinfo_nosuch[] =
	"000002000a000000000000000a0000003100320037002e0030002e0030002e0031000000070000000000"
	"0000070000006e006f00730075006300680000000000f6010000";
/* NetrShareEnum level 1 and 2, NetrServerGetInfo 101 and 102 */
static const char req_enum_1[] =
	"000002000a000000000000000a0000003100320037002e0030002e0030002e0031000000010000000100"
	"0000040002000000000000000000ffffffff00000000";
static const char req_enum_2[] =
	"000002000a000000000000000a0000003100320037002e0030002e0030002e0031000000020000000200"
	"0000040002000000000000000000ffffffff00000000";
static const char req_srvinfo_102[] =
	"000002000c000000000000000c0000005c005c003100320037002e0030002e0030002e00310000006600"
	"0000";

/* Samba 4.17's answers for a share "share" like test_context()'s */
static const char rsp_getinfo_502[] =
	"f60100000400020008000200000000000c00020000000000ffffffff0100000010000200140002000000"
	"000000000000060000000000000006000000730068006100720065000000150000000000000015000000"
	"6d00610069006e0020007200650066006500720065006e00630065002000730068006100720065000000"
	"000015000000000000001500000043003a005c0074006d0070005c007200650066002d00720070006300"
	"5c0073006800610072006500000000000100000000000000010000000000000000000000";
static const char rsp_getinfo_0[] =
	"00000000040002000800020006000000000000000600000073006800610072006500000000000000";
static const char rsp_getinfo_1005[] =
	"ed030000040002000000000000000000";
static const char rsp_getinfo_501[] =
	"f50100000400020008000200000000000c00020000000000060000000000000006000000730068006100"
	"7200650000001500000000000000150000006d00610069006e0020007200650066006500720065006e00"
	"630065002000730068006100720065000000000000000000";
/* ... and for NetrServerGetInfo 102, with Skiff's server type (0x9803: no print, no DFS bits)
 * where Samba has 0x809a03 */
static const char rsp_srvinfo_102[] =
	"6600000004000200f4010000080002000600000001000000039800000c000200ffffffff0f0000000000"
	"0000f0000000b80b0000a08601001000020007000000000000000700000053004d004200520045004600"
	"00000000150000000000000015000000530061006d0062006100200034002e00310037002e0031003200"
	"2d00440065006200690061006e000000000004000000000000000400000043003a005c00000000000000";

static void test_captured_answers(void **state)
{
	struct rpc_context ctx = test_context();
	uint8_t *out;
	size_t n;
	(void)state;

	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_GET_INFO, req_getinfo_502, &out, &n), 0);
	assert_stub_like(out, n, rsp_getinfo_502);
	free(out);
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_GET_INFO, req_getinfo_0, &out, &n), 0);
	assert_stub_like(out, n, rsp_getinfo_0);
	free(out);
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_GET_INFO, req_getinfo_1005, &out, &n), 0);
	assert_stub_like(out, n, rsp_getinfo_1005);
	free(out);
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_GET_INFO, req_getinfo_501, &out, &n), 0);
	assert_stub_like(out, n, rsp_getinfo_501);
	free(out);
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_SERVER_INFO, req_srvinfo_102, &out, &n), 0);
	assert_stub_like(out, n, rsp_srvinfo_102);
	free(out);
}

/* Walk a NetrShareEnum level 1 answer: names, types and comments out, then the trailer. */
static void check_enum_1(const uint8_t *out, size_t n, uint32_t want_count, const char **names,
			 const uint32_t *types, const char **comments, uint32_t total,
			 bool has_resume, uint32_t resume, uint32_t werr)
{
	struct arena a;
	struct ndr_pull p;
	uint32_t v, count, conf;
	bool present;

	arena_init(&a, 4096);
	ndr_pull_init(&p, out, n, &a);
	assert_true(ndr_pull_u32(&p, &v));
	assert_int_equal(v, 1);
	assert_true(ndr_pull_u32(&p, &v));
	assert_int_equal(v, 1);
	assert_true(ndr_pull_ptr(&p, &present));
	assert_true(present);
	assert_true(ndr_pull_u32(&p, &count));
	assert_int_equal(count, want_count);
	assert_true(ndr_pull_ptr(&p, &present));
	assert_int_equal(present, count > 0);
	if (count) {
		assert_true(ndr_pull_conformance(&p, 12, &conf));
		assert_int_equal(conf, count);
		for (uint32_t i = 0; i < count; i++) {
			assert_true(ndr_pull_ptr(&p, &present));
			assert_true(present);
			assert_true(ndr_pull_u32(&p, &v));
			assert_int_equal(v, types[i]);
			assert_true(ndr_pull_ptr(&p, &present));
			assert_true(present);
		}
		for (uint32_t i = 0; i < count; i++) {
			char *s;
			assert_true(ndr_pull_string(&p, &s));
			assert_string_equal(s, names[i]);
			assert_true(ndr_pull_string(&p, &s));
			assert_string_equal(s, comments[i]);
		}
	}
	assert_true(ndr_pull_u32(&p, &v));
	assert_int_equal(v, total);
	assert_true(ndr_pull_ptr(&p, &present));
	assert_int_equal(present, has_resume);
	if (has_resume) {
		assert_true(ndr_pull_u32(&p, &v));
		assert_int_equal(v, resume);
	}
	assert_true(ndr_pull_u32(&p, &v));
	assert_int_equal(v, werr);
	assert_int_equal(rd_left(&p.r), 0);
	arena_destroy(&a);
}

static const char *all_names[] = { "share", "IPC$", "enc" };
static const uint32_t all_types[] = { 0, 0x80000003, 0 };
static const char *all_comments[] = { "main reference share", "IPC Service (Samba 4.17.12-Debian)",
				      "" };

/* Hidden (browseable = no) and forbidden (valid users) shares are not listed; IPC$ is, as
 * STYPE_IPC | STYPE_HIDDEN with Samba's comment. */
static void test_enum_visibility(void **state)
{
	struct rpc_context ctx = test_context();
	uint8_t *out;
	size_t n;
	(void)state;

	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_ENUM, req_enum_1, &out, &n), 0);
	check_enum_1(out, n, 3, all_names, all_types, all_comments, 3, false, 0, WERR_OK);
	free(out);
	/* the sticky variant lists the same */
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_ENUM_STICKY, req_enum_1, &out, &n), 0);
	check_enum_1(out, n, 3, all_names, all_types, all_comments, 3, false, 0, WERR_OK);
	free(out);
	/* an anonymous caller still gets level 1 */
	ctx.caller = (struct rpc_caller){ .anonymous = true };
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_ENUM, req_enum_1, &out, &n), 0);
	check_enum_1(out, n, 3, all_names, all_types, all_comments, 3, false, 0, WERR_OK);
	free(out);
}

static void enum_stub(struct ndr_push *s, uint32_t level, uint32_t max_buffer, bool has_resume,
		      uint32_t resume)
{
	ndr_push_init(s);
	ndr_push_ptr(s, false);
	ndr_push_u32(s, level);
	ndr_push_u32(s, level);
	ndr_push_ptr(s, true);
	ndr_push_u32(s, 0);
	ndr_push_ptr(s, false);
	ndr_push_u32(s, max_buffer);
	ndr_push_ptr(s, has_resume);
	if (has_resume)
		ndr_push_u32(s, resume);
}

/* PreferedMaximumLength: whole entries only, at least one, ERROR_MORE_DATA and a resume handle
 * that continues where the answer stopped (MS-SRVS 4.1). */
static void test_enum_paging(void **state)
{
	struct rpc_context ctx = test_context();
	struct ndr_push s;
	uint8_t *out;
	size_t n;
	(void)state;

	enum_stub(&s, 1, 1, true, 0);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	check_enum_1(out, n, 1, all_names, all_types, all_comments, 3, true, 1, WERR_MORE_DATA);
	free(out);
	ndr_push_free(&s);
	/* share (12 + 12 + 42) and IPC$ (12 + 10 + 70) fit in 160, enc does not */
	enum_stub(&s, 1, 160, true, 0);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	check_enum_1(out, n, 2, all_names, all_types, all_comments, 3, true, 2, WERR_MORE_DATA);
	free(out);
	ndr_push_free(&s);
	enum_stub(&s, 1, 160, true, 2);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	check_enum_1(out, n, 1, all_names + 2, all_types + 2, all_comments + 2, 3, true, 0, WERR_OK);
	free(out);
	ndr_push_free(&s);
	/* a resume handle past the end: nothing more */
	enum_stub(&s, 1, 0xFFFFFFFF, true, 99);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	check_enum_1(out, n, 0, NULL, NULL, NULL, 3, true, 0, WERR_OK);
	free(out);
	ndr_push_free(&s);
	/* no resume handle pointer: none comes back */
	enum_stub(&s, 1, 0xFFFFFFFF, false, 0);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(le32(out + n - 12), 3);        /* TotalEntries */
	assert_int_equal(le32(out + n - 8), 0);         /* NULL resume handle */
	assert_int_equal(le32(out + n - 4), WERR_OK);
	free(out);
	ndr_push_free(&s);
}

static void test_enum_levels(void **state)
{
	struct rpc_context ctx = test_context();
	struct ndr_push s;
	uint8_t *out;
	size_t n;
	(void)state;

	/* level 2 and 502 carry paths: signed-in users only */
	ctx.caller = (struct rpc_caller){ .anonymous = true };
	enum_stub(&s, 2, 0xFFFFFFFF, true, 0);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(n, 28);                        /* level, arm, NULL, total, resume */
	assert_int_equal(le32(out + 8), 0);             /* NULL container */
	assert_int_equal(le32(out + 12), 0);            /* TotalEntries */
	assert_int_equal(le32(out + 20), 0);            /* resume 0 */
	assert_int_equal(le32(out + 24), WERR_ACCESS_DENIED);
	free(out);
	ndr_push_free(&s);
	/* a signed-in user who is not an administrator: the same refusal, at both levels */
	for (uint32_t level = 2; level <= 502; level += 500) {
		ctx.caller = (struct rpc_caller){ .user = "plain", .uid = 1002, .gid = 1002 };
		enum_stub(&s, level, 0xFFFFFFFF, true, 0);
		assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
		assert_int_equal(n, 28);
		assert_int_equal(le32(out + 8), 0);     /* NULL container */
		assert_int_equal(le32(out + 24), WERR_ACCESS_DENIED);
		free(out);
		ndr_push_free(&s);
	}
	ctx = test_context();
	/* level 3 is no share-info level; 1004 is one (an arm exists) but not enumerable */
	enum_stub(&s, 1004, 0xFFFFFFFF, false, 0);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(n, 24);                        /* level, arm, NULL, total, NULL resume */
	assert_int_equal(le32(out + 8), 0);
	assert_int_equal(le32(out + 20), WERR_INVALID_LEVEL);
	free(out);
	ndr_push_free(&s);
	/* an unknown level's arm cannot be walked when the client sends a container for it */
	enum_stub(&s, 3, 0xFFFFFFFF, false, 0);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n),
			 NCA_S_FAULT_NDR);
	ndr_push_free(&s);
	/* sticky shares have no level 501 */
	enum_stub(&s, 501, 0xFFFFFFFF, false, 0);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM_STICKY, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(le32(out + n - 4), WERR_INVALID_LEVEL);
	free(out);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(le32(out + n - 4), WERR_OK);
	free(out);
	ndr_push_free(&s);

	/* level 2 for a signed-in user: rpcclient's request, paths in Windows form */
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_ENUM, req_enum_2, &out, &n), 0);
	struct arena a;
	struct ndr_pull p;
	uint32_t v;
	bool present;
	char *str;
	arena_init(&a, 4096);
	ndr_pull_init(&p, out, n, &a);
	for (int i = 0; i < 2; i++)
		assert_true(ndr_pull_u32(&p, &v));
	assert_true(ndr_pull_ptr(&p, &present));
	assert_true(ndr_pull_u32(&p, &v));
	assert_int_equal(v, 3);
	assert_true(ndr_pull_ptr(&p, &present));
	assert_true(ndr_pull_u32(&p, &v));
	uint32_t max_users[3], cur[3];
	for (int i = 0; i < 3; i++) {
		assert_true(ndr_pull_ptr(&p, &present));                /* name */
		assert_true(ndr_pull_u32(&p, &v));                      /* type */
		assert_true(ndr_pull_ptr(&p, &present));                /* comment */
		assert_true(ndr_pull_u32(&p, &v));                      /* permissions */
		assert_int_equal(v, 0);
		assert_true(ndr_pull_u32(&p, &max_users[i]));
		assert_true(ndr_pull_u32(&p, &cur[i]));
		assert_true(ndr_pull_ptr(&p, &present));                /* path */
		assert_true(ndr_pull_ptr(&p, &present));                /* password */
		assert_true(present);
	}
	assert_int_equal(max_users[0], 0xFFFFFFFF);
	assert_int_equal(cur[0], 1);
	assert_int_equal(max_users[2], 10);
	static const char *paths[] = { "C:\\tmp\\ref-rpc\\share", "C:\\tmp", "C:\\" };
	for (int i = 0; i < 3; i++) {
		assert_true(ndr_pull_string(&p, &str));
		assert_string_equal(str, all_names[i]);
		assert_true(ndr_pull_string(&p, &str));
		assert_true(ndr_pull_string(&p, &str));
		assert_string_equal(str, paths[i]);
		assert_true(ndr_pull_string(&p, &str));
		assert_string_equal(str, "");
	}
	arena_destroy(&a);
	free(out);
}

static void getinfo_stub(struct ndr_push *s, const char *share, uint32_t level)
{
	ndr_push_init(s);
	ndr_push_ptr(s, false);
	ndr_push_string(s, share);
	ndr_push_u32(s, level);
}

static uint32_t getinfo_werr(const struct rpc_context *ctx, const char *share, uint32_t level,
			     size_t *len)
{
	struct ndr_push s;
	uint8_t *out;
	uint32_t werr;

	getinfo_stub(&s, share, level);
	assert_int_equal(run(&rpc_srvsvc_iface, ctx, OP_GET_INFO, s.w.buf, s.w.len, &out, len), 0);
	assert_int_equal(le32(out), level);
	werr = le32(out + *len - 4);
	free(out);
	ndr_push_free(&s);
	return werr;
}

static void test_getinfo_rules(void **state)
{
	struct rpc_context ctx = test_context();
	struct ndr_push s;
	uint8_t *out;
	size_t n;
	(void)state;

	/* MS-SRVS 3.1.4.10: an unknown share is NERR_NetNameNotFound (Samba says
	 * WERR_INVALID_NAME); the answer carries a NULL arm */
	assert_int_equal(run_hex(&rpc_srvsvc_iface, &ctx, OP_GET_INFO, req_getinfo_nosuch, &out, &n), 0);
	assert_stub_like(out, n, "f60100000000000006090000");
	free(out);
	/* hidden shares answer, case-insensitively; forbidden ones do not */
	assert_int_equal(getinfo_werr(&ctx, "HIDDEN", 1, &n), WERR_OK);
	assert_int_equal(getinfo_werr(&ctx, "secret", 1, &n), WERR_ACCESS_DENIED);
	assert_int_equal(n, 12);
	/* levels: 1004 has an arm (NULL), 7 none */
	assert_int_equal(getinfo_werr(&ctx, "share", 1004, &n), WERR_INVALID_LEVEL);
	assert_int_equal(n, 12);
	assert_int_equal(getinfo_werr(&ctx, "share", 7, &n), WERR_INVALID_LEVEL);
	assert_int_equal(n, 8);
	/* 1005 reports encryption */
	getinfo_stub(&s, "enc", 1005);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_GET_INFO, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(le32(out + 8), 0x8000);
	free(out);
	ndr_push_free(&s);
	/* paths are not for anonymous callers */
	ctx.caller = (struct rpc_caller){ .anonymous = true };
	assert_int_equal(getinfo_werr(&ctx, "share", 502, &n), WERR_ACCESS_DENIED);
	assert_int_equal(getinfo_werr(&ctx, "share", 2, &n), WERR_ACCESS_DENIED);
	assert_int_equal(getinfo_werr(&ctx, "share", 1, &n), WERR_OK);
	/* nor for signed-in users who are not `server admins` (issue 11: any user read them) */
	ctx.caller = (struct rpc_caller){ .user = "plain", .uid = 1002, .gid = 1002 };
	assert_int_equal(getinfo_werr(&ctx, "share", 502, &n), WERR_ACCESS_DENIED);
	assert_int_equal(getinfo_werr(&ctx, "share", 2, &n), WERR_ACCESS_DENIED);
	assert_int_equal(getinfo_werr(&ctx, "share", 501, &n), WERR_OK);
	assert_int_equal(getinfo_werr(&ctx, "share", 1, &n), WERR_OK);
	assert_int_equal(getinfo_werr(&ctx, "share", 0, &n), WERR_OK);
	/* an administrator gets them */
	ctx.caller.admin = true;
	assert_int_equal(getinfo_werr(&ctx, "share", 502, &n), WERR_OK);
	assert_int_equal(getinfo_werr(&ctx, "share", 2, &n), WERR_OK);
}

static void test_server_info(void **state)
{
	struct rpc_context ctx = test_context();
	struct ndr_push s;
	uint8_t *out;
	size_t n;
	static const struct rpc_server_info plain = { .netbios_name = "SKIFF" };
	(void)state;

	/* level 100: platform and name only; version 0.0 reads as 6.1 at 101 */
	ctx.server = &plain;
	for (uint32_t level = 100; level <= 103; level++) {
		ndr_push_init(&s);
		ndr_push_ptr(&s, false);
		ndr_push_u32(&s, level);
		assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_SERVER_INFO, s.w.buf, s.w.len, &out, &n), 0);
		assert_int_equal(le32(out), level);
		if (level == 100)
			assert_int_equal(n, 8 + 8 + 12 + 12 + 4);
		if (level == 101) {
			assert_int_equal(le32(out + 16), 6);
			assert_int_equal(le32(out + 20), 1);
			assert_int_equal(le32(out + 24), 0x9803);
		}
		if (level == 103) {
			assert_int_equal(n, 8);
			assert_int_equal(le32(out + 4), WERR_INVALID_LEVEL);
		} else {
			assert_int_equal(le32(out + n - 4), WERR_OK);
		}
		free(out);
		ndr_push_free(&s);
	}
	ctx.caller = (struct rpc_caller){ .anonymous = true };
	ndr_push_init(&s);
	ndr_push_ptr(&s, false);
	ndr_push_u32(&s, 102);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_SERVER_INFO, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(le32(out + 8), WERR_ACCESS_DENIED);
	free(out);
	ndr_push_free(&s);
}

/* Clients may send a filled container in NetrShareEnum's [in, out] InfoStruct: it is walked. */
static void test_enum_request_container(void **state)
{
	struct rpc_context ctx = test_context();
	struct ndr_push s;
	uint8_t *out;
	size_t n;
	(void)state;

	ndr_push_init(&s);
	ndr_push_ptr(&s, true);
	ndr_push_string(&s, "\\\\server");
	ndr_push_u32(&s, 502);
	ndr_push_u32(&s, 502);
	ndr_push_ptr(&s, true);
	ndr_push_u32(&s, 1);                            /* one SHARE_INFO_502 */
	ndr_push_ptr(&s, true);
	ndr_push_u32(&s, 1);
	ndr_push_ptr(&s, true);
	ndr_push_u32(&s, 0);
	ndr_push_ptr(&s, false);
	ndr_push_u32(&s, 0);
	ndr_push_u32(&s, 0);
	ndr_push_u32(&s, 0);
	ndr_push_ptr(&s, true);
	ndr_push_ptr(&s, false);
	ndr_push_u32(&s, 3);                            /* security descriptor: 3 bytes */
	ndr_push_ptr(&s, true);
	ndr_push_string(&s, "x");
	ndr_push_string(&s, "C:\\x");
	ndr_push_u32(&s, 3);
	wr_bytes(&s.w, "sd!", 3);
	ndr_push_u32(&s, 0xFFFFFFFF);
	ndr_push_ptr(&s, false);
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(le32(out + n - 4), WERR_OK);
	free(out);
	/* every cut of it is refused */
	for (size_t len = 0; len < s.w.len; len++) {
		uint32_t f;
		rpc_call_run(&rpc_srvsvc_iface, &ctx, NULL, OP_ENUM, s.w.buf, len, &out, &n, &f);
		assert_int_equal(f, NCA_S_FAULT_NDR);
	}
	/* the conformance must match the count */
	s.w.buf[36] = 2;
	assert_int_equal(run(&rpc_srvsvc_iface, &ctx, OP_ENUM, s.w.buf, s.w.len, &out, &n),
			 NCA_S_FAULT_NDR);
	ndr_push_free(&s);
}

static void test_truncated_requests(void **state)
{
	struct rpc_context ctx = test_context();
	(void)state;

	assert_truncations_fault(&rpc_srvsvc_iface, &ctx, OP_GET_INFO, req_getinfo_502);
	assert_truncations_fault(&rpc_srvsvc_iface, &ctx, OP_ENUM, req_enum_2);
	assert_truncations_fault(&rpc_srvsvc_iface, &ctx, OP_SERVER_INFO, req_srvinfo_102);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_answers),
		cmocka_unit_test(test_enum_visibility),
		cmocka_unit_test(test_enum_paging),
		cmocka_unit_test(test_enum_levels),
		cmocka_unit_test(test_getinfo_rules),
		cmocka_unit_test(test_server_info),
		cmocka_unit_test(test_enum_request_container),
		cmocka_unit_test(test_truncated_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
