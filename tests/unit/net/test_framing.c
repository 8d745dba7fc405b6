/* SPDX-License-Identifier: Apache-2.0 */
/* The transport's framing over a real socket on 127.0.0.1: frames that arrive in pieces with
 * pauses (a large frame is read into its own buffer, with a receive low-water mark while it
 * fills), frames that arrive together, and a length over the limit. A handler answers each
 * frame with its length and an FNV-1a hash of its bytes, so every byte and the order count.
 * Also the bounds: a frame's buffer grows as its bytes arrive, the smaller limit before
 * authentication, and that reading stops while the client leaves its replies unread. */
#include <malloc.h>
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
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"

#define MAX_FRAME (8u * 1024 * 1024 + 1024)   /* under the 24-bit length limit */
#define REPLY_LEN 12u   /* u32 frame length, u64 hash, little-endian */
#define PREAUTH_MAX_FRAME 4096u
/* A frame whose first byte is this authenticates the connection (as a SESSION_SETUP would). */
#define OP_AUTHENTICATE 'A'
/* A frame whose first byte is this is answered with BIG_REPLY bytes instead (as a READ). */
#define OP_BIG_REPLY 'B'
#define BIG_REPLY (1024u * 1024u)
/* A frame whose first byte is this takes a second to run (a slow file system call). */
#define OP_SLOW 'S'

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void pause_ms(long ms);

static int conn_state;   /* any non-NULL state accepts the connection */

static void *on_open(struct net_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return &conn_state;
}

static void on_frame(struct net_conn *c, void *state, uint8_t *frame, size_t len)
{
	(void)state;
	if (frame[0] == OP_AUTHENTICATE)
		net_conn_set_authenticated(c);
	if (frame[0] == OP_SLOW)
		pause_ms(1000);
	if (frame[0] == OP_BIG_REPLY) {
		uint8_t *big = calloc(1, 4 + BIG_REPLY);
		if (big)
			net_conn_send(c, big, BIG_REPLY);
		return;
	}
	uint8_t *out = malloc(4 + REPLY_LEN);
	if (!out)
		return;
	uint64_t h = fnv1a(frame, len);
	for (int i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(len >> (8 * i));
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (8 * i));
	net_conn_send(c, out, REPLY_LEN);
}

static void on_close(struct net_conn *c, void *state)
{
	(void)c;
	(void)state;
}

struct fixture {
	struct net_server *srv;
	int fd;
};

static int start(void **state, uint32_t preauth_max_frame)
{
	static const struct net_handlers h = { .on_open = on_open, .on_frame = on_frame, .on_close = on_close };
	struct net_config cfg = { .listen = "127.0.0.1", .port = 0, .event_threads = 1, .worker_threads = 2,
				  .max_connections = 8, .idle_timeout = 0, .max_frame = MAX_FRAME,
				  .preauth_max_frame = preauth_max_frame };
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || !(f->srv = net_server_start(&cfg, &h)))
		return -1;
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(net_server_port(f->srv)) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { .tv_sec = 20 };   /* a stalled frame fails the test instead of hanging it */
	int one = 1;
	if (f->fd < 0 || setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    connect(f->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	*state = f;
	return 0;
}

/* No separate limit before authentication (preauth_max_frame 0 means max_frame). */
static int setup(void **state)
{
	return start(state, 0);
}

static int setup_preauth(void **state)
{
	return start(state, PREAUTH_MAX_FRAME);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->fd);
	net_server_stop(f->srv);
	free(f);
	return 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		assert_true(k > 0);
		p += k;
		n -= (size_t)k;
	}
}

/* A frame with its Direct TCP header; the body is a pattern that differs from frame to frame. */
static uint8_t *make_frame(size_t len, unsigned seed)
{
	uint8_t *b = malloc(4 + len);
	assert_non_null(b);
	b[0] = 0;
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b[4 + i] = (uint8_t)(x >> 16);
	}
	return b;
}

static void expect_reply(int fd, const uint8_t *frame, size_t len)
{
	uint8_t r[4 + REPLY_LEN];
	size_t have = 0;
	while (have < sizeof(r)) {
		ssize_t k = recv(fd, r + have, sizeof(r) - have, 0);
		assert_true(k > 0);   /* 0: connection dropped; -1: timed out waiting */
		have += (size_t)k;
	}
	assert_int_equal(r[0], 0);
	assert_int_equal((size_t)r[1] << 16 | (size_t)r[2] << 8 | r[3], REPLY_LEN);
	uint32_t got_len = 0;
	uint64_t got_hash = 0;
	for (int i = 0; i < 4; i++)
		got_len |= (uint32_t)r[4 + i] << (8 * i);
	for (int i = 0; i < 8; i++)
		got_hash |= (uint64_t)r[8 + i] << (8 * i);
	assert_int_equal(got_len, len);
	assert_true(got_hash == fnv1a(frame + 4, len));
}

