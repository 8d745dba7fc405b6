/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for the transport (src/net) under the stateful dispatcher fuzzer: the functions of
 * net/net.h that the smb2 layer calls, with no sockets and no threads. Sent frames are kept on
 * their connection for the harness to read; tasks posted to a connection's strand wait in one
 * queue until the harness runs them (fake_net_run_tasks), on its own thread, as the real strand
 * would after the frame. Include once, in the fuzz target.
 */
#ifndef SKIFF_FUZZ_NET_FAKE_H
#define SKIFF_FUZZ_NET_FAKE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/net.h"

struct fake_frame {
	struct fake_frame *next;
	uint8_t *buf;           /* 4 bytes of room, then the frame */
	size_t len;             /* of the frame */
};

struct net_conn {
	unsigned refs;          /* the harness's own, plus what the smb2 layer takes */
	bool closed;            /* net_conn_close was called: the harness ends it */
	bool gone;              /* on_close has run: tasks see a NULL state */
	void *state;
	struct fake_frame *sent, **sent_tail;
};

struct fake_task {
	struct fake_task *next;
	struct net_conn *nc;
	net_task_fn fn;
	void *arg;
};

/* The oplock break timer posts from its own thread: the queue and the counts take this lock. */
static pthread_mutex_t fake_net_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_task *fake_tasks, **fake_tasks_tail = &fake_tasks;

static struct net_conn *fake_net_conn_new(void)
{
	struct net_conn *nc = calloc(1, sizeof(*nc));
	if (nc) {
		nc->refs = 1;
		nc->sent_tail = &nc->sent;
	}
	return nc;
}

static void fake_net_conn_free(struct net_conn *nc)
{
	for (struct fake_frame *f = nc->sent, *n; f; f = n) {
		n = f->next;
		free(f->buf);
		free(f);
	}
	free(nc);
}

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	struct fake_frame *f = malloc(sizeof(*f));
	if (!f) {
		free(buf);
		return;
	}
	*f = (struct fake_frame){ .buf = buf, .len = len };
	pthread_mutex_lock(&fake_net_lock);
	*c->sent_tail = f;
	c->sent_tail = &f->next;
	pthread_mutex_unlock(&fake_net_lock);
}

/* The oldest frame sent on c (NULL when none); the caller frees it and its buf. */
static struct fake_frame *fake_net_take_sent(struct net_conn *c)
{
	pthread_mutex_lock(&fake_net_lock);
	struct fake_frame *f = c->sent;
	if (f) {
		c->sent = f->next;
		if (!c->sent)
			c->sent_tail = &c->sent;
	}
	pthread_mutex_unlock(&fake_net_lock);
	return f;
}

void net_conn_close(struct net_conn *c)
{
	c->closed = true;
}

bool net_conn_gone(struct net_conn *c)
{
	(void)c;
	return false;
}

void net_conn_set_pinned(struct net_conn *c, bool pinned)
{
	(void)c;
	(void)pinned;
}

void net_conn_post(struct net_conn *c, net_task_fn fn, void *arg)
{
	struct fake_task *t = malloc(sizeof(*t));
	if (!t)
		abort();   /* a lost task would leak what it holds: fail loudly in the harness */
	*t = (struct fake_task){ .nc = c, .fn = fn, .arg = arg };
	pthread_mutex_lock(&fake_net_lock);
	c->refs++;
	*fake_tasks_tail = t;
	fake_tasks_tail = &t->next;
	pthread_mutex_unlock(&fake_net_lock);
}

void net_conn_ref(struct net_conn *c)
{
	pthread_mutex_lock(&fake_net_lock);
	c->refs++;
	pthread_mutex_unlock(&fake_net_lock);
}

/* Returns nothing, like the real one; the harness frees a gone connection at its last ref. */
void net_conn_unref(struct net_conn *c)
{
	pthread_mutex_lock(&fake_net_lock);
	bool last = --c->refs == 0;
	pthread_mutex_unlock(&fake_net_lock);
	if (last)
		fake_net_conn_free(c);
}

const char *net_conn_peer(const struct net_conn *c)
{
	(void)c;
	return "fuzz";
}

void net_conn_set_authenticated(struct net_conn *c)
{
	(void)c;
}

/* A failed logon's delayed answer goes out at once: the clock stands still in the harness, so
 * the throttle's schedule (and what the fuzzer sees) does not depend on time. */
void net_conn_send_at(struct net_conn *c, uint8_t *buf, size_t len, uint64_t due_ms)
{
	(void)due_ms;
	net_conn_send(c, buf, len);
}

unsigned net_conn_delayed(const struct net_conn *c)
{
	(void)c;
	return 0;
}

/* A break's delivery is taken for granted; the test hook only marks nothing here. */
void net_conn_send_tracked(struct net_conn *c, uint8_t *buf, size_t len)
{
	net_conn_send(c, buf, len);
}

void net_conn_set_never_acked(struct net_conn *c)
{
	(void)c;
}

uint64_t net_now_ms(void)
{
	return 0;
}

/* Timers (net_timer_add): kept until the harness fires them (fake_net_fire_timers), since the
 * clock stands still; a cancelled one is forgotten. */
struct fake_timer {
	struct fake_timer *next;
	uint64_t id;
	net_timer_fn fn;
	void *arg;
};
static struct fake_timer *fake_timers;
static uint64_t fake_next_timer_id;

uint64_t net_timer_add(struct net_conn *c, uint64_t due_ms, net_timer_fn fn, void *arg)
{
	struct fake_timer *t = calloc(1, sizeof(*t));

	(void)c;
	(void)due_ms;
	if (!t)
		return 0;
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_lock(&fake_net_lock);
	t->id = ++fake_next_timer_id;
	t->next = fake_timers;
	fake_timers = t;
	pthread_mutex_unlock(&fake_net_lock);
	return t->id;
}

/* A server-wide timer (restored persistent opens' scavengers) is one like any other here. */
uint64_t net_server_timer_add(struct net_server *s, uint64_t due_ms, net_timer_fn fn, void *arg)
{
	(void)s;
	return net_timer_add(NULL, due_ms, fn, arg);
}

bool net_timer_cancel(struct net_conn *c, uint64_t id)
{
	bool found = false;

	(void)c;
	pthread_mutex_lock(&fake_net_lock);
	for (struct fake_timer **pp = &fake_timers; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct fake_timer *t = *pp;
			*pp = t->next;
			free(t);
			found = true;
			break;
		}
	pthread_mutex_unlock(&fake_net_lock);
	return found;
}

/* Fire every pending timer (and those they set): as due, or as cancelled (the server stopping),
 * one at a time and without the lock, as the timer thread would. */
static void fake_net_fire_timers(bool cancelled)
{
	for (;;) {
		pthread_mutex_lock(&fake_net_lock);
		struct fake_timer *t = fake_timers;
		if (t)
			fake_timers = t->next;
		pthread_mutex_unlock(&fake_net_lock);
		if (!t)
			return;
		t->fn(t->arg, cancelled);
		free(t);
	}
}

/* Run every queued task (and those they queue), each on its connection as the strand would. */
static void fake_net_run_tasks(void)
{
	for (;;) {
		pthread_mutex_lock(&fake_net_lock);
		struct fake_task *t = fake_tasks;
		if (t) {
			fake_tasks = t->next;
			if (!fake_tasks)
				fake_tasks_tail = &fake_tasks;
		}
		pthread_mutex_unlock(&fake_net_lock);
		if (!t)
			return;
		t->fn(t->nc, t->nc->gone ? NULL : t->nc->state, t->arg);
		net_conn_unref(t->nc);
		free(t);
	}
}

#endif
