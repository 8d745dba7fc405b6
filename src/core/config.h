/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiff.conf: a Samba-shaped INI file ([global] plus one section per share) parsed into plain
 * structs. Loading is all-or-nothing: any unknown key or bad value fails with "FILE:LINE: why".
 */
#ifndef SKIFF_CONFIG_H
#define SKIFF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SKIFF_DEFAULT_CONFIG "/etc/skiff/skiff.conf"

/* SMB2 dialect revisions (MS-SMB2 2.2.3), as used by min/max protocol. */
#define CFG_DIALECT_SMB2_02 0x0202
#define CFG_DIALECT_SMB2_10 0x0210
#define CFG_DIALECT_SMB3_00 0x0300
#define CFG_DIALECT_SMB3_02 0x0302
#define CFG_DIALECT_SMB3_11 0x0311

enum cfg_signing {
	CFG_SIGNING_DISABLED,   /* never require; sign only if the client requires it */
	CFG_SIGNING_AUTO,       /* signed when the client asks */
	CFG_SIGNING_MANDATORY,  /* SMB2_NEGOTIATE_SIGNING_REQUIRED */
};

/* "server smb encrypt" (as Samba): off = never; if_required = offered, used when the client
 * asks (default); desired = sessions encrypt when the client supports it; required = no access
 * without. Shares may override the global value. */
enum cfg_encrypt {
	CFG_ENCRYPT_INHERIT = -1,
	CFG_ENCRYPT_OFF = 0,
	CFG_ENCRYPT_IF_REQUIRED = 1,
	CFG_ENCRYPT_DESIRED = 2,
	CFG_ENCRYPT_REQUIRED = 3,
};

/* "kernel change notify": how CHANGE_NOTIFY sees the changes skiffd did not make. auto (= yes):
 * fanotify where skiffd starts as root and the file system reports file handles, else inotify. */
enum cfg_kernel_notify {
	CFG_KERNEL_NOTIFY_NO = 0,
	CFG_KERNEL_NOTIFY_AUTO = 1,
	CFG_KERNEL_NOTIFY_INOTIFY = 2,
	CFG_KERNEL_NOTIFY_FANOTIFY = 3,
};

struct cfg_share {
	char *name;            /* as written in the [section] header */
	char *path;            /* absolute, no trailing '/' (except "/") */
	char *comment;         /* never NULL ("" by default) */
	bool read_only;        /* default true, as in Samba */
	bool browseable;       /* default true */
	bool guest_ok;         /* default false */
	bool leases;           /* grant leases (MS-SMB2 3.3.5.9.8, .11), default true */
	bool oplocks;          /* grant oplocks on this share; default true */
	unsigned durable_timeout;      /* `durable handle timeout`, seconds; 0: none granted */
	int kernel_change_notify;    /* enum cfg_kernel_notify; default auto (0: no) */
	bool windows_replay;   /* `windows replay`: a replayed CREATE that finds its first one
				* still waiting is answered as Windows Server does; default false */
	char **valid_users;    /* empty = any authenticated user */
	size_t n_valid_users;
	int line;              /* line of the [section] header, for messages */
	int encrypt;           /* enum cfg_encrypt; CFG_ENCRYPT_INHERIT = the global value */
	bool path_has_vars;    /* `path` has variables: substituted at each TREE_CONNECT */
	bool create_path;      /* `create path`: make the missing directories of such a path */
	bool continuously_available;  /* persistent handles (MS-SMB2 Share.IsCA); default false */
};

