/* SPDX-License-Identifier: Apache-2.0 */
/* The SMB2 ERROR response body (MS-SMB2 2.2.2) and its 3.1.1 error contexts (2.2.2.1). */
#ifndef SKIFF_WIRE_ERROR_H
#define SKIFF_WIRE_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* ErrorId (2.2.2.1). */
#define SMB2_ERROR_ID_DEFAULT        0x00000000u
#define SMB2_ERROR_ID_SHARE_REDIRECT 0x72645253u

struct smb2_error_rsp {
	uint8_t error_context_count;   /* 3.1.1 only: ErrorData is that many contexts */
	const uint8_t *error_data;
	uint32_t byte_count;
};

/*
 * StructureSize 9, ErrorContextCount, Reserved, ByteCount, ErrorData. With no data, ByteCount
 * is 0 and one zero byte still follows: the 9-byte structure always carries a byte of
 * ErrorData (what Windows and Samba send).
 */
void smb2_error_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_error_rsp *rsp);

/* The common case: no data. */
void smb2_error_rsp_encode_empty(struct wr *w, size_t hdr_off);

/* STATUS_BUFFER_TOO_SMALL: ErrorData is the 4-byte minimum buffer length (2.2.2.2). */
void smb2_error_rsp_encode_buffer_too_small(struct wr *w, size_t hdr_off, uint32_t needed);

/* Append one SMB2 ERROR Context (ErrorDataLength, ErrorId, data) to `ctx`, a buffer being
 * built as ErrorData; contexts after the first start 8-aligned from the buffer start. */
void smb2_error_ctx_append(struct wr *ctx, uint32_t error_id, const uint8_t *data, uint32_t len);

#endif
