/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/core/config.c: every key, defaults, booleans, valid users, and each error
 * with the line number it must name. */
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

#include "core/config.h"

static char err[512];

static struct cfg *load(const char *text)
{
	err[0] = '\0';
	return cfg_load_string(text, "t.conf", err, sizeof(err));
}

/* Loading must fail with exactly this message. */
static void expect_error(const char *text, const char *msg)
{
	struct cfg *c = load(text);

	if (c)
		fail_msg("expected failure '%s' but loading succeeded", msg);
	assert_string_equal(err, msg);
}

static void test_defaults(void **state)
{
	struct cfg *c = load("");

	assert_non_null(c);
	assert_string_equal(c->g.listen, "0.0.0.0");
	assert_int_equal(c->g.port, 445);
	assert_int_equal(c->g.signing, CFG_SIGNING_MANDATORY);
	assert_int_equal(c->g.log_level, 1);
	assert_string_equal(c->g.state_dir, "/var/lib/skiff");
	assert_string_equal(c->g.workgroup, "WORKGROUP");
	assert_int_equal(c->g.min_protocol, 0x0202);
	assert_int_equal(c->g.max_protocol, 0x0311);
	assert_int_equal(c->g.max_connections, 1024);
	assert_int_equal(c->g.max_connections_per_addr, 64);
	assert_int_equal(c->g.unauth_timeout, 20);
	assert_int_equal(c->g.idle_timeout, 900);
	assert_int_equal(c->g.max_pdu_size, 8454144);
	assert_int_equal(c->g.event_threads, 0);
	assert_int_equal(c->g.worker_threads, 0);
	assert_int_equal(c->g.max_open_files, 16384);
	assert_int_equal(c->g.max_open_files_per_user, 0);
	assert_false(c->g.allow_anonymous);
	assert_null(c->g.guest_account);
	assert_int_equal(c->nshares, 0);
	assert_string_equal(c->source, "t.conf");

	/* netbios name: the host name's first label, upper-cased, at most 15 characters. */
	char host[256] = "";
	gethostname(host, sizeof(host));
	host[strcspn(host, ".")] = '\0';
	host[15] = '\0';
	for (char *p = host; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	assert_true(strlen(c->g.netbios_name) >= 1 && strlen(c->g.netbios_name) <= 15);
	if (host[0] && !strpbrk(host, " "))
		assert_string_equal(c->g.netbios_name, host);

	assert_true(cfg_event_threads(c) >= 1);
	assert_int_equal(cfg_worker_threads(c), 4 * cfg_event_threads(c));
	cfg_free(c);
}

static void test_every_key(void **state)
{
	struct cfg *c = load(
		"[global]\n"
		"  listen = ::1\n"
		"  port = 10445\n"
		"  server signing = auto\n"
		"  log level = 3\n"
		"  state directory = /tmp/skiff-state/\n"
		"  netbios name = myhost\n"
		"  workgroup = corp\n"
		"  server min protocol = SMB2_10\n"
		"  server max protocol = SMB3_02\n"
		"  max connections = 10\n"
		"  max connections per address = 0\n"
		"  unauthenticated timeout = 5\n"
		"  idle timeout = 0\n"
		"  max pdu size = 1052672\n"
		"  event threads = 2\n"
		"  worker threads = 7\n"
		"  max open files per session = 100\n"
		"  max open files per user = 1000\n"
		"  kernel change notify watches = 100\n"
		"  allow anonymous = yes\n"
		"  guest account = nobody\n"
		"[data]\n"
		"  path = /srv/data/\n"
		"  read only = no\n"
		"  valid users = alice, bob\n"
		"  comment = Team data ; inline comment\n"
		"  browseable = no\n"
		"  guest ok = yes\n"
		"  oplocks = no\n"
		"  leases = no\n"
		"  durable handle timeout = 0\n"
		"  kernel change notify = no\n"
		"  windows replay = yes\n");

	if (!c)
		fail_msg("%s", err);
	assert_string_equal(c->g.listen, "::1");
	assert_int_equal(c->g.port, 10445);
	assert_int_equal(c->g.signing, CFG_SIGNING_AUTO);
	assert_int_equal(c->g.log_level, 3);
	assert_string_equal(c->g.state_dir, "/tmp/skiff-state");
	assert_string_equal(c->g.netbios_name, "MYHOST");
	assert_string_equal(c->g.workgroup, "CORP");
	assert_int_equal(c->g.min_protocol, 0x0210);
	assert_int_equal(c->g.max_protocol, 0x0302);
	assert_int_equal(c->g.max_connections, 10);
	assert_int_equal(c->g.max_connections_per_addr, 0);
	assert_int_equal(c->g.unauth_timeout, 5);
	assert_int_equal(c->g.idle_timeout, 0);
	assert_int_equal(c->g.max_pdu_size, 1052672);
	assert_int_equal(c->g.event_threads, 2);
	assert_int_equal(c->g.worker_threads, 7);
	assert_int_equal(cfg_event_threads(c), 2);
	assert_int_equal(cfg_worker_threads(c), 7);
	assert_int_equal(c->g.max_open_files, 100);
	assert_int_equal(c->g.max_open_files_per_user, 1000);
	assert_int_equal(c->g.kernel_change_notify_watches, 100);
	assert_true(c->g.allow_anonymous);
	assert_string_equal(c->g.guest_account, "nobody");

	assert_int_equal(c->nshares, 1);
	const struct cfg_share *s = &c->shares[0];
	assert_string_equal(s->name, "data");
	assert_string_equal(s->path, "/srv/data");
	assert_false(s->read_only);
	assert_int_equal(s->n_valid_users, 2);
	assert_string_equal(s->valid_users[0], "alice");
	assert_string_equal(s->valid_users[1], "bob");
	assert_string_equal(s->comment, "Team data");
	assert_false(s->browseable);
	assert_true(s->guest_ok);
	assert_false(s->oplocks);
	assert_false(s->leases);
	assert_int_equal(s->durable_timeout, 0);
	assert_false(s->kernel_change_notify);
	assert_true(s->windows_replay);
	assert_int_equal(s->line, 23);
	cfg_free(c);
}

static void test_share_defaults_and_lookup(void **state)
{
	struct cfg *c = load("[Public]\npath = /\n[other]\npath=/srv//\n");

	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->nshares, 2);
	const struct cfg_share *s = cfg_find_share(c, "PUBLIC");
	assert_non_null(s);
	assert_ptr_equal(s, &c->shares[0]);
	assert_string_equal(s->name, "Public");
	assert_string_equal(s->path, "/");
	assert_string_equal(s->comment, "");
	assert_true(s->read_only);
	assert_true(s->browseable);
	assert_false(s->guest_ok);
	assert_true(s->oplocks);
	assert_true(s->leases);
	assert_int_equal(s->durable_timeout, 60);
	assert_false(s->continuously_available);
	assert_int_equal(s->kernel_change_notify, CFG_KERNEL_NOTIFY_AUTO);   /* on, as Samba's */
	assert_false(s->windows_replay);        /* Samba's answer to a replay of a waiting CREATE */
	assert_int_equal(c->g.kernel_change_notify_watches, 8192);
	assert_int_equal(s->n_valid_users, 0);
	assert_true(cfg_share_user_allowed(s, "anyone"));
	assert_string_equal(cfg_find_share(c, "Other")->path, "/srv");
	assert_null(cfg_find_share(c, "missing"));
	assert_null(cfg_find_share(c, "global"));
	cfg_free(c);
}

