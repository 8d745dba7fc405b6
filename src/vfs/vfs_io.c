/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operations on an open: stat, read/write/flush, the SET_INFO primitives (basic information,
 * end of file, allocation, disposition) and rename.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* SET_INFO time values (MS-FSCC 2.4.7): 0 leave, -1 stop updating for this handle, -2 resume;
 * anything else below -2 is invalid (MS-FSA 2.1.5.15.2). */
#define NT_TIME_FREEZE   UINT64_MAX
#define NT_TIME_THAW     (UINT64_MAX - 1)
#define NT_TIME_GIVEN(t) ((t) != 0 && (t) <= (uint64_t)INT64_MAX)
#define NT_TIME_BAD(t)   ((t) > (uint64_t)INT64_MAX && (t) < NT_TIME_THAW)

NTSTATUS vfs_stat(struct vfs_open *op, struct vfs_meta *out)
{
	NTSTATUS st = vfs_meta_of_fd(op->fd, out);

	if (st == STATUS_SUCCESS && op->stream)
		vfs_stream_meta(op, out);
	return st;
}

/* A write through a handle whose LastWriteTime was frozen (-1) must leave it (MS-FSA:
 * Open.UserSetModificationTime); the kernel moves mtime anyway, so it is put back afterwards. */
struct frozen_times {
	bool active;
	struct timespec mtime;
};

static void freeze_begin(struct vfs_open *op, struct frozen_times *ft)
{
	struct statx stx;

	ft->active = (op->frozen & VFS_FROZEN_MTIME) &&
		     statx(op->fd, "", AT_EMPTY_PATH, STATX_MTIME, &stx) == 0;
	if (ft->active) {
		ft->mtime.tv_sec = stx.stx_mtime.tv_sec;
		ft->mtime.tv_nsec = stx.stx_mtime.tv_nsec;
	}
}

static int set_times(struct vfs_open *op, const struct timespec ts[2])
{
	char p[64];

	if (!op->fd_is_path)
		return futimens(op->fd, ts) == 0 ? 0 : errno;
	/* O_PATH fds have no futimens; the magic link names the same inode. */
	if (!vfs_proc_path(p, sizeof(p), op->fd, NULL))
		return ENAMETOOLONG;
	return utimensat(AT_FDCWD, p, ts, 0) == 0 ? 0 : errno;
}

/* Explicit times need ownership in POSIX; callers have checked FILE_WRITE_ATTRIBUTES (or are
 * restoring a time the client froze), so retry as the server. */
static int set_times_priv(struct vfs_open *op, const struct timespec ts[2])
{
	int err = set_times(op, ts);

	if (err == EPERM || err == EACCES) {
		struct vfs_root_section rs;
		vfs_root_begin(&rs);
		if (rs.switched)
			err = set_times(op, ts);
		vfs_root_end(&rs);
	}
	return err;
}

static void freeze_end(struct vfs_open *op, const struct frozen_times *ft)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, ft->mtime };
	int err = ft->active ? set_times_priv(op, ts) : 0;

	if (err)
		log_debug("vfs: cannot keep a frozen LastWriteTime: %s", strerror(err));
}

