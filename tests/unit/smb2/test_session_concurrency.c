/* SPDX-License-Identifier: Apache-2.0 */
/* A session's requests on two channels run side by side (src/smb2/session.c, session_table.c):
 * a READ lets go of the session lock once it holds its open, so another request of the session
 * on its other channel runs meanwhile; a CLOSE or TREE_DISCONNECT of that open waits for the
 * READ (which reads on through the open), a CLOSE without the session lock, and the open is
 * closed after it; a request that names it then gets STATUS_FILE_CLOSED. A CREATE holds its tree
 * while it works without the session lock: a TREE_DISCONNECT meanwhile does not wait for it, and
 * the tree stays readable, marked gone, until the CREATE lets go of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/notify.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/smb2.h"
#include "smb2/wire/header.h"
#include "vfs/vfs.h"

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	(void)len;
	free(buf);
}
void net_conn_close(struct net_conn *c) { (void)c; }
#include "net_stub.h"

struct fixture {
	char dir[64];
	struct smb2_server srv;
	struct vfs_share *share;
	struct smb2_conn *c1, *c2;      /* two channels of one session */
	struct smb2_session *s;
	struct smb2_tree *t;
	struct smb2_open *op;           /* "f" in the tree, 5 bytes */
	struct smb2_compound cmp1, cmp2;
};

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct vfs_create_result res;
	struct vfs_open *vo = NULL;
	char path[96];

	assert_non_null(f);
	assert_int_equal(vfs_global_init(), STATUS_SUCCESS);
	strcpy(f->dir, "/tmp/skiff-sessc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/f", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("hello", fp);
	fclose(fp);
	assert_int_equal(vfs_share_open("test", f->dir, false, &f->share), STATUS_SUCCESS);

	assert_true(smb2_sessions_init(&f->srv));
	assert_true(smb2_open_table_init(&f->srv));
	f->srv.oplocks = smb2_oplocks_new();
	f->srv.notify = smb2_notify_new();
	assert_non_null(f->srv.oplocks);
	assert_non_null(f->srv.notify);
	pthread_mutex_init(&f->srv.lock_waits_lock, NULL);
	atomic_init(&f->srv.next_session_id, 0x100);
	f->c1 = smb2_conn_open(NULL, &f->srv);
	f->c2 = smb2_conn_open(NULL, &f->srv);
	assert_non_null(f->c1);
	assert_non_null(f->c2);
	f->c1->negotiated = f->c2->negotiated = true;
	f->c1->dialect = f->c2->dialect = 0x0300;

	f->s = smb2_session_new(f->c1);   /* locked and referenced */
	assert_non_null(f->s);
	f->s->state = SESSION_VALID;
	assert_non_null(smb2_channel_attach(f->c2, f->s));
	f->t = calloc(1, sizeof(*f->t));
	assert_non_null(f->t);
	f->t->id = 1;
	f->t->next = f->s->trees;
	f->s->trees = f->t;
	struct vfs_create_args a = {
		.desired_access = FILE_READ_DATA | FILE_READ_ATTRIBUTES,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		.disposition = FILE_OPEN,
	};
	assert_int_equal(vfs_create(f->share, "f", &a, &vo, &res), STATUS_SUCCESS);
	f->op = smb2_open_add(f->c1, f->s, f->t, vo);
	assert_non_null(f->op);
	f->op->access = a.desired_access;
	pthread_mutex_unlock(&f->s->lock);
	smb2_session_put(f->s);   /* the table and the channels keep it */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	smb2_conn_close(NULL, f->c2);
	smb2_conn_close(NULL, f->c1);   /* the last channel: the session ends, its opens close */
	smb2_notify_free(f->srv.notify);
	smb2_oplocks_free(f->srv.oplocks);
	pthread_mutex_destroy(&f->srv.lock_waits_lock);
	smb2_open_table_fini(&f->srv);
	smb2_sessions_fini(&f->srv);
	vfs_share_close(f->share);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* A request of the session on connection c, as the dispatcher has it after its checks. */
static struct smb2_req request(struct fixture *f, struct smb2_conn *c, struct smb2_compound *cmp,
			       uint16_t cmd)
{
	struct smb2_req req = { .conn = c, .cmp = cmp };

	req.hdr.command = cmd;
	req.hdr.session_id = f->s->id;
	req.hdr.tree_id = 1;
	req.sess = smb2_req_session(&req, f->s->id);
	assert_ptr_equal(req.sess, f->s);
	req.tree = smb2_tree_find(req.sess, 1);   /* NULL once it is disconnected */
	return req;
}

/* On the other channel: a request of the session (a CREATE), and a READ of the same open, which
 * shares it; returns the open the READ found. */
static void *other_channel(void *arg)
{
	struct fixture *f = arg;
	struct smb2_req other = request(f, f->c2, &f->cmp2, SMB2_CREATE);
	struct smb2_open *op = NULL;

	smb2_req_release(&other);
	struct smb2_req rd = request(f, f->c2, &f->cmp2, SMB2_READ);
	if (smb2_req_open_any(&rd, f->op->persistent_id, f->op->volatile_id, &op) != STATUS_SUCCESS)
		op = NULL;
	smb2_req_release(&rd);
	return op;
}

static void read_lets_go_of_the_session(void **state)
{
	struct fixture *f = *state;
	struct smb2_req rd = request(f, f->c1, &f->cmp1, SMB2_READ);
	struct smb2_open *op;

	assert_int_equal(smb2_req_open_any(&rd, f->op->persistent_id, f->op->volatile_id, &op),
			 STATUS_SUCCESS);
	/* The READ does its file work now: the session is free for the other channel. */
	int busy = pthread_mutex_trylock(&f->s->lock);
	if (busy == 0)
		pthread_mutex_unlock(&f->s->lock);
	else
		smb2_req_release(&rd);   /* for the teardown, which takes the session lock */
	assert_int_equal(busy, 0);
	/* Another CREATE and READ of the session on the other channel (its own thread: one thread
	 * never takes a session lock while it holds an open) run while the READ holds the open. */
	pthread_t th;
	void *ok = NULL;
	assert_int_equal(pthread_create(&th, NULL, other_channel, f), 0);
	assert_int_equal(pthread_join(th, &ok), 0);
	assert_ptr_equal(ok, op);
	smb2_req_release(&rd);
}

/* What another channel does while the READ holds the open. */
struct racer {
	struct fixture *f;
	bool tree_disconnect;           /* else a CLOSE of the open */
	NTSTATUS status;                /* the CLOSE's */
	atomic_bool done;
};

static void *close_on_other_channel(void *arg)
{
	struct racer *r = arg;
	struct fixture *f = r->f;
	struct smb2_req req = request(f, f->c2, &f->cmp2, r->tree_disconnect ? SMB2_TREE_DISCONNECT
									      : SMB2_CLOSE);

	if (r->tree_disconnect) {
		smb2_tree_destroy(f->c2, f->s, f->t);
		atomic_store(&r->done, true);
		smb2_req_release(&req);
		return NULL;
	}
	/* The CLOSE as it arrives (header and body: StructureSize 24, the FileId). */
	struct wr msg, out;
	wr_init(&msg, 128);
	wr_init(&out, 256);
	wr_zero(&msg, SMB2_HDR_SIZE);
	wr_u16(&msg, 24);
	wr_u16(&msg, 0);
	wr_u32(&msg, 0);
	wr_u64(&msg, f->op->persistent_id);
	wr_u64(&msg, f->op->volatile_id);
	wr_zero(&out, SMB2_HDR_SIZE);
	req.msg = msg.buf;
	req.len = msg.len;
	req.out = &out;
	r->status = smb2_close(&req);
	atomic_store(&r->done, true);
	smb2_req_release(&req);
	wr_free(&msg);
	wr_free(&out);
	return NULL;
}

static void race(struct fixture *f, bool tree_disconnect)
{
	struct smb2_req rd = request(f, f->c1, &f->cmp1, SMB2_READ);
	struct racer r = { .f = f, .tree_disconnect = tree_disconnect };
	struct smb2_open *op;
	uint64_t pid = f->op->persistent_id, vid = f->op->volatile_id;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	pthread_t th;
	char buf[8];
	size_t n = 0;

	assert_int_equal(smb2_req_open_any(&rd, f->op->persistent_id, f->op->volatile_id, &op),
			 STATUS_SUCCESS);
	smb2_open_ref(op);   /* to look at it after the close */
	assert_int_equal(pthread_create(&th, NULL, close_on_other_channel, &r), 0);
	nanosleep(&pause, NULL);
	/* The close waits for the READ, whose open and tree are still there. */
	assert_false(atomic_load(&r.done));
	if (!tree_disconnect) {
		/* and a CLOSE waits without the session lock: the session's other requests run */
		int busy = pthread_mutex_trylock(&f->s->lock);
		if (busy == 0)
			pthread_mutex_unlock(&f->s->lock);
		assert_int_equal(busy, 0);
	}
	assert_false(smb2_open_closed(op));
	assert_ptr_equal(rd.tree, f->t);
	assert_int_equal(rd.tree->id, 1);
	assert_int_equal(vfs_read(op->vfs, buf, sizeof(buf), 0, &n), STATUS_SUCCESS);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	smb2_req_release(&rd);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(atomic_load(&r.done));
	if (!tree_disconnect)
		assert_int_equal(r.status, STATUS_SUCCESS);
	assert_true(smb2_open_closed(op));
	assert_null(op->vfs);
	smb2_open_put(op);

	/* A request of the session that names the open now finds it closed. */
	struct smb2_req late = request(f, f->c1, &f->cmp1, SMB2_READ);
	if (late.tree)
		assert_int_equal(smb2_req_open_any(&late, pid, vid, &op), STATUS_FILE_CLOSED);
	smb2_req_release(&late);
}

static void close_waits_for_a_read_on_another_channel(void **state)
{
	race(*state, false);
}

static void tree_disconnect_waits_for_a_read_on_another_channel(void **state)
{
	race(*state, true);
}

static void *disconnect_tree(void *arg)
{
	struct fixture *f = arg;
	struct smb2_req req = request(f, f->c2, &f->cmp2, SMB2_TREE_DISCONNECT);

	smb2_tree_destroy(f->c2, f->s, req.tree);
	smb2_req_release(&req);
	return NULL;
}

static void tree_held_by_a_create_outlives_its_disconnect(void **state)
{
	struct fixture *f = *state;
	struct smb2_req cr = request(f, f->c1, &f->cmp1, SMB2_CREATE);
	struct smb2_tree *t = cr.tree;
	pthread_t th;

	smb2_open_ref(f->op);   /* to look at it after the disconnect */
	/* As smb2_create before its file work: the tree held, the session lock let go of. */
	smb2_tree_hold(t);
	smb2_req_unlock_session(&cr);
	assert_int_equal(pthread_create(&th, NULL, disconnect_tree, f), 0);
	assert_int_equal(pthread_join(th, NULL), 0);   /* it did not wait for the CREATE */
	smb2_req_relock_session(&cr);
	assert_true(t->gone);
	assert_int_equal(t->id, 1);                    /* still there to read */
	assert_null(smb2_tree_find(f->s, 1));          /* but no longer the session's */
	assert_true(smb2_open_closed(f->op));          /* and its opens closed */
	smb2_open_put(f->op);
	smb2_tree_unhold(t);                           /* the last holder frees it */
	smb2_req_release(&cr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(read_lets_go_of_the_session, setup, teardown),
		cmocka_unit_test_setup_teardown(close_waits_for_a_read_on_another_channel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tree_disconnect_waits_for_a_read_on_another_channel,
						setup, teardown),
		cmocka_unit_test_setup_teardown(tree_held_by_a_create_outlives_its_disconnect, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
