/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LOCK (MS-SMB2 3.3.5.14): byte-range locks and unlocks of an open. The ranges live in the VFS
 * (vfs_lock, MS-FSA Stream.ByteRangeLockList); this file checks the elements as Windows does,
 * applies them (locks all or none, unlocks one after the other), keeps Open.LockSequenceArray,
 * and parks a blocking lock that conflicts (3.3.4.2) until a range of its file is released.
 *
 * A parked LOCK has a record on the server's lock_waits list, guarded by lock_waits_lock. Its VFS
 * waiter wakes it when a range of the file is released: the request is re-run on its
 * connection's strand and tries again. CANCEL and the loss of the connection drop it (lock_drop);
 * the close of its open (CLOSE, tree disconnect, logoff) ends it with STATUS_RANGE_NOT_LOCKED
 * (smb2_lock_release), as Windows does (smbtorture smb2.lock.cancel). A record is freed under
 * lock_waits_lock by whoever unlinks it, unless its VFS wake is already under way: then it is
 * marked orphan and the wake frees it. Lock order: a session's lock, lock_waits_lock, the VFS's
 * per-file lock.
 */
#include <stdlib.h>

#include "net/net.h"
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/wire/lock.h"
#include "smb2/wire/negotiate.h"
#include "vfs/vfs.h"

struct smb2_lock_wait {
	struct vfs_lock_waiter w;       /* first: the VFS hands it back to wait_wake */
	struct smb2_lock_wait *next;    /* srv->lock_waits */
	struct smb2_server *srv;
	struct net_conn *nc;            /* referenced: the parked request's connection */
	uint64_t async_id;
	const struct smb2_open *op;     /* compared only: the record goes before its open does */
	struct vfs_open *vop;           /* valid while the record is linked */
	bool linked;                    /* on srv->lock_waits */
	bool queued;                    /* on the VFS's queue of the file */
	bool orphan;                    /* unlinked while its wake was under way: the wake frees it */
};

static void wait_free(struct smb2_lock_wait *lw)
{
	net_conn_unref(lw->nc);
	free(lw);
}

/* Called by the VFS from the thread that released a range, with no VFS lock held. */
static void wait_wake(struct vfs_lock_waiter *w)
{
	struct smb2_lock_wait *lw = (struct smb2_lock_wait *)w;
	struct smb2_server *srv = lw->srv;

	pthread_mutex_lock(&srv->lock_waits_lock);
	lw->queued = false;
	if (lw->orphan) {
		pthread_mutex_unlock(&srv->lock_waits_lock);
		wait_free(lw);
		return;
	}
	smb2_async_wake(lw->nc, lw->async_id);
	pthread_mutex_unlock(&srv->lock_waits_lock);
}

static struct smb2_lock_wait *wait_find(struct smb2_server *srv, const struct net_conn *nc,
					uint64_t async_id)
{
	for (struct smb2_lock_wait *lw = srv->lock_waits; lw; lw = lw->next)
		if (lw->nc == nc && lw->async_id == async_id)
			return lw;
	return NULL;
}

/* End a record (lock_waits_lock held): off the list and the VFS queue, then freed, or left to
 * its wake when that is under way. */
static void wait_end(struct smb2_server *srv, struct smb2_lock_wait *lw)
{
	if (lw->linked) {
		for (struct smb2_lock_wait **pp = &srv->lock_waits; *pp; pp = &(*pp)->next)
			if (*pp == lw) {
				*pp = lw->next;
				break;
			}
		lw->linked = false;
		atomic_fetch_sub(&srv->nlock_waits, 1);
	}
	if (lw->queued && !vfs_lock_unwait(lw->vop, &lw->w)) {
		lw->orphan = true;
		return;
	}
	wait_free(lw);
}

/* The parked LOCK is cancelled or its connection is going. */
static void lock_drop(struct smb2_conn *c, struct smb2_async *a)
{
	struct smb2_server *srv = c->srv;

	pthread_mutex_lock(&srv->lock_waits_lock);
	struct smb2_lock_wait *lw = wait_find(srv, c->net, a->async_id);
	if (lw)
		wait_end(srv, lw);
	pthread_mutex_unlock(&srv->lock_waits_lock);
}

