/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel change notify (vfs_watch.h): one inotify or fanotify instance per watcher, read by a
 * thread of its own. Why a thread and not the transport's event loops: the loops own sockets and know nothing
 * of files (src/net stays free of the VFS), events must be turned into names under a lock the
 * loops never take, and a burst of file-system events must not delay the clients of one loop.
 *
 * Kernel watches ("kwatch", one per directory inode, found by inotify's watch descriptor) carry
 * the directory's absolute path, kept current across renames seen in the event stream. A watch
 * (vfs_watch) is a root path and a recursive flag; a kwatch lives while a watch needs it (its
 * root, or below a recursive root). Everything is guarded by vfs_watcher.lock, taken after any
 * VFS lock and before the callbacks' own locks.
 *
 * With fanotify (a watcher made at start-up as root, vfs_watcher_new_fanotify) the kernel
 * reports every change of the marked file systems, naming the directory by file handle: a
 * kwatch is then no kernel object but the directory's handle (fsid + struct file_handle, from
 * name_to_handle_at), found by hashing it, and an event whose directory is in no kwatch is
 * dropped. Why match handles rather than open_by_handle_at the directory and read its path:
 * open_by_handle_at needs CAP_DAC_READ_SEARCH, which skiffd does not keep after start-up, and
 * costs an open and a readlink per event; the table costs a handle per watched directory and is
 * kept current by the event stream itself (creates, deletes, renames of directories), as the
 * inotify watches are. A rename is one FAN_RENAME event with both names: no pairing by cookie.
 */
#include "vfs/vfs_internal.h"
#include "vfs/vfs_watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define KW_BUCKETS 256
/* How long after the server's own change of a name the kernel's events for it are its own.
 * The kernel's event can reach the reader late when the machine is loaded (smb2.notify.mask-change
 * saw one change twice with 1 s under a loaded CI run); the price is that another program's change
 * of the same name within this time is taken for the server's, which was reported already. */
#define SELF_GRACE_MS 5000
#define SELF_MARKS_MAX 4096
/* An IN_MOVED_FROM waits this long for its IN_MOVED_TO before it counts as a removal. */
#define MOVE_PAIR_WAIT_MS 10

#define FAN_BUF_SIZE 65536

#define KW_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | \
		 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

struct kwatch {
	struct kwatch *next;        /* hash chain */
	int wd;                     /* inotify */
	unsigned char *key;         /* fanotify: fsid + file handle (vfs_watch.h's key) */
	size_t key_len;
	char *path;                 /* absolute, no trailing '/' */
};

struct self_mark {
	struct self_mark *next;
	uint64_t until_ms;
	char path[];                /* absolute */
};

struct vfs_watch {
	struct vfs_watch *next;
	struct vfs_watcher *wr;
	char *root;                 /* absolute path of the watched directory */
	bool recursive;
	vfs_watch_fn fn;
	void *arg;
};

