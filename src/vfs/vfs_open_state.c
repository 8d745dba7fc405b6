/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only views of an open's shared file state that the SMB2 layer reports. */
#include "vfs/vfs_internal.h"

bool vfs_open_delete_pending(const struct vfs_open *op)
{
	bool pending;

	vfs_table_lock();
	pending = op->file->delete_pending;
	vfs_table_unlock();
	return pending;
}
