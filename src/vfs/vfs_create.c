/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NT create and close: dispositions, directory/non-directory options, access and share-mode
 * checks, overwrite/supersede, delete-on-close at last close; plus the struct vfs_open accessors.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

/* CreateOptions bits not in vfs.h (MS-SMB2 2.2.13). */
#define FILE_CREATE_TREE_CONNECTION 0x00000080u
#define FILE_RESERVE_OPFILTER       0x00100000u
/* Reserved bits: STATUS_INVALID_PARAMETER; the rest here: STATUS_NOT_SUPPORTED
 * (smb2.create.gentest records what Windows answers for each bit). */
#define CREATE_OPTIONS_INVALID       0xFF000000u
#define CREATE_OPTIONS_NOT_SUPPORTED (FILE_CREATE_TREE_CONNECTION | FILE_OPEN_BY_FILE_ID | \
				      FILE_RESERVE_OPFILTER)
/* MS-FSA 2.1.5.1: access bits no open may ask for. */
#define ACCESS_INVALID_MASK 0x0CE0FE00u
/* Everything that changes the file or its name; removed from the maximal access on read-only
 * shares. */
#define WRITE_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES | \
		      FILE_DELETE_CHILD | DELETE_ACCESS | WRITE_DAC | WRITE_OWNER)
/* MS-FSA 2.1.5.1.2.1: what the READONLY attribute takes away from an open of a file. */
#define READONLY_DENIED (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_ADD_SUBDIRECTORY | FILE_DELETE_CHILD)
/* FileModeInformation bits that come from CreateOptions (MS-FSCC 2.4.26). */
#define MODE_FROM_OPTIONS (FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY | FILE_NO_INTERMEDIATE_BUFFERING | \
			   FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT | FILE_DELETE_ON_CLOSE)

/* Internal: the object vanished or appeared between two steps; run the open again. */
#define STATUS_VFS_RETRY 0xE0001001u

struct create_ctx {
	struct vfs_share *share;
	const struct vfs_create_args *args;
	struct vfs_create_result *res;
	char *rel;              /* share-relative path without trailing '/', "" for the root */
	char *stream;           /* named stream to open in rel ("file:stream"), NULL for none */
	char *parent;           /* parent path ("." at top level); NULL for the root */
	const char *name;       /* last component */
	bool must_dir;          /* the wire name ended in a backslash */
	uint32_t desired;       /* generic bits mapped, MAXIMUM_ALLOWED kept */
	int parent_fd;          /* O_PATH of the parent, -1 for the root */
	struct vfs_parent_hint pdir;   /* what the checks learnt of it (fd: parent_fd) */
	struct stat created_st; /* the object create_new made, as first stat'ed */
	struct vfs_dirstamp stamp;   /* the parent as the case-insensitive lookup saw it */
	struct vfs_open *op;    /* result */
	bool meta_ready;        /* res->meta already filled from what the open read */
};

static NTSTATUS check_args(const struct vfs_create_args *a, uint32_t *desired)
{
	uint32_t opt = a->create_options;

	if (a->disposition > FILE_OVERWRITE_IF)
		return STATUS_INVALID_PARAMETER;
	if (opt & CREATE_OPTIONS_INVALID)
		return STATUS_INVALID_PARAMETER;
	if (opt & CREATE_OPTIONS_NOT_SUPPORTED)
		return STATUS_NOT_SUPPORTED;
	if ((opt & FILE_DIRECTORY_FILE) && (opt & FILE_NON_DIRECTORY_FILE))
		return STATUS_INVALID_PARAMETER;
	/* MS-SMB2 2.2.13: a directory can only be created or opened. */
	if ((opt & FILE_DIRECTORY_FILE) && a->disposition != FILE_CREATE &&
	    a->disposition != FILE_OPEN && a->disposition != FILE_OPEN_IF)
		return STATUS_INVALID_PARAMETER;
	/* MS-FSA 2.1.5.1: no access at all, or reserved bits. SYNCHRONIZE alone is an open for
	 * the attribute-free classes (smb2.getinfo.getinfo_access opens so and queries
	 * FileStandardInformation; Samba allows it). Checked before the attributes: gentest sends
	 * a reserved access bit together with FILE_ATTRIBUTE_VOLUME and wants ACCESS_DENIED. */
	if (a->desired_access == 0 || (a->desired_access & ACCESS_INVALID_MASK))
		return STATUS_ACCESS_DENIED;
	/* The SACL needs SeSecurityPrivilege, which no Skiff user holds. */
	if (a->desired_access & ACCESS_SYSTEM_SECURITY)
		return STATUS_PRIVILEGE_NOT_HELD;
	if (a->file_attributes & ~VFS_ATTR_VALID)
		return STATUS_INVALID_PARAMETER;
	if (a->share_access & ~(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE))
		return STATUS_INVALID_PARAMETER;
	if ((opt & FILE_DIRECTORY_FILE) && (a->file_attributes & FILE_ATTRIBUTE_TEMPORARY))
		return STATUS_INVALID_PARAMETER;
	*desired = vfs_map_generic(a->desired_access);
	/* MS-FSA 2.1.5.1: delete-on-close needs DELETE asked for explicitly (or via GENERIC_ALL). */
	if ((opt & FILE_DELETE_ON_CLOSE) && !(*desired & DELETE_ACCESS))
		return STATUS_INVALID_PARAMETER;
	/* A bad EA list fails the create before anything is made. */
	return vfs_ea_check(a->eas, a->neas);
}

