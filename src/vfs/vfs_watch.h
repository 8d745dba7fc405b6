/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File-system change watching (MS-FSA 2.1.5.10's ChangeNotify, fed by the kernel): one inotify
 * instance and one reader thread per server (struct vfs_watcher), a kernel watch per watched
 * directory and, for a recursive watch, per directory below it, shared by the watches that need
 * it. A change in a watched tree, whoever made it (a local program, NFS, another server), is
 * reported to each watch that covers it as an action, a completion filter and a name relative to
 * the watched directory. The VFS knows no SMB: actions and filters are MS-FSCC's values.
 */
#ifndef SKIFF_VFS_WATCH_H
#define SKIFF_VFS_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

/* MS-FSCC 2.4.42 FILE_NOTIFY_INFORMATION Action values. */
#define VFS_WATCH_ADDED 0x1
#define VFS_WATCH_REMOVED 0x2
#define VFS_WATCH_MODIFIED 0x3
#define VFS_WATCH_RENAMED_OLD_NAME 0x4
#define VFS_WATCH_RENAMED_NEW_NAME 0x5
/* Not an MS-FSCC action: changes were lost (queue overflow, watch limit); re-read the tree. */
#define VFS_WATCH_OVERFLOW 0x100

/* MS-SMB2 2.2.35 / MS-FSA CompletionFilter bits. */
#define VFS_WATCH_FILE_NAME 0x001
#define VFS_WATCH_DIR_NAME 0x002
#define VFS_WATCH_ATTRIBUTES 0x004
#define VFS_WATCH_SIZE 0x008
#define VFS_WATCH_LAST_WRITE 0x010
#define VFS_WATCH_LAST_ACCESS 0x020
#define VFS_WATCH_CREATION 0x040
#define VFS_WATCH_EA 0x080
#define VFS_WATCH_SECURITY 0x100
#define VFS_WATCH_STREAM_NAME 0x200
#define VFS_WATCH_STREAM_SIZE 0x400
#define VFS_WATCH_STREAM_WRITE 0x800

struct vfs_share;
struct vfs_open;
struct vfs_watcher;
struct vfs_watch;

/*
 * Start the server's watcher: an inotify instance read by a thread of its own, with at most
 * max_dirs kernel watches in all. NULL (logged) when the kernel refuses; shares then have no
 * kernel change notify.
 */
struct vfs_watcher *vfs_watcher_new(unsigned max_dirs);
/*
 * The same fed by fanotify (FAN_REPORT_DFID_NAME, file-system marks): no kernel watch per
 * directory; events name their directory by file handle, matched to the handles of the watched
 * directories (at most max_dirs). Needs CAP_SYS_ADMIN, so it is made, and its file systems
 * marked (vfs_watcher_mark), at start-up before privileges are dropped. NULL with the reason in
 * `why` when the kernel refuses.
 */
struct vfs_watcher *vfs_watcher_new_fanotify(unsigned max_dirs, char *why, size_t whylen);
/* Have a fanotify watcher see the file system `path` is on; false (reason in `why`) when it
 * cannot (no CAP_SYS_ADMIN, or a file system that reports no file handles): use inotify. */
bool vfs_watcher_mark(struct vfs_watcher *wr, const char *path, char *why, size_t whylen);
/* Stop the thread and drop every kernel watch; every vfs_watch must be removed first. */
void vfs_watcher_free(struct vfs_watcher *wr);
/* Kernel change notify for this share (NULL: none). Set before the share is used. */
void vfs_share_set_watcher(struct vfs_share *share, struct vfs_watcher *wr);

/*
 * A change under a watch: `name` is relative to the watched directory, '/'-separated, NULL for
 * VFS_WATCH_OVERFLOW. Called on the watcher's thread (or in vfs_watch_add for an overflow) with
 * the watcher's lock held: it must be short and must not call vfs_watch_*.
 */
typedef void (*vfs_watch_fn)(void *arg, uint32_t action, uint32_t filter, const char *name);

/*
 * Watch the directory `dir` is open on (and, when recursive, every directory below it, as they
 * come and go). *out is NULL, with STATUS_SUCCESS, when the share has no watcher. A tree with more
 * directories than the limit allows is watched in part and reported once as an overflow. Kernel
 * watches are added with the calling thread's identity.
 */
NTSTATUS vfs_watch_add(struct vfs_open *dir, bool recursive, vfs_watch_fn fn, void *arg,
		       struct vfs_watch **out);
/* Stop watching; once it returns, fn is not running and will not be called again. */
void vfs_watch_remove(struct vfs_watch *w);

/*
 * The server itself is about to change `relpath` of the share (it reports that change itself,
 * precisely): the kernel's events for that name in the next moments are not reported again.
 * Costs an atomic load when nothing is watched.
 */
void vfs_watch_self(struct vfs_share *share, const char *relpath);

/*
 * The pure mapping of one inotify event mask to an action and the completion-filter bits it
 * matches; 0 when the event reports nothing (IN_CLOSE_*, IN_OPEN, IN_ACCESS, the watch's own
 * events). IN_MOVED_FROM/TO map to REMOVED/ADDED here; the reader pairs them into renames.
 */
uint32_t vfs_watch_map(uint32_t in_mask, uint32_t *filter);

/* ---- fanotify events (vfs_watch_fan.c), pure, for the reader and the unit tests ---- */

/* A directory and a name in it, as a fanotify info record gives them; pointers into the read
 * buffer. key (key_len bytes) is the file system's id and the directory's file handle. */
struct vfs_fan_ref {
	const unsigned char *key;
	size_t key_len;
	const char *name;
};
/* One event: its mask, and the directory + name it names (rename: old and new). */
struct vfs_fan_event {
	uint64_t mask;
	bool has_dir, has_old, has_new;
	struct vfs_fan_ref dir, old_dir, new_dir;
};
/* The key of a directory: fsid (8 bytes) then a struct file_handle (its 8-byte header and
 * handle_bytes). At most VFS_FAN_KEY_MAX bytes. */
#define VFS_FAN_KEY_MAX (8 + 8 + 128)
/*
 * Parse the next event of `len` bytes read from a fanotify descriptor: *used is its length (0:
 * no whole event left). false for an event that cannot be read (bad version, lengths that do
 * not fit, a name without its terminator): it is skipped by *used when that is known.
 */
bool vfs_fan_parse(const unsigned char *buf, size_t len, struct vfs_fan_event *ev, size_t *used);
/* The action and completion-filter bits of one fanotify mask bit (FAN_CREATE, FAN_DELETE,
 * FAN_CLOSE_WRITE, FAN_ATTRIB; FAN_ONDIR makes names directory names); 0 for anything else. */
uint32_t vfs_fan_map(uint64_t bit, bool isdir, uint32_t *filter);

#endif
