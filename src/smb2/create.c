/* SPDX-License-Identifier: Apache-2.0 */
/* CREATE (MS-SMB2 3.3.5.9): request checks, create contexts, the VFS open, the response. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/utf16.h"
#include "smb2/conn.h"
#include "smb2/durable.h"
#include "smb2/ea.h"
#include "smb2/handlers.h"
#include "smb2/lease.h"
#include "smb2/notify.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/pipe.h"
#include "smb2/replay.h"
#include "smb2/req.h"
#include "smb2/security.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/change_notify.h"
#include "smb2/wire/create.h"
#include "smb2/wire/create_contexts.h"
#include "vfs/vfs.h"

/* CreateOptions bits a client may set (MS-SMB2 2.2.13). */
#define CREATE_OPTIONS_VALID 0x00FFFFFFu
/* FileAttributes a client may ask for at create time (MS-FSCC 2.6). */
#define CREATE_ATTRIBUTES_VALID (FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | \
	FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_ARCHIVE | \
	FILE_ATTRIBUTE_NORMAL | FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_SPARSE_FILE | \
	FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_COMPRESSED | FILE_ATTRIBUTE_OFFLINE | \
	FILE_ATTRIBUTE_NOT_CONTENT_INDEXED | FILE_ATTRIBUTE_ENCRYPTED | \
	FILE_ATTRIBUTE_INTEGRITY_STREAM | FILE_ATTRIBUTE_NO_SCRUB_DATA)

struct create_ctx_wants {
	bool mxac;
	bool qfid;
	uint64_t alloc_size;
	struct vfs_ea *eas;        /* ExtA: EAs for a file this create makes or overwrites */
	size_t neas;
};

/* Known contexts we act on (leases and durable handles have their own); the others are
 * ignored as the spec allows. */
static NTSTATUS parse_contexts(struct arena *a, const struct smb2_create_req *in,
			       struct create_ctx_wants *want)
{
	const struct smb2_create_ctx_list *list = &in->contexts;
	const struct smb2_create_ctx *cc;
	NTSTATUS st;

	if ((cc = smb2_create_ctx_find(list, SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST))) {
		bool has_ts;
		uint64_t ts;
		st = smb2_create_ctx_mxac_decode(cc, &has_ts, &ts);
		if (st != STATUS_SUCCESS)
			return st;
		want->mxac = true;
	}
	if (smb2_create_ctx_find(list, SMB2_CREATE_QUERY_ON_DISK_ID))
		want->qfid = true;
	if ((cc = smb2_create_ctx_find(list, SMB2_CREATE_ALLOCATION_SIZE))) {
		st = smb2_create_ctx_u64_decode(cc, &want->alloc_size);
		if (st != STATUS_SUCCESS)
			return st;
	}
	if ((cc = smb2_create_ctx_find(list, SMB2_CREATE_EA_BUFFER))) {
		/* MS-SMB2 3.3.5.9: a malformed list fails the create (EA_LIST_INCONSISTENT). */
		st = smb2_ea_from_create_context(a, cc->data, cc->data_len, &want->eas, &want->neas);
		if (st != STATUS_SUCCESS)
			return st;
	}
	return STATUS_SUCCESS;
}

/* CREATE on IPC$: a named pipe of the RPC services (pipe.c). */
static NTSTATUS create_pipe(struct smb2_req *req, const struct smb2_create_req *in)
{
	struct smb2_conn *c = req->conn;
	struct smb2_pipe *pipe;
	char *name = in->name_len ? utf16le_to_utf8(req->arena, in->name, in->name_len) : NULL;
	NTSTATUS st;

	uid_t owner;

	if (!name)
		return STATUS_OBJECT_NAME_INVALID;
	st = smb2_open_charge(req->sess, &owner);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_pipe_open(req, name, &pipe);
	if (st != STATUS_SUCCESS) {
		smb2_open_uncharge(c->srv, owner);
		return st;
	}
	struct smb2_open *op = smb2_open_add(c, req->sess, req->tree, NULL);
	if (!op) {
		smb2_pipe_close(pipe);
		smb2_open_uncharge(c->srv, owner);
		return STATUS_NO_MEMORY;
	}
	op->charged = true;
	op->owner = owner;
	op->pipe = pipe;
	op->access = FILE_GENERIC_READ | FILE_GENERIC_WRITE;
	req->cmp->have_fid = true;
	req->cmp->fid_persistent = op->persistent_id;
	req->cmp->fid_volatile = op->volatile_id;
	uint64_t now = smb2_nttime_now();
	struct smb2_create_rsp rsp = {
		.create_action = FILE_OPENED,
		.creation_time = now,
		.last_access_time = now,
		.last_write_time = now,
		.change_time = now,
		.allocation_size = 4096,
		.file_attributes = FILE_ATTRIBUTE_NORMAL,
		.file_id = { op->persistent_id, op->volatile_id },
	};
	smb2_create_rsp_encode(req->out, req->hdr_off, &rsp);
	log_debug("%s: pipe '%s' opened", c->peer, name);
	return STATUS_SUCCESS;
}

