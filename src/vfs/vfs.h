/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VFS: Windows file semantics (NT create dispositions, share modes, delete-on-close, DOS
 * attributes, creation time, stable file ids) over a POSIX directory tree. Every path is resolved
 * beneath the share root with openat2(RESOLVE_BENEATH); nothing here knows the SMB wire format.
 * All functions return NTSTATUS; errno is mapped in one place (nt_status_from_errno).
 */
#ifndef SKIFF_VFS_H
#define SKIFF_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/arena.h"
#include "core/ntstatus.h"
#include "core/secdesc.h"

/* FILE_ATTRIBUTE_* (MS-FSCC 2.6) */
#define FILE_ATTRIBUTE_READONLY            0x00000001u
#define FILE_ATTRIBUTE_HIDDEN              0x00000002u
#define FILE_ATTRIBUTE_SYSTEM              0x00000004u
#define FILE_ATTRIBUTE_DIRECTORY           0x00000010u
#define FILE_ATTRIBUTE_ARCHIVE             0x00000020u
#define FILE_ATTRIBUTE_NORMAL              0x00000080u
#define FILE_ATTRIBUTE_TEMPORARY           0x00000100u
#define FILE_ATTRIBUTE_SPARSE_FILE         0x00000200u
#define FILE_ATTRIBUTE_REPARSE_POINT       0x00000400u
#define FILE_ATTRIBUTE_COMPRESSED          0x00000800u
#define FILE_ATTRIBUTE_OFFLINE             0x00001000u
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000u
#define FILE_ATTRIBUTE_ENCRYPTED           0x00004000u
#define FILE_ATTRIBUTE_INTEGRITY_STREAM    0x00008000u
#define FILE_ATTRIBUTE_NO_SCRUB_DATA       0x00020000u

/* Access mask bits (MS-SMB2 2.2.13.1) */
#define FILE_READ_DATA             0x00000001u
#define FILE_LIST_DIRECTORY        0x00000001u
#define FILE_WRITE_DATA            0x00000002u
#define FILE_ADD_FILE              0x00000002u
#define FILE_APPEND_DATA           0x00000004u
#define FILE_ADD_SUBDIRECTORY      0x00000004u
#define FILE_READ_EA               0x00000008u
#define FILE_WRITE_EA              0x00000010u
#define FILE_EXECUTE               0x00000020u
#define FILE_TRAVERSE              0x00000020u
#define FILE_DELETE_CHILD          0x00000040u
#define FILE_READ_ATTRIBUTES       0x00000080u
#define FILE_WRITE_ATTRIBUTES      0x00000100u
#define DELETE_ACCESS              0x00010000u
#define READ_CONTROL               0x00020000u
#define WRITE_DAC                  0x00040000u
#define WRITE_OWNER                0x00080000u
#define SYNCHRONIZE                0x00100000u
#define ACCESS_SYSTEM_SECURITY     0x01000000u
#define MAXIMUM_ALLOWED            0x02000000u
#define GENERIC_ALL                0x10000000u
#define GENERIC_EXECUTE            0x20000000u
#define GENERIC_WRITE              0x40000000u
#define GENERIC_READ               0x80000000u
#define FILE_ALL_ACCESS            0x001F01FFu
#define FILE_GENERIC_READ          0x00120089u
#define FILE_GENERIC_WRITE         0x00120116u
#define FILE_GENERIC_EXECUTE       0x001200A0u

/* ShareAccess */
#define FILE_SHARE_READ   0x1u
#define FILE_SHARE_WRITE  0x2u
#define FILE_SHARE_DELETE 0x4u

/* CreateDisposition */
#define FILE_SUPERSEDE    0u
#define FILE_OPEN         1u
#define FILE_CREATE       2u
#define FILE_OPEN_IF      3u
#define FILE_OVERWRITE    4u
#define FILE_OVERWRITE_IF 5u

/* CreateAction */
#define FILE_SUPERSEDED  0u
#define FILE_OPENED      1u
#define FILE_CREATED     2u
#define FILE_OVERWRITTEN 3u

