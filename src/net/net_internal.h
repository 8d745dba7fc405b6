/* SPDX-License-Identifier: Apache-2.0 */
/* Private structures shared by the transport's files (loops, connections, worker pool). */
#ifndef SKIFF_NET_INTERNAL_H
#define SKIFF_NET_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/log.h"
#include "core/ratelimit.h"
#include "net/net.h"

#define NET_RBUF_SIZE (64 * 1024)
/* Stop reading from a client that has this many frames waiting for its strand, or frames
 * adding up to its max frame size (so at most two frames' worth waits: one frame running, one
 * queued and one more being read keeps bulk WRITEs pipelined); resume at half of both. */
#define NET_MAX_QUEUED_FRAMES 128
/* Frames a worker handles for one connection before letting other connections run. */
#define NET_STRAND_BATCH 16
/* A frame up to this size that finds its strand idle runs on the loop thread that read it: the
 * hand-off to a worker (futex wake, two context switches) costs more CPU than a small request
 * itself. Larger frames (bulk WRITEs) go to the workers, so reading the next one overlaps with
 * writing this one to the file. */
#define NET_INLINE_MAX_FRAME (64 * 1024)
/* A strand stops taking frames while its connection has this many response bytes waiting for the
 * socket (or twice its max frame size, if less: 136 KiB before authentication), and resumes when
 * the loop has sent them down to half: a client with hundreds of READs outstanding gets them
 * answered as fast as it drains them, not buffered in server memory. Reading stops meanwhile, so
 * a client that never reads its replies cannot queue more requests either. */
#define NET_MAX_OUTQ_BYTES (16 * 1024 * 1024)
/* A large frame's buffer starts at this size (or what has arrived, if more) and doubles as its
 * bytes arrive, so announcing a length costs nothing until the bytes are sent. */
#define NET_PARTIAL_MIN (256 * 1024)

struct net_frame {
	struct net_frame *next;
	net_task_fn task;      /* a posted task instead of a frame (len 0) */
	void *task_arg;
	size_t len;
	size_t cap;            /* bytes allocated for data (>= len; more for a cached large buffer) */
	uint8_t data[];
};

/* Frames come from and go back to here: large buffers are reused (see conn.c). */
struct net_frame *net_frame_alloc(size_t len);
/* A frame of `len` bytes to be filled as they arrive, with room for at least `have` of them now
 * (cap may be < len: grow it with net_frame_grow). */
struct net_frame *net_frame_alloc_partial(size_t len, size_t have);
/* Room for at least `need` (<= f->len) bytes; may move the frame. NULL, with f untouched, when
 * memory runs out. */
struct net_frame *net_frame_grow(struct net_frame *f, size_t need);
void net_frame_free(struct net_frame *f);
/* Free the kept buffers (server stop). */
void net_frame_cache_drain(void);

struct net_out {
	struct net_out *next;
	uint8_t *buf;
	size_t len;   /* including the 4-byte header */
	size_t sent;
};

struct net_loop;

/*
 * One TCP connection. Lock rules: `lock` guards the input queue, strand scheduling and closing
 * state; `send_lock` guards the output queue and the socket's write side. Never hold both, except
 * in the order lock -> send_lock. The read buffer is touched only by the owning loop thread.
 */
struct net_conn {
	atomic_int refs;
	int fd;
	struct net_loop *loop;
	struct net_conn *loop_next, *loop_prev;   /* loop's list, loop thread only */
	char peer[64];

	unsigned char addr[16];      /* peer address (IPv4 as v4-mapped), counted per address */
	bool addr_counted;           /* holds a count in the server's address table */
	/* Start of the unauthenticated clock (monotonic seconds): the connect, restarted when a
	 * delayed answer goes out, since the time the server itself holds an answer back is not
	 * the client's to lose. */
	atomic_llong unauth_since;
	_Atomic uint32_t max_frame;  /* preauth_max_frame, then max_frame once authenticated */
	atomic_bool authenticated;

	/* read side: loop thread only */
	uint8_t *rbuf;
	size_t rlen;
	struct net_frame *partial;   /* large frame being filled in place (cap grows to len) */
	size_t partial_have;
	int rcvlowat;                 /* SO_RCVLOWAT now set on fd (1 when none was set) */
	/* inq_full || send_parked, written under `lock` (net_conn_read_block_update), read by the
	 * loop without it: the loop stops reading and drops EPOLLIN while it is set. */
	atomic_bool read_blocked;

	pthread_mutex_t lock;
	struct net_frame *inq_head, *inq_tail;
	unsigned inq_count;
	size_t inq_bytes;   /* frame bytes in the input queue (tasks count 0) */
	bool inq_full;      /* the input queue reached its limit (NET_MAX_QUEUED_FRAMES) */
	bool scheduled;     /* a worker owns the strand or it sits in the pool queue */
	bool send_parked;   /* the strand stopped for the send backlog; the loop resumes it */
	bool dead;          /* no more frames will be delivered */
	bool closed_cb_done;
	void *state;        /* protocol state from on_open */
	struct net_conn *pool_next;

