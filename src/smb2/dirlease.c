/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directory leases (MS-SMB2 3.3.5.9.11, 3.3.4.7; MS-FSA 2.1.4.12 with PARENT_OBJECT): the
 * handlers report a change of a directory's entries here; the directories are found by
 * (dev, ino) and their leases broken by oplock.c as lease.c decides. While no directory lease is
 * held anywhere this costs one atomic load. Changes the server did not make (a local program,
 * NFS, another server) are seen through a kernel watch on each leased directory open
 * (vfs_watch.h), on shares with kernel change notify.
 */
#include <stdlib.h>
#include <string.h>

#include "smb2/lease.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/server.h"
#include "vfs/vfs.h"
#include "vfs/vfs_watch.h"

/* A leased directory open's kernel watch (smb2_open.dirlease_watch). */
struct smb2_dirlease_watch {
	struct vfs_watch *kernel;
	struct smb2_oplocks *ol;
	uint64_t dev, ino;
};

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

/* vfs_watch_fn, on the VFS watcher's thread: an entry of the directory changed, or changes were
 * lost; either way what the lease cached is stale. The server's own changes do not come here
 * (the VFS drops them): they were broken with the ParentLeaseKey above. */
static void kernel_changed(void *arg, uint32_t action, uint32_t filter, const char *name)
{
	struct smb2_dirlease_watch *dw = arg;
	struct smb2_dir_change ch = { .ndirs = 1 };

	(void)action;
	(void)filter;
	(void)name;
	ch.dirs[0] = (struct smb2_lease_file){ dw->dev, dw->ino, 0 };
	smb2_oplock_dir_changed(dw->ol, &ch);   /* no client: every holder's lease is broken */
}

void smb2_dirlease_watch(struct smb2_server *srv, struct smb2_open *op)
{
	struct smb2_dirlease_watch *dw = calloc(1, sizeof(*dw));

	if (!dw)
		return;   /* the lease then sees only this server's changes, as without a watcher */
	dw->ol = srv->oplocks;
	vfs_open_file_id(op->vfs, &dw->dev, &dw->ino);
	if (vfs_watch_add(op->vfs, false, kernel_changed, dw, &dw->kernel) != STATUS_SUCCESS ||
	    !dw->kernel) {
		free(dw);
		return;
	}
	op->dirlease_watch = dw;
}

void smb2_dirlease_unwatch(struct smb2_open *op)
{
	struct smb2_dirlease_watch *dw = op->dirlease_watch;

	if (!dw)
		return;
	op->dirlease_watch = NULL;
	vfs_watch_remove(dw->kernel);   /* after it, kernel_changed never sees dw again */
	free(dw);
}
