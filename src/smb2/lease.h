/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leases v1 (SMB 2.1) and v2 (3.x): the server's lease table (MS-SMB2 3.3.1.4
 * GlobalLeaseTableList, ClientGuid + LeaseKey -> Lease) and the decisions a CREATE, a write, a
 * rename and a lease break acknowledgement take about lease states. The decisions are pure
 * functions of plain data (no sockets, no VFS), so that the admission step of a CREATE can ask
 * them for leases and oplocks alike and the unit tests can drive them directly.
 *
 * State is written in lease bits (R = READ_CACHING, H = HANDLE_CACHING, W = WRITE_CACHING); an
 * oplock is described by its lease equivalent (level II = R, exclusive = RW, batch = RWH), which
 * is how MS-FSA 2.1.5.17 treats both.
 */
#ifndef SKIFF_SMB2_LEASE_H
#define SKIFF_SMB2_LEASE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"
#include "smb2/wire/create_contexts.h"

#define SMB2_LEASE_R SMB2_LEASE_READ_CACHING
#define SMB2_LEASE_H SMB2_LEASE_HANDLE_CACHING
#define SMB2_LEASE_W SMB2_LEASE_WRITE_CACHING
#define SMB2_LEASE_RHW (SMB2_LEASE_R | SMB2_LEASE_H | SMB2_LEASE_W)

/* MS-SMB2 3.3.2.5: how long a break that needs an acknowledgement may stay unanswered. */
#define SMB2_LEASE_BREAK_TIMEOUT_MS 35000u

/* The file (or stream) a lease is on: (dev, ino) and a hash of the stream name, 0 for the
 * file's data. One lease key covers opens of one file only (3.3.5.9.8). */
struct smb2_lease_file {
	uint64_t dev, ino, stream;
};

/* Where an open's file was found: the root directory of its tree's share (which varies per
 * connection on a share whose path has variables) and the name the client gave it, share name
 * included (MS-SMB2 Lease.Filename). */
struct smb2_lease_name {
	const char *share_path;
	const char *name;         /* "share\\path:stream" as the client wrote it */
};

/*
 * A lease (MS-SMB2 3.3.1.13). Every field is guarded by its table's lock ([L]); a lease lives
 * while an open holds it (`opens`), or while the table code holds a reference (`refs`) across
 * an unlocked step such as a break timer.
 */
struct smb2_lease {
	struct smb2_lease *next;        /* [L] hash chain */
	uint8_t client_guid[16];
	uint8_t key[16];
	uint8_t parent_key[16];
	bool has_parent;                /* v2 with SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET */
	bool v2;                        /* fixed by the CREATE that made the lease */
	struct smb2_lease_file file;
	char *share_path, *name;        /* [L] smb2_lease_name of the file (one allocation) */
	uint32_t state;                 /* [L] Lease.LeaseState */
	bool breaking;                  /* [L] Lease.Breaking: a notification awaits its ack */
	uint32_t break_to;              /* [L] Lease.BreakToLeaseState: what the client was asked */
	uint32_t break_required;        /* [L] where the conflicts need it to end (<= break_to) */
	uint16_t epoch;                 /* [L] Lease.Epoch (v2) */
	unsigned opens;                 /* [L] opens holding the lease */
	unsigned refs;                  /* [L] other holders (timers) */
	/* [L] The last notification that asked for an acknowledgement and got none (also after its
	 * timeout): sent again if the channel it went to is lost (smb2_lease_break_again). */
	bool unconfirmed;
	uint32_t unconfirmed_from, unconfirmed_to;
	uint16_t unconfirmed_epoch;
	uint64_t timer;                 /* [L] the break's timeout timer, 0 for none */
	void *timer_arg;                /* [L] its argument, freed by whoever stops it */
};

/* A lease break notification to send (MS-SMB2 2.2.23.2), made by a state change. */
struct smb2_lease_break_msg {
	uint8_t key[16];
	uint8_t client_guid[16];
	uint32_t from, to;
	uint16_t epoch;                 /* NewEpoch: 0 for a v1 lease */
	bool ack_required;
};

/* ---- Pure decisions ---- */

