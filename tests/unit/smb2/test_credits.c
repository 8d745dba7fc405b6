/* SPDX-License-Identifier: Apache-2.0 */
/* The credit window: granting, consuming, multi-credit charges, skipped and replayed ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smb2/credits.h"

static void first_negotiate_uses_id_zero(void **state)
{
	struct smb2_credits cr;
	(void)state;
	assert_true(smb2_credits_init(&cr));
	assert_false(smb2_credits_consume(&cr, 1, 1));   /* not granted yet */
	assert_true(smb2_credits_consume(&cr, 0, 1));
	assert_false(smb2_credits_consume(&cr, 0, 1));   /* replay */
	assert_int_equal(smb2_credits_held(&cr), 0);
	assert_int_equal(smb2_credits_grant(&cr, 0), 1);   /* asking 0 still gets 1 */
	smb2_credits_free(&cr);
}

static void grants_what_is_asked_up_to_the_cap(void **state)
{
	struct smb2_credits cr;
	(void)state;
	assert_true(smb2_credits_init(&cr));
	assert_true(smb2_credits_consume(&cr, 0, 1));
	assert_int_equal(smb2_credits_grant(&cr, 100), 100);
	assert_int_equal(smb2_credits_held(&cr), 100);
	assert_int_equal(smb2_credits_grant(&cr, 9000), SMB2_MAX_CREDITS - 100);
	assert_int_equal(smb2_credits_grant(&cr, 10), 0);   /* at the cap */
	assert_int_equal(smb2_credits_held(&cr), SMB2_MAX_CREDITS);
	smb2_credits_free(&cr);
}

/* A client sending 8 MiB writes charges 128 credits each and uses 128 ids each; the window must
 * keep moving (regression: charging 1 left 127 unused ids per write and starved the client
 * after 64 writes). */
static void multi_credit_writes_keep_the_window_moving(void **state)
{
	struct smb2_credits cr;
	uint64_t mid = 1;
	(void)state;
	assert_true(smb2_credits_init(&cr));
	assert_true(smb2_credits_consume(&cr, 0, 1));
	assert_int_equal(smb2_credits_grant(&cr, 256), 256);
	for (int i = 0; i < 1000; i++) {
		assert_true(smb2_credits_consume(&cr, mid, 128));
		mid += 128;
		assert_int_equal(smb2_credits_grant(&cr, 128), 128);
	}
	assert_int_equal(cr.low, mid);
	assert_int_equal(smb2_credits_held(&cr), 256);
	smb2_credits_free(&cr);
}

static void charge_beyond_the_grant_is_refused(void **state)
{
	struct smb2_credits cr;
	(void)state;
	assert_true(smb2_credits_init(&cr));
	assert_true(smb2_credits_consume(&cr, 0, 1));
	assert_int_equal(smb2_credits_grant(&cr, 10), 10);
	assert_false(smb2_credits_consume(&cr, 1, 11));   /* ids 1..11, only 1..10 granted */
	assert_false(smb2_credits_consume(&cr, 5, 7));
	assert_true(smb2_credits_consume(&cr, 5, 6));      /* 5..10, out of order is fine */
	assert_false(smb2_credits_consume(&cr, 6, 1));     /* already used */
	assert_true(smb2_credits_consume(&cr, 1, 4));
	assert_int_equal(cr.low, 11);
	smb2_credits_free(&cr);
}

/* A skipped id stays held: the window's low edge waits for it, later ids still work. */
static void skipped_ids_do_not_block_later_ones(void **state)
{
	struct smb2_credits cr;
	(void)state;
	assert_true(smb2_credits_init(&cr));
	assert_true(smb2_credits_consume(&cr, 0, 1));
	assert_int_equal(smb2_credits_grant(&cr, 20), 20);
	for (uint64_t id = 2; id <= 20; id++) {
		assert_true(smb2_credits_consume(&cr, id, 1));
		assert_int_equal(smb2_credits_grant(&cr, 1), 1);
	}
	assert_int_equal(cr.low, 1);                       /* id 1 never used */
	assert_int_equal(smb2_credits_held(&cr), 20);
	assert_true(smb2_credits_consume(&cr, 1, 1));
	assert_int_equal(cr.low, 21);
	smb2_credits_free(&cr);
}

static void reset_after_smb1_upgrade(void **state)
{
	struct smb2_credits cr;
	(void)state;
	assert_true(smb2_credits_init(&cr));
	smb2_credits_reset(&cr, 1);
	assert_false(smb2_credits_consume(&cr, 0, 1));
	assert_true(smb2_credits_consume(&cr, 1, 1));
	smb2_credits_free(&cr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_negotiate_uses_id_zero),
		cmocka_unit_test(grants_what_is_asked_up_to_the_cap),
		cmocka_unit_test(multi_credit_writes_keep_the_window_moving),
		cmocka_unit_test(charge_beyond_the_grant_is_refused),
		cmocka_unit_test(skipped_ids_do_not_block_later_ones),
		cmocka_unit_test(reset_after_smb1_upgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
