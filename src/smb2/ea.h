/* SPDX-License-Identifier: Apache-2.0 */
/* Extended attributes over SMB2: the CREATE "ExtA" context, QUERY_INFO FileEaInformation and
 * FileFullEaInformation, SET_INFO FileFullEaInformation (MS-SMB2 3.3.5.9, 3.3.5.20.1, 3.3.5.21.1). */
#ifndef SKIFF_SMB2_EA_H
#define SKIFF_SMB2_EA_H

#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/wire/query_info.h"

struct vfs_ea;

/* The data of an SMB2_CREATE_EA_BUFFER context as a list for vfs_create_args (from `a`). */
NTSTATUS smb2_ea_from_create_context(struct arena *a, const uint8_t *data, size_t len,
				     struct vfs_ea **eas, size_t *n);
/* True for the QUERY_INFO file classes smb2_query_ea answers. */
bool smb2_ea_query_class(uint8_t info_class);
/* FileEaInformation or FileFullEaInformation of `op` into w (at most in->output_buffer_length
 * bytes), with the status MS-FSA 2.1.5.12.12 gives (BUFFER_OVERFLOW still carries data). */
/* EaSize as FILE_EA_INFORMATION and FILE_ALL_INFORMATION report it. */
NTSTATUS smb2_ea_size(struct smb2_req *req, struct smb2_open *op, uint32_t *size);
NTSTATUS smb2_query_ea(struct smb2_req *req, struct smb2_open *op,
		       const struct smb2_query_info_req *in, struct wr *w);
/* SET_INFO FileFullEaInformation: the buffer is a FILE_FULL_EA_INFORMATION list. */
NTSTATUS smb2_set_ea(struct smb2_req *req, struct smb2_open *op, const uint8_t *buf, size_t len);

#endif
