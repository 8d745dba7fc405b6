/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Variables in share paths (`path = /home/%U`, docs/CONFIG.md): the subset of Samba's that skiffd
 * can fill honestly at TREE_CONNECT, their check at load time and their substitution. Pure
 * string work: the caller gathers the values and opens the result.
 */
#include "core/config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The letters after '%' that skiffd fills ("%%" is a literal percent sign)... */
static const char *const known_vars = "UuGgItT%";
/* ...and Samba's others (smb.conf(5) "VARIABLE SUBSTITUTIONS"), refused rather than left as
 * they are, which would export another directory than the one meant. Any other character after
 * '%' leaves the '%' as it is, as Samba does ("/srv/100%" stays valid). */
static const char *const samba_only_vars = "DJijLNMRadhmvwVHPS$";

static bool is_var(const char *s)
{
	return s[0] == '%' && s[1] != '\0' && strchr(known_vars, s[1]);
}

bool cfg_path_check_vars(const char *tmpl, char *bad)
{
	for (const char *s = tmpl; (s = strchr(s, '%')) != NULL; s += 1 + (s[1] == '%')) {
		if (s[1] != '\0' && strchr(samba_only_vars, s[1])) {
			*bad = s[1];
			return false;
		}
	}
	return true;
}

static const char *first_var(const char *tmpl)
{
	for (const char *s = tmpl; (s = strchr(s, '%')) != NULL; s++)
		if (is_var(s))
			return s;
	return NULL;
}

bool cfg_path_has_vars(const char *tmpl)
{
	return first_var(tmpl) != NULL;
}

size_t cfg_path_anchor_len(const char *tmpl)
{
	const char *pct = first_var(tmpl);
	size_t n = pct ? (size_t)(pct - tmpl) : strlen(tmpl);

	if (!pct)
		return n;
	while (n > 0 && tmpl[n - 1] != '/')
		n--;
	return n > 1 ? n - 1 : 1;
}

/* Samba's formats (lib/util/time.c): %t "YYYYmmdd_HHMMSS", %T "YYYY-mm-dd HH:MM:SS", local time. */
static bool format_time(char letter, time_t t, char *out, size_t n)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return snprintf(out, n, "%lld", (long long)t) < (int)n;
	if (letter == 't')
		return strftime(out, n, "%Y%m%d_%H%M%S", &tm) != 0;
	return strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm) != 0;
}

/* The components after the anchor: none empty, none "." or "..". */
static bool components_ok(const char *rest)
{
	for (const char *c = rest;;) {
		const char *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!end)
			return true;
		c = end + 1;
	}
}

bool cfg_path_substitute(const char *tmpl, const struct cfg_path_vars *v, char *out, size_t outlen,
			 size_t *anchor_len, const char **rest)
{
	size_t n = 0;
	bool var_seen = false;

	*anchor_len = 0;
	*rest = NULL;
	if (outlen == 0 || tmpl[0] != '/')
		return false;
	for (const char *s = tmpl; *s; s++) {
		char tbuf[64];
		const char *val = NULL;

		if (!is_var(s) || s[1] == '%') {
			if (n + 1 >= outlen)
				return false;
			out[n++] = *s;
			s += is_var(s);   /* "%%": one literal '%' */
			continue;
		}
		switch (s[1]) {
		case 'U': val = v->user; break;
		case 'u': val = v->unix_user; break;
		case 'G':
		case 'g': val = v->group; break;
		case 'I': val = v->client_addr; break;
		case 't':
		case 'T':
			if (!format_time(s[1], v->now, tbuf, sizeof(tbuf)))
				return false;
			val = tbuf;
			break;
		default:
			return false;
		}
		if (!val)
			return false;
		if (!var_seen) {
			/* The anchor is the directory the first variable's component is in. */
			var_seen = true;
			size_t slash = n;
			while (slash > 0 && out[slash - 1] != '/')
				slash--;
			*anchor_len = slash > 1 ? slash - 1 : 1;
		}
		/* A value is one name: its '/' cannot add a level. */
		for (const char *c = val; *c; c++) {
			if (n + 1 >= outlen)
				return false;
			out[n++] = *c == '/' ? '_' : *c;
		}
		s++;
	}
	out[n] = '\0';
	if (!var_seen) {
		*anchor_len = n;
		*rest = out + n;
		return true;
	}
	/* Below the anchor ("/" itself, or a directory and its '/'). */
	*rest = out + (*anchor_len == 1 ? 1 : *anchor_len + 1);
	/* An empty value, "." or ".." would make the path another directory than the one meant. */
	return components_ok(*rest);
}
