/* SPDX-License-Identifier: Apache-2.0 */
/* A connection: framing of the read side, the strand's input queue, and the ordered send queue. */
#include "net/net_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

long long net_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct net_conn *net_conn_new(struct net_loop *loop, int fd)
{
	struct net_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rbuf = malloc(NET_RBUF_SIZE);
	if (!c->rbuf) {
		free(c);
		return NULL;
	}
	atomic_init(&c->refs, 1);   /* the loop's reference */
	c->fd = fd;
	c->rcvlowat = 1;
	c->loop = loop;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->send_lock, NULL);
	atomic_init(&c->last_active, net_now());
	return c;
}

void net_conn_get(struct net_conn *c)
{
	atomic_fetch_add(&c->refs, 1);
}

static void frames_free(struct net_frame *f)
{
	while (f) {
		struct net_frame *n = f->next;
		net_frame_free(f);
		f = n;
	}
}

void net_conn_put(struct net_conn *c)
{
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	struct net_server *s = c->loop->srv;
	close(c->fd);
	free(c->rbuf);
	free(c->partial);
	frames_free(c->inq_head);
	for (struct net_out *o = c->outq_head, *n; o; o = n) {
		n = o->next;
		free(o->buf);
		free(o);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->send_lock);
	free(c);
	atomic_fetch_sub(&s->nconns, 1);
}

const char *net_conn_peer(const struct net_conn *c)
{
	return c->peer;
}

void net_conn_set_pinned(struct net_conn *c, bool pinned)
{
	atomic_store(&c->pinned, pinned);
}