void smb2_create_answer(struct smb2_req *req, const struct smb2_open *op, uint8_t oplock_level,
			uint32_t create_action, const struct vfs_meta *m, const struct wr *contexts)
{
	struct smb2_create_rsp rsp = {
		.oplock_level = oplock_level,
		.create_action = create_action,
		.creation_time = m->btime,
		.last_access_time = m->atime,
		.last_write_time = m->mtime,
		.change_time = m->ctime,
		.allocation_size = m->alloc_size,
		.end_of_file = m->size,
		.file_attributes = m->attrs,
		.file_id = { op->persistent_id, op->volatile_id },
		.contexts = contexts->buf,
		.contexts_len = (uint32_t)contexts->len,
	};
	smb2_create_rsp_encode(req->out, req->hdr_off, &rsp);
}

/* After the file work of a CREATE that let go of the session lock: the lock again, and the
 * session and tree checked (MS-SMB2 3.3.5.2.9, 3.3.5.2.11: a LOGOFF or TREE_DISCONNECT on another
 * channel meanwhile). The tree is let go of, and freed if it went. Returns the status for a
 * session or tree gone, else STATUS_SUCCESS. */
static NTSTATUS relock_for_insert(struct smb2_req *req, struct smb2_tree *tree)
{
	struct smb2_session *s = req->held;

	smb2_req_relock_session(req);
	s->creating--;
	NTSTATUS gone = s->unlinked || s->state == SESSION_LOGGED_OFF ? STATUS_USER_SESSION_DELETED
		      : tree->gone ? STATUS_NETWORK_NAME_DELETED : STATUS_SUCCESS;
	smb2_tree_unhold(tree);
	return gone;
}

