/* SPDX-License-Identifier: Apache-2.0 */
/* A connection: framing of the read side, the strand's input queue, and the ordered send queue. */
#include "net/net_internal.h"

#include <errno.h>
#include <poll.h>
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
	atomic_init(&c->unauth_since, net_now());
	atomic_init(&c->max_frame, loop->srv->cfg.preauth_max_frame);
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
	if (c->addr_counted)
		net_addr_release(s, c->addr);
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
	if (atomic_fetch_sub(&s->nconns, 1) == 1 && atomic_load(&s->stopped))
		net_server_free(s);
}

const char *net_conn_peer(const struct net_conn *c)
{
	return c->peer;
}

void net_conn_set_pinned(struct net_conn *c, bool pinned)
{
	atomic_store(&c->pinned, pinned);
}

void net_conn_set_authenticated(struct net_conn *c)
{
	atomic_store(&c->max_frame, c->loop->srv->cfg.max_frame);
	atomic_store(&c->authenticated, true);
}

static uint32_t conn_max_frame(const struct net_conn *c)
{
	return atomic_load_explicit(&c->max_frame, memory_order_relaxed);
}

size_t net_conn_outq_limit(const struct net_conn *c)
{
	size_t twice = 2 * (size_t)conn_max_frame(c);
	return twice < NET_MAX_OUTQ_BYTES ? twice : NET_MAX_OUTQ_BYTES;
}

static bool inq_over(const struct net_conn *c)
{
	return c->inq_count >= NET_MAX_QUEUED_FRAMES || c->inq_bytes >= conn_max_frame(c);
}

bool net_conn_inq_drained(const struct net_conn *c)
{
	return c->inq_count <= NET_MAX_QUEUED_FRAMES / 2 && c->inq_bytes <= conn_max_frame(c) / 2;
}

bool net_conn_read_block_update(struct net_conn *c)
{
	bool block = c->inq_full || c->send_parked;
	return atomic_exchange(&c->read_blocked, block) != block;
}

/* With reading blocked, neither EPOLLIN nor EPOLLRDHUP is asked for (both would be reported
 * again and again, level-triggered, with nothing read); EPOLLHUP and EPOLLERR still come and
 * end the connection (loop_main). */
