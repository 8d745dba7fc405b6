/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening sockets and event loops. Each loop thread has its own SO_REUSEPORT listener and
 * epoll set, accepts its own connections and owns their read side; connections idle or still
 * unauthenticated for too long are reaped once a second. Admission: max_connections in all,
 * max_connections_per_addr from one peer address (the address table below).
 */
#include "net/net_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

static int listen_socket(const char *addr, uint16_t port, uint16_t *bound, bool exclusive_check)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t slen;
	int one = 1, fd;

	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		slen = sizeof(*sin6);
	} else {
		log_err("listen address '%s' is not an IPv4 or IPv6 literal", addr);
		return -1;
	}
	/* The loops' listeners share the port through SO_REUSEPORT, which would also let them join
	 * the listeners of another process of the same user: a second skiffd started by mistake
	 * (or one still dying) would get a share of the clients, and a connection queued on a
	 * listener that goes is reset. A plain bind first finds such a process. */
	if (exclusive_check && port != 0) {
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));   /* TIME_WAIT is no user */
		int in_use = bind(fd, (struct sockaddr *)&ss, slen) < 0 ? errno : 0;
		close(fd);
		if (in_use) {
			log_err("cannot listen on %s port %u: %s%s", addr, port, strerror(in_use),
				in_use == EADDRINUSE ? " (another server, or another skiffd, is listening)" : "");
			return -1;
		}
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, slen) < 0 || listen(fd, 512) < 0) {
		log_err("cannot listen on %s port %u: %s", addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &slen) == 0)
		*bound = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
}

/* The peer as text ("host:port") and as a 16-byte key: IPv4 as ::ffff:a.b.c.d, so one table
 * serves both families. */
static void peer_name(const struct sockaddr_storage *ss, char *out, size_t n, unsigned char key[16])
{
	char host[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &a->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		memcpy(key, &a->sin6_addr, 16);
	}
	snprintf(out, n, "%s:%u", host, port);
}

/* ---- connections per address ---- */

static size_t addr_bucket(const struct net_addr_table *t, const unsigned char addr[16])
{
	uint64_t h = 0xcbf29ce484222325ull ^ t->seed;   /* FNV-1a from a random start */
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 32)) % NET_ADDR_BUCKETS;
}

/* Count one more connection from addr unless it has `limit` already. */
static bool addr_acquire(struct net_addr_table *t, const unsigned char addr[16], unsigned limit)
{
	struct net_addr_entry **slot = &t->bucket[addr_bucket(t, addr)], *e;
	bool ok = false;

	pthread_mutex_lock(&t->lock);
	for (e = *slot; e && memcmp(e->addr, addr, 16) != 0; e = e->next)
		;
	if (!e && (e = calloc(1, sizeof(*e))) != NULL) {
		memcpy(e->addr, addr, 16);
		e->next = *slot;
		*slot = e;
	}
	if (e && e->count < limit) {
		e->count++;
		ok = true;
	}
	if (e && e->count == 0) {   /* a new entry that was refused (limit 0 is not used) */
		*slot = e->next;
		free(e);
	}
	pthread_mutex_unlock(&t->lock);
	return ok;
}

void net_addr_release(struct net_server *s, const unsigned char addr[16])
{
	struct net_addr_table *t = &s->addrs;
	struct net_addr_entry **pp = &t->bucket[addr_bucket(t, addr)];

	pthread_mutex_lock(&t->lock);
	for (; *pp; pp = &(*pp)->next) {
		struct net_addr_entry *e = *pp;
		if (memcmp(e->addr, addr, 16) != 0)
			continue;
		if (--e->count == 0) {
			*pp = e->next;
			free(e);
		}
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

static void addr_table_init(struct net_addr_table *t)
{
	pthread_mutex_init(&t->lock, NULL);
	if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed))
		t->seed = (uint64_t)net_now() * 0x9e3779b97f4a7c15ull;
}

/* ---- accepting ---- */

/*
 * Out of descriptors (EMFILE/ENFILE): the pending client would stay in the backlog and keep the
 * listening socket readable, so epoll would wake this loop at once, for ever. Close the spare
 * descriptor kept for this, accept the client and close it at once (it learns it was refused
 * rather than waiting), and take the spare back; if that does not work, stop listening on this
 * loop until the next tick.
 */
static void refuse_without_fd(struct net_loop *loop, int err)
{
	struct net_server *s = loop->srv;

	log_msg_ratelimited(&s->rl_no_fds, LOG_WARN,
			    "out of file descriptors (%s): refusing a client", strerror(err));
	if (loop->spare_fd >= 0) {
		close(loop->spare_fd);
		int fd = accept4(loop->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		loop->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (loop->spare_fd >= 0 && (fd >= 0 || errno == EAGAIN))
			return;
	}
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, loop->listen_fd, NULL) == 0)
		loop->accept_paused = true;
}