/* A 3 MiB frame trickles in, 64 KiB at a time with pauses, its last 7 bytes well after the rest:
 * the frame must arrive whole even though what is left is far below any low-water mark. */
static void test_large_frame_in_pieces(void **state)
{
	struct fixture *f = *state;
	size_t len = 3u * 1024 * 1024 + 5;
	uint8_t *b = make_frame(len, 1);
	size_t total = 4 + len, sent = 0, chunk = 64 * 1024;

	while (total - sent > 7) {
		size_t n = total - sent - 7 < chunk ? total - sent - 7 : chunk;
		send_all(f->fd, b + sent, n);
		sent += n;
		if ((sent / chunk) % 8 == 0)
			pause_ms(3);
	}
	pause_ms(100);
	send_all(f->fd, b + sent, 7);
	expect_reply(f->fd, b, len);

	uint8_t *small = make_frame(10, 2);   /* the stream goes on normally after it */
	send_all(f->fd, small, 14);
	expect_reply(f->fd, small, 10);
	free(small);
	free(b);
}

/* The header of a large frame alone, then its body after a pause, one byte short, then that byte. */
static void test_large_frame_header_first(void **state)
{
	struct fixture *f = *state;
	size_t len = 2u * 1024 * 1024;
	uint8_t *b = make_frame(len, 3);

	send_all(f->fd, b, 4);
	pause_ms(50);
	send_all(f->fd, b + 4, len - 1);
	pause_ms(50);
	send_all(f->fd, b + 4 + len - 1, 1);
	expect_reply(f->fd, b, len);
	free(b);
}

/* Two large frames and a small one in one send: each answered, in order. */
static void test_frames_back_to_back(void **state)
{
	struct fixture *f = *state;
	size_t lens[3] = { 2u * 1024 * 1024 + 3, 1536u * 1024, 100 };
	uint8_t *frames[3];
	size_t total = 0;
	for (int i = 0; i < 3; i++) {
		frames[i] = make_frame(lens[i], 10u + (unsigned)i);
		total += 4 + lens[i];
	}
	uint8_t *all = malloc(total), *p = all;
	assert_non_null(all);
	for (int i = 0; i < 3; i++) {
		memcpy(p, frames[i], 4 + lens[i]);
		p += 4 + lens[i];
	}
	send_all(f->fd, all, total);
	for (int i = 0; i < 3; i++)
		expect_reply(f->fd, frames[i], lens[i]);
	for (int i = 0; i < 3; i++)
		free(frames[i]);
	free(all);
}