/* Read-only shares keep only the read side of whatever POSIX would allow. */
static uint32_t share_limit(const struct vfs_share *s, uint32_t acc)
{
	return s->read_only ? acc & ~WRITE_RIGHTS : acc;
}

static int data_open_flags(uint32_t granted, bool write_through)
{
	bool rd = granted & (FILE_READ_DATA | FILE_EXECUTE);
	bool wr = granted & (FILE_WRITE_DATA | FILE_APPEND_DATA);

	if (!rd && !wr)
		return -1;   /* attribute-only: keep the O_PATH fd */
	return (rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY) | (wr && write_through ? O_DSYNC : 0);
}

/* Register the new open in the file table: delete-pending and share-mode checks happen here,
 * under the file's stripe of the table, so that two racing opens cannot both pass. */
static NTSTATUS register_open(struct create_ctx *c, struct vfs_open *op, const struct stat *st,
			      const char *path, const char *stream)
{
	struct vfs_file *f, *base = NULL;
	struct stat now;
	NTSTATUS status = STATUS_SUCCESS;

	vfs_table_lock_id(c->share, st->st_dev, st->st_ino);
	/* Lost a race with the last close of a delete-on-close file: it is gone by now. */
	if (fstat(op->fd, &now) == 0 && now.st_nlink == 0) {
		status = STATUS_VFS_RETRY;
		goto out;
	}
	/* A stream's open holds its file's entry: the file stays until the stream closes. */
	if (stream && !(base = vfs_table_get(c->share, st, c->rel, NULL))) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	f = vfs_table_get(c->share, st, path, stream);
	if (!f) {
		if (base)
			vfs_table_put(base);
		status = STATUS_NO_MEMORY;
		goto out;
	}
	if (!f->base)
		f->base = base;   /* a new entry: no other open refers to it yet */
	if (f->delete_pending || (base && base->delete_pending))
		status = STATUS_DELETE_PENDING;
	else
		status = vfs_share_check(f, op->access, op->share_access);
	/* MS-FSA 2.1.5.1.2.2: DELETE on the file conflicts with an open stream of it that does not
	 * share delete (the other way round it does not: smb2.streams.delete). */
	if (status == STATUS_SUCCESS && !stream && (op->access & DELETE_ACCESS) &&
	    !vfs_table_streams_share_delete(c->share, st->st_dev, st->st_ino))
		status = STATUS_SHARING_VIOLATION;
	if (c->args->admit) {
		struct vfs_admission adm = {
			.dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino, .stream = stream,
			.access = op->access, .share_access = op->share_access,
			.other_opens = f->nopens - 1, .is_dir = S_ISDIR(st->st_mode),
			.other_data_opens = f->sc.opens, .data_open = vfs_access_counts(op->access),
			.verdict = status,
		};
		status = c->args->admit(c->args->admit_arg, &adm);
	}
	if (status != STATUS_SUCCESS) {
		vfs_table_put(f);
		if (base)
			vfs_table_put(base);
		goto out;
	}
	vfs_share_add(f, op->access, op->share_access);
	op->counted = true;
	op->file = f;
	op->stream = f->stream;
out:
	vfs_table_unlock_id(c->share, st->st_dev, st->st_ino);
	return status;
}

static void unregister_open(struct vfs_open *op)
{
	if (!op->file)
		return;
	struct vfs_file *f = op->file;
	dev_t dev = f->dev;
	ino_t ino = f->ino;

	vfs_table_lock_id(op->share, dev, ino);   /* by id: the entry may go with the put */
	struct vfs_file *base = f->base;
	if (op->counted)
		vfs_share_remove(f, op->access, op->share_access);
	vfs_table_put(f);
	if (base)
		vfs_table_put(base);
	vfs_table_unlock_id(op->share, dev, ino);
	op->file = NULL;
}

static bool delete_pending(struct vfs_share *share, const struct stat *st)
{
	bool pending;

	vfs_table_lock_id(share, st->st_dev, st->st_ino);
	struct vfs_file *f = vfs_table_find(share, st->st_dev, st->st_ino);
	pending = f && f->delete_pending;
	vfs_table_unlock_id(share, st->st_dev, st->st_ino);
	return pending;
}

/* An open holds a reference on its share: a pooled share (a path with variables) must outlive
 * the open's tree when the open does (a disconnected durable open). */
static struct vfs_open *open_alloc(struct create_ctx *c, uint32_t granted, bool is_dir)
{
	struct vfs_open *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->share = c->share;
	vfs_share_ref(op->share);
	op->fd = -1;
	op->is_dir = is_dir;
	op->access = granted;
	op->share_access = c->args->share_access & (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE);
	op->create_options = c->args->create_options;
	op->delete_on_close = c->args->create_options & FILE_DELETE_ON_CLOSE;
	op->mode = c->args->create_options & MODE_FROM_OPTIONS;
	return op;
}

static void open_free(struct vfs_open *op)
{
	struct vfs_share *share = op->share;

	free(op);
	vfs_share_put(share);
}

