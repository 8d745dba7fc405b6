/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Oplocks and the CREATE admission (oplock.c): grants, breaks and the CREATEs waiting for them.
 */
#ifndef SKIFF_SMB2_OPLOCK_H
#define SKIFF_SMB2_OPLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ntstatus.h"
#include "smb2/lease.h"
#include "smb2/open.h"

struct net_conn;
struct oplock_grant;
struct smb2_conn;
struct smb2_oplocks;
struct smb2_req;
struct smb2_server;
struct smb2_session;
struct smb2_dir_change;
struct vfs_share;

/*
 * Oplocks (oplock.c). A CREATE is admitted by the VFS hook smb2_oplock_admit (set as
 * vfs_create_args.admit with a struct smb2_oplock_admission as its argument): in one step with
 * the share-mode check it breaks what the open conflicts with and either fails the open, parks
 * it (STATUS_PENDING: it runs again once the holders acknowledge or time out), or lets it go on
 * with a grant. The CREATE then attaches the grant to its new open (smb2_oplock_attach, which
 * returns the level for the response), or gives it up if it fails after all (abandon).
 */
/* The admission found disconnected durable opens it would have to break (an internal status,
 * never sent: the CREATE closes them and tries again). */
#define SMB2_STATUS_PURGE_DURABLE 0xE0000001u
#define SMB2_PURGE_MAX 8
struct smb2_oplock_admission {
	struct smb2_req *req;
	uint8_t requested;              /* RequestedOplockLevel */
	uint32_t disposition;
	bool delete_on_close;           /* CreateOptions FILE_DELETE_ON_CLOSE */
	bool dir_leasing;               /* a v2 lease on a directory may be granted */
	/* RequestedOplockLevel LEASE with an RqLs acted on (smb2_lease_create_request) */
	bool want_lease;
	struct smb2_lease_req lease_req;
	struct smb2_lease_name lease_name;      /* with want_lease (smb2_lease_match) */
	/* set by the admission */
	struct smb2_oplock_key key;
	bool keyed;
	uint8_t level;
	struct oplock_grant *grant;
	bool leased;                    /* the open holds a lease: lease_rsp is its RqLs answer */
	/* STATUS_PENDING: the open was refused by the share modes and waits for handle caching
	 * to be broken (else its share modes allow it and it waits for the breaks alone) */
	bool parked_share_conflict;
	struct smb2_lease_req lease_rsp;
	/* SMB2_STATUS_PURGE_DURABLE: disconnected durable opens to close before trying again */
	uint64_t purge[SMB2_PURGE_MAX];
	size_t npurge;
};
struct smb2_oplocks *smb2_oplocks_new(void);
void smb2_oplocks_free(struct smb2_oplocks *ol);
struct vfs_admission;
NTSTATUS smb2_oplock_admit(void *arg, const struct vfs_admission *in);
uint8_t smb2_oplock_attach(struct smb2_oplock_admission *a, struct smb2_open *op);
void smb2_oplock_abandon(struct smb2_oplock_admission *a);
void smb2_oplock_release(struct smb2_server *srv, struct smb2_open *op);
/* A write or size change through `op`: every level II holder of the file (op's own included)
 * is broken to none (MS-SMB2 3.3.4.6: no acknowledgement). */
void smb2_oplock_break_level2(struct smb2_conn *c, struct smb2_open *op);
/* A rename through `op`: the handle caching of other lease keys on the file is broken first;
 * STATUS_PENDING: the request is parked until their holders answer (it runs again then). */
NTSTATUS smb2_oplock_before_rename(struct smb2_req *req, struct smb2_open *op);
/* Directory leases: whether any is held (the fast paths skip the rest), and the breaks a change
 * of directories' entries makes (no waiting; lease.c decides). */
bool smb2_oplocks_dir_leased(struct smb2_oplocks *ol);
void smb2_oplock_dir_changed(struct smb2_oplocks *ol, const struct smb2_dir_change *c);
/* dirlease.c: the entry `path` of a share changed (created, deleted, renamed to `new_path`,
 * attributes, size or times) through `by` (NULL: no open to spare), by the client of
 * `client_guid` (NULL: no client, a disconnected durable open closed by the server): the leases
 * of its parent directory (and of new_path's) are broken, but one whose key is by's
 * ParentLeaseKey under the same client. */
