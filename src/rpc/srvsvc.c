/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srvsvc (MS-SRVS): NetrShareEnum (opnum 15, Samba's NetShareEnumAll) and NetrShareEnumSticky
 * (36), NetrShareGetInfo (16), NetrServerGetInfo (21). Who sees what is in docs/RPC.md.
 */
#include "rpc/rpc_internal.h"

#include <string.h>

#include "core/utf16.h"

#define SRVSVC_NETR_SHARE_ENUM        15
#define SRVSVC_NETR_SHARE_GET_INFO    16
#define SRVSVC_NETR_SERVER_GET_INFO   21
#define SRVSVC_NETR_SHARE_ENUM_STICKY 36

#define PLATFORM_ID_NT 500
#define MAX_PREFERRED_LENGTH 0xFFFFFFFFu
#define SHARE_1005_ENCRYPT_DATA 0x00008000u

/* SV_TYPE_* (MS-SRVS 2.2.2.7): what Samba announces, minus the print and DFS bits. */
#define SV_TYPE_WORKSTATION   0x00000001u
#define SV_TYPE_SERVER        0x00000002u
#define SV_TYPE_SERVER_UNIX   0x00000800u
#define SV_TYPE_NT            0x00001000u
#define SV_TYPE_SERVER_NT     0x00008000u
#define SKIFF_SV_TYPE (SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_SERVER_UNIX | SV_TYPE_NT | \
		       SV_TYPE_SERVER_NT)

/*
 * The share-info levels: the SHARE_INFO union arms (MS-SRVS 2.2.3.6), each a pointer, and the
 * layout of one element as the decoder walks it: 'p' a string pointer, 'u' a DWORD, 's' a
 * security descriptor buffer (size, pointer to bytes).
 */
static const struct {
	uint32_t level;
	const char *fields;
} share_levels[] = {
	{ 0, "p" }, { 1, "pup" }, { 2, "pupuuupp" }, { 501, "pupu" }, { 502, "pupuuupps" },
	{ 1004, "p" }, { 1005, "u" }, { 1006, "u" }, { 1007, "up" }, { 1501, "s" },
};

static const char *share_level_fields(uint32_t level)
{
	for (size_t i = 0; i < sizeof(share_levels) / sizeof(share_levels[0]); i++)
		if (share_levels[i].level == level)
			return share_levels[i].fields;
	return NULL;
}

/* SERVER_INFO arms (MS-SRVS 2.2.3.7), for the union we answer with an error. */
static bool server_level_known(uint32_t level)
{
	static const uint16_t levels[] = {
		100, 101, 102, 402, 403, 502, 503, 599, 1005, 1010, 1016, 1017, 1018, 1107,
	};

	if (level >= 1501 && level <= 1556)
		return true;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i] == level)
			return true;
	return false;
}

/* [in, string, unique] SRVSVC_HANDLE ServerName: parsed, then ignored as MS-SRVS allows. */
static bool pull_server_name(struct ndr_pull *in)
{
	bool present;
	char *s;

	return ndr_pull_ptr(in, &present) && (!present || ndr_pull_string(in, &s));
}

/* The elements of a share-info container a client sends in NetrShareEnum's InfoStruct. Servers
 * ignore them, but they sit before PreferedMaximumLength, so they are walked, bounds-checked. */