	pthread_mutex_t send_lock;
	struct net_out *outq_head, *outq_tail;
	size_t outq_bytes;  /* not yet sent */
	bool want_write;
	/* Byte counts of the stream since the connect (send_lock): queued for sending, and handed
	 * to the kernel; with SIOCOUTQ they tell what the peer has acknowledged (delivery.c). */
	uint64_t queued_total, sent_total;
	struct net_delivery *delivery;   /* the watch of tracked frames, NULL if none (send_lock) */
	atomic_bool never_acked;         /* test hook: nothing counts as acknowledged */

	atomic_llong last_active;   /* monotonic seconds */
	atomic_bool pinned;
	atomic_bool close_requested;
	atomic_uint delayed;        /* frames waiting in the timers (net_conn_send_at) */
};

struct net_server;

struct net_loop {
	struct net_server *srv;
	pthread_t thread;
	int epfd;
	int listen_fd;
	int wake_fd;              /* eventfd to stop the loop */
	int spare_fd;             /* kept open to be closed when accept meets EMFILE (server.c) */
	bool accept_paused;       /* listen_fd out of the epoll set until the next tick */
	struct net_conn *conns;   /* loop thread only */
};

/* Connections per peer address (max_connections_per_addr); entries live while count > 0. */
#define NET_ADDR_BUCKETS 1024
struct net_addr_entry {
	struct net_addr_entry *next;
	unsigned char addr[16];
	unsigned count;
};
struct net_addr_table {
	pthread_mutex_t lock;     /* guards everything below */
	uint64_t seed;            /* random: peers cannot choose addresses that share a bucket */
	struct net_addr_entry *bucket[NET_ADDR_BUCKETS];
};

struct net_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct net_conn *head, *tail;
	bool stopping;
	unsigned nthreads;
	pthread_t *threads;
};

struct net_server {
	struct net_config cfg;
	struct net_handlers h;
	uint16_t port;
	unsigned nloops;
	struct net_loop *loops;
	struct net_pool pool;
	atomic_uint nconns;
	atomic_bool stopping;
	/* net_server_stop has run with connections still referenced (an upper layer's state, e.g.
	 * a disconnected durable open's oplock grant): the last net_conn_put frees the server. */
	atomic_bool stopped;
	struct net_timers *timers;  /* timer.c; NULL if its thread could not start */
	struct net_addr_table addrs;
	/* Refusals and drops a client can cause at will are logged at this rate. */
	struct ratelimit rl_max_conns, rl_per_addr, rl_no_fds, rl_unauth;
};

long long net_now(void);
/* Timers (timer.c): fn runs on the timer thread once due_ms (net_now_ms) has come, or with
 * cancelled = true when the timers stop first. add returns the timer's id (never 0), or 0 once
 * they are stopping; cancel removes a timer that has not fired (true: fn will not run). */
struct net_timers;
struct net_timers *net_timers_start(void);
uint64_t net_timers_add(struct net_timers *t, uint64_t due_ms, net_timer_fn fn, void *arg);
bool net_timers_cancel(struct net_timers *t, uint64_t id);
void net_timers_stop(struct net_timers *t);
void net_conn_get(struct net_conn *c);
void net_conn_put(struct net_conn *c);
/* Loop side: data arrived / socket writable / connection finished. */
/* Both return false once the connection has been finished (and may be freed). */
bool net_conn_on_readable(struct net_conn *c);
bool net_conn_on_writable(struct net_conn *c);
void net_conn_finish(struct net_conn *c);
void net_conn_update_events(struct net_conn *c);
/* With c->lock held: set read_blocked from inq_full and send_parked; true if it changed (then
 * call net_conn_update_events once the lock is released). */
bool net_conn_read_block_update(struct net_conn *c);
/* With c->lock held: the input queue is back under half its limits. */
bool net_conn_inq_drained(const struct net_conn *c);
/* Backlog of response bytes at which the strand parks (see NET_MAX_OUTQ_BYTES). */
size_t net_conn_outq_limit(const struct net_conn *c);
/* Give back the connection's count in the address table (server.c). */
void net_addr_release(struct net_server *s, const unsigned char addr[16]);
struct net_conn *net_conn_new(struct net_loop *loop, int fd);

void net_pool_start(struct net_server *s);
void net_pool_stop(struct net_server *s);
void net_pool_schedule(struct net_server *s, struct net_conn *c);
/* Run one batch of a claimed strand on the calling thread (a worker, or a loop for small frames). */
void net_strand_run(struct net_server *s, struct net_conn *c);
/* Queue a frame (net_conn_send); returns the stream offset just past it, 0 if it was not
 * queued (the connection is being closed). */
uint64_t net_conn_queue(struct net_conn *c, uint8_t *buf, size_t len);
/* Response bytes queued on the connection and not yet sent (takes send_lock). */
size_t net_conn_send_backlog(struct net_conn *c);

/* server.c: free a stopped server (after its last connection, see `stopped`). */
void net_server_free(struct net_server *s);

#endif