static void preallocate(int fd, uint64_t size)
{
	int wfd;

	if (size == 0 || size > INT64_MAX)
		return;
	/* Best effort: an AllocationSize is a hint, and not every file system can honour it. */
	wfd = vfs_reopen(fd, O_WRONLY);
	if (wfd < 0)
		return;
	if (fallocate(wfd, FALLOC_FL_KEEP_SIZE, 0, (off_t)size) != 0)
		log_debug("vfs: fallocate(%llu): %s", (unsigned long long)size, strerror(errno));
	close(wfd);
}

/* MS-FSA 2.1.5.1.2: overwrite/supersede an existing file: truncate, replace attributes. */
static NTSTATUS overwrite(struct create_ctx *c, struct vfs_open *op, uint64_t btime)
{
	struct vfs_dosinfo di = { .present = true };
	NTSTATUS st;
	int wfd, err;

	/* MS-FSA 2.1.5.1.2: overwrite and supersede replace the whole file, named streams
	 * included (smb2.streams.create-disposition); open stream handles find theirs gone, as
	 * on Samba. */
	st = vfs_stream_remove_all(op->fd);
	if (st != STATUS_SUCCESS)
		return st;
	wfd = vfs_reopen(op->fd, O_WRONLY);
	if (wfd < 0)
		return vfs_status_from_errno(-wfd);
	err = ftruncate(wfd, 0) == 0 ? 0 : errno;
	close(wfd);
	if (err)
		return vfs_status_from_errno(err);
	di.attrs = (c->args->file_attributes & VFS_ATTR_SETTABLE) | FILE_ATTRIBUTE_ARCHIVE;
	di.btime = btime;
	pthread_mutex_lock(&op->file->meta_lock);
	err = vfs_dos_write(op->fd, &di, true);
	pthread_mutex_unlock(&op->file->meta_lock);
	if (err && err != ENOTSUP)
		log_debug("vfs: %s: cannot store DOS attributes: %s", c->rel, strerror(err));
	atomic_store(&op->file->archive_known, true);
	preallocate(op->fd, c->args->allocation_size);
	/* MS-FSA 2.1.5.1.2.1: the file's EAs are replaced by those of the create. */
	pthread_mutex_lock(&op->file->meta_lock);
	st = vfs_ea_apply_create(op->fd, c->args->eas, c->args->neas, true);
	pthread_mutex_unlock(&op->file->meta_lock);
	return st;
}

/* The name is not on disk as spelled: find it in another case (Windows names are
 * case-insensitive). On success c->rel and c->name carry the on-disk spelling. */
static bool respell(struct create_ctx *c)
{
	char *disk = vfs_lookup_ci(c->parent_fd, c->name, &c->stamp), *rel;
	size_t plen;

	if (!disk)
		return false;
	if (strcmp(disk, c->name) == 0) {
		/* The cache says it exists, openat2 said it does not: something else removed it. */
		vfs_lookup_changed(c->parent_fd);
		free(disk);
		return false;
	}
	plen = strcmp(c->parent, ".") == 0 ? 0 : strlen(c->parent) + 1;
	rel = malloc(plen + strlen(disk) + 1);
	if (!rel) {
		free(disk);
		return false;
	}
	if (plen) {
		memcpy(rel, c->parent, plen - 1);
		rel[plen - 1] = '/';
	}
	strcpy(rel + plen, disk);
	free(disk);
	free(c->rel);
	c->rel = rel;
	c->name = rel + plen;
	return true;
}

/* Access to an existing file or stream (MS-FSA 2.1.5.1.2.1): records the maximal access for
 * MxAc, then works out what the open is granted. The MxAc answer ignores the READONLY
 * attribute, as Windows does (smb2.maximum_allowed.read_only_file); readonly_limits says
 * whether READONLY takes write access away from this open (not from a directory itself, but
 * from a stream whatever carries it). */
/* `di`: the file's DOS info if the caller has read it already, else NULL. */
static NTSTATUS grant_access(struct create_ctx *c, int fd, const struct stat *st, bool is_dir,
			     const struct vfs_dosinfo *di, bool readonly_limits, uint32_t *attrs,
			     uint32_t *effective, uint32_t *granted)
{
	uint32_t maximal = share_limit(c->share, vfs_maximal_access(fd, &c->pdir, st, false));

	c->res->maximal_access = maximal;
	if (di)
		*attrs = di->present ? di->attrs : is_dir ? 0 : FILE_ATTRIBUTE_ARCHIVE;
	else
		*attrs = vfs_dos_attrs_of_fd(fd, is_dir);
	*effective = maximal;
	if (readonly_limits && (*attrs & FILE_ATTRIBUTE_READONLY))
		*effective &= ~READONLY_DENIED;
	*granted = c->desired & ~MAXIMUM_ALLOWED;
	if (c->desired & MAXIMUM_ALLOWED)
		*granted |= *effective;
	if (*granted & ~*effective)
		return STATUS_ACCESS_DENIED;
	if ((c->args->create_options & FILE_DELETE_ON_CLOSE) && (*attrs & FILE_ATTRIBUTE_READONLY))
		return STATUS_CANNOT_DELETE;
	return STATUS_SUCCESS;
}

