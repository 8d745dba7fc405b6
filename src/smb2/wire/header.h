/* SPDX-License-Identifier: Apache-2.0 */
/* The 64-byte SMB2 header (MS-SMB2 2.2.1), the command codes and the header flags. */
#ifndef SKIFF_WIRE_HEADER_H
#define SKIFF_WIRE_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

#define SMB2_HDR_SIZE 64
#define SMB2_SIG_OFFSET 48
#define SMB2_PROTOCOL_ID 0x424D53FEu   /* "\xFESMB" read as little-endian u32 */
#define SMB1_PROTOCOL_ID 0x424D53FFu   /* "\xFFSMB" */
#define SMB2_TRANSFORM_ID 0x424D53FDu  /* "\xFDSMB" */

enum smb2_command {
	SMB2_NEGOTIATE = 0x0000,
	SMB2_SESSION_SETUP = 0x0001,
	SMB2_LOGOFF = 0x0002,
	SMB2_TREE_CONNECT = 0x0003,
	SMB2_TREE_DISCONNECT = 0x0004,
	SMB2_CREATE = 0x0005,
	SMB2_CLOSE = 0x0006,
	SMB2_FLUSH = 0x0007,
	SMB2_READ = 0x0008,
	SMB2_WRITE = 0x0009,
	SMB2_LOCK = 0x000A,
	SMB2_IOCTL = 0x000B,
	SMB2_CANCEL = 0x000C,
	SMB2_ECHO = 0x000D,
	SMB2_QUERY_DIRECTORY = 0x000E,
	SMB2_CHANGE_NOTIFY = 0x000F,
	SMB2_QUERY_INFO = 0x0010,
	SMB2_SET_INFO = 0x0011,
	SMB2_OPLOCK_BREAK = 0x0012,
	SMB2_COMMAND_COUNT = 0x0013,
};

#define SMB2_FLAGS_SERVER_TO_REDIR    0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND      0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
#define SMB2_FLAGS_SIGNED             0x00000008u
#define SMB2_FLAGS_PRIORITY_MASK      0x00000070u
#define SMB2_FLAGS_DFS_OPERATIONS     0x10000000u
#define SMB2_FLAGS_REPLAY_OPERATION   0x20000000u

struct smb2_hdr {
	uint16_t credit_charge;
	uint32_t status;          /* ChannelSequence/Reserved in requests */
	uint16_t command;
	uint16_t credits;         /* CreditRequest / CreditResponse */
	uint32_t flags;
	uint32_t next_command;
	uint64_t message_id;
	uint64_t async_id;        /* valid when SMB2_FLAGS_ASYNC_COMMAND */
	uint32_t tree_id;         /* valid when not async */
	uint64_t session_id;
	uint8_t signature[16];
};

/* Decode the header at the start of `msg`; false if fewer than 64 bytes, a wrong protocol id or
 * StructureSize != 64. */
bool smb2_hdr_decode(const uint8_t *msg, size_t len, struct smb2_hdr *h);
/* Append a 64-byte header. */
void smb2_hdr_encode(struct wr *w, const struct smb2_hdr *h);

#endif
