/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/vfs: the open-file table entry (struct vfs_file), the per-CREATE open
 * (struct vfs_open), the DOS metadata record kept in an xattr, and the helpers the VFS files share.
 */
#ifndef SKIFF_VFS_INTERNAL_H
#define SKIFF_VFS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "vfs/vfs.h"
#include "vfs/vfs_brl.h"
#include "vfs/vfs_watch.h"

/*
 * Locking (see also docs/VFS.md):
 *  - The share's open-file table is striped (vfs_table.c): 32 stripes, each a mutex with its own
 *    hash buckets; the stripe of an entry is a hash of (dev, ino), so a file and all its named
 *    streams share one. A stripe's lock guards its buckets and, in every struct vfs_file of them,
 *    the fields marked [T]. One file's state needs its own stripe (vfs_table_lock_file/_id); a
 *    rename needs the stripes of the files it looks at (source, destination directory, replaced
 *    target), a directory rename and anything walking every entry all of them. Several stripes
 *    are always taken in ascending index order (vfs_table_lock_set), and a thread that lacks one
 *    releases what it holds and starts over with the larger set. The stripes are leaves for
 *    callers: the VFS never calls out of the VFS while holding one except through a CREATE's
 *    admission hook, but it does make file-system syscalls (openat2, renameat2, unlinkat) under
 *    them so that a rename or a delete-on-close unlink is atomic with respect to the table.
 *  - vfs_file.meta_lock serialises read-modify-write of the "user.skiff.dos" xattr and of the
 *    EAs (the file's entry, vfs_file_of(), also for stream opens), and of a named stream's data
 *    (the stream's entry). It is never held together with a table stripe (neither order is
 *    allowed); a stream rename moves the data under the stripe instead, being the stream's only
 *    open.
 *  - vfs_file.brl_lock guards the byte-range locks of the entry's stream and the lock requests
 *    waiting on them (fields marked [B]); a leaf, never held with another VFS lock (vfs_brl.c).
 *  - A struct vfs_open belongs to the caller: calls on one open (notably vfs_dir_*) must not run
 *    concurrently; different opens of the same file may be used from any thread.
 */

/* Share-mode bookkeeping per MS-FSA 2.1.5.1.2 (the NT IoCheckShareAccess counters). */
struct vfs_sharecount {
	uint32_t opens;          /* opens with data or delete access */
	uint32_t readers, writers, deleters;
	uint32_t shared_read, shared_write, shared_delete;
};

struct vfs_file {
	struct vfs_file *next;        /* [T] hash chain */
	struct vfs_share *share;      /* the table key is (share, dev, ino) */
	dev_t dev;
	ino_t ino;
	bool is_dir;                  /* false for a named stream, even of a directory */
	char *stream;                 /* [T] named stream (on-disk spelling), NULL for the file */
	struct vfs_file *base;        /* a stream's file entry, which each open of the stream holds
					 (counted in its nopens), so the file's delete-pending and
					 delete-at-last-close cover its open streams; else NULL. Set
					 when the entry is made, constant afterwards */
	char *path;                   /* [T] current share-relative path ("" = root; "file:stream");
					 a directory renamed above it changes it, holding every
					 stripe */
	struct vfs_oldpath *oldpaths; /* [T] earlier paths, kept so vfs_open_path() stays valid */
	uint32_t nopens;              /* [T] every open, whatever its access */
	struct vfs_sharecount sc;     /* [T] */
	bool delete_pending;          /* [T] File.DeletePending (MS-FSA) */
	atomic_bool archive_known;    /* ARCHIVE already recorded; saves an xattr write per WRITE */
	pthread_mutex_t meta_lock;    /* xattr read-modify-write */
	pthread_mutex_t brl_lock;
	struct vfs_brl_table locks;   /* [B] Stream.ByteRangeLockList (MS-FSA 2.1.1.4) */
	struct vfs_lock_waiter *lock_waiters;   /* [B] lock requests waiting for a release */
	atomic_bool has_locks;        /* locks.n != 0, read without brl_lock by READ and WRITE */
};

