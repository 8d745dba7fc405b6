/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening sockets and event loops. Each loop thread has its own SO_REUSEPORT listener and
 * epoll set, accepts its own connections and owns their read side; idle connections are reaped
 * once a second.
 */
#include "net/net_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

static int listen_socket(const char *addr, uint16_t port, uint16_t *bound)
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

static void peer_name(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss = { 0 };   /* clang's analyzer does not know getpeername fills it */
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
		}
	}
	snprintf(out, n, "%s:%u", host, port);
}

static void accept_all(struct net_loop *loop)
{
	struct net_server *s = loop->srv;

	for (;;) {
		int fd = accept4(loop->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (atomic_fetch_add(&s->nconns, 1) >= s->cfg.max_connections) {
			atomic_fetch_sub(&s->nconns, 1);
			log_warn("connection limit (%u) reached, refusing a client", s->cfg.max_connections);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct net_conn *c = net_conn_new(loop, fd);
		if (!c) {
			close(fd);
			atomic_fetch_sub(&s->nconns, 1);
			continue;
		}
		peer_name(fd, c->peer, sizeof(c->peer));
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
	unsigned timeout = loop->srv->cfg.idle_timeout;
	long long now = net_now();

	if (!timeout)
		return;
	for (struct net_conn *c = loop->conns; c; c = c->loop_next)
		if (!atomic_load(&c->pinned) && now - atomic_load(&c->last_active) > (long long)timeout) {
			log_info("%s: idle for %u s, dropping", c->peer, timeout);
			net_conn_close(c);
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
			if (e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
				net_conn_on_readable(c);
		}
		long long now = net_now();
		if (now != last_reap) {
			reap_idle(loop);
			last_reap = now;
		}
	}
	while (loop->conns)
		net_conn_finish(loop->conns);
	return NULL;
}

struct net_server *net_server_start(const struct net_config *cfg, const struct net_handlers *h)
{
	struct net_server *s = calloc(1, sizeof(*s));
	uint16_t port = cfg->port;

	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->h = *h;
	if (!s->cfg.event_threads)
		s->cfg.event_threads = 1;
	if (!s->cfg.worker_threads)
		s->cfg.worker_threads = 1;
	s->nloops = s->cfg.event_threads;
	s->loops = calloc(s->nloops, sizeof(*s->loops));
	if (!s->loops) {
		free(s);
		return NULL;
	}
	for (unsigned i = 0; i < s->nloops; i++) {
		struct net_loop *l = &s->loops[i];
		l->srv = s;
		l->listen_fd = listen_socket(cfg->listen, port, &port);
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
	net_pool_start(s);
	for (unsigned i = 0; i < s->nloops; i++)
		if (pthread_create(&s->loops[i].thread, NULL, loop_main, &s->loops[i]) != 0)
			fatal("cannot start event loop thread");
	return s;
fail:
	for (unsigned i = 0; i < s->nloops; i++)
		if (s->loops[i].listen_fd > 0) {
			close(s->loops[i].listen_fd);
			close(s->loops[i].epfd);
			close(s->loops[i].wake_fd);
		}
	free(s->loops);
	free(s);
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
	for (unsigned i = 0; i < s->nloops; i++) {
		close(s->loops[i].epfd);
		close(s->loops[i].wake_fd);
	}
	free(s->loops);
	free(s);
	net_frame_cache_drain();
}
