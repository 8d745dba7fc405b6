/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay of a CREATE (MS-SMB2 3.3.5.9, 3.3.5.9.10). A client that lost a channel resends its
 * CREATE with SMB2_FLAGS_REPLAY_OPERATION and the same CreateGuid (DH2Q); if the first one was
 * done, the open it made answers (its FileId, the oplock or lease it holds, its durability),
 * nothing is opened twice. The server's open table indexes the opens by (ClientGuid,
 * CreateGuid) while they are replay-eligible (open_table.c); a DH2Q CREATE that waits (oplock
 * or lease breaks) is on the server's replay_pending list meanwhile, and a CREATE of the same
 * CreateGuid is told to retry (STATUS_FILE_NOT_AVAILABLE) instead of opening again, or, on a
 * share with `windows replay`, answered as Windows Server does (smb2_replay_decide).
 */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "smb2/conn.h"
#include "smb2/durable.h"
#include "smb2/lease.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/replay.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/create.h"
#include "smb2/wire/create_contexts.h"
#include "smb2/wire/negotiate.h"
#include "vfs/vfs.h"

enum smb2_replay_action smb2_replay_decide(const struct smb2_replay_facts *f, NTSTATUS *st)
{
	*st = STATUS_SUCCESS;
	if (f->pending && !(f->windows && f->pending_share_conflict)) {
		*st = f->windows ? STATUS_ACCESS_DENIED : STATUS_FILE_NOT_AVAILABLE;
		return SMB2_REPLAY_FAIL;
	}
	if (!f->found)
		return SMB2_REPLAY_NEW_OPEN;
	if (!f->replay) {
		*st = STATUS_DUPLICATE_OBJECTID;
		return SMB2_REPLAY_FAIL;
	}
	if (f->disconnected)
		return SMB2_REPLAY_RECONNECT;
	if (!f->same_session) {
		*st = STATUS_DUPLICATE_OBJECTID;
		return SMB2_REPLAY_FAIL;
	}
	if (f->want_lease && (!f->open_leased || !f->lease_key_match)) {
		*st = STATUS_ACCESS_DENIED;
		return SMB2_REPLAY_FAIL;
	}
	return SMB2_REPLAY_ANSWER;
}

bool smb2_replay_applies(const struct smb2_req *req, const struct smb2_durable_ctx *want)
{
	return req->conn->dialect >= SMB2_DIALECT_300 && want->request && want->v2 &&
	       !want->reconnect;
}

/* Sets f->pending, and f->pending_share_conflict when every such CREATE waits on a share-mode
 * conflict. */
static void pending_find_locked(struct smb2_server *srv, const uint8_t client_guid[16],
				const uint8_t create_guid[16], struct smb2_replay_facts *f)
{
	bool all_conflicts = true;

	for (struct smb2_replay_pending *p = srv->replay_pending; p; p = p->next)
		if (memcmp(p->create_guid, create_guid, 16) == 0 &&
		    memcmp(p->client_guid, client_guid, 16) == 0) {
			f->pending = true;
			all_conflicts &= p->share_conflict;
		}
	f->pending_share_conflict = f->pending && all_conflicts;
}

void smb2_replay_pending_add(struct smb2_req *req, const struct smb2_durable_ctx *want,
			     bool share_conflict)
{
	struct smb2_server *srv = req->conn->srv;
	struct smb2_async *a = req->parked;

	if (!a || !smb2_replay_applies(req, want))
		return;
	if (a->replay) {   /* parked again: what it waits on now */
		smb2_open_table_lock(srv);
		a->replay->share_conflict = share_conflict;
		smb2_open_table_unlock(srv);
		return;
	}
	struct smb2_replay_pending *p = malloc(sizeof(*p));
	if (!p)
		return;   /* a replay meanwhile opens again and waits too: no worse than before */
	p->srv = srv;
	memcpy(p->client_guid, req->conn->client_guid, 16);
	memcpy(p->create_guid, want->create_guid, 16);
	p->share_conflict = share_conflict;
	smb2_open_table_lock(srv);
	p->next = srv->replay_pending;
	srv->replay_pending = p;
	smb2_open_table_unlock(srv);
	a->replay = p;
}

