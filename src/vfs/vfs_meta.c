/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File metadata as Windows sees it: the "user.skiff.dos" xattr (DOS attributes and creation
 * time), statx -> struct vfs_meta, and the access rights POSIX permissions grant.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/buf.h"

/*
 * The xattr value, version 1 (docs/VFS.md):
 *   byte 0     version (1)
 *   bytes 1-3  zero (reserved)
 *   bytes 4-7  DOS attributes, u32 little-endian (only VFS_ATTR_SETTABLE bits)
 *   bytes 8-15 creation time, u64 little-endian NT time (0 = unknown)
 * and, only while a client-set ChangeTime is in force:
 *   bytes 16-23 that ChangeTime, u64 NT time
 *   bytes 24-31 the LastWriteTime (NT time) the file had when it was set
 * Readers accept longer values of the same version (room for appended fields) and ignore values
 * of other versions.
 */
static bool dos_decode(const uint8_t *v, ssize_t n, struct vfs_dosinfo *out)
{
	if (n < VFS_DOS_XATTR_LEN || v[0] != VFS_DOS_XATTR_VERSION)
		return false;
	out->present = true;
	out->attrs = le32(v + 4) & VFS_ATTR_SETTABLE;
	out->btime = le64(v + 8);
	if (n >= VFS_DOS_XATTR_LEN_CT) {
		out->ctime = le64(v + 16);
		out->ctime_mtime = le64(v + 24);
	}
	return true;
}

#ifndef SYS_getxattrat
#define SYS_getxattrat 464   /* Linux 6.13, the same number on every architecture */
#endif