/* "kernel change notify": the backend by name, yes as auto, no as off; anything else refused. */
static void test_kernel_change_notify(void **state)
{
	struct cfg *c = load("[a]\npath = /a\nkernel change notify = fanotify\n"
			     "[b]\npath = /b\nkernel change notify = INOTIFY\n"
			     "[c]\npath = /c\nkernel change notify = yes\n"
			     "[d]\npath = /d\nkernel change notify = auto\n"
			     "[e]\npath = /e\nkernel change notify = off\n");

	(void)state;
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->shares[0].kernel_change_notify, CFG_KERNEL_NOTIFY_FANOTIFY);
	assert_int_equal(c->shares[1].kernel_change_notify, CFG_KERNEL_NOTIFY_INOTIFY);
	assert_int_equal(c->shares[2].kernel_change_notify, CFG_KERNEL_NOTIFY_AUTO);
	assert_int_equal(c->shares[3].kernel_change_notify, CFG_KERNEL_NOTIFY_AUTO);
	assert_int_equal(c->shares[4].kernel_change_notify, CFG_KERNEL_NOTIFY_NO);
	cfg_free(c);
	expect_error("[s]\npath = /s\nkernel change notify = dnotify\n",
		     "t.conf:3: bad value 'dnotify' for 'kernel change notify': expected auto, fanotify, inotify, yes or no");
}