/* MS-FSA 2.1.5.17 / Samba's stat open: an open asking for nothing beyond attributes, the
 * security descriptor's reading and SYNCHRONIZE breaks no lease or oplock. */
bool smb2_lease_is_stat_open(uint32_t access);

/* The part of a requested state that can be granted at all: R, RH, RW, RWH as asked; a state
 * without R (H, W, HW) gets nothing. */
uint32_t smb2_lease_state_valid(uint32_t requested);

/* Oplock levels and their lease equivalents. A state maps back to batch (RWH), exclusive (RW),
 * level II (R, RH) or none. */
uint32_t smb2_lease_from_oplock(uint8_t level);
uint8_t smb2_lease_to_oplock(uint32_t state);

/* What the other opens of a file look like to a new open (or an upgrade): "other" means not
 * under the opener's own lease key. */
struct smb2_lease_others {
	bool opens;          /* a non-stat open, or any open holding a lease or oplock state */
	bool oplock;         /* an oplock above none */
	bool handle_lease;   /* a lease holding H */
	bool write;          /* a lease or oplock still holding W (not broken: a stat open, or a
			      * break in flight that the open did not wait for) */
};

/* The lease state a new lease under a key not yet on the file gets: the valid part of the
 * request, without W when other opens exist and without H when an oplock does
 * (smb2.lease.break, smb2.lease.oplock); none while another holder keeps W. */
uint32_t smb2_lease_grant(uint32_t requested, const struct smb2_lease_others *o);

/* The oplock level a non-lease open gets beside the others: none when a lease holds H or
 * another holder keeps W; level II at most when other opens exist. */
uint8_t smb2_lease_grant_oplock(uint8_t requested, const struct smb2_lease_others *o);

/* How a new open sees one holder of caching state (a lease under another key, or an oplock). */
struct smb2_lease_open_intent {
	uint32_t access;          /* DesiredAccess as granted */
	bool overwrite;           /* SUPERSEDE, OVERWRITE or OVERWRITE_IF of an existing file */
	bool sharing_violation;   /* the share-mode check failed against the existing opens */
	bool delete_on_close;     /* FILE_DELETE_ON_CLOSE: the name is about to go */
	bool first_attempt;       /* not a CREATE re-run after a wait */
};

struct smb2_lease_break_need {
	bool needed;              /* the holder must be broken to `to` */
	uint32_t to;
	bool wait;                /* the CREATE must wait for the holder's acknowledgement */
};

/*
 * MS-FSA 2.1.5.17 as Windows and Samba apply it: a stat open breaks nothing; otherwise W is
 * broken (H instead when the share modes conflict: the holder may close its cached handles; H
 * too for a delete-on-close open, whose close deletes the name the handles are cached under:
 * smb2.lease.unlink), an overwrite breaks R and H too. The CREATE waits while it breaks what it needs gone (W, or
 * H on a sharing violation) and, after its first attempt, while any break of the holder is in
 * flight; a break of H alone for an overwrite is sent without waiting (smb2.lease.breaking4).
 */
struct smb2_lease_break_need smb2_lease_break_for_open(const struct smb2_lease_open_intent *in,
						       uint32_t state, bool breaking);

/* ---- Directory leases (3.x) ---- */

/* What a v2 lease request on a directory can get: R or RH, never W (MS-SMB2 3.3.5.9.11;
 * smb2.lease.v2_request asks RHW and gets RH). A v1 request on a directory gets none. */
uint32_t smb2_lease_dir_state_valid(uint32_t requested);

/* A change to the entries of one or two directories (a create, a delete, a rename into, out of
 * or within them, a child's attributes, size or times), and who made it. */
struct smb2_dir_change {
	struct smb2_lease_file dirs[2];   /* the parent (and, for a rename, the new parent) */
	size_t ndirs;
	const uint8_t *client_guid;       /* of the connection that made the change */
	bool has_parent_key;              /* the changing open's v2 lease named a ParentLeaseKey */
	uint8_t parent_key[16];
};

