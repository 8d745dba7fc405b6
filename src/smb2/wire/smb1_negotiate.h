/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SMB1 SMB_COM_NEGOTIATE request a multi-protocol client opens with (MS-CIFS 2.2.4.52.1,
 * MS-SMB2 3.3.5.3.1): only what the SMB2 server needs — which "SMB 2.xxx" dialects it offers.
 */
#ifndef SKIFF_WIRE_SMB1_NEGOTIATE_H
#define SKIFF_WIRE_SMB1_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

#define SMB1_HDR_SIZE        32
#define SMB1_COM_NEGOTIATE   0x72

#define SMB1_DIALECT_SMB2_002      "SMB 2.002"
#define SMB1_DIALECT_SMB2_WILDCARD "SMB 2.???"

struct smb1_negotiate_req {
	uint8_t flags;
	uint16_t flags2;
	uint16_t pid_high, tid, pid_low, uid, mid;
	const uint8_t *dialects;      /* the SMB_Data.Bytes: 0x02 "name" NUL, repeated */
	uint16_t dialects_len;
	uint16_t dialect_count;
	bool smb2_002;                /* "SMB 2.002" offered */
	bool smb2_wildcard;           /* "SMB 2.???" offered */
};

/*
 * Decode an SMB1 NEGOTIATE request; `msg` starts at the 0xFF 'S' 'M' 'B' protocol id and `len`
 * is the whole NetBIOS payload. STATUS_INVALID_PARAMETER when: the header is short or not SMB1,
 * the command is not SMB_COM_NEGOTIATE, WordCount != 0, ByteCount exceeds the message, no
 * dialect is listed, or an entry does not start with BufferFormat 0x02 or lacks its NUL.
 */
NTSTATUS smb1_negotiate_req_decode(const uint8_t *msg, size_t len, struct smb1_negotiate_req *req);

/* Walk the dialect names: start with *pos = 0; each call yields one name (without the 0x02
 * and the NUL) and returns false after the last. Only valid on a decoded request. */
bool smb1_negotiate_next_dialect(const struct smb1_negotiate_req *req, size_t *pos,
				 const char **name, size_t *name_len);

#endif
