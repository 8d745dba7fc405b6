/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durable handles v1 and v2 (MS-SMB2 3.3.5.9.6, 3.3.5.9.7, 3.3.5.9.10, 3.3.5.9.12): granting
 * them at CREATE, keeping a durable open when its session goes without closing it
 * (disconnected: out of any session, still in the server's open table with its file, share
 * modes, locks, oplock or lease and position), reconnecting it on a new connection and session,
 * and closing it when its timeout passes (the scavenger, a transport timer) or when a CREATE
 * would have to break it (purge).
 *
 * A disconnected open belongs to no session, so whoever acts on it first claims it under the
 * open table's lock (smb2_open.durable.claimed): a reconnect, a purge, the scavenger or the
 * server's stop. The claimer alone touches it; a reconnect that fails gives it back, and closes
 * it if its timeout passed meanwhile (durable.expired).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/durable.h"
#include "smb2/notify.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/create.h"
#include "smb2/wire/create_contexts.h"
#include "smb2/wire/negotiate.h"
#include "vfs/vfs.h"

bool smb2_durable_grantable(uint8_t oplock_level, uint32_t lease_state)
{
	if (oplock_level == SMB2_OPLOCK_LEVEL_BATCH)
		return true;
	return oplock_level == SMB2_OPLOCK_LEVEL_LEASE && (lease_state & SMB2_LEASE_HANDLE_CACHING);
}

uint32_t smb2_durable_timeout(bool v2, uint32_t requested_ms, unsigned share_s)
{
	uint32_t share_ms = share_s * 1000u;   /* at most 3600 s (config.c) */
	uint32_t cap = share_ms > SMB2_DURABLE_V2_MAX_TIMEOUT_MS ? share_ms
								 : SMB2_DURABLE_V2_MAX_TIMEOUT_MS;

	if (!v2 || requested_ms == 0)
		return share_ms;
	return requested_ms < cap ? requested_ms : cap;
}

NTSTATUS smb2_durable_reconnect_check(const struct smb2_durable_reconnect_facts *f)
{
	if (!f->claimed || !f->same_share)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	/* DH2C compares CreateGuids, a v1 open's being zero (smbtorture durable-open.reopen2-lease
	 * reconnects a v1 open so, durable-v2-open.reopen2c fails with a GUID); DHnC compares
	 * none (reopen2b reconnects a v2 open so). */
	if (f->req_v2 && !f->guid_match)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	/* 3.3.5.9.12: a persistent open is reconnected by a DH2C that says it is one */
	if (f->req_v2 && f->persistent_unasked)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (f->lease != STATUS_SUCCESS)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (f->has_lease && !f->name_match)
		return STATUS_INVALID_PARAMETER;
	if (!f->same_user)
		return STATUS_ACCESS_DENIED;
	return STATUS_SUCCESS;
}

/* 3.3.5.9.10: SMB2_DHANDLE_FLAG_PERSISTENT is granted on a continuously available share by a
 * 3.x server that announced SMB2_GLOBAL_CAP_PERSISTENT_HANDLES, whatever the oplock or lease
 * (as Windows: smbtorture durable-v2-open.persistent-open-oplock expects it with every level),
 * never on a directory; nor on a named stream (the store keeps the file's path only). */
static bool persistent_wanted(const struct smb2_open *op, const struct smb2_durable_ctx *want,
			      uint16_t dialect)
{
	const struct cfg_share *cs = op->tree->share->cfg;

	return want->v2 && (want->flags & SMB2_DHANDLE_FLAG_PERSISTENT) && cs &&
	       cs->continuously_available && dialect >= SMB2_DIALECT_300 &&
	       smb2_persist_enabled(op->sess->srv) && !vfs_open_is_dir(op->vfs) &&
	       !vfs_open_is_stream(op->vfs);
}