static bool pull_share_array(struct ndr_pull *in, const char *fields, uint32_t count)
{
	size_t nf = strlen(fields), elem = 0;
	uint32_t conf;
	bool *present;

	for (size_t f = 0; f < nf; f++)
		elem += fields[f] == 's' ? 8 : 4;
	if (!ndr_pull_conformance(in, elem, &conf) || conf != count)
		return false;
	present = count ? arena_alloc(in->a, (size_t)count * nf * sizeof(bool)) : NULL;
	if (count && present == NULL)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		for (size_t f = 0; f < nf; f++) {
			uint32_t v;
			if (fields[f] == 's' && !ndr_pull_u32(in, &v))
				return false;
			if (fields[f] == 'u') {
				if (!ndr_pull_u32(in, &v))
					return false;
				present[i * nf + f] = false;
			} else if (!ndr_pull_ptr(in, &present[i * nf + f])) {
				return false;
			}
		}
	}
	for (uint32_t i = 0; i < count; i++) {
		for (size_t f = 0; f < nf; f++) {
			uint32_t n;
			const uint8_t *b;
			char *s;

			if (!present[i * nf + f])
				continue;
			if (fields[f] == 'p' && !ndr_pull_string(in, &s))
				return false;
			if (fields[f] == 's' && (!ndr_pull_conformance(in, 1, &n) ||
						 !rd_bytes(&in->r, n, &b)))
				return false;
		}
	}
	return true;
}

struct srvsvc_enum_req {
	uint32_t level;
	uint32_t max_buffer;
	bool has_resume;
	uint32_t resume;
};

static bool srvsvc_enum_decode(struct ndr_pull *in, struct srvsvc_enum_req *r)
{
	uint32_t sw, count;
	bool ctr, array;
	const char *fields;

	memset(r, 0, sizeof(*r));
	if (!pull_server_name(in) || !ndr_pull_u32(in, &r->level) || !ndr_pull_u32(in, &sw) ||
	    sw != r->level || !ndr_pull_ptr(in, &ctr))
		return false;
	fields = share_level_fields(r->level);
	if (ctr) {
		/* an arm we do not know cannot be walked */
		if (fields == NULL || !ndr_pull_u32(in, &count) || !ndr_pull_ptr(in, &array))
			return false;
		if (array && !pull_share_array(in, fields, count))
			return false;
	}
	if (!ndr_pull_u32(in, &r->max_buffer) || !ndr_pull_ptr(in, &r->has_resume))
		return false;
	return !r->has_resume || ndr_pull_u32(in, &r->resume);
}

struct srvsvc_get_info_req {
	char *share;
	uint32_t level;
};

static bool srvsvc_get_info_decode(struct ndr_pull *in, struct srvsvc_get_info_req *r)
{
	/* ShareName is [in, string] WCHAR*: a ref pointer, so its array follows with no id */
	return pull_server_name(in) && ndr_pull_string(in, &r->share) && ndr_pull_u32(in, &r->level);
}

static bool srvsvc_server_info_decode(struct ndr_pull *in, uint32_t *level)
{
	return pull_server_name(in) && ndr_pull_u32(in, level);
}

/* What a share looks like on the wire. */
struct share_view {
	const char *name, *comment, *path;
	uint32_t type, max_users, current_users, flags_1005;
};

static bool ends_with_dollar(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && s[n - 1] == '$';
}

/* "/srv/a b" -> "C:\srv\a b", as Samba shows Unix paths to Windows clients. */
static const char *windows_path(struct arena *a, const char *path)
{
	size_t n;
	char *w;

	if (path == NULL)
		return "";
	while (path[0] == '/' && path[1] == '/')
		path++;
	n = strlen(path);
	w = arena_alloc(a, n + 3);
	if (w == NULL)
		return NULL;
	w[0] = 'C';
	w[1] = ':';
	for (size_t i = 0; i < n; i++)
		w[2 + i] = path[i] == '/' ? '\\' : path[i];
	if (n == 0)
		w[2] = '\\';
	return w;
}

