// layer: rpc
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz each service's request decoders and handlers directly: byte 0 picks the service (srvsvc,
 * wkssvc, lsarpc; bit 7 makes the caller anonymous), bytes 1-2 the opnum, the rest is the
 * request stub. lsarpc calls that take a policy handle get a valid one written over their first
 * 20 bytes, so the fuzzer reaches the lookups behind the handle check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rpc_server_info server = {
	.netbios_name = "SKIFF", .workgroup = "WORKGROUP", .comment = "Skiff fuzz",
};

static const struct rpc_share_info shares[] = {
	{ .name = "share", .comment = "a share", .path = "/srv/share", .browseable = true },
	{ .name = "hidden$", .path = "/srv/h", .browseable = false },
	{ .name = "denied", .path = "/srv/d", .browseable = true, .caller_denied = true },
	{ .name = "IPC$", .type = RPC_STYPE_IPC, .browseable = true },
};

static bool takes_handle(uint16_t op)
{
	return op == 0 || op == 7 || op == 14 || op == 15 || op == 46 || op == 57 || op == 58 ||
	       op == 68;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rpc_iface *const ifaces[] = {
		&rpc_srvsvc_iface, &rpc_wkssvc_iface, &rpc_lsarpc_iface,
	};
	struct rpc_context ctx = {
		.server = &server, .shares = shares, .nshares = sizeof(shares) / sizeof(shares[0]),
		.caller = { .user = "fuzz", .uid = 1000, .gid = 1000 },
		.machine_sid = "S-1-5-21-1-2-3",
	};
	const struct rpc_iface *iface;
	uint8_t *stub, *out;
	size_t out_len;
	uint16_t op;
	uint32_t fault;
	void *state = NULL;

	uint8_t sel;

	if (size < 3)
		return 0;
	sel = data[0];
	iface = ifaces[(sel & 0x7F) % 3];
	op = le16(data + 1);
	data += 3;
	size -= 3;
	stub = malloc(size ? size : 1);
	if (stub == NULL)
		return 0;
	if (size)
		memcpy(stub, data, size);
	if (iface == &rpc_lsarpc_iface) {
		/* OpenPolicy2(NULL, attributes, MAXIMUM_ALLOWED) for a handle */
		static const uint8_t open[] = {
			0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 2,
		};
		state = iface->state_new();
		if (state == NULL) {
			free(stub);
			return 0;
		}
		rpc_call_run(iface, &ctx, state, 44, open, sizeof(open), &out, &out_len, &fault);
		if (fault != 0 || out_len != 24)
			abort();
		if (takes_handle(op) && size >= 20)
			memcpy(stub, out, 20);
		free(out);
	}
	ctx.caller.anonymous = sel & 0x80;
	rpc_call_run(iface, &ctx, state, op, stub, size, &out, &out_len, &fault);
	if ((fault == 0) != (out != NULL))
		abort();
	free(out);
	if (state != NULL)
		iface->state_free(state);
	free(stub);
	return 0;
}
