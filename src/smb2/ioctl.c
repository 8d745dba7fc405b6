/* SPDX-License-Identifier: Apache-2.0 */
/* IOCTL (MS-SMB2 3.3.5.15): FSCTL_VALIDATE_NEGOTIATE_INFO, FSCTL_QUERY_NETWORK_INTERFACE_INFO,
 * DFS referrals refused, Samba's test hooks; the FSCTLs on a handle; others not supported. */
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/open.h"
#include "smb2/pipe.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/wire/fsctl.h"
#include "smb2/wire/ioctl.h"
#include "smb2/wire/negotiate.h"
#include "vfs/vfs.h"

/* MS-SMB2 3.3.5.15.12: the client proves the NEGOTIATE it saw was not tampered with. Any
 * mismatch ends the connection. */
static NTSTATUS validate_negotiate(struct smb2_req *req, const struct smb2_ioctl_req *in,
				   struct wr *out)
{
	struct smb2_conn *c = req->conn;
	struct smb2_validate_negotiate_req v;
	uint16_t best = 0;

	if (c->dialect == SMB2_DIALECT_311)
		goto drop;   /* 3.1.1 has preauth integrity instead */
	if (smb2_validate_negotiate_decode(in->input, in->input_len, &v) != STATUS_SUCCESS)
		goto drop;
	for (uint16_t i = 0; i < v.dialect_count; i++) {
		uint16_t d = le16(v.dialects + 2 * i);
		if (d <= c->srv->cfg->g.max_protocol && d >= c->srv->cfg->g.min_protocol && d > best &&
		    d != SMB2_DIALECT_311)
			best = d;
	}
	if (v.capabilities != c->client_caps || memcmp(v.guid, c->client_guid, 16) != 0 ||
	    v.security_mode != c->client_security_mode || best != c->dialect)
		goto drop;

	struct smb2_validate_negotiate_rsp rsp = {
		.capabilities = smb2_server_caps(c, c->dialect),
		.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED |
				 (c->srv->cfg->g.signing == CFG_SIGNING_MANDATORY ? SMB2_NEGOTIATE_SIGNING_REQUIRED : 0),
		.dialect = c->dialect,
	};
	memcpy(rsp.guid, c->srv->server_guid, 16);
	smb2_validate_negotiate_encode(out, &rsp);
	return STATUS_SUCCESS;
drop:
	log_info("%s: FSCTL_VALIDATE_NEGOTIATE_INFO mismatch, dropping the connection", c->peer);
	net_conn_close(c->net);
	return STATUS_ACCESS_DENIED;
}