bool smb2_durable_grant(struct smb2_open *op, const struct smb2_durable_ctx *want, uint16_t dialect,
			uint8_t oplock_level, uint32_t lease_state,
			const struct smb2_persist_create *pc, uint32_t *timeout_ms)
{
	unsigned share_s = op->tree->share->cfg ? op->tree->share->cfg->durable_timeout : 0;

	if (!want->request || op->pipe || share_s == 0)
		return false;
	bool persistent = persistent_wanted(op, want, dialect);
	if (!persistent && !smb2_durable_grantable(oplock_level, lease_state))
		return false;
	struct smb2_durable *d = &op->durable;
	d->granted = true;
	d->v2 = want->v2;
	memcpy(d->create_guid, want->create_guid, sizeof(d->create_guid));
	d->timeout_ms = smb2_durable_timeout(want->v2, want->timeout, share_s);
	d->owner_uid = op->sess->ident.uid;
	/* On disk before the client hears of it; if it cannot be stored, the open is what it
	 * would be on another share. */
	d->persistent = persistent;
	if (persistent && !smb2_persist_record(op->sess->srv, op, pc)) {
		d->persistent = false;
		if (!smb2_durable_grantable(oplock_level, lease_state)) {
			d->granted = false;
			return false;
		}
	}
	if (d->persistent)   /* its caching changes go to the store from now on */
		smb2_oplock_set_persistent(op->sess->srv, op);
	*timeout_ms = d->timeout_ms;
	return true;
}

/* ---- Claims ---- */

/* The scavenger's timer argument: which open, and itself as the open's current timer. */
struct scavenge_timer {
	struct smb2_server *srv;
	uint64_t persistent_id;
};

/* Claim the disconnected open of that persistent id (a reference for the caller), or NULL. */
static struct smb2_open *claim_locked(struct smb2_open *op)
{
	if (!op || !op->durable.disconnected || op->durable.claimed)
		return NULL;
	op->durable.claimed = true;
	smb2_open_ref(op);
	return op;
}

static struct smb2_open *claim(struct smb2_server *srv, uint64_t persistent_id)
{
	smb2_open_table_lock(srv);
	struct smb2_open *op = claim_locked(smb2_open_find_locked(srv, persistent_id));
	smb2_open_table_unlock(srv);
	return op;
}

/* MS-SMB2 3.3.5.9.12: a DH2C asking for a persistent open on a continuously available share
 * whose FileId.Persistent is in no open is looked up by its CreateGuid (a client that lost the
 * FileId, or kept a wrong one, still names the open it created). Claimed as claim() does. */
static struct smb2_open *claim_by_create_guid(struct smb2_server *srv, uint64_t persistent_id,
					      const uint8_t create_guid[16])
{
	smb2_open_table_lock(srv);
	struct smb2_open *op = NULL;
	if (!smb2_open_find_locked(srv, persistent_id))
		op = claim_locked(smb2_open_find_persistent_guid_locked(srv, create_guid));
	smb2_open_table_unlock(srv);
	return op;
}

/* Stop the scavenger's timer of a claimed open (it finds itself stale if it fires anyway). */
static void timer_stop(struct smb2_server *srv, struct smb2_open *op, struct net_conn *any)
{
	smb2_open_table_lock(srv);
	struct scavenge_timer *t = op->durable.timer_arg;
	uint64_t id = op->durable.timer;
	op->durable.timer_arg = NULL;
	op->durable.timer = 0;
	smb2_open_table_unlock(srv);
	if (t && id && net_timer_cancel(any, id))
		free(t);
}

/* Close a claimed open for good (the claim's reference goes too). */
static void close_claimed(struct smb2_server *srv, struct smb2_open *op)
{
	smb2_open_table_lock(srv);
	op->durable.disconnected = false;
	smb2_open_table_unlock(srv);
	smb2_open_close_detached(srv, op);
	smb2_open_put(op);
}

/* A reconnect that failed gives the open back; the scavenger may have come by meanwhile. */
static void unclaim(struct smb2_server *srv, struct smb2_open *op)
{
	smb2_open_table_lock(srv);
	bool expired = op->durable.expired;
	op->durable.claimed = expired;
	smb2_open_table_unlock(srv);
	if (expired)
		close_claimed(srv, op);
	else
		smb2_open_put(op);
}

/* Its timeout passed (the transport's timer thread): close the open unless it was reconnected,
 * or leave it to its claimer. */
