/* SPDX-License-Identifier: Apache-2.0 */
/* Shares: opening the root directory that anchors every lookup, and file-system information. */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/log.h"

NTSTATUS vfs_share_open(const char *name, const char *path, bool read_only, struct vfs_share **out)
{
	struct vfs_share *s = NULL;
	struct statfs sfs;
	struct stat st;
	NTSTATUS status;
	int fd = -1;

	*out = NULL;
	if (!name || !path || path[0] != '/') {
		log_err("vfs: share %s: path must be absolute", name ? name : "?");
		status = STATUS_BAD_NETWORK_NAME;
		goto out;
	}
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || fstatfs(fd, &sfs) != 0) {
		log_err("vfs: share %s: cannot open %s: %s", name, path, strerror(errno));
		status = STATUS_BAD_NETWORK_NAME;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strdup(name)) || !(s->path = strdup(path))) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	s->root_fd = fd;
	s->read_only = read_only;
	if (!(s->files = vfs_file_table_new())) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	s->fs_dev = st.st_dev;
	/* f_fsid is derived from the file system's UUID on ext4/xfs/btrfs, so it survives
	 * restarts; some file systems report 0, then the device number is the best we have. */
	uint32_t v0, v1;
	memcpy(&v0, &sfs.f_fsid, sizeof(v0));
	memcpy(&v1, (const char *)&sfs.f_fsid + sizeof(v0), sizeof(v1));
	s->volume_serial = (uint64_t)v1 << 32 | v0;
	if (s->volume_serial == 0)
		s->volume_serial = (uint64_t)st.st_dev;
	*out = s;
	fd = -1;
	status = STATUS_SUCCESS;
	log_info("vfs: share %s -> %s%s", name, path, read_only ? " (read-only)" : "");
out:
	if (status != STATUS_SUCCESS && s) {
		vfs_file_table_free(s->files);
		free(s->name);
		free(s->path);
		free(s);
	}
	if (fd >= 0)
		close(fd);
	return status;
}

void vfs_share_close(struct vfs_share *s)
{
	if (!s)
		return;
	if (s->root_fd >= 0)
		close(s->root_fd);
	vfs_file_table_free(s->files);
	free(s->name);
	free(s->path);
	free(s);
}

NTSTATUS vfs_statfs(struct vfs_share *share, struct vfs_fsinfo *out)
{
	struct statfs sfs;
	struct vfs_meta m;
	uint64_t unit;

	memset(out, 0, sizeof(*out));
	if (fstatfs(share->root_fd, &sfs) != 0)
		return vfs_status_from_errno(errno);
	unit = sfs.f_frsize ? (uint64_t)sfs.f_frsize : (uint64_t)sfs.f_bsize;
	if (unit < 512)
		unit = 512;
	out->bytes_per_sector = 512;
	out->sectors_per_unit = (uint32_t)(unit / 512);
	out->total_units = sfs.f_blocks;
	out->free_units = sfs.f_bfree;
	out->avail_units = sfs.f_bavail;
	out->max_name_len = 255;
	out->volume_serial = share->volume_serial;
	out->fs_name = "NTFS";
	/* The share root's creation time is the closest thing to a volume creation time. */
	if (vfs_meta_of_fd(share->root_fd, &m) == STATUS_SUCCESS)
		out->volume_ctime = m.btime;
	return STATUS_SUCCESS;
}
