/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/auth/userdb.c: NT hash vectors, add/change/delete/list, file format and
 * mode, reload on change, case-insensitive names, rejected names and files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/userdb.h"
#include "crypto/crypto.h"

static char dir[64];
static char state[128];  /* dir/state: not created until the first write */
static char dbpath[160];
static char err[512];

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *read_text(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static int setup(void **st)
{
	strcpy(dir, "/tmp/skiff-test-userdb-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/users.db", state);
	return 0;
}

static int teardown(void **st)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* MS-NLMP 4.2.2.1.2: NTOWFv1("Password"). */
static void test_nt_hash_vectors(void **st)
{
	uint8_t h[16];
	char s[33];

	assert_true(userdb_nt_hash("Password", h));
	hex(h, 16, s);
	assert_string_equal(s, "a4f49c406510bdcab6824ee7c30fd852");
	assert_true(userdb_nt_hash("", h));
	hex(h, 16, s);
	assert_string_equal(s, "31d6cfe0d16ae931b73c59d7e0c089c0");  /* MD4 of nothing */
	/* Non-ASCII goes through UTF-16LE, not Latin-1: "é" is 0xE9 0x00. */
	uint8_t h2[16];
	const uint8_t utf16[2] = { 0xE9, 0x00 };
	assert_true(crypto_md4(utf16, 2, h2));
	assert_true(userdb_nt_hash("\xC3\xA9", h));
	assert_memory_equal(h, h2, 16);
	assert_false(userdb_nt_hash("\xC3", h));  /* truncated UTF-8 */
}

static void test_add_change_delete(void **st)
{
	uint8_t h[16], want[16];
	struct userdb *db = userdb_open(state, err, sizeof(err));
	struct stat sb;

	if (!db)
		fail_msg("%s", err);
	assert_string_equal(userdb_path(db), dbpath);
	assert_false(userdb_get_nt_hash(db, "alice", h));
	assert_int_equal(stat(state, &sb), -1);  /* nothing created by reading */

	assert_int_equal(userdb_add_user(db, "Alice", "Password"), 0);
	assert_string_equal(userdb_error(db), "");
	assert_int_equal(stat(state, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_true(userdb_nt_hash("Password", want));
	assert_true(userdb_get_nt_hash(db, "alice", h));
	assert_memory_equal(h, want, 16);
	assert_true(userdb_get_nt_hash(db, "ALICE", h));
	assert_true(userdb_exists(db, "aLiCe"));
	assert_false(userdb_exists(db, "alic"));

	assert_int_equal(userdb_add_user(db, "alice", "x"), -EEXIST);
	assert_string_equal(userdb_error(db), "user 'Alice' already exists");
	assert_int_equal(userdb_change_password(db, "bob", "x"), -ENOENT);
	assert_string_equal(userdb_error(db), "no such user 'bob'");

	assert_int_equal(userdb_change_password(db, "ALICE", "new pass"), 0);
	assert_true(userdb_nt_hash("new pass", want));
	assert_true(userdb_get_nt_hash(db, "alice", h));
	assert_memory_equal(h, want, 16);

	assert_int_equal(userdb_set_password(db, "bob", "b1"), 0);    /* adds */
	assert_int_equal(userdb_set_password(db, "Bob", "b2"), 0);    /* changes */
	assert_int_equal(userdb_add_user(db, "carol", "c"), 0);

	/* The documented format: header comment, then name:hash in insertion order. */
	char line_a[80], line_b[80], line_c[80], hx[33];
	assert_true(userdb_nt_hash("new pass", want));
	hex(want, 16, hx);
	snprintf(line_a, sizeof(line_a), "\nAlice:%s\n", hx);
	assert_true(userdb_nt_hash("b2", want));
	hex(want, 16, hx);
	snprintf(line_b, sizeof(line_b), "\nbob:%s\n", hx);
	assert_true(userdb_nt_hash("c", want));
	hex(want, 16, hx);
	snprintf(line_c, sizeof(line_c), "\ncarol:%s\n", hx);
	char *text = read_text(dbpath);
	assert_true(text[0] == '#');
	char *a = strstr(text, line_a), *b = strstr(text, line_b), *c = strstr(text, line_c);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	assert_null(strstr(text, "new pass"));

	assert_int_equal(userdb_delete(db, "BOB"), 0);
	assert_false(userdb_exists(db, "bob"));
	assert_int_equal(userdb_delete(db, "bob"), -ENOENT);
	assert_true(userdb_exists(db, "carol"));
	userdb_close(db);

	/* A fresh open sees the same contents. */
	db = userdb_open(state, err, sizeof(err));
	assert_non_null(db);
	assert_true(userdb_exists(db, "alice"));
	assert_true(userdb_exists(db, "carol"));
	assert_false(userdb_exists(db, "bob"));
	userdb_close(db);
}

struct names {
	char buf[256];
	int calls;
};

static void collect(const char *user, void *arg)
{
	struct names *n = arg;

	strcat(n->buf, user);
	strcat(n->buf, ",");
	n->calls++;
}

static void test_list(void **st)
{
	struct userdb *db = userdb_open(state, err, sizeof(err));
	struct names n = { "", 0 };

	assert_non_null(db);
	assert_int_equal(userdb_list(db, collect, &n), 0);
	assert_int_equal(n.calls, 0);
	assert_int_equal(userdb_add_user(db, "zed", "1"), 0);
	assert_int_equal(userdb_add_user(db, "Amy", "2"), 0);
	assert_int_equal(userdb_add_user(db, "Jürgen", "3"), 0);
	assert_int_equal(userdb_list(db, collect, &n), 3);
	assert_int_equal(n.calls, 3);
	assert_string_equal(n.buf, "zed,Amy,Jürgen,");
	assert_true(userdb_exists(db, "JÜRGEN"));
	userdb_close(db);
}

static void test_bad_names(void **st)
{
	struct userdb *db = userdb_open(state, err, sizeof(err));
	static const char *const bad[] = {
		"", "a/b", "a\\b", "a[b", "a]b", "a:b", "a;b", "a|b", "a=b", "a,b", "a+b", "a*b",
		"a?b", "a<b", "a>b", "a\"b", "a@b", "tab\there", "nl\n", "-opt", "#x", " lead",
		"trail ", "\xff", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};

	assert_non_null(db);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (userdb_set_password(db, bad[i], "x") != -EINVAL)
			fail_msg("name '%s' accepted", bad[i]);
	}
	assert_int_equal(userdb_delete(db, "a:b"), -EINVAL);
	assert_int_equal(userdb_set_password(db, NULL, "x"), -EINVAL);
	/* 64 characters is fine, and so is a password that is not ASCII. */
	assert_int_equal(userdb_set_password(db,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "pässwörd"), 0);
	assert_int_equal(userdb_set_password(db, "ok", "\xC3"), -EINVAL);
	assert_false(userdb_exists(db, "a:b"));
	assert_false(userdb_exists(db, NULL));
	userdb_close(db);
}

/* Another process (or a second handle) changes the file: the next lookup sees it. */
static void test_reload(void **st)
{
	struct userdb *server = userdb_open(state, err, sizeof(err));
	struct userdb *cli = userdb_open(state, err, sizeof(err));
	uint8_t h[16], want[16];

	assert_non_null(server);
	assert_non_null(cli);
	assert_false(userdb_exists(server, "dave"));
	assert_int_equal(userdb_add_user(cli, "dave", "one"), 0);
	assert_true(userdb_get_nt_hash(server, "dave", h));
	assert_true(userdb_nt_hash("one", want));
	assert_memory_equal(h, want, 16);

	assert_int_equal(userdb_change_password(cli, "dave", "two"), 0);
	assert_true(userdb_get_nt_hash(server, "DAVE", h));
	assert_true(userdb_nt_hash("two", want));
	assert_memory_equal(h, want, 16);

	/* A writer starts from the file, not from its stale copy: nothing is lost. */
	assert_int_equal(userdb_add_user(server, "erin", "e"), 0);
	assert_int_equal(userdb_add_user(cli, "frank", "f"), 0);
	assert_true(userdb_exists(server, "frank"));
	assert_true(userdb_exists(cli, "erin"));
	assert_true(userdb_exists(server, "dave"));

	/* A hand-written replacement (upper-case hex, CRLF, comments) is picked up. */
	char tmp[200];
	snprintf(tmp, sizeof(tmp), "%s.new", dbpath);
	write_text(tmp, "# edited by hand\r\n\r\nGina:A4F49C406510BDCAB6824EE7C30FD852\r\n", 0600);
	assert_int_equal(rename(tmp, dbpath), 0);
	assert_true(userdb_get_nt_hash(server, "gina", h));
	assert_true(userdb_nt_hash("Password", want));
	assert_memory_equal(h, want, 16);
	assert_false(userdb_exists(server, "dave"));

	/* A broken replacement is refused and the last good list stays in use. */
	write_text(tmp, "gina:zz\n", 0600);
	assert_int_equal(rename(tmp, dbpath), 0);
	assert_true(userdb_exists(server, "gina"));
	assert_true(userdb_exists(server, "gina"));  /* reported once, still served */

	/* Removing the file removes every user. */
	assert_int_equal(unlink(dbpath), 0);
	assert_false(userdb_exists(server, "gina"));
	userdb_close(server);
	userdb_close(cli);
}

static void test_file_checks(void **st)
{
	struct userdb *db;
	struct stat sb;

	assert_int_equal(mkdir(state, 0700), 0);

	/* Readable by others: loaded, warned about, and tightened. */
	write_text(dbpath, "amy:a4f49c406510bdcab6824ee7c30fd852\n", 0644);
	db = userdb_open(state, err, sizeof(err));
	if (!db)
		fail_msg("%s", err);
	assert_true(userdb_exists(db, "amy"));
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	userdb_close(db);

	/* Writable by others: refused. */
	write_text(dbpath, "amy:a4f49c406510bdcab6824ee7c30fd852\n", 0666);
	assert_null(userdb_open(state, err, sizeof(err)));
	assert_non_null(strstr(err, "writable by group or others"));

	static const struct { const char *text; const char *msg; } bad[] = {
		{ "amy:a4f49c406510bdcab6824ee7c30fd852\nbob\n", "users.db:2: expected 'name:NT-hash'" },
		{ "# c\namy:a4f49c406510bdcab6824ee7c30fd85\n", "users.db:2: NT hash must be 32 hex digits" },
		{ "amy:a4f49c406510bdcab6824ee7c30fd852x\n", "users.db:1: NT hash must be 32 hex digits" },
		{ "amy:g4f49c406510bdcab6824ee7c30fd852\n", "users.db:1: NT hash must be 32 hex digits" },
		{ "a/b:a4f49c406510bdcab6824ee7c30fd852\n", "users.db:1: invalid user name" },
		{ "amy:a4f49c406510bdcab6824ee7c30fd852\nAMY:a4f49c406510bdcab6824ee7c30fd852\n",
		  "users.db:2: user 'AMY' appears twice" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(dbpath, bad[i].text, 0600);
		db = userdb_open(state, err, sizeof(err));
		if (db)
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s' does not contain '%s'", err, bad[i].msg);
	}

	/* A writer refuses to replace a file it cannot parse (it would lose its users). */
	write_text(dbpath, "amy:a4f49c406510bdcab6824ee7c30fd852\n", 0600);
	db = userdb_open(state, err, sizeof(err));
	assert_non_null(db);
	write_text(dbpath, "broken\n", 0600);
	assert_int_equal(userdb_add_user(db, "x", "y"), -EINVAL);
	assert_non_null(strstr(userdb_error(db), "users.db:1: expected 'name:NT-hash'"));
	assert_string_equal(read_text(dbpath), "broken\n");
	userdb_close(db);

	/* Not a regular file. */
	assert_int_equal(unlink(dbpath), 0);
	assert_int_equal(mkdir(dbpath, 0700), 0);
	assert_null(userdb_open(state, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(rmdir(dbpath), 0);

	/* A symlink is not followed. */
	assert_int_equal(symlink("/etc/passwd", dbpath), 0);
	assert_null(userdb_open(state, err, sizeof(err)));
	assert_int_equal(unlink(dbpath), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash_vectors),
		cmocka_unit_test_setup_teardown(test_add_change_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_checks, setup, teardown),
	};

	if (!crypto_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