static NTSTATUS open_existing(struct create_ctx *c)
{
	const struct vfs_create_args *a = c->args;
	struct vfs_open *op = NULL;
	struct vfs_meta before;
	struct vfs_dosinfo di;
	struct statx stx;
	struct stat st;
	uint32_t effective, granted, attrs;
	bool is_dir, overwriting;
	int fd, flags;
	NTSTATUS status;

	fd = vfs_openat2(c->share->root_fd, c->rel[0] ? c->rel : ".", O_PATH, 0);
	if (fd == -ENOENT && c->rel[0] && respell(c))
		fd = vfs_openat2(c->share->root_fd, c->rel, O_PATH, 0);
	if (fd < 0)
		return fd == -ENOENT ? STATUS_OBJECT_NAME_NOT_FOUND
		     : fd == -ENOTDIR ? STATUS_OBJECT_PATH_NOT_FOUND : vfs_status_from_errno(-fd);
	/* One statx and one DOS xattr read serve the checks below and the CREATE response. */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME,
		  &stx) != 0) {
		status = vfs_status_from_errno(errno);
		goto out;
	}
	vfs_stat_from_statx(&stx, &st);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		status = STATUS_IO_REPARSE_TAG_NOT_HANDLED;   /* fifo, socket, device: as Samba */
		goto out;
	}
	is_dir = S_ISDIR(st.st_mode);

	if (delete_pending(c->share, &st)) {
		status = STATUS_DELETE_PENDING;
		goto out;
	}
	/* An existing name collides whatever its type (smb2.mkdir: mkdir over a file). */
	if (a->disposition == FILE_CREATE) {
		status = STATUS_OBJECT_NAME_COLLISION;
		goto out;
	}
	if (is_dir) {
		if (a->create_options & FILE_NON_DIRECTORY_FILE) {
			status = STATUS_FILE_IS_A_DIRECTORY;
			goto out;
		}
	} else {
		if (a->create_options & FILE_DIRECTORY_FILE) {
			status = STATUS_NOT_A_DIRECTORY;
			goto out;
		}
		if (c->must_dir) {
			status = STATUS_OBJECT_NAME_INVALID;   /* "file\\" (MS-FSA 2.1.5.1) */
			goto out;
		}
	}
	overwriting = a->disposition == FILE_SUPERSEDE || a->disposition == FILE_OVERWRITE ||
		      a->disposition == FILE_OVERWRITE_IF;
	if (is_dir && overwriting) {
		status = STATUS_INVALID_PARAMETER;
		goto out;
	}

	/* Access (MS-FSA 2.1.5.1.2.1); a directory's READONLY attribute does not limit it. */
	vfs_dos_read(fd, NULL, &di);
	status = grant_access(c, fd, &st, is_dir, &di, !is_dir, &attrs, &effective, &granted);
	if (status != STATUS_SUCCESS)
		goto out;
	if (overwriting) {
		/* Truncating needs write permission whatever the client asked for. */
		if (!(effective & FILE_WRITE_DATA)) {
			status = STATUS_ACCESS_DENIED;
			goto out;
		}
		/* MS-FSA 2.1.5.1.2: an overwrite may not silently drop HIDDEN or SYSTEM. */
		if (((attrs & FILE_ATTRIBUTE_HIDDEN) && !(a->file_attributes & FILE_ATTRIBUTE_HIDDEN)) ||
		    ((attrs & FILE_ATTRIBUTE_SYSTEM) && !(a->file_attributes & FILE_ATTRIBUTE_SYSTEM))) {
			status = STATUS_ACCESS_DENIED;
			goto out;
		}
		status = vfs_meta_of_fd(fd, &before);   /* keep the creation time across truncation */
		if (status != STATUS_SUCCESS)
			goto out;
	}

	op = open_alloc(c, granted, is_dir);
	if (!op) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	flags = is_dir ? ((granted & FILE_LIST_DIRECTORY) ? O_RDONLY | O_DIRECTORY : -1)
		       : data_open_flags(granted, a->create_options & FILE_WRITE_THROUGH);
	if (flags >= 0) {
		op->fd = vfs_reopen(fd, flags);
		if (op->fd < 0) {
			status = vfs_status_from_errno(-op->fd);
			goto out;
		}
	} else {
		op->fd = fd;
		op->fd_is_path = true;
		fd = -1;
	}

	status = register_open(c, op, &st, c->rel, NULL);
	if (status != STATUS_SUCCESS)
		goto out;
	if (overwriting) {
		status = overwrite(c, op, before.btime);
		if (status != STATUS_SUCCESS)
			goto out;
		c->res->create_action = a->disposition == FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN;
	} else {
		c->res->create_action = FILE_OPENED;
		if (attrs & FILE_ATTRIBUTE_ARCHIVE)
			atomic_store(&op->file->archive_known, true);
		vfs_meta_fill(&stx, &di, &c->res->meta);
		c->meta_ready = true;
	}
	c->op = op;
	op = NULL;
out:
	if (op) {
		unregister_open(op);
		if (op->fd >= 0)
			close(op->fd);
		open_free(op);
	}
	if (fd >= 0)
		close(fd);
	return status;
}

static uint64_t nttime_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return vfs_nttime_from_unix(now.tv_sec, now.tv_nsec);
}

