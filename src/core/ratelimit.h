/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A rate limit for log lines that clients can trigger (failed logons, refusals): at most `burst`
 * lines per interval, and a count of the lines left out, so the next line can say so.
 */
#ifndef SKIFF_RATELIMIT_H
#define SKIFF_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	pthread_mutex_t lock;           /* guards the fields below */
	uint64_t interval_ms;
	unsigned burst;
	uint64_t window_start;          /* ms */
	unsigned used;                  /* lines allowed in this window */
	unsigned long suppressed;       /* lines refused since the last one allowed */
	bool started;
};

#define RATELIMIT_INIT(interval, n) \
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .interval_ms = (interval), .burst = (n) }

void ratelimit_init(struct ratelimit *rl, uint64_t interval_ms, unsigned burst);
void ratelimit_destroy(struct ratelimit *rl);

/*
 * May a line be logged at now_ms? When it may, *suppressed (if not NULL) is the number of lines
 * refused since the last one allowed (and that count restarts from 0).
 */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms, unsigned long *suppressed);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t ratelimit_now_ms(void);

#endif
