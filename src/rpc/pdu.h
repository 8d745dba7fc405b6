/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection-oriented DCE/RPC PDUs (C706 12.6, MS-RPCE 2.2.2): the common header, bind and
 * alter_context, request; bind_ack, alter_context_resp, bind_nak, response and fault encoders.
 */
#ifndef SKIFF_RPC_PDU_H
#define SKIFF_RPC_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/ntstatus.h"

#define RPC_HDR_SIZE        16
#define RPC_REQUEST_HDR     24   /* common header + alloc_hint, p_cont_id, opnum */
#define RPC_RESPONSE_HDR    24
#define RPC_FAULT_SIZE      32
#define RPC_AUTH_TRAILER    8

/* PTYPE (C706 12.6.3.1). */
#define RPC_PTYPE_REQUEST       0
#define RPC_PTYPE_RESPONSE      2
#define RPC_PTYPE_FAULT         3
#define RPC_PTYPE_BIND          11
#define RPC_PTYPE_BIND_ACK      12
#define RPC_PTYPE_BIND_NAK      13
#define RPC_PTYPE_ALTER_CONTEXT 14
#define RPC_PTYPE_ALTER_CONTEXT_RESP 15
#define RPC_PTYPE_AUTH3         16
#define RPC_PTYPE_SHUTDOWN      17
#define RPC_PTYPE_CO_CANCEL     18
#define RPC_PTYPE_ORPHANED      19

/* pfc_flags (C706 12.6.3.1, MS-RPCE 2.2.2.3). */
#define PFC_FIRST_FRAG          0x01
#define PFC_LAST_FRAG           0x02
#define PFC_PENDING_CANCEL      0x04   /* PFC_SUPPORT_HEADER_SIGN in bind and alter_context */
#define PFC_RESERVED_1          0x08
#define PFC_CONC_MPX            0x10
#define PFC_DID_NOT_EXECUTE     0x20
#define PFC_MAYBE               0x40
#define PFC_OBJECT_UUID         0x80

/* NDR data representation: little-endian integers, ASCII, IEEE floats. */
#define RPC_DREP_LE 0x10

/* p_cont_def_result_t and p_provider_reason_t (C706 12.6.3.1), bind time feature bits
 * (MS-RPCE 2.2.2.14). */
#define RPC_ACK_ACCEPTANCE          0
#define RPC_ACK_USER_REJECTION      1
#define RPC_ACK_PROVIDER_REJECTION  2
#define RPC_ACK_NEGOTIATE_ACK       3
#define RPC_REASON_NOT_SPECIFIED                    0
#define RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED    1
#define RPC_REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED 2
#define RPC_REASON_LOCAL_LIMIT_EXCEEDED             3
#define RPC_BTFN_SEC_CONTEXT_MULTIPLEXING  0x0001
#define RPC_BTFN_KEEP_ORPHAN               0x0002

/* bind_nak reject reasons (C706 12.6.3.1, MS-RPCE 2.2.2.5). */
#define RPC_NAK_REASON_NOT_SPECIFIED            0
#define RPC_NAK_TEMPORARY_CONGESTION            1
#define RPC_NAK_LOCAL_LIMIT_EXCEEDED            2
#define RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED  4
#define RPC_NAK_INVALID_AUTH_TYPE               8
#define RPC_NAK_INVALID_CHECKSUM                9

/* Fault statuses (C706 Appendix E, MS-RPCE 2.2.2.11). */
#define NCA_S_OP_RNG_ERROR          0x1C010002u
#define NCA_S_UNKNOWN_IF            0x1C010003u
#define NCA_S_PROTO_ERROR           0x1C01000Bu
#define NCA_S_FAULT_NDR             0x000006F7u  /* RPC_X_BAD_STUB_DATA */
#define NCA_S_FAULT_ACCESS_DENIED   0x00000005u
#define NCA_S_FAULT_CONTEXT_MISMATCH 0x1C00001Au
#define NCA_S_FAULT_NO_CALL_ACTIVE  0x000006BDu
#define NCA_S_FAULT_OUT_OF_RESOURCES 0x000006D9u
#define NCA_S_FAULT_INVALID_TAG     0x1C000006u
#define NCA_S_FAULT_CANT_PERFORM    0x000006D8u

