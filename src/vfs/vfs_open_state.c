/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only views of an open's shared file state that the SMB2 layer reports. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfs/vfs_internal.h"

bool vfs_open_delete_pending(const struct vfs_open *op)
{
	bool pending;

	vfs_table_lock();
	pending = op->file->delete_pending;
	vfs_table_unlock();
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

	vfs_table_lock();
	n = op->file->nopens;
	vfs_table_unlock();
	return n;
}

bool vfs_lookup_id(struct vfs_share *share, const char *relpath, uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	int fd;

	/* Same resolution rules as an open (RESOLVE_BENEATH); a missing file has no id. */
	fd = relpath[0] ? vfs_openat2(share->root_fd, relpath, O_PATH, 0)
			: vfs_openat2(share->root_fd, ".", O_PATH, 0);
	if (fd < 0)
		return false;
	bool ok = fstat(fd, &st) == 0;
	close(fd);
	if (ok) {
		*dev = (uint64_t)st.st_dev;
		*ino = (uint64_t)st.st_ino;
	}
	return ok;
}
