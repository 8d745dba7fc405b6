/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiff.conf parser: inih splits lines into key/value pairs; this file owns the key table, value
 * checking, defaults and the "FILE:LINE: why" messages.
 */
#include "core/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/utf16.h"

/* Longest line accepted; longer ones are an error rather than being split silently. */
#define CFG_MAX_LINE 4096
#define CFG_MAX_SHARE_NAME 80
#define CFG_MAX_USER_NAME 64
#define CFG_MAX_NBNAME 15

enum section_kind { SEC_NONE, SEC_GLOBAL, SEC_SHARE };

/* Everything one load needs; inih hands it to both callbacks. */
struct parse {
	struct cfg *c;
	const char *name;       /* file name for messages */
	char *err;
	size_t errlen;
	bool failed;
	int lineno;             /* line the reader handed to inih last */
	FILE *f;                /* input: a file ... */
	const char *s;          /* ... or a string */
	enum section_kind sec;
	size_t share;           /* index into c->shares when sec == SEC_SHARE */
	int min_line, max_line; /* where the protocol bounds were set, 0 = default */
};

static void perr(struct parse *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record the first error only: later ones are usually consequences of it. */
static void perr(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	if (!p->err || !p->errlen)
		return;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- value parsers --------------------------------------------------------------------- */

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "1", "on" };
	static const char *const no[] = { "no", "false", "0", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned long x;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return false;
	*out = (unsigned)x;
	return true;
}

static bool parse_signing(const char *v, enum cfg_signing *out)
{
	static const struct { const char *word; enum cfg_signing val; } words[] = {
		{ "mandatory", CFG_SIGNING_MANDATORY }, { "required", CFG_SIGNING_MANDATORY },
		{ "force", CFG_SIGNING_MANDATORY },     { "forced", CFG_SIGNING_MANDATORY },
		{ "enforced", CFG_SIGNING_MANDATORY },  { "auto", CFG_SIGNING_AUTO },
		{ "default", CFG_SIGNING_AUTO },        { "enabled", CFG_SIGNING_AUTO },
		{ "if_required", CFG_SIGNING_AUTO },    { "yes", CFG_SIGNING_AUTO },
		{ "true", CFG_SIGNING_AUTO },           { "on", CFG_SIGNING_AUTO },
		{ "1", CFG_SIGNING_AUTO },              { "disabled", CFG_SIGNING_DISABLED },
		{ "no", CFG_SIGNING_DISABLED },         { "false", CFG_SIGNING_DISABLED },
		{ "off", CFG_SIGNING_DISABLED },        { "0", CFG_SIGNING_DISABLED },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcasecmp(v, words[i].word)) {
			*out = words[i].val;
			return true;
		}
	}
	return false;
}

static bool parse_kernel_notify(const char *v, int *out)
{
	bool b;

	if (!strcasecmp(v, "auto") || !strcasecmp(v, "inotify") || !strcasecmp(v, "fanotify")) {
		*out = v[0] == 'a' || v[0] == 'A' ? CFG_KERNEL_NOTIFY_AUTO :
		       v[0] == 'i' || v[0] == 'I' ? CFG_KERNEL_NOTIFY_INOTIFY : CFG_KERNEL_NOTIFY_FANOTIFY;
		return true;
	}
	if (!parse_bool(v, &b))
		return false;
	*out = b ? CFG_KERNEL_NOTIFY_AUTO : CFG_KERNEL_NOTIFY_NO;   /* yes: as auto */
	return true;
}

static bool parse_encrypt(const char *v, int *out)
{
	static const struct { const char *word; int val; } words[] = {
		{ "off", CFG_ENCRYPT_OFF },             { "disabled", CFG_ENCRYPT_OFF },
		{ "no", CFG_ENCRYPT_OFF },              { "false", CFG_ENCRYPT_OFF },
		{ "if_required", CFG_ENCRYPT_IF_REQUIRED }, { "default", CFG_ENCRYPT_IF_REQUIRED },
		{ "auto", CFG_ENCRYPT_IF_REQUIRED },    { "enabled", CFG_ENCRYPT_IF_REQUIRED },
		{ "desired", CFG_ENCRYPT_DESIRED },     { "yes", CFG_ENCRYPT_DESIRED },
		{ "required", CFG_ENCRYPT_REQUIRED },   { "mandatory", CFG_ENCRYPT_REQUIRED },
		{ "force", CFG_ENCRYPT_REQUIRED },      { "forced", CFG_ENCRYPT_REQUIRED },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcasecmp(v, words[i].word)) {
			*out = words[i].val;
			return true;
		}
	}
	return false;
}

