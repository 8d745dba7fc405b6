/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB2 NEGOTIATE request/response bodies (MS-SMB2 2.2.3, 2.2.4) and the 3.1.1 negotiate
 * contexts (2.2.3.1, 2.2.4.1): decoders for each context body, builders for the response ones.
 */
#ifndef SKIFF_WIRE_NEGOTIATE_H
#define SKIFF_WIRE_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* Dialect revisions (MS-SMB2 2.2.3). */
#define SMB2_DIALECT_202      0x0202
#define SMB2_DIALECT_210      0x0210
#define SMB2_DIALECT_300      0x0300
#define SMB2_DIALECT_302      0x0302
#define SMB2_DIALECT_311      0x0311
#define SMB2_DIALECT_WILDCARD 0x02FF   /* answer to an SMB1 negotiate offering "SMB 2.???" */

/* SecurityMode (2.2.3, 2.2.4). */
#define SMB2_NEGOTIATE_SIGNING_ENABLED  0x0001
#define SMB2_NEGOTIATE_SIGNING_REQUIRED 0x0002

/* Capabilities (2.2.3, 2.2.4). */
#define SMB2_GLOBAL_CAP_DFS                0x00000001u
#define SMB2_GLOBAL_CAP_LEASING            0x00000002u
#define SMB2_GLOBAL_CAP_LARGE_MTU          0x00000004u
#define SMB2_GLOBAL_CAP_MULTI_CHANNEL      0x00000008u
#define SMB2_GLOBAL_CAP_PERSISTENT_HANDLES 0x00000010u
#define SMB2_GLOBAL_CAP_DIRECTORY_LEASING  0x00000020u
#define SMB2_GLOBAL_CAP_ENCRYPTION         0x00000040u
#define SMB2_GLOBAL_CAP_NOTIFICATIONS      0x00000080u

/* Negotiate context types (2.2.3.1). */
#define SMB2_PREAUTH_INTEGRITY_CAPABILITIES 0x0001
#define SMB2_ENCRYPTION_CAPABILITIES        0x0002
#define SMB2_COMPRESSION_CAPABILITIES       0x0003
#define SMB2_NETNAME_NEGOTIATE_CONTEXT_ID   0x0005
#define SMB2_TRANSPORT_CAPABILITIES         0x0006
#define SMB2_RDMA_TRANSFORM_CAPABILITIES    0x0007
#define SMB2_SIGNING_CAPABILITIES           0x0008
#define SMB2_POSIX_EXTENSIONS_AVAILABLE     0x0100   /* Samba/Linux SMB3 POSIX extensions */

/* 2.2.3.1.1 HashAlgorithms. */
#define SMB2_PREAUTH_INTEGRITY_SHA512 0x0001
#define SMB2_PREAUTH_SALT_SIZE        32       /* what Windows and Samba send */

/* 2.2.3.1.2 Ciphers. */
#define SMB2_ENCRYPTION_AES128_CCM 0x0001
#define SMB2_ENCRYPTION_AES128_GCM 0x0002
#define SMB2_ENCRYPTION_AES256_CCM 0x0003
#define SMB2_ENCRYPTION_AES256_GCM 0x0004

/* 2.2.3.1.3 CompressionAlgorithms and Flags. */
#define SMB2_COMPRESSION_NONE         0x0000
#define SMB2_COMPRESSION_LZNT1        0x0001
#define SMB2_COMPRESSION_LZ77         0x0002
#define SMB2_COMPRESSION_LZ77_HUFFMAN 0x0003
#define SMB2_COMPRESSION_PATTERN_V1   0x0004
#define SMB2_COMPRESSION_LZ4          0x0005
#define SMB2_COMPRESSION_CAPABILITIES_FLAG_NONE    0x00000000u
#define SMB2_COMPRESSION_CAPABILITIES_FLAG_CHAINED 0x00000001u

/* 2.2.3.1.5 TRANSPORT_CAPABILITIES Flags. */
#define SMB2_ACCEPT_TRANSPORT_LEVEL_SECURITY 0x00000001u

/* 2.2.3.1.6 RDMATransformIds. */
#define SMB2_RDMA_TRANSFORM_NONE       0x0000
#define SMB2_RDMA_TRANSFORM_ENCRYPTION 0x0001
#define SMB2_RDMA_TRANSFORM_SIGNING    0x0002

/* 2.2.3.1.7 SigningAlgorithms. */
#define SMB2_SIGNING_HMAC_SHA256 0x0000
#define SMB2_SIGNING_AES_CMAC    0x0001
#define SMB2_SIGNING_AES_GMAC    0x0002

/*
 * Most negotiate contexts one request may carry. Seven types are defined and a client sends
 * each at most once (3.3.5.4 fails duplicates of most types), so 16 leaves room for unknown
 * ones; more is treated as malformed. Samba has no limit beyond the packet size.
 */
#define SMB2_NEG_CONTEXTS_MAX 16

/* An array of little-endian u16 ids inside the message (dialects, ciphers, ...). */
struct smb2_u16_list {
	const uint8_t *p;
	uint16_t count;
};

static inline uint16_t smb2_u16_list_get(const struct smb2_u16_list *l, size_t i)
{
	return le16(l->p + 2 * i);   /* i < count: the decoder checked count against the data */
}

bool smb2_u16_list_has(const struct smb2_u16_list *l, uint16_t v);

/* One SMB2_NEGOTIATE_CONTEXT (2.2.3.1): Data points into the message. */
struct smb2_neg_context {
	uint16_t type;
	uint16_t len;
	const uint8_t *data;
};

