/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB2 CREATE request/response bodies (MS-SMB2 2.2.13, 2.2.14). Access masks, share access,
 * dispositions, create options and actions are the VFS's constants (src/vfs/vfs.h); this file
 * only moves them between bytes and structs.
 */
#ifndef SKIFF_WIRE_CREATE_H
#define SKIFF_WIRE_CREATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/create_contexts.h"
#include "smb2/wire/types.h"

/* ImpersonationLevel (2.2.13). */
#define SMB2_IMPERSONATION_ANONYMOUS      0x00000000u
#define SMB2_IMPERSONATION_IDENTIFICATION 0x00000001u
#define SMB2_IMPERSONATION_IMPERSONATION  0x00000002u
#define SMB2_IMPERSONATION_DELEGATE       0x00000003u

/* Response Flags (2.2.14, 3.1.1 only). */
#define SMB2_CREATE_FLAG_REPARSEPOINT 0x01

struct smb2_create_req {
	uint8_t security_flags;
	uint8_t requested_oplock_level;     /* SMB2_OPLOCK_LEVEL_* (types.h) */
	uint32_t impersonation_level;
	uint64_t smb_create_flags;
	uint32_t desired_access;
	uint32_t file_attributes;
	uint32_t share_access;
	uint32_t create_disposition;
	uint32_t create_options;
	const uint8_t *name;                /* UTF-16LE, not terminated; NULL when name_len 0 */
	uint16_t name_len;                  /* bytes */
	const uint8_t *contexts_buf;        /* the raw chain, NULL when contexts_len 0 */
	uint32_t contexts_len;
	struct smb2_create_ctx_list contexts;   /* the chain, parsed */
};

/*
 * StructureSize 57 with at least one Buffer byte (clients send a pad byte for an empty name).
 * Name and context chain must lie after the fixed part (0x78) inside the message; the chain
 * must parse (smb2_create_ctx_parse). Odd NameLength is left to the handler.
 */
NTSTATUS smb2_create_req_decode(const uint8_t *msg, size_t len, struct smb2_create_req *req);

struct smb2_create_rsp {
	uint8_t oplock_level;
	uint8_t flags;
	uint32_t create_action;
	uint64_t creation_time;
	uint64_t last_access_time;
	uint64_t last_write_time;
	uint64_t change_time;
	uint64_t allocation_size;
	uint64_t end_of_file;
	uint32_t file_attributes;
	struct smb2_fileid file_id;
	const uint8_t *contexts;            /* a chain built with smb2_create_ctx_builder */
	uint32_t contexts_len;
};

/* The chain, if any, goes 8-aligned after the fixed part (0x98 from the header); with none,
 * CreateContextsOffset and Length are 0. */
void smb2_create_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_create_rsp *rsp);

#endif
