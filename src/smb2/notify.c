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
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/utf16.h"
#include "net/net.h"
#include "smb2/smb2.h"
#include "smb2/wire/change_notify.h"
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

struct notify_event {
	struct notify_event *next;
	uint32_t action;
	char name[];                  /* relative to the watched directory, '/'-separated */
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
	uint64_t async_id;            /* parked request waiting for events, 0 if none */
	struct notify_event *events, **tail;
	unsigned nevents;
	bool overflow;
};

/* The server's watches (smb2_server.notify): `lock` guards the list, every watch on it and
 * smb2_open.notify. */
struct smb2_notify {
	pthread_mutex_t lock;
	struct notify_watch *watches;
	struct vfs_watcher *watcher;  /* made by the first share with kernel change notify */
};

struct smb2_notify *smb2_notify_new(void)
{
	struct smb2_notify *n = calloc(1, sizeof(*n));

	if (n)
		pthread_mutex_init(&n->lock, NULL);
	return n;
}

void smb2_notify_free(struct smb2_notify *n)
{
	if (!n)
		return;
	/* Opens are closed before the server goes, and each close drops its watch. */
	vfs_watcher_free(n->watcher);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

void smb2_notify_attach(struct smb2_notify *n, struct vfs_share *share, unsigned max_dirs)
{
	if (!n->watcher)
		n->watcher = vfs_watcher_new(max_dirs);
	vfs_share_set_watcher(share, n->watcher);
}

static void events_free(struct notify_watch *w)
{
	struct notify_event *e = w->events;
	while (e) {
		struct notify_event *n = e->next;
		free(e);
		e = n;
	}
	w->events = NULL;
	w->tail = &w->events;
	w->nevents = 0;
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
		size_t size = strlen(name) + 1;
		struct notify_event *e = malloc(sizeof(*e) + size);
		if (!e || w->nevents >= NOTIFY_MAX_QUEUED) {
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
		}
	}
	if (w->async_id) {
		smb2_async_wake(w->nc, w->async_id);
		w->async_id = 0;   /* one wake per parked request */
	}
}

void smb2_notify_event(struct smb2_server *srv, struct vfs_share *share, const char *path,
		       uint32_t action, uint32_t filter)
{
	struct smb2_notify *n = srv->notify;

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
		/* A local write is many IN_MODIFYs: one MODIFIED while the client has not read it. */
		struct notify_event *last = w->nevents ? (struct notify_event *)
			((char *)w->tail - offsetof(struct notify_event, next)) : NULL;
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
			if (w->async_id) {
				/* MS-FSA 2.1.5.4: a directory going away completes its notifies. */
				smb2_async_post_status(w->nc, w->async_id, STATUS_DELETE_PENDING);
				w->async_id = 0;
			}
		}
	pthread_mutex_unlock(&n->lock);
}

/* Take the watch off the list (under the notify lock); watch_free after the lock. */
static void watch_unlink(struct smb2_notify *n, struct notify_watch *w)
{
	for (struct notify_watch **pp = &n->watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->dead = true;
}

/* Without the notify lock: the kernel watch's callback may be waiting for it. */
static void watch_free(struct notify_watch *w)
{
	vfs_watch_remove(w->kernel);   /* after it, kernel_event never sees w again */
	events_free(w);
	net_conn_unref(w->nc);
	free(w->dir);
	free(w);
}

/* The parked request is cancelled or its connection is going. */
static void notify_drop(struct smb2_conn *c, struct smb2_async *a)
{
	struct smb2_notify *n = c->srv->notify;

	pthread_mutex_lock(&n->lock);
	for (struct notify_watch *w = n->watches; w; w = w->next)
		if (w->nc == c->net && w->async_id == a->async_id)
			w->async_id = 0;
	pthread_mutex_unlock(&n->lock);
}

void smb2_notify_release(struct smb2_conn *c, struct smb2_open *op)
{
	struct smb2_notify *n = c->srv->notify;
	uint64_t parked = 0;

	pthread_mutex_lock(&n->lock);
	struct notify_watch *w = op->notify;
	struct notify_watch *gone = w;
	if (w) {
		parked = w->async_id;
		op->notify = NULL;
		/* The open's session may be bound to several connections: a CHANGE_NOTIFY parked
		 * on another one is answered there, on its own strand. */
		if (parked && w->nc != c->net) {
			smb2_async_post_status(w->nc, parked, STATUS_NOTIFY_CLEANUP);
			parked = 0;
		}
		watch_unlink(n, w);
	}
	pthread_mutex_unlock(&n->lock);
	if (gone)
		watch_free(gone);
	/* 3.3.4.4 / MS-FSA: closing the directory completes its pending notify with
	 * STATUS_NOTIFY_CLEANUP. */
	struct smb2_async *a = parked ? smb2_async_find(c, true, parked) : NULL;
	if (a) {
		a->on_drop = NULL;
		smb2_async_complete_status(c, a, STATUS_NOTIFY_CLEANUP);
		smb2_async_drop(c, a);
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
	if (!w->events && !w->overflow) {
		st = smb2_async_park(req, notify_drop);
		if (st == STATUS_PENDING)
			w->async_id = req->async_id;
		pthread_mutex_unlock(&n->lock);
		return st;
	}
	struct notify_event *events = w->events;
	bool overflow = w->overflow;
	w->events = NULL;
	w->tail = &w->events;
	w->nevents = 0;
	w->overflow = false;
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
