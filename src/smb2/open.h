/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opens (MS-SMB2 3.3.1.10): in their session's table (session.c) and in the server's
 * (open_table.c), reference counted, and counted against the open-file limits (limits.c).
 */
#ifndef SKIFF_SMB2_OPEN_H
#define SKIFF_SMB2_OPEN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/ntstatus.h"

struct oplock_grant;
struct notify_watch;
struct smb2_dirlease_watch;
struct smb2_conn;
struct smb2_pipe;
struct smb2_req;
struct smb2_server;
struct smb2_session;
struct smb2_tree;
struct vfs_meta;
struct vfs_open;

/* Which file (or stream) an oplock is on: (dev, ino) and a hash of the stream name (0 for the
 * file's data). */
struct smb2_oplock_key {
	uint64_t dev, ino, stream;
};

/*
 * What makes an open durable (MS-SMB2 3.3.1.10 Open.IsDurable, DurableOpenTimeout,
 * CreateGuid, DurableOwner), and its state while its session is gone (durable.c): kept in one
 * place so that it can be stored (persistent handles). Written at CREATE under the session
 * lock ([S]); `disconnected`, `disconnecting`, `claimed`, `expired` and `timer` under the
 * server's open_lock.
 */
struct smb2_durable {
	bool granted;                   /* Open.IsDurable */
	bool v2;                        /* granted by DH2Q (create_guid is zero for v1) */
	uint8_t create_guid[16];        /* Open.CreateGuid: set by any DH2Q, granted or not */
	uint32_t timeout_ms;            /* how long it is kept once disconnected */
	uid_t owner_uid;                /* Open.DurableOwner: the reconnecting user must match */
	bool disconnected;              /* no session; found in the open table only */
	bool disconnecting;             /* smb2_durable_disconnect is taking it out of its session */
	bool claimed;                   /* a reconnect, purge or the scavenger has taken it */
	bool expired;                   /* its timeout passed while claimed: the claimer closes it */
	uint64_t timer;                 /* the scavenger's timer while disconnected, 0 if none */
	void *timer_arg;                /* its argument, freed by whoever stops it */
	/* Open.IsPersistent (persist.c): recorded in the persistent store, set at CREATE (or at
	 * a restore) before anyone else sees the open; persist_keep: closed by the server's stop,
	 * which it survives (its record stays), under the claim of the closer. */
	bool persistent;
	bool persist_keep;
};

/*
 * An open: in its session's table (Session.OpenTable, by volatile id) and in the server's
 * (GlobalOpenTable, by persistent id). Reference counted (open_table.c): the session's table
 * holds the first reference, lookups in the server's table and requests that use it take more.
 * smb2_open_close takes the open out of both tables, waits for the requests using it, releases
 * the file, marks it closed and drops the session's reference; the memory goes at the last put.
 *
 * Locking. [S]: written only with its session's lock held (CREATE, CLOSE, a durable disconnect or
 * reconnect), read under it or under `io_lock`. (A CREATE lets go of the session lock for its file
 * work, before the open exists, and inserts it under the lock again.) [IO]: the file behind the
 * open and what a request does with it, guarded by `io_lock`: a request that names the open takes
 * it (smb2_req_open_any) for its whole handler, shared for READ, WRITE and FLUSH of a file
 * (vfs_open's position is atomic), exclusive for every other command (their per-open state: the
 * enumeration, the EA index, timestamps frozen, a pipe); closing and detaching the open take it
 * exclusive, so the open's `vfs`, `pipe`, `sess` and `tree` do not change under a request that
 * holds it, and its tree lives as long (a tree's opens are closed or detached before it is freed).
 * Set once at CREATE before the open is in a table: [C]. Otherwise as marked.
 * Lock order: session lock -> `io_lock` -> everything the VFS and oplock code take.
 */
