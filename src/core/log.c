/* SPDX-License-Identifier: Apache-2.0 */
/* stderr logger: one line per message, written with a single write so threads do not interleave. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int log_current_level = LOG_INFO;

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

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const tags[] = { "ERROR", "WARN ", "INFO ", "DEBUG", "TRACE" };
	va_list ap;

	if ((int)lvl > log_current_level)
		return;
	va_start(ap, fmt);
	log_vwrite(tags[lvl], fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("FATAL", fmt, ap);
	va_end(ap);
	exit(1);
}