void net_conn_update_events(struct net_conn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	pthread_mutex_lock(&c->lock);
	pthread_mutex_lock(&c->send_lock);
	if (!c->dead) {
		bool blocked = atomic_load(&c->read_blocked);
		ev.events = (blocked ? 0 : EPOLLIN | EPOLLRDHUP) | (c->want_write ? EPOLLOUT : 0);
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
	size_t len = f->len;
	bool small = f->len <= NET_INLINE_MAX_FRAME;   /* read now: a worker may free f once queued */

	f->next = NULL;
	atomic_store(&c->last_active, net_now());
	pthread_mutex_lock(&c->lock);
	if (c->inq_tail)
		c->inq_tail->next = f;
	else
		c->inq_head = f;
	c->inq_tail = f;
	c->inq_count++;
	c->inq_bytes += len;
	if (!c->inq_full && inq_over(c)) {
		c->inq_full = true;
		pause = net_conn_read_block_update(c);
	}
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

static size_t frame_cap_for(size_t len)
{
	if (len < FRAME_CACHE_MIN)
		return len;
	return (len + FRAME_CACHE_ROUND - 1) / FRAME_CACHE_ROUND * FRAME_CACHE_ROUND;
}

/* The smallest kept buffer that holds len bytes, or NULL. */
static struct net_frame *frame_cache_take(size_t len)
{
	struct net_frame *f = NULL;

	if (len < FRAME_CACHE_MIN)
		return NULL;
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
	return f;
}

static struct net_frame *frame_init(struct net_frame *f, size_t len)
{
	f->len = len;
	f->task = NULL;
	f->next = NULL;
	return f;
}

/* A kept buffer that holds len bytes, or a fresh one of cap bytes. */
static struct net_frame *frame_take_or_new(size_t len, size_t cap)
{
	struct net_frame *f = frame_cache_take(len);

	if (!f) {
		f = malloc(sizeof(*f) + cap);
		if (!f)
			return NULL;
		f->cap = cap;
	}
	return frame_init(f, len);
}

struct net_frame *net_frame_alloc(size_t len)
{
	return frame_take_or_new(len, frame_cap_for(len));
}

/* A kept buffer costs no new memory; a fresh one starts small so that a peer that announces
 * megabytes and sends little holds little. */
struct net_frame *net_frame_alloc_partial(size_t len, size_t have)
{
	size_t cap = have > NET_PARTIAL_MIN ? have : NET_PARTIAL_MIN;

	if (cap > frame_cap_for(len))
		cap = frame_cap_for(len);
	return frame_take_or_new(len, cap);
}

struct net_frame *net_frame_grow(struct net_frame *f, size_t need)
{
	size_t full = frame_cap_for(f->len);
	size_t cap = f->cap * 2 > need ? f->cap * 2 : need;

	if (cap > full)
		cap = full;
	if (cap <= f->cap)
		return f;
	struct net_frame *g = realloc(f, sizeof(*g) + cap);
	if (!g)
		return NULL;
	g->cap = cap;
	return g;
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
	uint32_t max = conn_max_frame(c);
	size_t pos = 0;

	while (c->rlen - pos >= 4) {
		const uint8_t *h = c->rbuf + pos;
		/* MS-SMB2 2.1: a zero byte, then a 24-bit big-endian length. */
		if (h[0] != 0)
			return false;
		size_t len = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
		if (len == 0 || len > max) {
			log_debug("%s: frame of %zu bytes over the limit of %u%s", c->peer, len, max,
				  atomic_load(&c->authenticated) ? "" : " before authentication");
			return false;
		}
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
		f = net_frame_alloc_partial(len, avail);
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
		if (atomic_load(&c->read_blocked))
			return true;
		if (c->partial) {
			struct net_frame *f = c->partial;
			if (c->partial_have == f->cap) {
				f = net_frame_grow(f, c->partial_have + 1);
				if (!f) {
					log_warn("%s: out of memory for a frame, dropping", c->peer);
					net_conn_finish(c);
					return false;
				}
				c->partial = f;
			}
			size_t want = f->len - c->partial_have;
			size_t room = (f->cap < f->len ? f->cap : f->len) - c->partial_have;
			size_t chunk = room < want ? room : want;
			n = read(c->fd, f->data + c->partial_have, chunk);
			if (n > 0) {
				c->partial_have += (size_t)n;
				if (c->partial_have == f->len) {
					c->partial = NULL;
					deliver(c, f);
				}
				if ((size_t)n < chunk) {
					set_rcvlowat(c, want - (size_t)n);
					return true;   /* drained: epoll (level-triggered) reports more */
				}
				if (chunk == want)
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
		c->sent_total += (uint64_t)n;
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

uint64_t net_conn_queue(struct net_conn *c, uint8_t *buf, size_t len)
{
	struct net_out *o = malloc(sizeof(*o));
	bool ok, update = false;
	uint64_t end;

	if (!o || len > 0xFFFFFF) {
		free(o);
		free(buf);
		net_conn_close(c);
		return 0;
	}
	buf[0] = 0;
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	*o = (struct net_out){ .buf = buf, .len = len + 4 };

	pthread_mutex_lock(&c->send_lock);
	c->outq_bytes += o->len;
	c->queued_total += o->len;
	end = c->queued_total;
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
	return ok ? end : 0;
}

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	net_conn_queue(c, buf, len);
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
	drained = c->outq_bytes <= net_conn_outq_limit(c) / 2;
	pthread_mutex_unlock(&c->send_lock);
	if (!ok) {
		net_conn_finish(c);
		return false;
	}
	if (drained) {
		/* Resume a strand that stopped for the backlog (see net_strand_run), and reading. */
		pthread_mutex_lock(&c->lock);
		if (c->send_parked) {
			c->send_parked = false;
			schedule = strand_claim(c);
			update |= net_conn_read_block_update(c);
		}
		pthread_mutex_unlock(&c->lock);
	}
	if (update)
		net_conn_update_events(c);
	if (schedule)
		net_pool_schedule(c->loop->srv, c);
	return true;
}

bool net_conn_gone(struct net_conn *c)
{
	pthread_mutex_lock(&c->lock);
	bool dead = c->dead;
	pthread_mutex_unlock(&c->lock);
	if (dead)
		return true;
	/* The peer's FIN or RST may be on the socket before the loop thread (busy, or not
	 * scheduled) has read it: a client that drops its connection and reconnects at once
	 * must not find its old connection alive. The fd lives as long as the caller's
	 * reference. */
	struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

void net_conn_close(struct net_conn *c)
{
	atomic_store(&c->close_requested, true);
	/* The loop sees EOF/HUP and finishes the connection on its own thread. */
	shutdown(c->fd, SHUT_RDWR);
}
