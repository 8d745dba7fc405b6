/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiff: the administration CLI. Manages SMB users in <state dir>/users.db and checks the
 * configuration file; the running server picks changes up by itself.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "auth/identity.h"
#include "auth/userdb.h"
#include "core/config.h"
#include "core/log.h"
#include "core/utf16.h"
#include "crypto/crypto.h"

#define EXIT_USAGE 2
/* Windows accepts at most 256 UTF-16 code units in a password. */
#define MAX_PASSWORD_UNITS 256
#define PASSWORD_BUF 1100

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: skiff [-c FILE] COMMAND\n"
		"\n"
		"Commands:\n"
		"  user add NAME      add an SMB user (asks for the password)\n"
		"  user passwd NAME   change a user's password\n"
		"  user del NAME      delete a user\n"
		"  user list          list users, one per line\n"
		"  check              check the configuration file and summarise it\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE  configuration file (default " SKIFF_DEFAULT_CONFIG ")\n"
		"  -h, --help         show this help\n"
		"\n"
		"Passwords are read from the terminal without echo, twice. When standard input is\n"
		"not a terminal, its first two lines are the password and its confirmation.\n"
		"Users are kept in <state directory>/" USERDB_FILE " as NT hashes; each SMB user\n"
		"acts as the Unix account of the same name. Exit status: 0 success, 1 failure,\n"
		"2 usage error.\n");
}

/* ---- password input -------------------------------------------------------------------- */

static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

/* A signal while echo is off must not leave the user's terminal silent. */
static void restore_and_reraise(int sig)
{
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool set_echo(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };

	if (!on) {
		struct termios t;
		if (tcgetattr(STDIN_FILENO, &saved_tio) != 0)
			return false;
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], restore_and_reraise);
		t = saved_tio;
		t.c_lflag &= (tcflag_t)~ECHO;
		t.c_lflag |= ECHONL;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0)
			return false;
		echo_off = 1;
		return true;
	}
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	echo_off = 0;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	return true;
}

/*
 * One line from fd 0 with read(2), byte by byte: stdio would keep a copy of the password in its
 * buffer that we could not wipe. Returns 0, or -1 at end of input with nothing read, or -2 when
 * the line does not fit.
 */
