/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB2_CREATE_CONTEXT chains (MS-SMB2 2.2.13.2, 2.2.14.2): the parser for a CREATE request's
 * chain, a builder for the response chain, and the fixed-size context bodies the server uses
 * (MxAc, QFid, leases, durable handles).
 */
#ifndef SKIFF_WIRE_CREATE_CONTEXTS_H
#define SKIFF_WIRE_CREATE_CONTEXTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

/* Context names (2.2.13.2): 4 ASCII bytes, or 16-byte GUIDs for the last ones. */
#define SMB2_CREATE_EA_BUFFER                    "ExtA"
#define SMB2_CREATE_SD_BUFFER                    "SecD"
#define SMB2_CREATE_DURABLE_HANDLE_REQUEST       "DHnQ"
#define SMB2_CREATE_DURABLE_HANDLE_RECONNECT     "DHnC"
#define SMB2_CREATE_ALLOCATION_SIZE              "AlSi"
#define SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST "MxAc"
#define SMB2_CREATE_TIMEWARP_TOKEN               "TWrp"
#define SMB2_CREATE_QUERY_ON_DISK_ID             "QFid"
#define SMB2_CREATE_REQUEST_LEASE                "RqLs"   /* v1 and v2 share the name */
#define SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2    "DH2Q"
#define SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2  "DH2C"
#define SMB2_CREATE_APP_INSTANCE_ID \
	"\x45\xBC\xA6\x6A\xEF\xA7\xF7\x4A\x90\x08\xFA\x46\x2E\x14\x4D\x74"
#define SMB2_CREATE_APP_INSTANCE_VERSION \
	"\xB9\x82\xD0\xB7\x3B\x56\x07\x4F\xA0\x7B\x52\x4A\x81\x16\xA0\x10"
#define SVHDX_OPEN_DEVICE_CONTEXT \
	"\x9C\xCB\xCF\x9E\x04\xC1\xE6\x43\x98\x0E\x15\x8D\xA1\xF6\xEC\x83"

/* Lease states and flags (2.2.13.2.8, 2.2.14.2.10). */
#define SMB2_LEASE_NONE            0x00u
#define SMB2_LEASE_READ_CACHING    0x01u
#define SMB2_LEASE_HANDLE_CACHING  0x02u
#define SMB2_LEASE_WRITE_CACHING   0x04u
#define SMB2_LEASE_FLAG_BREAK_IN_PROGRESS    0x00000002u
#define SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET 0x00000004u

/* DH2Q / DH2C Flags (2.2.13.2.11). */
#define SMB2_DHANDLE_FLAG_PERSISTENT 0x00000002u

/*
 * Most contexts one CREATE may carry. About a dozen names exist and each is sent at most once,
 * so more than this is treated as malformed (Samba has no limit beyond the packet).
 */
#define SMB2_CREATE_CTX_MAX 32

struct smb2_create_ctx {
	const uint8_t *name;       /* points into the message */
	uint16_t name_len;
	const uint8_t *data;       /* NULL when data_len is 0 */
	uint32_t data_len;
};

struct smb2_create_ctx_list {
	size_t count;
	struct smb2_create_ctx ctx[SMB2_CREATE_CTX_MAX];
};

/*
 * Parse the chain in buf[0..len) (CreateContextsOffset/Length of the request). Each context
 * must hold its 16-byte header; Next must be 0 or a multiple of 8 of at least 16 and within
 * the chain; NameOffset must lie after the header, NameLength >= 4 (as Samba requires);
 * DataOffset must be 8-aligned and after the name when DataLength is nonzero; name and data
 * must fit inside the context (up to Next, or to the chain end for the last). len 0 gives an
 * empty list. Anything else, or more than SMB2_CREATE_CTX_MAX contexts, is
 * STATUS_INVALID_PARAMETER.
 */
NTSTATUS smb2_create_ctx_parse(const uint8_t *buf, size_t len, struct smb2_create_ctx_list *out);

bool smb2_create_ctx_name_eq(const struct smb2_create_ctx *c, const char *name, size_t name_len);

/* First context called `name` (one of the SMB2_CREATE_* strings above), or NULL. */
const struct smb2_create_ctx *smb2_create_ctx_find_n(const struct smb2_create_ctx_list *l,
						     const char *name, size_t name_len);
#define smb2_create_ctx_find(l, name) smb2_create_ctx_find_n((l), (name), sizeof(name) - 1)

/* Request context bodies; STATUS_INVALID_PARAMETER when DataLength does not match. */
struct smb2_lease_req {                        /* RqLs, 2.2.13.2.8 (32) / 2.2.13.2.10 (52) */
	bool v2;
	uint8_t key[16];
	uint32_t state;
	uint32_t flags;
	uint64_t duration;
	uint8_t parent_key[16];                /* v2 */
	uint16_t epoch;                        /* v2 */
};
NTSTATUS smb2_create_ctx_lease_decode(const struct smb2_create_ctx *c, struct smb2_lease_req *out);