struct smb2_open {
	pthread_rwlock_t io_lock;
	struct smb2_open *next;         /* session table's hash chain */
	struct smb2_open *global_next;  /* server table's chain, under the server's open_lock */
	/* The CreateGuid index (open_table.c), under open_lock: Open.IsReplayEligible is being in
	 * it (a DH2Q CREATE put it there; any other request naming the open takes it out). */
	struct smb2_open *guid_next;
	bool guid_indexed;
	atomic_bool replay_eligible;    /* a hint read without the lock: guid_indexed decides */
	uint8_t client_guid[16];        /* [C] Open.ClientGuid */
	uint32_t create_action;         /* [C] what the CREATE did, for its replays */
	atomic_uint refs;
	atomic_bool closed;             /* closed by its session; only the ids are left valid */
	struct oplock_grant *oplock;    /* guarded by the server's oplock lock (oplock.c) */
	uint8_t oplock_level;           /* the same */
	struct smb2_oplock_key okey;    /* set once at CREATE (okey_valid) */
	bool okey_valid;
	struct notify_watch *notify;    /* guarded by the watch lock (notify.c) */
	/* [C] A leased directory's kernel watch (dirlease.c): set at CREATE before the open is
	 * answered, dropped at its close. */
	struct smb2_dirlease_watch *dirlease_watch;
	uint64_t persistent_id;         /* [C] */
	uint64_t volatile_id;           /* [S] (a reconnect gives a new one) */
	struct vfs_open *vfs;           /* [S][IO] NULL for a named pipe */
	struct smb2_pipe *pipe;         /* [S][IO] a named pipe on IPC$ (pipe.c), else NULL */
	struct smb2_session *sess;      /* [S][IO] */
	struct smb2_tree *tree;         /* [S][IO] */
	uint32_t access;                /* [C] */
	char *dir_pattern;              /* [IO] last QUERY_DIRECTORY pattern (malloc'ed) */
	bool dir_started;               /* [IO] */
	bool charged;                   /* [S] counted against its user's opens (smb2_open_charge) */
	uid_t owner;                    /* [S] that user */
	/* Open.LockSequenceArray (MS-SMB2 3.3.5.14), entries 1..64 at [0..63]: the
	 * LockSequenceNumber | SMB2_LOCK_SEQ_VALID of the last LOCK that succeeded, 0 if none [S] */
	uint8_t lock_seq[64];
	/* Open.ChannelSequence (MS-SMB2 3.3.5.2.10): the newest ChannelSequence a 3.x request on
	 * this open carried, set from the CREATE's [S]: checked at the lookup */
	uint16_t channel_sequence;
	/* Directory leases (dirlease.c): the ParentLeaseKey of the v2 lease the CREATE asked for
	 * (set once at CREATE), so the open's later changes spare the lease of the directory its
	 * client caches ([C]); whether it wrote (its close then changes the parent's listing). */
	bool has_parent_lease_key;
	uint8_t parent_lease_key[16];
	atomic_bool written;
	struct smb2_durable durable;
};
#define SMB2_LOCK_SEQ_VALID 0x80

/* A new open with its first reference and its io_lock, in no table yet. */
struct smb2_open *smb2_open_alloc(void);
struct smb2_open *smb2_open_add(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t,
				struct vfs_open *vo);
struct smb2_open *smb2_open_find(struct smb2_session *s, uint64_t persistent, uint64_t volatile_id);

/* The server's open table (open_table.c). smb2_open_lookup finds any session's open by its
 * persistent id and takes a reference (smb2_open_put); insert allocates the persistent id. */
bool smb2_open_table_init(struct smb2_server *srv);
void smb2_open_table_fini(struct smb2_server *srv);
void smb2_open_table_insert(struct smb2_server *srv, struct smb2_open *op);
/* Insert under op->persistent_id as it is (a restored persistent open); false if it is taken. */
bool smb2_open_table_insert_id(struct smb2_server *srv, struct smb2_open *op);
void smb2_open_table_remove(struct smb2_server *srv, struct smb2_open *op);
struct smb2_open *smb2_open_lookup(struct smb2_server *srv, uint64_t persistent);
size_t smb2_open_table_count(struct smb2_server *srv);
/* The table's lock held by the caller (durable.c's claims): find by persistent id, or any
 * disconnected durable open nobody has claimed. */
void smb2_open_table_lock(struct smb2_server *srv);
void smb2_open_table_unlock(struct smb2_server *srv);
struct smb2_open *smb2_open_find_locked(struct smb2_server *srv, uint64_t persistent);
struct smb2_open *smb2_open_find_disconnected_locked(struct smb2_server *srv);
/* A persistent open of that CreateGuid (a DH2C whose FileId is not known, MS-SMB2 3.3.5.9.12):
 * a walk of the whole table, as rare as such a reconnect. */
struct smb2_open *smb2_open_find_persistent_guid_locked(struct smb2_server *srv,
							 const uint8_t create_guid[16]);
