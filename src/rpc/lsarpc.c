/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lsarpc: LsarOpenPolicy/2, LsarClose, LsarQueryInformationPolicy/2 (MS-LSAD) and the
 * translation calls LsarLookupSids/2/3, LsarLookupNames/2/3/4 (MS-LSAT), over the identity
 * mapping in idmap.c. Policy handles live in the pipe's state.
 */
#include "rpc/rpc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "rpc/idmap.h"

#define LSA_CLOSE                0
#define LSA_OPEN_POLICY          6
#define LSA_QUERY_INFO_POLICY    7
#define LSA_LOOKUP_NAMES         14
#define LSA_LOOKUP_SIDS          15
#define LSA_OPEN_POLICY2         44
#define LSA_GET_USER_NAME        45
#define LSA_QUERY_INFO_POLICY2   46
#define LSA_LOOKUP_SIDS2         57
#define LSA_LOOKUP_NAMES2        58
#define LSA_LOOKUP_NAMES3        68
#define LSA_LOOKUP_SIDS3         76
#define LSA_LOOKUP_NAMES4        77

/* POLICY_* access rights (MS-LSAD 2.2.1.1.2) and the generic mapping of 3.1.4.2.1 */
#define POLICY_VIEW_LOCAL_INFORMATION 0x00000001u
#define POLICY_LOOKUP_NAMES           0x00000800u
#define MAXIMUM_ALLOWED               0x02000000u
#define GENERIC_ALL                   0x10000000u
#define GENERIC_EXECUTE               0x20000000u
#define GENERIC_WRITE                 0x40000000u
#define GENERIC_READ                  0x80000000u
#define LSA_POLICY_ALL_ACCESS         0x000F0FFFu
#define LSA_POLICY_READ               0x00020006u
#define LSA_POLICY_WRITE              0x000207F8u
#define LSA_POLICY_EXECUTE            0x00020801u
/* What an ordinary user is granted: read, execute (lookups), and READ_CONTROL. */
#define LSA_POLICY_USER_ACCESS        (LSA_POLICY_READ | LSA_POLICY_EXECUTE | 0x00020000u)

/* POLICY_INFORMATION_CLASS (MS-LSAD 2.2.4.1) */
#define POLICY_PRIMARY_DOMAIN_INFORMATION 3
#define POLICY_ACCOUNT_DOMAIN_INFORMATION 5
#define POLICY_DNS_DOMAIN_INFORMATION     12

#define LSA_MAX_HANDLES 32
#define LSA_MAX_LOOKUP_NAMES 1000       /* [range(0,1000)] */
#define LSA_MAX_LOOKUP_SIDS 20480       /* LSAPR_SID_ENUM_BUFFER [range(0,20480)] */
#define LSA_REF_DOMAIN_MAX_ENTRIES 32   /* MaxEntries, ignored by clients; Samba's value */

struct lsa_handle {
	bool used;
	uint8_t wire[NDR_HANDLE_SIZE];
	uint32_t access;
};

struct lsa_state {
	struct lsa_handle h[LSA_MAX_HANDLES];
};

static void *lsa_state_new(void)
{
	return calloc(1, sizeof(struct lsa_state));
}

static void lsa_state_free(void *s)
{
	free(s);
}

static struct lsa_handle *handle_find(struct lsa_state *st, const uint8_t wire[NDR_HANDLE_SIZE])
{
	static const uint8_t zero[NDR_HANDLE_SIZE];

	if (memcmp(wire, zero, sizeof(zero)) == 0)
		return NULL;
	for (size_t i = 0; i < LSA_MAX_HANDLES; i++)
		if (st->h[i].used && memcmp(st->h[i].wire, wire, NDR_HANDLE_SIZE) == 0)
			return &st->h[i];
	return NULL;
}