/* CreateOptions */
#define FILE_DIRECTORY_FILE            0x00000001u
#define FILE_WRITE_THROUGH             0x00000002u
#define FILE_SEQUENTIAL_ONLY           0x00000004u
#define FILE_NO_INTERMEDIATE_BUFFERING 0x00000008u
#define FILE_SYNCHRONOUS_IO_ALERT      0x00000010u
#define FILE_SYNCHRONOUS_IO_NONALERT   0x00000020u
#define FILE_NON_DIRECTORY_FILE        0x00000040u
#define FILE_COMPLETE_IF_OPLOCKED      0x00000100u
#define FILE_NO_EA_KNOWLEDGE           0x00000200u
#define FILE_RANDOM_ACCESS             0x00000800u
#define FILE_DELETE_ON_CLOSE           0x00001000u
#define FILE_OPEN_BY_FILE_ID           0x00002000u
#define FILE_OPEN_FOR_BACKUP_INTENT    0x00004000u
#define FILE_NO_COMPRESSION            0x00008000u
#define FILE_OPEN_REPARSE_POINT        0x00200000u
#define FILE_OPEN_NO_RECALL            0x00400000u
#define FILE_OPEN_FOR_FREE_SPACE_QUERY 0x00800000u

/* Who the file-system calls run as. */
struct vfs_identity {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t *groups;   /* owned by the session */
};

/* One exported directory tree: made at start-up from the config, or, for a share whose path has
 * variables, at the first tree connect on each distinct path (a pool entry). Immutable once made,
 * except the pool fields. */
struct vfs_share_pool;
struct vfs_share {
	char *name;        /* share name as configured */
	char *path;        /* absolute path of the root */
	int root_fd;       /* O_PATH|O_DIRECTORY fd of the root, resolution anchor */
	bool read_only;
	uint64_t volume_serial;  /* from the file system id; stable across restarts */
	uint64_t fs_dev;
	/* The share's open files (vfs_table.c, striped by file): one struct vfs_file per (dev,
	 * ino, stream) open through this share, with its share modes, delete-pending and
	 * byte-range locks. */
	struct vfs_file_table *files;
	/* A pool entry: trees using it (refs) and the pool's chain, under the pool's lock; the
	 * entry goes with its last tree, so two trees on one path share the file table and two
	 * on different paths do not. NULL pool for a share opened at start-up. */
	struct vfs_share_pool *pool;
	struct vfs_share *pool_next;
	unsigned refs;
	/* Kernel change notify (vfs_watch.c), NULL when off; the server's, shared by its shares. */
	struct vfs_watcher *watcher;
};

/* What QUERY_INFO, QUERY_DIRECTORY and CLOSE report about a file; times are NT times
 * (100 ns since 1601-01-01 UTC). */
struct vfs_meta {
	uint64_t file_id;        /* stable: the inode number */
	uint64_t size;           /* end of file */
	uint64_t alloc_size;     /* st_blocks * 512 (0 for directories per Windows) */
	uint64_t btime, atime, mtime, ctime;
	uint32_t attrs;          /* FILE_ATTRIBUTE_*, DIRECTORY set for directories; NORMAL when none */
	uint32_t nlink;
	uint32_t mode;           /* st_mode */
	uint32_t uid, gid;
	uint64_t dev;
	bool is_dir;
};

struct vfs_file;   /* one per open (dev, ino): share modes, delete-on-close, current path */
struct vfs_open;   /* one per successful CREATE */

/* An extended attribute (MS-FSCC 2.4.15). */
struct vfs_ea {
	const char *name;        /* NUL-terminated, 1-255 bytes */
	const uint8_t *value;
	size_t value_len;        /* at most 65535; 0 removes the EA when setting */
	uint8_t flags;           /* 0x80 FILE_NEED_EA */
};

/*
 * What an open's admission hook (vfs_create_args.admit) is shown: the file (or stream) being
 * opened and the outcome of the delete-pending and share-mode checks. It runs under the file's
 * stripe of the open-file table (one mutex of 32), once per attempt, after the path is resolved
 * and before anything on disk changes (no overwrite yet), so that a caller's own decision (oplock
 * breaks) and the share-mode check are one step: no other open of the file can be admitted in
 * between.
 */
struct vfs_admission {
	uint64_t dev, ino;
	const char *stream;        /* named stream's on-disk name; NULL for the file's data */
	uint32_t access;           /* the access the open is granted */
	uint32_t share_access;
	unsigned other_opens;      /* opens of this file (or stream) besides the new one */
	unsigned other_data_opens; /* of them, those with data or delete access */
	bool data_open;            /* the new open has data or delete access */
	bool is_dir;
	NTSTATUS verdict;          /* STATUS_SUCCESS, STATUS_DELETE_PENDING or _SHARING_VIOLATION */
};

