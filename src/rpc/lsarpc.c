/* SPDX-License-Identifier: Apache-2.0 */
/* lsarpc (MS-LSAD, MS-LSAT): policy handles, policy information, name <-> SID translation. */
#include "rpc/rpc_internal.h"

static void lsarpc_dispatch(struct rpc_call *c)
{
	rpc_call_no_op(c);
}

const struct rpc_iface rpc_lsarpc_iface = {
	.name = "lsarpc",
	.sec_addr = "\\PIPE\\lsass",
	/* 12345778-1234-abcd-ef00-0123456789ab v0.0 */
	.syntax = { { 0x78, 0x57, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab,
		      0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab }, 0, 0 },
	.dispatch = lsarpc_dispatch,
};