static struct lsa_handle *handle_new(struct lsa_state *st, uint32_t access)
{
	for (size_t i = 0; i < LSA_MAX_HANDLES; i++) {
		struct lsa_handle *h = &st->h[i];
		if (h->used)
			continue;
		memset(h->wire, 0, 4);          /* attributes */
		if (getrandom(h->wire + 4, 16, 0) != 16)
			return NULL;
		h->used = true;
		h->access = access;
		return h;
	}
	return NULL;
}

/* --- request decoders --- */

struct lsa_open_req {
	uint32_t access;
};

/* LSAPR_OBJECT_ATTRIBUTES (MS-LSAD 2.2.9): every field but the pointers' targets is ignored; a
 * security descriptor (which no client sends here) is refused rather than walked. */
static bool pull_object_attributes(struct ndr_pull *in)
{
	uint32_t len, attrs;
	bool root, name, sd, qos;
	char *s;

	if (!ndr_pull_u32(in, &len) || !ndr_pull_ptr(in, &root) || !ndr_pull_ptr(in, &name) ||
	    !ndr_pull_u32(in, &attrs) || !ndr_pull_ptr(in, &sd) || !ndr_pull_ptr(in, &qos))
		return false;
	if (root) {
		uint8_t b;
		if (!ndr_pull_u8(in, &b))
			return false;
	}
	if (name && !ndr_pull_string(in, &s))
		return false;
	if (sd)
		return false;
	if (qos) {
		uint32_t qlen;
		uint16_t imp;
		uint8_t mode, eff;
		if (!ndr_pull_u32(in, &qlen) || !ndr_pull_u16(in, &imp) || !ndr_pull_u8(in, &mode) ||
		    !ndr_pull_u8(in, &eff))
			return false;
	}
	return true;
}

static bool lsa_open_decode(struct ndr_pull *in, bool v2, struct lsa_open_req *r)
{
	bool present;

	if (!ndr_pull_ptr(in, &present))
		return false;
	if (present) {
		if (v2) {
			char *s;
			if (!ndr_pull_string(in, &s))
				return false;
		} else {
			uint16_t ch;            /* OpenPolicy's SystemName is one wchar_t */
			if (!ndr_pull_u16(in, &ch))
				return false;
		}
	}
	return pull_object_attributes(in) && ndr_pull_u32(in, &r->access);
}

/* RPC_UNICODE_STRING names (LsarLookupNames*): conformant array of headers, then bodies. */
static bool pull_name_array(struct ndr_pull *in, uint32_t n, char ***names)
{
	struct ndr_ustr *u;
	uint32_t conf;

	if (n > LSA_MAX_LOOKUP_NAMES || !ndr_pull_conformance(in, 8, &conf) || conf != n)
		return false;
	u = n ? arena_alloc(in->a, n * sizeof(*u)) : NULL;
	*names = n ? arena_alloc(in->a, n * sizeof(char *)) : NULL;
	if (n && (u == NULL || *names == NULL))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!ndr_pull_ustr_hdr(in, &u[i]))
			return false;
	for (uint32_t i = 0; i < n; i++) {
		if (!ndr_pull_ustr_body(in, &u[i]))
			return false;
		(*names)[i] = u[i].s;
	}
	return true;
}

/*
 * The [in, out] translation arrays the client sends in (LSAPR_TRANSLATED_NAMES[_EX],
 * LSAPR_TRANSLATED_SIDS[_EX][2]): ignored on input per MS-LSAT, but walked to reach the
 * parameters behind them. kind: 'n' names, 'N' names ex, 's' sids, 'S' sids ex, '3' sids ex2.
 */