struct vfs_watcher {
	bool fanotify;              /* fd is a fanotify group (kwatches are handles), else inotify */
	int fd;                     /* inotify or fanotify */
	int stop_fd;                /* eventfd: the thread ends */
	pthread_t thread;
	pthread_mutex_t lock;
	/* Guarded by lock: */
	struct kwatch *kw[KW_BUCKETS];
	unsigned nkw, max_kw;
	struct vfs_watch *watches;
	struct self_mark *marks;
	unsigned nmarks;
	unsigned char *fan_buf;     /* fanotify: FAN_BUF_SIZE bytes, read into under lock */
	/* The last IN_MOVED_FROM, waiting for its pair (only the reader thread touches these). */
	uint32_t from_cookie;
	bool from_isdir;
	char *from_path;
	/* Read without the lock: whether anything is watched (vfs_watch_self's fast path). */
	atomic_uint nwatches;
	/* The reader thread starts with the first watch (under lock), not with the server: a
	 * thread keeps the capabilities it was created with, and skiffd drops its privileges
	 * after the server is made (test_privileges checks every thread). */
	bool started;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint32_t vfs_watch_map(uint32_t in_mask, uint32_t *filter)
{
	uint32_t names = (in_mask & IN_ISDIR) ? VFS_WATCH_DIR_NAME : VFS_WATCH_FILE_NAME;

	*filter = 0;
	if (in_mask & (IN_CREATE | IN_MOVED_TO)) {
		*filter = names;
		return VFS_WATCH_ADDED;
	}
	if (in_mask & (IN_DELETE | IN_MOVED_FROM)) {
		*filter = names;
		return VFS_WATCH_REMOVED;
	}
	if (in_mask & IN_MODIFY) {
		*filter = VFS_WATCH_SIZE | VFS_WATCH_LAST_WRITE;
		return VFS_WATCH_MODIFIED;
	}
	if (in_mask & IN_ATTRIB) {
		/* chmod, chown, utimes and xattrs (where DOS attributes, EAs, ACLs and streams live)
		 * all look alike to inotify. */
		*filter = VFS_WATCH_ATTRIBUTES | VFS_WATCH_LAST_WRITE | VFS_WATCH_LAST_ACCESS |
			  VFS_WATCH_CREATION | VFS_WATCH_EA | VFS_WATCH_SECURITY |
			  VFS_WATCH_STREAM_NAME | VFS_WATCH_STREAM_SIZE | VFS_WATCH_STREAM_WRITE;
		return VFS_WATCH_MODIFIED;
	}
	return 0;
}

/* ---- paths ---- */

static char *path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	if (dl == 1 && dir[0] == '/')
		dl = 0;   /* the root: no "//" */
	char *p = malloc(dl + 1 + nl + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	if (!*name)
		p[dl ? dl : 1] = '\0';   /* "" names the directory itself */
	return p;
}

/* `path` below `root` (strictly): the rest after "root/", else NULL. */
static const char *path_below(const char *path, const char *root)
{
	size_t rl = strlen(root);
	if (rl == 1 && root[0] == '/')
		return path[0] == '/' && path[1] ? path + 1 : NULL;
	if (strncmp(path, root, rl) != 0 || path[rl] != '/' || !path[rl + 1])
		return NULL;
	return path + rl + 1;
}

/* Name of `path` relative to the watch, or NULL when it does not cover it. */
static const char *watch_name(const struct vfs_watch *w, const char *path)
{
	const char *rest = path_below(path, w->root);
	if (!rest || (!w->recursive && strchr(rest, '/')))
		return NULL;
	return rest;
}

static bool covered_recursively(const struct vfs_watcher *wr, const char *path)
{
	for (const struct vfs_watch *w = wr->watches; w; w = w->next)
		if (w->recursive && path_below(path, w->root))
			return true;
	return false;
}

/* ---- kernel watches ---- */

static struct kwatch **kw_slot(struct vfs_watcher *wr, int wd)
{
	struct kwatch **pp = &wr->kw[(unsigned)wd % KW_BUCKETS];
	while (*pp && (*pp)->wd != wd)
		pp = &(*pp)->next;
	return pp;
}

static unsigned key_hash(const unsigned char *key, size_t len)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

static struct kwatch **kw_slot_key(struct vfs_watcher *wr, const unsigned char *key, size_t len)
{
	struct kwatch **pp = &wr->kw[key_hash(key, len) % KW_BUCKETS];
	while (*pp && ((*pp)->key_len != len || memcmp((*pp)->key, key, len)))
		pp = &(*pp)->next;
	return pp;
}

/* The key fanotify will name the directory at `path` by (vfs_watch.h); false if it has gone. */
static bool dir_key(const char *path, unsigned char *key, size_t *len)
{
	struct statfs sf;
	union {
		struct file_handle fh;
		unsigned char room[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mount_id;

	if (statfs(path, &sf) != 0)
		return false;
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) != 0 ||
	    h.fh.handle_bytes > VFS_FAN_KEY_MAX - 16)
		return false;
	_Static_assert(sizeof(sf.f_fsid) == 8, "fsid");
	memcpy(key, &sf.f_fsid, 8);
	memcpy(key + 8, &h.fh, 8 + h.fh.handle_bytes);   /* handle_bytes, handle_type, f_handle */
	*len = 16 + h.fh.handle_bytes;
	return true;
}

static void kw_drop(struct vfs_watcher *wr, struct kwatch **pp, bool kernel_too)
{
	struct kwatch *k = *pp;
	*pp = k->next;
	if (kernel_too && !wr->fanotify)
		inotify_rm_watch(wr->fd, k->wd);
	free(k->key);
	free(k->path);
	free(k);
	wr->nkw--;
}

/* kw_add for fanotify: remember the directory's handle. */
static bool kw_add_handle(struct vfs_watcher *wr, const char *path)
{
	unsigned char key[VFS_FAN_KEY_MAX];
	size_t len;

	if (!dir_key(path, key, &len))
		return true;   /* gone, or no handle: nothing to watch */
	struct kwatch **pp = kw_slot_key(wr, key, len);
	if (*pp) {
		/* The same directory (moved without our seeing it, or again): its path now. */
		char *p = strdup(path);
		if (p) {
			free((*pp)->path);
			(*pp)->path = p;
		}
		return true;
	}
	struct kwatch *k = calloc(1, sizeof(*k));
	if (!k || !(k->path = strdup(path)) || !(k->key = malloc(len))) {
		if (k)
			free(k->path);
		free(k);
		return false;
	}
	memcpy(k->key, key, len);
	k->key_len = len;
	k->wd = -1;
	*pp = k;
	wr->nkw++;
	return true;
}

/* Watch the directory at `path`; false when the limit (ours or the kernel's) is reached. A
 * directory that has gone or may not be read is no failure: there is nothing to watch. */
static bool kw_add(struct vfs_watcher *wr, const char *path)
{
	if (wr->nkw >= wr->max_kw)
		return false;
	if (wr->fanotify)
		return kw_add_handle(wr, path);
	int wd = inotify_add_watch(wr->fd, path, KW_MASK);
	if (wd < 0)
		return errno != ENOSPC && errno != ENOMEM;
	struct kwatch **pp = kw_slot(wr, wd);
	if (*pp)
		return true;   /* the same directory, already watched */
	struct kwatch *k = calloc(1, sizeof(*k));
	if (!k || !(k->path = strdup(path))) {
		free(k);
		inotify_rm_watch(wr->fd, wd);
		return false;
	}
	k->wd = wd;
	*pp = k;
	wr->nkw++;
	return true;
}

static bool kw_needed(const struct vfs_watcher *wr, const char *path)
{
	for (const struct vfs_watch *w = wr->watches; w; w = w->next)
		if (!strcmp(path, w->root) || (w->recursive && path_below(path, w->root)))
			return true;
	return false;
}

/* Drop the kernel watches no watch needs any more. */
static void kw_collect(struct vfs_watcher *wr)
{
	for (unsigned b = 0; b < KW_BUCKETS; b++)
		for (struct kwatch **pp = &wr->kw[b]; *pp;) {
			if (kw_needed(wr, (*pp)->path))
				pp = &(*pp)->next;
			else
				kw_drop(wr, pp, true);
		}
}

/* Drop the kernel watches at or below `path` (a directory that moved out of sight). */
static void kw_drop_tree(struct vfs_watcher *wr, const char *path)
{
	for (unsigned b = 0; b < KW_BUCKETS; b++)
		for (struct kwatch **pp = &wr->kw[b]; *pp;) {
			if (!strcmp((*pp)->path, path) || path_below((*pp)->path, path))
				kw_drop(wr, pp, true);
			else
				pp = &(*pp)->next;
		}
}

/* `from` was renamed to `to`: every path at or below it follows. */
static char *path_moved(const char *p, const char *from, const char *to)
{
	const char *rest = path_below(p, from);
	if (strcmp(p, from) && !rest)
		return NULL;
	return path_join(to, rest ? rest : "");
}

static void paths_moved(struct vfs_watcher *wr, const char *from, const char *to)
{
	for (unsigned b = 0; b < KW_BUCKETS; b++)
		for (struct kwatch *k = wr->kw[b]; k; k = k->next) {
			char *np = path_moved(k->path, from, to);
			if (np) {
				free(k->path);
				k->path = np;
			}
		}
	for (struct vfs_watch *w = wr->watches; w; w = w->next) {
		char *np = path_moved(w->root, from, to);
		if (np) {
			free(w->root);
			w->root = np;
		}
	}
}

/* ---- reporting ---- */

/* The live mark of `path` (NULL if none); expired marks go on the way. */
static struct self_mark *mark_find(struct vfs_watcher *wr, const char *path)
{
	uint64_t now = now_ms();
	struct self_mark *found = NULL;