static NTSTATUS create_new(struct create_ctx *c)
{
	const struct vfs_create_args *a = c->args;
	bool is_dir = a->create_options & FILE_DIRECTORY_FILE;
	struct vfs_dosinfo di = { .present = true };
	struct vfs_open *op = NULL;
	struct statx stx;
	struct stat st;
	uint32_t granted;
	bool created = false, fd_is_path = false;
	NTSTATUS status;
	int fd = -1, err;

	if (a->disposition == FILE_OPEN || a->disposition == FILE_OVERWRITE)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (c->must_dir && !is_dir)
		return STATUS_OBJECT_NAME_INVALID;
	if (c->share->read_only)
		return STATUS_ACCESS_DENIED;
	/* A DACL stored on the parent may deny adding entries that POSIX would allow. */
	if (!vfs_acl_may_add(&c->pdir, is_dir))
		return STATUS_ACCESS_DENIED;
	/* A new read-only file could never be deleted at close (smb2.delete-on-close-perms.READONLY). */
	if ((a->create_options & FILE_DELETE_ON_CLOSE) && (a->file_attributes & FILE_ATTRIBUTE_READONLY))
		return STATUS_CANNOT_DELETE;
	const struct stat *pst = vfs_parent_stat(&c->pdir);
	if (pst && delete_pending(c->share, pst))
		return STATUS_DELETE_PENDING;

	granted = c->desired & ~MAXIMUM_ALLOWED;
	if (is_dir) {
		if (mkdirat(c->parent_fd, c->name, 0777) != 0) {
			err = errno;
			status = err == EEXIST ? STATUS_VFS_RETRY : err == ENOENT ? STATUS_OBJECT_PATH_NOT_FOUND
			       : vfs_status_from_errno(err);
			goto out;
		}
		created = true;
		fd = vfs_openat2(c->parent_fd, c->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (fd == -EACCES) {   /* a umask that leaves the owner without read */
			fd = vfs_openat2(c->parent_fd, c->name, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
			fd_is_path = true;
		}
	} else {
		/* MAXIMUM_ALLOWED: the creator will get full access, so open for both. */
		uint32_t want = granted | (c->desired & MAXIMUM_ALLOWED ? FILE_READ_DATA | FILE_WRITE_DATA : 0);
		int flags = data_open_flags(want, a->create_options & FILE_WRITE_THROUGH);
		/* O_CREAT cannot be combined with O_PATH; a creator may always read its new file. */
		if (flags < 0)
			flags = O_RDONLY;
		fd = vfs_openat2(c->parent_fd, c->name, flags | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
		if (fd == -EEXIST || fd == -ENOENT) {
			status = fd == -EEXIST ? STATUS_VFS_RETRY : STATUS_OBJECT_PATH_NOT_FOUND;
			fd = -1;
			goto out;
		}
		created = fd >= 0;
	}
	if (fd < 0) {
		status = vfs_status_from_errno(-fd);
		fd = -1;
		goto out;
	}
	/* One statx serves the checks, the birth time and the CREATE response. */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME,
		  &stx) != 0) {
		status = vfs_status_from_errno(errno);
		goto out;
	}
	vfs_stat_from_statx(&stx, &st);
	c->created_st = st;

	c->res->maximal_access = share_limit(c->share, vfs_maximal_access(fd, &c->pdir, &st, true));
	/* The creator gets what it asked for (Windows grants it on the new object's default DACL). */
	if (c->desired & MAXIMUM_ALLOWED)
		granted |= c->res->maximal_access;

	di.attrs = (a->file_attributes & VFS_ATTR_SETTABLE) | (is_dir ? 0 : FILE_ATTRIBUTE_ARCHIVE);
	di.btime = (stx.stx_mask & STATX_BTIME) ? vfs_nttime_from_unix(stx.stx_btime.tv_sec,
								       (long)stx.stx_btime.tv_nsec)
						: nttime_now();
	err = vfs_dos_write(fd, &di, true);
	if (err && err != ENOTSUP)
		log_debug("vfs: %s: cannot store DOS attributes: %s", c->rel, strerror(err));
	/* The response's metadata: the DOS record just written, and the times as storing it left
	 * them (it moved ctime), unless a preallocation is still to change the allocation size or
	 * the record could not be stored. */
	if (!err && (is_dir || !a->allocation_size) &&
	    statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME,
		  &stx) == 0) {
		vfs_meta_fill(&stx, &di, &c->res->meta);
		c->meta_ready = true;
	}
	if (!is_dir)
		preallocate(fd, a->allocation_size);
	if (a->neas) {
		status = vfs_ea_apply_create(fd, a->eas, a->neas, false);
		if (status != STATUS_SUCCESS)
			goto out;
	}

	op = open_alloc(c, granted, is_dir);
	if (!op) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	op->fd = fd;
	op->fd_is_path = fd_is_path;
	fd = -1;
	/* From here on another open may find the file, so a failure must not remove it. */
	created = false;
	vfs_lookup_added(c->parent_fd, c->name, &c->stamp);
	status = register_open(c, op, &st, c->rel, NULL);
	if (status != STATUS_SUCCESS)
		goto out;
	atomic_store(&op->file->archive_known, true);
	c->res->create_action = FILE_CREATED;
	c->op = op;
	op = NULL;
out:
	if (op) {
		unregister_open(op);
		if (op->fd >= 0)
			close(op->fd);
		open_free(op);
	}
	if (fd >= 0)
		close(fd);
	if (created) {
		unlinkat(c->parent_fd, c->name, is_dir ? AT_REMOVEDIR : 0);
		vfs_lookup_changed(c->parent_fd);
	}
	return status;
}

