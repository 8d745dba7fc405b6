/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/auth/throttle.c: the failed-logon schedule per address and its bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "auth/throttle.h"

/* Failures from one address are answered one delay apart, whatever their port (each parallel
 * connection has its own): 100 of them sent at once take 200 s. */
static void test_serialized_per_address(void **state)
{
	struct auth_throttle *t = auth_throttle_new(2000, 16);
	char peer[64];

	(void)state;
	assert_non_null(t);
	for (unsigned i = 1; i <= 100; i++) {
		snprintf(peer, sizeof(peer), "10.199.0.2:%u", 40000 + i % 10);
		assert_int_equal(auth_throttle_failed(t, peer, 1000), 1000 + 2000ull * i);
	}
	/* a failure arriving later than the queue's end waits one delay from its arrival */
	assert_int_equal(auth_throttle_failed(t, "10.199.0.2:1", 500000), 502000);
	/* ... and one inside the queue goes to its end */
	assert_int_equal(auth_throttle_failed(t, "10.199.0.2:1", 501000), 504000);
	auth_throttle_free(t);
}

/* Another address has its own schedule, untouched by the first one's queue. */
static void test_addresses_independent(void **state)
{
	struct auth_throttle *t = auth_throttle_new(2000, 16);

	(void)state;
	for (int i = 0; i < 50; i++)
		auth_throttle_failed(t, "10.199.0.2:445", 0);
	assert_int_equal(auth_throttle_failed(t, "10.199.0.1:5000", 0), 2000);
	assert_int_equal(auth_throttle_failed(t, "127.0.0.1:5000", 10), 2010);
	/* IPv6: the port is after the last colon; ::1 and ::2 differ */
	assert_int_equal(auth_throttle_failed(t, "::1:40000", 0), 2000);
	assert_int_equal(auth_throttle_failed(t, "::1:40001", 0), 4000);
	assert_int_equal(auth_throttle_failed(t, "::2:40000", 0), 2000);
	assert_int_equal(auth_throttle_count(t), 5);
	auth_throttle_free(t);
}

static void test_zero_delay(void **state)
{
	struct auth_throttle *t = auth_throttle_new(0, 4);

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(auth_throttle_failed(t, "10.0.0.1:1", 777), 777);
	auth_throttle_free(t);
}

/* The table never holds more than its bound: addresses whose answers have all gone are dropped
 * first, then the one due soonest (which loses the least). */
static void test_bounded(void **state)
{
	struct auth_throttle *t = auth_throttle_new(1000, 4);
	char peer[64];

	(void)state;
	/* A: due 1000, B: due 2000 (two failures), C: 1000, D: 1000 at time 0 */
	assert_int_equal(auth_throttle_failed(t, "10.0.0.1:1", 0), 1000);
	assert_int_equal(auth_throttle_failed(t, "10.0.0.2:1", 0), 1000);
	assert_int_equal(auth_throttle_failed(t, "10.0.0.2:1", 0), 2000);
	assert_int_equal(auth_throttle_failed(t, "10.0.0.3:1", 0), 1000);
	assert_int_equal(auth_throttle_failed(t, "10.0.0.4:1", 0), 1000);
	assert_int_equal(auth_throttle_count(t), 4);
	/* at 1500 A, C and D have expired: a fifth address makes them go, B stays */
	assert_int_equal(auth_throttle_failed(t, "10.0.0.5:1", 1500), 2500);
	assert_int_equal(auth_throttle_count(t), 2);
	assert_int_equal(auth_throttle_failed(t, "10.0.0.2:1", 1500), 3000);
	/* nothing expired: the soonest due goes (10.0.0.5 at 2500, not 10.0.0.2 at 3000) */
	auth_throttle_failed(t, "10.0.0.6:1", 1500);
	auth_throttle_failed(t, "10.0.0.7:1", 1600);
	assert_int_equal(auth_throttle_count(t), 4);
	assert_int_equal(auth_throttle_failed(t, "10.0.0.8:1", 1600), 2600);
	assert_int_equal(auth_throttle_count(t), 4);
	assert_int_equal(auth_throttle_failed(t, "10.0.0.2:1", 1600), 4000);   /* kept */
	/* many addresses: still bounded */
	for (int i = 0; i < 10000; i++) {
		snprintf(peer, sizeof(peer), "10.1.%d.%d:9", i / 256, i % 256);
		auth_throttle_failed(t, peer, 2000 + (uint64_t)i);
	}
	assert_int_equal(auth_throttle_count(t), 4);
	auth_throttle_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serialized_per_address),
		cmocka_unit_test(test_addresses_independent),
		cmocka_unit_test(test_zero_delay),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