void smb2_dirlease_entry_changed(struct smb2_server *srv, const uint8_t *client_guid,
				 const struct smb2_open *by, struct vfs_share *share,
				 const char *path, const char *new_path);
/* dirlease.c: `op`, a directory open just granted a lease, watches the directory in the kernel
 * (if its share has a watcher): a change the server did not make breaks its leases. Undone by
 * smb2_dirlease_unwatch when the file is closed. */
void smb2_dirlease_watch(struct smb2_server *srv, struct smb2_open *op);
void smb2_dirlease_unwatch(struct smb2_open *op);
/* A channel of `s` went: its grants' breaks go to the connection `to` of another channel (a break
 * in flight, oplock or lease, is sent again there). */
void smb2_oplocks_rehome(struct smb2_oplocks *ol, const struct smb2_session *s,
			 struct net_conn *gone, struct net_conn *to);

/* Oplock side of durability (oplock.c): the open's grant is marked disconnected (breaks are
 * not sent; a conflicting CREATE purges it) or taken over by the reconnecting connection.
 * smb2_oplock_durable_state says what the open holds: its level, lease state and whether a
 * break is in flight. */
void smb2_oplock_disconnect(struct smb2_server *srv, struct smb2_open *op);
void smb2_oplock_durable_state(struct smb2_server *srv, const struct smb2_open *op,
			       uint8_t *level, uint32_t *lease_state, bool *breaking);
/* The connection of the CREATE parked as `a` goes: its waiter entry keeps `p` instead (freed
 * with smb2_replay_pending_end when the break ends); false if it had none. */
struct smb2_async;
struct smb2_replay_pending;
bool smb2_oplock_orphan(struct smb2_conn *c, struct smb2_async *a, struct smb2_replay_pending *p);
/* A CREATE's replay (replay.c): whether the open holds a lease, whether it is the one `key`
 * (NULL: none) names for this client, and its state as a lease response. */
bool smb2_oplock_replay_lease(struct smb2_server *srv, const struct smb2_open *op,
			      const uint8_t client_guid[16], const uint8_t *key, bool *key_match,
			      struct smb2_lease_req *rsp);
/* The connection the open's breaks go to has lost its peer (its teardown may be under way). */
bool smb2_oplock_holder_gone(struct smb2_server *srv, const struct smb2_open *op);
/* The reconnecting CREATE's lease (NULL: none) against the open's: STATUS_SUCCESS when they
 * match (3.3.5.9.7: the same ClientGuid and LeaseKey, or no lease on either side); on
 * success the grant moves to req's connection and session and *rsp is the lease's state. */
NTSTATUS smb2_oplock_reconnect(struct smb2_req *req, struct smb2_open *op,
			       const struct smb2_lease_req *lease, bool check_only,
			       struct smb2_lease_req *rsp);

/* Persistent opens (persist.c). The store their caching changes are written to; a grant that
 * is to be (smb2_durable_grant made the open persistent); and, at start-up, the grant of a
 * restored open: owned by no connection until its client reconnects with DH2C (breaks are not
 * sent meanwhile, their timeouts run), never purged by a conflicting CREATE. */
struct pstore;
void smb2_oplocks_set_store(struct smb2_oplocks *ol, struct pstore *ps);
void smb2_oplock_set_persistent(struct smb2_server *srv, struct smb2_open *op);
struct smb2_oplock_restored {
	struct smb2_oplock_key key;     /* the file (stream 0: persistent opens are on files) */
	uint8_t level;                  /* an oplock level, or LEASE */
	bool lease, v2;
	uint8_t client_guid[16], lease_key[16];
	uint32_t state;
	uint16_t epoch;
	struct smb2_lease_name name;    /* where a lease's file is (smb2_lease_match) */
};
/* false: no memory (the open is kept without its caching) */
bool smb2_oplock_restore(struct smb2_server *srv, struct smb2_open *op,
			 const struct smb2_oplock_restored *r);

#endif