struct vfs_oldpath {
	struct vfs_oldpath *next;
	char *path;
};

struct vfs_dirlist;

#define VFS_FROZEN_ATIME 0x1
#define VFS_FROZEN_MTIME 0x2
#define VFS_FROZEN_CTIME 0x4

struct vfs_open {
	struct vfs_share *share;
	struct vfs_file *file;
	int fd;                  /* O_PATH for attribute-only opens */
	bool fd_is_path;         /* fd was opened with O_PATH */
	bool is_dir;
	bool counted;            /* takes part in share-mode counters */
	bool delete_on_close;    /* FILE_DELETE_ON_CLOSE at create: file becomes delete-pending at close */
	uint32_t access;         /* granted access */
	uint32_t share_access;
	uint32_t create_options;
	_Atomic uint64_t position; /* FilePositionInformation (READs of one open run together) */
	uint32_t mode;           /* FileModeInformation */
	uint8_t frozen;          /* VFS_FROZEN_*: timestamps a SET_INFO of -1 stopped updating */
	uint32_t ea_index;       /* next EA a FileFullEaInformation enumeration returns */
	const char *stream;      /* named stream (the entry's file->stream), NULL for the file */
	struct vfs_dirlist *dir; /* enumeration snapshot, NULL until vfs_dir_rewind */
};

/* The entry of the open's file itself: for a stream open its file's (whose meta_lock and
 * archive_known the DOS xattr and EAs go by), else its own. */
static inline struct vfs_file *vfs_file_of(const struct vfs_open *op)
{
	return op->file->base ? op->file->base : op->file;
}

/* ---- vfs_path.c ---- */
/* The one errno -> NTSTATUS map of the VFS: RESOLVE_BENEATH escapes (EXDEV) and a few others
 * differ from nt_status_from_errno; everything else is delegated to it. */
NTSTATUS vfs_status_from_errno(int err);
/* openat2(dirfd, path, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); returns fd or -errno. */
int vfs_openat2(int dirfd, const char *path, int flags, mode_t mode);
/* Split "a/b/c" into a malloc'ed parent "a/b" ("." for top level) and a pointer to "c".
 * Returns false on allocation failure. */
bool vfs_split_path(const char *rel, char **parent, const char **name);
/* "/proc/self/fd/N" (+ "/" name) into buf; false if it does not fit. */
bool vfs_proc_path(char *buf, size_t len, int fd, const char *name);
/* Reopen an fd (usually O_PATH) with new flags through /proc/self/fd; fd or -errno. */
int vfs_reopen(int fd, int flags);

/* ---- vfs_names.c ---- */
/* Upper case of a code point as Windows compares names (BMP simple upper-casing). */
uint32_t vfs_fold_char(uint32_t c);
/* Next code point of a UTF-8 string, advancing *sp; invalid bytes come back one by one as
 * U+DC80..U+DCFF. *sp must not point at the terminating NUL. */
uint32_t vfs_utf8_next(const char **sp);
/* Windows name comparison: <0, 0, >0 after upper-casing both UTF-8 names. */
int vfs_name_casecmp(const char *a, const char *b);
/* Hash of the upper-cased name: equal for names vfs_name_casecmp calls equal. */
uint32_t vfs_name_hash(const char *s);

/* ---- vfs_ident.c ---- */
/* Run a block with the server's (root) credentials and go back to the caller's identity.
 * Both are no-ops in single-identity mode or when the thread already is the server. */
struct vfs_root_section {
	bool switched;
};
void vfs_root_begin(struct vfs_root_section *rs);
void vfs_root_end(struct vfs_root_section *rs);

