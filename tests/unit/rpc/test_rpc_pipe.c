/* SPDX-License-Identifier: Apache-2.0 */
/* The pipe machinery (src/rpc/pipe.c): bind and alter_context negotiation, reassembly and its
 * limits, fragmentation of responses, faults and bind_naks, the READ message semantics. */
#include "rpc_test.h"

/* rpcclient's bind to wkssvc and NetWkstaGetInfo(100) (captured), and Samba 4.17's answer with
 * the referent ids renumbered from 0x00020000 (Samba starts at 0x00020004; any non-zero value will do) */
static const char wks_bind[] =
	"05000b03100000004800000001000000b810b81000000000010000000000010098d0ff6b12a11036"
	"983346c3f87e345a01000000045d888aeb1cc9119fe808002b10486002000000";
static const char wks_req[] =
	"050000031000000040000000020000002800000000000000000002000a000000000000000a000000"
	"3100320037002e0030002e0030002e003100000064000000";
static const char wks_rsp[] =
	"050002031000000074000000020000005c000000000000006400000000000200f401000004000200"
	"08000200060000000100000007000000000000000700000053004d00420052004500460000000000"
	"0a000000000000000a00000057004f0052004b00470052004f0055005000000000000000";

static void test_wkssvc_roundtrip(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_pipe *p = rpc_pipe_open("\\PIPE\\wkssvc", &ctx);
	uint8_t *ack;
	size_t n;
	(void)state;

	assert_non_null(p);
	pipe_write_hex(p, wks_bind, STATUS_SUCCESS);
	pipe_write_hex(p, wks_req, STATUS_SUCCESS);
	ack = pipe_read_msg(p, &n);
	assert_non_null(ack);
	assert_int_equal(n, 0x44);
	assert_int_equal(ack[2], RPC_PTYPE_BIND_ACK);
	assert_int_equal(le16(ack + 16), 4280);
	assert_int_equal(le16(ack + 18), 4280);
	assert_int_equal(le16(ack + 24), 13);                 /* "\PIPE\wkssvc" + NUL */
	assert_memory_equal(ack + 26, "\\PIPE\\wkssvc", 13);
	assert_int_equal(ack[40], 1);                         /* one result: accepted NDR20 */
	assert_int_equal(le16(ack + 44), RPC_ACK_ACCEPTANCE);
	free(ack);
	pipe_expect_hex(p, wks_rsp);
	assert_int_equal(rpc_pipe_pending(p), 0);
	rpc_pipe_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wkssvc_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