void smb2_replay_pending_end(struct smb2_replay_pending *p)
{
	struct smb2_server *srv = p->srv;

	smb2_open_table_lock(srv);
	for (struct smb2_replay_pending **pp = &srv->replay_pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	smb2_open_table_unlock(srv);
	free(p);
}

void smb2_replay_pending_drop(struct smb2_conn *c, struct smb2_async *a)
{
	struct smb2_replay_pending *p = a->replay;

	if (!p)
		return;
	a->replay = NULL;
	if (c->closing && smb2_oplock_orphan(c, a, p))
		return;
	smb2_replay_pending_end(p);
}

void smb2_replay_opened(struct smb2_req *req, struct smb2_open *op,
			const struct smb2_durable_ctx *want, uint32_t create_action)
{
	op->create_action = create_action;
	if (!smb2_replay_applies(req, want))
		return;
	memcpy(op->client_guid, req->conn->client_guid, 16);
	/* Open.CreateGuid, durable or not (smb2_durable_grant sets it too, the same) */
	memcpy(op->durable.create_guid, want->create_guid, 16);
	smb2_open_guid_index(req->conn->srv, op);
}

/* The answer a replay gets from the open (Samba's, which smbtorture expects): the oplock level
 * asked for, the open's lease if one was asked for, DH2Q if the open is durable and the replay
 * asked for a level that could have made it so; the create action of the first CREATE. */
static NTSTATUS answer(struct smb2_req *req, const struct smb2_create_req *in,
		       struct smb2_open *op, bool lease_rsp, const struct smb2_lease_req *lease)
{
	struct vfs_meta meta;
	NTSTATUS st = vfs_stat(op->vfs, &meta);

	if (st != STATUS_SUCCESS)
		return st;
	uint8_t level = in->requested_oplock_level;
	struct wr ctxw;
	struct smb2_create_ctx_builder cb;
	wr_init(&ctxw, 64);
	smb2_create_ctx_builder_init(&cb, &ctxw);
	if (lease_rsp)
		smb2_create_ctx_add_lease(&cb, lease);
	if (op->durable.granted && (op->durable.persistent ||
	    level == SMB2_OPLOCK_LEVEL_BATCH || level == SMB2_OPLOCK_LEVEL_LEASE))
		smb2_create_ctx_add_dh2q(&cb, op->durable.timeout_ms,
					 op->durable.persistent ? SMB2_DHANDLE_FLAG_PERSISTENT : 0);
	if (ctxw.failed) {
		wr_free(&ctxw);
		return STATUS_NO_MEMORY;
	}
	req->cmp->have_fid = true;
	req->cmp->fid_persistent = op->persistent_id;
	req->cmp->fid_volatile = op->volatile_id;
	smb2_create_answer(req, op, level, op->create_action, &meta, &ctxw);
	wr_free(&ctxw);
	log_debug("%s: create replayed from open %llx", req->conn->peer,
		  (unsigned long long)op->persistent_id);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_replay_create(struct smb2_req *req, const struct smb2_create_req *in,
			    const struct smb2_durable_ctx *want, bool *handled)
{
	struct smb2_conn *c = req->conn;
	struct smb2_server *srv = c->srv;
	struct smb2_replay_facts f = { .replay = (req->hdr.flags & SMB2_FLAGS_REPLAY_OPERATION) != 0,
				       .windows = req->tree->share->cfg->windows_replay };
	struct smb2_lease_req lease, lease_rsp;
	uint64_t persistent = 0, volatile_id = 0;
	NTSTATUS st;

	*handled = false;
	if (!smb2_replay_applies(req, want) || req->resumed)
		return STATUS_SUCCESS;
	smb2_open_table_lock(srv);
	pending_find_locked(srv, c->client_guid, want->create_guid, &f);
	struct smb2_open *op = smb2_open_find_guid_locked(srv, c->client_guid, want->create_guid);
	if (op && !smb2_open_closed(op) && !op->durable.claimed) {
		smb2_open_ref(op);
		f.found = true;
		f.disconnected = op->durable.disconnected;
		persistent = op->persistent_id;
		volatile_id = op->volatile_id;
	} else {
		op = NULL;
	}
	smb2_open_table_unlock(srv);
	if (op && !f.disconnected)
		f.same_session = smb2_open_find(req->sess, persistent, volatile_id) == op;
	bool pending_decides = f.pending && !(f.windows && f.pending_share_conflict);
	if (op && f.replay && !f.disconnected && f.same_session && !pending_decides) {
		f.want_lease = smb2_lease_create_request(c->dialect, req->tree->share->cfg->leases,
							 in->requested_oplock_level, &in->contexts,
							 &lease, &st);
		if (st != STATUS_SUCCESS) {
			smb2_open_put(op);
			*handled = true;
			return st;
		}
		memset(&lease_rsp, 0, sizeof(lease_rsp));
		f.open_leased = smb2_oplock_replay_lease(srv, op, c->client_guid,
							 f.want_lease ? lease.key : NULL,
							 &f.lease_key_match, &lease_rsp);
	}
	enum smb2_replay_action act = smb2_replay_decide(&f, &st);
	switch (act) {
	case SMB2_REPLAY_NEW_OPEN:
		break;
	case SMB2_REPLAY_FAIL:
		*handled = true;
		break;
	case SMB2_REPLAY_ANSWER:
		*handled = true;
		/* the decision answers only from an open it found */
		st = op ? answer(req, in, op, f.want_lease && f.open_leased, &lease_rsp)
			: STATUS_INTERNAL_ERROR;
		break;
	case SMB2_REPLAY_RECONNECT: {
		/* as a DH2C naming the open would (3.3.5.9.12) */
		struct smb2_durable_ctx rc = *want;
		rc.request = false;
		rc.reconnect = true;
		rc.file_id = (struct smb2_fileid){ persistent, volatile_id };
		*handled = true;
		st = smb2_durable_reconnect(req, in, &rc, true);
		break;
	}
	}
	smb2_open_put(op);
	return st;
}
