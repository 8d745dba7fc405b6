/* SPDX-License-Identifier: Apache-2.0 */
/* QUERY_INFO (MS-SMB2 3.3.5.20): file and file-system classes filled from the VFS. */
#include <string.h>

#include "core/buf.h"
#include "smb2/conn.h"
#include "smb2/ea.h"
#include "smb2/handlers.h"
#include "smb2/open.h"
#include "smb2/pipe.h"
#include "smb2/req.h"
#include "smb2/security.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/streams.h"
#include "smb2/wire/info_file.h"
#include "smb2/wire/info_fs.h"
#include "smb2/wire/query_info.h"
#include "vfs/vfs.h"

static void info_file_from_open(const struct smb2_conn *c, const struct smb2_open *op,
				const struct vfs_meta *m, struct smb2_info_file *out)
{
	*out = (struct smb2_info_file){
		.btime = m->btime,
		.atime = m->atime,
		.mtime = m->mtime,
		.ctime = m->ctime,
		.alloc_size = m->is_dir ? 0 : m->alloc_size,
		.eof = m->is_dir ? 0 : m->size,
		.attrs = m->attrs,
		.nlink = m->is_dir ? 1 : m->nlink,
		.delete_pending = vfs_open_delete_pending(op->vfs),
		.is_dir = m->is_dir,
		.file_id = m->file_id,
		.volume_serial = vfs_open_share(op->vfs)->volume_serial,
		.access = op->access,
		.position = vfs_open_position(op->vfs),
		.mode = vfs_open_mode(op->vfs),
		.path = vfs_open_path(op->vfs),
		.dialect = c->dialect,
	};
	/* A file whose deletion is pending no longer counts as a link (as Windows reports). */
	if (out->delete_pending && out->nlink > 0)
		out->nlink--;
}

static NTSTATUS query_file(struct smb2_req *req, struct smb2_open *op, uint8_t cls,
			   uint32_t out_len, struct wr *w)
{
	struct vfs_meta m;
	struct smb2_info_file fi;
	NTSTATUS st;

	/* Only the classes that carry times and attributes need FILE_READ_ATTRIBUTES; the others
	 * answer any handle, even one opened for SYNCHRONIZE alone (Windows, as recorded by
	 * smbtorture smb2.getinfo.getinfo_access). */
	if ((cls == FileBasicInformation || cls == FileAllInformation ||
	     cls == FileNetworkOpenInformation || cls == FileAttributeTagInformation) &&
	    !(op->access & FILE_READ_ATTRIBUTES))
		return STATUS_ACCESS_DENIED;
	st = vfs_stat(op->vfs, &m);
	if (st != STATUS_SUCCESS)
		return st;
	info_file_from_open(req->conn, op, &m, &fi);
	if (cls == FileAlternateNameInformation) {
		/* The 8.3 name of the last component, generated when it is longer (VFS). */
		const char *last = strrchr(fi.path, '/');
		fi.path = vfs_short_name(req->arena, last ? last + 1 : fi.path);
	}
	if (cls == FileAllInformation) {
		st = smb2_ea_size(req, op, &fi.ea_size);
		if (st != STATUS_SUCCESS)
			return st;
	}
	return smb2_info_file_encode(cls, &fi, out_len, w);
}

static NTSTATUS query_fs(struct smb2_req *req, uint8_t cls, uint32_t out_len, struct wr *w)
{
	struct vfs_share *share = req->tree->vfs;
	struct vfs_fsinfo fs;
	NTSTATUS st = vfs_statfs(share, &fs);

	if (st != STATUS_SUCCESS)
		return st;
	struct smb2_info_fs fi = {
		.volume_ctime = fs.volume_ctime,
		.volume_serial = fs.volume_serial,
		.volume_label = share->name,
		.total_units = fs.total_units,
		.caller_avail_units = fs.avail_units,
		.actual_avail_units = fs.free_units,
		.sectors_per_unit = fs.sectors_per_unit,
		.bytes_per_sector = fs.bytes_per_sector,
		.fs_attributes = SMB2_FS_ATTRIBUTES_DEFAULT,
		.max_name_len = fs.max_name_len,
		.fs_name = fs.fs_name,
		.read_only = req->tree->read_only,
	};
	return smb2_info_fs_encode(cls, &fi, out_len, w);
}

NTSTATUS smb2_query_info(struct smb2_req *req)
{
	struct smb2_query_info_req in;
	struct smb2_open *op;
	struct wr data;
	NTSTATUS st;

	st = smb2_query_info_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open_any(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	if (in.output_buffer_length > req->conn->max_trans)
		return STATUS_INVALID_PARAMETER;

	wr_init(&data, 256);
	switch (in.info_type) {
	case SMB2_0_INFO_FILE:
		if (op->pipe)
			st = smb2_pipe_query_info(op->pipe, in.file_info_class, in.output_buffer_length, &data);
		else if (smb2_ea_query_class(in.file_info_class))
			st = smb2_query_ea(req, op, &in, &data);
		else if (in.file_info_class == FileStreamInformation)
			st = smb2_query_streams(req, op, in.output_buffer_length, &data);
		else
			st = query_file(req, op, in.file_info_class, in.output_buffer_length, &data);
		break;
	case SMB2_0_INFO_FILESYSTEM:
		st = op->pipe ? STATUS_INVALID_PARAMETER
			      : query_fs(req, in.file_info_class, in.output_buffer_length, &data);
		break;
	case SMB2_0_INFO_SECURITY:
		st = op->pipe ? STATUS_NOT_SUPPORTED : smb2_security_query(req, op, &in, &data);
		break;
	case SMB2_0_INFO_QUOTA:
		st = STATUS_NOT_SUPPORTED;   /* quotas come later */
		break;
	default:
		st = STATUS_INVALID_PARAMETER;
		break;
	}
	if (data.failed)
		st = STATUS_NO_MEMORY;
	else if ((st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW) &&
		 !smb2_req_response_fits(req, data.len))
		st = STATUS_INSUFFICIENT_RESOURCES;   /* the compound has answered enough */
	/* Success and BUFFER_OVERFLOW (partial data) carry the normal response body. */
	if (st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW) {
		smb2_query_info_rsp_encode_fixed(req->out, req->hdr_off, (uint32_t)data.len);
		wr_bytes(req->out, data.buf, data.len);
	}
	wr_free(&data);
	return st;
}
