/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directory enumeration for QUERY_DIRECTORY: a snapshot of the names taken with getdents64 in
 * one pass, then filtered by the Windows wildcard and described entry by entry on demand.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/utf16.h"

/* The kernel's record (getdents64(2)). */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define DENTS_BUF (128 * 1024)

/*
 * The snapshot: every name stored once in one growing buffer, with an array of offsets; entries
 * 0 and 1 are "." and "..". Names created after the snapshot are not seen, names removed after
 * it are skipped when their turn comes, so a listing in progress is never disturbed.
 */
struct vfs_dirlist {
	char *names;
	size_t names_len, names_cap;
	size_t *offs;
	size_t count, cap;
	size_t next;        /* next entry to look at */
	size_t last;        /* entry handed out last, SIZE_MAX if none */
	char *pattern;
	bool match_all;
};

void vfs_dir_free(struct vfs_dirlist *d)
{
	if (!d)
		return;
	free(d->names);
	free(d->offs);
	free(d->pattern);
	free(d);
}

static bool dl_add(struct vfs_dirlist *d, const char *name, size_t len)
{
	if (d->count == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 256;
		size_t *o = realloc(d->offs, ncap * sizeof(*o));
		if (!o)
			return false;
		d->offs = o;
		d->cap = ncap;
	}
	if (d->names_len + len + 1 > d->names_cap) {
		size_t ncap = d->names_cap ? d->names_cap * 2 : 8192;
		while (ncap < d->names_len + len + 1)
			ncap *= 2;
		char *n = realloc(d->names, ncap);
		if (!n)
			return false;
		d->names = n;
		d->names_cap = ncap;
	}
	memcpy(d->names + d->names_len, name, len);
	d->names[d->names_len + len] = '\0';
	d->offs[d->count++] = d->names_len;
	d->names_len += len + 1;
	return true;
}

static bool is_dot_or_dotdot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

int vfs_dir_scan(int dirfd, bool (*fn)(void *arg, const char *name, size_t len), void *arg)
{
	char *buf;
	int fd, err = 0;

	/* A private fd, so the offsets are our own. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	buf = malloc(DENTS_BUF);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, DENTS_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
			off += de->d_reclen;
			if (is_dot_or_dotdot(de->d_name))
				continue;
			if (!fn(arg, de->d_name, strlen(de->d_name))) {
				err = ENOMEM;
				goto out;
			}
		}
	}
out:
	free(buf);
	close(fd);
	return err;
}

static bool snapshot_add(void *arg, const char *name, size_t len)
{
	return dl_add(arg, name, len);
}

/* Characters (code points) of a UTF-8 pattern: its bytes that do not continue a sequence. */
static size_t pattern_chars(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		n += ((unsigned char)*p & 0xC0) != 0x80;
	return n;
}

NTSTATUS vfs_dir_rewind(struct vfs_open *op, const char *pattern)
{
	struct vfs_dirlist *d;
	struct stat st;
	int err = 0;

	if (!op->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (!(op->access & FILE_LIST_DIRECTORY) || op->fd_is_path)
		return STATUS_ACCESS_DENIED;
	if (!pattern || !pattern[0])
		pattern = "*";
	if (pattern_chars(pattern) > VFS_MAX_PATTERN)
		return STATUS_OBJECT_NAME_INVALID;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->pattern = strdup(pattern)))
		goto nomem;
	d->match_all = strcmp(pattern, "*") == 0 || strcmp(pattern, "*.*") == 0;
	d->last = SIZE_MAX;
	if (!dl_add(d, ".", 1) || !dl_add(d, "..", 2))
		goto nomem;

	if (!strpbrk(pattern, "*?<>\"") && !is_dot_or_dotdot(pattern) && !strchr(pattern, '/') &&
	    fstatat(op->fd, pattern, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A plain name that exists as spelled: no need to read the whole directory. */
		if (!dl_add(d, pattern, strlen(pattern)))
			goto nomem;
	} else {
		err = vfs_dir_scan(op->fd, snapshot_add, d);
		if (err) {
			vfs_dir_free(d);
			return vfs_status_from_errno(err);
		}
	}
	vfs_dir_free(op->dir);
	op->dir = d;
	return STATUS_SUCCESS;
nomem:
	vfs_dir_free(d);
	return STATUS_NO_MEMORY;
}

/* Describe one entry. Symlinks are described by what they point to when that stays inside the
 * share (as opens would follow them); others, and anything that is neither file nor directory,
 * are left out of listings since no open could reach them. Returns false to skip the entry. */
static bool entry_meta(struct vfs_open *op, size_t idx, const char *name, struct vfs_meta *m)
{
	struct statx stx;
	struct vfs_dosinfo di;

	if (idx == 0)
		return vfs_stat(op, m) == STATUS_SUCCESS;
	if (idx == 1) {
		/* ".." of the share root would be outside the share: show the root again. */
		if (!vfs_open_path(op)[0])
			return vfs_stat(op, m) == STATUS_SUCCESS;
		name = "..";
	}
	if (statx(op->fd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT,
		  STATX_BASIC_STATS | STATX_BTIME, &stx) != 0)
		return false;   /* vanished since the snapshot */
	if (S_ISLNK(stx.stx_mode)) {
		const char *dir = vfs_open_path(op);
		size_t dl = strlen(dir), nl = strlen(name);
		char *full = malloc(dl + nl + 2);
		bool ok = false;
		if (!full)
			return false;
		size_t o = 0;
		if (dl) {
			memcpy(full, dir, dl);
			full[dl] = '/';
			o = dl + 1;
		}
		memcpy(full + o, name, nl + 1);
		int fd = vfs_openat2(op->share->root_fd, full, O_PATH, 0);
		free(full);
		if (fd >= 0) {
			struct stat st;
			ok = fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
			     vfs_meta_of_fd(fd, m) == STATUS_SUCCESS;
			close(fd);
		}
		return ok;
	}
	if (!S_ISREG(stx.stx_mode) && !S_ISDIR(stx.stx_mode))
		return false;
	vfs_dos_read(op->fd, name, &di);
	vfs_meta_fill(&stx, &di, m);
	return true;
}

NTSTATUS vfs_dir_next(struct vfs_open *op, struct vfs_dirent *out)
{
	struct vfs_dirlist *d = op->dir;

	if (!d)
		return STATUS_INVALID_PARAMETER;
	while (d->next < d->count) {
		size_t i = d->next++;
		const char *name = d->names + d->offs[i];
		if (!d->match_all && !vfs_wildcard_match(d->pattern, name))
			continue;
		/* Names that are not UTF-8 cannot be sent to a client. */
		if (utf8_utf16le_len(name) == SIZE_MAX)
			continue;
		if (!entry_meta(op, i, name, &out->meta))
			continue;
		out->name = name;
		d->last = i;
		return STATUS_SUCCESS;
	}
	d->last = SIZE_MAX;
	return STATUS_NO_MORE_FILES;
}

void vfs_dir_unread(struct vfs_open *op)
{
	struct vfs_dirlist *d = op->dir;

	if (d && d->last != SIZE_MAX) {
		d->next = d->last;
		d->last = SIZE_MAX;
	}
}

bool vfs_dir_is_empty(int dirfd, int *err)
{
	_Alignas(struct linux_dirent64) char buf[4096];
	bool empty = true;
	int fd;

	*err = 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return false;
	}
	while (empty) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			empty = false;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
			off += de->d_reclen;
			if (!is_dot_or_dotdot(de->d_name)) {
				empty = false;
				break;
			}
		}
	}
	close(fd);
	return empty;
}
