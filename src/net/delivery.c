/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Delivery of the frames a peer must be seen to receive (net_conn_send_tracked): one watch per
 * connection, polled on the transport's timers every retransmission timeout, comparing what the
 * kernel still holds unacknowledged (SIOCOUTQ) with what was handed to it. A peer that
 * acknowledges nothing for six of them is gone (MS-SMB2 3.3.4.6 lets the server find out, as
 * Windows and Samba do); one that acknowledges something is alive, if slow, and keeps its time.
 */
#include "net/net_internal.h"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/log.h"

#define RTO_MIN_MS 200
#define RTO_MAX_MS 1000
#define RTOS_WITHOUT_ACK 6   /* five retransmissions lost, and the sixth timeout passed */

/* Guarded by the connection's send_lock, except rto_ms (fixed at creation). */
struct net_delivery {
	struct net_conn *c;          /* referenced */
	uint64_t target;             /* stream offset the tracked frames end at */
	uint64_t acked;              /* what the peer had acknowledged at the last look */
	uint64_t deadline_ms;        /* no acknowledgement by then: gone */
	unsigned rto_ms;
};

/* The retransmission timeout the kernel uses for this peer now, clamped (a loopback peer's is
 * ~0.2 s; a slow link's may be seconds, but a second per look is enough). */
static unsigned rto_ms(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	unsigned ms = RTO_MAX_MS;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && len >= sizeof(ti.tcpi_rto))
		ms = ti.tcpi_rto / 1000;
	return ms < RTO_MIN_MS ? RTO_MIN_MS : ms > RTO_MAX_MS ? RTO_MAX_MS : ms;
}

/* [send_lock] Bytes of the stream the peer has acknowledged: handed to the kernel minus what it
 * still holds. A socket that cannot say is taken to have had everything acknowledged (no
 * connection is dropped on a guess). */
static uint64_t acked_bytes(struct net_conn *c)
{
	int unacked = 0;

	if (atomic_load(&c->never_acked))
		return 0;
	if (ioctl(c->fd, SIOCOUTQ, &unacked) != 0 || unacked < 0)
		return c->queued_total;
	return c->sent_total - (uint64_t)unacked;
}

static void watch_check(void *arg, bool cancelled);

/* Look again after one retransmission timeout; false when no timer can be set. */
static bool watch_rearm(struct net_delivery *d)
{
	return net_timer_add(d->c, net_now_ms() + d->rto_ms, watch_check, d) != 0;
}

static void watch_free(struct net_delivery *d)
{
	net_conn_put(d->c);
	free(d);
}

enum watch_verdict { WATCH_DONE, WATCH_AGAIN, WATCH_GONE };

static enum watch_verdict watch_judge(struct net_delivery *d)
{
	struct net_conn *c = d->c;
	uint64_t acked = acked_bytes(c);
	uint64_t now = net_now_ms();

	if (acked >= d->target)
		return WATCH_DONE;
	if (acked > d->acked) {   /* progress: alive */
		d->acked = acked;
		d->deadline_ms = now + (uint64_t)RTOS_WITHOUT_ACK * d->rto_ms;
		return WATCH_AGAIN;
	}
	return now >= d->deadline_ms ? WATCH_GONE : WATCH_AGAIN;
}

static void watch_check(void *arg, bool cancelled)
{
	struct net_delivery *d = arg;
	struct net_conn *c = d->c;
	enum watch_verdict v = WATCH_DONE;

	pthread_mutex_lock(&c->lock);
	bool finished = c->dead;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&c->send_lock);
	if (!cancelled && !finished && !atomic_load(&c->close_requested))
		v = watch_judge(d);
	if (v == WATCH_AGAIN && !watch_rearm(d))
		v = WATCH_DONE;   /* the server stops */
	if (v != WATCH_AGAIN)
		c->delivery = NULL;
	pthread_mutex_unlock(&c->send_lock);
	if (v == WATCH_AGAIN)
		return;
	if (v == WATCH_GONE) {
		log_info("%s: %llu bytes unacknowledged for %u ms, taking the client as gone",
			 c->peer, (unsigned long long)(d->target - d->acked),
			 RTOS_WITHOUT_ACK * d->rto_ms);
		net_conn_close(c);
	}
	watch_free(d);
}

void net_conn_send_tracked(struct net_conn *c, uint8_t *buf, size_t len)
{
	uint64_t end = net_conn_queue(c, buf, len);
	struct net_delivery *d = NULL;

	if (!end)
		return;   /* not queued: the connection is closing anyway */
	pthread_mutex_lock(&c->send_lock);
	if (c->delivery) {
		/* the running watch covers this frame too: the target only moves forward */
		if (c->delivery->target < end)
			c->delivery->target = end;
	} else if ((d = calloc(1, sizeof(*d))) != NULL) {
		net_conn_get(c);
		d->c = c;
		d->target = end;
		d->rto_ms = rto_ms(c->fd);
		d->acked = acked_bytes(c);
		d->deadline_ms = net_now_ms() + (uint64_t)RTOS_WITHOUT_ACK * d->rto_ms;
		if (watch_rearm(d)) {
			c->delivery = d;
		} else {
			net_conn_put(c);   /* not the last reference: the caller holds one */
			free(d);
		}
	}
	pthread_mutex_unlock(&c->send_lock);
}

void net_conn_set_never_acked(struct net_conn *c)
{
	atomic_store(&c->never_acked, true);
}
