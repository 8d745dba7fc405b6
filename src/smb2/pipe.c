/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named pipes on IPC$ (MS-SMB2 3.3.5.9 pipe opens, 3.3.5.12/13 READ/WRITE, 3.3.5.15.4
 * FSCTL_PIPE_TRANSCEIVE; MS-FSCC 2.4.33/2.4.34 pipe information): the SMB side of the DCE/RPC
 * services in src/rpc. Each open carries the context the services answer from: the server, the
 * shares as this caller may see them, and the caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/userdb.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/utf16.h"
#include "rpc/rpc.h"
#include "smb2/conn.h"
#include "smb2/pipe.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/info_file.h"

/* Everything an rpc_pipe points to, kept for its lifetime. */
struct smb2_pipe {
	struct rpc_pipe *rpc;
	struct rpc_server_info server;
	struct rpc_context ctx;
	struct rpc_share_info *shares;
	char user[256];
};

static bool is_account(void *arg, const char *unix_name)
{
	return userdb_exists(arg, unix_name);
}

NTSTATUS smb2_pipe_open(struct smb2_req *req, const char *name, struct smb2_pipe **out)
{
	struct smb2_server *srv = req->conn->srv;
	struct smb2_session *s = req->sess;
	struct smb2_pipe *p;

	/* Pipe names arrive as "srvsvc" or "\\PIPE\\srvsvc"-like; the RPC layer knows both. */
	if (!rpc_pipe_exists(name))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	p = calloc(1, sizeof(*p));
	if (!p)
		return STATUS_NO_MEMORY;
	p->shares = calloc(srv->nshares + 1, sizeof(*p->shares));
	if (!p->shares) {
		free(p);
		return STATUS_NO_MEMORY;
	}
	p->server = (struct rpc_server_info){
		.netbios_name = srv->cfg->g.netbios_name,
		.workgroup = srv->cfg->g.workgroup,
		.comment = "Skiff",
	};
	for (size_t i = 0; i < srv->nshares; i++) {
		const struct cfg_share *cs = srv->shares[i].cfg;
		int enc = smb2_share_encrypt(srv, &srv->shares[i]);
		p->shares[i] = (struct rpc_share_info){
			.name = cs->name,
			.comment = cs->comment,
			.path = cs->path,
			.type = RPC_STYPE_DISKTREE,
			.browseable = cs->browseable,
			.caller_denied = s->anonymous || !cfg_share_user_allowed(cs, s->user),
			.encrypt = enc == CFG_ENCRYPT_DESIRED || enc == CFG_ENCRYPT_REQUIRED,
		};
	}
	p->shares[srv->nshares] = (struct rpc_share_info){
		.name = "IPC$",
		.type = RPC_STYPE_IPC,
		.browseable = true,
	};
	snprintf(p->user, sizeof(p->user), "%s", s->user);
	p->ctx = (struct rpc_context){
		.server = &p->server,
		.shares = p->shares,
		.nshares = srv->nshares + 1,
		.caller = {
			.user = s->anonymous ? NULL : p->user,
			.uid = s->ident.uid,
			.gid = s->ident.gid,
			.anonymous = s->anonymous,
			.admin = !s->anonymous && !s->guest && cfg_is_server_admin(srv->cfg, s->user),
		},
		.is_account = is_account,
		.is_account_arg = srv->users,
	};
	p->rpc = rpc_pipe_open(name, &p->ctx);
	if (!p->rpc) {
		free(p->shares);
		free(p);
		return STATUS_OBJECT_NAME_NOT_FOUND;
	}
	*out = p;
	return STATUS_SUCCESS;
}

void smb2_pipe_close(struct smb2_pipe *p)
{
	if (!p)
		return;
	rpc_pipe_close(p->rpc);
	free(p->shares);
	free(p);
}

NTSTATUS smb2_pipe_write(struct smb2_pipe *p, const uint8_t *data, size_t len)
{
	return rpc_pipe_write(p->rpc, data, len);
}

/* Append up to `max` bytes of the current message to w; BUFFER_OVERFLOW when more remain. */
NTSTATUS smb2_pipe_read(struct smb2_pipe *p, struct wr *w, uint32_t max)
{
	size_t n = 0;
	bool more = false;
	uint8_t *dst = wr_reserve(w, max);

	if (!dst && max)
		return STATUS_NO_MEMORY;
	NTSTATUS st = rpc_pipe_read(p->rpc, dst, max, &n, &more);
	if (st != STATUS_SUCCESS)
		return st;
	w->len += n;
	return more ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* QUERY_INFO on a pipe: the classes Windows answers for one. */
NTSTATUS smb2_pipe_query_info(struct smb2_pipe *p, uint8_t cls, uint32_t out_len, struct wr *w)
{
	size_t need;

	switch (cls) {
	case FileStandardInformation:   /* MS-FSCC 2.4.41 */
		need = 24;
		if (out_len < need)
			return STATUS_INFO_LENGTH_MISMATCH;
		wr_u64(w, 4096);   /* AllocationSize */
		wr_u64(w, 0);      /* EndOfFile */
		wr_u32(w, 1);      /* NumberOfLinks */
		wr_u8(w, 1);       /* DeletePending: a pipe goes away with its last handle */
		wr_u8(w, 0);       /* Directory */
		wr_u16(w, 0);
		return STATUS_SUCCESS;
	case FilePipeInformation:       /* MS-FSCC 2.4.33 */
		if (out_len < 8)
			return STATUS_INFO_LENGTH_MISMATCH;
		wr_u32(w, 1);      /* ReadMode: FILE_PIPE_MESSAGE_MODE */
		wr_u32(w, 0);      /* CompletionMode: FILE_PIPE_QUEUE_OPERATION */
		return STATUS_SUCCESS;
	case FilePipeLocalInformation:  /* MS-FSCC 2.4.34 */
		if (out_len < 40)
			return STATUS_INFO_LENGTH_MISMATCH;
		wr_u32(w, 1);      /* NamedPipeType: FILE_PIPE_MESSAGE_TYPE */
		wr_u32(w, 2);      /* NamedPipeConfiguration: FILE_PIPE_FULL_DUPLEX */
		wr_u32(w, 0xFFFFFFFFu);   /* MaximumInstances: unlimited */
		wr_u32(w, 1);      /* CurrentInstances */
		wr_u32(w, 4096);   /* InboundQuota */
		wr_u32(w, (uint32_t)rpc_pipe_pending(p->rpc));   /* ReadDataAvailable */
		wr_u32(w, 4096);   /* OutboundQuota */
		wr_u32(w, 4096);   /* WriteQuotaAvailable */
		wr_u32(w, 3);      /* NamedPipeState: FILE_PIPE_CONNECTED_STATE */
		wr_u32(w, 1);      /* NamedPipeEnd: FILE_PIPE_SERVER_END */
		return STATUS_SUCCESS;
	default:
		return STATUS_INVALID_PARAMETER;
	}
}