/* Windows makes the file a stream is created in when it does not exist yet. */
static NTSTATUS make_base(struct create_ctx *c)
{
	struct vfs_create_args ba = {
		.desired_access = FILE_READ_ATTRIBUTES | SYNCHRONIZE,
		.file_attributes = c->args->file_attributes & ~FILE_ATTRIBUTE_READONLY,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		.disposition = FILE_OPEN_IF,
		.create_options = FILE_NON_DIRECTORY_FILE,
	};
	struct vfs_create_result br;
	struct vfs_open *bo;
	NTSTATUS status = vfs_create(c->share, c->rel, &ba, &bo, &br);

	if (status == STATUS_SUCCESS)
		vfs_close(bo, NULL);
	return status;
}

/*
 * Open of a named stream ("file:stream", MS-FSA 2.1.5.1 with a stream name). The file must exist
 * (or is made); access is checked against the file, share modes and delete-on-close are the
 * stream's own (its own table entry). The open's fd is the file's O_PATH fd: stream data lives
 * in an xattr of it.
 */
static NTSTATUS open_stream(struct create_ctx *c)
{
	const struct vfs_create_args *a = c->args;
	struct vfs_open *op = NULL;
	struct stat st;
	char *disk = NULL, *path = NULL;
	uint32_t effective, granted, attrs;
	bool created = false, existed, overwriting, is_dir;
	int fd, err = 0;
	NTSTATUS status;

	if (a->create_options & FILE_DIRECTORY_FILE)
		return STATUS_NOT_A_DIRECTORY;   /* a stream is never a directory */
	if (c->must_dir || !c->rel[0])
		return STATUS_OBJECT_NAME_INVALID;
	fd = vfs_openat2(c->share->root_fd, c->rel, O_PATH, 0);
	if (fd == -ENOENT && respell(c))
		fd = vfs_openat2(c->share->root_fd, c->rel, O_PATH, 0);
	if (fd == -ENOENT && a->disposition != FILE_OPEN && a->disposition != FILE_OVERWRITE) {
		status = make_base(c);
		if (status != STATUS_SUCCESS)
			return status;
		fd = vfs_openat2(c->share->root_fd, c->rel, O_PATH, 0);
	}
	if (fd < 0)
		return fd == -ENOENT ? STATUS_OBJECT_NAME_NOT_FOUND
		     : fd == -ENOTDIR ? STATUS_OBJECT_PATH_NOT_FOUND : vfs_status_from_errno(-fd);
	if (fstat(fd, &st) != 0) {
		status = vfs_status_from_errno(errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		status = STATUS_IO_REPARSE_TAG_NOT_HANDLED;
		goto out;
	}
	is_dir = S_ISDIR(st.st_mode);
	if (delete_pending(c->share, &st)) {
		status = STATUS_DELETE_PENDING;
		goto out;
	}

	status = grant_access(c, fd, &st, is_dir, NULL, true, &attrs, &effective, &granted);
	if (status != STATUS_SUCCESS)
		goto out;

	overwriting = a->disposition == FILE_SUPERSEDE || a->disposition == FILE_OVERWRITE ||
		      a->disposition == FILE_OVERWRITE_IF;
	disk = vfs_stream_lookup(fd, c->stream, &err);
	if (err) {
		status = err == ENOMEM ? STATUS_NO_MEMORY : vfs_status_from_errno(err);
		goto out;
	}
	existed = disk != NULL;
	if (existed) {
		if (a->disposition == FILE_CREATE) {
			status = STATUS_OBJECT_NAME_COLLISION;
			goto out;
		}
		if (overwriting && !(effective & FILE_WRITE_DATA)) {
			status = STATUS_ACCESS_DENIED;
			goto out;
		}
	} else {
		if (a->disposition == FILE_OPEN || a->disposition == FILE_OVERWRITE) {
			status = STATUS_OBJECT_NAME_NOT_FOUND;
			goto out;
		}
		/* Adding a stream writes the file (and needs write permission for the xattr). */
		if (c->share->read_only || !(effective & FILE_WRITE_DATA)) {
			status = STATUS_ACCESS_DENIED;
			goto out;
		}
		err = vfs_stream_make(fd, c->stream);
		if (err == EEXIST) {
			status = STATUS_VFS_RETRY;   /* made by someone else meanwhile: open it */
			goto out;
		}
		if (err) {
			status = err == ENOTSUP ? STATUS_NOT_SUPPORTED
			       : err == ENOSPC ? STATUS_DISK_FULL : vfs_status_from_errno(err);
			goto out;
		}
		created = true;
		disk = strdup(c->stream);
		if (!disk) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
	}

	path = malloc(strlen(c->rel) + strlen(disk) + 2);
	op = open_alloc(c, granted, false);
	if (!path || !op) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	sprintf(path, "%s:%s", c->rel, disk);
	op->fd = fd;
	op->fd_is_path = true;
	fd = -1;
	status = register_open(c, op, &st, path, disk);
	if (status != STATUS_SUCCESS)
		goto out;
	created = false;   /* others may use it from here on */
	if (existed && overwriting) {
		status = vfs_stream_truncate(op->fd, op->stream);
		if (status != STATUS_SUCCESS)
			goto out;
		c->res->create_action = a->disposition == FILE_SUPERSEDE ? FILE_SUPERSEDED
									 : FILE_OVERWRITTEN;
	} else {
		c->res->create_action = existed ? FILE_OPENED : FILE_CREATED;
	}
	c->op = op;
	op = NULL;
out:
	if (created)
		vfs_stream_remove(op && op->fd >= 0 ? op->fd : fd, c->stream);
	if (op) {
		unregister_open(op);
		if (op->fd >= 0)
			close(op->fd);
		open_free(op);
	}
	if (fd >= 0)
		close(fd);
	free(disk);
	free(path);
	return status;
}

/* Inheritance from the parent's stored DACL and the creator's SecD, on what this create made.
 * Failing it leaves the object with what POSIX gave it, as a create without them would. */
static void apply_new_security(struct create_ctx *c)
{
	const struct vfs_create_args *a = c->args;
	NTSTATUS st = c->stream ? vfs_sd_on_create(c->op, a->sd, a->sd_arena)
				: vfs_sd_on_create_in(c->op, &c->created_st, a->sd, a->sd_arena, &c->pdir);

	if (st != STATUS_SUCCESS)
		log_debug("vfs: security of new '%s': %s", c->rel, nt_status_name(st));
}

NTSTATUS vfs_create(struct vfs_share *share, const char *relpath, const struct vfs_create_args *args,
		    struct vfs_open **out, struct vfs_create_result *res)
{
	struct create_ctx c = { .share = share, .args = args, .res = res, .parent_fd = -1 };
	struct vfs_create_args file_only;
	NTSTATUS status;
	size_t len;

	*out = NULL;
	memset(res, 0, sizeof(*res));
	status = check_args(args, &c.desired);
	if (status != STATUS_SUCCESS)
		goto out;
	if (!relpath || relpath[0] == '/') {
		status = STATUS_INVALID_PARAMETER;
		goto out;
	}
	c.rel = strdup(relpath);
	if (!c.rel) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	vfs_watch_self(share, relpath);   /* it may create or overwrite the name */
	len = strlen(c.rel);
	if (len > 0 && c.rel[len - 1] == '/') {
		c.must_dir = true;
		c.rel[len - 1] = '\0';
	}
	{
		/* "dir/file:stream" (vfs_path_from_wire puts a stream there; ':' is in no name). */
		char *last = strrchr(c.rel, '/'), *colon = strchr(last ? last + 1 : c.rel, ':');
		if (colon && colon != (last ? last + 1 : c.rel) && strcmp(colon, VFS_UNNAMED_STREAM) == 0) {
			/* "name::$DATA" is the file's data, so never a directory (as Samba: asked for
			 * one, STATUS_NOT_A_DIRECTORY; finding one, STATUS_FILE_IS_A_DIRECTORY). */
			if (args->create_options & FILE_DIRECTORY_FILE) {
				status = STATUS_NOT_A_DIRECTORY;
				goto out;
			}
			file_only = *args;
			file_only.create_options |= FILE_NON_DIRECTORY_FILE;
			c.args = &file_only;
			*colon = '\0';
		} else if (colon) {
			if (colon == (last ? last + 1 : c.rel) || !vfs_stream_name_ok(colon + 1)) {
				status = STATUS_OBJECT_NAME_INVALID;
				goto out;
			}
			c.stream = strdup(colon + 1);
			if (!c.stream) {
				status = STATUS_NO_MEMORY;
				goto out;
			}
			*colon = '\0';
		}
	}
	/* Parent directories in their on-disk case; the last name is matched in open_existing. */
	{
		/* Through a local: given &c.parent_fd, clang's analyzer assumes the callee may
		 * overwrite all of c and reports c.rel as leaked. */
		int parent_fd = c.parent_fd;
		char *r = vfs_resolve_parent_fd(share, c.rel, &parent_fd);

		c.parent_fd = parent_fd;
		if (!r) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
		free(c.rel);
		c.rel = r;
	}

	if (c.rel[0]) {
		if (!vfs_split_path(c.rel, &c.parent, &c.name)) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
		if (c.parent_fd < 0)   /* not already opened while resolving the path */
			c.parent_fd = vfs_openat2(share->root_fd, c.parent, O_PATH | O_DIRECTORY, 0);
		if (c.parent_fd < 0) {
			int err = -c.parent_fd;
			status = err == ENOENT || err == ENOTDIR ? STATUS_OBJECT_PATH_NOT_FOUND
								 : vfs_status_from_errno(err);
			goto out;
		}
	} else if (c.parent_fd >= 0) {
		close(c.parent_fd);   /* the share root has no parent */
		c.parent_fd = -1;
	}
	c.pdir = vfs_parent_hint_of(c.parent_fd);

	/* Open what is there, else create; a race with another creator or deleter loops. */
	status = STATUS_VFS_RETRY;
	for (int tries = 0; tries < 8 && status == STATUS_VFS_RETRY; tries++) {
		c.meta_ready = false;   /* a failed attempt may have filled it */
		if (c.stream) {
			status = open_stream(&c);
			continue;
		}
		status = open_existing(&c);
		if (status == STATUS_OBJECT_NAME_NOT_FOUND && c.rel[0])
			status = create_new(&c);
	}
	if (status == STATUS_VFS_RETRY)
		status = STATUS_OBJECT_NAME_COLLISION;   /* e.g. a dangling symlink in the way */
	/* Success always comes with an open; said for clang's analyzer, which cannot see in
	 * another file that vfs_status_from_errno maps no errno to STATUS_SUCCESS. */
	if (status == STATUS_SUCCESS && !c.op)
		status = STATUS_INTERNAL_ERROR;
	if (status != STATUS_SUCCESS)
		goto out;

	res->granted_access = c.op->access;
	status = c.meta_ready ? STATUS_SUCCESS : vfs_stat(c.op, &res->meta);
	if (status != STATUS_SUCCESS) {
		vfs_close(c.op, NULL);
		c.op = NULL;
		goto out;
	}
	*out = c.op;
	if (args->apply_security && res->create_action == FILE_CREATED)
		apply_new_security(&c);
out:
	if (c.parent_fd >= 0)
		close(c.parent_fd);
	free(c.parent);
	free(c.rel);
	free(c.stream);
	if (status != STATUS_SUCCESS)
		log_debug("vfs: create %s: %s", relpath ? relpath : "(null)", nt_status_name(status));
	return status;
}

/* Last close of a delete-pending file: remove it, as the server since DELETE was checked when
 * delete-on-close was requested. Called with the file's stripe held so that no open slips in (and
 * no directory above it is renamed: that takes every stripe). */
static void delete_stream_now(struct vfs_file *f)
{
	struct vfs_root_section rs;
	struct stat st;
	size_t blen = strlen(f->path) - strlen(f->stream) - 1;
	char *base = strndup(f->path, blen);
	int fd;

	if (!base)
		return;
	vfs_root_begin(&rs);
	fd = vfs_openat2(f->share->root_fd, blen ? base : ".", O_PATH, 0);
	/* Only if the name still is this file. */
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino) {
		int err = vfs_stream_remove(fd, f->stream);
		if (err && err != ENODATA)
			log_debug("vfs: delete-on-close %s: %s", f->path, strerror(err));
	}
	vfs_root_end(&rs);
	if (fd >= 0)
		close(fd);
	free(base);
}