void smb2_lock_release(struct smb2_conn *c, struct smb2_open *op)
{
	struct smb2_server *srv = c->srv;

	if (atomic_load(&srv->nlock_waits) == 0)
		return;
	for (;;) {
		struct net_conn *nc = NULL;
		uint64_t async_id = 0;

		pthread_mutex_lock(&srv->lock_waits_lock);
		for (struct smb2_lock_wait *lw = srv->lock_waits; lw; lw = lw->next)
			if (lw->op == op) {
				nc = lw->nc;
				net_conn_ref(nc);
				async_id = lw->async_id;
				wait_end(srv, lw);
				break;
			}
		pthread_mutex_unlock(&srv->lock_waits_lock);
		if (!nc)
			return;
		/* A LOCK parked on another channel of the session is answered on its own strand. */
		if (nc != c->net) {
			smb2_async_post_status(nc, async_id, STATUS_RANGE_NOT_LOCKED);
		} else {
			struct smb2_async *a = smb2_async_find(c, true, async_id);
			if (a) {
				a->on_drop = NULL;
				smb2_async_complete_status(c, a, STATUS_RANGE_NOT_LOCKED);
				smb2_async_drop(c, a);
			}
		}
		net_conn_unref(nc);
	}
}

/* A blocking lock (one element without FAIL_IMMEDIATELY): granted now, or parked until a range of
 * the file is released. A re-run of the parked request comes back here and tries again. */
static NTSTATUS lock_blocking(struct smb2_req *req, struct smb2_open *op, const struct vfs_lock_range *r)
{
	struct smb2_server *srv = req->conn->srv;
	struct smb2_lock_wait *lw = NULL;
	NTSTATUS st;

	pthread_mutex_lock(&srv->lock_waits_lock);
	if (req->resumed)
		lw = wait_find(srv, req->conn->net, req->async_id);
	if (!lw) {
		lw = calloc(1, sizeof(*lw));
		if (!lw) {
			pthread_mutex_unlock(&srv->lock_waits_lock);
			return STATUS_NO_MEMORY;
		}
		lw->w.wake = wait_wake;
		lw->srv = srv;
		net_conn_ref(req->conn->net);
		lw->nc = req->conn->net;
		lw->op = op;
		lw->vop = op->vfs;
	}
	st = vfs_lock(op->vfs, r, 1, &lw->w);
	if (st == STATUS_PENDING) {
		lw->queued = true;
		/* Cannot wait. Not last in a compound: Windows fails a request that would go async
		 * there with STATUS_INTERNAL_ERROR (MS-SMB2 3.3.5.2.7 lets a server fail it; what
		 * smbtorture's compound.interim2 and compound_async check); LOCK_NOT_GRANTED would
		 * tell the client the range was refused. Too many waiting: 3.3.4.2's
		 * STATUS_INSUFFICIENT_RESOURCES. */
		if (smb2_async_park(req, lock_drop) != STATUS_PENDING) {
			wait_end(srv, lw);
			st = req->last ? STATUS_INSUFFICIENT_RESOURCES : STATUS_INTERNAL_ERROR;
		} else if (!lw->linked) {
			lw->async_id = req->async_id;   /* a wake waits for the lock to see it */
			lw->linked = true;
			lw->next = srv->lock_waits;
			srv->lock_waits = lw;
			atomic_fetch_add(&srv->nlock_waits, 1);
		}
	} else {
		wait_end(srv, lw);   /* granted (or refused for good): nothing to wait for */
	}
	pthread_mutex_unlock(&srv->lock_waits_lock);
	return st;
}

/* MS-SMB2 3.3.5.14.2 with the checks Windows makes (smbtorture smb2.lock.valid-request,
 * multiple-unlock): in a request of several elements every one must fail immediately; each must
 * be a shared or exclusive lock, with or without FAIL_IMMEDIATELY, and nothing else. Then all are
 * taken or none. */
