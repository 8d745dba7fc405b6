/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only views of an open's shared file state that the SMB2 layer reports. */
#include "vfs/vfs_internal.h"

bool vfs_open_deletes_on_close(const struct vfs_open *op)
{
	return op->delete_on_close || vfs_open_delete_pending(op);
}

bool vfs_open_delete_pending(const struct vfs_open *op)
{
	bool pending;

	vfs_table_lock_file(op->file);   /* a stream's file entry is in the same stripe */
	/* a stream is going when it or its file is */
	pending = op->file->delete_pending || (op->file->base && op->file->base->delete_pending);
	vfs_table_unlock_file(op->file);
	return pending;
}

void vfs_open_file_id(const struct vfs_open *op, uint64_t *dev, uint64_t *ino)
{
	*dev = (uint64_t)op->file->dev;
	*ino = (uint64_t)op->file->ino;
}

unsigned vfs_open_file_opens(const struct vfs_open *op)
{
	unsigned n;

	vfs_table_lock_file(op->file);
	n = op->file->nopens;
	vfs_table_unlock_file(op->file);
	return n;
}
