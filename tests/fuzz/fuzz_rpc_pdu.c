// layer: rpc
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz a named pipe's DCE/RPC machinery: byte 0 picks the pipe (srvsvc, wkssvc, lsarpc), byte 1
 * the size of each write (0: all at once), the rest is what the client writes: PDU framing,
 * bind / alter_context, reassembly, faults and the services behind them. Everything the pipe
 * answers must be whole, well-formed PDUs within the negotiated size, read as messages.
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

/* Read every queued message in pieces of `piece` bytes and check it. */
static void drain(struct rpc_pipe *p, size_t piece)
{
	static uint8_t buf[70000];

	while (rpc_pipe_pending(p) > 0) {
		size_t left = rpc_pipe_message_left(p), got = 0, n;
		bool more = true;

		if (left < 16 || left > sizeof(buf))
			abort();
		while (more) {
			size_t want = piece && piece < left - got ? piece : left - got;
			if (rpc_pipe_read(p, buf + got, want, &n, &more) != STATUS_SUCCESS || n != want)
				abort();
			got += n;
			if (more != (got < left))
				abort();
		}
		if (buf[0] != 5 || le16(buf + 8) != left)
			abort();
		/* responses and faults fit the fragment size (bind answers may be longer) */
		if ((buf[2] == RPC_PTYPE_RESPONSE || buf[2] == RPC_PTYPE_FAULT) && left > 4280)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "srvsvc", "\\PIPE\\wkssvc", "lsarpc" };
	struct rpc_context ctx = {
		.server = &server, .shares = shares, .nshares = sizeof(shares) / sizeof(shares[0]),
		.caller = { .user = "fuzz", .uid = 1000, .gid = 1000 },
		.machine_sid = "S-1-5-21-1-2-3",
	};
	struct rpc_pipe *p;
	size_t chunk;

	if (size < 2)
		return 0;
	ctx.caller.anonymous = data[0] & 0x80;
	p = rpc_pipe_open(names[(data[0] & 0x7F) % 3], &ctx);
	if (p == NULL)
		return 0;
	chunk = data[1];
	data += 2;
	size -= 2;
	while (size > 0) {
		size_t n = chunk && chunk < size ? chunk : size;
		/* an exactly sized copy, so reading past a write is caught */
		uint8_t *copy = malloc(n);
		NTSTATUS st;

		if (copy == NULL)
			break;
		memcpy(copy, data, n);
		st = rpc_pipe_write(p, copy, n);
		free(copy);
		if (st != STATUS_SUCCESS && st != STATUS_INVALID_PARAMETER &&
		    st != STATUS_PIPE_DISCONNECTED && st != STATUS_INSUFFICIENT_RESOURCES)
			abort();
		drain(p, chunk);
		data += n;
		size -= n;
	}
	rpc_pipe_close(p);
	return 0;
}