static bool pull_translations(struct ndr_pull *in, char kind, uint32_t max)
{
	uint32_t count, conf;
	bool present;
	size_t elem = kind == 'n' ? 16 : kind == 'N' ? 20 : kind == 's' ? 12 : 16;
	bool *ptrs;

	if (!ndr_pull_u32(in, &count) || !ndr_pull_ptr(in, &present) || count > max)
		return false;
	if (!present)
		return true;
	if (!ndr_pull_conformance(in, elem, &conf) || conf != count)
		return false;
	ptrs = count ? arena_alloc(in->a, count * sizeof(bool)) : NULL;
	if (count && ptrs == NULL)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t type;
		uint32_t v;
		struct ndr_ustr u;

		if (!ndr_pull_u16(in, &type))
			return false;
		if (kind == 'n' || kind == 'N') {
			if (!ndr_pull_ustr_hdr(in, &u))
				return false;
			ptrs[i] = u.present;
		} else if (kind == '3') {
			if (!ndr_pull_ptr(in, &ptrs[i]))
				return false;
		} else {
			ptrs[i] = false;
			if (!ndr_pull_u32(in, &v))      /* rid */
				return false;
		}
		if (!ndr_pull_u32(in, &v))              /* domain index */
			return false;
		if ((kind == 'N' || kind == 'S' || kind == '3') && !ndr_pull_u32(in, &v))
			return false;                   /* flags */
	}
	for (uint32_t i = 0; i < count; i++) {
		if (!ptrs[i])
			continue;
		if (kind == '3') {
			struct sd_sid sid;
			if (!ndr_pull_sid(in, &sid))
				return false;
		} else {
			uint32_t cmax, off, actual;
			const uint8_t *b;
			/* a name's buffer: conformant varying UTF-16, not converted */
			if (!ndr_pull_conformance(in, 0, &cmax) || !ndr_pull_u32(in, &off) ||
			    !ndr_pull_u32(in, &actual) || off != 0 || actual > cmax ||
			    !rd_bytes(&in->r, (size_t)actual * 2, &b))
				return false;
		}
	}
	return true;
}

struct lsa_lookup_req {
	uint8_t handle[NDR_HANDLE_SIZE];
	uint32_t n;
	struct sd_sid *sids;            /* LookupSids* */
	char **names;                   /* LookupNames* */
	uint16_t level;
	uint32_t options, revision;
};

static bool lsa_lookup_sids_decode(struct ndr_pull *in, bool handle, char kind,
				   struct lsa_lookup_req *r)
{
	uint32_t conf, count;
	bool present;
	bool *ptrs;

	memset(r, 0, sizeof(*r));
	if (handle && !ndr_pull_handle(in, r->handle))
		return false;
	/* LSAPR_SID_ENUM_BUFFER: Entries, then a pointer to an array of PRPC_SID */
	if (!ndr_pull_u32(in, &r->n) || r->n > LSA_MAX_LOOKUP_SIDS || !ndr_pull_ptr(in, &present))
		return false;
	if (present) {
		if (!ndr_pull_conformance(in, 4, &conf) || conf != r->n)
			return false;
		r->sids = r->n ? arena_alloc(in->a, r->n * sizeof(*r->sids)) : NULL;
		ptrs = r->n ? arena_alloc(in->a, r->n * sizeof(bool)) : NULL;
		if (r->n && (r->sids == NULL || ptrs == NULL))
			return false;
		for (uint32_t i = 0; i < r->n; i++)
			if (!ndr_pull_ptr(in, &ptrs[i]) || !ptrs[i])
				return false;   /* a NULL SID cannot be translated or skipped */
		for (uint32_t i = 0; i < r->n; i++)
			if (!ndr_pull_sid(in, &r->sids[i]))
				return false;
	} else if (r->n != 0) {
		return false;
	}
	if (!pull_translations(in, kind, kind == 'n' ? LSA_MAX_LOOKUP_SIDS : LSA_MAX_LOOKUP_NAMES) ||
	    !ndr_pull_u16(in, &r->level) || !ndr_pull_u32(in, &count))
		return false;
	if (kind == 'N')
		return ndr_pull_u32(in, &r->options) && ndr_pull_u32(in, &r->revision);
	return true;
}

