/* SPDX-License-Identifier: Apache-2.0 */
/* Security descriptors over SMB2: QUERY_INFO and SET_INFO with SMB2_0_INFO_SECURITY (MS-SMB2
 * 3.3.5.20.3, 3.3.5.21.3) and the CREATE "SecD" context (SMB2_CREATE_SD_BUFFER, 2.2.13.2.3). */
#ifndef SKIFF_SMB2_SECURITY_H
#define SKIFF_SMB2_SECURITY_H

#include "core/secdesc.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/wire/create_contexts.h"
#include "smb2/wire/query_info.h"

/*
 * QUERY_INFO SMB2_0_INFO_SECURITY: the descriptor parts AdditionalInformation selects, into
 * `data` (the caller wraps it in the response). When OutputBufferLength is too small this writes
 * the ERROR response itself (ErrorData: the size needed, as an error context on 3.1.1) and
 * returns STATUS_BUFFER_TOO_SMALL.
 */
NTSTATUS smb2_security_query(struct smb2_req *req, struct smb2_open *op,
			     const struct smb2_query_info_req *in, struct wr *data);
/* SET_INFO SMB2_0_INFO_SECURITY: owner, group and DACL, with the access checks of 3.3.5.21.3. */
NTSTATUS smb2_security_set(struct smb2_req *req, struct smb2_open *op,
			   const struct smb2_set_info_req *in);
/*
 * CREATE, before the open: decode a SecD context if there is one (*sd NULL otherwise), and
 * refuse an owner the caller may not set (STATUS_INVALID_OWNER) before anything is created.
 */
NTSTATUS smb2_security_create_ctx(struct smb2_req *req, const struct smb2_create_ctx_list *ctxs,
				  struct sd **sd);

#endif