static void scavenge(void *arg, bool cancelled)
{
	struct scavenge_timer *t = arg;
	struct smb2_server *srv = t->srv;
	struct smb2_open *op = NULL;

	if (!cancelled) {
		smb2_open_table_lock(srv);
		op = smb2_open_find_locked(srv, t->persistent_id);
		if (op && op->durable.disconnected && op->durable.timer_arg == t) {
			op->durable.timer_arg = NULL;
			op->durable.timer = 0;
			if (op->durable.claimed) {
				op->durable.expired = true;
				op = NULL;
			} else {
				op->durable.claimed = true;
				smb2_open_ref(op);
			}
		} else {
			op = NULL;
		}
		smb2_open_table_unlock(srv);
	}
	free(t);
	if (op) {
		log_debug("durable open %llx: not reconnected in time, closed",
			  (unsigned long long)op->persistent_id);
		close_claimed(srv, op);
	}
}

bool smb2_durable_disconnect(struct smb2_conn *c, struct smb2_session *s, struct smb2_open *op)
{
	struct smb2_server *srv = c->srv;
	uint8_t level;
	uint32_t lease_state;
	bool breaking;

	if (!op->durable.granted || op->pipe || !op->vfs)
		return false;
	/* A break in flight can be answered by no one: the open is closed as before. */
	smb2_oplock_durable_state(srv, op, &level, &lease_state, &breaking);
	if (breaking)
		return false;
	struct scavenge_timer *t = malloc(sizeof(*t));
	if (!t)
		return false;
	/* From here a reconnect that finds the open still connected waits for the end of this
	 * (teardown_pending): its oplock grant is marked disconnected before the open is. */
	smb2_open_table_lock(srv);
	op->durable.disconnecting = true;
	smb2_open_table_unlock(srv);
	/* What was bound to the session goes: a watch, LOCKs waiting (their requests are
	 * answered), the place in its table; the file and what it holds stay. */
	smb2_notify_release(c, op);
	smb2_lock_release(c, op);
	smb2_open_detach(s, op);
	smb2_oplock_disconnect(srv, op);
	*t = (struct scavenge_timer){ .srv = srv, .persistent_id = op->persistent_id };
	smb2_open_ref(op);   /* the timer may fire (a 1 ms timeout) and close it at once */
	smb2_open_table_lock(srv);
	op->durable.disconnected = true;
	op->durable.disconnecting = false;
	op->durable.claimed = false;
	op->durable.expired = false;
	op->durable.timer_arg = t;
	op->durable.timer = 0;
	smb2_open_table_unlock(srv);
	uint64_t id = net_timer_add(c->net, net_now_ms() + op->durable.timeout_ms, scavenge, t);
	if (!id) {
		log_warn("durable open %llx: no timer, closed now", (unsigned long long)op->persistent_id);
		/* the transport is stopping: a persistent open is kept for the next start */
		op->durable.persist_keep = op->durable.persistent;
		scavenge(t, false);
	} else {
		smb2_open_table_lock(srv);
		if (op->durable.timer_arg == t)   /* else it fired or a reconnect stopped it */
			op->durable.timer = id;
		smb2_open_table_unlock(srv);
	}
	smb2_open_put(op);
	return true;
}

void smb2_durable_purge(struct smb2_conn *c, const uint64_t *persistent_ids, size_t n)
{
	struct smb2_server *srv = c->srv;

	for (size_t i = 0; i < n; i++) {
		struct smb2_open *op = claim(srv, persistent_ids[i]);
		if (!op)
			continue;   /* reconnected or closed meanwhile */
		log_debug("durable open %llx: closed for a conflicting open",
			  (unsigned long long)op->persistent_id);
		timer_stop(srv, op, c->net);
		close_claimed(srv, op);
	}
}

void smb2_durable_close_all(struct smb2_server *srv)
{
	for (;;) {
		smb2_open_table_lock(srv);
		struct smb2_open *op = smb2_open_find_disconnected_locked(srv);
		if (op) {
			op->durable.claimed = true;
			smb2_open_ref(op);
		}
		smb2_open_table_unlock(srv);
		if (!op)
			return;
		/* the transport has stopped: its timers are gone (their arguments freed) */
		op->durable.timer_arg = NULL;
		op->durable.timer = 0;
		op->durable.persist_keep = true;   /* a persistent open outlives the server */
		close_claimed(srv, op);
	}
}