struct cfg_global {
	char *listen;          /* IPv4 or IPv6 literal, default "0.0.0.0" */
	uint16_t port;         /* default 445 */
	enum cfg_signing signing;
	int log_level;         /* 0 error .. 4 trace (Samba's 5..10 are read as 4) */
	char *state_dir;       /* absolute; holds users.db */
	char *netbios_name;    /* upper-cased, 1..15 chars */
	char *workgroup;       /* upper-cased, 1..15 chars */
	uint16_t min_protocol, max_protocol; /* 0x0202..0x0311, min <= max */
	unsigned max_connections, idle_timeout, max_pdu_size, event_threads, worker_threads,
		max_open_files;          /* per session */
	unsigned max_open_files_per_user;       /* over all sessions of a Unix user; 0 = auto */
	unsigned max_connections_per_addr;  /* from one client address, 0 = no limit; default 64 */
	unsigned unauth_timeout;   /* seconds to authenticate before the drop, 0 = never; default 20 */
	bool allow_anonymous;
	char *guest_account;   /* NULL when empty: guest logons refused */
	int encrypt;           /* enum cfg_encrypt, default CFG_ENCRYPT_IF_REQUIRED */
	bool smbtorture_hooks; /* Samba's test-only FSCTLs (conformance runs only), default no */
	/* Identity rules (docs/CONFIG.md): a logon that maps to a uid below min_uid is refused, and
	 * one that maps to uid 0 unless allow_root_logon. */
	unsigned min_uid;      /* default 1000 */
	bool allow_root_logon; /* default no */
	unsigned failed_logon_delay;   /* ms before a failed logon is answered, 0 = none; 2000 */
	char **server_admins;  /* may read share paths (srvsvc levels 2, 502); empty = nobody */
	size_t n_server_admins;
	char **interfaces;     /* offered to multichannel clients; empty = every one (ifaces.c) */
	size_t n_interfaces;
	unsigned kernel_change_notify_watches;   /* directories watched in all; default 8192 */
};

struct cfg {
	struct cfg_global g;
	struct cfg_share *shares;
	size_t nshares;
	char *source;          /* file name (or the name given to cfg_load_string) */
};

/*
 * Both return NULL and write a human message ("FILE:LINE: unknown key 'x' in [global]") to err.
 * They may be called from any thread (parsing is serialised internally).
 */
struct cfg *cfg_load_file(const char *path, char *err, size_t errlen);
struct cfg *cfg_load_string(const char *text, const char *name, char *err, size_t errlen);
void cfg_free(struct cfg *c);

/* Case-insensitive (same folding as SMB names); NULL when absent. */
const struct cfg_share *cfg_find_share(const struct cfg *c, const char *name);
/* True when `valid users` is empty or lists `user` (case-insensitive). */
bool cfg_share_user_allowed(const struct cfg_share *s, const char *user);
/* True when `server admins` lists `user` (case-insensitive); false for NULL. */
bool cfg_is_server_admin(const struct cfg *c, const char *user);
/*
 * An SMB user name Skiff accepts (in users.db and `valid users`): 1..64 characters of valid
 * UTF-8, no control characters, none of /\\[]:;|=,+*?<>"@ (so it can be a Unix account name),
 * not starting with '-' or '#', no leading or trailing blank.
 */
bool cfg_valid_user_name(const char *name);
/* "SMB3_11" for 0x0311 ..., "SMB2_FF" for the wildcard, "unknown" otherwise. */
const char *cfg_dialect_name(uint16_t dialect);

/* ---- Variables in share paths (config_vars.c, docs/CONFIG.md) ---- */
/* What a TREE_CONNECT fills in; NULL when unknown (the connect is then refused). */
struct cfg_path_vars {
	const char *user;          /* %U: the user name the client logged on with */
	const char *unix_user;     /* %u: the Unix account it maps to */
	const char *group;         /* %G, %g: that account's primary group */
	const char *client_addr;   /* %I: the client's IP address */
	time_t now;                /* %t, %T: the time of the TREE_CONNECT (local time) */
};
/* False with the letter in *bad when `tmpl` has one of Samba's variables that skiffd cannot
 * fill (%S, %H, %P ...); a '%' before any other character than %U %u %G %g %I %t %T %% is
 * kept as it is. */
bool cfg_path_check_vars(const char *tmpl, char *bad);
bool cfg_path_has_vars(const char *tmpl);
/* The length of the directory every substitution of `tmpl` lies below ("/srv/dyn" of
 * "/srv/dyn/%t"); the whole path when it has no '%'. */
size_t cfg_path_anchor_len(const char *tmpl);
/*
 * The path of one tree connect into out: each value is one name ('/' in it becomes '_'), "%%"
 * a '%'. *anchor_len: the length of the leading directory with no variable in it (the whole path
 * when there is none); *rest: the part below it (in out). False when out is too small, a value
 * is missing, or a component below the anchor comes out empty, "." or "..", so that no value can
 * move the path elsewhere.
 */
bool cfg_path_substitute(const char *tmpl, const struct cfg_path_vars *v, char *out, size_t outlen,
			 size_t *anchor_len, const char **rest);

/* `event threads` / `worker threads` with 0 resolved to 1 x / 4 x the online CPUs. */
unsigned cfg_event_threads(const struct cfg *c);
unsigned cfg_worker_threads(const struct cfg *c);

#endif
