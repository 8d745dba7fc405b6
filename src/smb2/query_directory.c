/* SPDX-License-Identifier: Apache-2.0 */
/* QUERY_DIRECTORY (MS-SMB2 3.3.5.18): enumeration with patterns, restart/reopen, resume. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf16.h"
#include "smb2/handlers.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/wire/info_dir.h"
#include "smb2/wire/query_directory.h"
#include "vfs/vfs.h"

static void dir_entry_from(const struct vfs_dirent *d, struct smb2_dir_entry *e)
{
	*e = (struct smb2_dir_entry){
		.name = d->name,
		.btime = d->meta.btime,
		.atime = d->meta.atime,
		.mtime = d->meta.mtime,
		.ctime = d->meta.ctime,
		.eof = d->meta.is_dir ? 0 : d->meta.size,
		.alloc_size = d->meta.is_dir ? 0 : d->meta.alloc_size,
		.attrs = d->meta.attrs,
		.file_id = d->meta.file_id,
	};
}

NTSTATUS smb2_query_directory(struct smb2_req *req)
{
	struct smb2_query_directory_req in;
	struct smb2_open *op;
	struct smb2_dir_enc enc;
	struct wr data;
	char *pattern = NULL;
	NTSTATUS st;

	st = smb2_query_directory_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open_dir(req, &in.file_id, in.output_buffer_length, &op);
	if (st != STATUS_SUCCESS)
		return st;
	if (in.pattern_len) {
		pattern = utf16le_to_utf8(req->arena, in.pattern, in.pattern_len);
		if (!pattern)
			return STATUS_OBJECT_NAME_INVALID;
		if (strchr(pattern, '\\') || strchr(pattern, '/'))
			return STATUS_OBJECT_NAME_INVALID;
	} else {
		pattern = "*";
	}

	wr_init(&data, in.output_buffer_length < 65536 ? in.output_buffer_length + 64 : 65536);
	st = smb2_dir_enc_init(&enc, in.file_info_class, in.output_buffer_length, &data);
	if (st != STATUS_SUCCESS)
		goto out;

	bool restart = !op->dir_started || (in.flags & (SMB2_RESTART_SCANS | SMB2_REOPEN));
	bool first_call = restart;
	if (restart) {
		st = vfs_dir_rewind(op->vfs, pattern);
		if (st != STATUS_SUCCESS)
			goto out;
		op->dir_started = true;
	}
	for (;;) {
		struct vfs_dirent d;
		struct smb2_dir_entry e;

		st = vfs_dir_next(op->vfs, &d);
		if (st == STATUS_NO_MORE_FILES)
			break;
		if (st != STATUS_SUCCESS)
			goto out;
		dir_entry_from(&d, &e);
		st = smb2_dir_enc_add(&enc, &e);
		if (st == STATUS_OBJECT_NAME_INVALID)
			continue;   /* a name that is not valid UTF-8 cannot be listed */
		if (st == STATUS_BUFFER_OVERFLOW) {
			vfs_dir_unread(op->vfs);
			break;
		}
		if (st != STATUS_SUCCESS)
			goto out;
		if (in.flags & SMB2_RETURN_SINGLE_ENTRY)
			break;
	}
	if (smb2_dir_enc_count(&enc) == 0) {
		if (st == STATUS_BUFFER_OVERFLOW)
			st = STATUS_INFO_LENGTH_MISMATCH;   /* not even one entry fits */
		else
			st = first_call ? STATUS_NO_SUCH_FILE : STATUS_NO_MORE_FILES;
		goto out;
	}
	if (data.failed) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	if (!smb2_req_response_fits(req, data.len)) {
		st = STATUS_INSUFFICIENT_RESOURCES;   /* the compound has answered enough */
		goto out;
	}
	st = STATUS_SUCCESS;
	smb2_query_directory_rsp_encode_fixed(req->out, req->hdr_off, (uint32_t)data.len);
	wr_bytes(req->out, data.buf, data.len);
out:
	wr_free(&data);
	return st;
}
