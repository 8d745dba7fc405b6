/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/core/config_systemd.c: which directive each share and the state directory
 * get, quoting and '%', and the paths left to the admin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config_systemd.h"

static char *drop_in(const char *conf, unsigned *bad)
{
	char err[512];
	struct cfg *c = cfg_load_string(conf, "t.conf", err, sizeof(err));
	char *text;

	if (!c)
		fail_msg("config rejected: %s", err);
	text = cfg_systemd_drop_in(c, bad);
	cfg_free(c);
	assert_non_null(text);
	return text;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void test_default_state_and_plain_shares(void **state)
{
	unsigned bad;
	char *t = drop_in("[data]\npath = /srv/data\nread only = no\n[pub]\npath = /srv/pub\n", &bad);

	assert_int_equal(bad, 0);
	assert_true(has_line(t, "[Service]"));
	assert_true(has_line(t, "ReadWritePaths=/srv/data"));
	/* Read-only shares and the unit's own StateDirectory= need nothing. */
	assert_null(strstr(t, "ReadWritePaths=/srv/pub"));
	assert_null(strstr(t, "/var/lib/skiff"));
	assert_null(strstr(t, "ProtectHome="));
	assert_null(strstr(t, "PrivateTmp="));
	free(t);
}

static void test_state_dir_elsewhere(void **state)
{
	unsigned bad;
	char *t = drop_in("[global]\nstate directory = /srv/skiff-state\n[d]\npath = /srv/d\n", &bad);

	assert_int_equal(bad, 0);
	assert_true(has_line(t, "ReadWritePaths=/srv/skiff-state"));
	free(t);
}

static void test_home_is_bound_into_tmpfs(void **state)
{
	unsigned bad;
	char *t = drop_in("[a]\npath = /home/alice/share\nread only = no\n"
			  "[r]\npath = /root/ro\n", &bad);

	assert_int_equal(bad, 0);
	assert_true(has_line(t, "ProtectHome=tmpfs"));
	assert_true(has_line(t, "BindPaths=/home/alice/share"));
	assert_true(has_line(t, "BindReadOnlyPaths=/root/ro"));
	/* "/homework" is not under /home. */
	free(t);
	t = drop_in("[w]\npath = /homework\nread only = no\n", &bad);
	assert_null(strstr(t, "ProtectHome="));
	assert_true(has_line(t, "ReadWritePaths=/homework"));
	free(t);
}

static void test_tmp_needs_host_tmp(void **state)
{
	unsigned bad;
	char *t = drop_in("[t]\npath = /var/tmp/x\nread only = no\n", &bad);

	assert_true(has_line(t, "PrivateTmp=no"));
	assert_true(has_line(t, "ReadWritePaths=/var/tmp/x"));
	free(t);
}

static void test_quoting_and_specifiers(void **state)
{
	unsigned bad;
	char *t = drop_in("[s]\npath = /srv/my share 100%\nread only = no\n", &bad);

	assert_int_equal(bad, 0);
	assert_true(has_line(t, "ReadWritePaths=\"/srv/my share 100%%\""));
	free(t);
}

static void test_unexpressible_left_as_comment(void **state)
{
	unsigned bad;
	char *t = drop_in("[q]\npath = /srv/we\"ird\nread only = no\n"
			  "[c]\npath = /home/a:b\nread only = no\n[ok]\npath = /srv/ok:colon\nread only = no\n",
			  &bad);

	/* A quote never; a colon only where BindPaths= would split on it. */
	assert_int_equal(bad, 2);
	assert_null(strstr(t, "=/srv/we"));
	assert_null(strstr(t, "BindPaths=/home/a"));
	assert_true(has_line(t, "ReadWritePaths=/srv/ok:colon"));
	free(t);
}

/* A path with variables opens the directory every one of its paths lies below. */
static void test_path_with_variables(void **state)
{
	unsigned bad;
	char *t = drop_in("[homes]\npath = /srv/users/%U/files\nread only = no\n"
			  "[dyn]\npath = /srv/dyn/x%t\nread only = no\n", &bad);

	assert_int_equal(bad, 0);
	assert_true(has_line(t, "ReadWritePaths=/srv/users"));
	assert_true(has_line(t, "ReadWritePaths=/srv/dyn"));
	assert_null(strstr(t, "%"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_state_and_plain_shares),
		cmocka_unit_test(test_state_dir_elsewhere),
		cmocka_unit_test(test_home_is_bound_into_tmpfs),
		cmocka_unit_test(test_tmp_needs_host_tmp),
		cmocka_unit_test(test_quoting_and_specifiers),
		cmocka_unit_test(test_unexpressible_left_as_comment),
		cmocka_unit_test(test_path_with_variables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
