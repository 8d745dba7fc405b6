/* SPDX-License-Identifier: Apache-2.0 */
/* src/core/log.c's rate-limited lines: the first goes out, repeats within the interval are only
 * counted, and the next line after it says how many were left out. stderr is captured in a pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/ratelimit.h"

static int pipe_fds[2], saved_stderr;

static int capture(void **state)
{
	(void)state;
	if (pipe(pipe_fds) != 0)
		return -1;
	fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
	saved_stderr = dup(STDERR_FILENO);
	dup2(pipe_fds[1], STDERR_FILENO);
	log_set_level(LOG_INFO);
	return 0;
}

static int release(void **state)
{
	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return 0;
}

/* Everything written to stderr since the last call. */
static const char *captured(void)
{
	static char buf[8192];
	ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_repeats_are_counted_not_written(void **state)
{
	struct ratelimit rl = RATELIMIT_INIT(1 * 1000, 1);

	assert_true(log_msg_ratelimited(&rl, LOG_WARN, "refused %s", "10.0.0.1"));
	for (int i = 0; i < 5; i++)
		assert_false(log_msg_ratelimited(&rl, LOG_WARN, "refused %d", i));
	const char *out = captured();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, "WARN  refused 10.0.0.1\n"));

	struct timespec ts = { .tv_sec = 1, .tv_nsec = 100 * 1000000L };
	nanosleep(&ts, NULL);
	assert_true(log_msg_ratelimited(&rl, LOG_WARN, "refused %s", "10.0.0.2"));
	out = captured();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, "refused 10.0.0.2 (5 similar suppressed in the last 1 s)\n"));

	/* The count starts again from zero. */
	nanosleep(&ts, NULL);
	assert_true(log_msg_ratelimited(&rl, LOG_WARN, "refused %s", "10.0.0.3"));
	out = captured();
	assert_non_null(strstr(out, "refused 10.0.0.3\n"));
}

/* A level filtered out neither writes nor uses up the interval. */
static void test_filtered_level_does_not_count(void **state)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 60 * 1000, 1);
	assert_false(log_msg_ratelimited(&rl, LOG_DEBUG, "hidden"));
	assert_true(log_msg_ratelimited(&rl, LOG_INFO, "shown"));
	assert_false(log_msg_ratelimited(&rl, LOG_INFO, "shown again"));
	const char *out = captured();
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, "INFO  shown\n"));
	ratelimit_destroy(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_are_counted_not_written),
		cmocka_unit_test(test_filtered_level_does_not_count),
	};
	return cmocka_run_group_tests(tests, capture, release);
}
