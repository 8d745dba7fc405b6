/* SPDX-License-Identifier: Apache-2.0 */
/* Named streams over SMB2: QUERY_INFO FileStreamInformation (MS-SMB2 3.3.5.20.1). Opening
 * "file:stream" itself is plain CREATE: the VFS parses and opens it. */
#ifndef SKIFF_SMB2_STREAMS_H
#define SKIFF_SMB2_STREAMS_H

#include "smb2/open.h"
#include "smb2/req.h"

/* FileStreamInformation of the open's file (or directory) into w, at most out_len bytes. */
NTSTATUS smb2_query_streams(struct smb2_req *req, struct smb2_open *op, uint32_t out_len,
			    struct wr *w);

#endif
