/* SPDX-License-Identifier: Apache-2.0 */
/* The resource bounds of limits.c: how much one compound may answer, and the opens a session and
 * a Unix user may hold (issue 11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/config.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"

/* The smb2 layer sits below the transport: stand-ins for what its objects reference. */
void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	(void)len;
	free(buf);
}
void net_conn_close(struct net_conn *c) { (void)c; }
void net_conn_set_pinned(struct net_conn *c, bool pinned) { (void)c; (void)pinned; }
void net_conn_post(struct net_conn *c, net_task_fn fn, void *arg) { fn(c, NULL, arg); }
void net_conn_ref(struct net_conn *c) { (void)c; }
void net_conn_unref(struct net_conn *c) { (void)c; }
const char *net_conn_peer(const struct net_conn *c) { (void)c; return "test"; }

static void compound_answers_one_large_reply(void **state)
{
	struct smb2_conn c = { .max_read = 65536, .max_write = 65536, .max_trans = 65536 };
	struct wr out;
	struct smb2_req req = { .conn = &c, .out = &out };
	(void)state;

	wr_init(&out, 256);
	wr_zero(&out, 4 + 64);                     /* Direct TCP header and our SMB2 header */
	assert_true(smb2_req_response_fits(&req, 65536));
	wr_zero(&out, 16 + 65536);                 /* a first READ answered in full */
	wr_zero(&out, 64);                         /* the next message's header */
	assert_false(smb2_req_response_fits(&req, 65536));
	assert_true(smb2_req_response_fits(&req, 4096));    /* small replies still fit ... */
	wr_zero(&out, 64 * 1024);
	assert_false(smb2_req_response_fits(&req, 1));      /* ... until the slack is used */
	wr_free(&out);

	/* 3.x: the budget follows the larger of MaxReadSize and MaxTransactSize */
	c.max_read = 8 * 1024 * 1024;
	wr_init(&out, 256);
	wr_zero(&out, 4 + 64);
	assert_true(smb2_req_response_fits(&req, 8 * 1024 * 1024));
	assert_false(smb2_req_response_fits(&req, 8 * 1024 * 1024 + 64 * 1024));
	wr_free(&out);
}

static struct smb2_session *session_of(struct smb2_server *srv, uid_t uid)
{
	struct smb2_session *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->srv = srv;
	s->ident.uid = uid;
	return s;
}

/* What smb2_create does around smb2_open_add, without a file system. */
static NTSTATUS open_one(struct smb2_session *s)
{
	uid_t owner;
	NTSTATUS st = smb2_open_charge(s, &owner);
	if (st == STATUS_SUCCESS) {
		assert_int_equal(owner, s->ident.uid);
		s->nopens++;
	}
	return st;
}

static void opens_bounded_per_session_and_per_user(void **state)
{
	struct cfg cfg = { .g = { .max_open_files = 3, .max_open_files_per_user = 4 } };
	struct smb2_server srv = { .cfg = &cfg };
	(void)state;

	assert_true(smb2_user_opens_init(&srv));
	assert_int_equal(srv.max_opens_per_user, 4);
	struct smb2_session *a = session_of(&srv, 1000), *b = session_of(&srv, 1000);
	struct smb2_session *other = session_of(&srv, 1001);

	for (int i = 0; i < 3; i++)
		assert_int_equal(open_one(a), STATUS_SUCCESS);
	assert_int_equal(open_one(a), STATUS_INSUFFICIENT_RESOURCES);    /* the session's bound */
	assert_int_equal(open_one(b), STATUS_SUCCESS);
	assert_int_equal(open_one(b), STATUS_INSUFFICIENT_RESOURCES);    /* the user's bound */
	assert_int_equal(open_one(other), STATUS_SUCCESS);               /* another user: free */
	smb2_open_uncharge(&srv, 1000);                                  /* one of a's closes */
	a->nopens--;
	assert_int_equal(open_one(b), STATUS_SUCCESS);
	assert_int_equal(open_one(b), STATUS_INSUFFICIENT_RESOURCES);

	/* persistent opens restored at start-up count against their user, past the bound too */
	smb2_open_charge_restored(&srv, 1001);
	smb2_open_charge_restored(&srv, 1001);
	smb2_open_charge_restored(&srv, 1001);
	struct smb2_session *fresh = session_of(&srv, 1001);
	assert_int_equal(open_one(fresh), STATUS_INSUFFICIENT_RESOURCES);   /* 1 + 3 = 4 */
	smb2_open_uncharge(&srv, 1001);                                     /* one restored closes */
	assert_int_equal(open_one(fresh), STATUS_SUCCESS);
	free(fresh);

	smb2_user_opens_fini(&srv);
	free(a);
	free(b);
	free(other);
}

static void opens_per_user_default_follows_rlimit(void **state)
{
	struct cfg cfg = { .g = { .max_open_files = 16384 } };
	struct smb2_server srv = { .cfg = &cfg };
	struct rlimit rl;
	(void)state;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(smb2_user_opens_init(&srv));
	struct smb2_session *s = session_of(&srv, 1000);
	assert_int_equal(open_one(s), STATUS_SUCCESS);   /* the bound is read at the first open */
	smb2_open_uncharge(&srv, 1000);
	free(s);
	rlim_t want = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ? 1048576 : rl.rlim_cur;
	want /= 4;
	assert_int_equal(srv.max_opens_per_user, want < 16 ? 16 : want);
	smb2_user_opens_fini(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compound_answers_one_large_reply),
		cmocka_unit_test(opens_bounded_per_session_and_per_user),
		cmocka_unit_test(opens_per_user_default_follows_rlimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