static bool share_view(struct rpc_call *c, const struct rpc_share_info *s, struct share_view *v)
{
	const char *name = s->name ? s->name : "";
	const char *comment = s->comment ? s->comment : "";

	v->name = name;
	v->type = s->type | (ends_with_dollar(name) ? RPC_STYPE_HIDDEN : 0);
	if ((s->type & 0xFFFF) == RPC_STYPE_IPC && comment[0] == '\0') {
		const char *srv = c->ctx->server->comment ? c->ctx->server->comment : "";
		size_t n = strlen("IPC Service ()") + strlen(srv) + 1;
		char *buf = arena_alloc(c->a, n);
		if (buf == NULL)
			return false;
		memcpy(buf, "IPC Service (", 13);
		memcpy(buf + 13, srv, strlen(srv));
		memcpy(buf + 13 + strlen(srv), ")", 2);
		comment = buf;
	}
	v->comment = comment;
	v->path = windows_path(c->a, s->path);
	v->max_users = s->max_users ? s->max_users : 0xFFFFFFFFu;
	v->current_users = s->current_users;
	v->flags_1005 = s->encrypt ? SHARE_1005_ENCRYPT_DATA : 0;
	return v->path != NULL;
}

/* Levels with paths (2, 502) are for administrators only (`server admins`); anyone else gets
 * ERROR_ACCESS_DENIED, as on Windows, where NetShareEnum/NetShareGetInfo at levels 2 and 502
 * need Administrators, Server Operators or Power Users for a network logon (lmshare.h
 * NetShareGetInfo remarks). Levels 0, 1 and 501 are for everyone. */
static bool level_allowed(const struct rpc_call *c, uint32_t level)
{
	const struct rpc_caller *who = &c->ctx->caller;

	return !(level == 2 || level == 502) || (who->admin && !who->anonymous);
}

static bool share_level_supported(uint32_t level, bool get_info)
{
	return level == 0 || level == 1 || level == 2 || level == 501 || level == 502 ||
	       (get_info && level == 1005);
}

/* Fixed part of one SHARE_INFO_x element. */
static void push_share_fixed(struct ndr_push *o, uint32_t level, const struct share_view *v)
{
	if (level == 1005) {
		ndr_push_u32(o, v->flags_1005);
		return;
	}
	ndr_push_ptr(o, true);                          /* netname */
	if (level == 0)
		return;
	ndr_push_u32(o, v->type);
	ndr_push_ptr(o, true);                          /* remark */
	if (level == 1)
		return;
	if (level == 501) {
		ndr_push_u32(o, 0);                     /* csc_flags: manual caching */
		return;
	}
	ndr_push_u32(o, 0);                             /* permissions */
	ndr_push_u32(o, v->max_users);
	ndr_push_u32(o, v->current_users);
	ndr_push_ptr(o, true);                          /* path */
	ndr_push_ptr(o, true);                          /* passwd: "" as Samba */
	if (level == 502) {
		ndr_push_u32(o, 0);                     /* no security descriptor */
		ndr_push_ptr(o, false);
	}
}

/* The strings a SHARE_INFO_x element points to, in field order. */
static void push_share_deferred(struct ndr_push *o, uint32_t level, const struct share_view *v)
{
	if (level == 1005)
		return;
	ndr_push_string(o, v->name);
	if (level == 0)
		return;
	ndr_push_string(o, v->comment);
	if (level == 1 || level == 501)
		return;
	ndr_push_string(o, v->path);
	ndr_push_string(o, "");
}

/* What Windows counts against PreferedMaximumLength: the structure and its strings. */
static size_t share_entry_size(uint32_t level, const struct share_view *v)
{
	size_t fixed = level == 0 ? 4 : level == 1 ? 12 : level == 501 ? 16 : level == 2 ? 32 : 40;
	size_t n = utf8_utf16le_len(v->name) + 2;

	if (level != 0)
		n += utf8_utf16le_len(v->comment) + 2;
	if (level == 2 || level == 502)
		n += utf8_utf16le_len(v->path) + 2 + 2;
	return fixed + n;
}

static bool share_listed(const struct rpc_share_info *s)
{
	return s->browseable && !s->caller_denied;
}

/* MS-SRVS 3.1.4.8 NetrShareEnum; 3.1.4.9 NetrShareEnumSticky answers the same list (every
 * configured share persists), without level 501. */