static NTSTATUS do_locks(struct smb2_req *req, struct smb2_open *op, const struct smb2_lock_req *in)
{
	struct vfs_lock_range *r = arena_alloc(req->arena, (size_t)in->lock_count * sizeof(*r));
	struct smb2_lock_element e;
	bool blocking = false;

	if (!r)
		return STATUS_NO_MEMORY;
	for (size_t i = 0; i < in->lock_count; i++) {
		smb2_lock_req_element(in, i, &e);
		uint32_t kind = e.flags & ~SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
		if (in->lock_count > 1 && !(e.flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY))
			return STATUS_INVALID_PARAMETER;
		if (kind != SMB2_LOCKFLAG_SHARED_LOCK && kind != SMB2_LOCKFLAG_EXCLUSIVE_LOCK)
			return STATUS_INVALID_PARAMETER;
		r[i] = (struct vfs_lock_range){ .offset = e.offset, .length = e.length,
						.exclusive = kind == SMB2_LOCKFLAG_EXCLUSIVE_LOCK };
		blocking = !(e.flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY);
	}
	/* MS-FSA 2.1.5.8, 2.1.4.12: a byte-range lock breaks the level II oplocks of the file to none
	 * (smbtorture smb2.oplock.brl1: the locker's own too, which oplock.c does on the oplock
	 * branch of issue 12). Windows does it only below the allocation size; that costs a stat. */
	if (!req->resumed)
		smb2_oplock_break_level2(req->conn, op);
	if (blocking)
		return lock_blocking(req, op, r);
	/* SMB2 answers LOCK_NOT_GRANTED to every failed lock, whatever the offset or the failures
	 * before (smb2.lock.errorcode); FILE_LOCK_CONFLICT is READ's and WRITE's. */
	return vfs_lock(op->vfs, r, in->lock_count, NULL);
}

/* 3.3.5.14.1: unlocks one after the other; the first failure ends the request and the unlocks
 * before it stay done. Only UNLOCK alone is an unlock (smb2.lock.valid-request). */
static NTSTATUS do_unlocks(struct smb2_open *op, const struct smb2_lock_req *in)
{
	struct smb2_lock_element e;

	for (size_t i = 0; i < in->lock_count; i++) {
		smb2_lock_req_element(in, i, &e);
		if (e.flags != SMB2_LOCKFLAG_UNLOCK)
			return STATUS_INVALID_PARAMETER;
		NTSTATUS st = vfs_unlock(op->vfs, e.offset, e.length);
		if (st != STATUS_SUCCESS)
			return st;
	}
	return STATUS_SUCCESS;
}

/*
 * Open.LockSequenceArray (3.3.5.14): lock sequence verification is for resilient, durable and
 * persistent opens, and for every open on a 3.x connection of a server that offers multichannel,
 * which skiffd does; durable opens are verified on 2.1 too (resilient and persistent ones do
 * not exist yet). The slot of a request's entry in op->lock_seq, or -1 when it is not
 * verified (index 0 or past 64 included).
 */
static int lock_seq_slot(const struct smb2_req *req, const struct smb2_open *op,
			 const struct smb2_lock_req *in)
{
	const struct smb2_conn *c = req->conn;
	uint32_t index = smb2_lock_seq_index(in);

	bool durable = op->durable.granted && c->dialect >= SMB2_DIALECT_210;
	if (!durable && (c->dialect < SMB2_DIALECT_300 ||
			 !(smb2_server_caps(c, c->dialect) & SMB2_GLOBAL_CAP_MULTI_CHANNEL)))
		return -1;
	if (index == 0 || index > sizeof(op->lock_seq))
		return -1;
	return (int)index - 1;
}

NTSTATUS smb2_lock(struct smb2_req *req)
{
	struct smb2_lock_req in;
	struct smb2_lock_element first;
	struct smb2_open *op;
	NTSTATUS st;

	st = smb2_lock_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;

	int slot = lock_seq_slot(req, op, &in);
	uint8_t seq_valid = (uint8_t)(SMB2_LOCK_SEQ_VALID | smb2_lock_seq_number(&in));
	if (slot >= 0 && !req->resumed) {
		if (op->lock_seq[slot] == seq_valid) {
			/* A replay of a request that succeeded: it is not applied twice. */
			smb2_lock_rsp_encode(req->out, req->hdr_off);
			return STATUS_SUCCESS;
		}
		op->lock_seq[slot] = 0;
	}

	smb2_lock_req_element(&in, 0, &first);
	if (first.flags & SMB2_LOCKFLAG_UNLOCK)
		st = do_unlocks(op, &in);
	else
		st = do_locks(req, op, &in);
	if (st != STATUS_SUCCESS)
		return st;
	if (slot >= 0)
		op->lock_seq[slot] = seq_valid;
	if (op->durable.persistent)   /* on disk before the client is told */
		smb2_persist_locks(req->conn->srv, op);
	smb2_lock_rsp_encode(req->out, req->hdr_off);
	return STATUS_SUCCESS;
}