/* The kernel's struct xattr_args (include/uapi/linux/xattr.h). */
struct getxattrat_args {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

static atomic_bool g_no_getxattrat;

/* The DOS xattr of `name` in directory fd, not following a symlink: getxattrat looks the name up
 * in the directory directly, where the /proc/self/fd/N/name fallback walks /proc every time
 * (a directory listing does this once per entry). -1 with errno ENOSYS when the kernel lacks it. */
static ssize_t dos_get_at(int dirfd, const char *name, uint8_t *buf, size_t len)
{
	struct getxattrat_args args = { .value = (uint64_t)(uintptr_t)buf, .size = (uint32_t)len };
	long n;

	if (atomic_load_explicit(&g_no_getxattrat, memory_order_relaxed)) {
		errno = ENOSYS;
		return -1;
	}
	n = syscall(SYS_getxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, VFS_DOS_XATTR, &args,
		    sizeof(args));
	if (n < 0 && errno == ENOSYS)
		atomic_store_explicit(&g_no_getxattrat, true, memory_order_relaxed);
	return n;
}

static ssize_t dos_get(int fd, const char *name, uint8_t *buf, size_t len)
{
	char p[PATH_MAX];
	ssize_t n;

	if (name) {
		n = dos_get_at(fd, name, buf, len);
		if (n >= 0 || errno != ENOSYS)
			return n;
	}

	if (!name && !vfs_fd_is_opath(fd)) {
		n = fgetxattr(fd, VFS_DOS_XATTR, buf, len);
		if (n >= 0 || errno != EBADF)
			return n;
		/* O_PATH fds have no xattr operations; go through the path of the fd instead. */
	}
	if (!vfs_proc_path(p, sizeof(p), fd, name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* The magic link itself must be followed; a directory entry must not (a symlink has no
	 * DOS attributes of its own). */
	return name ? lgetxattr(p, VFS_DOS_XATTR, buf, len) : getxattr(p, VFS_DOS_XATTR, buf, len);
}

void vfs_dos_read(int fd, const char *name, struct vfs_dosinfo *out)
{
	uint8_t buf[64];
	ssize_t n;

	memset(out, 0, sizeof(*out));
	n = dos_get(fd, name, buf, sizeof(buf));
	if (n < 0 && (errno == EACCES || errno == EPERM)) {
		/* user.* xattrs need read permission; the attributes are not secret (Windows lets
		 * anyone who can list the directory read them), so look as the server. */
		struct vfs_root_section rs;
		vfs_root_begin(&rs);
		if (rs.switched)
			n = dos_get(fd, name, buf, sizeof(buf));
		vfs_root_end(&rs);
	}
	if (n > 0)
		dos_decode(buf, n, out);
}

static int dos_set(int fd, const uint8_t *v, size_t len)
{
	return vfs_xattr_set(fd, VFS_DOS_XATTR, v, len, 0, false);
}

int vfs_dos_write(int fd, const struct vfs_dosinfo *di, bool privileged)
{
	uint8_t v[VFS_DOS_XATTR_LEN_CT] = { VFS_DOS_XATTR_VERSION };
	size_t len = di->ctime ? VFS_DOS_XATTR_LEN_CT : VFS_DOS_XATTR_LEN;
	int err;

	put_le32(v + 4, di->attrs & VFS_ATTR_SETTABLE);
	put_le64(v + 8, di->btime);
	put_le64(v + 16, di->ctime);
	put_le64(v + 24, di->ctime_mtime);
	err = dos_set(fd, v, len);
	if ((err == EACCES || err == EPERM) && privileged) {
		/* Writing user.* xattrs needs POSIX write permission, but FILE_WRITE_ATTRIBUTES is
		 * also granted to the owner; the VFS checked it, so write as the server. */
		struct vfs_root_section rs;
		vfs_root_begin(&rs);
		if (rs.switched)
			err = dos_set(fd, v, len);
		vfs_root_end(&rs);
	}
	if (err == EOPNOTSUPP)
		err = ENOTSUP;
	return err;
}

static uint64_t ts_nt(const struct statx_timestamp *t)
{
	return vfs_nttime_from_unix(t->tv_sec, (long)t->tv_nsec);
}

void vfs_meta_fill(const struct statx *stx, const struct vfs_dosinfo *di, struct vfs_meta *m)
{
	bool dir = S_ISDIR(stx->stx_mode);

	memset(m, 0, sizeof(*m));
	m->file_id = stx->stx_ino;
	m->is_dir = dir;
	m->size = dir ? 0 : stx->stx_size;
	/* Windows reports no allocation for directories (smb2.create.dir-alloc-size). */
	m->alloc_size = dir ? 0 : stx->stx_blocks * 512;
	m->atime = ts_nt(&stx->stx_atime);
	m->mtime = ts_nt(&stx->stx_mtime);
	m->ctime = ts_nt(&stx->stx_ctime);
	/* A ChangeTime the client set stands until the data changes (docs/VFS.md). */
	if (di && di->present && di->ctime && di->ctime_mtime == m->mtime)
		m->ctime = di->ctime;
	if (di && di->present && di->btime)
		m->btime = di->btime;
	else if (stx->stx_mask & STATX_BTIME)
		m->btime = ts_nt(&stx->stx_btime);
	else
		m->btime = m->mtime < m->ctime ? m->mtime : m->ctime;

	if (di && di->present)
		m->attrs = di->attrs;
	else
		m->attrs = dir ? 0 : FILE_ATTRIBUTE_ARCHIVE;   /* what Windows gives a new file */
	if (dir)
		m->attrs |= FILE_ATTRIBUTE_DIRECTORY;
	if (m->attrs == 0)
		m->attrs = FILE_ATTRIBUTE_NORMAL;
	m->nlink = stx->stx_nlink;
	m->mode = stx->stx_mode;
	m->uid = stx->stx_uid;
	m->gid = stx->stx_gid;
	m->dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
}

void vfs_stat_from_statx(const struct statx *stx, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
	st->st_ino = stx->stx_ino;
	st->st_mode = stx->stx_mode;
	st->st_nlink = stx->stx_nlink;
	st->st_uid = stx->stx_uid;
	st->st_gid = stx->stx_gid;
	st->st_rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor);
	st->st_size = (off_t)stx->stx_size;
	st->st_blksize = (blksize_t)stx->stx_blksize;
	st->st_blocks = (blkcnt_t)stx->stx_blocks;
	st->st_atim = (struct timespec){ stx->stx_atime.tv_sec, stx->stx_atime.tv_nsec };
	st->st_mtim = (struct timespec){ stx->stx_mtime.tv_sec, stx->stx_mtime.tv_nsec };
	st->st_ctim = (struct timespec){ stx->stx_ctime.tv_sec, stx->stx_ctime.tv_nsec };
}

NTSTATUS vfs_meta_of_fd(int fd, struct vfs_meta *m)
{
	struct statx stx;
	struct vfs_dosinfo di;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME,
		  &stx) != 0)
		return vfs_status_from_errno(errno);
	vfs_dos_read(fd, NULL, &di);
	vfs_meta_fill(&stx, &di, m);
	return STATUS_SUCCESS;
}