/* ---- vfs_meta.c ---- */
#define VFS_DOS_XATTR         "user.skiff.dos"
#define VFS_DOS_XATTR_VERSION 1
#define VFS_DOS_XATTR_LEN     16   /* without the ChangeTime fields */
#define VFS_DOS_XATTR_LEN_CT  32   /* with them */
/* Attributes the client may set and that are stored in the xattr (MS-FSCC 2.6). */
#define VFS_ATTR_SETTABLE (FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM | \
			   FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE | \
			   FILE_ATTRIBUTE_NOT_CONTENT_INDEXED | FILE_ATTRIBUTE_ENCRYPTED)
/* Attributes a CREATE or SET_INFO may carry at all; anything else is STATUS_INVALID_PARAMETER. */
#define VFS_ATTR_VALID (VFS_ATTR_SETTABLE | FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_NORMAL | \
			FILE_ATTRIBUTE_SPARSE_FILE | FILE_ATTRIBUTE_REPARSE_POINT | \
			FILE_ATTRIBUTE_COMPRESSED)

struct vfs_dosinfo {
	bool present;     /* the xattr existed and was understood */
	uint32_t attrs;   /* VFS_ATTR_SETTABLE bits only */
	uint64_t btime;   /* NT time */
	/* Linux cannot set ctime: a ChangeTime a client set is kept here with the file's
	 * LastWriteTime at that moment, and reported while the LastWriteTime is unchanged. */
	uint64_t ctime;        /* NT time, 0 = none */
	uint64_t ctime_mtime;  /* NT mtime when ctime was set */
};

/* Read the DOS xattr of fd (any kind of fd), or of `name` relative to directory fd when name
 * is non-NULL. Missing/unreadable/unsupported xattrs give present=false. */
void vfs_dos_read(int fd, const char *name, struct vfs_dosinfo *out);
/* Write the DOS xattr on fd. `privileged` allows retrying as root when the caller's own
 * credentials may not write it (the VFS has already checked FILE_WRITE_ATTRIBUTES). Returns 0,
 * or an errno (ENOTSUP when the file system has no user xattrs, which callers tolerate). */
int vfs_dos_write(int fd, const struct vfs_dosinfo *di, bool privileged);
/* Fill a vfs_meta from a statx result and the DOS record (derived values when absent). */
void vfs_meta_fill(const struct statx *stx, const struct vfs_dosinfo *di, struct vfs_meta *m);
/* The fd was opened by the VFS with O_PATH (a hint, see vfs_path.c): xattr calls use /proc. */
bool vfs_fd_is_opath(int fd);
/* The calling thread's effective uid as vfs_become/vfs_root_begin left it, without a syscall. */
uid_t vfs_thread_euid(void);
/* The struct stat a statx(STATX_BASIC_STATS) result stands for. */
void vfs_stat_from_statx(const struct statx *stx, struct stat *st);
/* statx + DOS xattr of an open fd. */
NTSTATUS vfs_meta_of_fd(int fd, struct vfs_meta *m);
/* Effective DOS attributes (without DIRECTORY/NORMAL) of an fd: stored or derived. */
uint32_t vfs_dos_attrs_of_fd(int fd, bool is_dir);
/*
 * What one create has learnt of the parent directory, so that its checks (may add, maximal
 * access, delete-pending, inheritance) ask the kernel once: a new file used to stat the parent
 * four times and read its stored ACL three times.
 */
struct vfs_parent_hint {
	int fd;                 /* O_PATH of the parent, -1 for the share root */
	bool have_st;           /* st holds the parent's stat */
	bool no_stored_acl;     /* the parent was found to carry no valid stored DACL */
	struct stat st;
};

static inline struct vfs_parent_hint vfs_parent_hint_of(int fd)
{
	return (struct vfs_parent_hint){ .fd = fd };
}

/* The parent's stat, fetched once; NULL for the share root or when fstat fails. */
const struct stat *vfs_parent_stat(struct vfs_parent_hint *p);
/* Maximal access the current thread's credentials have on the object `fd` in directory
 * `parent`, ignoring the READONLY attribute and the share's read-only flag (callers apply
 * those). `fresh`: the object was just created, so it has no stored ACL to look for. */