static void resume_accept(struct net_loop *loop)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &loop->listen_fd };

	if (loop->spare_fd < 0)
		loop->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->listen_fd, &ev) == 0)
		loop->accept_paused = false;
}

static void accept_all(struct net_loop *loop)
{
	struct net_server *s = loop->srv;

	for (;;) {
		struct sockaddr_storage ss = { 0 };
		socklen_t sslen = sizeof(ss);
		char peer[sizeof(((struct net_conn *)0)->peer)];
		unsigned char key[16];
		int fd = accept4(loop->listen_fd, (struct sockaddr *)&ss, &sslen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				refuse_without_fd(loop, errno);
			return;   /* EAGAIN: nothing more pending */
		}
		peer_name(&ss, peer, sizeof(peer), key);
		if (atomic_fetch_add(&s->nconns, 1) >= s->cfg.max_connections) {
			atomic_fetch_sub(&s->nconns, 1);
			log_msg_ratelimited(&s->rl_max_conns, LOG_WARN,
					    "connection limit (%u) reached, refusing %s",
					    s->cfg.max_connections, peer);
			close(fd);
			continue;
		}
		bool per_addr = s->cfg.max_connections_per_addr != 0;
		if (per_addr && !addr_acquire(&s->addrs, key, s->cfg.max_connections_per_addr)) {
			atomic_fetch_sub(&s->nconns, 1);
			log_msg_ratelimited(&s->rl_per_addr, LOG_WARN,
					    "limit of %u connections per address reached, refusing %s",
					    s->cfg.max_connections_per_addr, peer);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct net_conn *c = net_conn_new(loop, fd);
		if (!c) {
			close(fd);
			if (per_addr)
				net_addr_release(s, key);
			atomic_fetch_sub(&s->nconns, 1);
			continue;
		}
		memcpy(c->addr, key, sizeof(c->addr));
		c->addr_counted = per_addr;
		memcpy(c->peer, peer, sizeof(c->peer));
		c->state = s->h.on_open ? s->h.on_open(c, s->h.arg) : NULL;
		if (s->h.on_open && !c->state) {
			net_conn_put(c);
			continue;
		}
		c->loop_next = loop->conns;
		if (loop->conns)
			loop->conns->loop_prev = c;
		loop->conns = c;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
		epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev);
		log_debug("%s: connected", c->peer);
	}
}

static void reap_idle(struct net_loop *loop)
{
	struct net_server *s = loop->srv;
	unsigned timeout = s->cfg.idle_timeout, unauth = s->cfg.unauth_timeout;
	long long now = net_now();

	for (struct net_conn *c = loop->conns; c; c = c->loop_next) {
		if (atomic_load(&c->close_requested))
			continue;
		/* A connection waiting for a delayed answer (a failed logon) is not idle. */
		if (unauth && !atomic_load(&c->authenticated) && !atomic_load(&c->delayed) &&
		    now - atomic_load(&c->unauth_since) >= (long long)unauth) {
			log_msg_ratelimited(&s->rl_unauth, LOG_INFO,
					    "%s: not authenticated after %u s, dropping", c->peer, unauth);
			net_conn_close(c);
		} else if (timeout && !atomic_load(&c->pinned) &&
			   now - atomic_load(&c->last_active) > (long long)timeout) {
			log_info("%s: idle for %u s, dropping", c->peer, timeout);
			net_conn_close(c);
		}
	}
}

static void *loop_main(void *arg)
{
	struct net_loop *loop = arg;
	struct epoll_event evs[64];
	long long last_reap = net_now();

	while (!atomic_load(&loop->srv->stopping)) {
		int n = epoll_wait(loop->epfd, evs, 64, 1000);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &loop->listen_fd) {
				accept_all(loop);
				continue;
			}
			if (p == &loop->wake_fd)
				continue;
			struct net_conn *c = p;
			uint32_t e = evs[i].events;
			if ((e & EPOLLOUT) && !net_conn_on_writable(c))
				continue;
			/* Reading blocked (EPOLLIN off): a hang-up or error would be reported again
			 * and again with nothing read; the peer is gone, so is the connection. */
			if ((e & (EPOLLHUP | EPOLLERR)) && atomic_load(&c->read_blocked)) {
				net_conn_finish(c);
				continue;
			}
			if (e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
				net_conn_on_readable(c);
		}
		long long now = net_now();
		if (now != last_reap) {
			reap_idle(loop);
			if (loop->accept_paused)
				resume_accept(loop);
			last_reap = now;
		}
	}
	while (loop->conns)
		net_conn_finish(loop->conns);
	return NULL;
}