static const struct { const char *name; uint16_t dialect; } dialects[] = {
	{ "SMB2_02", CFG_DIALECT_SMB2_02 }, { "SMB2_10", CFG_DIALECT_SMB2_10 },
	{ "SMB3_00", CFG_DIALECT_SMB3_00 }, { "SMB3_02", CFG_DIALECT_SMB3_02 },
	{ "SMB3_11", CFG_DIALECT_SMB3_11 },
	/* Samba's family names pick the family's newest dialect. */
	{ "SMB2", CFG_DIALECT_SMB2_10 },    { "SMB3", CFG_DIALECT_SMB3_11 },
};

const char *cfg_dialect_name(uint16_t dialect)
{
	if (dialect == 0x02FF)
		return "SMB2_FF";
	for (size_t i = 0; i < 5; i++)
		if (dialects[i].dialect == dialect)
			return dialects[i].name;
	return "unknown";
}

static bool parse_dialect(const char *v, uint16_t *out)
{
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
		if (!strcasecmp(v, dialects[i].name)) {
			*out = dialects[i].dialect;
			return true;
		}
	}
	return false;
}

static bool is_smb1_name(const char *v)
{
	static const char *const smb1[] = { "NT1", "LANMAN1", "LANMAN2", "CORE", "COREPLUS" };

	for (size_t i = 0; i < sizeof(smb1) / sizeof(smb1[0]); i++)
		if (!strcasecmp(v, smb1[i]))
			return true;
	return false;
}

/* Code points in a valid UTF-8 string, or SIZE_MAX when it is not valid UTF-8. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	if (utf8_utf16le_len(s) == SIZE_MAX)
		return SIZE_MAX;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7F)
			return true;
	return false;
}

bool cfg_valid_user_name(const char *name)
{
	size_t n = utf8_chars(name);

	if (n == 0 || n == SIZE_MAX || n > CFG_MAX_USER_NAME)
		return false;
	if (has_ctrl(name) || strpbrk(name, "/\\[]:;|=,+*?<>\"@"))
		return false;
	/* A leading '-' reads as an option to shell tools, a leading '#' as a users.db comment,
	 * and edge spaces are invisible in every listing. */
	if (name[0] == '-' || name[0] == '#' || name[0] == ' ' || name[strlen(name) - 1] == ' ')
		return false;
	return true;
}

static bool valid_share_name(const char *name)
{
	size_t n = utf8_chars(name);

	if (n == 0 || n == SIZE_MAX || n > CFG_MAX_SHARE_NAME)
		return false;
	return !has_ctrl(name) && !strpbrk(name, "\\/[]:|<>+=;,*?\"");
}

static bool valid_nbname(const char *v, bool host)
{
	size_t n = strlen(v);

	if (n == 0 || n > CFG_MAX_NBNAME || has_ctrl(v) || strpbrk(v, "\\/:*?\"<>|"))
		return false;
	for (const char *s = v; *s; s++)
		if ((unsigned char)*s >= 0x80 || (host && (*s == '.' || *s == ' ')))
			return false;
	return true;
}

static char *upper_dup(const char *v)
{
	char *s = strdup(v);

	for (char *q = s; q && *q; q++)
		*q = (char)toupper((unsigned char)*q);
	return s;
}

/* Absolute path with trailing slashes removed ("/" stays "/"). */
static char *path_dup(const char *v)
{
	size_t n = strlen(v);
	char *s;

	while (n > 1 && v[n - 1] == '/')
		n--;
	s = malloc(n + 1);
	if (s) {
		memcpy(s, v, n);
		s[n] = '\0';
	}
	return s;
}

/* Replace *slot with a copy of v (NULL v or failed copy leaves NULL). */
static bool set_str(char **slot, char *copy)
{
	free(*slot);
	*slot = copy;
	return copy != NULL;
}

static void free_users(char **u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i]);
	free(u);
}

/*
 * `valid users`, `server admins` (named by `label`): names separated by commas and/or blanks; a
 * name holding blanks is written in double quotes ('"' cannot occur in a user name, so quoting
 * is unambiguous).
 */
