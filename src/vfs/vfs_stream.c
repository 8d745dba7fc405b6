/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named streams ("file:stream"), each kept whole in one "user.skiff.stream.<name>" xattr of the
 * file or directory, so they move, link and vanish with it. An xattr holds at most 64 KiB (ext4:
 * about one block), which bounds a stream's size.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "core/log.h"

#define PREFIX_LEN (sizeof(VFS_STREAM_XATTR_PREFIX) - 1)
#define STREAM_MAX 65536   /* XATTR_SIZE_MAX */

/* xattr name of a stream; false when the name is too long for one (255 bytes in all). */
static bool stream_xname(char *out, size_t outlen, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || PREFIX_LEN + n > 255 || PREFIX_LEN + n + 1 > outlen)
		return false;
	memcpy(out, VFS_STREAM_XATTR_PREFIX, PREFIX_LEN);
	memcpy(out + PREFIX_LEN, name, n + 1);
	return true;
}

bool vfs_stream_name_ok(const char *name)
{
	char x[256];

	return stream_xname(x, sizeof(x), name);
}

static NTSTATUS stream_status(int err)
{
	switch (err) {
	case ENOSPC:
	case E2BIG:
	case ERANGE:
		return STATUS_DISK_FULL;      /* beyond what one xattr holds */
	case ENOTSUP:
		return STATUS_NOT_SUPPORTED;  /* no user xattrs on this file system: no streams */
	case ENODATA:
		return STATUS_OBJECT_NAME_NOT_FOUND;
	default:
		return vfs_status_from_errno(err);
	}
}

char *vfs_stream_lookup(int fd, const char *name, int *err)
{
	char *list = NULL, *res = NULL;
	ssize_t len = vfs_xattr_list(fd, &list, true);

	*err = 0;
	if (len < 0) {
		*err = len == -ENOTSUP ? 0 : (int)-len;
		return NULL;
	}
	for (char *p = list; p && p < list + len; p += strlen(p) + 1) {
		if (strncmp(p, VFS_STREAM_XATTR_PREFIX, PREFIX_LEN) == 0 && p[PREFIX_LEN] &&
		    vfs_name_casecmp(p + PREFIX_LEN, name) == 0) {
			res = strdup(p + PREFIX_LEN);
			if (!res)
				*err = ENOMEM;
			break;
		}
	}
	free(list);
	return res;
}

int vfs_stream_make(int fd, const char *name)
{
	char x[256];

	if (!stream_xname(x, sizeof(x), name))
		return ENAMETOOLONG;
	return vfs_xattr_set(fd, x, "", 0, XATTR_CREATE, true);
}

int vfs_stream_remove(int fd, const char *name)
{
	char x[256];

	if (!stream_xname(x, sizeof(x), name))
		return ENAMETOOLONG;
	return vfs_xattr_remove(fd, x, true);
}

NTSTATUS vfs_stream_remove_all(int fd)
{
	char *list = NULL;
	ssize_t len = vfs_xattr_list(fd, &list, true);
	NTSTATUS st = STATUS_SUCCESS;

	if (len < 0)
		return len == -ENOTSUP ? STATUS_SUCCESS : stream_status((int)-len);
	for (char *p = list; p && p < list + len; p += strlen(p) + 1) {
		if (strncmp(p, VFS_STREAM_XATTR_PREFIX, PREFIX_LEN) != 0)
			continue;
		int err = vfs_xattr_remove(fd, p, true);
		if (err && err != ENODATA) {
			st = stream_status(err);
			break;
		}
	}
	free(list);
	return st;
}

