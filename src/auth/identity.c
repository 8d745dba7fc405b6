/* SPDX-License-Identifier: Apache-2.0 */
/* The SMB user -> Unix account mapping and the uid rule of logons (identity.h). */
#include "auth/identity.h"

#include <ctype.h>
#include <string.h>

bool auth_unix_account(const char *smb_name, struct passwd *pw, char *buf, size_t buflen)
{
	struct passwd *found = NULL;
	char lower[256];
	size_t i;

	if (getpwnam_r(smb_name, pw, buf, buflen, &found) == 0 && found)
		return true;
	for (i = 0; smb_name[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)smb_name[i]);
	lower[i] = '\0';
	if (strcmp(lower, smb_name) == 0)
		return false;
	return getpwnam_r(lower, pw, buf, buflen, &found) == 0 && found;
}

enum auth_uid_verdict auth_uid_check(uid_t uid, unsigned min_uid, bool allow_root)
{
	if (uid == 0)
		return allow_root ? AUTH_UID_OK : AUTH_UID_ROOT;
	return uid < min_uid ? AUTH_UID_BELOW_MIN : AUTH_UID_OK;
}
