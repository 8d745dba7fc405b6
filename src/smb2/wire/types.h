/* SPDX-License-Identifier: Apache-2.0 */
/* Small types shared by every SMB2 PDU codec: the FileId pair (MS-SMB2 2.2.14.1). */
#ifndef SKIFF_WIRE_TYPES_H
#define SKIFF_WIRE_TYPES_H

#include <stdint.h>

/* MS-SMB2 2.2.14.1 SMB2_FILEID: Persistent then Volatile, each 8 bytes little-endian. */
struct smb2_fileid {
	uint64_t persistent;
	uint64_t volatile_;
};

#define SMB2_FILEID_SIZE 16

/* Oplock levels (MS-SMB2 2.2.13, 2.2.14, 2.2.23.1). */
#define SMB2_OPLOCK_LEVEL_NONE      0x00
#define SMB2_OPLOCK_LEVEL_II        0x01
#define SMB2_OPLOCK_LEVEL_EXCLUSIVE 0x08
#define SMB2_OPLOCK_LEVEL_BATCH     0x09
#define SMB2_OPLOCK_LEVEL_LEASE     0xFF

/* READ/WRITE Channel (MS-SMB2 2.2.19, 2.2.21). */
#define SMB2_CHANNEL_NONE               0x00000000u
#define SMB2_CHANNEL_RDMA_V1            0x00000001u
#define SMB2_CHANNEL_RDMA_V1_INVALIDATE 0x00000002u
#define SMB2_CHANNEL_RDMA_TRANSFORM     0x00000003u

#endif