/* The whole stream into a malloc'ed buffer (at least 1 byte allocated); its length or -errno. */
static ssize_t stream_load(int fd, const char *name, uint8_t **out)
{
	char x[256];

	*out = NULL;
	if (!stream_xname(x, sizeof(x), name))
		return -ENAMETOOLONG;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = vfs_xattr_get(fd, x, NULL, 0, true);
		if (n < 0)
			return n;
		uint8_t *b = malloc((size_t)n + 1);
		if (!b)
			return -ENOMEM;
		ssize_t m = vfs_xattr_get(fd, x, b, (size_t)n, true);
		if (m == -ERANGE) {   /* grew in between */
			free(b);
			continue;
		}
		if (m < 0) {
			free(b);
			return m;
		}
		*out = b;
		return m;
	}
	return -ERANGE;
}

static int stream_store(int fd, const char *name, const uint8_t *v, size_t len)
{
	char x[256];

	if (!stream_xname(x, sizeof(x), name))
		return ENAMETOOLONG;
	/* XATTR_REPLACE: a stream deleted meanwhile stays deleted. */
	return vfs_xattr_set(fd, x, v, len, XATTR_REPLACE, true);
}

ssize_t vfs_stream_size(int fd, const char *name)
{
	char x[256];

	if (!stream_xname(x, sizeof(x), name))
		return -ENAMETOOLONG;
	return vfs_xattr_get(fd, x, NULL, 0, true);
}

NTSTATUS vfs_stream_read(struct vfs_open *op, void *buf, size_t len, uint64_t offset, size_t *nread)
{
	uint8_t *v;
	ssize_t n;

	*nread = 0;
	if (!(op->access & (FILE_READ_DATA | FILE_EXECUTE)))
		return STATUS_ACCESS_DENIED;
	if (len == 0)
		return STATUS_SUCCESS;
	n = stream_load(op->fd, op->stream, &v);
	if (n < 0)
		return stream_status((int)-n);
	if (offset >= (uint64_t)n) {
		free(v);
		return STATUS_END_OF_FILE;
	}
	if (len > (uint64_t)n - offset)
		len = (size_t)((uint64_t)n - offset);
	memcpy(buf, v + offset, len);
	free(v);
	*nread = len;
	return STATUS_SUCCESS;
}

/* Replace bytes [offset, offset + len) (len may be 0: only resize to `newsize` when nonzero). */
static NTSTATUS stream_rewrite(struct vfs_open *op, const void *buf, size_t len, uint64_t offset,
			       bool resize, uint64_t newsize)
{
	struct vfs_file *f = op->file;
	uint8_t *v = NULL, *nv;
	ssize_t n;
	size_t size;
	int err;
	NTSTATUS st = STATUS_SUCCESS;

	pthread_mutex_lock(&f->meta_lock);
	n = stream_load(op->fd, op->stream, &v);
	if (n < 0) {
		st = stream_status((int)-n);
		goto out;
	}
	size = (size_t)n;
	if (resize)
		size = (size_t)newsize;
	else if (offset + len > size)
		size = (size_t)(offset + len);
	nv = realloc(v, size ? size : 1);
	if (!nv) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	v = nv;
	if (size > (size_t)n)
		memset(v + n, 0, size - (size_t)n);   /* a gap reads as zeros, as a hole would */
	if (len)
		memcpy(v + offset, buf, len);
	err = stream_store(op->fd, op->stream, v, size);
	if (err)
		st = stream_status(err);
out:
	pthread_mutex_unlock(&f->meta_lock);
	free(v);
	return st;
}

