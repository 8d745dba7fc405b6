/* SPDX-License-Identifier: Apache-2.0 */
/* wkssvc (MS-WKST): NetrWkstaGetInfo level 100, what "net view" and Explorer ask a server. */
#include "rpc/rpc_internal.h"

#define WKSSVC_NETR_WKSTA_GET_INFO 0
#define PLATFORM_ID_NT 500

/* The levels WKSTA_INFO (MS-WKST 2.2.4.1) has an arm for; every arm is a pointer. */
static bool wksta_level_known(uint32_t level)
{
	static const uint16_t levels[] = {
		100, 101, 102, 502, 1010, 1011, 1012, 1013, 1018, 1023, 1027, 1028, 1032, 1033,
	};

	if (level >= 1041 && level <= 1062)
		return true;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i] == level)
			return true;
	return false;
}

struct wkssvc_get_info_req {
	char *server_name;      /* NULL when absent; ignored, as MS-WKST allows */
	uint32_t level;
};

static bool wkssvc_get_info_decode(struct ndr_pull *in, struct wkssvc_get_info_req *r)
{
	bool present;

	r->server_name = NULL;
	if (!ndr_pull_ptr(in, &present) || (present && !ndr_pull_string(in, &r->server_name)))
		return false;
	return ndr_pull_u32(in, &r->level);
}

/* MS-WKST 3.2.4.1 */
static void wkssvc_get_info(struct rpc_call *c)
{
	const struct rpc_server_info *srv = c->ctx->server;
	struct wkssvc_get_info_req r;
	struct ndr_push *o = &c->out;

	if (!wkssvc_get_info_decode(&c->in, &r)) {
		rpc_call_bad_stub(c);
		return;
	}
	ndr_push_u32(o, r.level);               /* union discriminant */
	if (r.level != 100) {
		if (wksta_level_known(r.level))
			ndr_push_ptr(o, false);
		ndr_push_u32(o, WERR_INVALID_LEVEL);
		return;
	}
	ndr_push_ptr(o, true);
	ndr_push_u32(o, PLATFORM_ID_NT);
	ndr_push_ptr(o, true);
	ndr_push_ptr(o, true);
	ndr_push_u32(o, srv->version_major || srv->version_minor ? srv->version_major : 6);
	ndr_push_u32(o, srv->version_major || srv->version_minor ? srv->version_minor : 1);
	ndr_push_string(o, srv->netbios_name ? srv->netbios_name : "");
	ndr_push_string(o, srv->workgroup ? srv->workgroup : "");
	ndr_push_u32(o, WERR_OK);
}

static void wkssvc_dispatch(struct rpc_call *c)
{
	switch (c->opnum) {
	case WKSSVC_NETR_WKSTA_GET_INFO:
		wkssvc_get_info(c);
		break;
	default:
		rpc_call_no_op(c);
		break;
	}
}

const struct rpc_iface rpc_wkssvc_iface = {
	.name = "wkssvc",
	.sec_addr = "\\PIPE\\wkssvc",
	/* 6bffd098-a112-3610-9833-46c3f87e345a v1.0 */
	.syntax = { { 0x98, 0xd0, 0xff, 0x6b, 0x12, 0xa1, 0x10, 0x36,
		      0x98, 0x33, 0x46, 0xc3, 0xf8, 0x7e, 0x34, 0x5a }, 1, 0 },
	.dispatch = wkssvc_dispatch,
};
