/* SPDX-License-Identifier: Apache-2.0 */
/* Fixed-window rate limit for log lines (ratelimit.h). */
#include "core/ratelimit.h"

#include <stddef.h>
#include <time.h>

void ratelimit_init(struct ratelimit *rl, uint64_t interval_ms, unsigned burst)
{
	*rl = (struct ratelimit){ .interval_ms = interval_ms, .burst = burst };
	pthread_mutex_init(&rl->lock, NULL);
}

void ratelimit_destroy(struct ratelimit *rl)
{
	pthread_mutex_destroy(&rl->lock);
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms, unsigned long *suppressed)
{
	bool ok;

	pthread_mutex_lock(&rl->lock);
	if (!rl->started || now_ms - rl->window_start >= rl->interval_ms || now_ms < rl->window_start) {
		rl->started = true;
		rl->window_start = now_ms;
		rl->used = 0;
	}
	ok = rl->used < rl->burst;
	if (ok) {
		rl->used++;
		if (suppressed)
			*suppressed = rl->suppressed;
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

uint64_t ratelimit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
