/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker pool. Connections, not frames, are queued: a worker takes a connection and runs up to
 * NET_STRAND_BATCH of its frames in order, so one connection is never processed by two workers at
 * once, and blocking file-system calls never run on an event loop.
 */
#include "net/net_internal.h"

#include <stdlib.h>

#include "core/log.h"

void net_pool_schedule(struct net_server *s, struct net_conn *c)
{
	struct net_pool *p = &s->pool;

	pthread_mutex_lock(&p->lock);
	c->pool_next = NULL;
	if (p->tail)
		p->tail->pool_next = c;
	else
		p->head = c;
	p->tail = c;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Run a strand for one batch. The strand's reference (taken when it was scheduled) is either
 * passed on to the next scheduling or dropped here. */
void net_strand_run(struct net_server *s, struct net_conn *c)
{
	for (int i = 0; i < NET_STRAND_BATCH; i++) {
		bool resume = false;

		pthread_mutex_lock(&c->lock);
		struct net_frame *f = c->inq_head;
		if (f && !c->dead && net_conn_send_backlog(c) > net_conn_outq_limit(c)) {
			/* Let the loop send first, and read nothing more meanwhile (the client is not
			 * reading its replies); net_conn_on_writable reschedules us. */
			c->send_parked = true;
			c->scheduled = false;
			bool block = net_conn_read_block_update(c);
			pthread_mutex_unlock(&c->lock);
			if (block)
				net_conn_update_events(c);
			net_conn_put(c);
			return;
		}
		if (f) {
			c->inq_head = f->next;
			if (!c->inq_head)
				c->inq_tail = NULL;
			if (!f->task) {
				c->inq_count--;
				c->inq_bytes -= f->len;
			}
			if (c->inq_full && net_conn_inq_drained(c) && !c->dead) {
				c->inq_full = false;
				resume = net_conn_read_block_update(c);
			}
		} else if (c->dead) {
			bool run_close = !c->closed_cb_done;
			c->closed_cb_done = true;
			pthread_mutex_unlock(&c->lock);
			if (run_close && s->h.on_close)
				s->h.on_close(c, c->state);
			net_conn_put(c);
			return;
		} else {
			c->scheduled = false;
			pthread_mutex_unlock(&c->lock);
			net_conn_put(c);
			return;
		}
		bool dead = c->dead;
		pthread_mutex_unlock(&c->lock);

		if (resume)
			net_conn_update_events(c);
		if (f->task)
			f->task(c, c->state, f->task_arg);   /* tasks run even when dead: clean-up */
		else if (!dead && !atomic_load(&c->close_requested))
			s->h.on_frame(c, c->state, f->data, f->len);
		net_frame_free(f);
	}
	/* Batch used up: let other connections run, keep our place with the same reference. */
	net_pool_schedule(s, c);
}

static void *worker_main(void *arg)
{
	struct net_server *s = arg;
	struct net_pool *p = &s->pool;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		struct net_conn *c = p->head;
		if (!c) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		p->head = c->pool_next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		net_strand_run(s, c);
	}
}

void net_pool_start(struct net_server *s)
{
	struct net_pool *p = &s->pool;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->nthreads = s->cfg.worker_threads;
	p->threads = calloc(p->nthreads, sizeof(pthread_t));
	if (!p->threads)
		fatal("out of memory starting workers");
	for (unsigned i = 0; i < p->nthreads; i++)
		if (pthread_create(&p->threads[i], NULL, worker_main, s) != 0)
			fatal("cannot start worker thread");
}

/* Workers finish whatever is queued (including every connection's close callback), then exit. */
void net_pool_stop(struct net_server *s)
{
	struct net_pool *p = &s->pool;

	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
}