/* Keys compare like Samba's: case and blanks do not matter; synonyms map to one setting. */
static void test_key_spelling(void **state)
{
	struct cfg *c = load("[GLOBAL]\nLogLevel = 2\nSERVER  SIGNING = disabled\n"
			     "[a]\nPATH = /a\nReadOnly = no\nBrowsable = no\nPublic = yes\n"
			     "[b]\npath = /b\nwritable = yes\n"
			     "[c]\npath = /c\nwriteable = no\n"
			     "[d]\ndirectory = /d\nwrite ok = 1\nOpLocks = no\n");

	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->g.log_level, 2);
	assert_int_equal(c->g.signing, CFG_SIGNING_DISABLED);
	assert_false(cfg_find_share(c, "a")->read_only);
	assert_false(cfg_find_share(c, "a")->browseable);
	assert_true(cfg_find_share(c, "a")->guest_ok);
	assert_false(cfg_find_share(c, "b")->read_only);
	assert_true(cfg_find_share(c, "c")->read_only);
	assert_false(cfg_find_share(c, "d")->read_only);
	assert_string_equal(cfg_find_share(c, "d")->path, "/d");
	assert_false(cfg_find_share(c, "d")->oplocks);
	assert_true(cfg_find_share(c, "c")->oplocks);
	cfg_free(c);
}

static void test_booleans(void **state)
{
	static const struct { const char *word; bool val; } words[] = {
		{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
		{ "1", true },   { "0", false },  { "on", true },   { "off", false },
		{ "YES", true }, { "Off", false },
	};
	char text[128];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "allow anonymous = %s\n[s]\npath=/s\nguest ok = %s\n",
			 words[i].word, words[i].word);
		struct cfg *c = load(text);
		if (!c)
			fail_msg("%s: %s", words[i].word, err);
		assert_int_equal(c->g.allow_anonymous, words[i].val);
		assert_int_equal(c->shares[0].guest_ok, words[i].val);
		cfg_free(c);
	}
	expect_error("allow anonymous = maybe\n",
		     "t.conf:1: bad value 'maybe' for 'allow anonymous': expected yes or no");
	expect_error("[s]\npath=/s\nread only = 2\n",
		     "t.conf:3: bad value '2' for 'read only': expected yes or no");
	expect_error("[s]\npath=/s\nread only =\n",
		     "t.conf:3: bad value '' for 'read only': expected yes or no");
	expect_error("[s]\npath=/s\ndurable handle timeout = 3601\n",
		     "t.conf:3: bad value '3601' for 'durable handle timeout': expected a number from 0 to 3600");
}

static void test_signing_values(void **state)
{
	static const struct { const char *word; enum cfg_signing val; } words[] = {
		{ "mandatory", CFG_SIGNING_MANDATORY }, { "required", CFG_SIGNING_MANDATORY },
		{ "auto", CFG_SIGNING_AUTO },           { "default", CFG_SIGNING_AUTO },
		{ "disabled", CFG_SIGNING_DISABLED },   { "Mandatory", CFG_SIGNING_MANDATORY },
	};
	char text[128];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "server signing = %s\n", words[i].word);
		struct cfg *c = load(text);
		assert_non_null(c);
		assert_int_equal(c->g.signing, words[i].val);
		cfg_free(c);
	}
	expect_error("\n\nserver signing = sometimes\n",
		     "t.conf:3: bad value 'sometimes' for 'server signing': expected mandatory, auto or disabled");
}

static void test_protocols(void **state)
{
	static const struct { const char *name; uint16_t d; } p[] = {
		{ "SMB2_02", 0x0202 }, { "SMB2_10", 0x0210 }, { "SMB3_00", 0x0300 },
		{ "SMB3_02", 0x0302 }, { "smb3_11", 0x0311 }, { "SMB2", 0x0210 }, { "SMB3", 0x0311 },
	};
	char text[128];

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		snprintf(text, sizeof(text), "server min protocol = %s\nserver max protocol = %s\n",
			 p[i].name, p[i].name);
		struct cfg *c = load(text);
		if (!c)
			fail_msg("%s", err);
		assert_int_equal(c->g.min_protocol, p[i].d);
		assert_int_equal(c->g.max_protocol, p[i].d);
		cfg_free(c);
	}
	assert_string_equal(cfg_dialect_name(0x0202), "SMB2_02");
	assert_string_equal(cfg_dialect_name(0x0210), "SMB2_10");
	assert_string_equal(cfg_dialect_name(0x0300), "SMB3_00");
	assert_string_equal(cfg_dialect_name(0x0302), "SMB3_02");
	assert_string_equal(cfg_dialect_name(0x0311), "SMB3_11");
	assert_string_equal(cfg_dialect_name(0x02FF), "SMB2_FF");
	assert_string_equal(cfg_dialect_name(0x0001), "unknown");

	expect_error("[global]\nserver min protocol = SMB3_11\nserver max protocol = SMB3_00\n",
		     "t.conf:3: server min protocol SMB3_11 is above server max protocol SMB3_00");
	expect_error("server max protocol = SMB2_10\nserver min protocol = SMB3_00\n",
		     "t.conf:2: server min protocol SMB3_00 is above server max protocol SMB2_10");
	expect_error("server min protocol = SMB3_11\nserver max protocol = SMB3_02\n\n",
		     "t.conf:2: server min protocol SMB3_11 is above server max protocol SMB3_02");
	expect_error("server min protocol = NT1\n",
		     "t.conf:1: 'server min protocol' = NT1: SMB1 is not supported; the lowest dialect is SMB2_02");
	expect_error("server max protocol = SMB4\n",
		     "t.conf:1: bad value 'SMB4' for 'server max protocol': expected SMB2_02, SMB2_10, SMB3_00, SMB3_02 or SMB3_11");
}

