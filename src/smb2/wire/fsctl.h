/* SPDX-License-Identifier: Apache-2.0 */
/* FSCTL input/output buffers carried by IOCTL (MS-SMB2 2.2.31.4, 2.2.32.6). */
#ifndef SKIFF_WIRE_FSCTL_H
#define SKIFF_WIRE_FSCTL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

#define FSCTL_DFS_GET_REFERRALS            0x00060194u
#define FSCTL_DFS_GET_REFERRALS_EX         0x000601B0u
#define FSCTL_PIPE_TRANSCEIVE              0x0011C017u
#define FSCTL_VALIDATE_NEGOTIATE_INFO      0x00140204u
#define FSCTL_QUERY_NETWORK_INTERFACE_INFO 0x001401FCu

#define FSCTL_GET_OBJECT_ID                0x0009009Cu
/* Samba's test-only FSCTL (FSCTL_SMBTORTURE | FSCTL_ACCESS_WRITE | 0x20 | METHOD_NEITHER). */
#define FSCTL_SMBTORTURE_GLOBAL_READ_RESPONSE_BODY_PADDING8 0x83848023u
#define FSCTL_CREATE_OR_GET_OBJECT_ID      0x000900C0u

#define SMB2_0_IOCTL_IS_FSCTL 0x00000001u

/* FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3.1): 64 bytes. */
void smb2_object_id_encode(struct wr *w, const uint8_t object_id[16], const uint8_t birth_volume_id[16]);

struct smb2_validate_negotiate_req {
	uint32_t capabilities;
	uint8_t guid[16];
	uint16_t security_mode;
	const uint8_t *dialects;   /* DialectCount little-endian u16 values */
	uint16_t dialect_count;
};

/* STATUS_INVALID_PARAMETER when the buffer is shorter than its DialectCount says. */
NTSTATUS smb2_validate_negotiate_decode(const uint8_t *buf, size_t len,
					struct smb2_validate_negotiate_req *out);

struct smb2_validate_negotiate_rsp {
	uint32_t capabilities;
	uint8_t guid[16];
	uint16_t security_mode;
	uint16_t dialect;
};

void smb2_validate_negotiate_encode(struct wr *w, const struct smb2_validate_negotiate_rsp *rsp);

#endif