struct smb2_durable_v2_req {                   /* DH2Q, 2.2.13.2.11 (32 bytes) */
	uint32_t timeout;
	uint32_t flags;
	uint8_t create_guid[16];
};
NTSTATUS smb2_create_ctx_dh2q_decode(const struct smb2_create_ctx *c,
				     struct smb2_durable_v2_req *out);

struct smb2_durable_v2_reconnect {             /* DH2C, 2.2.13.2.12 (36 bytes) */
	struct smb2_fileid file_id;
	uint8_t create_guid[16];
	uint32_t flags;
};
NTSTATUS smb2_create_ctx_dh2c_decode(const struct smb2_create_ctx *c,
				     struct smb2_durable_v2_reconnect *out);

/* DHnC (2.2.13.2.4, 16 bytes): the FileId to reconnect. */
NTSTATUS smb2_create_ctx_dhnc_decode(const struct smb2_create_ctx *c, struct smb2_fileid *out);
/* DHnQ (2.2.13.2.3): 16 reserved bytes, not looked at. */
NTSTATUS smb2_create_ctx_dhnq_decode(const struct smb2_create_ctx *c);

/*
 * The durable-handle contexts of one CREATE (DHnQ, DHnC, DH2Q, DH2C), decoded and checked
 * together. MS-SMB2 3.3.5.9.10, 3.3.5.9.12 (smbtorture durable-v2-open.create-blob): a v2
 * context beside a v1 one, or DH2Q beside DH2C, is STATUS_INVALID_PARAMETER; DHnQ beside DHnC
 * is not (the request is ignored, 3.3.5.9.6). A reconnect takes precedence over a request:
 * `request` is cleared when `reconnect` is set.
 */
struct smb2_durable_ctx {
	bool request, reconnect;     /* DHnQ/DH2Q; DHnC/DH2C */
	bool v2;
	struct smb2_fileid file_id;  /* reconnect */
	uint8_t create_guid[16];     /* v2 */
	uint32_t timeout;            /* DH2Q, milliseconds; 0: the server's default */
	uint32_t flags;              /* DH2Q/DH2C: SMB2_DHANDLE_FLAG_PERSISTENT */
};
NTSTATUS smb2_create_ctx_durable_decode(const struct smb2_create_ctx_list *l,
					struct smb2_durable_ctx *out);

/* AlSi (2.2.13.2.6), TWrp (2.2.13.2.7): one u64. MxAc (2.2.13.2.5): empty or a u64
 * Timestamp; *has_ts says which. */
NTSTATUS smb2_create_ctx_u64_decode(const struct smb2_create_ctx *c, uint64_t *out);
NTSTATUS smb2_create_ctx_mxac_decode(const struct smb2_create_ctx *c, bool *has_ts, uint64_t *ts);

/*
 * Response chain builder: appends contexts to `w` starting at its current end (the base).
 * Every context starts 8-aligned from the base and the previous one's Next is patched; the
 * last one is not padded. Build into a separate writer and hand the bytes to
 * smb2_create_rsp_encode, which places them 8-aligned from the header.
 */
struct smb2_create_ctx_builder {
	struct wr *w;
	size_t base;
	size_t last;       /* offset in w of the previous context */
	size_t count;
};

void smb2_create_ctx_builder_init(struct smb2_create_ctx_builder *b, struct wr *w);
void smb2_create_ctx_add(struct smb2_create_ctx_builder *b, const void *name, uint16_t name_len,
			 const void *data, uint32_t data_len);
/* Bytes written by the builder so far. */
size_t smb2_create_ctx_builder_len(const struct smb2_create_ctx_builder *b);

/* MxAc response (2.2.14.2.5): QueryStatus, MaximalAccess. */
void smb2_create_ctx_add_mxac(struct smb2_create_ctx_builder *b, uint32_t query_status,
			      uint32_t maximal_access);
/* QFid response (2.2.14.2.9): DiskFileId, VolumeId, 16 reserved bytes. */
void smb2_create_ctx_add_qfid(struct smb2_create_ctx_builder *b, uint64_t disk_file_id,
			      uint64_t volume_id);
/* RqLs response (2.2.14.2.10 v1: 32 bytes, 2.2.14.2.11 v2: 52 bytes, per lease->v2). */
void smb2_create_ctx_add_lease(struct smb2_create_ctx_builder *b, const struct smb2_lease_req *l);
/* DHnQ response (2.2.14.2.3): 8 reserved bytes. DH2Q response (2.2.14.2.12): Timeout, Flags. */
void smb2_create_ctx_add_dhnq(struct smb2_create_ctx_builder *b);
void smb2_create_ctx_add_dh2q(struct smb2_create_ctx_builder *b, uint32_t timeout, uint32_t flags);

#endif