static bool parse_users(struct parse *p, const char *label, const char *v, char ***out,
			size_t *nout)
{
	char **list = NULL;
	size_t n = 0;
	const char *s = v;
	char *tok = NULL;

	while (*s) {
		size_t len;
		const char *start;

		if (*s == ',' || isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (*s == '"') {
			start = ++s;
			const char *q = strchr(s, '"');
			if (!q) {
				perr(p, p->lineno, "unterminated quote in '%s'", label);
				goto fail;
			}
			len = (size_t)(q - start);
			s = q + 1;
		} else {
			start = s;
			while (*s && *s != ',' && !isspace((unsigned char)*s))
				s++;
			len = (size_t)(s - start);
		}
		tok = strndup(start, len);
		if (!tok)
			goto nomem;
		if (tok[0] == '@' || tok[0] == '+' || tok[0] == '&') {
			perr(p, p->lineno, "groups ('%s') in '%s' are not supported; list user names", tok,
			     label);
			goto fail;
		}
		if (!cfg_valid_user_name(tok)) {
			perr(p, p->lineno, "invalid user name '%s' in '%s'", tok, label);
			goto fail;
		}
		char **nl = realloc(list, (n + 1) * sizeof(*list));
		if (!nl)
			goto nomem;
		list = nl;
		list[n++] = tok;
		tok = NULL;
	}
	free_users(*out, *nout);
	*out = list;
	*nout = n;
	return true;
nomem:
	perr(p, p->lineno, "out of memory");
fail:
	free(tok);
	free_users(list, n);
	return false;
}

/* A network interface name as Linux allows it (IFNAMSIZ - 1 = 15 bytes, no '/', ':' or blank,
 * not "." or ".."). */
static bool valid_iface_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 15 || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	for (const char *c = n; *c; c++)
		if (*c == '/' || *c == ':' || !isgraph((unsigned char)*c))
			return false;
	return true;
}

