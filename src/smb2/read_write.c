/* SPDX-License-Identifier: Apache-2.0 */
/* READ (MS-SMB2 3.3.5.12) and WRITE (3.3.5.13). Data moves between the socket buffers and the
 * file without an intermediate copy: READ preads straight into the response. */
#include "core/buf.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/pipe.h"
#include "smb2/req.h"
#include "smb2/session.h"
#include "smb2/wire/read.h"
#include "smb2/wire/write.h"
#include "vfs/vfs.h"

/* The largest file NTFS allows (16 TiB - 64 KiB). Windows refuses writes that would end beyond
 * it with STATUS_INVALID_PARAMETER (smbtorture smb2.rw.invalid); ext4's limit is above it. */
#define SMB2_MAX_FILE_SIZE 0xFFFFFFF0000ull

/* READ on a named pipe: one message (or its next part, with STATUS_BUFFER_OVERFLOW). */
static NTSTATUS read_pipe(struct smb2_req *req, struct smb2_open *op, uint32_t length)
{
	size_t fixed_at = req->out->len;

	/* Before the body is begun: an error answer carries the error body, not a READ's. */
	if (!smb2_req_response_fits(req, length))
		return STATUS_INSUFFICIENT_RESOURCES;
	smb2_read_rsp_encode_fixed(req->out, req->hdr_off, 0, 0);
	size_t data_at = req->out->len;
	NTSTATUS st = smb2_pipe_read(op->pipe, req->out, length);
	if (st != STATUS_SUCCESS && st != STATUS_BUFFER_OVERFLOW) {
		req->out->len = fixed_at;
		return st;
	}
	wr_put_u32_at(req->out, fixed_at + 4, (uint32_t)(req->out->len - data_at));
	return st;
}

NTSTATUS smb2_read(struct smb2_req *req)
{
	struct smb2_read_req in;
	struct smb2_open *op;
	size_t nread = 0;
	NTSTATUS st;

	st = smb2_read_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open_any(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	if (in.length > req->conn->max_read)   /* 3.3.5.12: what NEGOTIATE announced */
		return STATUS_INVALID_PARAMETER;
	if (op->pipe)
		return read_pipe(req, op, in.length);
	/* File offsets are signed 64-bit in NT: a range that does not fit is a bad parameter,
	 * not end of file (smb2.rw.invalid: INT64_MAX + 1 with length 0, INT64_MAX with 1). */
	if (in.offset > (uint64_t)INT64_MAX || in.length > (uint64_t)INT64_MAX - in.offset)
		return STATUS_INVALID_PARAMETER;
	if (vfs_open_is_dir(op->vfs))
		return STATUS_INVALID_DEVICE_REQUEST;
	if (!(op->access & (FILE_READ_DATA | FILE_EXECUTE)))
		return STATUS_ACCESS_DENIED;

	/* The buffer is reserved at the full length: bound what one compound makes us hold. */
	if (!smb2_req_response_fits(req, in.length))
		return STATUS_INSUFFICIENT_RESOURCES;
	size_t fixed_at = req->out->len;
	smb2_read_rsp_encode_fixed_padded(req->out, req->hdr_off, in.length, 0,
					  req->conn->read_body_padding);
	uint8_t *dst = wr_reserve(req->out, in.length);
	if (!dst)
		return STATUS_NO_MEMORY;
	st = vfs_read(op->vfs, dst, in.length, in.offset, &nread);
	if (st == STATUS_SUCCESS && nread < in.minimum_count)
		st = STATUS_END_OF_FILE;
	if (st != STATUS_SUCCESS) {
		req->out->len = fixed_at;   /* errors carry the error body instead */
		return st;
	}
	req->out->len += nread;
	/* Patch DataLength now that the real count is known. */
	wr_put_u32_at(req->out, fixed_at + 4, (uint32_t)nread);
	vfs_open_set_position(op->vfs, in.offset + nread);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_write(struct smb2_req *req)
{
	struct smb2_write_req in;
	struct smb2_open *op;
	size_t nwritten = 0;
	NTSTATUS st;

	st = smb2_write_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open_any(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	if (in.length > req->conn->max_write)   /* 3.3.5.13 */
		return STATUS_INVALID_PARAMETER;
	if (op->pipe) {
		st = smb2_pipe_write(op->pipe, in.data, in.length);
		if (st != STATUS_SUCCESS)
			return st;
		struct smb2_write_rsp prsp = { .count = in.length };
		smb2_write_rsp_encode(req->out, req->hdr_off, &prsp);
		return STATUS_SUCCESS;
	}
	if (vfs_open_is_dir(op->vfs))
		return STATUS_INVALID_DEVICE_REQUEST;
	/* Offset -1 means "at end of file" only on a handle that may append but not write
	 * (MS-FSA 2.1.5.4); elsewhere, like any offset beyond INT64_MAX, it is invalid, and so is a
	 * range ending past the largest NTFS file (smb2.rw.invalid). */
	bool append = in.offset == UINT64_MAX && !(op->access & FILE_WRITE_DATA) &&
		      (op->access & FILE_APPEND_DATA);
	if (!append && (in.offset > (uint64_t)INT64_MAX ||
			(in.length > 0 && in.offset + in.length > SMB2_MAX_FILE_SIZE)))
		return STATUS_INVALID_PARAMETER;
	if (!(op->access & FILE_WRITE_DATA) && !append)
		return STATUS_ACCESS_DENIED;
	if (req->tree->read_only)
		return STATUS_ACCESS_DENIED;
	st = vfs_write(op->vfs, in.data, in.length, in.offset, &nwritten);
	if (st != STATUS_SUCCESS)
		return st;
	if (!append)
		vfs_open_set_position(op->vfs, in.offset + nwritten);
	smb2_oplock_break_level2(req->conn, op);
	/* Its close changes the parent's listing (size, times): directory leases break then
	 * (smb2.lease.v2_request), not on every write. */
	atomic_store_explicit(&op->written, true, memory_order_relaxed);
	struct smb2_write_rsp rsp = { .count = (uint32_t)nwritten };
	smb2_write_rsp_encode(req->out, req->hdr_off, &rsp);
	return STATUS_SUCCESS;
}
