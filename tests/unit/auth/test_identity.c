/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/auth/identity.c: the uid rule of logons and the account lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/identity.h"

static void test_uid_rule(void **state)
{
	(void)state;
	/* defaults: min uid 1000, no root logon */
	assert_int_equal(auth_uid_check(0, 1000, false), AUTH_UID_ROOT);
	assert_int_equal(auth_uid_check(1, 1000, false), AUTH_UID_BELOW_MIN);
	assert_int_equal(auth_uid_check(999, 1000, false), AUTH_UID_BELOW_MIN);
	assert_int_equal(auth_uid_check(1000, 1000, false), AUTH_UID_OK);
	assert_int_equal(auth_uid_check(65534, 1000, false), AUTH_UID_OK);
	/* min uid 0 still keeps root out */
	assert_int_equal(auth_uid_check(0, 0, false), AUTH_UID_ROOT);
	assert_int_equal(auth_uid_check(1, 0, false), AUTH_UID_OK);
	/* allow root logon lets uid 0 in, not the other system accounts */
	assert_int_equal(auth_uid_check(0, 1000, true), AUTH_UID_OK);
	assert_int_equal(auth_uid_check(2, 1000, true), AUTH_UID_BELOW_MIN);
}

static void test_unix_account(void **state)
{
	struct passwd pw;
	char buf[4096];

	(void)state;
	assert_true(auth_unix_account("root", &pw, buf, sizeof(buf)));
	assert_int_equal(pw.pw_uid, 0);
	/* SMB names are case-insensitive: "ROOT" acts as root, so the rule must see uid 0 */
	assert_true(auth_unix_account("ROOT", &pw, buf, sizeof(buf)));
	assert_int_equal(pw.pw_uid, 0);
	assert_string_equal(pw.pw_name, "root");
	assert_false(auth_unix_account("no-such-account-xyzzy", &pw, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uid_rule),
		cmocka_unit_test(test_unix_account),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