/* A length over the limit ends the connection without an answer. */
static void test_oversized_frame_drops_connection(void **state)
{
	struct fixture *f = *state;
	uint32_t len = MAX_FRAME + 1;
	uint8_t hdr[4] = { 0, (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
	uint8_t byte;

	send_all(f->fd, hdr, sizeof(hdr));
	ssize_t k;
	do
		k = recv(f->fd, &byte, 1, 0);
	while (k < 0 && errno == EINTR);
	assert_true(k == 0 || (k < 0 && errno == ECONNRESET));
}

static void expect_dropped(int fd)
{
	uint8_t byte;
	ssize_t k;
	do
		k = recv(fd, &byte, 1, 0);
	while (k < 0 && errno == EINTR);
	assert_true(k == 0 || (k < 0 && errno == ECONNRESET));
}

/* Before authentication a frame above preauth_max_frame ends the connection. */
static void test_preauth_limit(void **state)
{
	struct fixture *f = *state;
	uint8_t *ok = make_frame(PREAUTH_MAX_FRAME, 20);
	ok[4] = 'x';
	send_all(f->fd, ok, 4 + PREAUTH_MAX_FRAME);
	expect_reply(f->fd, ok, PREAUTH_MAX_FRAME);
	uint8_t *over = make_frame(PREAUTH_MAX_FRAME + 1, 21);
	send_all(f->fd, over, 4);   /* the header alone is enough */
	expect_dropped(f->fd);
	free(ok);
	free(over);
}

/* Once the protocol layer reports the peer authenticated, frames up to max_frame pass. */
static void test_authenticated_lifts_limit(void **state)
{
	struct fixture *f = *state;
	uint8_t *auth = make_frame(10, 22);
	auth[4] = OP_AUTHENTICATE;
	send_all(f->fd, auth, 14);
	expect_reply(f->fd, auth, 10);
	size_t len = 3u * 1024 * 1024;
	uint8_t *big = make_frame(len, 23);
	big[4] = 'x';
	send_all(f->fd, big, 4 + len);
	expect_reply(f->fd, big, len);
	free(auth);
	free(big);
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* A frame announced at 8 MiB of which 1 KiB has come holds a buffer for what came (at most
 * NET_PARTIAL_MIN), not 8 MiB; sent in full later it still arrives whole. */
static void test_buffer_grows_as_bytes_arrive(void **state)
{
	struct fixture *f = *state;
	size_t len = 8u * 1024 * 1024;
	uint8_t *b = make_frame(len, 24);
	b[4] = 'x';

	pause_ms(50);
	size_t before = heap_in_use();
	send_all(f->fd, b, 4 + 1024);
	pause_ms(200);
	size_t held = heap_in_use() - before;
	assert_true(held < 1024 * 1024);
	send_all(f->fd, b + 4 + 1024, len - 1024);
	expect_reply(f->fd, b, len);
	free(b);
}

struct reply_reader {
	int fd;
	size_t frames, answered;
};

static void *read_big_replies(void *arg)
{
	struct reply_reader *rd = arg;
	uint8_t *r = malloc(4 + BIG_REPLY);

	for (; r && rd->answered < rd->frames; rd->answered++) {
		size_t have = 0;
		while (have < 4 + BIG_REPLY) {
			ssize_t k = recv(rd->fd, r + have, 4 + BIG_REPLY - have, 0);
			if (k <= 0)
				goto out;
			have += (size_t)k;
		}
		if (((size_t)r[1] << 16 | (size_t)r[2] << 8 | r[3]) != BIG_REPLY)
			break;
	}
out:
	free(r);
	return NULL;
}

/*
 * A client that sends frames answered with 1 MiB each and reads nothing: once its replies pass
 * the send backlog the transport stops reading, so the client's sends stall after a bounded
 * amount (16 MiB of replies' frames, a queue of max_frame bytes, the sockets' buffers) instead
 * of the 128 frames the input queue used to take. When the client then reads, every frame is
 * answered.
 */
static void test_reading_stops_while_replies_unread(void **state)
{
	struct fixture *f = *state;
	size_t len = 1024 * 1024, sent = 0;
	uint8_t *b = make_frame(len, 25);
	b[4] = OP_BIG_REPLY;
	int stalled_ms = 0;

	while (stalled_ms < 500 && sent < 200 * (4 + len)) {
		size_t off = sent % (4 + len);
		ssize_t k = send(f->fd, b + off, 4 + len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k > 0) {
			sent += (size_t)k;
			stalled_ms = 0;
		} else {
			assert_true(k < 0 && (errno == EAGAIN || errno == EINTR));
			struct pollfd p = { .fd = f->fd, .events = POLLOUT };
			if (poll(&p, 1, 50) == 0)
				stalled_ms += 50;
		}
	}
	size_t frames = sent / (4 + len);
	assert_true(frames < 64);

	/* Read every reply while finishing the frame under way: the server resumes. */
	struct reply_reader rd = { .fd = f->fd, .frames = frames + (sent % (4 + len) != 0) };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, read_big_replies, &rd), 0);
	send_all(f->fd, b + sent % (4 + len), (4 + len - sent % (4 + len)) % (4 + len));
	pthread_join(t, NULL);
	assert_int_equal(rd.answered, rd.frames);
	free(b);
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* A client that resets its connection while the server has stopped reading from it (its input
 * queue is full behind a slow request) is let go without the event loop spinning on the
 * hang-up, which epoll reports again and again while nothing reads. */
static void test_hangup_while_blocked(void **state)
{
	struct fixture *f = *state;
	size_t slow_len = 100 * 1024;   /* above NET_INLINE_MAX_FRAME: runs on a worker */
	uint8_t *slow = make_frame(slow_len, 26), *small = make_frame(10, 27);
	slow[4] = OP_SLOW;
	small[4] = 'x';

	send_all(f->fd, slow, 4 + slow_len);
	for (int i = 0; i < 200; i++)
		send_all(f->fd, small, 14);
	pause_ms(100);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(f->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(f->fd);   /* a reset */
	f->fd = socket(AF_INET, SOCK_STREAM, 0);   /* for teardown */
	double before = cpu_seconds();
	pause_ms(600);   /* the slow request still runs */
	assert_true(cpu_seconds() - before < 0.05);   /* idle: a few ms; spinning: most of 0.6 s */
	free(slow);
	free(small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_large_frame_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_frame_header_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_back_to_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_frame_drops_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preauth_limit, setup_preauth, teardown),
		cmocka_unit_test_setup_teardown(test_authenticated_lifts_limit, setup_preauth, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_grows_as_bytes_arrive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reading_stops_while_replies_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_while_blocked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