void smb2_durable_arm(struct smb2_server *srv, struct net_server *ns, uint64_t persistent_id)
{
	struct scavenge_timer *t = malloc(sizeof(*t));
	uint32_t timeout_ms = 0;

	if (!t)
		return;   /* kept until reconnected, purged or the server stops */
	*t = (struct scavenge_timer){ .srv = srv, .persistent_id = persistent_id };
	smb2_open_table_lock(srv);
	struct smb2_open *op = smb2_open_find_locked(srv, persistent_id);
	bool arm = op && op->durable.disconnected && !op->durable.claimed && !op->durable.timer_arg;
	if (arm) {
		op->durable.timer_arg = t;
		op->durable.timer = 0;
		timeout_ms = op->durable.timeout_ms;
	}
	smb2_open_table_unlock(srv);
	if (!arm) {
		free(t);
		return;
	}
	uint64_t id = net_server_timer_add(ns, net_now_ms() + timeout_ms, scavenge, t);
	smb2_open_table_lock(srv);
	op = smb2_open_find_locked(srv, persistent_id);
	if (op && op->durable.timer_arg == t) {
		if (id)
			op->durable.timer = id;
		else
			op->durable.timer_arg = NULL;   /* no timer: kept until reconnected or stop */
	}
	smb2_open_table_unlock(srv);
	if (!id)
		free(t);
}

/* The open of that persistent id is still in its session, but its connection has lost the
 * peer: the teardown that disconnects it has not run, or not finished (the client reconnected
 * first). */
static bool teardown_pending(struct smb2_server *srv, uint64_t persistent_id)
{
	struct smb2_open *op = smb2_open_lookup(srv, persistent_id);

	if (!op)
		return false;
	smb2_open_table_lock(srv);
	bool connected = !op->durable.disconnected && !smb2_open_closed(op);
	bool disconnecting = op->durable.disconnecting;
	smb2_open_table_unlock(srv);
	bool pending = connected && (disconnecting || smb2_oplock_holder_gone(srv, op));
	smb2_open_put(op);
	return pending;
}

struct retry_timer {
	struct net_conn *nc;   /* referenced */
	uint64_t async_id;
};

static void retry_fire(void *arg, bool cancelled)
{
	struct retry_timer *t = arg;

	if (!cancelled)
		smb2_async_wake(t->nc, t->async_id);
	net_conn_unref(t->nc);
	free(t);
}

/* Run the reconnect again shortly, once the old connection's teardown had its turn. */
static NTSTATUS retry_later(struct smb2_req *req)
{
	struct retry_timer *t = malloc(sizeof(*t));
	NTSTATUS st = t ? smb2_async_park(req, NULL) : STATUS_NO_MEMORY;

	if (st != STATUS_PENDING) {
		free(t);
		return STATUS_OBJECT_NAME_NOT_FOUND;
	}
	net_conn_ref(req->conn->net);
	*t = (struct retry_timer){ .nc = req->conn->net, .async_id = req->async_id };
	if (!net_timer_add(req->conn->net, net_now_ms() + 5, retry_fire, t))
		retry_fire(t, false);   /* no timer: at once, through the strand's queue */
	return STATUS_PENDING;
}

/* The open's path against the name a reconnect gives (a leased open's is checked). */
static bool name_matches(struct smb2_req *req, const struct smb2_create_req *in,
			 const struct smb2_open *op)
{
	char *path = NULL;

	if (vfs_path_from_wire(req->arena, in->name, in->name_len, &path) != STATUS_SUCCESS)
		return false;
	return strcasecmp(path, vfs_open_path(op->vfs)) == 0;
}

