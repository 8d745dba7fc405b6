/* SPDX-License-Identifier: Apache-2.0 */
/* The transport's timers (src/net/timer.c): deadlines fire in order and not early, the ones
 * left at stop are cancelled, and net_conn_send_at holds a frame back over a real socket on
 * 127.0.0.1 while the connection's later frames are answered at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net/net_internal.h"

/* ---- the timer heap ---------------------------------------------------------------------- */

struct fired {
	pthread_mutex_t lock;
	int order[16];
	uint64_t at[16];
	int n, cancelled;
};

static struct fired fired = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void record(void *arg, bool cancelled)
{
	pthread_mutex_lock(&fired.lock);
	if (cancelled) {
		fired.cancelled++;
	} else if (fired.n < 16) {
		fired.order[fired.n] = (int)(intptr_t)arg;
		fired.at[fired.n++] = net_now_ms();
	}
	pthread_mutex_unlock(&fired.lock);
}

static int fired_count(void)
{
	pthread_mutex_lock(&fired.lock);
	int n = fired.n;
	pthread_mutex_unlock(&fired.lock);
	return n;
}

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_order_and_cancel(void **state)
{
	struct net_timers *t = net_timers_start();
	uint64_t now = net_now_ms();

	(void)state;
	assert_non_null(t);
	/* set out of order; equal deadlines keep the order they were set in */
	assert_true(net_timers_add(t, now + 300, record, (void *)3));
	assert_true(net_timers_add(t, now + 100, record, (void *)1));
	assert_true(net_timers_add(t, now + 200, record, (void *)2));
	assert_true(net_timers_add(t, now + 200, record, (void *)22));
	assert_true(net_timers_add(t, now + 60000, record, (void *)99));   /* never due here */
	for (int i = 0; i < 100 && fired_count() < 4; i++)
		pause_ms(20);
	pthread_mutex_lock(&fired.lock);
	assert_int_equal(fired.n, 4);
	assert_int_equal(fired.order[0], 1);
	assert_int_equal(fired.order[1], 2);
	assert_int_equal(fired.order[2], 22);
	assert_int_equal(fired.order[3], 3);
	assert_true(fired.at[0] >= now + 100);   /* never early */
	assert_true(fired.at[3] >= now + 300);
	pthread_mutex_unlock(&fired.lock);
	net_timers_stop(t);   /* the 60 s one is cancelled, not waited for */
	assert_int_equal(fired.cancelled, 1);
	assert_int_equal(fired.n, 4);
}

/* net_timers_cancel: a removed timer never fires (whatever its place in the heap), the others
 * still fire in order, and an id that already fired or is unknown is not cancelled twice. */
static void test_cancel_by_id(void **state)
{
	struct net_timers *t = net_timers_start();
	uint64_t now = net_now_ms();

	(void)state;
	assert_non_null(t);
	memset(fired.order, 0, sizeof(fired.order));
	fired.n = fired.cancelled = 0;
	uint64_t a = net_timers_add(t, now + 150, record, (void *)1);
	uint64_t b = net_timers_add(t, now + 100, record, (void *)2);   /* the earliest: heap top */
	uint64_t c = net_timers_add(t, now + 200, record, (void *)3);
	uint64_t d = net_timers_add(t, now + 120, record, (void *)4);
	assert_true(a && b && c && d);
	assert_true(a != b && b != c && c != d);
	assert_true(net_timers_cancel(t, b));
	assert_true(net_timers_cancel(t, d));
	assert_false(net_timers_cancel(t, d));   /* already gone */
	assert_false(net_timers_cancel(t, 0));
	for (int i = 0; i < 100 && fired_count() < 2; i++)
		pause_ms(20);
	pause_ms(50);
	pthread_mutex_lock(&fired.lock);
	assert_int_equal(fired.n, 2);
	assert_int_equal(fired.order[0], 1);
	assert_int_equal(fired.order[1], 3);
	assert_true(fired.at[0] >= now + 150);
	pthread_mutex_unlock(&fired.lock);
	assert_false(net_timers_cancel(t, a));   /* fired */
	net_timers_stop(t);
	assert_int_equal(fired.cancelled, 0);
}

/* A timer set at net_now_ms() + d runs after at least d ms of real time, whatever part of the
 * current millisecond it was set in (the clock counts whole milliseconds; smbtorture measures
 * a 35 s break timeout as strictly more than 35 s). */