void net_conn_update_events(struct net_conn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	pthread_mutex_lock(&c->lock);
	pthread_mutex_lock(&c->send_lock);
	if (!c->dead) {
		ev.events = EPOLLRDHUP | (c->reading_paused ? 0 : EPOLLIN) | (c->want_write ? EPOLLOUT : 0);
		epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
	pthread_mutex_unlock(&c->send_lock);
	pthread_mutex_unlock(&c->lock);
}

/* With c->lock held: claim the strand for a worker unless one already has it; the caller
 * schedules the connection (after unlocking) when this returns true. */
static bool strand_claim(struct net_conn *c)
{
	if (c->scheduled)
		return false;
	c->scheduled = true;
	net_conn_get(c);   /* the strand's reference */
	return true;
}

size_t net_conn_send_backlog(struct net_conn *c)
{
	pthread_mutex_lock(&c->send_lock);
	size_t n = c->outq_bytes;
	pthread_mutex_unlock(&c->send_lock);
	return n;
}

/* Hand a complete frame to the connection's strand. Loop thread. `f` may be freed on return. */
/* Asked only once deliver has claimed the strand, so the protocol may look at its state. */
static bool may_run_inline(struct net_conn *c, const struct net_frame *f)
{
	const struct net_handlers *h = &c->loop->srv->h;

	return !h->may_run_inline || h->may_run_inline(c, c->state, f->data, f->len);
}

static void deliver(struct net_conn *c, struct net_frame *f)
{
	bool pause = false;
	bool small = f->len <= NET_INLINE_MAX_FRAME;   /* read now: a worker may free f once queued */

	f->next = NULL;
	atomic_store(&c->last_active, net_now());
	pthread_mutex_lock(&c->lock);
	if (c->inq_tail)
		c->inq_tail->next = f;
	else
		c->inq_head = f;
	c->inq_tail = f;
	if (++c->inq_count >= NET_MAX_QUEUED_FRAMES && !c->reading_paused)
		pause = c->reading_paused = true;
	bool schedule = !c->dead && strand_claim(c);
	pthread_mutex_unlock(&c->lock);
	if (pause)
		net_conn_update_events(c);
	/* With responses still waiting for the socket the loop stays free to send them while a
	 * worker prepares the next (a pipelined 1 GiB READ overlaps pread and signing with it). */
	if (schedule && small && net_conn_send_backlog(c) == 0 && may_run_inline(c, f))
		net_strand_run(c->loop->srv, c);
	else if (schedule)
		net_pool_schedule(c->loop->srv, c);
}

/*
 * Buffers of large frames (bulk WRITEs) are kept for reuse: a fresh one costs a page fault and
 * the zeroing of a page per 4 KiB as the socket data is copied in (perf of a pipelined 1 GiB
 * write: clear_page under read), nearly as much as that copy. A few are enough: frames are
 * freed as soon as their request has run.
 */
#define FRAME_CACHE_MIN   (256u * 1024u)     /* smaller frames come and go through malloc */
#define FRAME_CACHE_ROUND (1024u * 1024u)    /* capacities rounded up, so sizes are shared */
#define FRAME_CACHE_SLOTS 4

static pthread_mutex_t frame_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct net_frame *frame_cache[FRAME_CACHE_SLOTS];

struct net_frame *net_frame_alloc(size_t len)
{
	struct net_frame *f = NULL;
	size_t cap = len;

	if (len >= FRAME_CACHE_MIN) {
		cap = (len + FRAME_CACHE_ROUND - 1) / FRAME_CACHE_ROUND * FRAME_CACHE_ROUND;
		pthread_mutex_lock(&frame_cache_lock);
		int best = -1;
		for (int i = 0; i < FRAME_CACHE_SLOTS; i++)
			if (frame_cache[i] && frame_cache[i]->cap >= len &&
			    (best < 0 || frame_cache[i]->cap < frame_cache[best]->cap))
				best = i;
		if (best >= 0) {
			f = frame_cache[best];
			frame_cache[best] = NULL;
		}
		pthread_mutex_unlock(&frame_cache_lock);
	}
	if (!f) {
		f = malloc(sizeof(*f) + cap);
		if (!f)
			return NULL;
		f->cap = cap;
	}
	f->len = len;
	f->task = NULL;
	f->next = NULL;
	return f;
}

void net_frame_cache_drain(void)
{
	pthread_mutex_lock(&frame_cache_lock);
	for (int i = 0; i < FRAME_CACHE_SLOTS; i++) {
		free(frame_cache[i]);
		frame_cache[i] = NULL;
	}
	pthread_mutex_unlock(&frame_cache_lock);
}

void net_frame_free(struct net_frame *f)
{
	if (f && f->cap >= FRAME_CACHE_MIN) {
		pthread_mutex_lock(&frame_cache_lock);
		/* an empty slot, else the smallest one if this is bigger */
		int slot = -1;
		for (int i = 0; i < FRAME_CACHE_SLOTS && slot < 0; i++)
			if (!frame_cache[i])
				slot = i;
		for (int i = 0; i < FRAME_CACHE_SLOTS && slot < 0; i++)
			if (frame_cache[i]->cap < f->cap)
				slot = i;
		struct net_frame *old = NULL;
		if (slot >= 0) {
			old = frame_cache[slot];
			frame_cache[slot] = f;
			f = old;
		}
		pthread_mutex_unlock(&frame_cache_lock);
	}
	free(f);
}

void net_conn_ref(struct net_conn *c)
{
	net_conn_get(c);
}

void net_conn_unref(struct net_conn *c)
{
	net_conn_put(c);
}

void net_conn_post(struct net_conn *c, net_task_fn fn, void *arg)
{
	struct net_frame *f = net_frame_alloc(0);
	bool schedule;

	if (!f) {
		/* Out of memory: run it here rather than lose it; the callee tolerates any thread
		 * only for clean-up, so mark it by passing no state. */
		fn(c, NULL, arg);
		return;
	}
	f->task = fn;
	f->task_arg = arg;
	f->next = NULL;
	pthread_mutex_lock(&c->lock);
	if (c->closed_cb_done) {
		pthread_mutex_unlock(&c->lock);
		net_frame_free(f);
		fn(c, NULL, arg);
		return;
	}
	if (c->inq_tail)
		c->inq_tail->next = f;
	else
		c->inq_head = f;
	c->inq_tail = f;
	schedule = strand_claim(c);
	pthread_mutex_unlock(&c->lock);
	if (schedule)
		net_pool_schedule(c->loop->srv, c);
}

/* Cut frames out of the read buffer; false if the stream is invalid (connection must go). */
static bool parse_frames(struct net_conn *c)
{
	uint32_t max = c->loop->srv->cfg.max_frame;
	size_t pos = 0;

	while (c->rlen - pos >= 4) {
		const uint8_t *h = c->rbuf + pos;
		/* MS-SMB2 2.1: a zero byte, then a 24-bit big-endian length. */
		if (h[0] != 0)
			return false;
		size_t len = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
		if (len == 0 || len > max)
			return false;
		size_t avail = c->rlen - pos - 4;
		struct net_frame *f;
		if (avail >= len) {
			f = net_frame_alloc(len);
			if (!f)
				return false;
			memcpy(f->data, h + 4, len);
			pos += 4 + len;
			deliver(c, f);
			continue;
		}
		if (4 + len <= NET_RBUF_SIZE)
			break;   /* fits the read buffer: wait for the rest there */
		/* Large frame: read the remainder straight into its own buffer. */
		f = net_frame_alloc(len);
		if (!f)
			return false;
		memcpy(f->data, h + 4, avail);
		c->partial = f;
		c->partial_have = avail;
		pos = c->rlen;
		break;
	}
	if (pos) {
		memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
		c->rlen -= pos;
	}
	return true;
}

/* While a large frame arrives, wake the loop only once a good part of the rest has arrived: a
 * client's 8 MiB WRITE otherwise comes in as 30 or so wake-ups of 128-400 KiB, each costing an
 * epoll round and a cross-CPU wake-up on both sides. The mark stays well under what the socket's
 * receive buffer holds, so it is always reached; it drops back to 1 once the frame is complete. */
#define RCVLOWAT_MAX (1024 * 1024)

static void set_rcvlowat(struct net_conn *c, size_t want)
{
	int mark = want > RCVLOWAT_MAX ? RCVLOWAT_MAX : want < 1 ? 1 : (int)want;
	if (mark == c->rcvlowat)
		return;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &mark, sizeof(mark)) == 0)
		c->rcvlowat = mark;
}