/* `interfaces`: interface names separated by commas and/or blanks; empty = all of them. */
static bool parse_ifaces(struct parse *p, const char *label, const char *v, char ***out,
			 size_t *nout)
{
	char **list = NULL;
	size_t n = 0;

	for (const char *s = v; *s;) {
		if (*s == ',' || isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		const char *start = s;
		while (*s && *s != ',' && !isspace((unsigned char)*s))
			s++;
		char *tok = strndup(start, (size_t)(s - start));
		char **nl = tok ? realloc(list, (n + 1) * sizeof(*list)) : NULL;
		if (!nl) {
			free(tok);
			free_users(list, n);
			perr(p, p->lineno, "out of memory");
			return false;
		}
		list = nl;
		list[n++] = tok;
		if (!valid_iface_name(tok)) {
			perr(p, p->lineno, "invalid interface name '%s' in '%s'", tok, label);
			free_users(list, n);
			return false;
		}
	}
	free_users(*out, *nout);
	*out = list;
	*nout = n;
	return true;
}

/* ---- key table ------------------------------------------------------------------------- */

enum key_type {
	K_ADDR, K_PORT, K_SIGNING, K_LOGLEVEL, K_ABSPATH, K_NBNAME, K_HOSTNAME, K_MINPROTO,
	K_MAXPROTO, K_UINT, K_BOOL, K_NOTBOOL, K_STR, K_GUEST, K_USERS, K_ENCRYPT, K_ADMINS, K_IFACES,
	K_KNOTIFY,
};

struct key_def {
	const char *key;        /* lower case, no blanks: how keys compare */
	const char *label;      /* as documented, for messages */
	enum key_type type;
	size_t off;             /* into struct cfg_global or struct cfg_share */
	unsigned min, max;      /* K_UINT */
};

#define G(f) offsetof(struct cfg_global, f)
#define S(f) offsetof(struct cfg_share, f)

static const struct key_def global_keys[] = {
	{ "listen", "listen", K_ADDR, G(listen), 0, 0 },
	{ "port", "port", K_PORT, G(port), 1, 65535 },
	{ "serversigning", "server signing", K_SIGNING, G(signing), 0, 0 },
	{ "loglevel", "log level", K_LOGLEVEL, G(log_level), 0, 10 },
	{ "debuglevel", "log level", K_LOGLEVEL, G(log_level), 0, 10 },
	{ "statedirectory", "state directory", K_ABSPATH, G(state_dir), 0, 0 },
	{ "netbiosname", "netbios name", K_HOSTNAME, G(netbios_name), 0, 0 },
	{ "workgroup", "workgroup", K_NBNAME, G(workgroup), 0, 0 },
	{ "serverminprotocol", "server min protocol", K_MINPROTO, G(min_protocol), 0, 0 },
	{ "minprotocol", "server min protocol", K_MINPROTO, G(min_protocol), 0, 0 },
	{ "servermaxprotocol", "server max protocol", K_MAXPROTO, G(max_protocol), 0, 0 },
	{ "maxprotocol", "server max protocol", K_MAXPROTO, G(max_protocol), 0, 0 },
	{ "protocol", "server max protocol", K_MAXPROTO, G(max_protocol), 0, 0 },
	{ "maxconnections", "max connections", K_UINT, G(max_connections), 1, 1048576 },
	/* 0 = no per-address limit. */
	{ "maxconnectionsperaddress", "max connections per address", K_UINT,
	  G(max_connections_per_addr), 0, 1048576 },
	/* Seconds from accept to an authenticated session; 0 = no limit. */
	{ "unauthenticatedtimeout", "unauthenticated timeout", K_UINT, G(unauth_timeout), 0, 3600 },
	/* Seconds; bounded so that milliseconds still fit an int. */
	{ "idletimeout", "idle timeout", K_UINT, G(idle_timeout), 0, INT_MAX / 1000 },
	/* 64 KiB payloads must fit (MS-SMB2 3.3.5.4 requires MaxReadSize >= 65536), and the
	 * direct-TCP length field has 24 bits (MS-SMB2 2.1). */
	{ "maxpdusize", "max pdu size", K_UINT, G(max_pdu_size), 69632, 16777215 },
	{ "eventthreads", "event threads", K_UINT, G(event_threads), 0, 256 },
	{ "workerthreads", "worker threads", K_UINT, G(worker_threads), 0, 4096 },
	{ "maxopenfiles", "max open files", K_UINT, G(max_open_files), 1, 1048576 },
	{ "maxopenfilespersession", "max open files", K_UINT, G(max_open_files), 1, 1048576 },
	/* 0: a quarter of the descriptors the process may open (smb2_server_new) */
	{ "maxopenfilesperuser", "max open files per user", K_UINT, G(max_open_files_per_user), 0,
	  1048576 },
	{ "allowanonymous", "allow anonymous", K_BOOL, G(allow_anonymous), 0, 0 },
	{ "guestaccount", "guest account", K_GUEST, G(guest_account), 0, 0 },
	{ "serversmbencrypt", "server smb encrypt", K_ENCRYPT, G(encrypt), 0, 0 },
	{ "smbencrypt", "server smb encrypt", K_ENCRYPT, G(encrypt), 0, 0 },
	{ "smbtorturehooks", "smbtorture hooks", K_BOOL, G(smbtorture_hooks), 0, 0 },
	{ "minuid", "min uid", K_UINT, G(min_uid), 0, UINT32_MAX - 1 },
	{ "allowrootlogon", "allow root logon", K_BOOL, G(allow_root_logon), 0, 0 },
	/* Milliseconds; at most a minute, so a typo cannot lock every client out for hours. */
	{ "failedlogondelay", "failed logon delay", K_UINT, G(failed_logon_delay), 0, 60000 },
	{ "serveradmins", "server admins", K_ADMINS, G(server_admins), 0, 0 },
	{ "interfaces", "interfaces", K_IFACES, G(interfaces), 0, 0 },
	/* Bounded by what one inotify instance may usefully hold (the kernel's own limit is
	 * fs.inotify.max_user_watches); past it a tree watch reports NOTIFY_ENUM_DIR. */
	{ "kernelchangenotifywatches", "kernel change notify watches", K_UINT,
	  G(kernel_change_notify_watches), 1, 1048576 },
};

static const struct key_def share_keys[] = {
	{ "path", "path", K_ABSPATH, S(path), 0, 0 },
	{ "directory", "path", K_ABSPATH, S(path), 0, 0 },
	{ "readonly", "read only", K_BOOL, S(read_only), 0, 0 },
	{ "writable", "writable", K_NOTBOOL, S(read_only), 0, 0 },
	{ "writeable", "writeable", K_NOTBOOL, S(read_only), 0, 0 },
	{ "writeok", "write ok", K_NOTBOOL, S(read_only), 0, 0 },
	{ "validusers", "valid users", K_USERS, S(valid_users), 0, 0 },
	{ "comment", "comment", K_STR, S(comment), 0, 0 },
	{ "browseable", "browseable", K_BOOL, S(browseable), 0, 0 },
	{ "browsable", "browseable", K_BOOL, S(browseable), 0, 0 },
	{ "guestok", "guest ok", K_BOOL, S(guest_ok), 0, 0 },
	{ "leases", "leases", K_BOOL, S(leases), 0, 0 },
	{ "oplocks", "oplocks", K_BOOL, S(oplocks), 0, 0 },
	/* Seconds a disconnected durable open is kept; an hour at most (its file stays locked). */
	{ "durablehandletimeout", "durable handle timeout", K_UINT, S(durable_timeout), 0, 3600 },
	{ "kernelchangenotify", "kernel change notify", K_KNOTIFY, S(kernel_change_notify), 0, 0 },
	{ "windowsreplay", "windows replay", K_BOOL, S(windows_replay), 0, 0 },
	{ "public", "guest ok", K_BOOL, S(guest_ok), 0, 0 },
	{ "serversmbencrypt", "server smb encrypt", K_ENCRYPT, S(encrypt), 0, 0 },
	{ "smbencrypt", "server smb encrypt", K_ENCRYPT, S(encrypt), 0, 0 },
	{ "createpath", "create path", K_BOOL, S(create_path), 0, 0 },
	{ "continuouslyavailable", "continuously available", K_BOOL, S(continuously_available),
	  0, 0 },
};

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

/* Samba compares parameter names ignoring case and blanks: "Read Only" == "readonly". */
static void key_fold(const char *name, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *name && n + 1 < outlen; name++)
		if (!isspace((unsigned char)*name))
			out[n++] = (char)tolower((unsigned char)*name);
	out[n] = '\0';
}

