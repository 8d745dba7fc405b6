/* SPDX-License-Identifier: Apache-2.0 */
/* Security descriptors over SMB2: QUERY_INFO / SET_INFO SMB2_0_INFO_SECURITY and the SecD create
 * context. Access checks and wire handling here; the POSIX mapping is the VFS's (vfs_acl.c). */
#include "core/buf.h"
#include "smb2/conn.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/security.h"
#include "vfs/vfs.h"

#include <unistd.h>

#include "core/log.h"
#include "smb2/wire/error.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/security.h"


/* The AdditionalInformation bits MS-SMB2 2.2.37 / 2.2.39 define; the rest are ignored. */
#define SECINFO_KNOWN (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
		       DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION | \
		       LABEL_SECURITY_INFORMATION | ATTRIBUTE_SECURITY_INFORMATION | \
		       SCOPE_SECURITY_INFORMATION | BACKUP_SECURITY_INFORMATION)
/* What Skiff stores: owner, group, DACL. No SACL (nobody holds SeSecurityPrivilege), no
 * mandatory label, resource attributes or scope. */
#define SECINFO_STORED (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
			DACL_SECURITY_INFORMATION)

/* MS-SMB2 3.3.5.20.3 / 2.2.2.2: STATUS_BUFFER_TOO_SMALL carries the size needed; 3.1.1 wraps it
 * in one error context (ErrorId 0). */
static void buffer_too_small(struct smb2_req *req, uint32_t needed)
{
	if (req->conn->dialect == SMB2_DIALECT_311) {
		struct wr ctx;
		uint8_t b[4];

		put_le32(b, needed);
		wr_init(&ctx, 16);
		smb2_error_ctx_append(&ctx, SMB2_ERROR_ID_DEFAULT, b, sizeof(b));
		struct smb2_error_rsp rsp = { .error_context_count = 1, .error_data = ctx.buf,
					      .byte_count = (uint32_t)ctx.len };
		if (!ctx.failed)
			smb2_error_rsp_encode(req->out, req->hdr_off, &rsp);
		wr_free(&ctx);
	} else {
		smb2_error_rsp_encode_buffer_too_small(req->out, req->hdr_off, needed);
	}
}

NTSTATUS smb2_security_query(struct smb2_req *req, struct smb2_open *op,
			     const struct smb2_query_info_req *in, struct wr *data)
{
	uint32_t secinfo = in->additional_information & SECINFO_KNOWN;
	struct sd empty = { .revision = 1 }, *sd = &empty;
	size_t size;
	NTSTATUS st;

	if (!op->vfs)
		return STATUS_NOT_SUPPORTED;   /* named pipes have no descriptor here */
	/* MS-FSA 2.1.5.14: the SACL needs ACCESS_SYSTEM_SECURITY, everything else READ_CONTROL.
	 * Asking for nothing needs nothing (an empty descriptor; smb2.sdread). */
	if ((secinfo & (SACL_SECURITY_INFORMATION | SCOPE_SECURITY_INFORMATION)) &&
	    !(op->access & ACCESS_SYSTEM_SECURITY))
		return STATUS_ACCESS_DENIED;
	if ((secinfo & (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
			DACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION |
			ATTRIBUTE_SECURITY_INFORMATION)) && !(op->access & READ_CONTROL))
		return STATUS_ACCESS_DENIED;
	if (secinfo & SECINFO_STORED) {
		st = vfs_get_sd(op->vfs, req->arena, &sd);
		if (st != STATUS_SUCCESS)
			return st;
	}
	size = sd_encoded_size(sd, secinfo);
	if (size == 0)
		return STATUS_INTERNAL_ERROR;   /* an ACL over 64 KiB cannot be sent */
	/* 3.3.5.20.3: never a partial descriptor with BUFFER_OVERFLOW. */
	if (size > in->output_buffer_length) {
		buffer_too_small(req, (uint32_t)size);
		return STATUS_BUFFER_TOO_SMALL;
	}
	sd_encode(data, sd, secinfo);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_security_set(struct smb2_req *req, struct smb2_open *op,
			   const struct smb2_set_info_req *in)
{
	uint32_t secinfo = in->additional_information & SECINFO_KNOWN;
	struct sd *sd;
	NTSTATUS st;

	if (!op->vfs)
		return STATUS_NOT_SUPPORTED;   /* named pipes */
	/* MS-SMB2 3.3.5.21.3, in its order. */
	if ((secinfo & (SACL_SECURITY_INFORMATION | SCOPE_SECURITY_INFORMATION)) &&
	    !(op->access & ACCESS_SYSTEM_SECURITY))
		return STATUS_ACCESS_DENIED;
	if ((secinfo & (DACL_SECURITY_INFORMATION | ATTRIBUTE_SECURITY_INFORMATION)) &&
	    !(op->access & WRITE_DAC))
		return STATUS_ACCESS_DENIED;
	if ((secinfo & (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
			LABEL_SECURITY_INFORMATION)) && !(op->access & WRITE_OWNER))
		return STATUS_ACCESS_DENIED;
	if ((secinfo & BACKUP_SECURITY_INFORMATION) &&
	    (op->access & (WRITE_DAC | WRITE_OWNER | ACCESS_SYSTEM_SECURITY)) !=
	    (WRITE_DAC | WRITE_OWNER | ACCESS_SYSTEM_SECURITY))
		return STATUS_ACCESS_DENIED;

	st = sd_decode(req->arena, in->buffer, in->buffer_len, &sd);
	if (st != STATUS_SUCCESS)
		return st;
	/* MS-FSA 2.1.5.16: an owner or group asked for must be in the descriptor. */
	if ((secinfo & OWNER_SECURITY_INFORMATION) && !sd->owner)
		return STATUS_INVALID_OWNER;
	if ((secinfo & GROUP_SECURITY_INFORMATION) && !sd->group)
		return STATUS_INVALID_PRIMARY_GROUP;
	if (!(secinfo & SECINFO_STORED))
		return STATUS_SUCCESS;   /* labels, attributes, scope: accepted, not kept */
	return vfs_set_sd(op->vfs, secinfo & SECINFO_STORED, sd, req->arena);
}

NTSTATUS smb2_security_create_ctx(struct smb2_req *req, const struct smb2_create_ctx_list *ctxs,
				  struct sd **sd)
{
	const struct smb2_create_ctx *cc = smb2_create_ctx_find(ctxs, SMB2_CREATE_SD_BUFFER);
	NTSTATUS st;
	uid_t uid;

	*sd = NULL;
	if (!cc)
		return STATUS_SUCCESS;
	st = sd_decode(req->arena, cc->data, cc->data_len, sd);
	if (st != STATUS_SUCCESS)
		return st;
	/* A creator may make itself the owner; only root may name someone else. */
	if ((*sd)->owner && (!vfs_uid_of_sid((*sd)->owner, &uid) ||
			     (geteuid() != 0 && uid != geteuid())))
		return STATUS_INVALID_OWNER;
	return STATUS_SUCCESS;
}