struct smb2_negotiate_req {
	uint16_t security_mode;
	uint32_t capabilities;
	uint8_t client_guid[16];
	struct smb2_u16_list dialects;        /* count >= 1 */
	/* 3.1.1 only: set when Dialects holds 0x0311, else ClientStartTime is ignored. */
	bool has_contexts;
	uint16_t context_count;
	struct smb2_neg_context contexts[SMB2_NEG_CONTEXTS_MAX];
};

/*
 * Decode a NEGOTIATE request. Fails with STATUS_INVALID_PARAMETER on: StructureSize != 36,
 * DialectCount 0 (3.3.5.4) or larger than the message holds, and — when 0x0311 is offered —
 * a NegotiateContextOffset that is not 8-aligned, overlaps the dialects or lies outside the
 * message, a count the remaining bytes cannot hold or above SMB2_NEG_CONTEXTS_MAX, or a
 * context whose data runs past the message (each later context must start at the next
 * 8-aligned offset, 2.2.3.1).
 */
NTSTATUS smb2_negotiate_req_decode(const uint8_t *msg, size_t len, struct smb2_negotiate_req *req);

/* First context of `type`, or NULL. */
const struct smb2_neg_context *smb2_negotiate_req_find(const struct smb2_negotiate_req *req,
						       uint16_t type);

/* Context bodies. Each decoder checks its counts against the context's DataLength and fails
 * with STATUS_INVALID_PARAMETER when they do not fit or when a count the spec requires to be
 * nonzero is 0. */
struct smb2_preauth_caps {                 /* 2.2.3.1.1 */
	struct smb2_u16_list hash_algorithms;
	const uint8_t *salt;
	uint16_t salt_len;
};
NTSTATUS smb2_neg_preauth_decode(const struct smb2_neg_context *c, struct smb2_preauth_caps *out);

struct smb2_encryption_caps {              /* 2.2.3.1.2 */
	struct smb2_u16_list ciphers;
};
NTSTATUS smb2_neg_encryption_decode(const struct smb2_neg_context *c,
				    struct smb2_encryption_caps *out);

struct smb2_compression_caps {             /* 2.2.3.1.3 */
	uint32_t flags;
	struct smb2_u16_list algorithms;
};
NTSTATUS smb2_neg_compression_decode(const struct smb2_neg_context *c,
				     struct smb2_compression_caps *out);

struct smb2_netname {                      /* 2.2.3.1.4: UTF-16LE, not terminated */
	const uint8_t *name;
	uint16_t name_len;                 /* bytes (an odd length is left to the caller) */
};
NTSTATUS smb2_neg_netname_decode(const struct smb2_neg_context *c, struct smb2_netname *out);

struct smb2_transport_caps {               /* 2.2.3.1.5 */
	uint32_t flags;
};
NTSTATUS smb2_neg_transport_decode(const struct smb2_neg_context *c,
				   struct smb2_transport_caps *out);

struct smb2_rdma_transform_caps {          /* 2.2.3.1.6 */
	struct smb2_u16_list transform_ids;
};
NTSTATUS smb2_neg_rdma_decode(const struct smb2_neg_context *c,
			      struct smb2_rdma_transform_caps *out);

struct smb2_signing_caps {                 /* 2.2.3.1.7 */
	struct smb2_u16_list algorithms;
};
NTSTATUS smb2_neg_signing_decode(const struct smb2_neg_context *c, struct smb2_signing_caps *out);

/* Response contexts (2.2.4.1): each builder fills `buf` and points `c` at it. */
#define SMB2_NEG_PREAUTH_RSP_LEN (4 + 2 + SMB2_PREAUTH_SALT_SIZE)   /* 38 */
#define SMB2_NEG_ONE_ID_RSP_LEN  4
void smb2_neg_ctx_preauth(struct smb2_neg_context *c, uint8_t buf[SMB2_NEG_PREAUTH_RSP_LEN],
			  const uint8_t salt[SMB2_PREAUTH_SALT_SIZE]);   /* SHA-512, 32-byte salt */
void smb2_neg_ctx_encryption(struct smb2_neg_context *c, uint8_t buf[SMB2_NEG_ONE_ID_RSP_LEN],
			     uint16_t cipher);
void smb2_neg_ctx_signing(struct smb2_neg_context *c, uint8_t buf[SMB2_NEG_ONE_ID_RSP_LEN],
			  uint16_t algorithm);

struct smb2_negotiate_rsp {
	uint16_t security_mode;
	uint16_t dialect_revision;
	uint8_t server_guid[16];
	uint32_t capabilities;
	uint32_t max_transact_size;
	uint32_t max_read_size;
	uint32_t max_write_size;
	uint64_t system_time;              /* FILETIME */
	uint64_t server_start_time;
	const uint8_t *security_buffer;
	uint16_t security_buffer_len;
	/* 3.1.1: appended 8-aligned after the security buffer; count 0 writes no list. */
	const struct smb2_neg_context *contexts;
	uint16_t context_count;
};

/* Append the NEGOTIATE response body after the header at w->buf + hdr_off. The security
 * buffer goes at offset 0x80; contexts at the next 8-aligned offset, 8-aligned between them. */
void smb2_negotiate_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_negotiate_rsp *rsp);

/* Append a negotiate context list (shared by the response encoder and tests that build
 * requests): each context 8-aligned relative to hdr_off, no padding after the last. */
void smb2_neg_contexts_encode(struct wr *w, size_t hdr_off, const struct smb2_neg_context *c,
			      size_t count);

#endif