uint32_t vfs_maximal_access(int fd, struct vfs_parent_hint *parent, const struct stat *st, bool fresh);
/* Map GENERIC_* bits to specific file rights (MS-SMB2 2.2.13.1). */
uint32_t vfs_map_generic(uint32_t access);
/* Set ARCHIVE after a modification, once per file. */
void vfs_mark_archive(struct vfs_open *op);

/* ---- vfs_table.c ---- */
/* A share's open files: a hash of struct vfs_file by (dev, ino) in VFS_TABLE_STRIPES stripes, each
 * under its own mutex with its own buckets (chained through next). A set of stripes is a bit mask,
 * bit i for stripe i. */
#define VFS_TABLE_STRIPE_BITS 5
#define VFS_TABLE_STRIPES (1u << VFS_TABLE_STRIPE_BITS)
#define VFS_TABLE_ALL_STRIPES ((1ull << VFS_TABLE_STRIPES) - 1)
struct vfs_table_stripe {
	_Alignas(64) pthread_mutex_t lock;   /* a cache line each: stripes are taken in parallel */
	struct vfs_file **buckets;
	size_t nbuckets, count;
};
struct vfs_file_table {
	struct vfs_table_stripe stripes[VFS_TABLE_STRIPES];
};
struct vfs_file_table *vfs_file_table_new(void);
/* Frees the table; every file of it must be closed. */
void vfs_file_table_free(struct vfs_file_table *t);
/* The stripe (as a one-bit set) that holds the entries of (dev, ino) and of its streams. */
uint64_t vfs_table_stripe_of(dev_t dev, ino_t ino);
/* Lock or unlock a set of stripes of the share's table, in ascending order. */
void vfs_table_lock_set(const struct vfs_share *share, uint64_t stripes);
void vfs_table_unlock_set(const struct vfs_share *share, uint64_t stripes);
/* The stripe of one file (and its streams), by id or by entry. */
void vfs_table_lock_id(const struct vfs_share *share, dev_t dev, ino_t ino);
void vfs_table_unlock_id(const struct vfs_share *share, dev_t dev, ino_t ino);
void vfs_table_lock_file(const struct vfs_file *f);
void vfs_table_unlock_file(const struct vfs_file *f);
/* vfs_watch.c: the server is about to change the open's file (vfs_watch_self); takes and
 * releases the file's stripe, so it is called without it. */
void vfs_watch_self_open(struct vfs_open *op);
/* "With the stripe held" below: the stripe of the (dev, ino) concerned.
 * With the stripe held: find or create the entry for (share, st_dev, st_ino, stream); stream NULL
 * for the file itself. NULL on ENOMEM. */
struct vfs_file *vfs_table_get(struct vfs_share *share, const struct stat *st, const char *path,
			       const char *stream);
/* With the stripe held: drop one open; frees the entry when it was the last (returns true). */
bool vfs_table_put(struct vfs_file *f);
/* With the stripe held: look up without creating (the file itself, or one named stream). */
struct vfs_file *vfs_table_find(struct vfs_share *share, dev_t dev, ino_t ino);
struct vfs_file *vfs_table_find_stream(struct vfs_share *share, dev_t dev, ino_t ino,
				       const char *stream);
/* With the stripe held: is the file or any of its streams open? */
bool vfs_table_any_open(struct vfs_share *share, dev_t dev, ino_t ino);
/* With the stripe held: is any named stream of the file open (whatever its access)? */
bool vfs_table_streams_open(struct vfs_share *share, dev_t dev, ino_t ino);
/* With the stripe held: do all opens of the file's named streams share delete? An open of the file
 * with DELETE access needs that (MS-FSA 2.1.5.1.2.2; smb2.streams.delete). */
