/* SPDX-License-Identifier: Apache-2.0 */
/* lsarpc (src/rpc/lsarpc.c) and the identity mapping (src/rpc/idmap.c): policy handles and
 * access, policy information, every lookup variant checked field by field, request decoding.
 * Only the accounts every Linux system has (root, uid and gid 0) are relied on. */
#include "rpc_test.h"

#include <pwd.h>
#include <stdio.h>

#include "rpc/idmap.h"

#define OP_CLOSE 0
#define OP_OPEN_POLICY 6
#define OP_QUERY_INFO 7
#define OP_LOOKUP_NAMES 14
#define OP_LOOKUP_SIDS 15
#define OP_OPEN_POLICY2 44
#define OP_GET_USER_NAME 45
#define OP_QUERY_INFO2 46
#define OP_LOOKUP_SIDS2 57
#define OP_LOOKUP_NAMES2 58
#define OP_LOOKUP_NAMES3 68
#define OP_LOOKUP_SIDS3 76
#define OP_LOOKUP_NAMES4 77

#define MACHINE "S-1-5-21-215274726-1712772639-2689559171"

/* rpcclient: LsarOpenPolicy(SystemName '\', QoS, POLICY_LOOKUP_NAMES) */
static const char req_open[] =
	"000002005c0000001800000000000000000000000000000000000000040002000c0000000200010000080000";
/* rpcclient: LsarLookupNames(handle, [tuser, root, nosuch, Everyone], level 1) */
static const char req_lookup_names[] =
	"0100000097b355cc08fa3b408bb9744c128f599a04000000040000000a000a000000020008000800040002"
	"000c000c0008000200100010000c00020005000000000000000500000074007500730065007200000004"
	"000000000000000400000072006f006f0074000600000000000000060000006e006f0073007500630068"
	"00080000000000000008000000450076006500720079006f006e006500000000000000000001000000"
	"00000000";
/* rpcclient: LsarLookupSids(handle, [S-1-22-1-1001, S-1-1-0, S-1-5-32-544,
 * S-1-5-21-1-2-3-4], level 1) */
static const char req_lookup_sids[] =
	"01000000f77799e913224041a76ac70a8407e34004000000000002000400000004000200080002000c00"
	"02001000020002000000010200000000001601000000e903000001000000010100000000000100000000"
	"0200000001020000000000052000000020020000050000000105000000000005150000000100000002"
	"000000030000000400000000000000000000000100000000000000";

static struct rpc_context CTX;
static void *ST;

static int setup(void **state)
{
	(void)state;
	CTX = test_context();
	ST = rpc_lsarpc_iface.state_new();
	return ST ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rpc_lsarpc_iface.state_free(ST);
	return 0;
}

/* One call with the shared per-pipe state (the handle table). */
static uint32_t call(uint16_t op, const uint8_t *stub, size_t len, uint8_t **out, size_t *n)
{
	uint32_t fault;

	rpc_call_run(&rpc_lsarpc_iface, &CTX, ST, op, stub, len, out, n, &fault);
	return fault;
}

static NTSTATUS open_policy(uint16_t op, uint32_t access, uint8_t h[NDR_HANDLE_SIZE])
{
	struct ndr_push s;
	uint8_t *out;
	size_t n;
	NTSTATUS st;

	ndr_push_init(&s);
	ndr_push_ptr(&s, true);
	if (op == OP_OPEN_POLICY2)
		ndr_push_string(&s, "\\\\server");
	else
		ndr_push_u16(&s, '\\');
	ndr_push_u32(&s, 24);                           /* LSAPR_OBJECT_ATTRIBUTES, QoS only */
	ndr_push_ptr(&s, false);
	ndr_push_ptr(&s, false);
	ndr_push_u32(&s, 0);
	ndr_push_ptr(&s, false);
	ndr_push_ptr(&s, true);
	ndr_push_u32(&s, 12);
	ndr_push_u16(&s, 2);
	ndr_push_u8(&s, 1);
	ndr_push_u8(&s, 0);
	ndr_push_u32(&s, access);
	assert_int_equal(call(op, s.w.buf, s.w.len, &out, &n), 0);
	assert_int_equal(n, NDR_HANDLE_SIZE + 4);
	memcpy(h, out, NDR_HANDLE_SIZE);
	st = le32(out + NDR_HANDLE_SIZE);
	free(out);
	ndr_push_free(&s);
	return st;
}