static uint64_t real_fired_ns;
static pthread_mutex_t real_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record_real(void *arg, bool cancelled)
{
	(void)arg;
	pthread_mutex_lock(&real_lock);
	real_fired_ns = cancelled ? 1 : mono_ns();
	pthread_mutex_unlock(&real_lock);
}

static void test_never_early_in_real_time(void **state)
{
	struct net_timers *t = net_timers_start();

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 30; i++) {
		pthread_mutex_lock(&real_lock);
		real_fired_ns = 0;
		pthread_mutex_unlock(&real_lock);
		pause_ms(i % 3);   /* different phases within the millisecond */
		uint64_t set_ns = mono_ns();
		assert_true(net_timers_add(t, net_now_ms() + 3, record_real, NULL));
		uint64_t fired_ns = 0;
		for (int w = 0; w < 200 && fired_ns == 0; w++) {
			pause_ms(1);
			pthread_mutex_lock(&real_lock);
			fired_ns = real_fired_ns;
			pthread_mutex_unlock(&real_lock);
		}
		assert_true(fired_ns > 1);
		assert_true(fired_ns - set_ns >= 3000000u);
	}
	net_timers_stop(t);
}

/* ---- net_conn_send_at over a socket ------------------------------------------------------ */

#define DELAY_MS 400

static int conn_state;

static void *on_open(struct net_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return &conn_state;
}

/* Echo each frame; a frame starting with 'D' is answered DELAY_MS later, 'L' an hour later. */
static void on_frame(struct net_conn *c, void *state, uint8_t *frame, size_t len)
{
	(void)state;
	uint8_t *out = malloc(4 + len);
	if (!out)
		return;
	memcpy(out + 4, frame, len);
	if (frame[0] == 'D')
		net_conn_send_at(c, out, len, net_now_ms() + DELAY_MS);
	else if (frame[0] == 'L')
		net_conn_send_at(c, out, len, net_now_ms() + 3600 * 1000);
	else
		net_conn_send(c, out, len);
}

static void on_close(struct net_conn *c, void *state)
{
	(void)c;
	(void)state;
}

static int connect_to(struct net_server *srv)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(net_server_port(srv)) };
	struct timeval tv = { .tv_sec = 10 };
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_frame(int fd, char tag)
{
	uint8_t b[5] = { 0, 0, 0, 1, (uint8_t)tag };
	assert_int_equal(send(fd, b, sizeof(b), MSG_NOSIGNAL), (ssize_t)sizeof(b));
}

static char recv_frame(int fd)
{
	uint8_t b[5];
	size_t have = 0;
	while (have < sizeof(b)) {
		ssize_t k = recv(fd, b + have, sizeof(b) - have, 0);
		assert_true(k > 0);
		have += (size_t)k;
	}
	assert_int_equal(b[3], 1);
	return (char)b[4];
}

static void test_send_at(void **state)
{
	static const struct net_handlers h = { .on_open = on_open, .on_frame = on_frame,
					       .on_close = on_close };
	struct net_config cfg = { .listen = "127.0.0.1", .port = 0, .event_threads = 1,
				  .worker_threads = 1, .max_connections = 8, .max_frame = 1024 };
	struct net_server *srv = net_server_start(&cfg, &h);

	(void)state;
	assert_non_null(srv);
	int fd = connect_to(srv);
	uint64_t t0 = net_now_ms();
	send_frame(fd, 'D');
	send_frame(fd, 'N');
	/* the later frame overtakes the held one, at once (one worker: nothing was blocked) */
	assert_int_equal(recv_frame(fd), 'N');
	assert_true(net_now_ms() - t0 < DELAY_MS);
	assert_int_equal(recv_frame(fd), 'D');
	assert_true(net_now_ms() - t0 >= DELAY_MS);
	/* a frame held far in the future does not hold up the server's stop (nor leak) */
	send_frame(fd, 'L');
	send_frame(fd, 'N');
	assert_int_equal(recv_frame(fd), 'N');
	uint64_t t1 = net_now_ms();
	net_server_stop(srv);
	assert_true(net_now_ms() - t1 < 5000);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_cancel),
		cmocka_unit_test(test_cancel_by_id),
		cmocka_unit_test(test_never_early_in_real_time),
		cmocka_unit_test(test_send_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