bool vfs_table_streams_share_delete(struct vfs_share *share, dev_t dev, ino_t ino);
/* With f's stripe held: MS-FSA 2.1.5.1.2 share-access check of a new open against f. */
NTSTATUS vfs_share_check(const struct vfs_file *f, uint32_t access, uint32_t share_access);
void vfs_share_add(struct vfs_file *f, uint32_t access, uint32_t share_access);
void vfs_share_remove(struct vfs_file *f, uint32_t access, uint32_t share_access);
bool vfs_access_counts(uint32_t access);
/* With every stripe held: true if any open file of `share` lies beneath directory path `dir`. */
bool vfs_table_any_below(struct vfs_share *share, const char *dir);
/* With f's stripe held: stream entry f (its only open's caller holds op->stream = f->stream and
 * must refresh it) is now named newstream; its path follows, the old one stays valid. */
NTSTATUS vfs_table_stream_renamed(struct vfs_file *f, const char *newstream);
/* With f's stripe held (every stripe for a directory): f (and, for a directory, everything open
 * beneath it) now lives at newpath. */
NTSTATUS vfs_table_moved(struct vfs_file *f, const char *newpath);

/* ---- vfs_brl.c ---- */
/* MS-FSA 2.1.4.10 for a READ (write false) or WRITE of [offset, offset + length) through op:
 * STATUS_FILE_LOCK_CONFLICT when another open's lock (or, for a write, any shared lock) covers
 * part of it. Zero-length I/O never conflicts. */
NTSTATUS vfs_brl_check_io(struct vfs_open *op, uint64_t offset, uint64_t length, bool write);
/* The open closes: its locks go (waking the waiters of the stream), and so do waiters of its own
 * still queued (woken, so that their owner hears of it). */
void vfs_brl_close(struct vfs_open *op);

/* ---- vfs_xattr.c ---- */
/* xattr calls on any kind of fd (O_PATH ones through /proc). get/list return the length or
 * -errno, set/remove 0 or an errno; ENOTSUP when the file system has no user xattrs.
 * `privileged` retries as the server on EACCES/EPERM: only for calls whose Windows right the VFS
 * has already checked. */
ssize_t vfs_xattr_get(int fd, const char *name, void *buf, size_t len, bool privileged);
int vfs_xattr_set(int fd, const char *name, const void *value, size_t len, int flags, bool privileged);
int vfs_xattr_remove(int fd, const char *name, bool privileged);
/* The name list (NUL-separated, plus one NUL at the end), malloc'ed into *out; its length, 0
 * (and *out NULL) when there are no xattrs, or -errno. */
ssize_t vfs_xattr_list(int fd, char **out, bool privileged);

/* ---- vfs_ea.c ---- */
#define VFS_EA_XATTR_PREFIX "user.skiff.ea."
/* Apply a create's EA list to a new or overwritten file: on overwrite the old EAs go first. */
NTSTATUS vfs_ea_apply_create(int fd, const struct vfs_ea *eas, size_t n, bool replace);

/* ---- vfs_stream.c ---- */
#define VFS_STREAM_XATTR_PREFIX "user.skiff.stream."
/* A stream name that fits in an xattr name (at most 237 bytes). */
bool vfs_stream_name_ok(const char *name);
/* On-disk spelling of stream `name` of the file behind fd (matched case-insensitively),
 * malloc'ed; NULL when there is none (*err 0) or on error (*err set). */
char *vfs_stream_lookup(int fd, const char *name, int *err);
/* Make an empty stream: 0, EEXIST, or another errno. */
int vfs_stream_make(int fd, const char *name);
int vfs_stream_remove(int fd, const char *name);
/* Size of a stream, or -errno. */
ssize_t vfs_stream_size(int fd, const char *name);
NTSTATUS vfs_stream_truncate(int fd, const char *name);
/* The I/O and SET_INFO primitives of vfs_io.c for an open of a stream. */
NTSTATUS vfs_stream_read(struct vfs_open *op, void *buf, size_t len, uint64_t offset, size_t *nread);
NTSTATUS vfs_stream_write(struct vfs_open *op, const void *buf, size_t len, uint64_t offset,
			  size_t *nwritten);
