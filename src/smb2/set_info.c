/* SPDX-License-Identifier: Apache-2.0 */
/* SET_INFO (MS-SMB2 3.3.5.21): basic, end of file, allocation, disposition, rename, position,
 * mode. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smb2/conn.h"
#include "smb2/ea.h"
#include "smb2/handlers.h"
#include "smb2/notify.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/req.h"
#include "smb2/security.h"
#include "smb2/session.h"
#include "smb2/wire/change_notify.h"
#include "smb2/wire/info_file.h"
#include "smb2/wire/info_set.h"
#include "smb2/wire/query_info.h"
#include "vfs/vfs.h"

static NTSTATUS need(const struct smb2_open *op, uint32_t access)
{
	return (op->access & access) ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
}

static NTSTATUS set_rename(struct smb2_req *req, struct smb2_open *op, const struct smb2_set_rename *rn)
{
	char *target;
	NTSTATUS st;

	if (!(op->access & DELETE_ACCESS))
		return STATUS_ACCESS_DENIED;
	/* Other clients' cached handles go first (MS-FSA 2.1.5.14.11); may park the request. */
	st = smb2_oplock_before_rename(req, op);
	if (st != STATUS_SUCCESS)
		return st;
	if (rn->root_directory != 0)
		return STATUS_INVALID_PARAMETER;   /* 3.3.5.21.1: SMB2 renames are share-relative */
	if (rn->name_len == 0)
		return STATUS_INVALID_PARAMETER;
	st = vfs_path_from_wire(req->arena, rn->name, rn->name_len, &target);
	if (st != STATUS_SUCCESS)
		return st;
	if (!target[0])
		return STATUS_INVALID_PARAMETER;   /* the share root is no rename target */
	char *old = strdup(vfs_open_path(op->vfs));
	if (!old)
		return STATUS_NO_MEMORY;
	st = vfs_rename(op->vfs, target, rn->replace_if_exists);
	if (st == STATUS_SUCCESS) {
		/* out of the old directory, into the new one (one break when they are the same) */
		smb2_dirlease_entry_changed(req->conn->srv, req->conn->client_guid, op, vfs_open_share(op->vfs), old,
					    vfs_open_path(op->vfs));
		uint32_t f = vfs_open_is_dir(op->vfs) ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME;
		struct vfs_share *share = vfs_open_share(op->vfs);
		/* Within a directory a rename; across directories Windows reports a removal and an
		 * addition (smb2.notify.rec). */
		const char *os = strrchr(old, '/'), *ts = strrchr(target, '/');
		size_t ol = os ? (size_t)(os - old) : 0, tl = ts ? (size_t)(ts - target) : 0;
		bool same_dir = ol == tl && !strncmp(old, target, ol);
		smb2_notify_event(req->conn->srv, share, old,
				  same_dir ? FILE_ACTION_RENAMED_OLD_NAME : FILE_ACTION_REMOVED, f);
		smb2_notify_event(req->conn->srv, share, target,
				  same_dir ? FILE_ACTION_RENAMED_NEW_NAME : FILE_ACTION_ADDED, f);
		if (f == FILE_NOTIFY_CHANGE_FILE_NAME)
			smb2_notify_renamed_file(req->conn->srv, share, target);
	}
	free(old);
	return st;
}

