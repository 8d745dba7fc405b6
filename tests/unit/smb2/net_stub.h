/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The smb2 layer sits above the transport: stand-ins for the net calls its code makes, for unit
 * tests that run the layer without sockets. The including test defines net_conn_send and
 * net_conn_close itself (what happens to a response is what it checks); delayed frames go out at
 * once, the clock stands still and no timer is set.
 */
#ifndef SKIFF_TEST_NET_STUB_H
#define SKIFF_TEST_NET_STUB_H

#include "net/net.h"

void net_conn_set_pinned(struct net_conn *c, bool pinned) { (void)c; (void)pinned; }
void net_conn_set_authenticated(struct net_conn *c) { (void)c; }
bool net_conn_gone(struct net_conn *c) { (void)c; return false; }
void net_conn_post(struct net_conn *c, net_task_fn fn, void *arg) { fn(c, NULL, arg); }
void net_conn_ref(struct net_conn *c) { (void)c; }
void net_conn_unref(struct net_conn *c) { (void)c; }
const char *net_conn_peer(const struct net_conn *c) { (void)c; return "test"; }
void net_conn_send_at(struct net_conn *c, uint8_t *buf, size_t len, uint64_t due_ms)
{
	(void)due_ms;
	net_conn_send(c, buf, len);
}
unsigned net_conn_delayed(const struct net_conn *c) { (void)c; return 0; }
/* Delivery is taken for granted here. */
void net_conn_send_tracked(struct net_conn *c, uint8_t *buf, size_t len)
{
	net_conn_send(c, buf, len);
}
void net_conn_set_never_acked(struct net_conn *c) { (void)c; }
uint64_t net_now_ms(void) { return 0; }
/* No timer ever fires here. */
uint64_t net_timer_add(struct net_conn *c, uint64_t due_ms, net_timer_fn fn, void *arg)
{
	(void)c;
	(void)due_ms;
	(void)fn;
	(void)arg;
	return 0;
}
bool net_timer_cancel(struct net_conn *c, uint64_t id) { (void)c; (void)id; return false; }
uint64_t net_server_timer_add(struct net_server *s, uint64_t due_ms, net_timer_fn fn, void *arg)
{
	(void)s;
	(void)due_ms;
	(void)fn;
	(void)arg;
	return 0;
}

#endif