/* The CreateGuid index (MS-SMB2 3.3.5.9.10): a DH2Q CREATE's open goes in (its client_guid
 * and durable.create_guid set); found by (ClientGuid, CreateGuid) with the table's lock held;
 * out at close, or when a request names it by FileId (the client saw the CREATE's answer, so
 * a replay of it is a new CREATE: smbtorture replay6). */
void smb2_open_guid_index(struct smb2_server *srv, struct smb2_open *op);
struct smb2_open *smb2_open_find_guid_locked(struct smb2_server *srv, const uint8_t client_guid[16],
					     const uint8_t create_guid[16]);
void smb2_open_replay_ineligible(struct smb2_server *srv, struct smb2_open *op);
void smb2_open_ref(struct smb2_open *op);
void smb2_open_put(struct smb2_open *op);
bool smb2_open_closed(const struct smb2_open *op);
/* Close an open of a session (its lock held). In two steps, which CLOSE takes apart to wait for
 * the open's other requests without the session lock: smb2_open_unlink (session lock held)
 * takes it out of its session's and the server's tables and ends its watch and waiting LOCKs;
 * smb2_open_release (no session lock needed) waits for the requests holding the open, closes
 * its file, marks it closed and drops the table's reference. */
void smb2_open_close(struct smb2_conn *c, struct smb2_open *op, struct vfs_meta *meta);
void smb2_open_unlink(struct smb2_conn *c, struct smb2_open *op);
void smb2_open_release(struct smb2_conn *c, struct smb2_open *op, struct vfs_meta *meta);
/* Close a disconnected open nobody else can reach any more (durable.c's claim held). */
void smb2_open_close_detached(struct smb2_server *srv, struct smb2_open *op);
/* Put a reconnected open into session s (its lock held) with a new volatile id; take a
 * durable open out of its session (it stays in the server's table). */
void smb2_open_attach(struct smb2_session *s, struct smb2_tree *t, struct smb2_open *op);
void smb2_open_detach(struct smb2_session *s, struct smb2_open *op);

/* MS-SMB2 3.3.5.2.10, verifying a request's ChannelSequence against the open's (3.x only). A
 * ChannelSequence newer than the open's (less than 0x8000 ahead, in 16-bit arithmetic) becomes
 * the open's; an older one fails a WRITE, SET_INFO or IOCTL (`may_fail`) with
 * STATUS_FILE_NOT_AVAILABLE: it was sent before the client moved to a new channel, and letting
 * it through could undo what was done since. Checked and updated at the open's lookup, under
 * the session lock. The spec's Outstanding(Pre)RequestCount, which a replayed request with the
 * current ChannelSequence checks, is taken as zero: none of these three goes async, and a
 * WRITE that runs on after the lookup has passed this check already. */
NTSTATUS smb2_channel_sequence_check(uint16_t *open_csn, uint16_t req_csn, bool may_fail);

/* Open-file limits (limits.c). smb2_open_charge (session lock held): count one more open against
 * the session's "max open files" (its opens and the CREATEs under way) and its user's "max open
 * files per user",
 * STATUS_INSUFFICIENT_RESOURCES past either; every success is paired with smb2_open_uncharge of
 * the returned owner (smb2_open_close does it for an open marked charged). */
bool smb2_user_opens_init(struct smb2_server *srv);
void smb2_user_opens_fini(struct smb2_server *srv);
NTSTATUS smb2_open_charge(struct smb2_session *s, uid_t *owner);
/* A persistent open restored at start-up (no session): counted against its owner's opens
 * whatever the bound (it was within it before the restart; a lower bound now only refuses new
 * opens); paired with smb2_open_uncharge as any. */
void smb2_open_charge_restored(struct smb2_server *srv, uid_t owner);
void smb2_open_uncharge(struct smb2_server *srv, uid_t owner);

/* Byte-range locks (lock.c): the open closes, its waiting LOCKs end with STATUS_RANGE_NOT_LOCKED
 * (session lock held). */
void smb2_lock_release(struct smb2_conn *c, struct smb2_open *op);

/* CREATE's response for `op` (create.c), also what a durable reconnect and a replayed CREATE
 * answer: its FileId, the oplock level, the action, the file's metadata and the encoded create
 * contexts. */
struct wr;
void smb2_create_answer(struct smb2_req *req, const struct smb2_open *op, uint8_t oplock_level,
			uint32_t create_action, const struct vfs_meta *m, const struct wr *contexts);

#endif
