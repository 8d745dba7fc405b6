/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CHANGE_NOTIFY (MS-SMB2 3.3.5.19, 3.3.4.4): watches on directory opens, fed by the changes this
 * server itself makes (create, delete, rename, attribute and size changes). Like Samba with
 * "kernel change notify = no", changes made to the tree by other programs are not reported.
 *
 * Every watch sits in the server's list (struct smb2_notify, smb2_server.notify) guarded by its
 * `lock`; a change found on any strand is queued on the watch and the watching connection is
 * woken to answer its parked request on its own strand. smb2_open.notify is guarded by that
 * lock too. Lock order: it is a leaf.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
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

#define NOTIFY_MAX_QUEUED 1024   /* events kept per watch before reporting an overflow */

struct notify_event {
	struct notify_event *next;
	uint32_t action;
	char name[];                  /* relative to the watched directory, '/'-separated */
};

struct notify_watch {
	struct notify_watch *next;
	struct vfs_share *share;
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
	pthread_mutex_destroy(&n->lock);
	free(n);
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

void smb2_notify_event(struct smb2_server *srv, struct vfs_share *share, const char *path,
		       uint32_t action, uint32_t filter)
{
	struct smb2_notify *n = srv->notify;

	pthread_mutex_lock(&n->lock);
	for (struct notify_watch *w = n->watches; w; w = w->next) {
		if (w->share != share || !(w->filter & filter))
			continue;
		const char *name = relative_name(w, path);
		if (!name)
			continue;
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
	pthread_mutex_unlock(&n->lock);
}

static void watch_unlink(struct smb2_notify *n, struct notify_watch *w)
{
	for (struct notify_watch **pp = &n->watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
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
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w || !(w->dir = strdup(vfs_open_path(op->vfs)))) {
			free(w);
			pthread_mutex_unlock(&n->lock);
			return STATUS_NO_MEMORY;
		}
		w->share = vfs_open_share(op->vfs);
		w->recursive = in.flags & SMB2_WATCH_TREE;
		w->filter = in.completion_filter;
		w->tail = &w->events;
		net_conn_ref(req->conn->net);
		w->nc = req->conn->net;
		w->next = n->watches;
		n->watches = w;
		op->notify = w;
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
