/* SPDX-License-Identifier: Apache-2.0 */
/* CLOSE (MS-SMB2 3.3.5.10) and FLUSH (3.3.5.11). */
#include "smb2/handlers.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/wire/close.h"
#include "vfs/vfs.h"

NTSTATUS smb2_close(struct smb2_req *req)
{
	struct smb2_close_req in;
	struct smb2_close_rsp rsp = { 0 };
	struct smb2_open *op;
	struct vfs_meta m;
	NTSTATUS st;

	st = smb2_close_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open_any(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	bool postquery = in.flags & SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB;
	/* Out of the session's tables under its lock; then, without it, wait for the open's
	 * requests on other channels (a slow READ) and close the file: the session's other
	 * requests go on meanwhile. */
	smb2_open_unlink(req->conn, op);
	smb2_req_unlock_session(req);
	smb2_open_release(req->conn, op, postquery ? &m : NULL);
	if (postquery) {
		rsp.flags = SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB;
		rsp.creation_time = m.btime;
		rsp.last_access_time = m.atime;
		rsp.last_write_time = m.mtime;
		rsp.change_time = m.ctime;
		rsp.allocation_size = m.is_dir ? 0 : m.alloc_size;
		rsp.end_of_file = m.is_dir ? 0 : m.size;
		rsp.file_attributes = m.attrs;
	}
	smb2_close_rsp_encode(req->out, req->hdr_off, &rsp);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_flush(struct smb2_req *req)
{
	struct smb2_flush_req in;
	struct smb2_open *op;
	NTSTATUS st;

	st = smb2_flush_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open_any(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	if (op->pipe) {
		smb2_flush_rsp_encode(req->out, req->hdr_off);   /* nothing buffered on a pipe */
		return STATUS_SUCCESS;
	}
	/* 3.3.5.11: flushing needs write or append access. */
	if (!(op->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	st = vfs_flush(op->vfs);
	if (st != STATUS_SUCCESS)
		return st;
	smb2_flush_rsp_encode(req->out, req->hdr_off);
	return STATUS_SUCCESS;
}
