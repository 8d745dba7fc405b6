/* SPDX-License-Identifier: Apache-2.0 */
/* FSCTL input/output buffers carried by IOCTL (MS-SMB2 2.2.31.4, 2.2.32.6). */
#ifndef SKIFF_WIRE_FSCTL_H
#define SKIFF_WIRE_FSCTL_H

#include <stdbool.h>
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
/* Samba's test-only FSCTLs (FSCTL_SMBTORTURE | FSCTL_ACCESS_WRITE | n | METHOD_NEITHER). */
#define FSCTL_SMBTORTURE_FORCE_UNACKED_TIMEOUT 0x83848003u
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

/* NETWORK_INTERFACE_INFO (MS-SMB2 2.2.32.5): one per address of an interface. */
#define SMB2_NET_IFACE_RSS_CAPABLE  0x00000001u
#define SMB2_NET_IFACE_RDMA_CAPABLE 0x00000002u
#define SMB2_NET_IFACE_INFO_SIZE    152u   /* 24 bytes, then a 128-byte SockAddr_Storage */
struct smb2_net_iface {
	uint32_t if_index;         /* never 0 (3.3.5.15.11) */
	uint32_t capability;       /* SMB2_NET_IFACE_* */
	uint64_t link_speed;       /* bits per second */
	bool ipv6;
	uint8_t addr[16];          /* network order; the first 4 bytes for IPv4 */
	uint32_t scope_id;         /* IPv6 only */
};
/* The list, chained by Next (0 on the last entry). */
void smb2_net_iface_info_encode(struct wr *w, const struct smb2_net_iface *ifs, size_t n);

#endif
