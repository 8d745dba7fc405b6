/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 CLOSE (MS-SMB2 2.2.15, 2.2.16) and FLUSH (2.2.17, 2.2.18) bodies: the commands that
 * name an open by FileId and carry nothing else of substance. */
#ifndef SKIFF_WIRE_CLOSE_H
#define SKIFF_WIRE_CLOSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

/* CLOSE Flags (2.2.15, 2.2.16). */
#define SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB 0x0001

struct smb2_close_req {
	uint16_t flags;
	struct smb2_fileid file_id;
};

/* StructureSize 24. */
NTSTATUS smb2_close_req_decode(const uint8_t *msg, size_t len, struct smb2_close_req *req);

struct smb2_close_rsp {
	uint16_t flags;                /* POSTQUERY_ATTRIB when the attributes below are valid */
	uint64_t creation_time;
	uint64_t last_access_time;
	uint64_t last_write_time;
	uint64_t change_time;
	uint64_t allocation_size;
	uint64_t end_of_file;
	uint32_t file_attributes;
};

/* StructureSize 60; without POSTQUERY_ATTRIB the caller leaves the attribute fields 0. */
void smb2_close_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_close_rsp *rsp);

struct smb2_flush_req {
	struct smb2_fileid file_id;
};

/* StructureSize 24. */
NTSTATUS smb2_flush_req_decode(const uint8_t *msg, size_t len, struct smb2_flush_req *req);
/* StructureSize 4, Reserved. */
void smb2_flush_rsp_encode(struct wr *w, size_t hdr_off);

#endif