static const struct key_def *key_find(const struct key_def *t, size_t n, const char *folded)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, folded))
			return &t[i];
	return NULL;
}

static bool bad_value(struct parse *p, const struct key_def *k, const char *v, const char *expect)
{
	perr(p, p->lineno, "bad value '%s' for '%s': expected %s", v, k->label, expect);
	return false;
}

static bool apply(struct parse *p, const struct key_def *k, void *base, const char *v)
{
	void *slot = (char *)base + k->off;
	unsigned u;
	bool b;

	switch (k->type) {
	case K_ADDR: {
		unsigned char a[16];
		if (inet_pton(AF_INET, v, a) != 1 && inet_pton(AF_INET6, v, a) != 1)
			return bad_value(p, k, v, "an IPv4 or IPv6 address literal");
		return set_str(slot, strdup(v));
	}
	case K_PORT:
		if (!parse_uint(v, k->min, k->max, &u))
			return bad_value(p, k, v, "a port number from 1 to 65535");
		*(uint16_t *)slot = (uint16_t)u;
		return true;
	case K_KNOTIFY:
		if (!parse_kernel_notify(v, slot))
			return bad_value(p, k, v, "auto, fanotify, inotify, yes or no");
		return true;
	case K_ENCRYPT:
		if (!parse_encrypt(v, slot))
			return bad_value(p, k, v, "off, if_required, desired or required");
		return true;
	case K_SIGNING:
		if (!parse_signing(v, slot))
			return bad_value(p, k, v, "mandatory, auto or disabled");
		return true;
	case K_LOGLEVEL:
		if (!parse_uint(v, 0, 10, &u))
			return bad_value(p, k, v, "a number from 0 (errors) to 4 (trace)");
		*(int *)slot = u > 4 ? 4 : (int)u;
		return true;
	case K_ABSPATH:
		if (v[0] != '/')
			return bad_value(p, k, v, "an absolute path");
		return set_str(slot, path_dup(v));
	case K_NBNAME:
	case K_HOSTNAME:
		if (!valid_nbname(v, k->type == K_HOSTNAME))
			return bad_value(p, k, v, "1 to 15 ASCII characters without \\/:*?\"<>|");
		return set_str(slot, upper_dup(v));
	case K_MINPROTO:
	case K_MAXPROTO: {
		uint16_t d;
		if (is_smb1_name(v)) {
			perr(p, p->lineno, "'%s' = %s: SMB1 is not supported; the lowest dialect is SMB2_02",
			     k->label, v);
			return false;
		}
		if (!parse_dialect(v, &d))
			return bad_value(p, k, v, "SMB2_02, SMB2_10, SMB3_00, SMB3_02 or SMB3_11");
		*(uint16_t *)slot = d;
		if (k->type == K_MINPROTO)
			p->min_line = p->lineno;
		else
			p->max_line = p->lineno;
		return true;
	}
	case K_UINT:
		if (!parse_uint(v, k->min, k->max, &u)) {
			char range[64];
			snprintf(range, sizeof(range), "a number from %u to %u", k->min, k->max);
			return bad_value(p, k, v, range);
		}
		*(unsigned *)slot = u;
		return true;
	case K_BOOL:
	case K_NOTBOOL:
		if (!parse_bool(v, &b))
			return bad_value(p, k, v, "yes or no");
		*(bool *)slot = k->type == K_BOOL ? b : !b;
		return true;
	case K_STR:
		return set_str(slot, strdup(v));
	case K_GUEST:
		if (!*v) {
			set_str(slot, NULL);
			return true;
		}
		if (!cfg_valid_user_name(v))
			return bad_value(p, k, v, "a user name (or nothing, to refuse guests)");
		return set_str(slot, strdup(v));
	case K_USERS: {
		struct cfg_share *sh = base;
		return parse_users(p, k->label, v, &sh->valid_users, &sh->n_valid_users);
	}
	case K_ADMINS: {
		struct cfg_global *g = base;
		return parse_users(p, k->label, v, &g->server_admins, &g->n_server_admins);
	}
	case K_IFACES: {
		struct cfg_global *g = base;
		return parse_ifaces(p, k->label, v, &g->interfaces, &g->n_interfaces);
	}
	}
	return false;
}