/*
 * The state directory lease `l` must be broken to for change `c` (l->state when none): a lease
 * on one of the changed directories loses all caching (Windows breaks RH and R to none), unless
 * the change came from an open whose ParentLeaseKey is the lease's own key under the same client
 * (MS-FSA 2.1.4.12.2 with PARENT_OBJECT: the client that caches the directory made the change).
 */
uint32_t smb2_lease_dir_break_to(const struct smb2_lease *l, const struct smb2_dir_change *c);

/* ---- State changes of one lease (caller holds the table lock) ---- */

/*
 * An open under an existing lease key asks for `requested` (MS-SMB2 3.3.5.9.8): the lease is
 * upgraded to the request only if it is valid, a strict superset of the current state, fully
 * grantable beside the others (smb2_lease_grant gives all of it) and no break is in flight;
 * otherwise it stays as it is (smb2.lease.upgrade2, upgrade3). A change raises the epoch.
 * Returns true when the state changed.
 */
bool smb2_lease_upgrade(struct smb2_lease *l, uint32_t requested,
			const struct smb2_lease_others *o);

/*
 * Start breaking `l` to `to` (MS-SMB2 3.3.4.7). When no break is in flight: the epoch rises,
 * `msg` is filled and true returned; a lease without W or H goes to `to` at once (no
 * acknowledgement), otherwise it is breaking until acknowledged. When a break is in flight no
 * second notification goes out: the target it must end at is lowered, and the ack sends the
 * rest (smb2.lease.breaking3). Breaking to a state that is not lower does nothing (false).
 */
bool smb2_lease_break_start(struct smb2_lease *l, uint32_t to, struct smb2_lease_break_msg *msg);

/* The last notification that needed an acknowledgement and got none (the break in flight, or
 * one that timed out), unchanged (same epoch), to send again on another channel when the one it
 * went to is lost (MS-SMB2 3.3.4.7, as Samba retries); false when there is none. */
bool smb2_lease_break_again(const struct smb2_lease *l, struct smb2_lease_break_msg *msg);

/*
 * A lease break acknowledgement (MS-SMB2 3.3.5.22.2) for `l`, NULL when the client's key is not
 * in the table: STATUS_OBJECT_NAME_NOT_FOUND; no break in flight: STATUS_UNSUCCESSFUL; a state
 * beyond what was asked: STATUS_REQUEST_NOT_ACCEPTED. Accepted, the lease takes the acked state;
 * if conflicts that came meanwhile need it lower, a further break is started in `next`
 * (*send_next true): through R first when the acked state still has H, as Windows does, with
 * the same epoch.
 */
NTSTATUS smb2_lease_ack(struct smb2_lease *l, uint32_t acked, struct smb2_lease_break_msg *next,
			bool *send_next);

/* The break was not acknowledged in time (3.3.2.5): the lease loses all caching. */
void smb2_lease_break_timeout(struct smb2_lease *l);

/* The RqLs response (2.2.14.2.10/11) for `l` as it stands. */
void smb2_lease_response(const struct smb2_lease *l, struct smb2_lease_req *rsp);

/* ---- The table ---- */

#define SMB2_LEASE_BUCKETS 256

struct smb2_leases {
	pthread_mutex_t lock;           /* [L]; taken after the oplock lock, before nothing */
	struct smb2_lease *buckets[SMB2_LEASE_BUCKETS];
	size_t count;
};

void smb2_leases_init(struct smb2_leases *t);
void smb2_leases_fini(struct smb2_leases *t);

/* [L] The lease of (client_guid, key), or NULL. */
struct smb2_lease *smb2_lease_lookup(struct smb2_leases *t, const uint8_t client_guid[16],
				     const uint8_t key[16]);

/* [L] The leases of (client_guid, key) one after another, from prev (NULL: the first). A key
 * has one lease, except after a reuse on a share whose path varies (smb2_lease_match). */
struct smb2_lease *smb2_lease_next(struct smb2_leases *t, const uint8_t client_guid[16],
				   const uint8_t key[16], struct smb2_lease *prev);

enum smb2_lease_match {
	SMB2_LEASE_MATCH_OK,          /* the key is free, or on this file only */
	SMB2_LEASE_MATCH_OTHER_FILE,  /* the key is on another file: STATUS_INVALID_PARAMETER */
	SMB2_LEASE_MATCH_OTHER_TREE,  /* on a file of the same name in another tree's directory */
};

