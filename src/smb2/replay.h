/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay of a CREATE (replay.c, MS-SMB2 3.3.5.9, 3.3.5.9.10): a DH2Q CREATE whose CreateGuid
 * names an open of the same client is answered from that open instead of opening again; a
 * CREATE of a CreateGuid whose first CREATE still waits is told to retry (or, on a share with
 * `windows replay`, answered as Windows Server answers it).
 */
#ifndef SKIFF_SMB2_REPLAY_H
#define SKIFF_SMB2_REPLAY_H

#include <stdbool.h>

#include "core/ntstatus.h"

/* What a DH2Q CREATE found for its (ClientGuid, CreateGuid), in the order it is judged. */
struct smb2_replay_facts {
	bool pending;           /* a CREATE of that CreateGuid is waiting (on any channel) */
	bool pending_share_conflict; /* ... every one refused by the share modes, waiting for a
				      * handle-caching break to lift the conflict */
	bool windows;           /* the share's `windows replay` */
	bool found;             /* a replay-eligible open of the client with that CreateGuid */
	bool replay;            /* the request has SMB2_FLAGS_REPLAY_OPERATION */
	bool disconnected;      /* found: a durable open out of any session */
	bool same_session;      /* found: in the request's session */
	bool want_lease;        /* the request has a lease context that is acted on */
	bool open_leased;       /* found: the open holds a lease */
	bool lease_key_match;   /* ... and it is the request's lease key */
};

enum smb2_replay_action {
	SMB2_REPLAY_NEW_OPEN,   /* nothing to replay: open as usual (and index the CreateGuid) */
	SMB2_REPLAY_ANSWER,     /* answer from the open found */
	SMB2_REPLAY_RECONNECT,  /* the open found is disconnected: reconnect it (as DH2C would) */
	SMB2_REPLAY_FAIL,       /* fail with *st */
};

/* The decision alone (as Samba, which smbtorture's replay tests describe): a pending CREATE
 * makes any other FILE_NOT_AVAILABLE (the client retries); an eligible open is
 * DUPLICATE_OBJECTID to a CREATE without the replay flag or from another session; a replay
 * naming a lease must name the open's (ACCESS_DENIED). With `windows replay`, as Windows
 * Server: a pending CREATE whose open exists and only waits for breaks makes the replay
 * ACCESS_DENIED; one refused by the share modes has no open yet, so the replay is not
 * recognised and runs as a new CREATE (waiting for the same break). */
enum smb2_replay_action smb2_replay_decide(const struct smb2_replay_facts *f, NTSTATUS *st);

struct smb2_async;
struct smb2_conn;
struct smb2_create_req;
struct smb2_durable_ctx;
struct smb2_open;
struct smb2_req;

/* Whether this CREATE takes part: a DH2Q (not a reconnect) on a 3.x connection. */
bool smb2_replay_applies(const struct smb2_req *req, const struct smb2_durable_ctx *want);
/* Before opening: *handled when the CREATE was answered (or failed, the status returned) from
 * an open or a pending CREATE of its CreateGuid; else STATUS_SUCCESS and open as usual. A re-run
 * of a CREATE that went async is its own pending CREATE: not looked up again. */
NTSTATUS smb2_replay_create(struct smb2_req *req, const struct smb2_create_req *in,
			    const struct smb2_durable_ctx *want, bool *handled);
/* After the open: it records its CreateGuid and goes into the index. */
void smb2_replay_opened(struct smb2_req *req, struct smb2_open *op,
			const struct smb2_durable_ctx *want, uint32_t create_action);
/* The CREATE went async (req->parked): its CreateGuid is pending until the entry goes
 * (smb2_replay_pending_drop, from smb2_async_drop). */
void smb2_replay_pending_add(struct smb2_req *req, const struct smb2_durable_ctx *want,
			     bool share_conflict);
void smb2_replay_pending_drop(struct smb2_conn *c, struct smb2_async *a);

/* An entry of smb2_server.replay_pending (its open_lock). When the connection of a waiting
 * CREATE goes, its entry is left to the oplock waiter it had (smb2_oplock_orphan) and goes when
 * that break ends: a replay on another channel meanwhile is told to retry, as Samba, whose
 * CREATE goes on without its channel (smbtorture dhv2-pending2*), instead of opening again and
 * waiting for the same break past the client's timeout. */
struct smb2_replay_pending {
	struct smb2_replay_pending *next;
	struct smb2_server *srv;
	uint8_t client_guid[16], create_guid[16];
	bool share_conflict;    /* parked on a share-mode conflict (smb2_replay_facts) */
};
/* Take an entry off the list and free it (any thread; takes the open table's lock). */
void smb2_replay_pending_end(struct smb2_replay_pending *p);

#endif
