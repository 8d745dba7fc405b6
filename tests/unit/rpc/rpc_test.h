/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the rpc unit tests: hex helpers, a server context like the reference Samba's, and
 * driving a pipe (write a PDU, read one message). */
#ifndef SKIFF_RPC_TEST_H
#define SKIFF_RPC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpc/rpc_internal.h"

/* Decode a hex string (whitespace ignored) into a malloc'ed buffer. */
static inline uint8_t *hex(const char *s, size_t *len)
{
	uint8_t *b = malloc(strlen(s) / 2 + 1);
	size_t n = 0;
	int hi = -1;

	assert_non_null(b);
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			b[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	*len = n;
	return b;
}

static const struct rpc_server_info test_server = {
	.netbios_name = "SMBREF",
	.workgroup = "WORKGROUP",
	.comment = "Samba 4.17.12-Debian",
	.version_major = 6,
	.version_minor = 1,
};

static const struct rpc_share_info test_shares[] = {
	{ .name = "share", .comment = "main reference share", .path = "/tmp/ref-rpc/share",
	  .type = RPC_STYPE_DISKTREE, .browseable = true, .current_users = 1 },
	{ .name = "hidden", .comment = "not listed", .path = "/srv/hidden",
	  .type = RPC_STYPE_DISKTREE, .browseable = false },
	{ .name = "secret", .comment = "no access", .path = "/srv/secret",
	  .type = RPC_STYPE_DISKTREE, .browseable = true, .caller_denied = true },
	{ .name = "IPC$", .path = "/tmp", .type = RPC_STYPE_IPC, .browseable = true },
	{ .name = "enc", .comment = "", .path = "/", .type = RPC_STYPE_DISKTREE,
	  .browseable = true, .encrypt = true, .max_users = 10 },
};

static inline struct rpc_context test_context(void)
{
	struct rpc_context c = {
		.server = &test_server,
		.shares = test_shares,
		.nshares = sizeof(test_shares) / sizeof(test_shares[0]),
		.caller = { .user = "tuser", .uid = 1001, .gid = 1001 },
		.machine_sid = "S-1-5-21-215274726-1712772639-2689559171",
	};
	return c;
}

/* Write one PDU given in hex; expect `st`. */
static inline void pipe_write_hex(struct rpc_pipe *p, const char *h, NTSTATUS st)
{
	size_t n;
	uint8_t *b = hex(h, &n);

	assert_int_equal(rpc_pipe_write(p, b, n), st);
	free(b);
}

/* Read one whole message (PDU) into a malloc'ed buffer; NULL when none is pending. */
static inline uint8_t *pipe_read_msg(struct rpc_pipe *p, size_t *len)
{
	size_t left = rpc_pipe_message_left(p), n;
	uint8_t *b;
	bool more;

	*len = 0;
	if (left == 0)
		return NULL;
	b = malloc(left);
	assert_non_null(b);
	assert_int_equal(rpc_pipe_read(p, b, left, &n, &more), STATUS_SUCCESS);
	assert_int_equal(n, left);
	assert_false(more);
	*len = n;
	return b;
}

/* Read one message and compare it with the expected hex. */
static inline void pipe_expect_hex(struct rpc_pipe *p, const char *h)
{
	size_t n, m;
	uint8_t *want = hex(h, &n);
	uint8_t *got = pipe_read_msg(p, &m);

	assert_non_null(got);
	assert_int_equal(m, n);
	assert_memory_equal(got, want, n);
	free(want);
	free(got);
}

#endif