struct rpc_hdr {
	uint8_t vers, vers_minor, ptype, flags;
	uint8_t drep[4];
	uint16_t frag_len, auth_len;
	uint32_t call_id;
};

/* An interface or transfer syntax: uuid (in wire order) and version (major.minor). */
struct rpc_syntax {
	uint8_t uuid[16];
	uint16_t major, minor;
};

struct rpc_ctx_elem {
	uint16_t ctx_id;
	uint8_t n_ts;
	struct rpc_syntax abstract;
	struct rpc_syntax *ts;         /* n_ts entries */
};

/* bind and alter_context */
struct rpc_bind {
	uint16_t max_xmit, max_recv;
	uint32_t assoc_group;
	uint8_t n_ctx;
	struct rpc_ctx_elem *ctx;      /* n_ctx entries */
};

struct rpc_request {
	uint32_t alloc_hint;
	uint16_t ctx_id, opnum;
	bool has_object;
	uint8_t object[16];
	const uint8_t *stub;           /* into the PDU */
	size_t stub_len;
};

/* One context's answer in a bind_ack / alter_context_resp. */
struct rpc_ack_result {
	uint16_t result, reason;
	struct rpc_syntax ts;
};

extern const struct rpc_syntax rpc_ndr20_syntax;   /* 8a885d04-1ceb-11c9-9fe8-08002b104860 v2 */
extern const struct rpc_syntax rpc_ndr64_syntax;   /* 71710533-beba-4937-8319-b5dbef9ccc36 v1 */

bool rpc_syntax_equal(const struct rpc_syntax *a, const struct rpc_syntax *b);
/* The bind time feature negotiation syntax 6cb71c2c-9812-4540-<bits>: its feature bits. */
bool rpc_syntax_is_btfn(const struct rpc_syntax *s, uint16_t *features);

/* The 16-byte common header; false when fewer than 16 bytes are given. No value is checked. */
bool rpc_hdr_decode(const uint8_t *p, size_t len, struct rpc_hdr *h);
/* Header rules every PDU we take must meet (version 5.0, little-endian NDR, auth_len within
 * the fragment, no flag outside `allowed`). */
bool rpc_hdr_valid(const struct rpc_hdr *h, uint8_t allowed_flags);

/* Body of a bind or alter_context PDU (pdu holds h->frag_len bytes). STATUS_INVALID_PARAMETER
 * when it is cut short or a context has no transfer syntax. */
NTSTATUS rpc_bind_decode(const struct rpc_hdr *h, const uint8_t *pdu, struct arena *a,
			 struct rpc_bind *b);
/* Body of a request PDU: the stub lies between the 24-byte header (40 with an object uuid) and
 * the auth verifier, if any. */
NTSTATUS rpc_request_decode(const struct rpc_hdr *h, const uint8_t *pdu, struct rpc_request *rq);

/* Encoders append one whole PDU to w, frag_len filled in. */
void rpc_bind_ack_encode(struct wr *w, uint8_t ptype, uint32_t call_id, uint16_t max_xmit,
			 uint16_t max_recv, uint32_t assoc_group, const char *sec_addr,
			 const struct rpc_ack_result *res, size_t nres);
void rpc_bind_nak_encode(struct wr *w, uint32_t call_id, uint16_t reason);
void rpc_fault_encode(struct wr *w, uint32_t call_id, uint16_t ctx_id, uint8_t extra_flags,
		      uint32_t status);
void rpc_response_encode(struct wr *w, uint32_t call_id, uint16_t ctx_id, uint8_t flags,
			 uint32_t alloc_hint, const uint8_t *stub, size_t len);

#endif