static bool lsa_lookup_names_decode(struct ndr_pull *in, bool handle, char kind,
				    struct lsa_lookup_req *r)
{
	uint32_t count;

	memset(r, 0, sizeof(*r));
	if (handle && !ndr_pull_handle(in, r->handle))
		return false;
	if (!ndr_pull_u32(in, &r->n) || !pull_name_array(in, r->n, &r->names) ||
	    !pull_translations(in, kind, LSA_MAX_LOOKUP_NAMES) || !ndr_pull_u16(in, &r->level) ||
	    !ndr_pull_u32(in, &count))
		return false;
	if (kind == 'S' || kind == '3')
		return ndr_pull_u32(in, &r->options) && ndr_pull_u32(in, &r->revision);
	return true;
}

/* --- translation results --- */

struct ref_domains {
	size_t n;
	struct { struct sd_sid sid; const char *name; } *d;
};

/* Index of the domain in the list, adding it; -1 (0xFFFFFFFF) when there is no room. */
static uint32_t ref_domain_index(struct ref_domains *rd, const struct idmap_entry *e)
{
	for (size_t i = 0; i < rd->n; i++)
		if (sd_sid_equal(&rd->d[i].sid, &e->domain))
			return (uint32_t)i;
	rd->d[rd->n].sid = e->domain;
	rd->d[rd->n].name = e->domain_name;
	return (uint32_t)rd->n++;
}

/* [out] PLSAPR_REFERENCED_DOMAIN_LIST* ReferencedDomains (MS-LSAT 2.2.12) */
static void push_ref_domains(struct ndr_push *o, const struct ref_domains *rd)
{
	ndr_push_ptr(o, true);
	ndr_push_u32(o, (uint32_t)rd->n);
	ndr_push_ptr(o, rd->n > 0);
	ndr_push_u32(o, LSA_REF_DOMAIN_MAX_ENTRIES);
	if (rd->n == 0)
		return;
	ndr_push_u32(o, (uint32_t)rd->n);
	for (size_t i = 0; i < rd->n; i++) {
		ndr_push_ustr_hdr(o, rd->d[i].name, true);
		ndr_push_ptr(o, true);
	}
	for (size_t i = 0; i < rd->n; i++) {
		ndr_push_ustr_body(o, rd->d[i].name, true);
		ndr_push_sid(o, &rd->d[i].sid);
	}
}

/* The answer of a failed lookup: empty domain list and array, count 0, the status. */
static void push_lookup_failure(struct ndr_push *o, NTSTATUS st)
{
	ndr_push_ptr(o, false);         /* *ReferencedDomains = NULL */
	ndr_push_u32(o, 0);
	ndr_push_ptr(o, false);
	ndr_push_u32(o, 0);             /* MappedCount */
	ndr_push_u32(o, st);
}

static NTSTATUS mapped_status(uint32_t mapped, uint32_t n)
{
	if (mapped == n)
		return STATUS_SUCCESS;
	return mapped == 0 ? STATUS_NONE_MAPPED : RPC_STATUS_SOME_NOT_MAPPED;
}