NTSTATUS smb2_create(struct smb2_req *req)
{
	struct smb2_conn *c = req->conn;
	struct smb2_tree *tree = req->tree;
	struct smb2_create_req in;
	struct create_ctx_wants want = { 0 };
	struct vfs_create_result res;
	struct vfs_open *vo = NULL;
	struct smb2_oplock_admission adm = { .req = req };
	char *path = NULL;
	NTSTATUS st;

	st = smb2_create_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	/* DHnC / DH2C: the rest of the request is not looked at (smbtorture durable-open.reopen2
	 * sends nonsense in its other fields). */
	struct smb2_durable_ctx durable = { 0 };
	st = tree->share->ipc ? STATUS_SUCCESS
			      : smb2_create_ctx_durable_decode(&in.contexts, &durable);
	if (st != STATUS_SUCCESS)
		return st;
	if (!tree->share->ipc && durable.reconnect)
		return smb2_durable_reconnect(req, &in, &durable, false);
	/* MS-SMB2 3.3.5.9: parameter checks, in the order Windows applies them. */
	if (in.impersonation_level > 3)
		return STATUS_BAD_IMPERSONATION_LEVEL;
	if (in.create_options & ~CREATE_OPTIONS_VALID)
		return STATUS_INVALID_PARAMETER;
	if ((in.create_options & FILE_DIRECTORY_FILE) && (in.create_options & FILE_NON_DIRECTORY_FILE))
		return STATUS_INVALID_PARAMETER;
	if (in.create_disposition > FILE_OVERWRITE_IF)
		return STATUS_INVALID_PARAMETER;
	if (in.file_attributes & ~CREATE_ATTRIBUTES_VALID)
		return STATUS_INVALID_PARAMETER;
	if (in.desired_access & 0x0CE0FE00u)   /* reserved access bits (MS-SMB2 2.2.13.1) */
		return STATUS_ACCESS_DENIED;
	if (tree->share->ipc)
		return create_pipe(req, &in);
	/* A DH2Q CREATE whose CreateGuid names an open or a waiting CREATE (replay.c). */
	bool replay_handled;
	st = smb2_replay_create(req, &in, &durable, &replay_handled);
	if (replay_handled || st != STATUS_SUCCESS)
		return st;

	st = parse_contexts(req->arena, &in, &want);
	if (st != STATUS_SUCCESS)
		return st;
	struct sd *secd;
	st = smb2_security_create_ctx(req, &in.contexts, &secd);   /* SecD: checked before creating */
	if (st != STATUS_SUCCESS)
		return st;
	st = vfs_path_from_wire(req->arena, in.name, in.name_len, &path);
	if (st != STATUS_SUCCESS)
		return st;

	struct vfs_create_args args = {
		.desired_access = in.desired_access,
		.file_attributes = in.file_attributes,
		.share_access = in.share_access,
		.disposition = in.create_disposition,
		.create_options = in.create_options,
		.allocation_size = want.alloc_size,
		.eas = want.eas,
		.neas = want.neas,
		.apply_security = true,   /* inheritance and SecD on what the create makes */
		.sd = secd,
		.sd_arena = req->arena,
		/* Oplock breaks are decided with the share-mode check, in one step (oplock.c). */
		.admit = smb2_oplock_admit,
		.admit_arg = &adm,
	};
	adm.requested = tree->share->cfg->oplocks ? in.requested_oplock_level : SMB2_OPLOCK_LEVEL_NONE;
	adm.disposition = in.create_disposition;
	adm.delete_on_close = (in.create_options & FILE_DELETE_ON_CLOSE) != 0;
	adm.dir_leasing = smb2_conn_dir_leasing(c, c->dialect);
	/* RqLs (lease.c): acted on from 2.1 on, with the share's `leases` on */
	adm.want_lease = smb2_lease_create_request(c->dialect, tree->share->cfg->leases,
						   in.requested_oplock_level, &in.contexts,
						   &adm.lease_req, &st);
	if (st != STATUS_SUCCESS)
		return st;
	if (adm.want_lease) {
		size_t n = strlen(tree->share->cfg->name) + strlen(path) + 2;
		char *name = arena_alloc(req->arena, n);
		if (!name)
			return STATUS_NO_MEMORY;
		snprintf(name, n, "%s\\%s", tree->share->cfg->name, path);
		adm.lease_name = (struct smb2_lease_name){ tree->vfs->path, name };
	}
	/* The session's and its user's bounds on opens, before the file system is touched (an
	 * open refused there must not have created the file). */
	uid_t owner;
	st = smb2_open_charge(req->sess, &owner);
	if (st != STATUS_SUCCESS)
		return st;
	/* The file-system work (name resolution, share modes, oplocks and leases: each has its own
	 * locks) runs without the session lock, beside the session's other requests on any
	 * channel; the tree is held meanwhile (smb2_tree_hold). Not a DH2Q CREATE: a replay of it
	 * on another channel must find it in the CreateGuid index or waiting (replay.c), which the
	 * session lock keeps in step. */
	struct smb2_session *sess = req->sess;
	bool unlocked = !smb2_replay_applies(req, &durable) && req->held == sess &&
			!req->held_unlocked;
	if (unlocked) {
		sess->creating++;
		smb2_tree_hold(tree);
		smb2_req_unlock_session(req);
	}
	/* STATUS_PENDING: oplocks of other opens are being broken and this open waits for their
	 * holders' acknowledgement (MS-SMB2 3.3.5.9, MS-FSA 2.1.5.1.2); it runs again then. */
	st = vfs_create(tree->vfs, path, &args, &vo, &res);
	/* Disconnected durable opens in the way are closed and the open tried again (a bounded
	 * number of times: others may disconnect meanwhile). */
	for (int tries = 0; st == SMB2_STATUS_PURGE_DURABLE && tries < 4; tries++) {
		smb2_durable_purge(c, adm.purge, adm.npurge);
		st = vfs_create(tree->vfs, path, &args, &vo, &res);
	}
	if (st == SMB2_STATUS_PURGE_DURABLE)
		st = STATUS_SHARING_VIOLATION;
	if (st == STATUS_PENDING)
		smb2_replay_pending_add(req, &durable, adm.parked_share_conflict);
	NTSTATUS gone = unlocked ? relock_for_insert(req, tree) : STATUS_SUCCESS;
	if (st == STATUS_SUCCESS && gone != STATUS_SUCCESS) {
		/* made for a session or tree that went meanwhile */
		smb2_oplock_abandon(&adm);
		vfs_close(vo, NULL);
		smb2_open_uncharge(c->srv, owner);
		return gone;
	}
	if (st != STATUS_SUCCESS) {
		smb2_oplock_abandon(&adm);
		smb2_open_uncharge(c->srv, owner);
		return st;
	}
	struct smb2_open *op = smb2_open_add(c, req->sess, tree, vo);
	if (!op) {
		smb2_oplock_abandon(&adm);
		vfs_close(vo, NULL);
		smb2_open_uncharge(c->srv, owner);
		return STATUS_NO_MEMORY;
	}
	op->charged = true;
	op->owner = owner;
	op->access = res.granted_access;
	op->channel_sequence = (uint16_t)req->hdr.status;  /* 3.x: ChannelSequence (3.3.5.9) */
	if (adm.want_lease && adm.lease_req.v2 &&
	    (adm.lease_req.flags & SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET)) {
		op->has_parent_lease_key = true;
		memcpy(op->parent_lease_key, adm.lease_req.parent_key, sizeof(op->parent_lease_key));
	}
	uint8_t oplock = smb2_oplock_attach(&adm, op);
	uint32_t durable_timeout = 0;
	struct smb2_persist_create pc = {
		.client_guid = c->client_guid,
		.share_access = in.share_access,
		.create_options = in.create_options,
		.lease = adm.leased ? &adm.lease_rsp : NULL,
	};
	bool durable_granted = smb2_durable_grant(op, &durable, c->dialect, oplock,
						  adm.leased ? adm.lease_rsp.state : 0, &pc,
						  &durable_timeout);
	smb2_replay_opened(req, op, &durable, res.create_action);
	req->cmp->have_fid = true;
	req->cmp->fid_persistent = op->persistent_id;
	req->cmp->fid_volatile = op->volatile_id;

	/* Response contexts, in the order Windows sends them. */
	struct wr ctxw;
	struct smb2_create_ctx_builder cb;
	wr_init(&ctxw, 128);
	smb2_create_ctx_builder_init(&cb, &ctxw);
	if (want.mxac)
		smb2_create_ctx_add_mxac(&cb, STATUS_SUCCESS, res.maximal_access);
	if (want.qfid)
		smb2_create_ctx_add_qfid(&cb, res.meta.file_id, tree->vfs->volume_serial);
	if (adm.leased)
		smb2_create_ctx_add_lease(&cb, &adm.lease_rsp);
	if (durable_granted && durable.v2)
		smb2_create_ctx_add_dh2q(&cb, durable_timeout,
					 op->durable.persistent ? SMB2_DHANDLE_FLAG_PERSISTENT : 0);
	else if (durable_granted)
		smb2_create_ctx_add_dhnq(&cb);
	if (ctxw.failed) {
		wr_free(&ctxw);
		smb2_open_close(c, op, NULL);
		return STATUS_NO_MEMORY;
	}
	if (adm.leased && res.meta.is_dir && adm.lease_rsp.state)
		smb2_dirlease_watch(c->srv, op);
	smb2_create_answer(req, op, oplock, res.create_action, &res.meta, &ctxw);
	wr_free(&ctxw);
	/* A new entry, or one whose size and times changed: the parent's listing is not what a
	 * directory lease cached. */
	if (res.create_action != FILE_OPENED)
		smb2_dirlease_entry_changed(c->srv, c->client_guid, op, tree->vfs, vfs_open_path(vo),
					    NULL);
	if (res.create_action == FILE_CREATED)
		smb2_notify_event(c->srv, tree->vfs, path, FILE_ACTION_ADDED,
				  res.meta.is_dir ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME);
	log_debug("%s: create '%s' -> %llx action %u", c->peer, path,
		  (unsigned long long)op->volatile_id, res.create_action);
	return STATUS_SUCCESS;
}