uint32_t vfs_dos_attrs_of_fd(int fd, bool is_dir)
{
	struct vfs_dosinfo di;

	vfs_dos_read(fd, NULL, &di);
	if (di.present)
		return di.attrs;
	return is_dir ? 0 : FILE_ATTRIBUTE_ARCHIVE;
}

/* faccessat with the thread's effective ids on an fd of any kind. */
static bool may(int fd, int mode)
{
	char p[64];

	if (syscall(SYS_faccessat2, fd, "", mode, AT_EACCESS | AT_EMPTY_PATH) == 0)
		return true;
	if (errno != ENOSYS && errno != EINVAL)
		return false;
	return vfs_proc_path(p, sizeof(p), fd, NULL) && faccessat(AT_FDCWD, p, mode, AT_EACCESS) == 0;
}

uint32_t vfs_maximal_access(int fd, struct vfs_parent_hint *parent, const struct stat *st, bool fresh)
{
	uid_t me = vfs_thread_euid();
	bool dir = S_ISDIR(st->st_mode);
	uint32_t acc = FILE_READ_ATTRIBUTES | SYNCHRONIZE;
	unsigned bits;

	if (me == 0)   /* root passes every permission check; the share root stays undeletable */
		return parent->fd >= 0 ? FILE_ALL_ACCESS : FILE_ALL_ACCESS & ~DELETE_ACCESS;

	/* The same rights per rwx bit as the DACL synthesized from the mode (vfs_acl.c). On an
	 * object it has just made and owns, the kernel would answer from the owner's mode bits
	 * (a POSIX ACL's user:: entry is those bits too), and it has just checked write and
	 * search on the parent to create it: no need to ask. */
	bool own_fresh = fresh && st->st_uid == me;
	if (own_fresh)
		bits = (st->st_mode >> 6) & 7u;
	else
		bits = (may(fd, R_OK) ? 4u : 0) | (may(fd, W_OK) ? 2u : 0) | (may(fd, X_OK) ? 1u : 0);
	acc |= vfs_acl_rights_of_bits(bits, dir);
	/* A client that can read a file can run it on its side; POSIX x bits of files on a share
	 * say nothing useful, so reading implies FILE_EXECUTE (the one right the DACL leaves out). */
	if (!dir && (bits & 4u))
		acc |= FILE_GENERIC_EXECUTE;
	if (st->st_uid == me)
		acc |= READ_CONTROL | WRITE_DAC | WRITE_OWNER | FILE_WRITE_ATTRIBUTES;

	/* DELETE: unlink(2) needs write and search on the directory, and with the sticky bit set
	 * also ownership of the file or the directory. */
	if (parent->fd >= 0 && (own_fresh || may(parent->fd, W_OK | X_OK))) {
		const struct stat *pst = vfs_parent_stat(parent);
		if (pst && (!(pst->st_mode & S_ISVTX) || st->st_uid == me || pst->st_uid == me))
			acc |= DELETE_ACCESS;
	}
	/* A DACL a client set says more than POSIX can (DELETE apart from write, no WRITE_DAC for
	 * the owner, ...): it narrows these rights while it is still in force. */
	return vfs_acl_limit(fd, parent, st, acc, fresh);
}

uint32_t vfs_map_generic(uint32_t access)
{
	if (access & GENERIC_READ)
		access |= FILE_GENERIC_READ;
	if (access & GENERIC_WRITE)
		access |= FILE_GENERIC_WRITE;
	if (access & GENERIC_EXECUTE)
		access |= FILE_GENERIC_EXECUTE;
	if (access & GENERIC_ALL)
		access |= FILE_ALL_ACCESS;
	return access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

void vfs_mark_archive(struct vfs_open *op)
{
	struct vfs_file *f = vfs_file_of(op);
	struct vfs_dosinfo di;

	if (op->is_dir || atomic_load(&f->archive_known))
		return;
	pthread_mutex_lock(&f->meta_lock);
	vfs_dos_read(op->fd, NULL, &di);
	/* Without the xattr the derived attributes already include ARCHIVE. */
	if (di.present && !(di.attrs & FILE_ATTRIBUTE_ARCHIVE)) {
		di.attrs |= FILE_ATTRIBUTE_ARCHIVE;
		vfs_dos_write(op->fd, &di, true);
	}
	atomic_store(&f->archive_known, true);
	pthread_mutex_unlock(&f->meta_lock);
}