NTSTATUS vfs_stream_write(struct vfs_open *op, const void *buf, size_t len, uint64_t offset,
			  size_t *nwritten)
{
	NTSTATUS st;

	*nwritten = 0;
	if (!(op->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	if (offset == UINT64_MAX || !(op->access & FILE_WRITE_DATA)) {
		ssize_t n = vfs_stream_size(op->fd, op->stream);
		if (n < 0)
			return stream_status((int)-n);
		offset = (uint64_t)n;
	}
	if (len == 0)
		return STATUS_SUCCESS;
	if (offset > STREAM_MAX || len > STREAM_MAX - offset)
		return STATUS_DISK_FULL;
	st = vfs_brl_check_io(op, offset, len, true);
	if (st != STATUS_SUCCESS)
		return st;
	st = stream_rewrite(op, buf, len, offset, false, 0);
	if (st == STATUS_SUCCESS) {
		*nwritten = len;
		vfs_mark_archive(op);
	}
	return st;
}

NTSTATUS vfs_stream_set_eof(struct vfs_open *op, uint64_t size)
{
	if (!(op->access & FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	if (size > STREAM_MAX)
		return STATUS_DISK_FULL;
	return stream_rewrite(op, NULL, 0, 0, true, size);
}

NTSTATUS vfs_stream_set_allocation(struct vfs_open *op, uint64_t size)
{
	ssize_t n;

	if (!(op->access & FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	n = vfs_stream_size(op->fd, op->stream);
	if (n < 0)
		return stream_status((int)-n);
	/* Allocation below the end moves the end down (MS-FSA 2.1.5.14.1); above it is free. */
	return size < (uint64_t)n ? stream_rewrite(op, NULL, 0, 0, true, size) : STATUS_SUCCESS;
}

NTSTATUS vfs_stream_truncate(int fd, const char *name)
{
	int err = stream_store(fd, name, (const uint8_t *)"", 0);

	return err ? stream_status(err) : STATUS_SUCCESS;
}

void vfs_stream_meta(struct vfs_open *op, struct vfs_meta *m)
{
	ssize_t n = vfs_stream_size(op->fd, op->stream);
	uint64_t size = n > 0 ? (uint64_t)n : 0;

	/* A stream is a data stream even of a directory; its times and attributes are the
	 * file's, its size its own. */
	m->is_dir = false;
	m->attrs &= ~FILE_ATTRIBUTE_DIRECTORY;
	if (m->attrs == 0)
		m->attrs = FILE_ATTRIBUTE_NORMAL;
	m->size = size;
	m->alloc_size = (size + 4095) & ~(uint64_t)4095;
}

static int info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vfs_stream_info *)a)->name, ((const struct vfs_stream_info *)b)->name);
}

NTSTATUS vfs_stream_list(struct vfs_open *op, struct arena *a, struct vfs_stream_info **out, size_t *n)
{
	char *list = NULL;
	ssize_t len;
	size_t count = 0, k = 0, first;
	struct vfs_stream_info *s;
	struct stat st;

	*out = NULL;
	*n = 0;
	if (fstat(op->fd, &st) != 0)
		return vfs_status_from_errno(errno);
	len = vfs_xattr_list(op->fd, &list, true);
	if (len < 0 && len != -ENOTSUP)
		return stream_status((int)-len);
	for (char *p = list; p && p < list + len; p += strlen(p) + 1)
		if (strncmp(p, VFS_STREAM_XATTR_PREFIX, PREFIX_LEN) == 0 && p[PREFIX_LEN])
			count++;
	first = S_ISREG(st.st_mode) ? 1 : 0;   /* a file's unnamed data stream; directories have none */
	if (!count && !first) {
		free(list);
		return STATUS_SUCCESS;
	}
	s = arena_alloc(a, (count + first) * sizeof(*s));
	if (!s) {
		free(list);
		return STATUS_NO_MEMORY;
	}
	if (first) {
		s[0] = (struct vfs_stream_info){ .name = "", .size = (uint64_t)st.st_size,
						 .alloc_size = (uint64_t)st.st_blocks * 512 };
		k = 1;
	}
	for (char *p = list; p && p < list + len && k < count + first; p += strlen(p) + 1) {
		if (strncmp(p, VFS_STREAM_XATTR_PREFIX, PREFIX_LEN) != 0 || !p[PREFIX_LEN])
			continue;
		ssize_t sz = vfs_xattr_get(op->fd, p, NULL, 0, true);
		if (sz < 0)
			continue;   /* removed since the listing */
		s[k].name = arena_strdup(a, p + PREFIX_LEN);
		if (!s[k].name) {
			free(list);
			return STATUS_NO_MEMORY;
		}
		s[k].size = (uint64_t)sz;
		s[k].alloc_size = ((uint64_t)sz + 4095) & ~(uint64_t)4095;
		k++;
	}
	free(list);
	qsort(s + first, k - first, sizeof(*s), info_cmp);
	*out = s;
	*n = k;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_stream_rename(struct vfs_open *op, const char *target, bool replace_if_exists)
{
	struct vfs_file *f = op->file;
	const char *newname;
	char *disk = NULL, xnew[256], xold[256];
	uint8_t *v = NULL;
	ssize_t n;
	int err = 0;
	NTSTATUS st = STATUS_SUCCESS;

	/* A full path from a stream, or a file renamed into a stream: neither is a stream rename. */
	if (!target || target[0] != ':' || !op->stream)
		return STATUS_INVALID_PARAMETER;
	/* Turning a named stream into the unnamed one (allowed by NTFS when that is empty) would
	 * move the open from the stream's table entry to the file's: not done. */
	if (strcmp(target, VFS_UNNAMED_STREAM) == 0)
		return STATUS_NOT_SUPPORTED;
	newname = target + 1;
	if (strpbrk(newname, "/\\:") || !stream_xname(xnew, sizeof(xnew), newname))
		return STATUS_OBJECT_NAME_INVALID;

	/* Under the file's stripe (its streams' too) no open of the old or the new name can start;
	 * with this the only open of the stream, nothing else writes its data meanwhile. */
	vfs_table_lock_file(f);
	if (!stream_xname(xold, sizeof(xold), f->stream)) {
		st = STATUS_OBJECT_NAME_INVALID;
		goto out;
	}
	if (strcmp(newname, f->stream) == 0)
		goto out;   /* its own name: nothing to do (smb2.streams.rename2) */
	if (f->nopens != 1) {
		st = STATUS_ACCESS_DENIED;   /* other handles of the stream would lose their name */
		goto out;
	}
	if (vfs_name_casecmp(newname, f->stream) != 0) {
		disk = vfs_stream_lookup(op->fd, newname, &err);
		if (err) {
			st = err == ENOMEM ? STATUS_NO_MEMORY : stream_status(err);
			goto out;
		}
		if (disk) {
			/* MS-FSA 2.1.5.15.11.1: an existing target is replaced only when asked, when
			 * nobody has it open and when it is empty (smb2.streams.names expects
			 * INVALID_PARAMETER for a non-empty one). */
			if (!replace_if_exists) {
				st = STATUS_OBJECT_NAME_COLLISION;
				goto out;
			}
			if (vfs_table_find_stream(f->share, f->dev, f->ino, disk)) {
				st = STATUS_ACCESS_DENIED;
				goto out;
			}
			n = vfs_stream_size(op->fd, disk);
			if (n != 0) {
				st = n < 0 ? stream_status((int)-n) : STATUS_INVALID_PARAMETER;
				goto out;
			}
		}
	}
	n = stream_load(op->fd, f->stream, &v);
	if (n < 0) {
		st = stream_status((int)-n);
		goto out;
	}
	if (disk && strcmp(disk, newname) != 0) {
		char xdisk[256];
		if (stream_xname(xdisk, sizeof(xdisk), disk) && (err = vfs_xattr_remove(op->fd, xdisk, true)) &&
		    err != ENODATA) {
			st = stream_status(err);
			goto out;
		}
	}
	err = vfs_xattr_set(op->fd, xnew, v, (size_t)n, disk && strcmp(disk, newname) == 0 ? 0 : XATTR_CREATE,
			    true);
	if (err) {
		st = stream_status(err);
		goto out;
	}
	err = vfs_xattr_remove(op->fd, xold, true);
	if (err && err != ENODATA)
		log_debug("vfs: stream rename %s: old name stays: %s", f->path, strerror(err));
	st = vfs_table_stream_renamed(f, newname);
	if (st == STATUS_SUCCESS)
		op->stream = f->stream;
out:
	vfs_table_unlock_file(f);
	free(disk);
	free(v);
	return st;
}
