/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `skiffd --print-systemd-drop-in`: ReadWritePaths= for writable shares and a state directory
 * other than the unit's; shares under the home directories ProtectHome= hides are bound into
 * its tmpfs instead, and shares under /tmp or /var/tmp need the host's /tmp (PrivateTmp=no).
 */
#include "core/config_systemd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool under_home(const char *p)
{
	return under(p, "/home") || under(p, "/root") || under(p, "/run/user");
}

static bool under_tmp(const char *p)
{
	return under(p, "/tmp") || under(p, "/var/tmp");
}

/* Characters a path may hold to be written as a unit-file value without quoting rules that
 * differ between directives; everything else is left to the admin. */
static bool expressible(const char *p, bool bind)
{
	for (const unsigned char *s = (const unsigned char *)p; *s; s++)
		if (*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\'' || *s == '\\' ||
		    (bind && *s == ':'))
			return false;
	return true;
}

/* One directive; a path with blanks is quoted, '%' (a unit specifier) doubled. */
static void put_path(FILE *f, const char *directive, const char *path)
{
	bool quote = strpbrk(path, " \t") != NULL;

	fprintf(f, "%s=%s", directive, quote ? "\"" : "");
	for (const char *s = path; *s; s++) {
		if (*s == '%')
			fputc('%', f);
		fputc(*s, f);
	}
	fprintf(f, "%s\n", quote ? "\"" : "");
}

static void put_dir(FILE *f, const char *what, const char *path, bool writable, unsigned *bad)
{
	bool home = under_home(path);
	const char *directive = home ? (writable ? "BindPaths" : "BindReadOnlyPaths") : "ReadWritePaths";

	if (!home && !writable) {
		fprintf(f, "# %s: read only, and readable under ProtectSystem=strict\n", what);
		return;
	}
	if (!expressible(path, home)) {
		fprintf(f, "# %s: add %s= for its path by hand (characters a unit value cannot carry "
			"as written here)\n", what, directive);
		(*bad)++;
		return;
	}
	fprintf(f, "# %s\n", what);
	put_path(f, directive, path);
}

char *cfg_systemd_drop_in(const struct cfg *c, unsigned *unexpressed)
{
	char *text = NULL, what[300];
	size_t len = 0;
	bool home = false, tmp = false;
	FILE *f = open_memstream(&text, &len);

	*unexpressed = 0;
	if (!f)
		return NULL;
	fprintf(f, "# skiffd.service drop-in written by skiffd --print-systemd-drop-in from %s\n"
		"# (docs/SECURITY.md): install it as\n"
		"# /etc/systemd/system/skiffd.service.d/shares.conf, then systemctl daemon-reload.\n"
		"[Service]\n", c->source ? c->source : "the configuration");
	for (size_t i = 0; i < c->nshares; i++) {
		home |= under_home(c->shares[i].path);
		tmp |= under_tmp(c->shares[i].path);
	}
	home |= under_home(c->g.state_dir);
	tmp |= under_tmp(c->g.state_dir);
	if (home)
		fputs("# shares under /home, /root or /run/user: an empty tmpfs there, with only them bound in\n"
		      "ProtectHome=tmpfs\n", f);
	if (tmp)
		fputs("# shares under /tmp or /var/tmp: the host's, not a private one\nPrivateTmp=no\n", f);
	if (strcmp(c->g.state_dir, CFG_SYSTEMD_STATE_DIR) != 0)
		put_dir(f, "state directory", c->g.state_dir, true, unexpressed);
	for (size_t i = 0; i < c->nshares; i++) {
		const struct cfg_share *s = &c->shares[i];
		snprintf(what, sizeof(what), "[%s]", s->name);
		/* a path with variables: the directory all of its paths are under */
		char *dir = strndup(s->path, cfg_path_anchor_len(s->path));
		if (!dir) {
			fclose(f);
			free(text);
			return NULL;
		}
		put_dir(f, what, dir, !s->read_only, unexpressed);
		free(dir);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