static void test_open_close(void **state)
{
	static const uint8_t zero[NDR_HANDLE_SIZE];
	uint8_t h[NDR_HANDLE_SIZE], h2[NDR_HANDLE_SIZE], *out, *stub;
	size_t n, sn;
	(void)state;

	/* rpcclient's captured request */
	stub = hex(req_open, &sn);
	assert_int_equal(call(OP_OPEN_POLICY, stub, sn, &out, &n), 0);
	assert_int_equal(n, 24);
	assert_int_equal(le32(out + 20), STATUS_SUCCESS);
	assert_memory_not_equal(out, zero, NDR_HANDLE_SIZE);
	memcpy(h, out, NDR_HANDLE_SIZE);
	free(out);
	assert_truncations_fault(&rpc_lsarpc_iface, &CTX, OP_OPEN_POLICY, req_open);
	free(stub);

	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x02000000, h2), STATUS_SUCCESS);
	assert_memory_not_equal(h, h2, NDR_HANDLE_SIZE);
	/* close: zeroed handle back, and the handle is gone (a context mismatch fault after) */
	assert_int_equal(call(OP_CLOSE, h, sizeof(h), &out, &n), 0);
	assert_int_equal(n, 24);
	assert_memory_equal(out, zero, NDR_HANDLE_SIZE);
	assert_int_equal(le32(out + 20), STATUS_SUCCESS);
	free(out);
	assert_int_equal(call(OP_CLOSE, h, sizeof(h), &out, &n), NCA_S_FAULT_CONTEXT_MISMATCH);
	assert_int_equal(call(OP_CLOSE, zero, sizeof(zero), &out, &n), NCA_S_FAULT_CONTEXT_MISMATCH);
	assert_int_equal(call(OP_CLOSE, h2, sizeof(h2), &out, &n), 0);
	free(out);

	/* rights: an ordinary user may read and look up; root anything; anonymous nothing */
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x00000801, h), STATUS_SUCCESS);
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x80000000, h), STATUS_SUCCESS);  /* GENERIC_READ */
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x00000010, h), STATUS_ACCESS_DENIED);
	assert_memory_equal(h, zero, NDR_HANDLE_SIZE);
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x10000000, h), STATUS_ACCESS_DENIED);
	CTX.caller.uid = 0;
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x10000000, h), STATUS_SUCCESS);
	CTX.caller = (struct rpc_caller){ .anonymous = true };
	assert_int_equal(open_policy(OP_OPEN_POLICY, 0x00000800, h), STATUS_ACCESS_DENIED);
	CTX = test_context();

	/* the handle table is finite */
	rpc_lsarpc_iface.state_free(ST);
	ST = rpc_lsarpc_iface.state_new();
	int opened = 0;
	while (open_policy(OP_OPEN_POLICY2, 0x800, h) == STATUS_SUCCESS)
		opened++;
	assert_int_equal(opened, 32);
	rpc_lsarpc_iface.state_free(ST);
	ST = rpc_lsarpc_iface.state_new();
}

/* Returns the status; *level_out and the pull positioned at the union arm on success. */
static NTSTATUS query_info(uint16_t op, const uint8_t h[NDR_HANDLE_SIZE], uint16_t level,
			   uint8_t **out, size_t *n)
{
	uint8_t stub[NDR_HANDLE_SIZE + 2];

	memcpy(stub, h, NDR_HANDLE_SIZE);
	put_le16(stub + NDR_HANDLE_SIZE, level);
	assert_int_equal(call(op, stub, sizeof(stub), out, n), 0);
	return le32(*out + *n - 4);
}

