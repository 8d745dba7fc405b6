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
		.caller = { .user = "tuser", .uid = 1001, .gid = 1001, .admin = true },
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

/*
 * Compare a response stub with a reference server's (hex), treating as equal any 4-aligned u32
 * that is a referent id in both (0x0002xxxx): referent ids are arbitrary and Samba numbers them
 * from another start.
 */
static inline void assert_stub_like(const uint8_t *got, size_t len, const char *want_hex)
{
	size_t n;
	uint8_t *want = hex(want_hex, &n);

	assert_int_equal(len, n);
	for (size_t i = 0; i < n;) {
		if (i % 4 == 0 && i + 4 <= n && (le32(got + i) >> 16) == 2 &&
		    (le32(want + i) >> 16) == 2) {
			i += 4;
			continue;
		}
		if (got[i] != want[i])
			fail_msg("stub differs at offset %zu: got %02x, want %02x", i, got[i], want[i]);
		i++;
	}
	free(want);
}

/* Run one call directly (no pipe); returns the fault status, 0 with *out on success. */
static inline uint32_t run(const struct rpc_iface *iface, const struct rpc_context *ctx,
			   uint16_t opnum, const uint8_t *stub, size_t len, uint8_t **out,
			   size_t *out_len)
{
	uint32_t fault;

	rpc_call_run(iface, ctx, NULL, opnum, stub, len, out, out_len, &fault);
	if (fault == 0)
		assert_non_null(*out);
	return fault;
}

static inline uint32_t run_hex(const struct rpc_iface *iface, const struct rpc_context *ctx,
			       uint16_t opnum, const char *stub_hex, uint8_t **out, size_t *out_len)
{
	size_t n;
	uint8_t *stub = hex(stub_hex, &n);
	uint32_t f = run(iface, ctx, opnum, stub, n, out, out_len);

	free(stub);
	return f;
}

/* Every proper prefix of a request stub must be refused as bad stub data. */
static inline void assert_truncations_fault(const struct rpc_iface *iface,
					    const struct rpc_context *ctx, uint16_t opnum,
					    const char *stub_hex)
{
	size_t n;
	uint8_t *stub = hex(stub_hex, &n);

	for (size_t len = 0; len < n; len++) {
		uint8_t *cut = malloc(len ? len : 1), *out;
		size_t out_len;
		memcpy(cut, stub, len);
		uint32_t fault;
		rpc_call_run(iface, ctx, NULL, opnum, cut, len, &out, &out_len, &fault);
		if (fault != NCA_S_FAULT_NDR)
			fail_msg("opnum %u: a %zu-byte prefix of %zu was not refused", opnum, len, n);
		free(cut);
	}
	free(stub);
}

/* A bind (or alter_context) PDU offering `n` contexts; ts[i] is context i's one transfer syntax. */
static inline void build_bind(struct wr *w, uint8_t ptype, uint32_t call_id, uint16_t max_xmit,
			      uint16_t max_recv, const struct rpc_syntax *abstract,
			      const struct rpc_syntax *const *ts, size_t n)
{
	size_t start = w->len;

	wr_u8(w, 5);
	wr_u8(w, 0);
	wr_u8(w, ptype);
	wr_u8(w, PFC_FIRST_FRAG | PFC_LAST_FRAG);
	wr_u32(w, RPC_DREP_LE);
	wr_u16(w, 0);
	wr_u16(w, 0);
	wr_u32(w, call_id);
	wr_u16(w, max_xmit);
	wr_u16(w, max_recv);
	wr_u32(w, 0);
	wr_u8(w, (uint8_t)n);
	wr_zero(w, 3);
	for (size_t i = 0; i < n; i++) {
		wr_u16(w, (uint16_t)i);
		wr_u8(w, 1);
		wr_u8(w, 0);
		wr_bytes(w, abstract->uuid, 16);
		wr_u16(w, abstract->major);
		wr_u16(w, abstract->minor);
		wr_bytes(w, ts[i]->uuid, 16);
		wr_u16(w, ts[i]->major);
		wr_u16(w, ts[i]->minor);
	}
	wr_put_u16_at(w, start + 8, (uint16_t)(w->len - start));
}

/* A request PDU carrying stub bytes. */
static inline void build_request(struct wr *w, uint32_t call_id, uint8_t flags, uint16_t ctx,
				 uint16_t opnum, uint32_t alloc_hint, const uint8_t *stub,
				 size_t len)
{
	size_t start = w->len;

	wr_u8(w, 5);
	wr_u8(w, 0);
	wr_u8(w, RPC_PTYPE_REQUEST);
	wr_u8(w, flags);
	wr_u32(w, RPC_DREP_LE);
	wr_u16(w, 0);
	wr_u16(w, 0);
	wr_u32(w, call_id);
	wr_u32(w, alloc_hint);
	wr_u16(w, ctx);
	wr_u16(w, opnum);
	wr_bytes(w, stub, len);
	wr_put_u16_at(w, start + 8, (uint16_t)(w->len - start));
}

/* Open a pipe and bind it to its own interface over NDR20; the bind_ack is consumed. */
static inline struct rpc_pipe *open_bound(const char *name, const struct rpc_context *ctx)
{
	const struct rpc_iface *iface = rpc_iface_by_pipe_name(name);
	const struct rpc_syntax *ts[] = { &rpc_ndr20_syntax };
	struct rpc_pipe *p = rpc_pipe_open(name, ctx);
	struct wr w;
	uint8_t *ack;
	size_t n;

	assert_non_null(iface);
	assert_non_null(p);
	wr_init(&w, 128);
	build_bind(&w, RPC_PTYPE_BIND, 1, 4280, 4280, &iface->syntax, ts, 1);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	wr_free(&w);
	ack = pipe_read_msg(p, &n);
	assert_non_null(ack);
	assert_int_equal(ack[2], RPC_PTYPE_BIND_ACK);
	assert_int_equal(le16(ack + 44), RPC_ACK_ACCEPTANCE);
	free(ack);
	return p;
}

/*
 * One call through a bound pipe: the response's stub (all fragments joined, malloc'ed) or, for a
 * fault, NULL with *fault set.
 */
static inline uint8_t *pipe_call(struct rpc_pipe *p, uint16_t opnum, const uint8_t *stub,
				 size_t len, size_t *out_len, uint32_t *fault)
{
	struct wr w, out;
	uint8_t *msg;
	size_t n;

	*fault = 0;
	wr_init(&w, 256);
	build_request(&w, 2, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, opnum, (uint32_t)len, stub, len);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	wr_free(&w);
	wr_init(&out, 256);
	for (;;) {
		msg = pipe_read_msg(p, &n);
		assert_non_null(msg);
		if (msg[2] == RPC_PTYPE_FAULT) {
			assert_int_equal(n, RPC_FAULT_SIZE);
			*fault = le32(msg + 24);
			free(msg);
			wr_free(&out);
			return NULL;
		}
		assert_int_equal(msg[2], RPC_PTYPE_RESPONSE);
		assert_true(n >= RPC_RESPONSE_HDR);
		wr_bytes(&out, msg + RPC_RESPONSE_HDR, n - RPC_RESPONSE_HDR);
		bool last = msg[3] & PFC_LAST_FRAG;
		free(msg);
		if (last)
			break;
	}
	return wr_steal(&out, out_len);
}

#endif
