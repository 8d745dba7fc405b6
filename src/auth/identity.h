/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which Unix account an SMB user acts as, and whether a logon may act as it: the server checks
 * at every logon, the CLI when a user is added (docs/CONFIG.md, `min uid`, `allow root logon`).
 */
#ifndef SKIFF_AUTH_IDENTITY_H
#define SKIFF_AUTH_IDENTITY_H

#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The Unix account of an SMB user name: the account of that exact spelling, else of its
 * lower-case spelling (SMB names are case-insensitive, Unix names are not: "TUSER" acts as
 * "tuser"). `buf` holds the strings *pw points to. False when there is none.
 */
bool auth_unix_account(const char *smb_name, struct passwd *pw, char *buf, size_t buflen);

enum auth_uid_verdict {
	AUTH_UID_OK,
	AUTH_UID_ROOT,        /* uid 0 without `allow root logon` */
	AUTH_UID_BELOW_MIN,   /* a system account: uid below `min uid` */
};

/* May a logon act as `uid`? uid 0 only with allow_root (whatever min_uid says); any other uid
 * only from min_uid up. */
enum auth_uid_verdict auth_uid_check(uid_t uid, unsigned min_uid, bool allow_root);

#endif