struct vfs_create_args {
	uint32_t desired_access;   /* as sent; generic bits and MAXIMUM_ALLOWED are mapped inside */
	uint32_t file_attributes;
	uint32_t share_access;
	uint32_t disposition;
	uint32_t create_options;
	uint64_t allocation_size;  /* from the AlSi context, 0 if none */
	const struct vfs_ea *eas;  /* from the ExtA context: set on a file this create makes or */
	size_t neas;               /* overwrites (replacing its EAs); ignored when it opens one */
	/* On an object this create makes: inherit from the parent's stored DACL and apply the
	 * creator's security descriptor `sd` (SecD context, may be NULL), as vfs_sd_on_create. */
	bool apply_security;
	const struct sd *sd;
	struct arena *sd_arena;    /* for sd_on_create's work; required with apply_security */
	/* Optional: given the checks' verdict, the status the open gets (STATUS_SUCCESS lets it
	 * be registered; any other status fails vfs_create with it, before an overwrite). */
	NTSTATUS (*admit)(void *arg, const struct vfs_admission *in);
	void *admit_arg;
};

struct vfs_create_result {
	uint32_t create_action;    /* FILE_OPENED, FILE_CREATED, ... */
	uint32_t granted_access;   /* what the open was granted */
	uint32_t maximal_access;   /* what the caller could have had (MxAc) */
	struct vfs_meta meta;
};

/* Process-wide setup: open-file table, identity mode (root or single identity). */
NTSTATUS vfs_global_init(void);

/* Open a share's root; NTSTATUS error (with a log line) if the path is not a usable directory. */
NTSTATUS vfs_share_open(const char *name, const char *path, bool read_only, struct vfs_share **out);
void vfs_share_close(struct vfs_share *s);
/* Shares whose path varies per tree connect (docs/CONFIG.md, variables): one vfs_share per
 * distinct path. get: the entry of `anchor` + "/" + `rest` (as given by cfg_path_substitute),
 * opened on first use: the anchor must be a directory, `rest` is resolved beneath it
 * (RESOLVE_BENEATH: no symlink or ".." leads out) and, with `create`, its missing directories
 * are made (mode 0755, as the calling thread's user). STATUS_BAD_NETWORK_NAME when it is not a
 * usable directory. ref/put: a tree or an open (which may outlive its tree: a disconnected
 * durable open) takes/drops a reference; NULL or a start-up share: nothing. */
struct vfs_share_pool *vfs_share_pool_new(void);
void vfs_share_pool_free(struct vfs_share_pool *pool);
NTSTATUS vfs_share_pool_get(struct vfs_share_pool *pool, const char *name, const char *anchor,
			    const char *rest, bool read_only, bool create, struct vfs_share **out);
void vfs_share_ref(struct vfs_share *s);
void vfs_share_put(struct vfs_share *s);

/* Per-thread credentials (raw setresuid/setresgid/setgroups syscalls affect only the calling
 * thread). A no-op in single-identity mode (server not started as root). Both are cheap when the
 * thread already has the asked-for identity, so a thread keeps the last user's credentials
 * between requests and callers switch only when they need another identity. */
NTSTATUS vfs_become(const struct vfs_identity *id);
void vfs_become_server(void);
bool vfs_running_as_root(void);

/*
 * Turn a wire name (UTF-16LE, backslash separated, relative to the share) into a validated
 * relative UTF-8 path ("" for the root, no leading '/', no "." or ".." components). A trailing
 * backslash is kept as one trailing '/': it means "must be a directory" and vfs_create enforces
 * it (MS-FSA 2.1.5.1), so pass the result on unchanged. A leading backslash is
 * STATUS_INVALID_PARAMETER (MS-SMB2 3.3.5.9); otherwise STATUS_OBJECT_NAME_INVALID,
 * STATUS_OBJECT_PATH_SYNTAX_BAD, ... as Windows would (table in docs/VFS.md).
 * A stream suffix stays on the last component after one ':' (no name holds one): "file:stream"
 * for a named stream ("file:stream:$DATA" on the wire), "file::$DATA" (VFS_UNNAMED_STREAM) when
 * the unnamed data stream was spelled out, which is the file but never a directory.
 */
#define VFS_UNNAMED_STREAM "::$DATA"
NTSTATUS vfs_path_from_wire(struct arena *a, const uint8_t *name, size_t nbytes, char **out);

/* NT create: every disposition, directory / non-directory, share modes, delete-on-close, overwrite
 * and supersede, DOS attributes; enforces read-only shares and POSIX permissions. */