static void delete_now(struct vfs_file *f)
{
	struct vfs_root_section rs;
	struct stat st;
	char *parent = NULL;
	const char *name;
	int pfd = -1;

	if (f->stream) {
		delete_stream_now(f);
		return;
	}
	if (!f->path[0] || !vfs_split_path(f->path, &parent, &name))
		goto out;
	vfs_root_begin(&rs);
	pfd = vfs_openat2(f->share->root_fd, parent, O_PATH | O_DIRECTORY, 0);
	/* Only remove the name if it still is this file. */
	if (pfd >= 0 && fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == f->dev && st.st_ino == f->ino) {
		if (unlinkat(pfd, name, f->is_dir ? AT_REMOVEDIR : 0) != 0)
			log_debug("vfs: delete-on-close %s: %s", f->path, strerror(errno));
		vfs_lookup_changed(pfd);
	}
	vfs_root_end(&rs);
out:
	if (pfd >= 0)
		close(pfd);
	free(parent);
}

NTSTATUS vfs_close(struct vfs_open *op, struct vfs_meta *meta)
{
	struct vfs_file *f;

	if (!op)
		return STATUS_INVALID_HANDLE;
	if (meta && vfs_stat(op, meta) != STATUS_SUCCESS)
		memset(meta, 0, sizeof(*meta));
	vfs_watch_self_open(op);   /* a delete-on-close, or the DOS attributes of a write */
	f = op->file;
	vfs_brl_close(op);   /* before the table: brl_lock is never held with a stripe */
	dev_t dev = f->dev;
	ino_t ino = f->ino;
	vfs_table_lock_id(op->share, dev, ino);   /* by id: the entry may go with the put */
	struct vfs_file *base = f->base;
	if (op->counted)
		vfs_share_remove(f, op->access, op->share_access);
	/* MS-FSA 2.1.5.4: closing an open made with FILE_DELETE_ON_CLOSE marks the file (or the
	 * stream). A file whose streams are still open goes with the last of them. */
	if (op->delete_on_close)
		f->delete_pending = true;
	if (f->nopens == 1 && f->delete_pending)
		delete_now(f);
	vfs_table_put(f);
	if (base) {
		if (base->nopens == 1 && base->delete_pending)
			delete_now(base);
		vfs_table_put(base);
	}
	vfs_table_unlock_id(op->share, dev, ino);
	if (op->fd >= 0)
		close(op->fd);
	vfs_dir_free(op->dir);
	open_free(op);
	return STATUS_SUCCESS;
}

bool vfs_open_is_dir(const struct vfs_open *op)
{
	return op->is_dir;
}

bool vfs_open_is_stream(const struct vfs_open *op)
{
	return op->stream != NULL;
}

uint32_t vfs_open_access(const struct vfs_open *op)
{
	return op->access;
}

const char *vfs_open_path(const struct vfs_open *op)
{
	const char *p;

	vfs_table_lock_file(op->file);
	p = op->file->path;   /* replaced strings are kept until the file's last close */
	vfs_table_unlock_file(op->file);
	return p;
}

struct vfs_share *vfs_open_share(const struct vfs_open *op)
{
	return op->share;
}

int vfs_open_fd(const struct vfs_open *op)
{
	return op->fd;
}

uint64_t vfs_open_position(const struct vfs_open *op)
{
	return atomic_load_explicit(&op->position, memory_order_relaxed);
}

void vfs_open_set_position(struct vfs_open *op, uint64_t pos)
{
	atomic_store_explicit(&op->position, pos, memory_order_relaxed);
}

uint32_t vfs_open_mode(const struct vfs_open *op)
{
	return op->mode;
}

void vfs_open_set_mode(struct vfs_open *op, uint32_t mode)
{
	op->mode = mode;
}
