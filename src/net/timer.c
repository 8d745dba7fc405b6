/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Timers of the transport: one thread sleeping until the earliest of a min-heap of deadlines.
 * Callbacks run on that thread and must be short (hand work to a strand, queue a frame). What
 * it is used for today: frames sent later (net_conn_send_at), e.g. the answer to a failed logon,
 * and the protocol layer's own deadlines (net_timer_add, e.g. the oplock break timeout).
 */
#include "net/net_internal.h"

#include <stdlib.h>

#include "core/log.h"

struct net_timer {
	uint64_t due_ms;
	uint64_t seq;               /* equal deadlines fire in the order they were set */
	net_timer_fn fn;
	void *arg;
};

struct net_timers {
	pthread_mutex_t lock;       /* guards everything below */
	pthread_cond_t cond;        /* CLOCK_MONOTONIC */
	struct net_timer *heap;
	size_t n, cap;
	uint64_t next_seq;
	bool stopping;
	pthread_t thread;
};

/* CLOCK_MONOTONIC in milliseconds: core's clock, which the log limiter reads too. */
uint64_t net_now_ms(void)
{
	return ratelimit_now_ms();
}

static bool earlier(const struct net_timer *a, const struct net_timer *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void sift_up(struct net_timer *h, size_t i)
{
	while (i > 0 && earlier(&h[i], &h[(i - 1) / 2])) {
		struct net_timer tmp = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static void sift_down(struct net_timer *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && earlier(&h[l], &h[m]))
			m = l;
		if (r < n && earlier(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		struct net_timer tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static struct net_timer pop(struct net_timers *t)
{
	struct net_timer top = t->heap[0];

	t->heap[0] = t->heap[--t->n];
	sift_down(t->heap, t->n, 0);
	return top;
}

static void *timer_main(void *arg)
{
	struct net_timers *t = arg;

	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		if (t->n == 0) {
			pthread_cond_wait(&t->cond, &t->lock);
			continue;
		}
		/* The clock counts whole milliseconds: a timer set at "now + d" may have been set up
		 * to 1 ms after `now` began, so it fires only once the clock is past its due
		 * millisecond, never before d has passed (smb2.multichannel.oplocks.test3_specification
		 * measures the 35 s break timeout as strictly more than 35 s). */
		uint64_t now = net_now_ms();
		if (t->heap[0].due_ms >= now) {
			uint64_t due = t->heap[0].due_ms + 1;
			struct timespec ts = { .tv_sec = (time_t)(due / 1000),
					       .tv_nsec = (long)(due % 1000) * 1000000L };
			pthread_cond_timedwait(&t->cond, &t->lock, &ts);
			continue;
		}
		struct net_timer due = pop(t);
		pthread_mutex_unlock(&t->lock);
		due.fn(due.arg, false);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct net_timers *net_timers_start(void)
{
	struct net_timers *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t->thread, NULL, timer_main, t) != 0) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	return t;
}

uint64_t net_timers_add(struct net_timers *t, uint64_t due_ms, net_timer_fn fn, void *arg)
{
	uint64_t id = 0;

	pthread_mutex_lock(&t->lock);
	if (!t->stopping && t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct net_timer *h = realloc(t->heap, cap * sizeof(*h));
		if (h) {
			t->heap = h;
			t->cap = cap;
		}
	}
	if (!t->stopping && t->n < t->cap) {
		t->heap[t->n] = (struct net_timer){ .due_ms = due_ms, .seq = t->next_seq++, .fn = fn,
						    .arg = arg };
		sift_up(t->heap, t->n++);
		id = t->next_seq;   /* seq + 1: never 0 */
		/* only a new earliest deadline changes how long the thread sleeps */
		if (t->heap[0].seq == t->next_seq - 1)
			pthread_cond_signal(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	return id;
}

bool net_timers_cancel(struct net_timers *t, uint64_t id)
{
	bool found = false;

	pthread_mutex_lock(&t->lock);
	/* A linear search: cancellations are rare next to the frames and deadlines that fire. */
	for (size_t i = 0; i < t->n; i++) {
		if (t->heap[i].seq + 1 != id)
			continue;
		t->heap[i] = t->heap[--t->n];
		if (i < t->n) {
			sift_up(t->heap, i);
			sift_down(t->heap, t->n, i);
		}
		found = true;
		break;
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

uint64_t net_timer_add(struct net_conn *c, uint64_t due_ms, net_timer_fn fn, void *arg)
{
	struct net_timers *t = c->loop->srv->timers;

	return t ? net_timers_add(t, due_ms, fn, arg) : 0;
}

uint64_t net_server_timer_add(struct net_server *s, uint64_t due_ms, net_timer_fn fn, void *arg)
{
	return s->timers ? net_timers_add(s->timers, due_ms, fn, arg) : 0;
}

bool net_timer_cancel(struct net_conn *c, uint64_t id)
{
	struct net_timers *t = c->loop->srv->timers;

	return t && id && net_timers_cancel(t, id);
}

void net_timers_stop(struct net_timers *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	/* What never fired is cancelled, so its callback can release what it holds. */
	while (t->n) {
		struct net_timer e = pop(t);
		e.fn(e.arg, true);
	}
	free(t->heap);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ---- frames sent later ------------------------------------------------------------------ */

struct delayed_frame {
	struct net_conn *c;         /* referenced */
	uint8_t *buf;
	size_t len;
};

static void send_delayed(void *arg, bool cancelled)
{
	struct delayed_frame *d = arg;

	if (!cancelled)
		atomic_store(&d->c->unauth_since, net_now());
	atomic_fetch_sub(&d->c->delayed, 1);
	if (cancelled)
		free(d->buf);
	else
		net_conn_send(d->c, d->buf, d->len);
	net_conn_put(d->c);
	free(d);
}

void net_conn_send_at(struct net_conn *c, uint8_t *buf, size_t len, uint64_t due_ms)
{
	struct net_timers *t = c->loop->srv->timers;
	struct delayed_frame *d;

	if (!t || due_ms <= net_now_ms()) {
		net_conn_send(c, buf, len);
		return;
	}
	d = malloc(sizeof(*d));
	if (!d) {
		/* Answering now would defeat the delay: drop the connection instead. */
		free(buf);
		net_conn_close(c);
		return;
	}
	*d = (struct delayed_frame){ .c = c, .buf = buf, .len = len };
	net_conn_get(c);
	atomic_fetch_add(&c->delayed, 1);
	if (net_timers_add(t, due_ms, send_delayed, d) == 0) {
		net_conn_close(c);
		send_delayed(d, true);
	}
}

unsigned net_conn_delayed(const struct net_conn *c)
{
	return atomic_load(&c->delayed);
}