NTSTATUS vfs_create(struct vfs_share *share, const char *relpath, const struct vfs_create_args *args,
		    struct vfs_open **out, struct vfs_create_result *res);
/* Close: deletes the file if delete-on-close is set and this was the last open. If `meta` is
 * non-NULL it receives the attributes after close (for SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB). */
NTSTATUS vfs_close(struct vfs_open *op, struct vfs_meta *meta);

/* Accessors for an open. */
bool vfs_open_is_dir(const struct vfs_open *op);
uint32_t vfs_open_access(const struct vfs_open *op);
const char *vfs_open_path(const struct vfs_open *op);   /* current share-relative path */
struct vfs_share *vfs_open_share(const struct vfs_open *op);
int vfs_open_fd(const struct vfs_open *op);
/* File position and mode information kept per open (FilePositionInformation, FileModeInformation). */
uint64_t vfs_open_position(const struct vfs_open *op);
void vfs_open_set_position(struct vfs_open *op, uint64_t pos);
uint32_t vfs_open_mode(const struct vfs_open *op);
void vfs_open_set_mode(struct vfs_open *op, uint32_t mode);
/* The file's delete-pending state (FileStandardInformation.DeletePending). */
bool vfs_open_delete_pending(const struct vfs_open *op);
/* Whether the file goes when this open closes as its last one: delete-pending, or opened with
 * FILE_DELETE_ON_CLOSE (which only becomes delete-pending at that close). */
bool vfs_open_deletes_on_close(const struct vfs_open *op);
/* The (device, inode) pair of an open's file, and how many opens the file has right now. */
void vfs_open_file_id(const struct vfs_open *op, uint64_t *dev, uint64_t *ino);
unsigned vfs_open_file_opens(const struct vfs_open *op);
/* The (device, inode) pair of the directory holding share-relative `relpath` (the share root for
 * a top-level name); STATUS_NOT_FOUND for the root itself. For directory leases: a change of an
 * entry breaks its parent's. */
NTSTATUS vfs_parent_id(struct vfs_share *share, const char *relpath, uint64_t *dev, uint64_t *ino);

NTSTATUS vfs_stat(struct vfs_open *op, struct vfs_meta *out);
/* Read: holes read as zeros; STATUS_END_OF_FILE when offset >= size. *nread may be < len at EOF. */
NTSTATUS vfs_read(struct vfs_open *op, void *buf, size_t len, uint64_t offset, size_t *nread);
/* Write; offset UINT64_MAX means append at end of file. Sets ARCHIVE. */
NTSTATUS vfs_write(struct vfs_open *op, const void *buf, size_t len, uint64_t offset, size_t *nwritten);
NTSTATUS vfs_flush(struct vfs_open *op);

/*
 * Byte-range locks (vfs_brl.c; MS-FSA 2.1.5.8, 2.1.5.9, 2.1.4.10), held by an open on its stream
 * and released when it closes. Ranges are 64-bit: one whose last byte lies past 2^64 - 1 is
 * STATUS_INVALID_LOCK_RANGE; zero-length ranges are locks of their own (see vfs_brl.h for how they
 * overlap). An exclusive lock keeps other opens from locking, reading and writing the range; a
 * shared one keeps everybody, its holder too, from writing it and from locking it exclusively.
 * READ and WRITE check them (vfs_read, vfs_write: STATUS_FILE_LOCK_CONFLICT). Directories have
 * none (STATUS_INVALID_PARAMETER).
 *
 * vfs_lock takes n ranges all or none (the first failure's status; none of them is held then):
 * STATUS_LOCK_NOT_GRANTED on a conflict, unless `wait` is given (n must be 1): then the request is
 * queued on the stream and STATUS_PENDING returned, and wait->wake(wait) is called once, from the
 * thread that releases a range of the stream (an unlock, or the close of an open holding locks),
 * after the waiter is off the queue and with no VFS lock held: the caller then tries again (and
 * may queue the same waiter anew). vfs_lock_unwait withdraws a queued waiter: true if it was still
 * queued (no wake will come), false if its wake is already under way. An open's own waiters must
 * be withdrawn before vfs_close (which otherwise wakes them).
 * vfs_unlock: exactly a range the open holds (an exclusive lock before shared ones stacked on
 * it), else STATUS_RANGE_NOT_LOCKED.
 * Not mirrored to POSIX locks: docs/ARCHITECTURE.md ("Byte-range locks").
 */