static int read_line(char *buf, size_t cap)
{
	size_t n = 0;
	bool any = false, too_long = false;

	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		any = true;
		if (c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
		else
			too_long = true;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	explicit_bzero(buf + n, cap - n);
	if (!any)
		return -1;
	return too_long ? -2 : 0;
}

/* Read the new password twice into pw (PASSWORD_BUF bytes); false with a message on failure. */
static bool get_password(const char *user, char *pw)
{
	char again[PASSWORD_BUF];
	bool tty = isatty(STDIN_FILENO);
	bool ok = false;
	int r1, r2;

	if (tty) {
		fprintf(stderr, "New SMB password for %s: ", user);
		fflush(stderr);
		if (!set_echo(false)) {
			fprintf(stderr, "skiff: cannot turn off terminal echo: %s\n", strerror(errno));
			return false;
		}
		r1 = read_line(pw, PASSWORD_BUF);
		set_echo(true);
		if (r1 == 0) {
			fprintf(stderr, "Retype new SMB password: ");
			fflush(stderr);
			set_echo(false);
			r2 = read_line(again, sizeof(again));
			set_echo(true);
		} else {
			r2 = 0;
		}
	} else {
		r1 = read_line(pw, PASSWORD_BUF);
		r2 = r1 == 0 ? read_line(again, sizeof(again)) : 0;
	}

	if (r1 == -1 || r2 == -1) {
		fprintf(stderr, "skiff: %s\n", tty ? "no password entered"
			: "expected the password twice (two lines) on standard input");
		goto out;
	}
	if (r1 == -2 || r2 == -2 || utf8_utf16le_len(pw) > 2 * MAX_PASSWORD_UNITS) {
		fprintf(stderr, "skiff: password too long (at most %d characters)\n", MAX_PASSWORD_UNITS);
		goto out;
	}
	if (utf8_utf16le_len(pw) == SIZE_MAX) {
		fprintf(stderr, "skiff: password is not valid UTF-8\n");
		goto out;
	}
	if (strcmp(pw, again) != 0) {
		fprintf(stderr, "skiff: passwords do not match; nothing changed\n");
		goto out;
	}
	if (!pw[0]) {
		fprintf(stderr, "skiff: empty passwords are not allowed\n");
		goto out;
	}
	ok = true;
out:
	explicit_bzero(again, sizeof(again));
	if (!ok)
		explicit_bzero(pw, PASSWORD_BUF);
	return ok;
}

/* ---- commands -------------------------------------------------------------------------- */

static int fail_db(struct userdb *db, int r)
{
	const char *why = userdb_error(db);

	fprintf(stderr, "skiff: %s\n", why[0] ? why : strerror(-r));
	if ((r == -EACCES || r == -EPERM) && geteuid() != 0)
		fprintf(stderr, "skiff: (run as root, or as the owner of the state directory)\n");
	return 1;
}

static bool check_name(const char *user)
{
	if (cfg_valid_user_name(user))
		return true;
	fprintf(stderr,
		"skiff: invalid user name '%s': use 1 to 64 characters, no control characters, none of\n"
		"       / \\ [ ] : ; | = , + * ? < > \" @, not starting with '-' or '#', no edge spaces\n",
		user);
	return false;
}

/* Each SMB user acts as the Unix account of the same name: say so when there is none. */
static void warn_unix_account(const char *user)
{
	if (getpwnam(user))
		return;
	fprintf(stderr,
		"skiff: warning: there is no Unix account named '%s'. Each SMB user acts as the Unix\n"
		"       account of the same name; create it before the user connects\n"
		"       (e.g. useradd --no-create-home --shell /usr/sbin/nologin %s).\n", user, user);
}

/*
 * The server refuses logons that act as uid 0 or a uid below `min uid` (docs/CONFIG.md); adding
 * such a user would only make a password that cannot be used, or, with the rule relaxed, a
 * remote root login: say so and stop unless the configuration allows it. The rule is the one of
 * per-user identity mode, a server running as root, which reads only a root-owned users.db
 * (userdb.h): a users.db written by another user serves a server in single-identity mode, where
 * every session acts as the server's own account and the rule does not apply.
 */
static bool check_uid_rule(const struct cfg *c, const char *user)
{
	struct passwd pw;
	char buf[4096];

	if (geteuid() != 0 || !auth_unix_account(user, &pw, buf, sizeof(buf)))
		return true;   /* warned about after adding */
	switch (auth_uid_check(pw.pw_uid, c->g.min_uid, c->g.allow_root_logon)) {
	case AUTH_UID_OK:
		return true;
	case AUTH_UID_ROOT:
		fprintf(stderr,
			"skiff: user '%s' would act as the Unix account '%s', uid 0: SMB logons as root\n"
			"       are refused (set 'allow root logon = yes' in %s to allow them)\n",
			user, pw.pw_name, c->source);
		return false;
	case AUTH_UID_BELOW_MIN:
		fprintf(stderr,
			"skiff: user '%s' would act as the Unix account '%s', uid %u, a system account\n"
			"       below 'min uid' (%u): its logons are refused (lower 'min uid' in %s)\n",
			user, pw.pw_name, (unsigned)pw.pw_uid, c->g.min_uid, c->source);
		return false;
	}
	return false;
}

static int cmd_user_set(const struct cfg *c, struct userdb *db, const char *user, bool add)
{
	char pw[PASSWORD_BUF];
	int r;

	if (!check_name(user) || !check_uid_rule(c, user))
		return 1;
	/* Checked before asking, so nobody types a password twice for nothing. The writer
	 * checks again under the lock. */
	if (add && userdb_exists(db, user)) {
		fprintf(stderr, "skiff: user '%s' already exists (use 'skiff user passwd %s')\n", user, user);
		return 1;
	}
	if (!add && !userdb_exists(db, user)) {
		fprintf(stderr, "skiff: no such user '%s' (use 'skiff user add %s')\n", user, user);
		return 1;
	}
	if (!get_password(user, pw))
		return 1;
	r = add ? userdb_add_user(db, user, pw) : userdb_change_password(db, user, pw);
	explicit_bzero(pw, sizeof(pw));
	if (r)
		return fail_db(db, r);
	if (add) {
		printf("Added user %s.\n", user);
		warn_unix_account(user);
	} else {
		printf("Password changed for user %s.\n", user);
	}
	return 0;
}

static int cmd_user_del(struct userdb *db, const char *user)
{
	int r;

	if (!check_name(user))
		return 1;
	r = userdb_delete(db, user);
	if (r)
		return fail_db(db, r);
	printf("Deleted user %s.\n", user);
	return 0;
}

static void print_user(const char *user, void *arg)
{
	(void)arg;
	printf("%s\n", user);
}

static int cmd_user_list(struct userdb *db)
{
	int r = userdb_list(db, print_user, NULL);

	if (r < 0) {
		fprintf(stderr, "skiff: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

static const char *signing_name(enum cfg_signing s)
{
	return s == CFG_SIGNING_MANDATORY ? "mandatory" : s == CFG_SIGNING_AUTO ? "auto" : "disabled";
}

static int cmd_check(const struct cfg *c)
{
	const struct cfg_global *g = &c->g;
	int warnings = 0;

	printf("%s: OK\n", c->source);
	printf("  listen %s port %u, %s..%s, signing %s, netbios name %s, workgroup %s\n",
	       g->listen, g->port, cfg_dialect_name(g->min_protocol),
	       cfg_dialect_name(g->max_protocol), signing_name(g->signing), g->netbios_name,
	       g->workgroup);
	printf("  state directory %s, guest account %s, anonymous %s\n", g->state_dir,
	       g->guest_account ? g->guest_account : "(none)", g->allow_anonymous ? "allowed" : "refused");
	printf("  logons: uid >= %u, root %s; failed logons answered after %u ms; server admins:",
	       g->min_uid, g->allow_root_logon ? "allowed" : "refused", g->failed_logon_delay);
	for (size_t i = 0; i < g->n_server_admins; i++)
		printf(" %s", g->server_admins[i]);
	printf("%s\n", g->n_server_admins ? "" : " (none)");
	for (size_t i = 0; i < c->nshares; i++) {
		const struct cfg_share *s = &c->shares[i];
		struct stat st;

		printf("  [%s] %s (%s%s%s)\n", s->name, s->path, s->read_only ? "read only" : "writable",
		       s->guest_ok ? ", guest ok" : "", s->browseable ? "" : ", hidden");
		/* a path with variables is filled in per connect: its fixed directory must exist */
		char dir[4096];
		snprintf(dir, sizeof(dir), "%.*s", (int)cfg_path_anchor_len(s->path), s->path);
		if (s->path_has_vars)
			printf("    path filled in at each connect, below %s%s\n", dir,
			       s->create_path ? " (missing directories made)" : "");
		if (stat(dir, &st) != 0) {
			printf("    warning: %s: %s\n", dir, strerror(errno));
			warnings++;
		} else if (!S_ISDIR(st.st_mode)) {
			printf("    warning: %s is not a directory\n", dir);
			warnings++;
		}
		if (s->guest_ok && !g->guest_account) {
			printf("    warning: guest ok = yes, but no guest account is set: guests are refused\n");
			warnings++;
		}
	}
	if (c->nshares == 0) {
		printf("  warning: no shares defined\n");
		warnings++;
	}
	if (warnings)
		printf("%d warning(s)\n", warnings);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = SKIFF_DEFAULT_CONFIG;
	char err[1024];
	struct cfg *c = NULL;
	struct userdb *db = NULL;
	int opt, rc = 1;

	/* '+': options stop at the command, so "user add -x" is a name, not an option. */
	while ((opt = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	const char *cmd = argc > 0 ? argv[0] : NULL;
	const char *sub = argc > 1 ? argv[1] : NULL;
	bool is_user = cmd && !strcmp(cmd, "user");
	bool needs_name = is_user && sub && (!strcmp(sub, "add") || !strcmp(sub, "passwd") ||
					     !strcmp(sub, "del"));
	bool ok_usage = (cmd && !strcmp(cmd, "check") && argc == 1) ||
			(is_user && sub && !strcmp(sub, "list") && argc == 2) ||
			(needs_name && argc == 3);
	if (cmd && !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!ok_usage) {
		if (!cmd)
			fprintf(stderr, "skiff: no command given\n");
		else if (is_user && needs_name)
			fprintf(stderr, "skiff: 'user %s' takes exactly one user name\n", sub);
		else if (is_user && sub && !strcmp(sub, "list"))
			fprintf(stderr, "skiff: 'user list' takes no arguments\n");
		else if (is_user)
			fprintf(stderr, "skiff: unknown user command '%s'\n", sub ? sub : "");
		else if (!strcmp(cmd, "check"))
			fprintf(stderr, "skiff: 'check' takes no arguments\n");
		else
			fprintf(stderr, "skiff: unknown command '%s'\n", cmd);
		fprintf(stderr, "Try 'skiff --help'.\n");
		return EXIT_USAGE;
	}

	log_set_level(LOG_WARN);
	c = cfg_load_file(conf, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "skiff: %s\n", err);
		goto out;
	}
	if (!strcmp(cmd, "check")) {
		rc = cmd_check(c);
		goto out;
	}
	if (!crypto_init()) {
		fprintf(stderr, "skiff: cannot initialise OpenSSL (MD4 from the legacy provider)\n");
		goto out;
	}
	db = userdb_open(c->g.state_dir, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "skiff: %s\n", err);
		goto out;
	}
	if (!is_user || !sub)   /* cannot be (ok_usage), but say so before using sub */
		goto out;
	if (!strcmp(sub, "list"))
		rc = cmd_user_list(db);
	else if (!strcmp(sub, "add"))
		rc = cmd_user_set(c, db, argv[2], true);
	else if (!strcmp(sub, "passwd"))
		rc = cmd_user_set(c, db, argv[2], false);
	else
		rc = cmd_user_del(db, argv[2]);
out:
	userdb_close(db);
	cfg_free(c);
	crypto_shutdown();
	if (fflush(stdout) != 0 && rc == 0)
		rc = 1;
	return rc;
}