void net_server_free(struct net_server *s)
{
	for (size_t i = 0; i < NET_ADDR_BUCKETS; i++)
		while (s->addrs.bucket[i]) {
			struct net_addr_entry *e = s->addrs.bucket[i];
			s->addrs.bucket[i] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&s->addrs.lock);
	ratelimit_destroy(&s->rl_max_conns);
	ratelimit_destroy(&s->rl_per_addr);
	ratelimit_destroy(&s->rl_no_fds);
	ratelimit_destroy(&s->rl_unauth);
	free(s->loops);
	free(s);
}

struct net_server *net_server_start(const struct net_config *cfg, const struct net_handlers *h)
{
	struct net_server *s = calloc(1, sizeof(*s));
	uint16_t port = cfg->port;

	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->h = *h;
	if (!s->cfg.preauth_max_frame || s->cfg.preauth_max_frame > s->cfg.max_frame)
		s->cfg.preauth_max_frame = s->cfg.max_frame;
	addr_table_init(&s->addrs);
	ratelimit_init(&s->rl_max_conns, 10 * 1000, 1);
	ratelimit_init(&s->rl_per_addr, 10 * 1000, 1);
	ratelimit_init(&s->rl_no_fds, 10 * 1000, 1);
	ratelimit_init(&s->rl_unauth, 10 * 1000, 1);
	if (!s->cfg.event_threads)
		s->cfg.event_threads = 1;
	if (!s->cfg.worker_threads)
		s->cfg.worker_threads = 1;
	s->nloops = s->cfg.event_threads;
	s->loops = calloc(s->nloops, sizeof(*s->loops));
	if (!s->loops) {
		net_server_free(s);
		return NULL;
	}
	for (unsigned i = 0; i < s->nloops; i++)
		s->loops[i].spare_fd = -1;
	for (unsigned i = 0; i < s->nloops; i++) {
		struct net_loop *l = &s->loops[i];
		l->srv = s;
		l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		l->listen_fd = listen_socket(cfg->listen, port, &port, i == 0);
		if (l->listen_fd < 0)
			goto fail;
		l->epfd = epoll_create1(EPOLL_CLOEXEC);
		l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->listen_fd };
		epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->listen_fd, &ev);
		ev.data.ptr = &l->wake_fd;
		epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake_fd, &ev);
	}
	s->port = port;
	if (s->h.on_bound)
		s->h.on_bound(s->h.arg);
	s->timers = net_timers_start();
	if (!s->timers)
		log_warn("transport timers could not start; delayed answers go out at once");
	net_pool_start(s);
	for (unsigned i = 0; i < s->nloops; i++)
		if (pthread_create(&s->loops[i].thread, NULL, loop_main, &s->loops[i]) != 0)
			fatal("cannot start event loop thread");
	return s;
fail:
	for (unsigned i = 0; i < s->nloops; i++) {
		if (s->loops[i].spare_fd >= 0)
			close(s->loops[i].spare_fd);
		if (s->loops[i].listen_fd > 0) {
			close(s->loops[i].listen_fd);
			close(s->loops[i].epfd);
			close(s->loops[i].wake_fd);
		}
	}
	net_server_free(s);
	return NULL;
}

uint16_t net_server_port(const struct net_server *s)
{
	return s->port;
}

void net_server_stop(struct net_server *s)
{
	uint64_t one = 1;

	atomic_store(&s->stopping, true);
	for (unsigned i = 0; i < s->nloops; i++) {
		ssize_t w = write(s->loops[i].wake_fd, &one, sizeof(one));
		(void)w;
	}
	for (unsigned i = 0; i < s->nloops; i++) {
		pthread_join(s->loops[i].thread, NULL);
		close(s->loops[i].listen_fd);
	}
	net_pool_stop(s);
	/* After the workers (nothing adds a timer any more), before the loops go: a cancelled
	 * frame still drops its connection's reference. */
	net_timers_stop(s->timers);
	for (unsigned i = 0; i < s->nloops; i++) {
		close(s->loops[i].epfd);
		close(s->loops[i].wake_fd);
		if (s->loops[i].spare_fd >= 0)
			close(s->loops[i].spare_fd);
	}
	/* Connections still referenced by the layer above (released after this, by the thread that
	 * stops the server: no other thread runs any more) keep the server until the last goes. */
	atomic_store(&s->stopped, true);
	if (atomic_load(&s->nconns) == 0)
		net_server_free(s);
	net_frame_cache_drain();
}
