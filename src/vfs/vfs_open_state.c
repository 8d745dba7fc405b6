/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only views of an open's shared file state that the SMB2 layer reports. */
#include "vfs/vfs_internal.h"

bool vfs_open_delete_pending(const struct vfs_open *op)
{
	bool pending;

	vfs_table_lock(op->share);
	/* a stream is going when it or its file is */
	pending = op->file->delete_pending || (op->file->base && op->file->base->delete_pending);
	vfs_table_unlock(op->share);
	return pending;
}

void vfs_open_file_id(const struct vfs_open *op, uint64_t *dev, uint64_t *ino)
{
	*dev = (uint64_t)op->file->dev;
	*ino = (uint64_t)op->file->ino;
}

bool vfs_open_close_deletes(const struct vfs_open *op)
{
	bool pending;

	vfs_table_lock(op->share);
	pending = op->delete_on_close || op->file->delete_pending ||
		  (op->file->base && op->file->base->delete_pending);
	vfs_table_unlock(op->share);
	return pending;
}

unsigned vfs_open_file_opens(const struct vfs_open *op)
{
	unsigned n;

	vfs_table_lock(op->share);
	n = op->file->nopens;
	vfs_table_unlock(op->share);
	return n;
}
