/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the rpc layer: what a service (srvsvc.c, wkssvc.c, lsarpc.c) provides to the pipe
 * machinery in pipe.c, and the call it is handed. Tests and fuzz targets use it too.
 */
#ifndef SKIFF_RPC_INTERNAL_H
#define SKIFF_RPC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "rpc/ndr.h"
#include "rpc/pdu.h"
#include "rpc/rpc.h"

/* Win32 error codes the services answer (MS-ERREF 2.2). */
#define WERR_OK                0u
#define WERR_ACCESS_DENIED     5u
#define WERR_NOT_SUPPORTED     50u
#define WERR_INVALID_PARAMETER 87u
#define WERR_INVALID_NAME      123u
#define WERR_INVALID_LEVEL     124u
#define WERR_MORE_DATA         234u
#define WERR_NERR_NETNAMENOTFOUND 2310u

/* LSA statuses core/ntstatus.h does not list. */
#define RPC_STATUS_SOME_NOT_MAPPED 0x00000107u

/* One call to a service: the decoded request's stub in, the response stub out. */
struct rpc_call {
	const struct rpc_context *ctx;
	void *state;                /* the service's per-pipe state (iface->state_new) */
	struct arena *a;            /* dies when the call is answered */
	uint16_t opnum;
	struct ndr_pull in;
	struct ndr_push out;
	uint32_t fault;             /* non-zero: answer a fault PDU with this status */
	uint8_t fault_flags;        /* e.g. PFC_DID_NOT_EXECUTE */
};

struct rpc_iface {
	const char *name;           /* "srvsvc" */
	const char *sec_addr;       /* bind_ack secondary address, "\\PIPE\\srvsvc" */
	struct rpc_syntax syntax;   /* abstract syntax: interface uuid and version */
	/* Per-pipe state (lsarpc's policy handles); NULL when the service keeps none. */
	void *(*state_new)(void);
	void (*state_free)(void *state);
	/* Decode call->in, act, encode call->out; or set call->fault. */
	void (*dispatch)(struct rpc_call *call);
};

extern const struct rpc_iface rpc_srvsvc_iface;
extern const struct rpc_iface rpc_wkssvc_iface;
extern const struct rpc_iface rpc_lsarpc_iface;

/* The interface a pipe name selects (see rpc_pipe_exists), or NULL. */
const struct rpc_iface *rpc_iface_by_pipe_name(const char *name);

/* Run one call outside a pipe (tests, fuzzing): ctx, opnum, stub in; *out (malloc'ed) and
 * *out_len or *fault out. state may be NULL for a fresh per-pipe state. */
void rpc_call_run(const struct rpc_iface *iface, const struct rpc_context *ctx, void *state,
		  uint16_t opnum, const uint8_t *stub, size_t len, uint8_t **out, size_t *out_len,
		  uint32_t *fault);

/* Set by a handler: the stub did not decode (RPC_X_BAD_STUB_DATA) / no such operation. */
static inline void rpc_call_bad_stub(struct rpc_call *c) { c->fault = NCA_S_FAULT_NDR; }
static inline void rpc_call_no_op(struct rpc_call *c)
{
	c->fault = NCA_S_OP_RNG_ERROR;
	c->fault_flags = PFC_DID_NOT_EXECUTE;
}

#endif
