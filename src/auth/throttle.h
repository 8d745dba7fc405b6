/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The failed-logon schedule per client address (`failed logon delay`, as the SMB authentication
 * rate limiter of Windows Server 2025): each failed logon from an address is answered `delay`
 * after the later of now and the answer to that address's previous failure, so parallel
 * attempts from one address queue up instead of running side by side. Successes are not
 * delayed and leave the schedule alone. The table of addresses is bounded: entries whose time
 * has passed are dropped first, then the ones due soonest.
 */
#ifndef SKIFF_AUTH_THROTTLE_H
#define SKIFF_AUTH_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_THROTTLE_MAX_ADDRS 4096

struct auth_throttle;

/* delay_ms 0 makes every failure due at once. max_addrs >= 1. NULL when memory is short. */
struct auth_throttle *auth_throttle_new(unsigned delay_ms, size_t max_addrs);
void auth_throttle_free(struct auth_throttle *t);

/*
 * A logon from `peer` ("address:port" as the transport names it; the port is ignored) failed
 * at now_ms (a monotonic clock in ms): returns when its answer is due. Thread-safe.
 */
uint64_t auth_throttle_failed(struct auth_throttle *t, const char *peer, uint64_t now_ms);

/* Addresses tracked now (for tests). */
size_t auth_throttle_count(struct auth_throttle *t);

#endif
