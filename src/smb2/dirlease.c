/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directory leases (MS-SMB2 3.3.5.9.11, 3.3.4.7; MS-FSA 2.1.4.12 with PARENT_OBJECT): the
 * handlers report a change of a directory's entries here; the directories are found by
 * (dev, ino) and their leases broken by oplock.c as lease.c decides. While no directory lease is
 * held anywhere this costs one atomic load.
 */
#include <string.h>

#include "smb2/lease.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/server.h"
#include "vfs/vfs.h"

static bool parent_of(struct vfs_share *share, const char *path, struct smb2_lease_file *out)
{
	uint64_t dev, ino;

	if (!path || vfs_parent_id(share, path, &dev, &ino) != STATUS_SUCCESS)
		return false;
	*out = (struct smb2_lease_file){ dev, ino, 0 };
	return true;
}

void smb2_dirlease_entry_changed(struct smb2_server *srv, const uint8_t *client_guid,
				 const struct smb2_open *by, struct vfs_share *share,
				 const char *path, const char *new_path)
{
	struct smb2_oplocks *ol = srv->oplocks;
	struct smb2_dir_change ch = { .client_guid = client_guid };

	if (!smb2_oplocks_dir_leased(ol))
		return;
	if (parent_of(share, path, &ch.dirs[ch.ndirs]))
		ch.ndirs++;
	if (parent_of(share, new_path, &ch.dirs[ch.ndirs]))
		ch.ndirs++;
	if (ch.ndirs == 0)
		return;
	if (by && by->has_parent_lease_key && client_guid) {
		ch.has_parent_key = true;
		memcpy(ch.parent_key, by->parent_lease_key, sizeof(ch.parent_key));
	}
	smb2_oplock_dir_changed(ol, &ch);
}