static void lookup_sids_reply(struct rpc_call *c, const struct lsa_lookup_req *r, bool ex)
{
	struct ndr_push *o = &c->out;
	struct idmap m;
	struct idmap_entry *e;
	uint32_t *idx, mapped = 0;
	struct ref_domains rd = { 0 };

	idmap_init(&m, c->ctx);
	e = r->n ? arena_alloc(c->a, r->n * sizeof(*e)) : NULL;
	idx = r->n ? arena_alloc(c->a, r->n * sizeof(*idx)) : NULL;
	rd.d = r->n ? arena_alloc(c->a, r->n * sizeof(*rd.d)) : NULL;
	if (r->n && (e == NULL || idx == NULL || rd.d == NULL)) {
		o->w.failed = true;
		return;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		if (idmap_sid_lookup(&m, c->a, &r->sids[i], &e[i])) {
			idx[i] = ref_domain_index(&rd, &e[i]);
			mapped++;
			continue;
		}
		/* an unknown SID comes back as its string form (as Windows and Samba do) */
		char *s = arena_alloc(c->a, NDR_SID_STRLEN);
		if (s == NULL) {
			o->w.failed = true;
			return;
		}
		ndr_sid_format(&r->sids[i], s, NDR_SID_STRLEN);
		e[i].type = SID_NAME_UNKNOWN;
		e[i].name = s;
		idx[i] = 0xFFFFFFFFu;
	}
	push_ref_domains(o, &rd);
	/* LSAPR_TRANSLATED_NAMES[_EX] */
	ndr_push_u32(o, r->n);
	ndr_push_ptr(o, r->n > 0);
	if (r->n > 0) {
		ndr_push_u32(o, r->n);
		for (uint32_t i = 0; i < r->n; i++) {
			ndr_push_u16(o, e[i].type);
			ndr_push_ustr_hdr(o, e[i].name, false);
			ndr_push_u32(o, idx[i]);
			if (ex)
				ndr_push_u32(o, 0);     /* Flags */
		}
		for (uint32_t i = 0; i < r->n; i++)
			ndr_push_ustr_body(o, e[i].name, false);
	}
	ndr_push_u32(o, mapped);
	ndr_push_u32(o, mapped_status(mapped, r->n));
}

static void lookup_names_reply(struct rpc_call *c, const struct lsa_lookup_req *r, char kind)
{
	struct ndr_push *o = &c->out;
	struct idmap m;
	struct idmap_entry *e;
	uint32_t *idx, mapped = 0;
	bool *found;
	struct ref_domains rd = { 0 };

	idmap_init(&m, c->ctx);
	e = r->n ? arena_alloc(c->a, r->n * sizeof(*e)) : NULL;
	idx = r->n ? arena_alloc(c->a, r->n * sizeof(*idx)) : NULL;
	found = r->n ? arena_alloc(c->a, r->n * sizeof(*found)) : NULL;
	rd.d = r->n ? arena_alloc(c->a, r->n * sizeof(*rd.d)) : NULL;
	if (r->n && (e == NULL || idx == NULL || found == NULL || rd.d == NULL)) {
		o->w.failed = true;
		return;
	}
	for (uint32_t i = 0; i < r->n; i++) {
		found[i] = idmap_name_lookup(&m, c->a, r->names[i], &e[i]);
		if (found[i]) {
			idx[i] = ref_domain_index(&rd, &e[i]);
			mapped++;
		} else {
			e[i].type = SID_NAME_UNKNOWN;
			idx[i] = 0xFFFFFFFFu;
		}
	}
	push_ref_domains(o, &rd);
	/* LSAPR_TRANSLATED_SIDS, _EX (+Flags) or _EX2 (full SID pointer + Flags) */
	ndr_push_u32(o, r->n);
	ndr_push_ptr(o, r->n > 0);
	if (r->n > 0) {
		ndr_push_u32(o, r->n);
		for (uint32_t i = 0; i < r->n; i++) {
			ndr_push_u16(o, e[i].type);
			if (kind == '3')
				ndr_push_ptr(o, found[i]);
			else
				ndr_push_u32(o, found[i] ? e[i].rid : 0);
			ndr_push_u32(o, idx[i]);
			if (kind != 's')
				ndr_push_u32(o, 0);     /* Flags */
		}
		if (kind == '3')
			for (uint32_t i = 0; i < r->n; i++)
				if (found[i])
					ndr_push_sid(o, &e[i].sid);
	}
	ndr_push_u32(o, mapped);
	ndr_push_u32(o, mapped_status(mapped, r->n));
}

/* --- handlers --- */

