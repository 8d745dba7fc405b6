/* SPDX-License-Identifier: Apache-2.0 */
/* Shares: opening the root directory that anchors every lookup (once at start-up, or per
 * distinct path for a path with variables: the pool), and file-system information. */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/log.h"

/* The share object for a root directory already opened (fd, O_PATH|O_DIRECTORY), which it takes. */
static NTSTATUS share_from_fd(const char *name, const char *path, int fd, bool read_only,
			      struct vfs_share **out)
{
	struct vfs_share *s = NULL;
	struct statfs sfs;
	struct stat st;
	NTSTATUS status;

	*out = NULL;
	if (fstat(fd, &st) != 0 || fstatfs(fd, &sfs) != 0) {
		log_err("vfs: share %s: cannot use %s: %s", name, path, strerror(errno));
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

NTSTATUS vfs_share_open(const char *name, const char *path, bool read_only, struct vfs_share **out)
{
	*out = NULL;
	if (!name || !path || path[0] != '/') {
		log_err("vfs: share %s: path must be absolute", name ? name : "?");
		return STATUS_BAD_NETWORK_NAME;
	}
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_err("vfs: share %s: cannot open %s: %s", name, path, strerror(errno));
		return STATUS_BAD_NETWORK_NAME;
	}
	return share_from_fd(name, path, fd, read_only, out);
}

/* ---- Shares whose path has variables ---- */

struct vfs_share_pool {
	pthread_mutex_t lock;          /* [P]: the chain and each entry's refs */
	struct vfs_share *shares;
};

struct vfs_share_pool *vfs_share_pool_new(void)
{
	struct vfs_share_pool *pool = calloc(1, sizeof(*pool));

	if (pool && pthread_mutex_init(&pool->lock, NULL) != 0) {
		free(pool);
		return NULL;
	}
	return pool;
}

void vfs_share_pool_free(struct vfs_share_pool *pool)
{
	if (!pool)
		return;
	while (pool->shares) {   /* trees still on them are gone with their sessions */
		struct vfs_share *s = pool->shares;
		pool->shares = s->pool_next;
		vfs_share_close(s);
	}
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/* `rest` beneath anchor_fd, each missing directory made when `create`; an O_PATH fd or -errno. */
static int open_below(int anchor_fd, const char *rest, bool create)
{
	if (!*rest) {
		int fd = fcntl(anchor_fd, F_DUPFD_CLOEXEC, 0);
		return fd >= 0 ? fd : -errno;
	}
	int fd = vfs_openat2(anchor_fd, rest, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0 || fd != -ENOENT || !create)
		return fd;
	/* One component at a time, each opened beneath the last, so a symlink planted on the way
	 * cannot take the walk outside. */
	int dir = fcntl(anchor_fd, F_DUPFD_CLOEXEC, 0);
	if (dir < 0)
		return -errno;
	char comp[NAME_MAX + 1];
	for (const char *c = rest; *c;) {
		const char *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);
		if (len == 0 || len > NAME_MAX) {
			close(dir);
			return -ENAMETOOLONG;
		}
		memcpy(comp, c, len);
		comp[len] = '\0';
		if (mkdirat(dir, comp, 0755) != 0 && errno != EEXIST) {
			int err = errno;
			close(dir);
			return -err;
		}
		int next = vfs_openat2(dir, comp, O_PATH | O_DIRECTORY, 0);
		close(dir);
		if (next < 0)
			return next;
		dir = next;
		c = end ? end + 1 : c + len;
	}
	return dir;
}

NTSTATUS vfs_share_pool_get(struct vfs_share_pool *pool, const char *name, const char *anchor,
			    const char *rest, bool read_only, bool create, struct vfs_share **out)
{
	char path[PATH_MAX];
	NTSTATUS st = STATUS_SUCCESS;

	*out = NULL;
	if (anchor[0] != '/' ||
	    snprintf(path, sizeof(path), "%s%s%s", anchor,
		     *rest && strcmp(anchor, "/") != 0 ? "/" : "", rest) >= (int)sizeof(path))
		return STATUS_BAD_NETWORK_NAME;
	pthread_mutex_lock(&pool->lock);
	for (struct vfs_share *s = pool->shares; s; s = s->pool_next)
		if (strcmp(s->path, path) == 0) {
			s->refs++;
			*out = s;
			goto out;
		}
	/* Opened under the pool lock: two first connects on one path make one entry. */
	int anchor_fd = open(anchor, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = anchor_fd >= 0 ? open_below(anchor_fd, rest, create) : -errno;
	if (anchor_fd >= 0)
		close(anchor_fd);
	if (fd < 0) {
		log_warn("vfs: share %s: cannot use %s: %s", name, path, strerror(-fd));
		st = STATUS_BAD_NETWORK_NAME;
		goto out;
	}
	struct vfs_share *s;
	st = share_from_fd(name, path, fd, read_only, &s);
	if (st != STATUS_SUCCESS)
		goto out;
	s->pool = pool;
	s->refs = 1;
	s->pool_next = pool->shares;
	pool->shares = s;
	*out = s;
out:
	pthread_mutex_unlock(&pool->lock);
	return st;
}

void vfs_share_ref(struct vfs_share *s)
{
	if (!s || !s->pool)
		return;
	pthread_mutex_lock(&s->pool->lock);
	s->refs++;
	pthread_mutex_unlock(&s->pool->lock);
}

void vfs_share_put(struct vfs_share *s)
{
	if (!s || !s->pool)
		return;
	struct vfs_share_pool *pool = s->pool;
	pthread_mutex_lock(&pool->lock);
	bool last = --s->refs == 0;
	if (last)
		for (struct vfs_share **pp = &pool->shares; *pp; pp = &(*pp)->pool_next)
			if (*pp == s) {
				*pp = s->pool_next;
				break;
			}
	pthread_mutex_unlock(&pool->lock);
	if (last) {
		log_debug("vfs: share %s: %s no longer in use", s->name, s->path);
		vfs_share_close(s);
	}
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
