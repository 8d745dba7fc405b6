/* SPDX-License-Identifier: Apache-2.0 */
/* A connection's life at its edges, over real sockets on 127.0.0.1. A second server on a port
 * another one listens on is refused (the loops' SO_REUSEPORT listeners would otherwise join the
 * other's: each would get a share of the clients). net_conn_gone: a peer that has closed its end is gone at once,
 * even while the connection's event loop is busy and has not read the FIN yet (a client that
 * drops its connection and reconnects must not find its durable open still held by the old one:
 * smbtorture durable-open.lock-oplock and durable-v2-open.reopen2-lease-v2 failed so under load). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct net_conn *held;    /* the connection whose frame holds the loop */
static bool release;

static int conn_state;

static void *on_open(struct net_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return &conn_state;
}

/* Runs on the loop thread (may_run_inline): the loop reads nothing until the test lets go. */
static void on_frame(struct net_conn *c, void *state, uint8_t *frame, size_t len)
{
	(void)state;
	(void)frame;
	(void)len;
	pthread_mutex_lock(&mu);
	net_conn_ref(c);
	held = c;
	pthread_cond_broadcast(&cv);
	while (!release)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

static bool inline_always(struct net_conn *c, void *state, const uint8_t *frame, size_t len)
{
	(void)c;
	(void)state;
	(void)frame;
	(void)len;
	return true;
}

static void on_close(struct net_conn *c, void *state)
{
	(void)c;
	(void)state;
}

static void test_gone_before_the_loop_reads_the_fin(void **unused)
{
	(void)unused;
	static const struct net_handlers h = { .on_open = on_open, .on_frame = on_frame,
					       .on_close = on_close,
					       .may_run_inline = inline_always };
	struct net_config cfg = { .listen = "127.0.0.1", .port = 0, .event_threads = 1,
				  .worker_threads = 1, .max_connections = 4, .max_frame = 4096 };
	struct net_server *srv = net_server_start(&cfg, &h);
	assert_non_null(srv);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(net_server_port(srv)) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	uint8_t frame[5] = { 0, 0, 0, 1, 'B' };
	assert_int_equal(send(fd, frame, sizeof(frame), MSG_NOSIGNAL), sizeof(frame));

	pthread_mutex_lock(&mu);
	while (!held)
		pthread_cond_wait(&cv, &mu);
	struct net_conn *c = held;
	pthread_mutex_unlock(&mu);
	assert_false(net_conn_gone(c));   /* the peer is there */

	close(fd);
	struct timespec settle = { 0, 50 * 1000 * 1000 };   /* the FIN reaches the socket */
	nanosleep(&settle, NULL);
	assert_true(net_conn_gone(c));    /* the loop is still in on_frame */

	pthread_mutex_lock(&mu);
	release = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	net_conn_unref(c);
	net_server_stop(srv);
}

static void test_second_server_on_the_port_refused(void **unused)
{
	(void)unused;
	static const struct net_handlers h = { .on_open = on_open, .on_frame = on_frame,
					       .on_close = on_close };
	struct net_config cfg = { .listen = "127.0.0.1", .port = 0, .event_threads = 2,
				  .worker_threads = 1, .max_connections = 4, .max_frame = 4096 };
	struct net_server *first = net_server_start(&cfg, &h);
	assert_non_null(first);
	cfg.port = net_server_port(first);
	struct net_server *second = net_server_start(&cfg, &h);
	assert_null(second);
	net_server_stop(first);
	second = net_server_start(&cfg, &h);   /* the port is free again */
	assert_non_null(second);
	net_server_stop(second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_server_on_the_port_refused),
		cmocka_unit_test(test_gone_before_the_loop_reads_the_fin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
