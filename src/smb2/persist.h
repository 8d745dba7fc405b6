/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Persistent handles (persist.c; MS-SMB2 3.3.5.9.10 Open.IsPersistent, 3.3.5.9.12): durable
 * opens on a `continuously available` share whose state is kept in the store of src/state
 * (pstore.h) so that they outlive skiffd itself. Written before the client hears of it: the
 * open at CREATE, its byte-range locks at LOCK; deleted when it is closed for good. At start-up
 * the records become disconnected durable opens again (smb2_persist_restore).
 */
#ifndef SKIFF_SMB2_PERSIST_H
#define SKIFF_SMB2_PERSIST_H

#include <stdbool.h>
#include <stdint.h>

struct net_server;
struct smb2_lease_req;
struct smb2_open;
struct smb2_server;

/* What CREATE knows that the open does not keep. */
struct smb2_persist_create {
	const uint8_t *client_guid;           /* the connection's (16 bytes) */
	uint32_t share_access, create_options;
	const struct smb2_lease_req *lease;   /* the lease granted, or NULL */
};

/* Open the store when a share is continuously available (false: it cannot be used); close it. */
bool smb2_persist_init(struct smb2_server *srv);
void smb2_persist_fini(struct smb2_server *srv);
/* Does any share offer persistent handles (NEGOTIATE's SMB2_GLOBAL_CAP_PERSISTENT_HANDLES)? */
bool smb2_persist_enabled(const struct smb2_server *srv);

/* Record a persistent open before its CREATE is answered; false if it could not be stored (the
 * open is then not persistent). */
bool smb2_persist_record(struct smb2_server *srv, struct smb2_open *op,
			 const struct smb2_persist_create *pc);
/* Store the open's byte-range locks as they are now (after a LOCK, before its answer). */
void smb2_persist_locks(struct smb2_server *srv, struct smb2_open *op);
/* SET_INFO changed the open's delete-on-close (FileDispositionInformation[Ex]): stored, so that a
 * restart restores it (before the answer, as the rest). */
void smb2_persist_delete_on_close(struct smb2_server *srv, struct smb2_open *op, bool del);
/* The open is closed for good (CLOSE, scavenger, purge): its record goes; not at a server stop,
 * which a persistent open survives. */
void smb2_persist_forget(struct smb2_server *srv, struct smb2_open *op);

/* At start-up, before clients connect: each record becomes a disconnected durable open (its
 * file opened again beneath its share, its locks and lease taken again), or is dropped (logged)
 * when that is not possible. Then, once the transport runs, smb2_persist_arm starts their
 * scavenger timers. */
void smb2_persist_restore(struct smb2_server *srv);
void smb2_persist_arm(struct smb2_server *srv, struct net_server *ns);

#endif