static void test_query_info(void **state)
{
	uint8_t h[NDR_HANDLE_SIZE], lookup_only[NDR_HANDLE_SIZE], *out;
	size_t n;
	struct arena a;
	struct ndr_pull p;
	struct ndr_ustr u;
	struct sd_sid sid, machine;
	uint16_t level;
	bool present;
	char txt[NDR_SID_STRLEN];
	(void)state;

	arena_init(&a, 4096);
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x02000000, h), STATUS_SUCCESS);

	/* 3: primary domain = the workgroup, no SID (a standalone server), as Samba answers */
	assert_int_equal(query_info(OP_QUERY_INFO, h, 3, &out, &n), STATUS_SUCCESS);
	assert_stub_like(out, n, "0000020003000000120014000400020000000000"
				 "0a000000000000000900000057004f0052004b00470052004f0055005000000000000000");
	free(out);

	/* 5: account domain = the machine and its SID */
	assert_int_equal(query_info(OP_QUERY_INFO2, h, 5, &out, &n), STATUS_SUCCESS);
	ndr_pull_init(&p, out, n, &a);
	assert_true(ndr_pull_ptr(&p, &present) && present);
	assert_true(ndr_pull_u16(&p, &level));
	assert_int_equal(level, 5);
	assert_true(ndr_pull_ustr_hdr(&p, &u));
	assert_true(ndr_pull_ptr(&p, &present) && present);
	assert_true(ndr_pull_ustr_body(&p, &u));
	assert_string_equal(u.s, "SMBREF");
	assert_int_equal(u.max_length, u.length + 2);
	assert_true(ndr_pull_sid(&p, &sid));
	ndr_sid_format(&sid, txt, sizeof(txt));
	assert_string_equal(txt, MACHINE);
	free(out);

	/* 12: DNS domain = the workgroup, no DNS names, no GUID, no SID */
	assert_int_equal(query_info(OP_QUERY_INFO2, h, 12, &out, &n), STATUS_SUCCESS);
	assert_stub_like(out, n, "000002000c000000120014000400020000000000000000000000000000000000"
				 "0000000000000000000000000000000000000000"
				 "0a000000000000000900000057004f0052004b00470052004f0055005000000000000000");
	free(out);

	/* other classes; a handle without POLICY_VIEW_LOCAL_INFORMATION; an unknown handle */
	assert_int_equal(query_info(OP_QUERY_INFO, h, 6, &out, &n), STATUS_INVALID_PARAMETER);
	assert_int_equal(n, 8);
	free(out);
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x800, lookup_only), STATUS_SUCCESS);
	assert_int_equal(query_info(OP_QUERY_INFO, lookup_only, 3, &out, &n), STATUS_ACCESS_DENIED);
	free(out);
	uint8_t stub[NDR_HANDLE_SIZE + 2] = { 0, 0, 0, 0, 9 };
	assert_int_equal(call(OP_QUERY_INFO, stub, sizeof(stub), &out, &n), NCA_S_FAULT_CONTEXT_MISMATCH);
	assert_int_equal(call(OP_QUERY_INFO, stub, sizeof(stub) - 1, &out, &n), NCA_S_FAULT_NDR);

	/* a derived machine SID when none is configured: stable, S-1-5-21-a-b-c */
	CTX.machine_sid = NULL;
	assert_int_equal(query_info(OP_QUERY_INFO, h, 5, &out, &n), STATUS_SUCCESS);
	ndr_pull_init(&p, out + 32, n - 32, &a);        /* past the header, string "SMBREF" */
	free(out);
	idmap_derive_machine_sid("SMBREF", &machine);
	ndr_sid_format(&machine, txt, sizeof(txt));
	assert_int_equal(machine.num_auths, 4);
	assert_int_equal(machine.sub_auths[0], 21);
	idmap_derive_machine_sid("smbref", &sid);
	assert_true(sd_sid_equal(&sid, &machine));
	idmap_derive_machine_sid("OTHER", &sid);
	assert_false(sd_sid_equal(&sid, &machine));
	CTX = test_context();
	arena_destroy(&a);
}

/* A decoded lookup answer. */
struct translated {
	uint16_t type;
	uint32_t rid;                   /* LookupNames / 2 */
	char sid[NDR_SID_STRLEN];       /* LookupNames3: the SID; LookupSids: the name */
	uint32_t index;
};

struct lookup_answer {
	uint32_t ndom;
	char dom_name[16][64];
	char dom_sid[16][NDR_SID_STRLEN];
	uint32_t n;
	struct translated t[16];
	uint32_t mapped;
	NTSTATUS status;
};