/* MS-LSAD 3.1.4.4.1: grant what is asked within what the caller may have. */
static NTSTATUS open_access(const struct rpc_context *ctx, uint32_t want, uint32_t *granted)
{
	uint32_t allowed = ctx->caller.uid == 0 ? LSA_POLICY_ALL_ACCESS : LSA_POLICY_USER_ACCESS;
	uint32_t mapped = want & ~(MAXIMUM_ALLOWED | GENERIC_ALL | GENERIC_EXECUTE | GENERIC_WRITE |
				   GENERIC_READ);

	/* anonymous callers get no policy handle (Windows' default: no anonymous translation) */
	if (ctx->caller.anonymous)
		return STATUS_ACCESS_DENIED;
	if (want & GENERIC_ALL)
		mapped |= LSA_POLICY_ALL_ACCESS;
	if (want & GENERIC_EXECUTE)
		mapped |= LSA_POLICY_EXECUTE;
	if (want & GENERIC_WRITE)
		mapped |= LSA_POLICY_WRITE;
	if (want & GENERIC_READ)
		mapped |= LSA_POLICY_READ;
	if (mapped & ~allowed)
		return STATUS_ACCESS_DENIED;
	*granted = want & MAXIMUM_ALLOWED ? allowed : mapped;
	return STATUS_SUCCESS;
}

static void lsa_open_policy(struct rpc_call *c, bool v2)
{
	static const uint8_t zero[NDR_HANDLE_SIZE];
	struct lsa_open_req r;
	struct lsa_handle *h = NULL;
	uint32_t granted = 0;
	NTSTATUS st;

	if (!lsa_open_decode(&c->in, v2, &r)) {
		rpc_call_bad_stub(c);
		return;
	}
	st = open_access(c->ctx, r.access, &granted);
	if (st == STATUS_SUCCESS) {
		h = handle_new(c->state, granted);
		if (h == NULL)
			st = STATUS_INSUFFICIENT_RESOURCES;
	}
	ndr_push_handle(&c->out, h ? h->wire : zero);
	ndr_push_u32(&c->out, st);
}

/* An unknown handle is the RPC runtime's context mismatch fault, as on Windows. */
static struct lsa_handle *call_handle(struct rpc_call *c, const uint8_t wire[NDR_HANDLE_SIZE])
{
	struct lsa_handle *h = handle_find(c->state, wire);

	if (h == NULL)
		c->fault = NCA_S_FAULT_CONTEXT_MISMATCH;
	return h;
}

static void lsa_close(struct rpc_call *c)
{
	static const uint8_t zero[NDR_HANDLE_SIZE];
	uint8_t wire[NDR_HANDLE_SIZE];
	struct lsa_handle *h;

	if (!ndr_pull_handle(&c->in, wire)) {
		rpc_call_bad_stub(c);
		return;
	}
	h = call_handle(c, wire);
	if (h == NULL)
		return;
	memset(h, 0, sizeof(*h));
	ndr_push_handle(&c->out, zero);
	ndr_push_u32(&c->out, STATUS_SUCCESS);
}

/* MS-LSAD 3.1.4.4.3: primary domain (the workgroup; a standalone server has no domain SID),
 * account domain (the machine), DNS domain (the workgroup, no DNS names). */