#ifndef STATUS_INVALID_LOCK_RANGE
#define STATUS_INVALID_LOCK_RANGE 0xC00001A1u   /* MS-ERREF 2.3; not in core/ntstatus.h */
#endif
struct vfs_lock_range {
	uint64_t offset, length;
	bool exclusive;
};
struct vfs_lock_waiter {
	struct vfs_lock_waiter *next;   /* the VFS's while queued */
	const struct vfs_open *op;      /* the VFS's: the open that waits */
	void (*wake)(struct vfs_lock_waiter *w);   /* the caller's */
};
NTSTATUS vfs_lock(struct vfs_open *op, const struct vfs_lock_range *ranges, size_t n,
		  struct vfs_lock_waiter *wait);
NTSTATUS vfs_unlock(struct vfs_open *op, uint64_t offset, uint64_t length);
bool vfs_lock_unwait(struct vfs_open *op, struct vfs_lock_waiter *w);
/* The ranges the open holds now (malloc'ed into *out, *n of them; NULL and 0 for none); false
 * when out of memory. For the persistent-handle store. */
bool vfs_lock_list(struct vfs_open *op, struct vfs_lock_range **out, size_t *n);

/* SET_INFO primitives. Times of 0 mean "leave", (uint64_t)-1 means "stop updating" (treated as
 * leave), (uint64_t)-2 "resume". attrs 0 means "leave". */
NTSTATUS vfs_set_basic(struct vfs_open *op, uint64_t btime, uint64_t atime, uint64_t mtime,
		       uint64_t ctime, uint32_t attrs);
NTSTATUS vfs_set_eof(struct vfs_open *op, uint64_t size);
NTSTATUS vfs_set_allocation(struct vfs_open *op, uint64_t size);
/* Mark/unmark delete-on-close (FileDispositionInformation); STATUS_CANNOT_DELETE for read-only
 * files, STATUS_DIRECTORY_NOT_EMPTY for non-empty directories. */
NTSTATUS vfs_set_delete_on_close(struct vfs_open *op, bool del);
/* Rename the open file to a new share-relative path; replace_if_exists as in FileRenameInformation.
 * Every other open of the file (and of files beneath a renamed directory) follows the new name. */
NTSTATUS vfs_rename(struct vfs_open *op, const char *new_relpath, bool replace_if_exists);

/*
 * Extended attributes, kept as "user.skiff.ea.<NAME>" xattrs (docs/VFS.md). Names are compared
 * case-insensitively and stored upper-cased, as NTFS does. vfs_ea_check validates a list before
 * anything is stored: STATUS_INVALID_EA_NAME for an empty name, one over 241 bytes (the xattr
 * name limit less the prefix) or with a character Windows refuses in EA names; STATUS_EA_TOO_LARGE
 * for a value over 65535 bytes.
 */
NTSTATUS vfs_ea_check(const struct vfs_ea *eas, size_t n);
#ifndef STATUS_INVALID_EA_NAME
#define STATUS_INVALID_EA_NAME 0x80000013u   /* MS-ERREF 2.3; not in core/ntstatus.h */
#endif
/* Set (value_len > 0) or remove each EA in order; needs FILE_WRITE_EA. STATUS_EA_TOO_LARGE when
 * the file system has no room, STATUS_EAS_NOT_SUPPORTED without user xattrs. */
NTSTATUS vfs_ea_set(struct vfs_open *op, const struct vfs_ea *eas, size_t n);
/* Every EA of the open's file, sorted by name, allocated from `a` (*n may be 0). Needs
 * FILE_READ_EA unless `for_size` (FileEaInformation answers any handle). */
NTSTATUS vfs_ea_list(struct vfs_open *op, struct arena *a, bool for_size, struct vfs_ea **eas,
		     size_t *n);
/* Where a FileFullEaInformation enumeration on this open continues (MS-FSA Open.NextEaEntry). */
uint32_t vfs_open_ea_index(const struct vfs_open *op);
void vfs_open_set_ea_index(struct vfs_open *op, uint32_t index);

/* The data streams of the open's file or directory (FileStreamInformation), from `a`: a file's
 * unnamed stream first (name ""), then the named ones sorted by name. */
struct vfs_stream_info {
	const char *name;        /* without ':' and ":$DATA"; "" for the unnamed stream */
	uint64_t size, alloc_size;
};
NTSTATUS vfs_stream_list(struct vfs_open *op, struct arena *a, struct vfs_stream_info **out,
			 size_t *n);
/* True if the open is of a named stream. */
bool vfs_open_is_stream(const struct vfs_open *op);