	for (struct self_mark **pp = &wr->marks; *pp;) {
		struct self_mark *m = *pp;
		if (m->until_ms < now) {
			*pp = m->next;
			free(m);
			wr->nmarks--;
			continue;
		}
		if (!found && !strcmp(m->path, path))
			found = m;
		pp = &m->next;
	}
	return found;
}

static bool self_made(struct vfs_watcher *wr, const char *path)
{
	return mark_find(wr, path) != NULL;
}

static void report_all(struct vfs_watcher *wr, uint32_t action, uint32_t filter, const char *path)
{
	for (struct vfs_watch *w = wr->watches; w; w = w->next) {
		const char *name = watch_name(w, path);
		if (name)
			w->fn(w->arg, action, filter, name);
	}
}

static void report_overflow(struct vfs_watcher *wr, const char *path)
{
	for (struct vfs_watch *w = wr->watches; w; w = w->next)
		if (!path || !strcmp(path, w->root) || path_below(path, w->root) ||
		    path_below(w->root, path))
			w->fn(w->arg, VFS_WATCH_OVERFLOW, 0, NULL);
}

/*
 * Watch the tree below `path` (itself included) for the recursive watches; when `report`, what
 * is found in it was made before its watch existed and is reported as added. Depth-first, bounded
 * by the watch limit: past it the covering watches are told of an overflow.
 */
static bool add_tree(struct vfs_watcher *wr, const char *path, bool report)
{
	if (!kw_add(wr, path)) {
		report_overflow(wr, path);
		return false;
	}
	DIR *d = opendir(path);
	if (!d)
		return true;
	struct dirent *de;
	bool ok = true;
	while (ok && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = path_join(path, de->d_name);
		if (!child)
			break;
		bool isdir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			isdir = lstat(child, &st) == 0 && S_ISDIR(st.st_mode);
		}
		if (report && !self_made(wr, child))
			report_all(wr, VFS_WATCH_ADDED, isdir ? VFS_WATCH_DIR_NAME : VFS_WATCH_FILE_NAME,
				   child);
		if (isdir)
			ok = add_tree(wr, child, report);
		free(child);
	}
	closedir(d);
	return ok;
}