static void test_numbers(void **state)
{
	struct cfg *c = load("port = 1\nlog level = 0\n");
	assert_non_null(c);
	assert_int_equal(c->g.port, 1);
	assert_int_equal(c->g.log_level, 0);
	cfg_free(c);
	c = load("port = 65535\nlog level = 10\nidle timeout = 2147483\n");
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->g.port, 65535);
	assert_int_equal(c->g.log_level, 4);  /* Samba's higher levels read as trace */
	cfg_free(c);

	expect_error("port = 0\n", "t.conf:1: bad value '0' for 'port': expected a port number from 1 to 65535");
	expect_error("[global]\nport = 65536\n",
		     "t.conf:2: bad value '65536' for 'port': expected a port number from 1 to 65535");
	expect_error("port = -1\n", "t.conf:1: bad value '-1' for 'port': expected a port number from 1 to 65535");
	expect_error("port = 44x\n", "t.conf:1: bad value '44x' for 'port': expected a port number from 1 to 65535");
	expect_error("port = 99999999999999999999\n",
		     "t.conf:1: bad value '99999999999999999999' for 'port': expected a port number from 1 to 65535");
	expect_error("log level = 11\n",
		     "t.conf:1: bad value '11' for 'log level': expected a number from 0 (errors) to 4 (trace)");
	expect_error("max connections = 0\n",
		     "t.conf:1: bad value '0' for 'max connections': expected a number from 1 to 1048576");
	expect_error("max pdu size = 65536\n",
		     "t.conf:1: bad value '65536' for 'max pdu size': expected a number from 69632 to 16777215");
	expect_error("max pdu size = 16777216\n",
		     "t.conf:1: bad value '16777216' for 'max pdu size': expected a number from 69632 to 16777215");
	expect_error("event threads = 257\n",
		     "t.conf:1: bad value '257' for 'event threads': expected a number from 0 to 256");
	expect_error("worker threads = lots\n",
		     "t.conf:1: bad value 'lots' for 'worker threads': expected a number from 0 to 4096");
	expect_error("max open files per user = 1048577\n",
		     "t.conf:1: bad value '1048577' for 'max open files per user': expected a number from 0 to 1048576");
	expect_error("max open files = 0\n",
		     "t.conf:1: bad value '0' for 'max open files': expected a number from 1 to 1048576");
	c = load("max connections per address = 1048576\nunauthenticated timeout = 3600\n");
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->g.max_connections_per_addr, 1048576);
	assert_int_equal(c->g.unauth_timeout, 3600);
	cfg_free(c);
	expect_error("max connections per address = 1048577\n",
		     "t.conf:1: bad value '1048577' for 'max connections per address': expected a number from 0 to 1048576");
	expect_error("max connections per address = -1\n",
		     "t.conf:1: bad value '-1' for 'max connections per address': expected a number from 0 to 1048576");
	expect_error("unauthenticated timeout = 3601\n",
		     "t.conf:1: bad value '3601' for 'unauthenticated timeout': expected a number from 0 to 3600");
	expect_error("unauthenticated timeout = soon\n",
		     "t.conf:1: bad value 'soon' for 'unauthenticated timeout': expected a number from 0 to 3600");
	expect_error("idle timeout = 2147484\n",
		     "t.conf:1: bad value '2147484' for 'idle timeout': expected a number from 0 to 2147483");
	expect_error("kernel change notify watches = 0\n",
		     "t.conf:1: bad value '0' for 'kernel change notify watches': expected a number from 1 to 1048576");
	expect_error("kernel change notify watches = 1048577\n",
		     "t.conf:1: bad value '1048577' for 'kernel change notify watches': expected a number from 1 to 1048576");
	expect_error("[s]\npath = /s\nkernel change notify = maybe\n",
		     "t.conf:3: bad value 'maybe' for 'kernel change notify': expected auto, fanotify, inotify, yes or no");
}

