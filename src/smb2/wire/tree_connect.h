/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 TREE_CONNECT request/response (MS-SMB2 2.2.9, 2.2.9.1, 2.2.10) and TREE_DISCONNECT
 * (2.2.11, 2.2.12), with the share type, flag and capability constants. */
#ifndef SKIFF_WIRE_TREE_CONNECT_H
#define SKIFF_WIRE_TREE_CONNECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* Request Flags (2.2.9; 3.1.1 only, Reserved before). */
#define SMB2_TREE_CONNECT_FLAG_CLUSTER_RECONNECT 0x0001
#define SMB2_TREE_CONNECT_FLAG_REDIRECT_TO_OWNER 0x0002
#define SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT 0x0004

/* Tree connect context types (2.2.9.2). */
#define SMB2_RESERVED_TREE_CONNECT_CONTEXT_ID         0x0000
#define SMB2_REMOTED_IDENTITY_TREE_CONNECT_CONTEXT_ID 0x0001

/* ShareType (2.2.10). */
#define SMB2_SHARE_TYPE_DISK  0x01
#define SMB2_SHARE_TYPE_PIPE  0x02
#define SMB2_SHARE_TYPE_PRINT 0x03

/* ShareFlags (2.2.10); the caching policy is a 4-bit field (mask 0x30). */
#define SMB2_SHAREFLAG_MANUAL_CACHING              0x00000000u
#define SMB2_SHAREFLAG_AUTO_CACHING                0x00000010u
#define SMB2_SHAREFLAG_VDO_CACHING                 0x00000020u
#define SMB2_SHAREFLAG_NO_CACHING                  0x00000030u
#define SMB2_SHAREFLAG_DFS                         0x00000001u
#define SMB2_SHAREFLAG_DFS_ROOT                    0x00000002u
#define SMB2_SHAREFLAG_RESTRICT_EXCLUSIVE_OPENS    0x00000100u
#define SMB2_SHAREFLAG_FORCE_SHARED_DELETE         0x00000200u
#define SMB2_SHAREFLAG_ALLOW_NAMESPACE_CACHING     0x00000400u
#define SMB2_SHAREFLAG_ACCESS_BASED_DIRECTORY_ENUM 0x00000800u
#define SMB2_SHAREFLAG_FORCE_LEVELII_OPLOCK        0x00001000u
#define SMB2_SHAREFLAG_ENABLE_HASH_V1              0x00002000u
#define SMB2_SHAREFLAG_ENABLE_HASH_V2              0x00004000u
#define SMB2_SHAREFLAG_ENCRYPT_DATA                0x00008000u
#define SMB2_SHAREFLAG_IDENTITY_REMOTING           0x00040000u
#define SMB2_SHAREFLAG_COMPRESS_DATA               0x00100000u
#define SMB2_SHAREFLAG_ISOLATED_TRANSPORT          0x00200000u

/* Capabilities (2.2.10). */
#define SMB2_SHARE_CAP_DFS                     0x00000008u
#define SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY 0x00000010u
#define SMB2_SHARE_CAP_SCALEOUT                0x00000020u
#define SMB2_SHARE_CAP_CLUSTER                 0x00000040u
#define SMB2_SHARE_CAP_ASYMMETRIC              0x00000080u
#define SMB2_SHARE_CAP_REDIRECT_TO_OWNER       0x00000100u

struct smb2_tree_connect_req {
	uint16_t flags;               /* meaningful for 3.1.1 only: handlers of older dialects
				       * should treat it as Reserved */
	const uint8_t *path;          /* UTF-16LE "\\server\share", not terminated */
	uint16_t path_len;            /* bytes */
	/* SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT (2.2.9.1): the raw context array. */
	const uint8_t *contexts;
	uint32_t contexts_len;        /* bytes from the first context to the end of the message */
	uint16_t context_count;
};

/*
 * StructureSize 9. The path is always the one PathOffset/PathLength name (3.3.5.7); with the
 * extension present it must lie after the 16-byte extension header at 0x48, and
 * TreeConnectContextOffset — which 2.2.9.1 counts from the start of the TREE_CONNECT request
 * body, not the header — must point inside the message with room for `count` 8-byte context
 * headers. An empty or odd-length path is the handler's to refuse (it is not structural).
 */
NTSTATUS smb2_tree_connect_req_decode(const uint8_t *msg, size_t len,
				      struct smb2_tree_connect_req *req);

struct smb2_tree_connect_rsp {
	uint8_t share_type;
	uint32_t share_flags;
	uint32_t capabilities;
	uint32_t maximal_access;
};

void smb2_tree_connect_rsp_encode(struct wr *w, size_t hdr_off,
				  const struct smb2_tree_connect_rsp *rsp);

NTSTATUS smb2_tree_disconnect_req_decode(const uint8_t *msg, size_t len);
void smb2_tree_disconnect_rsp_encode(struct wr *w, size_t hdr_off);

#endif