/* inih callback for every key = value line; the section comes from our own reader. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	char folded[64];
	const struct key_def *k;

	if (p->failed)
		return 0;
	key_fold(name, folded, sizeof(folded));
	if (p->sec == SEC_SHARE) {
		struct cfg_share *sh = &p->c->shares[p->share];
		k = key_find(share_keys, NKEYS(share_keys), folded);
		if (!k) {
			if (key_find(global_keys, NKEYS(global_keys), folded))
				perr(p, p->lineno, "'%s' is only valid in [global], not in [%s]", name, sh->name);
			else
				perr(p, p->lineno, "unknown key '%s' in [%s]", name, sh->name);
			return 0;
		}
		if (!apply(p, k, sh, value)) {
			perr(p, p->lineno, "out of memory");
			return 0;
		}
		return 1;
	}
	/* Keys before any section header belong to [global], as in Samba. */
	k = key_find(global_keys, NKEYS(global_keys), folded);
	if (!k) {
		if (key_find(share_keys, NKEYS(share_keys), folded))
			perr(p, p->lineno, "'%s' is a share option; set it in each share, not in [global]",
			     name);
		else
			perr(p, p->lineno, "unknown key '%s' in [global]", name);
		return 0;
	}
	if (!apply(p, k, &p->c->g, value)) {
		perr(p, p->lineno, "out of memory");
		return 0;
	}
	return 1;
}

static void share_free(struct cfg_share *s)
{
	free(s->name);
	free(s->path);
	free(s->comment);
	free_users(s->valid_users, s->n_valid_users);
}

static void section_begin(struct parse *p, const char *name)
{
	struct cfg *c = p->c;

	if (!strcasecmp(name, "global")) {
		p->sec = SEC_GLOBAL;
		return;
	}
	if (!strcasecmp(name, "IPC$")) {
		perr(p, p->lineno, "share name [%s] is reserved", name);
		return;
	}
	if (!valid_share_name(name)) {
		perr(p, p->lineno, "invalid share name [%s] (1 to %d characters, none of \\/[]:|<>+=;,*?\")",
		     name, CFG_MAX_SHARE_NAME);
		return;
	}
	const struct cfg_share *dup = cfg_find_share(c, name);
	if (dup) {
		perr(p, p->lineno, "duplicate share [%s] (first defined at line %d)", name, dup->line);
		return;
	}
	struct cfg_share *ns = realloc(c->shares, (c->nshares + 1) * sizeof(*ns));
	if (!ns) {
		perr(p, p->lineno, "out of memory");
		return;
	}
	c->shares = ns;
	struct cfg_share *s = &c->shares[c->nshares];
	*s = (struct cfg_share){ .name = strdup(name), .comment = strdup(""), .read_only = true,
				 .encrypt = CFG_ENCRYPT_INHERIT,
				 .browseable = true, .oplocks = true, .leases = true,
				 .durable_timeout = 60, .kernel_change_notify = CFG_KERNEL_NOTIFY_AUTO,
				 .line = p->lineno };
	c->nshares++;
	if (!s->name || !s->comment) {
		perr(p, p->lineno, "out of memory");
		return;
	}
	p->sec = SEC_SHARE;
	p->share = c->nshares - 1;
}