static void pull_ref_domains(struct ndr_pull *p, struct lookup_answer *r)
{
	bool present;
	uint32_t v, conf;
	struct ndr_ustr u[16];
	struct sd_sid sid;

	assert_true(ndr_pull_ptr(p, &present));
	r->ndom = 0;
	if (!present)
		return;
	assert_true(ndr_pull_u32(p, &r->ndom));
	assert_true(r->ndom <= 16);
	assert_true(ndr_pull_ptr(p, &present));
	assert_true(ndr_pull_u32(p, &v));               /* MaxEntries */
	if (!present)
		return;
	assert_true(ndr_pull_conformance(p, 12, &conf));
	assert_int_equal(conf, r->ndom);
	for (uint32_t i = 0; i < r->ndom; i++) {
		assert_true(ndr_pull_ustr_hdr(p, &u[i]));
		assert_true(ndr_pull_ptr(p, &present) && present);
	}
	for (uint32_t i = 0; i < r->ndom; i++) {
		assert_true(ndr_pull_ustr_body(p, &u[i]));
		snprintf(r->dom_name[i], sizeof(r->dom_name[i]), "%s", u[i].s);
		assert_true(ndr_pull_sid(p, &sid));
		ndr_sid_format(&sid, r->dom_sid[i], sizeof(r->dom_sid[i]));
	}
}

/* kind: 's' TranslatedSid, 'S' _EX, '3' _EX2, 'n' TranslatedName, 'N' _EX */
static void parse_lookup(const uint8_t *out, size_t n, char kind, struct lookup_answer *r)
{
	struct arena a;
	struct ndr_pull p;
	bool present, ptrs[16];
	uint32_t conf, v;
	struct ndr_ustr u[16];

	memset(r, 0, sizeof(*r));
	arena_init(&a, 4096);
	ndr_pull_init(&p, out, n, &a);
	pull_ref_domains(&p, r);
	assert_true(ndr_pull_u32(&p, &r->n));
	assert_true(r->n <= 16);
	assert_true(ndr_pull_ptr(&p, &present));
	if (present) {
		assert_true(ndr_pull_conformance(&p, 12, &conf));
		assert_int_equal(conf, r->n);
		for (uint32_t i = 0; i < r->n; i++) {
			struct translated *t = &r->t[i];
			assert_true(ndr_pull_u16(&p, &t->type));
			if (kind == 'n' || kind == 'N')
				assert_true(ndr_pull_ustr_hdr(&p, &u[i]));
			else if (kind == '3')
				assert_true(ndr_pull_ptr(&p, &ptrs[i]));
			else
				assert_true(ndr_pull_u32(&p, &t->rid));
			assert_true(ndr_pull_u32(&p, &t->index));
			if (kind == 'N' || kind == 'S' || kind == '3') {
				assert_true(ndr_pull_u32(&p, &v));
				assert_int_equal(v, 0);
			}
		}
		for (uint32_t i = 0; i < r->n; i++) {
			if (kind == 'n' || kind == 'N') {
				assert_true(ndr_pull_ustr_body(&p, &u[i]));
				assert_int_equal(u[i].length, u[i].max_length);
				snprintf(r->t[i].sid, sizeof(r->t[i].sid), "%s", u[i].s);
			} else if (kind == '3' && ptrs[i]) {
				struct sd_sid sid;
				assert_true(ndr_pull_sid(&p, &sid));
				ndr_sid_format(&sid, r->t[i].sid, sizeof(r->t[i].sid));
			}
		}
	}
	assert_true(ndr_pull_u32(&p, &r->mapped));
	assert_true(ndr_pull_u32(&p, &r->status));
	assert_int_equal(rd_left(&p.r), 0);
	arena_destroy(&a);
}

/* Domain of translation i: name and SID. */
static void assert_domain(const struct lookup_answer *r, uint32_t i, const char *name,
			  const char *sid)
{
	assert_true(r->t[i].index < r->ndom);
	assert_string_equal(r->dom_name[r->t[i].index], name);
	assert_string_equal(r->dom_sid[r->t[i].index], sid);
}