NTSTATUS smb2_durable_reconnect(struct smb2_req *req, const struct smb2_create_req *in,
				const struct smb2_durable_ctx *want, bool replayed)
{
	struct smb2_conn *c = req->conn;
	struct smb2_server *srv = c->srv;
	struct smb2_tree *tree = req->tree;
	struct smb2_lease_req lease, lease_rsp;
	NTSTATUS st;

	/* The lease context counts whatever RequestedOplockLevel says (smbtorture
	 * durable-open.lock-lease reconnects with level 0 and an RqLs). */
	bool want_lease = smb2_lease_create_request(c->dialect, tree->share->cfg->leases,
						    SMB2_OPLOCK_LEVEL_LEASE, &in->contexts,
						    &lease, &st);
	if (st != STATUS_SUCCESS)
		return st;
	struct smb2_open *op = claim(srv, want->file_id.persistent);
	if (!op && teardown_pending(srv, want->file_id.persistent))
		return retry_later(req);
	if (!op && want->v2 && (want->flags & SMB2_DHANDLE_FLAG_PERSISTENT) &&
	    tree->share->cfg->continuously_available && c->dialect >= SMB2_DIALECT_300 &&
	    smb2_persist_enabled(srv))
		op = claim_by_create_guid(srv, want->file_id.persistent, want->create_guid);
	struct smb2_durable_reconnect_facts f = { .claimed = op != NULL, .req_v2 = want->v2 };
	if (op) {
		uint8_t level;
		uint32_t lease_state;
		bool breaking;
		smb2_oplock_durable_state(srv, op, &level, &lease_state, &breaking);
		f.same_share = vfs_open_share(op->vfs) == tree->vfs;
		f.guid_match = memcmp(op->durable.create_guid, want->create_guid, 16) == 0;
		f.persistent_unasked = op->durable.persistent &&
				       !(want->flags & SMB2_DHANDLE_FLAG_PERSISTENT);
		f.lease = smb2_oplock_reconnect(req, op, want_lease ? &lease : NULL, true, NULL);
		f.has_lease = level == SMB2_OPLOCK_LEVEL_LEASE;
		f.name_match = name_matches(req, in, op);
		f.same_user = req->sess->ident.uid == op->durable.owner_uid;
	}
	st = smb2_durable_reconnect_check(&f);
	if (st != STATUS_SUCCESS) {
		if (op)
			unclaim(srv, op);
		return st;
	}
	struct vfs_meta meta;
	st = vfs_stat(op->vfs, &meta);
	if (st != STATUS_SUCCESS) {
		unclaim(srv, op);
		return st;
	}
	/* 3.3.5.9.7: the open joins this session and tree; its durable FileId stays, the
	 * volatile part is new. */
	timer_stop(srv, op, c->net);
	smb2_open_attach(req->sess, tree, op);
	memset(&lease_rsp, 0, sizeof(lease_rsp));
	smb2_oplock_reconnect(req, op, want_lease ? &lease : NULL, false, &lease_rsp);
	smb2_open_table_lock(srv);
	op->durable.disconnected = false;
	op->durable.claimed = false;
	op->durable.expired = false;
	smb2_open_table_unlock(srv);
	smb2_open_put(op);   /* the claim's; the session's table holds the open now */
	req->cmp->have_fid = true;
	req->cmp->fid_persistent = op->persistent_id;
	req->cmp->fid_volatile = op->volatile_id;

	uint8_t level;
	uint32_t lease_state;
	bool breaking;
	smb2_oplock_durable_state(srv, op, &level, &lease_state, &breaking);
	/* The answer carries the open's state as held; no durable context to a reconnect
	 * (smbtorture reopen2: the open stays durable without one), the DH2Q response to a replayed
	 * DH2Q (3.3.5.9.10: the open is durable, with its timeout). */
	struct wr ctxw;
	struct smb2_create_ctx_builder cb;
	wr_init(&ctxw, 64);
	smb2_create_ctx_builder_init(&cb, &ctxw);
	if (level == SMB2_OPLOCK_LEVEL_LEASE)
		smb2_create_ctx_add_lease(&cb, &lease_rsp);
	if (replayed)
		smb2_create_ctx_add_dh2q(&cb, op->durable.timeout_ms,
					 op->durable.persistent ? SMB2_DHANDLE_FLAG_PERSISTENT : 0);
	if (ctxw.failed) {
		wr_free(&ctxw);
		return STATUS_NO_MEMORY;   /* the open stays reconnected; a CLOSE ends it */
	}
	/* A replay is answered as the CREATE it repeats (smbtorture replay5: CREATED). */
	uint32_t action = replayed && op->create_action ? op->create_action : FILE_OPENED;
	smb2_create_answer(req, op, level, action, &meta, &ctxw);
	wr_free(&ctxw);
	log_debug("%s: durable open %llx reconnected", c->peer, (unsigned long long)op->persistent_id);
	return STATUS_SUCCESS;
}