/*
 * Our reader feeds inih one line at a time, so when inih calls on_key the line it is parsing is
 * p->lineno. (The distribution's libinih is built without INI_HANDLER_LINENO, so line numbers
 * must come from here.) It also notes section headers itself, because inih reports nothing for
 * a section without keys, and a share without keys must still be seen (and refused: no path).
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0;
	bool any = false;

	if (p->failed)
		return NULL;
	for (;;) {
		int ch;
		if (p->f) {
			ch = getc(p->f);
		} else {
			ch = *p->s ? (unsigned char)*p->s : EOF;
			if (ch != EOF)
				p->s++;
		}
		if (ch == EOF)
			break;
		any = true;
		if (ch == '\0') {
			perr(p, p->lineno + 1, "NUL byte in line");
			return NULL;
		}
		if (n + 1 >= (size_t)num) {
			perr(p, p->lineno + 1, "line longer than %d characters", num - 2);
			return NULL;
		}
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (!any)
		return NULL;
	str[n] = '\0';
	p->lineno++;

	const char *t = str;
	if (p->lineno == 1 && !strncmp(t, "\xEF\xBB\xBF", 3))
		t += 3;
	while (isspace((unsigned char)*t))
		t++;
	if (*t == '[') {
		const char *end = strchr(t, ']');
		if (!end) {
			perr(p, p->lineno, "missing ']' in section header");
			return NULL;
		}
		const char *b = t + 1;
		while (b < end && isspace((unsigned char)*b))
			b++;
		const char *e = end;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		char name[CFG_MAX_LINE];
		memcpy(name, b, (size_t)(e - b));
		name[e - b] = '\0';
		section_begin(p, name);
		if (p->failed)
			return NULL;
	}
	return str;
}

static void default_netbios_name(struct cfg_global *g)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	host[CFG_MAX_NBNAME] = '\0';
	g->netbios_name = upper_dup(valid_nbname(host, true) ? host : "SKIFF");
}

static bool set_defaults(struct cfg *c)
{
	struct cfg_global *g = &c->g;

	*g = (struct cfg_global){
		.listen = strdup("0.0.0.0"),
		.port = 445,
		.signing = CFG_SIGNING_MANDATORY,
		.encrypt = CFG_ENCRYPT_IF_REQUIRED,
		.log_level = 1,
		.state_dir = strdup("/var/lib/skiff"),
		.workgroup = strdup("WORKGROUP"),
		.min_protocol = CFG_DIALECT_SMB2_02,
		.max_protocol = CFG_DIALECT_SMB3_11,
		.max_connections = 1024,
		.max_connections_per_addr = 64,
		.unauth_timeout = 20,
		.idle_timeout = 900,
		.max_pdu_size = 8454144,  /* 8 MiB payload + 64 KiB header room */
		.max_open_files = 16384,
		.min_uid = 1000,
		.failed_logon_delay = 2000,
		.kernel_change_notify_watches = 8192,
	};
	default_netbios_name(g);
	return g->listen && g->state_dir && g->workgroup && g->netbios_name;
}