static void names_stub(struct ndr_push *s, const uint8_t h[NDR_HANDLE_SIZE], const char **names,
		       uint32_t n, bool ex)
{
	ndr_push_init(s);
	if (h != NULL)
		ndr_push_handle(s, h);
	ndr_push_u32(s, n);
	ndr_push_u32(s, n);
	for (uint32_t i = 0; i < n; i++)
		ndr_push_ustr_hdr(s, names[i], false);
	for (uint32_t i = 0; i < n; i++)
		ndr_push_ustr_body(s, names[i], false);
	ndr_push_u32(s, 0);                             /* TranslatedSids: empty */
	ndr_push_ptr(s, false);
	ndr_push_u16(s, 1);                             /* LsapLookupWksta */
	ndr_push_u32(s, 0);
	if (ex) {
		ndr_push_u32(s, 0);
		ndr_push_u32(s, 2);
	}
}

static bool is_account_root_only(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "root") == 0;
}

static bool is_account_none(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return false;
}

static void test_lookup_names(void **state)
{
	static const char *names[] = {
		"root", "Unix User\\root", "BUILTIN\\Administrators", "Everyone", "nosuch-user-x",
		"SMBREF", "root@smbref", "NT Authority\\SYSTEM", "None", "Unix Group\\root",
		"Administrators", "\\Creator Owner", "WORKGROUP\\root", "builtin",
	};
	const uint32_t n = sizeof(names) / sizeof(names[0]);
	uint8_t h[NDR_HANDLE_SIZE], *out;
	size_t len;
	struct ndr_push s;
	struct lookup_answer r;
	(void)state;

	CTX.is_account = is_account_root_only;
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x800, h), STATUS_SUCCESS);

	/* LookupNames3: full SIDs */
	names_stub(&s, h, names, n, true);
	assert_int_equal(call(OP_LOOKUP_NAMES3, s.w.buf, s.w.len, &out, &len), 0);
	parse_lookup(out, len, '3', &r);
	free(out);
	assert_int_equal(r.n, n);
	assert_int_equal(r.mapped, n - 2);
	assert_int_equal(r.status, RPC_STATUS_SOME_NOT_MAPPED);
	static const struct { uint16_t type; const char *sid, *dom, *dom_sid; } want[] = {
		{ SID_NAME_USER, MACHINE "-1000", "SMBREF", MACHINE },
		{ SID_NAME_USER, "S-1-22-1-0", "Unix User", "S-1-22-1" },
		{ SID_NAME_ALIAS, "S-1-5-32-544", "BUILTIN", "S-1-5-32" },
		{ SID_NAME_WKN_GRP, "S-1-1-0", "", "S-1-1" },
		{ SID_NAME_UNKNOWN, "", NULL, NULL },
		{ SID_NAME_DOMAIN, MACHINE, "SMBREF", MACHINE },
		{ SID_NAME_USER, MACHINE "-1000", "SMBREF", MACHINE },
		{ SID_NAME_WKN_GRP, "S-1-5-18", "NT Authority", "S-1-5" },
		{ SID_NAME_DOM_GRP, MACHINE "-513", "SMBREF", MACHINE },
		{ SID_NAME_DOM_GRP, "S-1-22-2-0", "Unix Group", "S-1-22-2" },
		{ SID_NAME_ALIAS, "S-1-5-32-544", "BUILTIN", "S-1-5-32" },
		{ SID_NAME_WKN_GRP, "S-1-3-0", "", "S-1-3" },
		{ SID_NAME_UNKNOWN, "", NULL, NULL },
		{ SID_NAME_DOMAIN, "S-1-5-32", "BUILTIN", "S-1-5-32" },
	};
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(r.t[i].type, want[i].type);
		assert_string_equal(r.t[i].sid, want[i].sid);
		if (want[i].dom)
			assert_domain(&r, i, want[i].dom, want[i].dom_sid);
		else
			assert_int_equal(r.t[i].index, 0xFFFFFFFF);
	}
	/* each domain once */
	assert_int_equal(r.ndom, 7);
	ndr_push_free(&s);

	/* LookupNames and LookupNames2: domain + rid */
	for (int v = 0; v < 2; v++) {
		names_stub(&s, h, names, 3, v == 1);
		assert_int_equal(call(v ? OP_LOOKUP_NAMES2 : OP_LOOKUP_NAMES, s.w.buf, s.w.len, &out,
				      &len), 0);
		parse_lookup(out, len, v ? 'S' : 's', &r);
		free(out);
		assert_int_equal(r.status, STATUS_SUCCESS);
		assert_int_equal(r.mapped, 3);
		assert_int_equal(r.t[0].rid, 1000);
		assert_domain(&r, 0, "SMBREF", MACHINE);
		assert_int_equal(r.t[1].rid, 0);
		assert_domain(&r, 1, "Unix User", "S-1-22-1");
		assert_int_equal(r.t[2].rid, 544);
		assert_domain(&r, 2, "BUILTIN", "S-1-5-32");
		ndr_push_free(&s);
	}

	/* without an account list every Unix user is one; with one that excludes root, root is
	 * a Unix user only, and SMBREF\root is unknown (as on Samba) */
	CTX.is_account = NULL;
	names_stub(&s, h, names, 1, false);
	assert_int_equal(call(OP_LOOKUP_NAMES, s.w.buf, s.w.len, &out, &len), 0);
	parse_lookup(out, len, 's', &r);
	free(out);
	assert_domain(&r, 0, "SMBREF", MACHINE);
	ndr_push_free(&s);
	CTX.is_account = is_account_root_only;

	/* nothing mapped; no names at all */
	names_stub(&s, h, names + 4, 1, false);
	assert_int_equal(call(OP_LOOKUP_NAMES, s.w.buf, s.w.len, &out, &len), 0);
	parse_lookup(out, len, 's', &r);
	free(out);
	assert_int_equal(r.status, STATUS_NONE_MAPPED);
	assert_int_equal(r.mapped, 0);
	assert_int_equal(r.ndom, 0);
	ndr_push_free(&s);
	names_stub(&s, h, names, 0, false);
	assert_int_equal(call(OP_LOOKUP_NAMES, s.w.buf, s.w.len, &out, &len), 0);
	parse_lookup(out, len, 's', &r);
	free(out);
	assert_int_equal(r.status, STATUS_SUCCESS);
	assert_int_equal(r.n, 0);
	ndr_push_free(&s);

	/* LookupNames4 is refused on a pipe (MS-LSAT 2.1) */
	names_stub(&s, NULL, names, 1, true);
	assert_int_equal(call(OP_LOOKUP_NAMES4, s.w.buf, s.w.len, &out, &len),
			 NCA_S_FAULT_ACCESS_DENIED);
	ndr_push_free(&s);

	/* a handle without POLICY_LOOKUP_NAMES */
	uint8_t view_only[NDR_HANDLE_SIZE];
	assert_int_equal(open_policy(OP_OPEN_POLICY2, 0x1, view_only), STATUS_SUCCESS);
	names_stub(&s, view_only, names, 1, false);
	assert_int_equal(call(OP_LOOKUP_NAMES, s.w.buf, s.w.len, &out, &len), 0);
	parse_lookup(out, len, 's', &r);
	free(out);
	assert_int_equal(r.status, STATUS_ACCESS_DENIED);
	ndr_push_free(&s);

	/* rpcclient's request (handle replaced): tuser depends on this machine, the rest not */
	size_t sn;
	uint8_t *stub = hex(req_lookup_names, &sn);
	memcpy(stub, h, NDR_HANDLE_SIZE);
	assert_int_equal(call(OP_LOOKUP_NAMES, stub, sn, &out, &len), 0);
	parse_lookup(out, len, 's', &r);
	free(out);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.t[1].type, SID_NAME_USER);
	assert_int_equal(r.t[2].type, SID_NAME_UNKNOWN);
	assert_int_equal(r.t[3].type, SID_NAME_WKN_GRP);
	assert_domain(&r, 3, "", "S-1-1");
	assert_int_equal(r.status, RPC_STATUS_SOME_NOT_MAPPED);
	free(stub);
	assert_truncations_fault(&rpc_lsarpc_iface, &CTX, OP_LOOKUP_NAMES, req_lookup_names);

	/* more than 1000 names breaks the [range] */
	ndr_push_init(&s);
	ndr_push_handle(&s, h);
	ndr_push_u32(&s, 1001);
	ndr_push_u32(&s, 1001);
	for (int i = 0; i < 1001; i++)
		ndr_push_ustr_hdr(&s, NULL, false);
	ndr_push_u32(&s, 0);
	ndr_push_ptr(&s, false);
	ndr_push_u16(&s, 1);
	ndr_push_u32(&s, 0);
	assert_int_equal(call(OP_LOOKUP_NAMES, s.w.buf, s.w.len, &out, &len), NCA_S_FAULT_NDR);
	ndr_push_free(&s);
	CTX = test_context();
}