static void srvsvc_share_enum(struct rpc_call *c, bool sticky)
{
	const struct rpc_context *ctx = c->ctx;
	struct ndr_push *o = &c->out;
	struct srvsvc_enum_req r;
	struct share_view *views;
	size_t total = 0, first, n = 0, used = 0;
	uint32_t werr = WERR_OK;

	if (!srvsvc_enum_decode(&c->in, &r)) {
		rpc_call_bad_stub(c);
		return;
	}
	ndr_push_u32(o, r.level);
	ndr_push_u32(o, r.level);                       /* union discriminant */
	if (!share_level_supported(r.level, false) || (sticky && r.level == 501) ||
	    !level_allowed(c, r.level)) {
		if (share_level_fields(r.level) != NULL)
			ndr_push_ptr(o, false);
		ndr_push_u32(o, 0);                     /* TotalEntries */
		ndr_push_ptr(o, r.has_resume);
		if (r.has_resume)
			ndr_push_u32(o, r.resume);
		ndr_push_u32(o, level_allowed(c, r.level) ? WERR_INVALID_LEVEL : WERR_ACCESS_DENIED);
		return;
	}
	views = ctx->nshares ? arena_alloc(c->a, ctx->nshares * sizeof(*views)) : NULL;
	if (ctx->nshares && views == NULL) {
		o->w.failed = true;
		return;
	}
	for (size_t i = 0; i < ctx->nshares; i++) {
		if (!share_listed(&ctx->shares[i]))
			continue;
		if (!share_view(c, &ctx->shares[i], &views[total])) {
			o->w.failed = true;
			return;
		}
		total++;
	}
	first = r.has_resume && r.resume < total ? r.resume : 0;
	if (r.has_resume && r.resume >= total)
		first = total;
	/* whole entries only, at least one (network management function buffer rules) */
	while (first + n < total) {
		size_t sz = share_entry_size(r.level, &views[first + n]);
		if (r.max_buffer != MAX_PREFERRED_LENGTH && n > 0 && used + sz > r.max_buffer)
			break;
		used += sz;
		n++;
	}
	if (first + n < total)
		werr = WERR_MORE_DATA;

	ndr_push_ptr(o, true);                          /* the container */
	ndr_push_u32(o, (uint32_t)n);
	ndr_push_ptr(o, n > 0);
	if (n > 0) {
		ndr_push_u32(o, (uint32_t)n);           /* conformance */
		for (size_t i = 0; i < n; i++)
			push_share_fixed(o, r.level, &views[first + i]);
		for (size_t i = 0; i < n; i++)
			push_share_deferred(o, r.level, &views[first + i]);
	}
	ndr_push_u32(o, (uint32_t)total);
	ndr_push_ptr(o, r.has_resume);
	if (r.has_resume)
		ndr_push_u32(o, werr == WERR_MORE_DATA ? (uint32_t)(first + n) : 0);
	ndr_push_u32(o, werr);
}

/* MS-SRVS 3.1.4.10: hidden shares answer too; shares the caller may not use do not. */
static void srvsvc_share_get_info(struct rpc_call *c)
{
	const struct rpc_context *ctx = c->ctx;
	struct ndr_push *o = &c->out;
	struct srvsvc_get_info_req r;
	const struct rpc_share_info *s = NULL;
	struct share_view v;
	uint32_t werr = WERR_OK;

	if (!srvsvc_get_info_decode(&c->in, &r)) {
		rpc_call_bad_stub(c);
		return;
	}
	for (size_t i = 0; i < ctx->nshares && s == NULL; i++)
		if (ctx->shares[i].name != NULL && utf8_casecmp(ctx->shares[i].name, r.share) == 0)
			s = &ctx->shares[i];
	if (!share_level_supported(r.level, true))
		werr = WERR_INVALID_LEVEL;
	else if (s == NULL)
		werr = WERR_NERR_NETNAMENOTFOUND;
	else if (s->caller_denied || !level_allowed(c, r.level))
		werr = WERR_ACCESS_DENIED;
	ndr_push_u32(o, r.level);                       /* union discriminant */
	if (werr != WERR_OK) {
		if (share_level_fields(r.level) != NULL)
			ndr_push_ptr(o, false);
		ndr_push_u32(o, werr);
		return;
	}
	if (!share_view(c, s, &v)) {
		o->w.failed = true;
		return;
	}
	ndr_push_ptr(o, true);
	push_share_fixed(o, r.level, &v);
	push_share_deferred(o, r.level, &v);
	ndr_push_u32(o, WERR_OK);
}

