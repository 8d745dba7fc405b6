/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durable handles (durable.c, MS-SMB2 3.3.5.9.6/7/10/12): their decisions, pure so that they
 * can be tested alone (what a CREATE is granted, how long a disconnected open is kept, whether a
 * reconnect may have it), and the steps that apply them.
 */
#ifndef SKIFF_SMB2_DURABLE_H
#define SKIFF_SMB2_DURABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

#define SMB2_DURABLE_V2_MAX_TIMEOUT_MS 300000u   /* what Windows grants at most */

/* MS-SMB2 3.3.5.9.6, 3.3.5.9.10: durable only with a batch oplock or a lease with handle
 * caching (as Windows). */
bool smb2_durable_grantable(uint8_t oplock_level, uint32_t lease_state);

/* The timeout a disconnected open is kept for, with the share's `durable handle timeout`
 * (seconds): v1 that; v2 the requested one, 0 meaning that, capped at 300 s or that if larger
 * (smbtorture durable-v2-open: UINT32_MAX is answered with 300 s). */
uint32_t smb2_durable_timeout(bool v2, uint32_t requested_ms, unsigned share_s);

/* What a DHnC/DH2C reconnect found (3.3.5.9.7, 3.3.5.9.12), in the order it is judged. */
struct smb2_durable_reconnect_facts {
	bool claimed;           /* an open of that persistent id, durable, disconnected, now ours */
	bool same_share;        /* on the tree's share */
	bool req_v2;            /* reconnected by DH2C */
	bool guid_match;        /* the same CreateGuid (zero for a v1 open) */
	bool persistent_unasked;        /* a persistent open, a DH2C without the persistent flag */
	NTSTATUS lease;         /* the lease check (smb2_oplock_reconnect) */
	bool has_lease;         /* the open holds a lease */
	bool name_match;        /* the request's name is the open's path */
	bool same_user;         /* Open.DurableOwner */
};
/* STATUS_SUCCESS, or what the reconnect fails with: OBJECT_NAME_NOT_FOUND for an open that is
 * not there for this client (not durable, still connected, another CreateGuid or lease key),
 * INVALID_PARAMETER for a leased open named wrongly (smbtorture reopen2-lease: unlike an
 * oplock's, a leased open's name is checked), ACCESS_DENIED for another user. */
NTSTATUS smb2_durable_reconnect_check(const struct smb2_durable_reconnect_facts *f);

/*
 * smb2_durable_grant: after CREATE, make `op` durable if the request asked and it holds a batch
 * oplock or a lease with handle caching; true when granted (the response then carries
 * DHnQ/DH2Q with *timeout_ms). smb2_durable_disconnect: its session goes without a CLOSE
 * (connection lost, LOGOFF, a session reconnect): a durable open leaves the session and stays
 * in the open table until reconnected or scavenged; false when the open is not durable (the
 * caller closes it). smb2_durable_reconnect answers a CREATE with DHnC/DH2C.
 * smb2_durable_purge closes disconnected opens a conflicting CREATE would have to break (their
 * break cannot be sent).
 */
struct smb2_conn;
struct smb2_create_req;
struct smb2_durable_ctx;
struct smb2_open;
struct smb2_req;
struct smb2_server;
struct smb2_session;

struct smb2_persist_create;
bool smb2_durable_grant(struct smb2_open *op, const struct smb2_durable_ctx *want, uint16_t dialect,
			uint8_t oplock_level, uint32_t lease_state,
			const struct smb2_persist_create *pc, uint32_t *timeout_ms);
bool smb2_durable_disconnect(struct smb2_conn *c, struct smb2_session *s, struct smb2_open *op);
/* DHnC/DH2C (3.3.5.9.7, 3.3.5.9.12). `replayed`: a replayed DH2Q CREATE that found its open
 * disconnected (replay.c): answered as the DH2Q it is, with a DH2Q response (3.3.5.9.10). */
NTSTATUS smb2_durable_reconnect(struct smb2_req *req, const struct smb2_create_req *in,
				const struct smb2_durable_ctx *want, bool replayed);
void smb2_durable_purge(struct smb2_conn *c, const uint64_t *persistent_ids, size_t n);
/* At server stop: close the disconnected durable opens left (durable.c); persistent ones keep
 * their records. */
void smb2_durable_close_all(struct smb2_server *srv);
/* A persistent open restored at start-up (persist.c), disconnected already: start its
 * scavenger's timer now that the transport runs. */
struct net_server;
void smb2_durable_arm(struct smb2_server *srv, struct net_server *ns, uint64_t persistent_id);

#endif