static void test_strings(void **state)
{
	expect_error("listen = localhost\n",
		     "t.conf:1: bad value 'localhost' for 'listen': expected an IPv4 or IPv6 address literal");
	expect_error("listen =\n", "t.conf:1: bad value '' for 'listen': expected an IPv4 or IPv6 address literal");
	expect_error("state directory = var/lib\n",
		     "t.conf:1: bad value 'var/lib' for 'state directory': expected an absolute path");
	expect_error("netbios name = ABCDEFGHIJKLMNOP\n",
		     "t.conf:1: bad value 'ABCDEFGHIJKLMNOP' for 'netbios name': expected 1 to 15 ASCII characters without \\/:*?\"<>|");
	expect_error("netbios name = host.example\n",
		     "t.conf:1: bad value 'host.example' for 'netbios name': expected 1 to 15 ASCII characters without \\/:*?\"<>|");
	expect_error("workgroup =\n",
		     "t.conf:1: bad value '' for 'workgroup': expected 1 to 15 ASCII characters without \\/:*?\"<>|");
	expect_error("guest account = a:b\n",
		     "t.conf:1: bad value 'a:b' for 'guest account': expected a user name (or nothing, to refuse guests)");
	expect_error("[s]\npath = relative/dir\n",
		     "t.conf:2: bad value 'relative/dir' for 'path': expected an absolute path");

	struct cfg *c = load("guest account =\nnetbios name = abc-1\n");
	assert_non_null(c);
	assert_null(c->g.guest_account);
	assert_string_equal(c->g.netbios_name, "ABC-1");
	cfg_free(c);
	c = load("listen = 127.0.0.1\n");
	assert_non_null(c);
	assert_string_equal(c->g.listen, "127.0.0.1");
	cfg_free(c);
}

static void test_valid_users(void **state)
{
	struct cfg *c = load("[s]\npath = /s\nvalid users = alice, Bob  carol,,\"John Smith\"\tdave\n"
			     "[t]\npath = /t\nvalid users =\n");

	if (!c)
		fail_msg("%s", err);
	const struct cfg_share *s = cfg_find_share(c, "s");
	assert_int_equal(s->n_valid_users, 5);
	assert_string_equal(s->valid_users[0], "alice");
	assert_string_equal(s->valid_users[1], "Bob");
	assert_string_equal(s->valid_users[2], "carol");
	assert_string_equal(s->valid_users[3], "John Smith");
	assert_string_equal(s->valid_users[4], "dave");
	assert_true(cfg_share_user_allowed(s, "ALICE"));
	assert_true(cfg_share_user_allowed(s, "bob"));
	assert_true(cfg_share_user_allowed(s, "john smith"));
	assert_false(cfg_share_user_allowed(s, "mallory"));
	assert_false(cfg_share_user_allowed(s, "alic"));
	assert_false(cfg_share_user_allowed(s, ""));
	assert_false(cfg_share_user_allowed(s, NULL));
	const struct cfg_share *t = cfg_find_share(c, "t");
	assert_int_equal(t->n_valid_users, 0);
	assert_true(cfg_share_user_allowed(t, "mallory"));
	cfg_free(c);

	/* A later line replaces the list, as with every other key. */
	c = load("[s]\npath = /s\nvalid users = alice\nvalid users = bob\n");
	assert_non_null(c);
	assert_int_equal(c->shares[0].n_valid_users, 1);
	assert_string_equal(c->shares[0].valid_users[0], "bob");
	cfg_free(c);

	expect_error("[s]\npath = /s\nvalid users = alice, @staff\n",
		     "t.conf:3: groups ('@staff') in 'valid users' are not supported; list user names");
	expect_error("[s]\npath = /s\nvalid users = \"alice\n",
		     "t.conf:3: unterminated quote in 'valid users'");
	expect_error("[s]\npath = /s\n\nvalid users = a/b\n",
		     "t.conf:4: invalid user name 'a/b' in 'valid users'");
}