static void lsa_query_info(struct rpc_call *c)
{
	const struct rpc_server_info *srv = c->ctx->server;
	struct ndr_push *o = &c->out;
	uint8_t wire[NDR_HANDLE_SIZE];
	struct lsa_handle *h;
	uint16_t level;
	struct idmap m;
	NTSTATUS st = STATUS_SUCCESS;
	const char *wg = srv->workgroup ? srv->workgroup : "";

	if (!ndr_pull_handle(&c->in, wire) || !ndr_pull_u16(&c->in, &level)) {
		rpc_call_bad_stub(c);
		return;
	}
	h = call_handle(c, wire);
	if (h == NULL)
		return;
	if (level != POLICY_PRIMARY_DOMAIN_INFORMATION && level != POLICY_ACCOUNT_DOMAIN_INFORMATION &&
	    level != POLICY_DNS_DOMAIN_INFORMATION)
		st = STATUS_INVALID_PARAMETER;
	else if (!(h->access & POLICY_VIEW_LOCAL_INFORMATION))
		st = STATUS_ACCESS_DENIED;
	if (st != STATUS_SUCCESS) {
		ndr_push_ptr(o, false);
		ndr_push_u32(o, st);
		return;
	}
	idmap_init(&m, c->ctx);
	ndr_push_ptr(o, true);
	ndr_push_u16(o, level);                         /* union discriminant */
	switch (level) {
	case POLICY_PRIMARY_DOMAIN_INFORMATION:
		ndr_push_ustr_hdr(o, wg, true);
		ndr_push_ptr(o, false);
		ndr_push_ustr_body(o, wg, true);
		break;
	case POLICY_ACCOUNT_DOMAIN_INFORMATION:
		ndr_push_ustr_hdr(o, m.machine_name, true);
		ndr_push_ptr(o, true);
		ndr_push_ustr_body(o, m.machine_name, true);
		ndr_push_sid(o, &m.machine);
		break;
	default: {                                      /* POLICY_DNS_DOMAIN_INFORMATION */
		static const uint8_t no_guid[16];
		ndr_push_ustr_hdr(o, wg, true);
		ndr_push_ustr_hdr(o, NULL, true);       /* DnsDomainName */
		ndr_push_ustr_hdr(o, NULL, true);       /* DnsForestName */
		ndr_push_align(o, 4);
		wr_bytes(&o->w, no_guid, sizeof(no_guid));
		ndr_push_ptr(o, false);                 /* Sid */
		ndr_push_ustr_body(o, wg, true);
		break;
	}
	}
	ndr_push_u32(o, STATUS_SUCCESS);
}

/* A lookup's policy handle must carry POLICY_LOOKUP_NAMES (MS-LSAT 3.1.4.8, 3.1.4.11). */
static bool lookup_handle_ok(struct rpc_call *c, const uint8_t wire[NDR_HANDLE_SIZE])
{
	struct lsa_handle *h = call_handle(c, wire);

	if (h == NULL)
		return false;
	if (!(h->access & POLICY_LOOKUP_NAMES)) {
		push_lookup_failure(&c->out, STATUS_ACCESS_DENIED);
		return false;
	}
	return true;
}

static void lsa_lookup_sids(struct rpc_call *c, uint16_t op)
{
	struct lsa_lookup_req r;
	bool ex = op != LSA_LOOKUP_SIDS;

	if (!lsa_lookup_sids_decode(&c->in, op != LSA_LOOKUP_SIDS3, ex ? 'N' : 'n', &r)) {
		rpc_call_bad_stub(c);
		return;
	}
	/* MS-LSAT 2.1: LsarLookupSids3 is for TCP/IP with a Netlogon secure channel only;
	 * Windows and Samba refuse it on a named pipe */
	if (op == LSA_LOOKUP_SIDS3) {
		c->fault = NCA_S_FAULT_ACCESS_DENIED;
		return;
	}
	if (!lookup_handle_ok(c, r.handle))
		return;
	lookup_sids_reply(c, &r, ex);
}

static void lsa_lookup_names(struct rpc_call *c, uint16_t op)
{
	struct lsa_lookup_req r;
	char kind = op == LSA_LOOKUP_NAMES ? 's' : op == LSA_LOOKUP_NAMES2 ? 'S' : '3';

	if (!lsa_lookup_names_decode(&c->in, op != LSA_LOOKUP_NAMES4, kind, &r)) {
		rpc_call_bad_stub(c);
		return;
	}
	if (op == LSA_LOOKUP_NAMES4) {                  /* as LsarLookupSids3 */
		c->fault = NCA_S_FAULT_ACCESS_DENIED;
		return;
	}
	if (!lookup_handle_ok(c, r.handle))
		return;
	lookup_names_reply(c, &r, kind);
}