/* FSCTLs on a file or directory handle. */
static NTSTATUS file_fsctl(struct smb2_req *req, const struct smb2_ioctl_req *in, struct wr *out)
{
	struct smb2_open *op;
	uint64_t dev, ino;
	NTSTATUS st;

	if (!req->tree)
		return STATUS_NETWORK_NAME_DELETED;
	st = smb2_req_open_any(req, in->file_id.persistent, in->file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	if (op->pipe) {
		/* 3.3.5.15.4: write the request, return what the pipe answers. */
		if (in->ctl_code != FSCTL_PIPE_TRANSCEIVE)
			return STATUS_NOT_SUPPORTED;
		st = smb2_pipe_write(op->pipe, in->input, in->input_len);
		if (st != STATUS_SUCCESS)
			return st;
		return smb2_pipe_read(op->pipe, out, in->max_output_response);
	}
	switch (in->ctl_code) {
	case FSCTL_GET_OBJECT_ID:
	case FSCTL_CREATE_OR_GET_OBJECT_ID: {
		/* MS-FSCC 2.3.1: a stable 16-byte id; ours is derived from the file id, so it
		 * needs no storage and survives restarts. */
		uint8_t oid[16], vol[16] = { 0 };
		vfs_open_file_id(op->vfs, &dev, &ino);
		put_le64(oid, ino);
		put_le64(oid + 8, dev);
		put_le64(vol, vfs_open_share(op->vfs)->volume_serial);
		smb2_object_id_encode(out, oid, vol);
		return STATUS_SUCCESS;
	}
	default:
		return STATUS_NOT_SUPPORTED;
	}
}

NTSTATUS smb2_ioctl(struct smb2_req *req)
{
	struct smb2_ioctl_req in;
	struct wr out;
	NTSTATUS st;

	st = smb2_ioctl_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	if (!(in.flags & SMB2_0_IOCTL_IS_FSCTL))
		return STATUS_NOT_SUPPORTED;   /* 3.3.5.15: only FSCTLs over SMB2 */
	/* 3.3.5.15: InputCount, MaxInputResponse or MaxOutputResponse beyond the negotiated
	 * MaxTransactSize fails the request (the output is built at up to that size). */
	if (in.input_len > req->conn->max_trans || in.max_input_response > req->conn->max_trans ||
	    in.max_output_response > req->conn->max_trans)
		return STATUS_INVALID_PARAMETER;

	wr_init(&out, 64);
	switch (in.ctl_code) {
	case FSCTL_VALIDATE_NEGOTIATE_INFO:
		st = validate_negotiate(req, &in, &out);
		break;
	case FSCTL_SMBTORTURE_GLOBAL_READ_RESPONSE_BODY_PADDING8:
		/* A test hook, off unless "smbtorture hooks = yes": makes READ responses carry
		 * padding so smbtorture can check that clients honour DataOffset. */
		if (!req->conn->srv->cfg->g.smbtorture_hooks)
			st = STATUS_NOT_SUPPORTED;
		else if (in.input_len != 0)
			st = STATUS_INVALID_PARAMETER;
		else
			req->conn->read_body_padding = 8;
		break;
	case FSCTL_QUERY_NETWORK_INTERFACE_INFO:
		/* 3.3.5.15.11: 3.x with multichannel only; not on a file */
		if (!(smb2_server_caps(req->conn, req->conn->dialect) & SMB2_GLOBAL_CAP_MULTI_CHANNEL))
			st = STATUS_NOT_SUPPORTED;
		else if (in.file_id.persistent != UINT64_MAX || in.file_id.volatile_ != UINT64_MAX)
			st = STATUS_INVALID_PARAMETER;
		else
			st = smb2_net_ifaces_query(req->conn->srv, &out);
		break;
	case FSCTL_SMBTORTURE_FORCE_UNACKED_TIMEOUT:
		/* A test hook, off unless "smbtorture hooks = yes", sent without a session (the
		 * dispatcher lets it through): from now on this connection's breaks count as never
		 * acknowledged by TCP, as if the client had vanished (smb2.oplock.batch22b). */
		if (!req->conn->srv->cfg->g.smbtorture_hooks)
			st = STATUS_NOT_SUPPORTED;
		else if (in.input_len != 0)
			st = STATUS_INVALID_PARAMETER;
		else
			net_conn_set_never_acked(req->conn->net);
		break;
	case FSCTL_DFS_GET_REFERRALS:
	case FSCTL_DFS_GET_REFERRALS_EX:
		st = STATUS_FS_DRIVER_REQUIRED;   /* no DFS: what Windows without DFS answers */
		break;
	default:
		/* Everything else acts on an open: the handle is checked first (3.3.5.15). */
		st = file_fsctl(req, &in, &out);
		break;
	}
	if (st == STATUS_SUCCESS || (st == STATUS_BUFFER_OVERFLOW && in.ctl_code == FSCTL_PIPE_TRANSCEIVE)) {
		if (out.failed) {
			st = STATUS_NO_MEMORY;
		} else if (out.len > in.max_output_response) {
			st = STATUS_BUFFER_TOO_SMALL;
		} else if (!smb2_req_response_fits(req, out.len)) {
			st = STATUS_INSUFFICIENT_RESOURCES;   /* the compound has answered enough */
		} else {
			struct smb2_ioctl_rsp rsp = {
				.ctl_code = in.ctl_code,
				.file_id = in.file_id,
				.output = out.buf,
				.output_len = (uint32_t)out.len,
			};
			smb2_ioctl_rsp_encode(req->out, req->hdr_off, &rsp);
		}
	}
	wr_free(&out);
	return st;
}