static void test_structure_errors(void **state)
{
	expect_error("[global]\nport = 445\nbogus = 1\n", "t.conf:3: unknown key 'bogus' in [global]");
	expect_error("[s]\npath = /s\n  Frobnicate = yes\n", "t.conf:3: unknown key 'Frobnicate' in [s]");
	expect_error("[s]\npath = /s\nport = 1\n", "t.conf:3: 'port' is only valid in [global], not in [s]");
	expect_error("[global]\nread only = no\n",
		     "t.conf:2: 'read only' is a share option; set it in each share, not in [global]");
	expect_error("[global]\n\n[data]\ncomment = x\n", "t.conf:3: share [data] has no 'path'");
	expect_error("[a]\npath=/a\n[empty]\n[b]\npath=/b\n", "t.conf:3: share [empty] has no 'path'");
	expect_error("[data]\npath = /a\n[other]\npath=/o\n[DATA]\npath = /b\n",
		     "t.conf:5: duplicate share [DATA] (first defined at line 1)");
	expect_error("[IPC$]\npath = /a\n", "t.conf:1: share name [IPC$] is reserved");
	expect_error("[global]\n[ipc$]\n", "t.conf:2: share name [ipc$] is reserved");
	expect_error("[a:b]\npath = /a\n",
		     "t.conf:1: invalid share name [a:b] (1 to 80 characters, none of \\/[]:|<>+=;,*?\")");
	expect_error("[]\npath = /a\n",
		     "t.conf:1: invalid share name [] (1 to 80 characters, none of \\/[]:|<>+=;,*?\")");
	expect_error("[global]\nport 445\n", "t.conf:2: syntax error: expected '[section]' or 'key = value'");
	expect_error("[global\nport = 445\n", "t.conf:1: missing ']' in section header");

	char *big = malloc(5000);
	assert_non_null(big);
	strcpy(big, "[global]\ncomment_is_not_here = ");
	memset(big + strlen(big), 'x', 4500);
	strcpy(big + strlen("[global]\ncomment_is_not_here = ") + 4500, "\n");
	expect_error(big, "t.conf:2: line longer than 4094 characters");
	free(big);
}

/* Layout variants real smb.conf files use. */
static void test_layout(void **state)
{
	struct cfg *c = load("\xEF\xBB\xBF"
			     "# comment\r\n"
			     "; another\r\n"
			     "port = 1445\r\n"          /* before any section: global, as in Samba */
			     "[ share one ]\r\n"
			     "\tpath = /srv/one  \r\n"
			     "\tcomment = spaces kept inside\r\n"
			     "\r\n"
			     "   [global]\r\n"
			     "workgroup = wg ; trailing comment\r\n");

	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->g.port, 1445);
	assert_string_equal(c->g.workgroup, "WG");
	assert_int_equal(c->nshares, 1);
	assert_string_equal(c->shares[0].name, "share one");
	assert_string_equal(c->shares[0].path, "/srv/one");
	assert_string_equal(c->shares[0].comment, "spaces kept inside");
	assert_int_equal(c->shares[0].line, 4);
	cfg_free(c);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/skiff-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "[global]\nport = 2445\n[s]\npath = /s\n\nvalid users = x y\nnope = 1\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);

	struct cfg *c = cfg_load_file(path, err, sizeof(err));
	assert_null(c);
	char want[600];
	snprintf(want, sizeof(want), "%s:7: unknown key 'nope' in [s]", path);
	assert_string_equal(err, want);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text) - 9), (ssize_t)strlen(text) - 9);
	close(fd);
	c = cfg_load_file(path, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->g.port, 2445);
	assert_string_equal(c->source, path);
	assert_int_equal(c->shares[0].n_valid_users, 2);
	cfg_free(c);
	unlink(path);

	c = cfg_load_file("/nonexistent/skiff.conf", err, sizeof(err));
	assert_null(c);
	assert_string_equal(err, "/nonexistent/skiff.conf: cannot open: No such file or directory");

	/* A tiny error buffer truncates, never overflows. */
	char small[8];
	assert_null(cfg_load_string("bogus = 1\n", "t.conf", small, sizeof(small)));
	assert_string_equal(small, "t.conf:");
	assert_null(cfg_load_string("bogus = 1\n", "t.conf", NULL, 0));
}

/* The identity and logon-throttling keys (issue 11 section 3). */
static void test_identity_keys(void **state)
{
	struct cfg *c = load("");

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->g.min_uid, 1000);
	assert_false(c->g.allow_root_logon);
	assert_int_equal(c->g.failed_logon_delay, 2000);
	assert_int_equal(c->g.n_server_admins, 0);
	assert_false(cfg_is_server_admin(c, "root"));
	assert_false(cfg_is_server_admin(c, NULL));
	cfg_free(c);

	c = load("[global]\nmin uid = 500\nallow root logon = yes\nfailed logon delay = 0\n"
		 "server admins = alice, \"Bob Smith\" carol\n");
	assert_non_null(c);
	assert_int_equal(c->g.min_uid, 500);
	assert_true(c->g.allow_root_logon);
	assert_int_equal(c->g.failed_logon_delay, 0);
	assert_int_equal(c->g.n_server_admins, 3);
	assert_true(cfg_is_server_admin(c, "ALICE"));
	assert_true(cfg_is_server_admin(c, "bob smith"));
	assert_true(cfg_is_server_admin(c, "carol"));
	assert_false(cfg_is_server_admin(c, "dave"));
	cfg_free(c);

	expect_error("[global]\nfailed logon delay = 60001\n",
		     "t.conf:2: bad value '60001' for 'failed logon delay': expected a number from 0 to 60000");
	expect_error("[global]\nmin uid = -1\n",
		     "t.conf:2: bad value '-1' for 'min uid': expected a number from 0 to 4294967294");
	expect_error("[global]\nallow root logon = maybe\n",
		     "t.conf:2: bad value 'maybe' for 'allow root logon': expected yes or no");
	expect_error("[global]\nserver admins = @wheel\n",
		     "t.conf:2: groups ('@wheel') in 'server admins' are not supported; list user names");
	expect_error("[global]\nserver admins = a/b\n",
		     "t.conf:2: invalid user name 'a/b' in 'server admins'");
	expect_error("[s]\npath = /tmp\nserver admins = alice\n",
		     "t.conf:3: 'server admins' is only valid in [global], not in [s]");
}