static bool pull_opt_ustr_body(struct ndr_pull *in)
{
	struct ndr_ustr u;

	return ndr_pull_ustr_hdr(in, &u) && ndr_pull_ustr_body(in, &u);
}

/* An [in] PRPC_UNICODE_STRING behind a unique pointer: walked, ignored. */
static bool pull_opt_ustr(struct ndr_pull *in)
{
	struct ndr_ustr u;
	bool present;

	if (!ndr_pull_ptr(in, &present))
		return false;
	return !present || (ndr_pull_ustr_hdr(in, &u) && ndr_pull_ustr_body(in, &u));
}

/* MS-LSAT 3.1.4.4 LsarGetUserName: the caller's name and its domain (no policy handle). */
static void lsa_get_user_name(struct rpc_call *c)
{
	const struct rpc_caller *who = &c->ctx->caller;
	struct ndr_push *o = &c->out;
	bool server, authority, inner = false;
	const char *user, *domain;
	char *s;
	struct idmap m;

	if (!ndr_pull_ptr(&c->in, &server) || (server && !ndr_pull_string(&c->in, &s)) ||
	    !pull_opt_ustr(&c->in) || !ndr_pull_ptr(&c->in, &authority) ||
	    (authority && (!ndr_pull_ptr(&c->in, &inner) ||
			   (inner && !pull_opt_ustr_body(&c->in))))) {
		rpc_call_bad_stub(c);
		return;
	}
	idmap_init(&m, c->ctx);
	user = who->anonymous || who->user == NULL ? "ANONYMOUS LOGON" : who->user;
	domain = who->anonymous || who->user == NULL ? "NT AUTHORITY" : m.machine_name;
	ndr_push_ptr(o, true);
	ndr_push_ustr_hdr(o, user, false);
	ndr_push_ustr_body(o, user, false);
	ndr_push_ptr(o, authority);
	if (authority) {
		ndr_push_ptr(o, true);
		ndr_push_ustr_hdr(o, domain, false);
		ndr_push_ustr_body(o, domain, false);
	}
	ndr_push_u32(o, STATUS_SUCCESS);
}

static void lsarpc_dispatch(struct rpc_call *c)
{
	switch (c->opnum) {
	case LSA_CLOSE:
		lsa_close(c);
		break;
	case LSA_OPEN_POLICY:
		lsa_open_policy(c, false);
		break;
	case LSA_OPEN_POLICY2:
		lsa_open_policy(c, true);
		break;
	case LSA_GET_USER_NAME:
		lsa_get_user_name(c);
		break;
	case LSA_QUERY_INFO_POLICY:
	case LSA_QUERY_INFO_POLICY2:
		lsa_query_info(c);
		break;
	case LSA_LOOKUP_SIDS:
	case LSA_LOOKUP_SIDS2:
	case LSA_LOOKUP_SIDS3:
		lsa_lookup_sids(c, c->opnum);
		break;
	case LSA_LOOKUP_NAMES:
	case LSA_LOOKUP_NAMES2:
	case LSA_LOOKUP_NAMES3:
	case LSA_LOOKUP_NAMES4:
		lsa_lookup_names(c, c->opnum);
		break;
	default:
		rpc_call_no_op(c);
		break;
	}
}

const struct rpc_iface rpc_lsarpc_iface = {
	.name = "lsarpc",
	.sec_addr = "\\PIPE\\lsass",
	/* 12345778-1234-abcd-ef00-0123456789ab v0.0 */
	.syntax = { { 0x78, 0x57, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab,
		      0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab }, 0, 0 },
	.state_new = lsa_state_new,
	.state_free = lsa_state_free,
	.dispatch = lsarpc_dispatch,
};