NTSTATUS vfs_stream_set_eof(struct vfs_open *op, uint64_t size);
NTSTATUS vfs_stream_set_allocation(struct vfs_open *op, uint64_t size);
/* Turn the file's metadata into the stream's (size, allocation, not a directory). */
void vfs_stream_meta(struct vfs_open *op, struct vfs_meta *m);
/* Remove every named stream of the file behind fd (overwrite and supersede, MS-FSA 2.1.5.1.2). */
NTSTATUS vfs_stream_remove_all(int fd);
/* FileRenameInformation on a stream open, or with a ":stream" target (vfs_rename passes it on):
 * MS-FSA 2.1.5.15.11.1, named stream to named stream only. */
NTSTATUS vfs_stream_rename(struct vfs_open *op, const char *target, bool replace_if_exists);

/* ---- vfs_lookup.c ---- */
/* A directory's identity and change times, as seen by a case-insensitive lookup. */
struct vfs_dirstamp {
	bool valid;
	uint64_t dev, ino;
	uint64_t mtime, ctime;   /* NT times */
	uint32_t nsec;
};
/* The on-disk spelling of `name` in directory dirfd (any kind of fd) when it matches
 * case-insensitively, malloc'ed; NULL if nothing matches or the directory cannot be read.
 * Callers try the exact spelling first. *seen (optional) receives the directory state the answer
 * belongs to, for vfs_lookup_added. */
char *vfs_lookup_ci(int dirfd, const char *name, struct vfs_dirstamp *seen);
/* The VFS created `name` in dirfd after a lookup that saw `before`: keep the cache current. */
void vfs_lookup_added(int dirfd, const char *name, const struct vfs_dirstamp *before);
/* The VFS removed or renamed something in dirfd: forget its names. */
void vfs_lookup_changed(int dirfd);
/* `rel` with every component but the last in its on-disk spelling (matched case-insensitively
 * where the exact one is missing), malloc'ed; NULL on allocation failure. Components from the
 * first one that cannot be found on stay as given, so the caller's open reports them. */
char *vfs_resolve_parent(struct vfs_share *share, const char *rel);
/* The same, also handing over the parent directory (O_PATH) in *parent_fd when the common case
 * opened it as resolved (else -1), so that the caller does not open it again. */
char *vfs_resolve_parent_fd(struct vfs_share *share, const char *rel, int *parent_fd);

/* ---- vfs_dir.c ---- */
void vfs_dir_free(struct vfs_dirlist *d);
/* Call fn for every name of directory dirfd (any kind of fd) but "." and ".."; fn returns false
 * to stop with ENOMEM. Returns 0 or an errno. */
int vfs_dir_scan(int dirfd, bool (*fn)(void *arg, const char *name, size_t len), void *arg);
/* True if directory fd has no entries besides "." and "..". Sets *err on failure. */
bool vfs_dir_is_empty(int dirfd, int *err);


/* ---- vfs_acl.c ---- */
/* The rights one POSIX class's rwx bits stand for: the synthesized DACL and the maximal access
 * both use it, so that they agree. */
uint32_t vfs_acl_rights_of_bits(unsigned bits, bool is_dir);
/* Narrow `acc`, the rights POSIX gives the current thread on fd (in directory `parent`), by
 * the stored NT ACLs of the object and of its parent. No-op for root and for objects without a
 * stored ACL; `fresh` (just created) skips looking for the object's own. */
uint32_t vfs_acl_limit(int fd, struct vfs_parent_hint *parent, const struct stat *st, uint32_t acc,
		       bool fresh);
/* Whether the current thread may add a file (or, is_dir, a subdirectory) to the directory
 * `parent` as its stored DACL says (FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY); true without a
 * stored DACL or for root. For create, before the object is made. */
bool vfs_acl_may_add(struct vfs_parent_hint *parent, bool is_dir);
/* vfs_sd_on_create for an object just created in `parent` (st: its stat). */
NTSTATUS vfs_sd_on_create_in(struct vfs_open *op, const struct stat *st, const struct sd *creator,
			     struct arena *a, struct vfs_parent_hint *parent);

#endif
