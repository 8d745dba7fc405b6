/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transport: listening sockets, event-loop threads that own connections and cut the byte stream
 * into frames (4-byte Direct TCP header, MS-SMB2 2.1), and a worker pool that runs each
 * connection's frames one at a time ("strand") off the loops. Knows nothing of SMB.
 */
#ifndef SKIFF_NET_H
#define SKIFF_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_conn;

/* Callbacks into the protocol layer. on_frame and on_close run on a worker thread, never two at
 * a time for one connection, and on_close after the last on_frame. */
struct net_handlers {
	/* A new connection; returns the protocol state for it (NULL refuses the connection). */
	void *(*on_open)(struct net_conn *c, void *arg);
	/* One complete frame (without the 4-byte header). The buffer is freed after the call. */
	void (*on_frame)(struct net_conn *c, void *state, uint8_t *frame, size_t len);
	/* The connection is gone; free the state. */
	void (*on_close)(struct net_conn *c, void *state);
	/* Optional: whether a small frame may run on the event-loop thread that read it (see
	 * deliver in conn.c); false sends it to a worker, e.g. when it may wait for a lock another
	 * connection holds. Called as the connection's strand, with the frame not yet run. */
	bool (*may_run_inline)(struct net_conn *c, void *state, const uint8_t *frame, size_t len);
	/* Optional: called once every listening socket is bound and before any thread starts, so
	 * that what only the bind needed (a port below 1024) is given up by every thread. */
	void (*on_bound)(void *arg);
	void *arg;
};

struct net_config {
	const char *listen;          /* address literal */
	uint16_t port;
	unsigned event_threads;      /* >= 1 */
	unsigned worker_threads;     /* >= 1 */
	unsigned max_connections;
	unsigned max_connections_per_addr;   /* from one peer address; 0 = no limit */
	unsigned idle_timeout;       /* seconds, 0 = never */
	unsigned unauth_timeout;     /* seconds a connection may stay unauthenticated, 0 = never */
	uint32_t max_frame;          /* largest frame accepted; bigger ones drop the connection */
	uint32_t preauth_max_frame;  /* the same until net_conn_set_authenticated (0: max_frame) */
};

struct net_server;

/* Bind, start the threads. Returns NULL (with a log line) if the address can't be bound. */
struct net_server *net_server_start(const struct net_config *cfg, const struct net_handlers *h);
/* Port actually bound (useful with port 0). */
uint16_t net_server_port(const struct net_server *s);
/* Stop accepting, close every connection, join the threads. */
void net_server_stop(struct net_server *s);

/*
 * Queue a frame for sending. `buf` holds 4 bytes of room for the Direct TCP header followed by
 * `len` bytes of frame; ownership passes to the transport (freed with free()). Thread-safe;
 * frames go out in the order queued.
 */
void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len);
/*
 * The same, not before due_ms (a net_now_ms time): the frame waits in the transport's timers,
 * holding no thread, and frames queued after it may go first. Thread-safe.
 */
void net_conn_send_at(struct net_conn *c, uint8_t *buf, size_t len, uint64_t due_ms);
/*
 * The same as net_conn_send, for a frame the peer must be seen to receive (an oplock or lease
 * break, MS-SMB2 3.3.4.6/3.3.4.7). Its delivery is watched: once the peer's TCP has acknowledged
 * its last byte (SIOCOUTQ) all is well; if it acknowledges nothing at all for six retransmission
 * timeouts (TCP_INFO's, clamped to 0.2..1 s) before that, the peer is taken to be gone and the
 * connection is closed, so that its teardown releases (or moves to another channel) what it held
 * instead of others waiting for a vanished client. Thread-safe.
 */
void net_conn_send_tracked(struct net_conn *c, uint8_t *buf, size_t len);
/* Test hook (smbtorture's FSCTL_SMBTORTURE_FORCE_UNACKED_TIMEOUT): from now on the peer is taken
 * to acknowledge nothing, so the next tracked frame ends the connection. One way; thread-safe. */
void net_conn_set_never_acked(struct net_conn *c);
/* Frames of this connection still waiting to be sent by net_conn_send_at. */
unsigned net_conn_delayed(const struct net_conn *c);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t net_now_ms(void);
/* Drop the connection (after queued frames, best effort). Thread-safe. */
void net_conn_close(struct net_conn *c);
/*
 * The protocol layer has authenticated the peer: the connection's max frame size rises from
 * preauth_max_frame to max_frame (and its queue limits with it), and the unauthenticated timeout
 * stops applying. Thread-safe, idempotent, one way.
 */
void net_conn_set_authenticated(struct net_conn *c);
/* The peer is gone (EOF or error seen by the loop, or waiting on the socket) though the
 * connection's teardown (on_close) may not have run yet. Thread-safe; the caller holds a
 * reference. */
bool net_conn_gone(struct net_conn *c);
/* A pinned connection (e.g. with open files) is not dropped for being idle. */
void net_conn_set_pinned(struct net_conn *c, bool pinned);
/*
 * Run fn on the connection's strand (after the frames already queued), so another connection's
 * strand or a timer can hand it work without touching its state. fn also runs when the
 * connection is already gone (before on_close), with `state` still valid, so it can release
 * what `arg` holds. Thread-safe; the caller must hold a reference (net_conn_ref).
 */
typedef void (*net_task_fn)(struct net_conn *c, void *state, void *arg);
void net_conn_post(struct net_conn *c, net_task_fn fn, void *arg);
/* References for holding a connection beyond its own strand (e.g. in a cross-connection table). */
void net_conn_ref(struct net_conn *c);
void net_conn_unref(struct net_conn *c);

/*
 * Timers of the transport (one thread, a min-heap of deadlines): fn(arg, false) runs on the
 * timer thread once due_ms (a net_now_ms time) has passed (never early: a timer set at
 * net_now_ms() + d runs after at least d ms of real time), or fn(arg, true) if the server stops
 * first, so that it can release arg. fn must be short (post to a strand, queue a frame). `c` only
 * names the server; the timer does not hold it. Returns an id for net_timer_cancel, 0 when no
 * timer can be set (out of memory, no timer thread, stopping). Thread-safe.
 */
typedef void (*net_timer_fn)(void *arg, bool cancelled);
uint64_t net_timer_add(struct net_conn *c, uint64_t due_ms, net_timer_fn fn, void *arg);
/* Cancel a timer that has not fired: true when it was removed (fn will never run and the caller
 * keeps arg); false when it has run, is running or is unknown. */
bool net_timer_cancel(struct net_conn *c, uint64_t id);
/* net_timer_add before any connection exists (work restored at start-up). */
uint64_t net_server_timer_add(struct net_server *s, uint64_t due_ms, net_timer_fn fn, void *arg);

/* Peer address as text, for logs. */
const char *net_conn_peer(const struct net_conn *c);

#endif