/* `interfaces`: the names offered to multichannel clients (FSCTL_QUERY_NETWORK_INTERFACE_INFO). */
static void test_interfaces(void **state)
{
	struct cfg *c = load("");

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->g.n_interfaces, 0);   /* every interface */
	cfg_free(c);

	c = load("[global]\ninterfaces = eth0, bond0.10 wlp2s0\n");
	assert_non_null(c);
	assert_int_equal(c->g.n_interfaces, 3);
	assert_string_equal(c->g.interfaces[0], "eth0");
	assert_string_equal(c->g.interfaces[1], "bond0.10");
	assert_string_equal(c->g.interfaces[2], "wlp2s0");
	cfg_free(c);

	expect_error("[global]\ninterfaces = eth0 0123456789abcdef\n",
		     "t.conf:2: invalid interface name '0123456789abcdef' in 'interfaces'");
	expect_error("[global]\ninterfaces = ../lo\n",
		     "t.conf:2: invalid interface name '../lo' in 'interfaces'");
	expect_error("[global]\ninterfaces = eth0:1\n",
		     "t.conf:2: invalid interface name 'eth0:1' in 'interfaces'");
	expect_error("[s]\npath = /tmp\ninterfaces = lo\n",
		     "t.conf:3: 'interfaces' is only valid in [global], not in [s]");
}