/* File-system information for QUERY_INFO (FS classes). */
struct vfs_fsinfo {
	uint64_t total_units, free_units, avail_units;
	uint32_t sectors_per_unit, bytes_per_sector;
	uint32_t max_name_len;
	uint64_t volume_serial;
	uint64_t volume_ctime;
	const char *fs_name;   /* "NTFS" for client compatibility */
};
NTSTATUS vfs_statfs(struct vfs_share *share, struct vfs_fsinfo *out);

/*
 * Directory enumeration for QUERY_DIRECTORY. The listing is taken once per open (and again on
 * restart/reopen) so that resuming across calls is stable; "." and ".." come first.
 * vfs_dir_next returns the next entry matching the pattern (Windows wildcard rules: * ? < > ")
 * or STATUS_NO_MORE_FILES; vfs_dir_unread pushes the last entry back when it did not fit.
 */
struct vfs_dirent {
	const char *name;       /* UTF-8, valid until the next vfs_dir_* call on this open */
	struct vfs_meta meta;
};
/* A pattern longer than MAX_PATH characters is refused (STATUS_OBJECT_NAME_INVALID): no name
 * is that long, and the cost of matching grows with the pattern. */
#define VFS_MAX_PATTERN 260
NTSTATUS vfs_dir_rewind(struct vfs_open *op, const char *pattern);
NTSTATUS vfs_dir_next(struct vfs_open *op, struct vfs_dirent *out);
void vfs_dir_unread(struct vfs_open *op);
/* True if `name` matches the Windows wildcard `pattern` (case-insensitive), in time linear in
 * len(pattern) x len(name); a pattern of more than VFS_MAX_PATTERN characters matches nothing. */
bool vfs_wildcard_match(const char *pattern, const char *name);

/* The 8.3 alternate name (FileAlternateNameInformation) of one name component: the name itself
 * when it already is a valid 8.3 name, else a generated one (docs/VFS.md). Allocated from `a`. */
const char *vfs_short_name(struct arena *a, const char *name);

/* Convert between Unix timespec and NT time. */
uint64_t vfs_nttime_from_unix(int64_t sec, long nsec);
void vfs_unix_from_nttime(uint64_t nt, int64_t *sec, long *nsec);


/*
 * Security descriptors (vfs_acl.c, docs/VFS.md "Security descriptors"). The POSIX owner, group,
 * mode and ACL are the truth and decide access; a DACL a client sets is mapped onto them and also
 * kept as sent, and is shown (and narrows access) only while the POSIX permissions are still the
 * ones it produced. SIDs: uid <-> S-1-22-1-uid, except that uid 0 shows as BUILTIN\Administrators
 * (S-1-5-32-544, which maps back to 0 like S-1-22-1-0); gid <-> S-1-22-2-gid.
 */
struct sd_sid vfs_sid_of_uid(uid_t uid);
struct sd_sid vfs_sid_of_gid(gid_t gid);
bool vfs_uid_of_sid(const struct sd_sid *sid, uid_t *uid);
bool vfs_gid_of_sid(const struct sd_sid *sid, gid_t *gid);
/* The machine domain SID lsarpc answers name lookups with (src/rpc/idmap.h): its algorithmic
 * SIDs (rid 1000 + 2 uid, 1001 + 2 gid) then map to the same uids/gids. Call once at start-up,
 * before serving; without it only S-1-22 and well-known SIDs map. */
void vfs_acl_set_machine_sid(const struct sd_sid *machine);
/* Owner, group and DACL of an open's object (no SACL), allocated from `a`. */
NTSTATUS vfs_get_sd(struct vfs_open *op, struct arena *a, struct sd **out);
/* Apply the parts of sd that secinfo selects (OWNER/GROUP/DACL_SECURITY_INFORMATION); the caller
 * checked WRITE_OWNER / WRITE_DAC. Only root may give an object to another owner, and only SIDs
 * with a Unix id can be owner (STATUS_INVALID_OWNER) or group (STATUS_INVALID_PRIMARY_GROUP). */
NTSTATUS vfs_set_sd(struct vfs_open *op, uint32_t secinfo, const struct sd *sd, struct arena *a);
/* For an object a CREATE has just made: apply what it inherits from its parent's stored DACL
 * and, when the client sent one (SMB2_CREATE_SD_BUFFER), the creator's descriptor. */
NTSTATUS vfs_sd_on_create(struct vfs_open *op, const struct sd *creator, struct arena *a);

#endif