static NTSTATUS set_file(struct smb2_req *req, struct smb2_open *op, uint8_t cls,
			 const uint8_t *buf, size_t len)
{
	NTSTATUS st;

	if (cls == FileFullEaInformation)
		return smb2_set_ea(req, op, buf, len);
	st = smb2_set_info_file_class_check(cls);
	if (st != STATUS_SUCCESS)
		return st;

	switch (cls) {
	case FileBasicInformation: {
		struct smb2_set_basic b;
		st = smb2_set_basic_decode(buf, len, &b);
		if (st == STATUS_SUCCESS)
			st = need(op, FILE_WRITE_ATTRIBUTES);
		if (st != STATUS_SUCCESS)
			return st;
		st = vfs_set_basic(op->vfs, b.btime, b.atime, b.mtime, b.ctime, b.attrs);
		if (st == STATUS_SUCCESS && (b.btime || b.atime || b.mtime || b.ctime || b.attrs))
			smb2_dirlease_entry_changed(req->conn->srv, req->conn->client_guid, op, vfs_open_share(op->vfs),
						    vfs_open_path(op->vfs), NULL);
		if (st == STATUS_SUCCESS)
			smb2_notify_event(req->conn->srv, vfs_open_share(op->vfs), vfs_open_path(op->vfs),
					  FILE_ACTION_MODIFIED,
					  (b.attrs ? FILE_NOTIFY_CHANGE_ATTRIBUTES : 0) |
					  (b.mtime ? FILE_NOTIFY_CHANGE_LAST_WRITE : 0) |
					  (b.atime ? FILE_NOTIFY_CHANGE_LAST_ACCESS : 0) |
					  (b.btime ? FILE_NOTIFY_CHANGE_CREATION : 0));
		return st;
	}
	case FileEndOfFileInformation: {
		uint64_t eof;
		st = smb2_set_eof_decode(buf, len, &eof);
		if (st == STATUS_SUCCESS)
			st = need(op, FILE_WRITE_DATA);
		if (st != STATUS_SUCCESS)
			return st;
		smb2_oplock_break_level2(req->conn, op);
		st = vfs_set_eof(op->vfs, eof);
		if (st == STATUS_SUCCESS)
			smb2_dirlease_entry_changed(req->conn->srv, req->conn->client_guid, op, vfs_open_share(op->vfs),
						    vfs_open_path(op->vfs), NULL);
		if (st == STATUS_SUCCESS)
			smb2_notify_event(req->conn->srv, vfs_open_share(op->vfs), vfs_open_path(op->vfs),
					  FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_SIZE);
		return st;
	}
	case FileAllocationInformation: {
		uint64_t alloc;
		st = smb2_set_allocation_decode(buf, len, &alloc);
		if (st == STATUS_SUCCESS)
			st = need(op, FILE_WRITE_DATA);
		if (st != STATUS_SUCCESS)
			return st;
		smb2_oplock_break_level2(req->conn, op);
		st = vfs_set_allocation(op->vfs, alloc);
		if (st == STATUS_SUCCESS)
			smb2_dirlease_entry_changed(req->conn->srv, req->conn->client_guid, op, vfs_open_share(op->vfs),
						    vfs_open_path(op->vfs), NULL);
		return st;
	}
	case FileDispositionInformation: {
		bool del;
		st = smb2_set_disposition_decode(buf, len, &del);
		if (st == STATUS_SUCCESS)
			st = need(op, DELETE_ACCESS);
		if (st != STATUS_SUCCESS)
			return st;
		st = vfs_set_delete_on_close(op->vfs, del);
		if (st == STATUS_SUCCESS)
			smb2_persist_delete_on_close(req->conn->srv, op, del);
		return st;
	}
	case FileDispositionInformationEx: {
		uint32_t flags;
		st = smb2_set_disposition_ex_decode(buf, len, &flags);
		if (st == STATUS_SUCCESS)
			st = need(op, DELETE_ACCESS);
		if (st != STATUS_SUCCESS)
			return st;
		if (flags & FILE_DISPOSITION_POSIX_SEMANTICS)
			return STATUS_NOT_SUPPORTED;   /* POSIX unlink-while-open: not offered */
		st = vfs_set_delete_on_close(op->vfs, flags & FILE_DISPOSITION_DELETE);
		if (st == STATUS_SUCCESS)
			smb2_persist_delete_on_close(req->conn->srv, op,
						     flags & FILE_DISPOSITION_DELETE);
		return st;
	}
	case FileRenameInformation:
	case FileRenameInformationEx: {
		struct smb2_set_rename rn;
		st = cls == FileRenameInformation ? smb2_set_rename_decode(buf, len, &rn)
						  : smb2_set_rename_ex_decode(buf, len, &rn);
		if (st != STATUS_SUCCESS)
			return st;
		if (rn.flags & FILE_RENAME_POSIX_SEMANTICS)
			return STATUS_NOT_SUPPORTED;
		return set_rename(req, op, &rn);
	}
	case FilePositionInformation: {
		uint64_t pos;
		st = smb2_set_position_decode(buf, len, &pos);
		if (st != STATUS_SUCCESS)
			return st;
		vfs_open_set_position(op->vfs, pos);
		return STATUS_SUCCESS;
	}
	case FileModeInformation: {
		uint32_t mode;
		st = smb2_set_mode_decode(buf, len, &mode);
		if (st != STATUS_SUCCESS)
			return st;
		vfs_open_set_mode(op->vfs, mode);
		return STATUS_SUCCESS;
	}
	default:
		return STATUS_NOT_SUPPORTED;
	}
}

NTSTATUS smb2_set_info(struct smb2_req *req)
{
	struct smb2_set_info_req in;
	struct smb2_open *op;
	NTSTATUS st;

	st = smb2_set_info_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_req_open(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	/* 3.3.5.21: no buffer beyond the negotiated MaxTransactSize */
	if (in.buffer_len > req->conn->max_trans)
		return STATUS_INVALID_PARAMETER;
	if (req->tree->read_only)
		return STATUS_ACCESS_DENIED;
	switch (in.info_type) {
	case SMB2_0_INFO_FILE:
		st = set_file(req, op, in.file_info_class, in.buffer, in.buffer_len);
		break;
	case SMB2_0_INFO_SECURITY:
		st = smb2_security_set(req, op, &in);
		break;
	case SMB2_0_INFO_FILESYSTEM:
	case SMB2_0_INFO_QUOTA:
		st = STATUS_NOT_SUPPORTED;
		break;
	default:
		st = STATUS_INVALID_PARAMETER;
		break;
	}
	if (st == STATUS_SUCCESS)
		smb2_set_info_rsp_encode(req->out, req->hdr_off);
	return st;
}