static void sids_stub(struct ndr_push *s, const uint8_t h[NDR_HANDLE_SIZE], const char **sids,
		      uint32_t n, bool ex)
{
	struct sd_sid sid;

	ndr_push_init(s);
	if (h != NULL)
		ndr_push_handle(s, h);
	ndr_push_u32(s, n);
	ndr_push_ptr(s, true);
	ndr_push_u32(s, n);
	for (uint32_t i = 0; i < n; i++)
		ndr_push_ptr(s, true);
	for (uint32_t i = 0; i < n; i++) {
		assert_true(ndr_sid_parse(sids[i], &sid));
		ndr_push_sid(s, &sid);
	}
	ndr_push_u32(s, 0);                             /* TranslatedNames: empty */
	ndr_push_ptr(s, false);
	ndr_push_u16(s, 1);
	ndr_push_u32(s, 0);
	if (ex) {
		ndr_push_u32(s, 0);
		ndr_push_u32(s, 2);
	}
}

static void test_lookup_sids(void **state)
{
	static const char *sids[] = {
		"S-1-22-1-0", "S-1-5-32-544", "S-1-1-0", "S-1-5-18", MACHINE "-1000",
		"S-1-5-21-1-2-3-4", MACHINE "-513", MACHINE, "S-1-22-1-4000000000", "S-1-22-2-0",
		MACHINE "-1001", "S-1-5-32", "S-1-3-0", MACHINE "-999", "S-1-5-11", "S-1-5-7",
	};
	const uint32_t n = sizeof(sids) / sizeof(sids[0]);
	static const struct { uint16_t type; const char *name, *dom, *dom_sid; } want[] = {
		{ SID_NAME_USER, "root", "Unix User", "S-1-22-1" },
		{ SID_NAME_ALIAS, "Administrators", "BUILTIN", "S-1-5-32" },
		{ SID_NAME_WKN_GRP, "Everyone", "", "S-1-1" },
		{ SID_NAME_WKN_GRP, "SYSTEM", "NT Authority", "S-1-5" },
		{ SID_NAME_USER, "root", "SMBREF", MACHINE },
		{ SID_NAME_UNKNOWN, "S-1-5-21-1-2-3-4", NULL, NULL },
		{ SID_NAME_DOM_GRP, "None", "SMBREF", MACHINE },
		{ SID_NAME_DOMAIN, "SMBREF", "SMBREF", MACHINE },
		{ SID_NAME_USER, "4000000000", "Unix User", "S-1-22-1" },
		{ SID_NAME_DOM_GRP, "root", "Unix Group", "S-1-22-2" },
		{ SID_NAME_DOM_GRP, "root", "SMBREF", MACHINE },
		{ SID_NAME_DOMAIN, "BUILTIN", "BUILTIN", "S-1-5-32" },
		{ SID_NAME_WKN_GRP, "Creator Owner", "", "S-1-3" },
		{ SID_NAME_UNKNOWN, MACHINE "-999", NULL, NULL },
		{ SID_NAME_WKN_GRP, "Authenticated Users", "NT Authority", "S-1-5" },
		{ SID_NAME_WKN_GRP, "Anonymous Logon", "NT Authority", "S-1-5" },
	};
	uint8_t h[NDR_HANDLE_SIZE], *out;
	size_t len;
	struct ndr_push s;
	struct lookup_answer r;
	(void)state;

	assert_int_equal(open_policy(OP_OPEN_POLICY, 0x800, h), STATUS_SUCCESS);
	for (int v = 0; v < 2; v++) {
		sids_stub(&s, h, sids, n, v == 1);
		assert_int_equal(call(v ? OP_LOOKUP_SIDS2 : OP_LOOKUP_SIDS, s.w.buf, s.w.len, &out,
				      &len), 0);
		parse_lookup(out, len, v ? 'N' : 'n', &r);
		free(out);
		assert_int_equal(r.n, n);
		assert_int_equal(r.mapped, n - 2);
		assert_int_equal(r.status, RPC_STATUS_SOME_NOT_MAPPED);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(r.t[i].type, want[i].type);
			assert_string_equal(r.t[i].sid, want[i].name);
			if (want[i].dom)
				assert_domain(&r, i, want[i].dom, want[i].dom_sid);
			else
				assert_int_equal(r.t[i].index, 0xFFFFFFFF);
		}
		ndr_push_free(&s);
	}
	/* an account list without root: SMBREF-1000 is nobody's, S-1-22-1-0 still root */
	CTX.is_account = is_account_none;
	sids_stub(&s, h, sids, 5, false);
	assert_int_equal(call(OP_LOOKUP_SIDS, s.w.buf, s.w.len, &out, &len), 0);
	parse_lookup(out, len, 'n', &r);
	free(out);
	assert_int_equal(r.t[0].type, SID_NAME_USER);
	assert_int_equal(r.t[4].type, SID_NAME_UNKNOWN);
	assert_int_equal(r.mapped, 4);
	ndr_push_free(&s);
	CTX = test_context();

	/* LookupSids3 is refused on a pipe; a NULL SID pointer cannot be decoded */
	sids_stub(&s, NULL, sids, 1, true);
	assert_int_equal(call(OP_LOOKUP_SIDS3, s.w.buf, s.w.len, &out, &len),
			 NCA_S_FAULT_ACCESS_DENIED);
	ndr_push_free(&s);
	sids_stub(&s, h, sids, 1, false);
	put_le32(s.w.buf + NDR_HANDLE_SIZE + 12, 0);
	assert_int_equal(call(OP_LOOKUP_SIDS, s.w.buf, s.w.len, &out, &len), NCA_S_FAULT_NDR);
	ndr_push_free(&s);

	/* rpcclient's request: S-1-22-1-1001's name depends on this machine, the rest not */
	size_t sn;
	uint8_t *stub = hex(req_lookup_sids, &sn);
	memcpy(stub, h, NDR_HANDLE_SIZE);
	assert_int_equal(call(OP_LOOKUP_SIDS, stub, sn, &out, &len), 0);
	parse_lookup(out, len, 'n', &r);
	free(out);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.t[0].type, SID_NAME_USER);
	assert_domain(&r, 0, "Unix User", "S-1-22-1");
	assert_string_equal(r.t[1].sid, "Everyone");
	assert_string_equal(r.t[2].sid, "Administrators");
	assert_int_equal(r.t[3].type, SID_NAME_UNKNOWN);
	assert_string_equal(r.t[3].sid, "S-1-5-21-1-2-3-4");
	free(stub);
	assert_truncations_fault(&rpc_lsarpc_iface, &CTX, OP_LOOKUP_SIDS, req_lookup_sids);
}

