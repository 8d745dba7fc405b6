/* SPDX-License-Identifier: Apache-2.0 */
/* stderr logger: one line per message, written with a single write so threads do not interleave. */
#include "core/log.h"
#include "core/ratelimit.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int log_current_level = LOG_INFO;

static const char *const tags[] = { "ERROR", "WARN ", "INFO ", "DEBUG", "TRACE" };

void log_set_level(int level)
{
	log_current_level = level;
}

static void log_vwrite(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s ", tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, tag);
	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t wrote = write(STDERR_FILENO, line, len);
	(void)wrote;
}

static void log_write_tagged(const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_write_tagged(const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(tag, fmt, ap);
	va_end(ap);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if ((int)lvl > log_current_level)
		return;
	va_start(ap, fmt);
	log_vwrite(tags[lvl], fmt, ap);
	va_end(ap);
}

bool log_msg_ratelimited(struct ratelimit *rl, enum log_level lvl, const char *fmt, ...)
{
	unsigned long left_out = 0;
	char msg[900];
	va_list ap;

	if ((int)lvl > log_current_level)
		return false;
	if (!ratelimit_allow(rl, ratelimit_now_ms(), &left_out))
		return false;

	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if (left_out)
		log_write_tagged(tags[lvl], "%s (%lu similar suppressed in the last %llu s)", msg,
				 left_out, (unsigned long long)(rl->interval_ms / 1000));
	else
		log_write_tagged(tags[lvl], "%s", msg);
	return true;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("FATAL", fmt, ap);
	va_end(ap);
	exit(1);
}
