/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests that go async (MS-SMB2 3.3.4.2, async.c): parked with an interim STATUS_PENDING and
 * woken, re-run or completed later, possibly from another strand.
 */
#ifndef SKIFF_SMB2_ASYNC_H
#define SKIFF_SMB2_ASYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ntstatus.h"

struct net_conn;
struct smb2_conn;
struct smb2_async;
struct smb2_req;

/* Async requests (async.c). A handler that must wait calls smb2_async_park and returns
 * STATUS_PENDING; whoever ends the wait calls smb2_async_wake from any thread. */
NTSTATUS smb2_async_park(struct smb2_req *req, void (*on_drop)(struct smb2_conn *, struct smb2_async *));
void smb2_async_wake(struct net_conn *nc, uint64_t async_id);
/* Find by async id (async CANCEL) or by message id (sync CANCEL of a request that went async). */
struct smb2_async *smb2_async_find(struct smb2_conn *c, bool by_async_id, uint64_t id);
/* Remove and free an entry (runs on_drop). */
void smb2_async_drop(struct smb2_conn *c, struct smb2_async *a);
/* Send the final response of an async request that ends without being re-run (e.g. cancelled).
 * Takes no session lock (callers may hold one). */
void smb2_async_complete_status(struct smb2_conn *c, struct smb2_async *a, NTSTATUS st);
/* The same from another strand: post it to the request's connection. */
void smb2_async_post_status(struct net_conn *nc, uint64_t async_id, NTSTATUS st);
/* Re-run a parked request on its connection's strand (dispatch.c). */
void smb2_async_rerun(struct smb2_conn *c, struct smb2_async *a);

#endif