static void report_rename(struct vfs_watcher *wr, const char *from, const char *to, bool isdir)
{
	uint32_t filter = isdir ? VFS_WATCH_DIR_NAME : VFS_WATCH_FILE_NAME;
	const char *fs = strrchr(from, '/'), *ts = strrchr(to, '/');
	bool same_dir = fs - from == ts - to && !strncmp(from, to, (size_t)(fs - from));

	for (struct vfs_watch *w = wr->watches; w; w = w->next) {
		const char *o = watch_name(w, from), *n = watch_name(w, to);
		if (o && n && same_dir) {
			w->fn(w->arg, VFS_WATCH_RENAMED_OLD_NAME, filter, o);
			w->fn(w->arg, VFS_WATCH_RENAMED_NEW_NAME, filter, n);
			continue;
		}
		/* Across directories Windows reports a removal and an addition. */
		if (o)
			w->fn(w->arg, VFS_WATCH_REMOVED, filter, o);
		if (n)
			w->fn(w->arg, VFS_WATCH_ADDED, filter, n);
	}
}

/* An IN_MOVED_FROM that no IN_MOVED_TO followed: the name left every watched directory. */
static void flush_moved_from(struct vfs_watcher *wr)
{
	if (!wr->from_path)
		return;
	if (!self_made(wr, wr->from_path))
		report_all(wr, VFS_WATCH_REMOVED,
			   wr->from_isdir ? VFS_WATCH_DIR_NAME : VFS_WATCH_FILE_NAME, wr->from_path);
	if (wr->from_isdir)
		kw_drop_tree(wr, wr->from_path);
	free(wr->from_path);
	wr->from_path = NULL;
}