/* MS-SRVS 3.1.4.17 NetrServerGetInfo: levels 100, 101 for anyone, 102 for signed-in users. */
static void srvsvc_server_get_info(struct rpc_call *c)
{
	const struct rpc_server_info *srv = c->ctx->server;
	struct ndr_push *o = &c->out;
	uint32_t level, werr = WERR_OK;
	bool v_default = srv->version_major == 0 && srv->version_minor == 0;

	if (!srvsvc_server_info_decode(&c->in, &level)) {
		rpc_call_bad_stub(c);
		return;
	}
	if (level != 100 && level != 101 && level != 102)
		werr = WERR_INVALID_LEVEL;
	else if (level == 102 && c->ctx->caller.anonymous)
		werr = WERR_ACCESS_DENIED;
	ndr_push_u32(o, level);
	if (werr != WERR_OK) {
		if (server_level_known(level))
			ndr_push_ptr(o, false);
		ndr_push_u32(o, werr);
		return;
	}
	ndr_push_ptr(o, true);
	ndr_push_u32(o, PLATFORM_ID_NT);
	ndr_push_ptr(o, true);                          /* name */
	if (level >= 101) {
		ndr_push_u32(o, v_default ? 6 : srv->version_major);
		ndr_push_u32(o, v_default ? 1 : srv->version_minor);
		ndr_push_u32(o, SKIFF_SV_TYPE);
		ndr_push_ptr(o, true);                  /* comment */
	}
	if (level == 102) {
		ndr_push_u32(o, 0xFFFFFFFFu);           /* users: no limit */
		ndr_push_u32(o, 15);                    /* disc: auto-disconnect minutes */
		ndr_push_u32(o, 0);                     /* hidden: no */
		ndr_push_u32(o, 240);                   /* announce (s) */
		ndr_push_u32(o, 3000);                  /* anndelta (ms) */
		ndr_push_u32(o, 100000);                /* licenses */
		ndr_push_ptr(o, true);                  /* userpath */
	}
	ndr_push_string(o, srv->netbios_name ? srv->netbios_name : "");
	if (level >= 101)
		ndr_push_string(o, srv->comment ? srv->comment : "");
	if (level == 102)
		ndr_push_string(o, "C:\\");
	ndr_push_u32(o, WERR_OK);
}

static void srvsvc_dispatch(struct rpc_call *c)
{
	switch (c->opnum) {
	case SRVSVC_NETR_SHARE_ENUM:
		srvsvc_share_enum(c, false);
		break;
	case SRVSVC_NETR_SHARE_ENUM_STICKY:
		srvsvc_share_enum(c, true);
		break;
	case SRVSVC_NETR_SHARE_GET_INFO:
		srvsvc_share_get_info(c);
		break;
	case SRVSVC_NETR_SERVER_GET_INFO:
		srvsvc_server_get_info(c);
		break;
	default:
		rpc_call_no_op(c);
		break;
	}
}

const struct rpc_iface rpc_srvsvc_iface = {
	.name = "srvsvc",
	.sec_addr = "\\PIPE\\srvsvc",
	/* 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 */
	.syntax = { { 0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01,
		      0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88 }, 3, 0 },
	.dispatch = srvsvc_dispatch,
};