/* Checks that need the whole file: required keys and cross-key constraints. */
static void finish(struct parse *p)
{
	struct cfg *c = p->c;

	for (size_t i = 0; i < c->nshares && !p->failed; i++) {
		struct cfg_share *s = &c->shares[i];
		char bad = 0;
		if (!s->path)
			perr(p, s->line, "share [%s] has no 'path'", s->name);
		else if (!cfg_path_check_vars(s->path, &bad))
			perr(p, s->line, "share [%s]: path %s: skiffd cannot fill Samba's %%%c (it fills "
			     "%%U %%u %%G %%g %%I %%t %%T and %%%%)", s->name, s->path, bad);
		else if (!(s->path_has_vars = cfg_path_has_vars(s->path)) && s->create_path)
			perr(p, s->line, "share [%s]: 'create path' needs a path with variables",
			     s->name);
		/* A persistent open is found again after a restart by its share's name and path:
		 * both must be known without a user, and it is a durable open first. */
		else if (s->continuously_available && s->path_has_vars)
			perr(p, s->line, "share [%s]: 'continuously available' needs a path without "
			     "variables", s->name);
		else if (s->continuously_available && s->durable_timeout == 0)
			perr(p, s->line, "share [%s]: 'continuously available' needs a 'durable handle "
			     "timeout' above 0", s->name);
	}
	if (!p->failed && c->g.min_protocol > c->g.max_protocol)
		perr(p, p->min_line > p->max_line ? p->min_line : p->max_line,
		     "server min protocol %s is above server max protocol %s",
		     cfg_dialect_name(c->g.min_protocol), cfg_dialect_name(c->g.max_protocol));
}

/* inih's options are process globals; this lock keeps concurrent loads from racing on them. */
static pthread_mutex_t ini_lock = PTHREAD_MUTEX_INITIALIZER;

static struct cfg *load(struct parse *p)
{
	int r;

	p->c = calloc(1, sizeof(*p->c));
	if (!p->c || !set_defaults(p->c) || !(p->c->source = strdup(p->name))) {
		perr(p, 0, "out of memory");
		goto out;
	}
	pthread_mutex_lock(&ini_lock);
	/* Indented "key = value" lines are normal in smb.conf, not continuations. */
	ini_allow_multiline = false;
	ini_max_line = CFG_MAX_LINE;
	ini_stop_on_first_error = true;
	r = ini_parse_stream(reader, p, on_key, p);
	pthread_mutex_unlock(&ini_lock);
	if (!p->failed && r > 0)
		perr(p, r, "syntax error: expected '[section]' or 'key = value'");
	else if (!p->failed && r < 0)
		perr(p, 0, "out of memory");
	if (!p->failed)
		finish(p);
out:
	if (p->failed) {
		cfg_free(p->c);
		return NULL;
	}
	return p->c;
}

struct cfg *cfg_load_file(const char *path, char *err, size_t errlen)
{
	struct parse p = { .name = path, .err = err, .errlen = errlen };
	struct cfg *c;

	p.f = fopen(path, "re");
	if (!p.f) {
		perr(&p, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	c = load(&p);
	if (c && ferror(p.f)) {
		perr(&p, 0, "read error");
		cfg_free(c);
		c = NULL;
	}
	fclose(p.f);
	return c;
}

struct cfg *cfg_load_string(const char *text, const char *name, char *err, size_t errlen)
{
	struct parse p = { .name = name ? name : "(string)", .err = err, .errlen = errlen, .s = text };

	return load(&p);
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	free(c->g.listen);
	free(c->g.state_dir);
	free(c->g.netbios_name);
	free(c->g.workgroup);
	free(c->g.guest_account);
	free_users(c->g.server_admins, c->g.n_server_admins);
	free_users(c->g.interfaces, c->g.n_interfaces);
	for (size_t i = 0; i < c->nshares; i++)
		share_free(&c->shares[i]);
	free(c->shares);
	free(c->source);
	free(c);
}

const struct cfg_share *cfg_find_share(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->nshares; i++)
		if (c->shares[i].name && !utf8_casecmp(c->shares[i].name, name))
			return &c->shares[i];
	return NULL;
}

bool cfg_share_user_allowed(const struct cfg_share *s, const char *user)
{
	if (s->n_valid_users == 0)
		return true;
	if (!user)
		return false;
	for (size_t i = 0; i < s->n_valid_users; i++)
		if (!utf8_casecmp(s->valid_users[i], user))
			return true;
	return false;
}

bool cfg_is_server_admin(const struct cfg *c, const char *user)
{
	if (!user)
		return false;
	for (size_t i = 0; i < c->g.n_server_admins; i++)
		if (!utf8_casecmp(c->g.server_admins[i], user))
			return true;
	return false;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

unsigned cfg_event_threads(const struct cfg *c)
{
	return c->g.event_threads ? c->g.event_threads : online_cpus();
}

unsigned cfg_worker_threads(const struct cfg *c)
{
	return c->g.worker_threads ? c->g.worker_threads : 4 * online_cpus();
}