static void handle_moved_to(struct vfs_watcher *wr, const struct inotify_event *ev, char *path)
{
	bool isdir = ev->mask & IN_ISDIR;

	if (wr->from_path && ev->cookie == wr->from_cookie) {
		char *from = wr->from_path;
		wr->from_path = NULL;
		if (isdir)
			paths_moved(wr, from, path);
		if (!self_made(wr, from) && !self_made(wr, path))
			report_rename(wr, from, path, isdir);
		free(from);
		if (isdir) {
			if (covered_recursively(wr, path))
				add_tree(wr, path, false);   /* it may come from outside a tree */
			kw_collect(wr);                      /* or leave one */
		}
		return;
	}
	flush_moved_from(wr);
	if (!self_made(wr, path))
		report_all(wr, VFS_WATCH_ADDED, isdir ? VFS_WATCH_DIR_NAME : VFS_WATCH_FILE_NAME, path);
	if (isdir && covered_recursively(wr, path))
		add_tree(wr, path, false);
}

static void handle_event(struct vfs_watcher *wr, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		flush_moved_from(wr);
		report_overflow(wr, NULL);
		return;
	}
	struct kwatch **pp = kw_slot(wr, ev->wd);
	if (!*pp)
		return;
	if (ev->mask & IN_IGNORED) {   /* the directory is gone, or we removed the watch */
		kw_drop(wr, pp, false);
		return;
	}
	if (!ev->len || !ev->name[0])
		return;   /* the watched directory's own events: its parent's watch reports them */
	char *path = path_join((*pp)->path, ev->name);
	if (!path)
		return;
	if (ev->mask & IN_MOVED_FROM) {
		flush_moved_from(wr);
		wr->from_path = path;
		wr->from_cookie = ev->cookie;
		wr->from_isdir = ev->mask & IN_ISDIR;
		return;
	}
	if (ev->mask & IN_MOVED_TO) {
		handle_moved_to(wr, ev, path);
		free(path);
		return;
	}
	flush_moved_from(wr);
	uint32_t filter, action = vfs_watch_map(ev->mask, &filter);
	if (action && !self_made(wr, path))
		report_all(wr, action, filter, path);
	if ((ev->mask & (IN_CREATE | IN_ISDIR)) == (IN_CREATE | IN_ISDIR) &&
	    covered_recursively(wr, path))
		add_tree(wr, path, true);
	free(path);
}

/* ---- fanotify ---- */

/* The absolute path a record names (its directory's path, then the name; "." is the directory
 * itself), or NULL when the directory is not one we watch. */
static char *fan_path(struct vfs_watcher *wr, const struct vfs_fan_ref *ref)
{
	struct kwatch *k = *kw_slot_key(wr, ref->key, ref->key_len);
	if (!k)
		return NULL;
	if (!strcmp(ref->name, "."))
		return strdup(k->path);
	if (strchr(ref->name, '/') || !strcmp(ref->name, ".."))
		return NULL;   /* not a name in a directory: trust nothing else */
	return path_join(k->path, ref->name);
}

/* A rename: both names if both directories are watched, else what the watched side sees. */
static void fan_rename(struct vfs_watcher *wr, const char *from, const char *to, bool isdir)
{
	uint32_t names = isdir ? VFS_WATCH_DIR_NAME : VFS_WATCH_FILE_NAME;

	if (from && to) {
		if (isdir)
			paths_moved(wr, from, to);
		if (!self_made(wr, from) && !self_made(wr, to))
			report_rename(wr, from, to, isdir);
		if (isdir) {
			if (covered_recursively(wr, to))
				add_tree(wr, to, false);   /* it may come from outside a tree */
			kw_collect(wr);                    /* or leave one */
		}
	} else if (from) {
		if (!self_made(wr, from))
			report_all(wr, VFS_WATCH_REMOVED, names, from);
		if (isdir)
			kw_drop_tree(wr, from);
	} else if (to) {
		if (!self_made(wr, to))
			report_all(wr, VFS_WATCH_ADDED, names, to);
		if (isdir && covered_recursively(wr, to))
			add_tree(wr, to, false);
	}
}