static void test_user_names(void **state)
{
	assert_true(cfg_valid_user_name("alice"));
	assert_true(cfg_valid_user_name("John Smith"));
	assert_true(cfg_valid_user_name("j.doe-2_x$"));
	assert_true(cfg_valid_user_name("Jürgen"));
	assert_true(cfg_valid_user_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 64 */
	assert_false(cfg_valid_user_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(cfg_valid_user_name(""));
	assert_false(cfg_valid_user_name("-rf"));
	assert_false(cfg_valid_user_name("#x"));
	assert_false(cfg_valid_user_name(" x"));
	assert_false(cfg_valid_user_name("x "));
	assert_false(cfg_valid_user_name("a\tb"));
	assert_false(cfg_valid_user_name("a\x7f"));
	assert_false(cfg_valid_user_name("\xff\xfe"));
	for (const char *bad = "/\\[]:;|=,+*?<>\"@"; *bad; bad++) {
		char name[4] = { 'a', *bad, 'b', 0 };
		if (cfg_valid_user_name(name))
			fail_msg("'%s' accepted", name);
	}
}

/* `continuously available`: a boolean, only on a share a restart can find again, with durable
 * handles on. */
static void test_continuously_available(void **state)
{
	(void)state;
	struct cfg *c = load("[ca]\npath = /srv/ca\ncontinuously available = yes\n"
			     "[plain]\npath = /srv/p\nContinuously Available = no\n");
	if (!c)
		fail_msg("%s", err);
	assert_true(cfg_find_share(c, "ca")->continuously_available);
	assert_false(cfg_find_share(c, "plain")->continuously_available);
	cfg_free(c);
	expect_error("[s]\npath = /srv\ncontinuously available = always\n",
		     "t.conf:3: bad value 'always' for 'continuously available': expected yes or no");
	expect_error("[s]\npath = /home/%U\ncontinuously available = yes\n",
		     "t.conf:1: share [s]: 'continuously available' needs a path without variables");
	expect_error("[s]\npath = /srv\ncontinuously available = yes\ndurable handle timeout = 0\n",
		     "t.conf:1: share [s]: 'continuously available' needs a 'durable handle timeout' "
		     "above 0");
}

/* Variables in share paths: which are accepted, `create path`, and the substitution. */
static void test_path_variables(void **state)
{
	struct cfg *c = load("[home]\npath = /home/%U\n[dyn]\npath = /srv/dyn/%t\ncreate path = yes\n"
			     "[lit]\npath = /srv/100%%\n");
	if (!c)
		fail_msg("%s", err);
	assert_true(cfg_find_share(c, "home")->path_has_vars);
	assert_false(cfg_find_share(c, "home")->create_path);
	assert_true(cfg_find_share(c, "dyn")->create_path);
	assert_true(cfg_find_share(c, "lit")->path_has_vars);
	cfg_free(c);
	expect_error("[s]\npath = /srv/%S\n",
		     "t.conf:1: share [s]: path /srv/%S: skiffd cannot fill Samba's %S (it fills %U %u "
		     "%G %g %I %t %T and %%)");
	expect_error("[s]\npath = /home/%H/x\n",
		     "t.conf:1: share [s]: path /home/%H/x: skiffd cannot fill Samba's %H (it fills %U "
		     "%u %G %g %I %t %T and %%)");
	/* Any other '%' is an ordinary character, as in Samba: no substitution at all. */
	c = load("[a]\npath = /srv/100%\n[b]\npath = /srv/50%off\n");
	if (!c)
		fail_msg("%s", err);
	assert_false(c->shares[0].path_has_vars);
	assert_false(c->shares[1].path_has_vars);
	cfg_free(c);
	expect_error("[s]\npath = /srv\ncreate path = yes\n",
		     "t.conf:1: share [s]: 'create path' needs a path with variables");

	/* 2026-01-02 03:04:05 local time, as Samba formats %t and %T */
	struct tm tm = { .tm_year = 126, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3, .tm_min = 4,
			 .tm_sec = 5, .tm_isdst = -1 };
	struct cfg_path_vars v = { .user = "Alice", .unix_user = "alice", .group = "staff",
				   .client_addr = "192.0.2.7", .now = mktime(&tm) };
	char out[256];
	size_t anchor;
	const char *rest;
	assert_true(cfg_path_substitute("/srv/dyn/%t", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/srv/dyn/20260102_030405");
	assert_int_equal(anchor, 8);
	assert_string_equal(rest, "20260102_030405");
	assert_true(cfg_path_substitute("/log/%T", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/log/2026-01-02 03:04:05");
	assert_true(cfg_path_substitute("/%u", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/alice");
	assert_int_equal(anchor, 1);
	assert_string_equal(rest, "alice");
	assert_true(cfg_path_substitute("/h/100%%/%U-%G-%g/x%I", &v, out, sizeof(out), &anchor,
					&rest));
	assert_string_equal(out, "/h/100%/Alice-staff-staff/x192.0.2.7");
	assert_int_equal(anchor, 7);
	assert_string_equal(rest, "Alice-staff-staff/x192.0.2.7");
	assert_true(cfg_path_substitute("/srv/plain%%", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/srv/plain%");
	assert_string_equal(rest, "");
	assert_true(cfg_path_substitute("/s/5%o/%u%", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/s/5%o/alice%");
	assert_int_equal(anchor, 6);

	/* A value cannot move the path: '/' stays inside one name, and a name that comes out
	 * empty, "." or ".." is refused. */
	v.user = "../../etc";
	assert_true(cfg_path_substitute("/home/%U", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/home/.._.._etc");
	v.user = "a/b";
	assert_true(cfg_path_substitute("/home/%U/in", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/home/a_b/in");
	const char *refused[] = { "..", ".", "" };
	for (size_t i = 0; i < 3; i++) {
		v.user = refused[i];
		if (cfg_path_substitute("/home/%U", &v, out, sizeof(out), &anchor, &rest))
			fail_msg("user '%s' gave %s", refused[i], out);
		if (cfg_path_substitute("/home/%U/x", &v, out, sizeof(out), &anchor, &rest))
			fail_msg("user '%s' gave %s", refused[i], out);
	}
	v.user = "..";
	assert_true(cfg_path_substitute("/home/x%U", &v, out, sizeof(out), &anchor, &rest));
	assert_string_equal(out, "/home/x..");
	/* A value that is not known, or a result that does not fit, refuses the connect. */
	v.user = NULL;
	assert_false(cfg_path_substitute("/home/%U", &v, out, sizeof(out), &anchor, &rest));
	v.user = "alice";
	assert_false(cfg_path_substitute("/home/%U", &v, out, 9, &anchor, &rest));
	assert_true(cfg_path_substitute("/home/%U", &v, out, 12, &anchor, &rest));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_share_defaults_and_lookup),
		cmocka_unit_test(test_kernel_change_notify),
		cmocka_unit_test(test_key_spelling),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_signing_values),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_valid_users),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_user_names),
		cmocka_unit_test(test_identity_keys),
		cmocka_unit_test(test_path_variables),
		cmocka_unit_test(test_continuously_available),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
