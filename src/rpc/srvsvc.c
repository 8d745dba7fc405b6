/* SPDX-License-Identifier: Apache-2.0 */
/* srvsvc (MS-SRVS): share enumeration and information, server information. */
#include "rpc/rpc_internal.h"

static void srvsvc_dispatch(struct rpc_call *c)
{
	rpc_call_no_op(c);
}

const struct rpc_iface rpc_srvsvc_iface = {
	.name = "srvsvc",
	.sec_addr = "\\PIPE\\srvsvc",
	/* 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 */
	.syntax = { { 0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01,
		      0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88 }, 3, 0 },
	.dispatch = srvsvc_dispatch,
};