NTSTATUS vfs_read(struct vfs_open *op, void *buf, size_t len, uint64_t offset, size_t *nread)
{
	size_t done = 0;

	*nread = 0;
	if (op->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (!(op->access & (FILE_READ_DATA | FILE_EXECUTE)))
		return STATUS_ACCESS_DENIED;
	NTSTATUS st = vfs_brl_check_io(op, offset, len, false);
	if (st != STATUS_SUCCESS)
		return st;
	if (op->stream)
		return vfs_stream_read(op, buf, len, offset, nread);
	if (len == 0)
		return STATUS_SUCCESS;
	if (offset >= (uint64_t)INT64_MAX)
		return STATUS_END_OF_FILE;
	if (len > (uint64_t)INT64_MAX - offset)
		len = (size_t)((uint64_t)INT64_MAX - offset);
	while (done < len) {
		/* pread returns zeros for holes and 0 at end of file */
		ssize_t n = pread(op->fd, (char *)buf + done, len - done, (off_t)(offset + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (done)
				break;
			return vfs_status_from_errno(errno);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (done == 0)
		return STATUS_END_OF_FILE;
	*nread = done;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_write(struct vfs_open *op, const void *buf, size_t len, uint64_t offset, size_t *nwritten)
{
	struct frozen_times ft;
	size_t done = 0;

	*nwritten = 0;
	if (op->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	vfs_watch_self_open(op);
	if (op->stream)
		return vfs_stream_write(op, buf, len, offset, nwritten);
	if (!(op->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	/* Append: offset -1, or a handle that may only append (FILE_APPEND_DATA without
	 * FILE_WRITE_DATA never overwrites existing bytes). Racing appenders on different handles
	 * are not serialised. */
	if (offset == UINT64_MAX || !(op->access & FILE_WRITE_DATA)) {
		struct stat st;
		if (fstat(op->fd, &st) != 0)
			return vfs_status_from_errno(errno);
		offset = (uint64_t)st.st_size;
	}
	if (len == 0)
		return STATUS_SUCCESS;
	if (offset > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - offset)
		return STATUS_INVALID_PARAMETER;
	NTSTATUS lst = vfs_brl_check_io(op, offset, len, true);
	if (lst != STATUS_SUCCESS)
		return lst;
	freeze_begin(op, &ft);
	while (done < len) {
		ssize_t n = pwrite(op->fd, (const char *)buf + done, len - done, (off_t)(offset + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (done)
				break;
			int err = errno;
			freeze_end(op, &ft);
			return vfs_status_from_errno(err);
		}
		done += (size_t)n;
	}
	vfs_mark_archive(op);
	freeze_end(op, &ft);
	*nwritten = done;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_flush(struct vfs_open *op)
{
	if (!op->is_dir && !(op->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;   /* MS-SMB2 3.3.5.11 */
	if (op->fd_is_path)
		return STATUS_SUCCESS;         /* nothing written through this handle, or a stream */
	if (fsync(op->fd) != 0 && errno != EINVAL && errno != EROFS)
		return vfs_status_from_errno(errno);
	return STATUS_SUCCESS;
}

/* -1 freezes, -2 thaws a timestamp for later operations on this handle (MS-FSCC 2.4.7). */
static void apply_freeze(struct vfs_open *op, uint64_t t, uint8_t bit)
{
	if (t == NT_TIME_FREEZE)
		op->frozen |= bit;
	else if (t == NT_TIME_THAW)
		op->frozen &= (uint8_t)~bit;
}

NTSTATUS vfs_set_basic(struct vfs_open *op, uint64_t btime, uint64_t atime, uint64_t mtime,
		       uint64_t ctime, uint32_t attrs)
{
	struct vfs_file *f = vfs_file_of(op);   /* a stream's attributes are its file's */
	struct vfs_dosinfo di;
	struct vfs_meta m;
	NTSTATUS status = STATUS_SUCCESS;
	int err;

	vfs_watch_self_open(op);

	if (!(op->access & FILE_WRITE_ATTRIBUTES))
		return STATUS_ACCESS_DENIED;
	if (NT_TIME_BAD(btime) || NT_TIME_BAD(atime) || NT_TIME_BAD(mtime) || NT_TIME_BAD(ctime))
		return STATUS_INVALID_PARAMETER;
	if (attrs) {
		if (attrs & ~VFS_ATTR_VALID)
			return STATUS_INVALID_PARAMETER;
		/* smb2.create.dosattr-tmp-dir and MS-FSA 2.1.5.14.2 */
		if (!op->is_dir && (attrs & FILE_ATTRIBUTE_DIRECTORY))
			return STATUS_INVALID_PARAMETER;
		if (op->is_dir && (attrs & FILE_ATTRIBUTE_TEMPORARY))
			return STATUS_INVALID_PARAMETER;
	}
	apply_freeze(op, atime, VFS_FROZEN_ATIME);
	apply_freeze(op, mtime, VFS_FROZEN_MTIME);
	apply_freeze(op, ctime, VFS_FROZEN_CTIME);

	if (NT_TIME_GIVEN(atime) || NT_TIME_GIVEN(mtime)) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
		int64_t s;
		long ns;
		if (NT_TIME_GIVEN(atime)) {
			vfs_unix_from_nttime(atime, &s, &ns);
			ts[0].tv_sec = (time_t)s;
			ts[0].tv_nsec = ns;
		}
		if (NT_TIME_GIVEN(mtime)) {
			vfs_unix_from_nttime(mtime, &s, &ns);
			ts[1].tv_sec = (time_t)s;
			ts[1].tv_nsec = ns;
		}
		err = set_times_priv(op, ts);
		if (err)
			return vfs_status_from_errno(err);
	}
	/* Everything else lives in the DOS xattr: creation time, attributes, and a ChangeTime the
	 * client set or froze (Linux cannot set ctime). */
	if (!NT_TIME_GIVEN(btime) && !NT_TIME_GIVEN(ctime) && ctime != NT_TIME_FREEZE && attrs == 0)
		return STATUS_SUCCESS;
	pthread_mutex_lock(&f->meta_lock);
	status = vfs_meta_of_fd(op->fd, &m);   /* after the new times: the ChangeTime stamp */
	if (status != STATUS_SUCCESS)
		goto unlock;
	vfs_dos_read(op->fd, NULL, &di);
	if (!di.present) {
		di.attrs = m.attrs & VFS_ATTR_SETTABLE;
		di.btime = m.btime;
		di.present = true;
	}
	if (NT_TIME_GIVEN(btime))
		di.btime = btime;
	if (attrs) {
		/* FILE_ATTRIBUTE_NORMAL alone clears everything. */
		di.attrs = attrs & VFS_ATTR_SETTABLE;
		atomic_store(&f->archive_known, (di.attrs & FILE_ATTRIBUTE_ARCHIVE) != 0);
	}
	if (NT_TIME_GIVEN(ctime)) {
		di.ctime = ctime;
		di.ctime_mtime = m.mtime;
	} else if (ctime == NT_TIME_FREEZE) {
		/* Pin what the client sees now; later changes through this handle keep it. */
		di.ctime = m.ctime;
		di.ctime_mtime = m.mtime;
	} else if (!(op->frozen & VFS_FROZEN_CTIME)) {
		/* A metadata change without an explicit ChangeTime: ChangeTime becomes "now", which
		 * is the kernel's ctime after this very xattr write. */
		di.ctime = 0;
		di.ctime_mtime = 0;
	}
	err = vfs_dos_write(op->fd, &di, true);
	if (err && err != ENOTSUP)
		status = vfs_status_from_errno(err);
unlock:
	pthread_mutex_unlock(&f->meta_lock);
	return status;
}

NTSTATUS vfs_set_eof(struct vfs_open *op, uint64_t size)
{
	struct frozen_times ft;

	if (op->is_dir)
		return STATUS_INVALID_PARAMETER;
	vfs_watch_self_open(op);
	if (op->stream)
		return vfs_stream_set_eof(op, size);
	if (!(op->access & FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	if (size > (uint64_t)INT64_MAX)
		return STATUS_INVALID_PARAMETER;
	freeze_begin(op, &ft);
	if (ftruncate(op->fd, (off_t)size) != 0) {
		int err = errno;
		freeze_end(op, &ft);
		return vfs_status_from_errno(err);
	}
	vfs_mark_archive(op);
	freeze_end(op, &ft);
	return STATUS_SUCCESS;
}

NTSTATUS vfs_set_allocation(struct vfs_open *op, uint64_t size)
{
	struct stat st;

	if (op->is_dir)
		return STATUS_INVALID_PARAMETER;
	vfs_watch_self_open(op);
	if (op->stream)
		return vfs_stream_set_allocation(op, size);
	if (!(op->access & FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	if (size > (uint64_t)INT64_MAX)
		return STATUS_INVALID_PARAMETER;
	if (fstat(op->fd, &st) != 0)
		return vfs_status_from_errno(errno);
	if (size < (uint64_t)st.st_size) {
		/* MS-FSA 2.1.5.14.1: allocation below end of file moves end of file down. */
		if (ftruncate(op->fd, (off_t)size) != 0)
			return vfs_status_from_errno(errno);
		vfs_mark_archive(op);
	} else if (size > (uint64_t)st.st_blocks * 512) {
		if (fallocate(op->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)size) != 0 &&
		    errno != EOPNOTSUPP && errno != ENOSYS)
			return vfs_status_from_errno(errno);
	}
	return STATUS_SUCCESS;
}

static NTSTATUS dir_empty_status(struct vfs_open *op)
{
	struct vfs_root_section rs;
	int err = 0;
	bool empty = vfs_dir_is_empty(op->fd, &err);

	if (err == EACCES) {
		/* Emptiness is not a secret worth refusing DELETE over. */
		vfs_root_begin(&rs);
		err = 0;
		empty = vfs_dir_is_empty(op->fd, &err);
		vfs_root_end(&rs);
	}
	if (err)
		return vfs_status_from_errno(err);
	return empty ? STATUS_SUCCESS : STATUS_DIRECTORY_NOT_EMPTY;
}

NTSTATUS vfs_set_delete_on_close(struct vfs_open *op, bool del)
{
	NTSTATUS status;

	if (!(op->access & DELETE_ACCESS))
		return STATUS_ACCESS_DENIED;
	if (del) {
		if (vfs_dos_attrs_of_fd(op->fd, op->is_dir) & FILE_ATTRIBUTE_READONLY)
			return STATUS_CANNOT_DELETE;
		if (op->is_dir) {
			status = dir_empty_status(op);
			if (status != STATUS_SUCCESS)
				return status;
		}
	}
	vfs_table_lock_file(op->file);
	if (!op->file->path[0])
		status = STATUS_CANNOT_DELETE;   /* the share root */
	else {
		op->file->delete_pending = del;
		status = STATUS_SUCCESS;
	}
	vfs_table_unlock_file(op->file);
	return status;
}

/* A rename run under a set of table stripes: what it looks at beyond the source (the destination
 * directory, a replaced target) may lie in a stripe it does not hold; it then says which in
 * `need` and gives up before changing anything, and vfs_rename runs it again holding them. */
struct rename_pass {
	struct vfs_open *op;
	char *newpath;            /* resolved target, owned by vfs_rename; may be respelled */
	const char *newname;      /* its last component, in newpath */
	bool replace_if_exists;
	uint64_t held, need;      /* stripe sets */
};

/* May the pass look at (dev, ino)'s entries? If not, note the stripe for the next pass. */
static bool rename_holds(struct rename_pass *p, dev_t dev, ino_t ino)
{
	uint64_t bit = vfs_table_stripe_of(dev, ino);

	p->need |= bit;
	return (p->held & bit) != 0;
}

/* Internal: rename_locked lacked a stripe; vfs_rename runs it again. */
#define STATUS_VFS_MORE_STRIPES 0xE0001002u

/* The destination directory is opened, in Windows terms, for adding a name: when the renamed
 * open does not share delete itself, an open of the directory with DELETE access or without
 * FILE_SHARE_DELETE conflicts (smb2.rename.*_delete_access* rename opens shared with nobody and
 * fail); an open that shares delete is renamed under any directory open (smb2.notify.rec,
 * mask-change and notify-inotify.inotify-rename, as on Samba). A directory that is going away
 * takes no new names. */
static NTSTATUS dest_dir_check(struct rename_pass *p, int dirfd)
{
	struct stat st;
	struct vfs_file *pf;

	if (fstat(dirfd, &st) != 0)
		return vfs_status_from_errno(errno);
	if (!rename_holds(p, st.st_dev, st.st_ino))
		return STATUS_VFS_MORE_STRIPES;
	pf = vfs_table_find(p->op->share, st.st_dev, st.st_ino);
	if (!pf)
		return STATUS_SUCCESS;
	if (pf->delete_pending)
		return STATUS_DELETE_PENDING;
	if (!(p->op->share_access & FILE_SHARE_DELETE) &&
	    (pf->sc.deleters > 0 || pf->sc.shared_delete < pf->sc.opens))
		return STATUS_SHARING_VIOLATION;
	return STATUS_SUCCESS;
}

/* The part of a rename that runs under the table: checks, renameat2, the table's paths. */
static NTSTATUS rename_locked(struct rename_pass *p, const char *newparent)
{
	struct vfs_open *op = p->op;
	struct vfs_file *f = op->file;
	char *oldparent = NULL;
	const char *oldname;
	struct stat st;
	unsigned int flags = RENAME_NOREPLACE;
	int ofd = -1, nfd = -1;
	NTSTATUS status;

	if (!f->path[0]) {
		status = STATUS_ACCESS_DENIED;   /* the share root */
		goto out;
	}
	/* A file with open streams keeps its name (as Samba; smb2.streams.basefile-rename-with-
	 * open-stream). */
	if (vfs_table_streams_open(op->share, f->dev, f->ino)) {
		status = STATUS_ACCESS_DENIED;
		goto out;
	}
	if (strcmp(f->path, p->newpath) == 0) {
		status = STATUS_SUCCESS;
		goto out;
	}
	if (op->is_dir) {
		size_t olen = strlen(f->path);
		/* Into itself (Samba answers ACCESS_DENIED), or with opens beneath
		 * (smb2.rename.dir_openfile). */
		if ((strncmp(p->newpath, f->path, olen) == 0 && p->newpath[olen] == '/') ||
		    vfs_table_any_below(op->share, f->path)) {
			status = STATUS_ACCESS_DENIED;
			goto out;
		}
	}
	if (!vfs_split_path(f->path, &oldparent, &oldname)) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	ofd = vfs_openat2(op->share->root_fd, oldparent, O_PATH | O_DIRECTORY, 0);
	if (ofd < 0) {
		status = ofd == -ENOENT || ofd == -ENOTDIR ? STATUS_OBJECT_NAME_NOT_FOUND
							   : vfs_status_from_errno(-ofd);
		goto out;
	}
	/* The name must still be ours (or a symlink we were opened through). */
	if (fstatat(ofd, oldname, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    (!S_ISLNK(st.st_mode) && (st.st_dev != f->dev || st.st_ino != f->ino))) {
		status = STATUS_OBJECT_NAME_NOT_FOUND;
		goto out;
	}
	nfd = vfs_openat2(op->share->root_fd, newparent, O_PATH | O_DIRECTORY, 0);
	if (nfd < 0) {
		status = nfd == -ENOENT || nfd == -ENOTDIR ? STATUS_OBJECT_PATH_NOT_FOUND
							   : vfs_status_from_errno(-nfd);
		goto out;
	}
	status = dest_dir_check(p, nfd);
	if (status != STATUS_SUCCESS)
		goto out;

	bool target = fstatat(nfd, p->newname, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!target && errno == ENOENT) {
		/* The target may exist in another case: then it is that entry, which a replace
		 * replaces under its own spelling (the rename stays one atomic step). */
		char *disk = vfs_lookup_ci(nfd, p->newname, NULL);
		if (disk && fstatat(nfd, disk, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !(st.st_dev == f->dev && st.st_ino == f->ino)) {
			size_t plen = (size_t)(p->newname - p->newpath);
			char *np = malloc(plen + strlen(disk) + 1);
			if (!np) {
				free(disk);
				status = STATUS_NO_MEMORY;
				goto out;
			}
			memcpy(np, p->newpath, plen);
			strcpy(np + plen, disk);
			free(p->newpath);
			p->newpath = np;
			p->newname = np + plen;
			target = true;
		}
		free(disk);
	}
	if (target) {
		if (st.st_dev == f->dev && st.st_ino == f->ino) {
			flags = 0;   /* the same file under another spelling: a case-only rename */
		} else if (!p->replace_if_exists) {
			status = STATUS_OBJECT_NAME_COLLISION;
			goto out;
		} else {
			struct vfs_dosinfo di;
			/* MS-FSA 2.1.5.14.11: a directory, an open file or a read-only file is never
			 * replaced. */
			if (S_ISDIR(st.st_mode)) {
				status = STATUS_ACCESS_DENIED;
				goto out;
			}
			if (!rename_holds(p, st.st_dev, st.st_ino)) {
				status = STATUS_VFS_MORE_STRIPES;
				goto out;
			}
			if (vfs_table_any_open(op->share, st.st_dev, st.st_ino)) {
				status = STATUS_ACCESS_DENIED;
				goto out;
			}
			vfs_dos_read(nfd, p->newname, &di);
			if (di.present && (di.attrs & FILE_ATTRIBUTE_READONLY)) {
				status = STATUS_ACCESS_DENIED;
				goto out;
			}
			flags = 0;
		}
	}

	if (renameat2(ofd, oldname, nfd, p->newname, flags) != 0) {
		int err = errno;
		if (err == EINVAL && flags == RENAME_NOREPLACE) {
			/* a file system without RENAME_NOREPLACE: the target was absent just now */
			err = renameat(ofd, oldname, nfd, p->newname) == 0 ? 0 : errno;
		}
		if (err) {
			status = err == EEXIST ? STATUS_OBJECT_NAME_COLLISION
			       : err == EXDEV ? STATUS_NOT_SAME_DEVICE
			       : err == ENOTEMPTY || err == EISDIR ? STATUS_ACCESS_DENIED
			       : vfs_status_from_errno(err);
			goto out;
		}
	}
	vfs_lookup_changed(ofd);
	vfs_lookup_changed(nfd);
	status = vfs_table_moved(f, p->newpath);
out:
	if (ofd >= 0)
		close(ofd);
	if (nfd >= 0)
		close(nfd);
	free(oldparent);
	return status;
}

NTSTATUS vfs_rename(struct vfs_open *op, const char *new_relpath, bool replace_if_exists)
{
	struct rename_pass p = { .op = op, .replace_if_exists = replace_if_exists };
	char *newparent = NULL;
	NTSTATUS status;
	size_t len;

	if (!(op->access & DELETE_ACCESS))
		return STATUS_ACCESS_DENIED;   /* smb2.rename.simple2 */
	if (!new_relpath || new_relpath[0] == '/')
		return STATUS_INVALID_PARAMETER;
	vfs_watch_self_open(op);
	vfs_watch_self(op->share, new_relpath);
	/* ":name" renames a stream (vfs_path_from_wire keeps the ':'); a stream open has no other
	 * kind of rename. */
	if (op->stream || new_relpath[0] == ':')
		return vfs_stream_rename(op, new_relpath, replace_if_exists);
	p.newpath = strdup(new_relpath);
	if (!p.newpath)
		return STATUS_NO_MEMORY;
	len = strlen(p.newpath);
	if (len > 0 && p.newpath[len - 1] == '/') {
		if (!op->is_dir) {
			status = STATUS_OBJECT_NAME_INVALID;
			goto out;
		}
		p.newpath[--len] = '\0';
	}
	{
		/* "new::$DATA" is the file "new"; a file cannot become a stream of another. */
		char *last = strrchr(p.newpath, '/'), *colon = strchr(last ? last + 1 : p.newpath, ':');
		if (colon && strcmp(colon, VFS_UNNAMED_STREAM) == 0) {
			*colon = '\0';
			len = strlen(p.newpath);
		} else if (colon) {
			status = STATUS_INVALID_PARAMETER;
			goto out;
		}
	}
	if (len == 0) {
		status = STATUS_OBJECT_NAME_INVALID;
		goto out;
	}
	{
		/* Existing directories of the target in their on-disk case. */
		char *r = vfs_resolve_parent(op->share, p.newpath);
		if (!r) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
		free(p.newpath);
		p.newpath = r;
	}
	if (!vfs_split_path(p.newpath, &newparent, &p.newname)) {
		status = STATUS_NO_MEMORY;
		goto out;
	}

	/* A directory's rename walks and renames every entry beneath it: all stripes. A file's
	 * starts with its own stripe and learns the others it needs; each pass that lacked one
	 * gives up unchanged and the next takes the larger set, in ascending order, so this ends
	 * within a few passes (the set only grows). */
	p.held = op->is_dir ? VFS_TABLE_ALL_STRIPES : vfs_table_stripe_of(op->file->dev, op->file->ino);
	for (;;) {
		p.need = p.held;
		vfs_table_lock_set(op->share, p.held);
		status = rename_locked(&p, newparent);
		vfs_table_unlock_set(op->share, p.held);
		if (status != STATUS_VFS_MORE_STRIPES)
			break;
		p.held |= p.need;
	}
out:
	free(newparent);
	free(p.newpath);
	return status;
}