static void test_get_user_name(void **state)
{
	/* rpcclient's LsarGetUserName(\\127.0.0.1, NULL, &NULL) and Samba's answer */
	static const char req[] =
		"000002000a000000000000000a0000003100320037002e0030002e0030002e0031000000000000000400"
		"020000000000";
	static const char rsp[] =
		"080002000a000a000c000200050000000000000005000000740075007300650072000000100002001400"
		"02000c000c001800020006000000000000000600000053004d00420052004500460000000000";
	uint8_t *out;
	size_t n;
	(void)state;

	assert_int_equal(run_hex(&rpc_lsarpc_iface, &CTX, OP_GET_USER_NAME, req, &out, &n), 0);
	assert_stub_like(out, n, rsp);
	free(out);
	assert_truncations_fault(&rpc_lsarpc_iface, &CTX, OP_GET_USER_NAME, req);
	CTX.caller = (struct rpc_caller){ .anonymous = true };
	assert_int_equal(run_hex(&rpc_lsarpc_iface, &CTX, OP_GET_USER_NAME, req, &out, &n), 0);
	assert_int_equal(le16(out + 4), 30);            /* "ANONYMOUS LOGON" */
	free(out);
	CTX = test_context();
	assert_int_equal(run_hex(&rpc_lsarpc_iface, &CTX, 200, req, &out, &n), NCA_S_OP_RNG_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_query_info),
		cmocka_unit_test(test_lookup_names),
		cmocka_unit_test(test_lookup_sids),
		cmocka_unit_test(test_get_user_name),
	};
	struct passwd *pw = getpwuid(0);

	/* the tests lean on uid 0 being "root" */
	if (pw == NULL || strcmp(pw->pw_name, "root") != 0)
		return 0;
	return cmocka_run_group_tests(tests, setup, teardown);
}
