/* SPDX-License-Identifier: Apache-2.0 */
/* The delivery watch of net_conn_send_tracked over a real socket on 127.0.0.1: a frame the peer's
 * TCP acknowledges leaves the connection alone; one it never acknowledges (the test hook, or a
 * client that stops reading so its receive window stays shut) closes the connection after six
 * retransmission timeouts (0.2..1 s each), not sooner, and well before a 35 s break timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"

#define OP_TRACKED 'T'       /* answered with a small tracked frame (a break) */
#define OP_NEVER_ACKED 'N'   /* the test hook, then a tracked frame */
#define OP_BEHIND_BIG 'U'    /* BIG untracked bytes (READs), then a tracked frame behind them */
#define BIG (8u * 1024u * 1024u)
#define REPLY 24u

static atomic_int closes;

static int conn_state;

static void *on_open(struct net_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return &conn_state;
}

static void on_frame(struct net_conn *c, void *state, uint8_t *frame, size_t len)
{
	(void)state;
	(void)len;
	if (frame[0] == OP_BEHIND_BIG) {
		uint8_t *big = calloc(1, 4 + BIG);
		if (big)
			net_conn_send(c, big, BIG);
	}
	uint8_t *out = calloc(1, 4 + REPLY);
	if (!out)
		return;
	out[4] = frame[0];
	if (frame[0] == OP_NEVER_ACKED)
		net_conn_set_never_acked(c);
	net_conn_send_tracked(c, out, REPLY);
}

static void on_close(struct net_conn *c, void *state)
{
	(void)c;
	(void)state;
	atomic_fetch_add(&closes, 1);
}

struct fixture {
	struct net_server *srv;
	int fd;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void **state)
{
	static const struct net_handlers h = { .on_open = on_open, .on_frame = on_frame,
					       .on_close = on_close };
	struct net_config cfg = { .listen = "127.0.0.1", .port = 0, .event_threads = 1,
				  .worker_threads = 2, .max_connections = 8, .max_frame = 65536 };
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || !(f->srv = net_server_start(&cfg, &h)))
		return -1;
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(net_server_port(f->srv)) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { .tv_sec = 30 };   /* nothing hangs the test */
	int one = 1;
	if (f->fd < 0 || setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    connect(f->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	atomic_store(&closes, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->fd);
	net_server_stop(f->srv);
	free(f);
	return 0;
}

static void send_op(int fd, uint8_t op)
{
	uint8_t frame[5] = { 0, 0, 0, 1, op };
	assert_int_equal(send(fd, frame, sizeof(frame), MSG_NOSIGNAL), sizeof(frame));
}

/* One reply of `n` bytes (after its 4-byte header); false on EOF or error. */
static bool read_reply(int fd, size_t n, uint8_t *op)
{
	size_t want = 4 + n, got = 0;
	uint8_t buf[256];

	while (got < want) {
		size_t chunk = want - got < sizeof(buf) ? want - got : sizeof(buf);
		ssize_t r = recv(fd, buf, chunk, 0);
		if (r <= 0)
			return false;
		if (got <= 4 && got + (size_t)r > 4)
			*op = buf[4 - got];
		got += (size_t)r;
	}
	return true;
}

/* Seconds until the server ends the connection (EOF or reset), reading what comes meanwhile. */
static double until_closed(int fd, double t0)
{
	uint8_t buf[65536];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	return now_s() - t0;
}

static void acknowledged_frame_keeps_the_connection(void **state)
{
	struct fixture *f = *state;
	uint8_t op = 0;

	send_op(f->fd, OP_TRACKED);
	assert_true(read_reply(f->fd, REPLY, &op));
	assert_int_equal(op, OP_TRACKED);
	usleep(2500 * 1000);   /* longer than six loopback RTOs */
	assert_int_equal(atomic_load(&closes), 0);
	send_op(f->fd, OP_TRACKED);
	assert_true(read_reply(f->fd, REPLY, &op));
	assert_int_equal(atomic_load(&closes), 0);
}

static void never_acknowledged_frame_closes_the_connection(void **state)
{
	struct fixture *f = *state;
	uint8_t op = 0;

	double t0 = now_s();
	send_op(f->fd, OP_NEVER_ACKED);
	assert_true(read_reply(f->fd, REPLY, &op));   /* it is sent; only its delivery is denied */
	double took = until_closed(f->fd, t0);
	/* six RTOs of at least 0.2 s, at most 1 s: a little slack below for clock granularity */
	assert_true(took >= 1.1);
	assert_true(took < 10.0);
	for (int i = 0; i < 100 && atomic_load(&closes) == 0; i++)
		usleep(20 * 1000);
	assert_int_equal(atomic_load(&closes), 1);
}

/* The real thing: the client stops reading, so the kernel stops acknowledging. */
static void unread_frames_close_the_connection(void **state)
{
	struct fixture *f = *state;

	int small = 4096;
	assert_int_equal(setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	double t0 = now_s();
	send_op(f->fd, OP_BEHIND_BIG);   /* 8 MiB nobody reads, the tracked frame behind them */
	/* no reading until the server gave up (closed the connection on its side) */
	for (int i = 0; i < 1500 && atomic_load(&closes) == 0; i++)
		usleep(10 * 1000);
	double took = now_s() - t0;
	assert_int_equal(atomic_load(&closes), 1);
	assert_true(took >= 1.1);
	assert_true(took < 15.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(acknowledged_frame_keeps_the_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(never_acknowledged_frame_closes_the_connection, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unread_frames_close_the_connection, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