/* One mask bit's change of `path`, and the kwatches it makes or ends. */
static void fan_change(struct vfs_watcher *wr, uint64_t bit, bool isdir, const char *path)
{
	uint32_t filter, action = vfs_fan_map(bit, isdir, &filter);

	if (action && !self_made(wr, path))
		report_all(wr, action, filter, path);
	/* Every change below a new directory is in the queue after its creation (the marks cover
	 * the whole file system): its content is not reported again from a walk. */
	if (bit == FAN_CREATE && isdir && covered_recursively(wr, path))
		add_tree(wr, path, false);
	if (bit == FAN_DELETE && isdir)
		kw_drop_tree(wr, path);
}

static void fan_event(struct vfs_watcher *wr, const struct vfs_fan_event *ev)
{
	bool isdir = ev->mask & FAN_ONDIR;

	if (ev->mask & FAN_Q_OVERFLOW) {
		report_overflow(wr, NULL);
		return;
	}
	if (ev->mask & FAN_RENAME) {
		char *from = ev->has_old ? fan_path(wr, &ev->old_dir) : NULL;
		char *to = ev->has_new ? fan_path(wr, &ev->new_dir) : NULL;
		fan_rename(wr, from, to, isdir);
		free(from);
		free(to);
	}
	if (!ev->has_dir)
		return;
	char *path = fan_path(wr, &ev->dir);
	if (!path)
		return;   /* outside every watched directory: most of a file system's events */
	/* The kernel merges a name's events while they wait: a create and a delete in one event
	 * happened in the order the name's existence now tells. */
	bool create = ev->mask & FAN_CREATE, del = ev->mask & FAN_DELETE;
	struct stat st;
	bool delete_first = create && del && lstat(path, &st) == 0;
	if (delete_first)
		fan_change(wr, FAN_DELETE, isdir, path);
	if (create)
		fan_change(wr, FAN_CREATE, isdir, path);
	if (ev->mask & FAN_CLOSE_WRITE)
		fan_change(wr, FAN_CLOSE_WRITE, isdir, path);
	if (ev->mask & FAN_ATTRIB)
		fan_change(wr, FAN_ATTRIB, isdir, path);
	if (del && !delete_first)
		fan_change(wr, FAN_DELETE, isdir, path);
	free(path);
}

static void fan_read(struct vfs_watcher *wr, const unsigned char *buf, size_t len)
{
	struct vfs_fan_event ev;
	size_t used;

	for (size_t off = 0; off < len; off += used) {
		bool ok = vfs_fan_parse(buf + off, len - off, &ev, &used);
		if (used == 0)
			break;
		if (ok)
			fan_event(wr, &ev);
	}
}

/*
 * Read and handle everything the kernel has queued (under the lock). The reader thread does it
 * when woken, and vfs_watch_add before it links a watch: the marks see the whole file system
 * whether anything is watched or not, so a new watch must not be told of what was queued before
 * it (inotify would not have seen it, and the server did not mark its own changes while nothing
 * was watched). Reading under the lock means no batch read earlier is handled after.
 */
static void fan_catch_up(struct vfs_watcher *wr)
{
	ssize_t len;

	while ((len = read(wr->fd, wr->fan_buf, FAN_BUF_SIZE)) > 0)
		fan_read(wr, wr->fan_buf, (size_t)len);
}

