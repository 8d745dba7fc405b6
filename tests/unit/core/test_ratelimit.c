/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/core/ratelimit.c: the log-line budget and the count of lines left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/ratelimit.h"

static void test_window(void **state)
{
	struct ratelimit rl;
	unsigned long suppressed = 99;
	int allowed = 0;

	(void)state;
	ratelimit_init(&rl, 10000, 3);
	/* a flood of 1000 in one window: 3 lines */
	for (int i = 0; i < 1000; i++)
		allowed += ratelimit_allow(&rl, 5000 + (uint64_t)i, &suppressed);
	assert_int_equal(allowed, 3);
	assert_int_equal(suppressed, 0);   /* set by the allowed ones, none left out before */
	/* next window: the first line carries the count left out */
	assert_true(ratelimit_allow(&rl, 15000, &suppressed));
	assert_int_equal(suppressed, 997);
	assert_true(ratelimit_allow(&rl, 15001, &suppressed));
	assert_int_equal(suppressed, 0);
	assert_true(ratelimit_allow(&rl, 15002, NULL));
	assert_false(ratelimit_allow(&rl, 24999, &suppressed));
	assert_true(ratelimit_allow(&rl, 25000, &suppressed));
	assert_int_equal(suppressed, 1);
	ratelimit_destroy(&rl);
}

static void test_static_init(void **state)
{
	static struct ratelimit rl = RATELIMIT_INIT(1000, 1);

	(void)state;
	assert_true(ratelimit_allow(&rl, 0, NULL));
	assert_false(ratelimit_allow(&rl, 999, NULL));
	assert_true(ratelimit_allow(&rl, 1000, NULL));
	assert_true(ratelimit_now_ms() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_static_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
