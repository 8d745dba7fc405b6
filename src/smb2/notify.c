/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CHANGE_NOTIFY (MS-SMB2 3.3.5.19, 3.3.4.4): watches on directory opens, fed by two sources:
 * the changes this server itself makes (create, delete, rename, attribute and size changes),
 * reported exactly as Windows does by the handlers (smb2_notify_event), and, on shares with
 * "kernel change notify" (the default), every other change of the tree, seen by the kernel
 * (vfs_watch.c: local programs, NFS, another server). The VFS drops the kernel's events for the
 * names this server has just changed itself, so each change is reported once.
 *
 * Every watch sits in the server's list (struct smb2_notify, smb2_server.notify) guarded by its
 * `lock`; a change found on any strand (or the VFS watcher's thread) is queued on the watch and
 * the watching connection is woken to answer its parked request on its own strand.
 * smb2_open.notify is guarded by that lock too. Lock order: the VFS watcher's lock → `lock`;
 * nothing but the transport is called under it.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/utf16.h"
#include "net/net.h"
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/notify.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/wire/change_notify.h"
#include "vfs/vfs.h"
#include "vfs/vfs_watch.h"

/* The VFS speaks MS-FSCC's numbers too. */
_Static_assert(VFS_WATCH_ADDED == FILE_ACTION_ADDED && VFS_WATCH_REMOVED == FILE_ACTION_REMOVED &&
	       VFS_WATCH_MODIFIED == FILE_ACTION_MODIFIED &&
	       VFS_WATCH_RENAMED_OLD_NAME == FILE_ACTION_RENAMED_OLD_NAME &&
	       VFS_WATCH_RENAMED_NEW_NAME == FILE_ACTION_RENAMED_NEW_NAME, "FILE_ACTION_*");
_Static_assert(VFS_WATCH_FILE_NAME == FILE_NOTIFY_CHANGE_FILE_NAME &&
	       VFS_WATCH_DIR_NAME == FILE_NOTIFY_CHANGE_DIR_NAME &&
	       VFS_WATCH_SECURITY == FILE_NOTIFY_CHANGE_SECURITY &&
	       VFS_WATCH_STREAM_WRITE == FILE_NOTIFY_CHANGE_STREAM_WRITE, "FILE_NOTIFY_CHANGE_*");

#define NOTIFY_MAX_QUEUED 1024   /* events kept per watch before reporting an overflow */
#define NOTIFY_MAX_PARKED 16     /* CHANGE_NOTIFYs waiting on one open */

struct notify_event {
	struct notify_event *next;
	uint32_t action;
	char name[];                  /* relative to the watched directory, '/'-separated */
};

/* The changes a woken request answers with: what was queued when it was woken. */
struct notify_batch {
	uint64_t async_id;
	struct notify_event *events;
	bool overflow;
};

struct notify_watch {
	struct notify_watch *next;
	struct smb2_notify *n;
	struct vfs_watch *kernel;     /* the kernel's view of the tree, NULL when off */
	bool dead;                    /* unlinked: the kernel's last events are dropped */
	bool delete_pending;          /* the directory is going: new requests fail */
	struct vfs_share *share;
	uint64_t dev, ino;            /* the watched directory */
	char *dir;                    /* watched directory, share-relative ("" = root) */
	bool recursive;
	uint32_t filter;
	struct net_conn *nc;          /* referenced */
	/* Parked requests waiting for events, oldest first: a change answers the oldest, the next
	 * change the next (smb2.notify.mask-change sends two on one handle). */
	uint64_t parked[NOTIFY_MAX_PARKED];
	unsigned nparked;
	struct notify_batch ready[NOTIFY_MAX_PARKED];   /* woken, not yet answered */
	unsigned nready;
	struct notify_event *events, **tail;
	unsigned nevents;
	/* What the queued events take as FILE_NOTIFY_INFORMATION entries, against the watch's
	 * buffer: the OutputBufferLength of the first CHANGE_NOTIFY on the open (as Windows, whose
	 * change buffer is made with the first request: smb2.notify.valid-req). */
	size_t queued_bytes;
	uint32_t buffer_size;
	bool overflow;
};

/* The server's watches (smb2_server.notify): `lock` guards the list, every watch on it and
 * smb2_open.notify. */
struct smb2_notify {
	pthread_mutex_t lock;
	struct notify_watch *watches;
	/* Watches on the list, read without the lock by smb2_notify_event's fast path. */
	atomic_uint nwatches;
	/* Made by the first share that uses each (smb2_notify_attach, at start-up). */
	struct vfs_watcher *inotify, *fanotify;
	bool fanotify_tried;
};

struct smb2_notify *smb2_notify_new(void)
{
	struct smb2_notify *n = calloc(1, sizeof(*n));

	if (n) {
		pthread_mutex_init(&n->lock, NULL);
		atomic_init(&n->nwatches, 0);
	}
	return n;
}

void smb2_notify_free(struct smb2_notify *n)
{
	if (!n)
		return;
	/* Opens are closed before the server goes, and each close drops its watch. */
	vfs_watcher_free(n->inotify);
	vfs_watcher_free(n->fanotify);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

void smb2_notify_attach(struct smb2_notify *n, struct vfs_share *share, unsigned max_dirs,
			int mode, const char *name, const char *path)
{
	char why[256] = "";

	/* auto: fanotify when it can (root, and a file system that reports file handles): a tree
	 * of any size is then watched without a kernel watch per directory. */
	if (mode == CFG_KERNEL_NOTIFY_AUTO || mode == CFG_KERNEL_NOTIFY_FANOTIFY) {
		if (!n->fanotify && !n->fanotify_tried) {
			n->fanotify_tried = true;
			n->fanotify = vfs_watcher_new_fanotify(max_dirs, why, sizeof(why));
		}
		if (n->fanotify && vfs_watcher_mark(n->fanotify, path, why, sizeof(why))) {
			vfs_share_set_watcher(share, n->fanotify);
			log_info("share [%s]: kernel change notify by fanotify (file-system mark)", name);
			return;
		}
		if (!why[0])
			snprintf(why, sizeof(why), "fanotify unavailable");
	}
	if (!n->inotify)
		n->inotify = vfs_watcher_new(max_dirs);
	vfs_share_set_watcher(share, n->inotify);
	if (!n->inotify)
		return;   /* vfs_watcher_new said why */
	if (mode == CFG_KERNEL_NOTIFY_FANOTIFY)
		log_warn("share [%s]: kernel change notify by inotify, not fanotify (%s)", name, why);
	else if (mode == CFG_KERNEL_NOTIFY_AUTO)
		log_info("share [%s]: kernel change notify by inotify (%s)", name, why);
	else
		log_info("share [%s]: kernel change notify by inotify", name);
}

static void event_list_free(struct notify_event *e)
{
	while (e) {
		struct notify_event *n = e->next;
		free(e);
		e = n;
	}
}

static void events_free(struct notify_watch *w)
{
	event_list_free(w->events);
	w->events = NULL;
	w->tail = &w->events;
	w->nevents = 0;
	w->queued_bytes = 0;
}

/* The bytes `name` takes as a FILE_NOTIFY_INFORMATION entry (MS-FSCC 2.4.42: 12 bytes and the
 * UTF-16 name; all but the last padded to 4): UTF-8 lead bytes count one code unit, 4-byte
 * sequences two. */
static size_t entry_size(const char *name)
{
	size_t units = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if ((*p & 0xC0) != 0x80)
			units += *p >= 0xF0 ? 2 : 1;
	return 12 + units * 2;
}

/* Name of `path` relative to the watch, or NULL when the watch does not cover it. */
static const char *relative_name(const struct notify_watch *w, const char *path)
{
	size_t dl = strlen(w->dir);
	const char *rest;

	if (dl == 0) {
		rest = path;
	} else {
		if (strncmp(path, w->dir, dl) != 0 || path[dl] != '/')
			return NULL;
		rest = path + dl + 1;
	}
	if (!*rest || (!w->recursive && strchr(rest, '/')))
		return NULL;
	return rest;
}

/* Queue a change on the watch and wake its parked request. Under the notify lock. */
static void watch_queue(struct notify_watch *w, uint32_t action, const char *name)
{
	if (!w->overflow) {
		size_t size = strlen(name) + 1, bytes = entry_size(name);
		struct notify_event *e = malloc(sizeof(*e) + size);
		if (!e || w->nevents >= NOTIFY_MAX_QUEUED || w->queued_bytes + bytes > w->buffer_size) {
			free(e);
			events_free(w);
			w->overflow = true;   /* the client must re-read the directory */
		} else {
			e->action = action;
			e->next = NULL;
			memcpy(e->name, name, size);
			*w->tail = e;
			w->tail = &e->next;
			w->nevents++;
			w->queued_bytes += (bytes + 3) & ~(size_t)3;
		}
	}
	if (w->nparked && w->nready < NOTIFY_MAX_PARKED) {
		/* What is queued now answers the oldest request; later changes wait for the next
		 * one, if another is parked. */
		uint64_t id = w->parked[0];
		w->ready[w->nready++] = (struct notify_batch){ id, w->events, w->overflow };
		w->events = NULL;
		w->tail = &w->events;
		w->nevents = 0;
		w->queued_bytes = 0;
		w->overflow = false;
		smb2_async_wake(w->nc, id);   /* one wake per parked request */
		memmove(w->parked, w->parked + 1, --w->nparked * sizeof(w->parked[0]));
	}
}

bool smb2_notify_watching(const struct smb2_server *srv)
{
	return atomic_load_explicit(&srv->notify->nwatches, memory_order_relaxed) != 0;
}

void smb2_notify_event(struct smb2_server *srv, struct vfs_share *share, const char *path,
		       uint32_t action, uint32_t filter)
{
	struct smb2_notify *n = srv->notify;

	/* A watch made after this load was not there when the change was made. */
	if (!smb2_notify_watching(srv))
		return;
	pthread_mutex_lock(&n->lock);
	for (struct notify_watch *w = n->watches; w; w = w->next) {
		if (w->share != share || !(w->filter & filter))
			continue;
		const char *name = relative_name(w, path);
		if (name)
			watch_queue(w, action, name);
	}
	pthread_mutex_unlock(&n->lock);
}

void smb2_notify_renamed_file(struct smb2_server *srv, struct vfs_share *share, const char *path)
{
	struct smb2_notify *n = srv->notify;

	/* A renamed file is also reported modified (attributes, creation time) to a watch on
	 * attributes (smb2.notify.mask-change, as Windows 2003 and Samba), but not to one that is
	 * told of the rename itself: a watch on names and attributes gets the names only
	 * (smb2.notify.rec, where Samba reports both and fails). */
	pthread_mutex_lock(&n->lock);
	for (struct notify_watch *w = n->watches; w; w = w->next) {
		if (w->share != share || (w->filter & FILE_NOTIFY_CHANGE_FILE_NAME) ||
		    !(w->filter & (FILE_NOTIFY_CHANGE_ATTRIBUTES | FILE_NOTIFY_CHANGE_CREATION)))
			continue;
		const char *name = relative_name(w, path);
		if (name)
			watch_queue(w, FILE_ACTION_MODIFIED, name);
	}
	pthread_mutex_unlock(&n->lock);
}

/* vfs_watch_fn: a change the kernel saw (on the VFS watcher's thread). */
static void kernel_event(void *arg, uint32_t action, uint32_t filter, const char *name)
{
	struct notify_watch *w = arg;
	struct smb2_notify *n = w->n;

	pthread_mutex_lock(&n->lock);
	if (w->dead) {
		/* the open is closing */
	} else if (action == VFS_WATCH_OVERFLOW) {
		events_free(w);
		w->overflow = true;
		watch_queue(w, 0, "");
	} else if (w->filter & filter) {
		/* A local write is many IN_MODIFYs: one MODIFIED while the client has not read it
		 * (the queue holds at most NOTIFY_MAX_QUEUED events: walking it is cheap). */
		struct notify_event *last = w->events;
		while (last && last->next)
			last = last->next;
		if (!(action == FILE_ACTION_MODIFIED && last && last->action == action &&
		      !strcmp(last->name, name)))
			watch_queue(w, action, name);
	}
	pthread_mutex_unlock(&n->lock);
}

void smb2_notify_delete_pending(struct smb2_server *srv, uint64_t dev, uint64_t ino)
{
	struct smb2_notify *n = srv->notify;

	pthread_mutex_lock(&n->lock);
	for (struct notify_watch *w = n->watches; w; w = w->next)
		if (w->dev == dev && w->ino == ino) {
			w->delete_pending = true;
			/* MS-FSA 2.1.5.4: a directory going away completes its notifies. */
			for (unsigned i = 0; i < w->nparked; i++)
				smb2_async_post_status(w->nc, w->parked[i], STATUS_DELETE_PENDING);
			w->nparked = 0;
		}
	pthread_mutex_unlock(&n->lock);
}

/* Take the watch off the list (under the notify lock); watch_free after the lock. */
static void watch_unlink(struct smb2_notify *n, struct notify_watch *w)
{
	for (struct notify_watch **pp = &n->watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			atomic_fetch_sub(&n->nwatches, 1);
			break;
		}
	w->dead = true;
}

/* Without the notify lock: the kernel watch's callback may be waiting for it. */
static void watch_free(struct notify_watch *w)
{
	vfs_watch_remove(w->kernel);   /* after it, kernel_event never sees w again */
	events_free(w);
	for (unsigned i = 0; i < w->nready; i++)
		event_list_free(w->ready[i].events);
	net_conn_unref(w->nc);
	free(w->dir);
	free(w);
}

/* The parked request is cancelled or its connection is going. */
static void notify_drop(struct smb2_conn *c, struct smb2_async *a)
{
	struct smb2_notify *n = c->srv->notify;

	pthread_mutex_lock(&n->lock);
	for (struct notify_watch *w = n->watches; w; w = w->next) {
		if (w->nc != c->net)
			continue;
		for (unsigned i = 0; i < w->nparked; i++)
			if (w->parked[i] == a->async_id) {
				memmove(w->parked + i, w->parked + i + 1,
					(--w->nparked - i) * sizeof(w->parked[0]));
				break;
			}
		for (unsigned i = 0; i < w->nready; i++)
			if (w->ready[i].async_id == a->async_id) {
				/* Woken, then cancelled: its changes go back, first, for the next. */
				struct notify_event *batch = w->ready[i].events, **end = &batch;
				w->overflow = w->overflow || w->ready[i].overflow;
				while (*end) {
					w->queued_bytes += (entry_size((*end)->name) + 3) & ~(size_t)3;
					end = &(*end)->next;
					w->nevents++;
				}
				if (batch) {
					*end = w->events;
					if (!w->events)
						w->tail = end;
					w->events = batch;
				}
				memmove(w->ready + i, w->ready + i + 1,
					(--w->nready - i) * sizeof(w->ready[0]));
				break;
			}
	}
	pthread_mutex_unlock(&n->lock);
}

void smb2_notify_release(struct smb2_conn *c, struct smb2_open *op)
{
	struct smb2_notify *n = c->srv->notify;
	uint64_t parked[NOTIFY_MAX_PARKED];
	unsigned nparked = 0;

	pthread_mutex_lock(&n->lock);
	struct notify_watch *w = op->notify;
	struct notify_watch *gone = w;
	if (w) {
		op->notify = NULL;
		/* The open's session may be bound to several connections: a CHANGE_NOTIFY parked
		 * on another one is answered there, on its own strand. */
		for (unsigned i = 0; i < w->nparked; i++) {
			if (w->nc != c->net)
				smb2_async_post_status(w->nc, w->parked[i], STATUS_NOTIFY_CLEANUP);
			else
				parked[nparked++] = w->parked[i];
		}
		w->nparked = 0;
		watch_unlink(n, w);
	}
	pthread_mutex_unlock(&n->lock);
	if (gone)
		watch_free(gone);
	/* 3.3.4.4 / MS-FSA: closing the directory completes its pending notifies with
	 * STATUS_NOTIFY_CLEANUP. */
	for (unsigned i = 0; i < nparked; i++) {
		struct smb2_async *a = smb2_async_find(c, true, parked[i]);
		if (a) {
			a->on_drop = NULL;
			smb2_async_complete_status(c, a, STATUS_NOTIFY_CLEANUP);
			smb2_async_drop(c, a);
		}
	}
}

/* Encode the queued events as FILE_NOTIFY_INFORMATION entries; false if they don't fit. */
static bool encode_events(struct notify_event *e, uint32_t max, struct wr *out)
{
	struct smb2_notify_info_builder b;
	struct wr name;

	smb2_notify_info_builder_init(&b, out);
	wr_init(&name, 256);
	for (; e; e = e->next) {
		name.len = 0;
		char *wire = strdup(e->name);
		if (!wire) {
			wr_free(&name);
			return false;
		}
		for (char *p = wire; *p; p++)
			if (*p == '/')
				*p = '\\';
		bool ok = utf8_to_utf16le(&name, wire);
		free(wire);
		if (!ok)
			continue;
		smb2_notify_info_add(&b, e->action, name.buf, (uint32_t)name.len);
	}
	wr_free(&name);
	return !out->failed && out->len <= max;
}

NTSTATUS smb2_change_notify(struct smb2_req *req)
{
	struct smb2_change_notify_req in;
	struct smb2_open *op;
	NTSTATUS st;

	st = smb2_change_notify_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open_dir(req, &in.file_id, in.output_buffer_length, &op);
	if (st != STATUS_SUCCESS)
		return st;
	/* A directory already going away (another open's delete-on-close, closed before this
	 * request came: smb2.notify.rmdir4's race) waits for nothing. */
	if (vfs_open_delete_pending(op->vfs))
		return STATUS_DELETE_PENDING;

	struct smb2_notify *n = req->conn->srv->notify;
	pthread_mutex_lock(&n->lock);
	struct notify_watch *w = op->notify;
	pthread_mutex_unlock(&n->lock);
	if (!w) {
		/* Made without the lock: the kernel watch takes the VFS watcher's lock, and may
		 * report (an overflow) before it returns. */
		struct notify_watch *nw = calloc(1, sizeof(*nw));
		if (!nw || !(nw->dir = strdup(vfs_open_path(op->vfs)))) {
			free(nw);
			return STATUS_NO_MEMORY;
		}
		nw->n = n;
		nw->share = vfs_open_share(op->vfs);
		vfs_open_file_id(op->vfs, &nw->dev, &nw->ino);
		nw->recursive = in.flags & SMB2_WATCH_TREE;
		nw->filter = in.completion_filter;
		nw->buffer_size = in.output_buffer_length;
		nw->tail = &nw->events;
		net_conn_ref(req->conn->net);
		nw->nc = req->conn->net;
		st = vfs_watch_add(op->vfs, nw->recursive, kernel_event, nw, &nw->kernel);
		if (st != STATUS_SUCCESS) {
			watch_free(nw);
			return st;
		}
		pthread_mutex_lock(&n->lock);
		w = op->notify;
		if (!w) {
			w = nw;
			w->next = n->watches;
			n->watches = w;
			atomic_fetch_add(&n->nwatches, 1);
			op->notify = w;
			nw = NULL;
		}
		pthread_mutex_unlock(&n->lock);
		if (nw)   /* another channel's CHANGE_NOTIFY made the watch meanwhile */
			watch_free(nw);
	}
	pthread_mutex_lock(&n->lock);
	if (op->notify != w) {   /* closed meanwhile */
		pthread_mutex_unlock(&n->lock);
		return STATUS_NOTIFY_CLEANUP;
	}
	if (w->delete_pending) {
		pthread_mutex_unlock(&n->lock);
		return STATUS_DELETE_PENDING;
	}
	/* A woken request answers with the changes it was woken for. */
	struct notify_event *events = NULL;
	bool overflow = false, woken = false;
	for (unsigned i = 0; req->async_id && i < w->nready; i++)
		if (w->ready[i].async_id == req->async_id) {
			events = w->ready[i].events;
			overflow = w->ready[i].overflow;
			memmove(w->ready + i, w->ready + i + 1, (--w->nready - i) * sizeof(w->ready[0]));
			woken = true;
			break;
		}
	if (!woken && !w->events && !w->overflow) {
		if (w->nparked == NOTIFY_MAX_PARKED) {
			pthread_mutex_unlock(&n->lock);
			return STATUS_INSUFFICIENT_RESOURCES;
		}
		st = smb2_async_park(req, notify_drop);
		if (st == STATUS_PENDING)
			w->parked[w->nparked++] = req->async_id;
		pthread_mutex_unlock(&n->lock);
		return st;
	}
	/* And with what came since, unless another request waits for it. */
	if (!woken || w->nparked == 0) {
		struct notify_event **end = &events;
		while (*end)
			end = &(*end)->next;
		*end = w->events;
		overflow = overflow || w->overflow;
		w->events = NULL;
		w->tail = &w->events;
		w->nevents = 0;
		w->queued_bytes = 0;
		w->overflow = false;
	}
	pthread_mutex_unlock(&n->lock);

	struct wr data;
	wr_init(&data, 256);
	if (overflow || !encode_events(events, in.output_buffer_length, &data)) {
		st = STATUS_NOTIFY_ENUM_DIR;   /* too much to report: re-read the directory */
	} else if (!smb2_req_response_fits(req, data.len)) {
		st = STATUS_NOTIFY_ENUM_DIR;   /* the compound has answered enough: re-read too */
	} else {
		smb2_change_notify_rsp_encode_fixed(req->out, req->hdr_off, (uint32_t)data.len);
		wr_bytes(req->out, data.buf, data.len);
	}
	wr_free(&data);
	while (events) {
		struct notify_event *next = events->next;
		free(events);
		events = next;
	}
	return st;
}