/*
 * [L] MS-SMB2 3.3.5.9.8/3.3.5.9.11: a lease key held (by open) on another file than `file` fails
 * the CREATE with STATUS_INVALID_PARAMETER "if Lease.Filename does not match the file name for
 * the incoming request". The spec compares names, and on Windows one name is one file; on a
 * share whose path varies per connection (`path = .../%t`, Samba's [homes]) the same name, sent
 * by the same client to the same share, can be a different file in another directory. Then the
 * names match, so the spec does not fail the open, but the lease cannot cover both files:
 * Samba (lease_match) answers it with no lease and breaks the key's leases on the other files
 * to none, so the client's cache of "the" file is dropped; that is OTHER_TREE, what skiffd does
 * too. *mine: the key's lease (with opens) on `file`, else NULL.
 */
enum smb2_lease_match smb2_lease_match(struct smb2_leases *t, const uint8_t client_guid[16],
				       const uint8_t key[16], const struct smb2_lease_file *file,
				       const struct smb2_lease_name *name, struct smb2_lease **mine);

/*
 * [L] An open under (client_guid, req->key) on `file`, named `name`: the key's lease on the
 * file, or a new one with state none, version and parent key from `req` and epoch req->epoch
 * (*created true). smb2_lease_match decides first whether the open may use the key. Takes an
 * open reference.
 */
NTSTATUS smb2_lease_open(struct smb2_leases *t, const uint8_t client_guid[16],
			 const struct smb2_lease_req *req, const struct smb2_lease_file *file,
			 const struct smb2_lease_name *name, struct smb2_lease **out,
			 bool *created);

/* [L] The first grant of a new lease: state and, when it is not none, the epoch raised. */
void smb2_lease_set_initial(struct smb2_lease *l, uint32_t state);

/* [L] An open of the lease closed. With its last open the lease is over (no state, no break in
 * flight, a late ack finds nothing to acknowledge); its memory goes with the last reference too.
 * Returns true when it was freed. */
bool smb2_lease_close(struct smb2_leases *t, struct smb2_lease *l);
/* [L] Holders other than opens (a break timer). */
void smb2_lease_ref(struct smb2_lease *l);
bool smb2_lease_unref(struct smb2_leases *t, struct smb2_lease *l);

/* ---- On the wire (lease_io.c) ---- */

struct net_conn;

/*
 * Whether a CREATE's RqLs context is acted on (MS-SMB2 3.3.5.9.8): RequestedOplockLevel LEASE,
 * dialect 2.1 or later and the share's `leases` on; a v2 context on 2.1 is read as v1. True
 * with the request in `out`; false when there is none to act on, or (*st not SUCCESS) when the
 * context is malformed.
 */
bool smb2_lease_create_request(uint16_t dialect, bool share_leases, uint8_t requested_oplock_level,
			       const struct smb2_create_ctx_list *contexts, struct smb2_lease_req *out,
			       NTSTATUS *st);

/* Send a Lease Break Notification (2.2.23.2) on `nc`, sealed for `enc` if not NULL. */
struct smb2_session;
void smb2_lease_send_break(struct net_conn *nc, const struct smb2_lease_break_msg *m,
			   struct smb2_session *enc);
/* The unsolicited OPLOCK_BREAK both notifications are (MS-SMB2 2.2.23): begin writes its header
 * (MessageId all ones, never signed; SessionId 0 unless sealed) with room for a body of
 * body_size; the caller
 * encodes the body at offset 4 and smb2_break_send sends it (or drops it if encoding failed),
 * its delivery watched (net_conn_send_tracked). `enc`, when not NULL, is the session whose keys
 * seal it (a session or share that encrypts, MS-SMB2 3.3.4.1.4); the caller keeps it alive. */
struct wr;
void smb2_break_begin(struct wr *w, size_t body_size, const struct smb2_session *enc);
void smb2_break_send(struct net_conn *nc, struct wr *w, struct smb2_session *enc);

#endif
