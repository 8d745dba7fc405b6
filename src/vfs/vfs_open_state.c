/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only views of an open's shared file state that the SMB2 layer reports. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

unsigned vfs_open_file_opens(const struct vfs_open *op)
{
	unsigned n;

	vfs_table_lock(op->share);
	n = op->file->nopens;
	vfs_table_unlock(op->share);
	return n;
}

bool vfs_lookup_id(struct vfs_share *share, const char *relpath, uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	char *rel, *last, *colon, *r;
	size_t len;
	int fd;

	/* Same resolution as an open: RESOLVE_BENEATH, another case of the name, and a stream
	 * ("file:stream") counts as its file. A missing file has no id. */
	rel = strdup(relpath);
	if (!rel)
		return false;
	len = strlen(rel);
	if (len && rel[len - 1] == '/')
		rel[len - 1] = '\0';
	last = strrchr(rel, '/');
	colon = strchr(last ? last + 1 : rel, ':');
	if (colon)
		*colon = '\0';
	r = vfs_resolve_parent(share, rel);
	free(rel);
	if (!r)
		return false;
	fd = vfs_openat2(share->root_fd, r[0] ? r : ".", O_PATH, 0);
	if (fd == -ENOENT && r[0]) {
		char *parent, *disk;
		const char *name;
		if (vfs_split_path(r, &parent, &name)) {
			int pfd = vfs_openat2(share->root_fd, parent, O_PATH | O_DIRECTORY, 0);
			disk = pfd >= 0 ? vfs_lookup_ci(pfd, name, NULL) : NULL;
			if (disk) {
				/* confined beneath the parent, itself beneath the root */
				fd = vfs_openat2(pfd, disk, O_PATH, 0);
				free(disk);
			}
			if (pfd >= 0)
				close(pfd);
			free(parent);
		}
	}
	free(r);
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