static void *watcher_main(void *arg)
{
	struct vfs_watcher *wr = arg;
	/* Aligned for struct inotify_event; room for many events per read. */
	static _Thread_local char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		struct pollfd pfd[2] = { { wr->fd, POLLIN, 0 }, { wr->stop_fd, POLLIN, 0 } };
		int n = poll(pfd, 2, wr->from_path ? MOVE_PAIR_WAIT_MS : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (n == 0) {
			pthread_mutex_lock(&wr->lock);
			flush_moved_from(wr);
			pthread_mutex_unlock(&wr->lock);
			continue;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (wr->fanotify) {
			pthread_mutex_lock(&wr->lock);
			fan_catch_up(wr);
			pthread_mutex_unlock(&wr->lock);
			continue;
		}
		ssize_t len = read(wr->fd, buf, sizeof(buf));
		if (len <= 0)
			continue;
		pthread_mutex_lock(&wr->lock);
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= len;) {
			const struct inotify_event *ev = (const struct inotify_event *)(buf + off);
			handle_event(wr, ev);
			off += (ssize_t)(sizeof(*ev) + ev->len);
		}
		pthread_mutex_unlock(&wr->lock);
	}
	return NULL;
}

/* ---- the API ---- */

struct vfs_watcher *vfs_watcher_new(unsigned max_dirs)
{
	struct vfs_watcher *wr = calloc(1, sizeof(*wr));
	if (!wr)
		return NULL;
	wr->max_kw = max_dirs;
	wr->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	wr->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wr->fd < 0 || wr->stop_fd < 0) {
		log_warn("vfs: no kernel change notify (inotify: %s); only this server's own changes "
			 "are reported", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&wr->lock, NULL);
	atomic_init(&wr->nwatches, 0);
	return wr;
fail:
	if (wr->fd >= 0)
		close(wr->fd);
	if (wr->stop_fd >= 0)
		close(wr->stop_fd);
	free(wr);
	return NULL;
}

/* fanotify's file-system mark: the changes a client may watch. FAN_CLOSE_WRITE rather than
 * FAN_MODIFY: see vfs_fan_map. */
#define FAN_WATCH_MASK (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_CLOSE_WRITE | FAN_ATTRIB | \
			FAN_ONDIR)

struct vfs_watcher *vfs_watcher_new_fanotify(unsigned max_dirs, char *why, size_t whylen)
{
	struct vfs_watcher *wr = calloc(1, sizeof(*wr));
	if (!wr) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	wr->fanotify = true;
	wr->max_kw = max_dirs;
	wr->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC | FAN_NONBLOCK,
			       O_RDONLY | O_LARGEFILE);
	if (wr->fd < 0) {
		snprintf(why, whylen, "fanotify_init: %s", strerror(errno));
		free(wr);
		return NULL;
	}
	wr->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	wr->fan_buf = malloc(FAN_BUF_SIZE);
	if (wr->stop_fd < 0 || !wr->fan_buf) {
		snprintf(why, whylen, "eventfd: %s", strerror(errno));
		if (wr->stop_fd >= 0)
			close(wr->stop_fd);
		close(wr->fd);
		free(wr->fan_buf);
		free(wr);
		return NULL;
	}
	pthread_mutex_init(&wr->lock, NULL);
	atomic_init(&wr->nwatches, 0);
	return wr;
}