bool net_conn_on_readable(struct net_conn *c)
{
	for (int budget = 0; budget < 64; budget++) {
		ssize_t n;
		if (c->reading_paused)
			return true;
		if (c->partial) {
			struct net_frame *f = c->partial;
			size_t want = f->len - c->partial_have;
			n = read(c->fd, f->data + c->partial_have, want);
			if (n > 0) {
				c->partial_have += (size_t)n;
				if (c->partial_have == f->len) {
					c->partial = NULL;
					deliver(c, f);
				}
				if ((size_t)n < want) {
					set_rcvlowat(c, want - (size_t)n);
					return true;   /* drained: epoll (level-triggered) reports more */
				}
				set_rcvlowat(c, 1);
				continue;
			}
		} else {
			size_t want = NET_RBUF_SIZE - c->rlen;
			n = read(c->fd, c->rbuf + c->rlen, want);
			if (n > 0) {
				c->rlen += (size_t)n;
				if (!parse_frames(c)) {
					log_debug("%s: bad framing, dropping connection", c->peer);
					net_conn_finish(c);
					return false;
				}
				/* A short read drained the socket: save the read that would only say
				 * EAGAIN; epoll is level-triggered and reports what arrives later. */
				if ((size_t)n < want)
					return true;
				continue;
			}
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		net_conn_finish(c);   /* EOF or error */
		return false;
	}
	return true;
}

void net_conn_finish(struct net_conn *c)
{
	struct net_loop *loop = c->loop;
	bool schedule;

	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->loop_prev)
		c->loop_prev->loop_next = c->loop_next;
	else
		loop->conns = c->loop_next;
	if (c->loop_next)
		c->loop_next->loop_prev = c->loop_prev;
	shutdown(c->fd, SHUT_RDWR);

	pthread_mutex_lock(&c->lock);
	c->dead = true;
	schedule = strand_claim(c);
	pthread_mutex_unlock(&c->lock);
	if (schedule)
		net_pool_schedule(loop->srv, c);
	net_conn_put(c);   /* the loop's reference */
}

/* Write as much of the queue as the socket takes. Called with send_lock held. */
static bool flush_locked(struct net_conn *c)
{
	while (c->outq_head) {
		struct net_out *o = c->outq_head;
		ssize_t n = send(c->fd, o->buf + o->sent, o->len - o->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN;
		}
		o->sent += (size_t)n;
		c->outq_bytes -= (size_t)n;
		if (o->sent < o->len)
			continue;
		c->outq_head = o->next;
		if (!c->outq_head)
			c->outq_tail = NULL;
		free(o->buf);
		free(o);
	}
	return true;
}

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	struct net_out *o = malloc(sizeof(*o));
	bool ok, update = false;

	if (!o || len > 0xFFFFFF) {
		free(o);
		free(buf);
		net_conn_close(c);
		return;
	}
	buf[0] = 0;
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	*o = (struct net_out){ .buf = buf, .len = len + 4 };

	pthread_mutex_lock(&c->send_lock);
	c->outq_bytes += o->len;
	if (c->outq_tail)
		c->outq_tail->next = o;
	else
		c->outq_head = o;
	c->outq_tail = o;
	ok = flush_locked(c);
	if (ok && c->outq_head && !c->want_write)
		update = c->want_write = true;
	pthread_mutex_unlock(&c->send_lock);
	if (!ok)
		net_conn_close(c);
	else if (update)
		net_conn_update_events(c);
}

bool net_conn_on_writable(struct net_conn *c)
{
	bool ok, update = false, drained, schedule = false;

	pthread_mutex_lock(&c->send_lock);
	ok = flush_locked(c);
	if (ok && !c->outq_head && c->want_write) {
		c->want_write = false;
		update = true;
	}
	drained = c->outq_bytes <= NET_MAX_OUTQ_BYTES / 2;
	pthread_mutex_unlock(&c->send_lock);
	if (!ok) {
		net_conn_finish(c);
		return false;
	}
	if (update)
		net_conn_update_events(c);
	if (drained) {
		/* Resume a strand that stopped for the backlog (see net_strand_run). */
		pthread_mutex_lock(&c->lock);
		if (c->send_parked) {
			c->send_parked = false;
			schedule = strand_claim(c);
		}
		pthread_mutex_unlock(&c->lock);
		if (schedule)
			net_pool_schedule(c->loop->srv, c);
	}
	return true;
}

void net_conn_close(struct net_conn *c)
{
	atomic_store(&c->close_requested, true);
	/* The loop sees EOF/HUP and finishes the connection on its own thread. */
	shutdown(c->fd, SHUT_RDWR);
}