bool vfs_watcher_mark(struct vfs_watcher *wr, const char *path, char *why, size_t whylen)
{
	unsigned char key[VFS_FAN_KEY_MAX];
	size_t len;

	/* A file system whose handles name_to_handle_at cannot give could not be matched. */
	if (!dir_key(path, key, &len)) {
		snprintf(why, whylen, "no file handle for %s: %s", path, strerror(errno));
		return false;
	}
	if (fanotify_mark(wr->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_WATCH_MASK, AT_FDCWD,
			  path) != 0) {
		snprintf(why, whylen, "fanotify_mark %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

void vfs_watcher_free(struct vfs_watcher *wr)
{
	if (!wr)
		return;
	if (wr->started) {
		uint64_t one = 1;
		if (write(wr->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_warn("vfs: cannot stop the change-notify thread");
		pthread_join(wr->thread, NULL);
	}
	for (unsigned b = 0; b < KW_BUCKETS; b++)
		while (wr->kw[b])
			kw_drop(wr, &wr->kw[b], false);
	while (wr->marks) {
		struct self_mark *m = wr->marks;
		wr->marks = m->next;
		free(m);
	}
	free(wr->from_path);
	free(wr->fan_buf);
	close(wr->fd);
	close(wr->stop_fd);
	pthread_mutex_destroy(&wr->lock);
	free(wr);
}

void vfs_share_set_watcher(struct vfs_share *share, struct vfs_watcher *wr)
{
	share->watcher = wr;
}

NTSTATUS vfs_watch_add(struct vfs_open *dir, bool recursive, vfs_watch_fn fn, void *arg,
		       struct vfs_watch **out)
{
	struct vfs_watcher *wr = dir->share->watcher;

	*out = NULL;
	if (!wr)
		return STATUS_SUCCESS;
	struct vfs_watch *w = calloc(1, sizeof(*w));
	if (!w || !(w->root = path_join(dir->share->path, vfs_open_path(dir)))) {
		free(w);
		return STATUS_NO_MEMORY;
	}
	/* path_join made "share/" of the root's "": no trailing '/'. */
	size_t rl = strlen(w->root);
	if (rl > 1 && w->root[rl - 1] == '/')
		w->root[rl - 1] = '\0';
	w->wr = wr;
	w->recursive = recursive;
	w->fn = fn;
	w->arg = arg;

	pthread_mutex_lock(&wr->lock);
	if (wr->fanotify)
		fan_catch_up(wr);   /* before the watch is linked */
	if (!wr->started) {
		wr->started = pthread_create(&wr->thread, NULL, watcher_main, wr) == 0;
		if (!wr->started)
			log_warn("vfs: no kernel change notify (no thread); only this server's own "
				 "changes are reported");
	}
	w->next = wr->watches;
	wr->watches = w;
	atomic_fetch_add(&wr->nwatches, 1);
	if (recursive)
		add_tree(wr, w->root, false);
	else if (!kw_add(wr, w->root))
		fn(arg, VFS_WATCH_OVERFLOW, 0, NULL);
	pthread_mutex_unlock(&wr->lock);
	*out = w;
	return STATUS_SUCCESS;
}

void vfs_watch_remove(struct vfs_watch *w)
{
	if (!w)
		return;
	struct vfs_watcher *wr = w->wr;

	pthread_mutex_lock(&wr->lock);
	for (struct vfs_watch **pp = &wr->watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	atomic_fetch_sub(&wr->nwatches, 1);
	kw_collect(wr);
	pthread_mutex_unlock(&wr->lock);
	free(w->root);
	free(w);
}

void vfs_watch_self(struct vfs_share *share, const char *relpath)
{
	struct vfs_watcher *wr = share->watcher;

	if (!wr || atomic_load_explicit(&wr->nwatches, memory_order_relaxed) == 0)
		return;
	char *abs = path_join(share->path, relpath);
	if (!abs)
		return;
	char *colon = strchr(abs, ':');   /* a stream's changes are its file's to the kernel */
	if (colon)
		*colon = '\0';
	for (size_t l = strlen(abs); l > 1 && abs[l - 1] == '/'; l--)
		abs[l - 1] = '\0';
	uint64_t until = now_ms() + SELF_GRACE_MS;
	pthread_mutex_lock(&wr->lock);
	struct self_mark *m = mark_find(wr, abs);
	if (m) {
		m->until_ms = until;
	} else if (wr->nmarks < SELF_MARKS_MAX) {
		size_t size = strlen(abs) + 1;
		m = malloc(sizeof(*m) + size);
		if (m) {
			memcpy(m->path, abs, size);
			m->until_ms = until;
			m->next = wr->marks;
			wr->marks = m;
			wr->nmarks++;
		}
	}
	pthread_mutex_unlock(&wr->lock);
	free(abs);
}

void vfs_watch_self_open(struct vfs_open *op)
{
	struct vfs_watcher *wr = op->share->watcher;

	if (!wr || atomic_load_explicit(&wr->nwatches, memory_order_relaxed) == 0)
		return;
	vfs_table_lock_file(op->file);
	char *path = strdup(vfs_file_of(op)->path);
	vfs_table_unlock_file(op->file);
	if (path)
		vfs_watch_self(op->share, path);
	free(path);
}
