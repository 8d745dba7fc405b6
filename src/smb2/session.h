/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions, their channels and tree connects (MS-SMB2 3.3.1.8, 3.3.1.14, 3.3.1.10): the
 * session table (session_table.c), a session's life (session.c) and its keys.
 *
 * Threading: a session can be bound to several connections (multichannel, MS-SMB2 3.3.5.5.2): it
 * lives in the server's session table, is reference counted, and its mutable state is guarded by
 * its own mutex, which a request takes at the session lookup and holds to its signed response,
 * except the data-path commands (READ, WRITE, FLUSH, QUERY_INFO, QUERY_DIRECTORY) and CLOSE,
 * which let go of it once they hold their open (open.h; docs/ARCHITECTURE.md, "Sessions and
 * channels").
 */
#ifndef SKIFF_SMB2_SESSION_H
#define SKIFF_SMB2_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/ntstatus.h"
#include "crypto/crypto.h"
#include "vfs/vfs.h"

struct auth_ctx;
struct smb2_conn;
struct smb2_server;
struct smb2_share;

/* LOGGED_OFF sessions stay as tombstones (trees and opens gone, keys kept) so that a request
 * still in flight for them gets a signed STATUS_USER_SESSION_DELETED, as Samba's client expects. */
enum smb2_session_state { SESSION_IN_PROGRESS, SESSION_VALID, SESSION_EXPIRED, SESSION_LOGGED_OFF };
#define SMB2_MAX_TOMBSTONES 16

/* A tree connect: guarded by its session's lock; freed (smb2_tree_destroy) only after its opens
 * are closed or detached, so a request holding one of them (open.h, io_lock) may read it without
 * the session lock. A CREATE that lets go of the session lock for its file work holds the tree
 * instead (smb2_tree_hold): a TREE_DISCONNECT or LOGOFF meanwhile takes it out of the session
 * (`gone`) but the memory stays until the CREATE lets go of it. */
struct smb2_tree {
	struct smb2_tree *next;
	uint32_t id;
	struct smb2_share *share;
	struct vfs_share *vfs;          /* the share's, or its pool's entry for this tree's path
					 * (a reference, put when the tree goes); NULL for IPC$ */
	uint32_t maximal_access;
	bool read_only;
	bool encrypt_data;              /* SMB2_SHAREFLAG_ENCRYPT_DATA */
	unsigned holders;               /* CREATEs running without the session lock */
	bool gone;                      /* disconnected while held: freed by the last holder */
};

struct smb2_channel;
struct smb2_open;
#define SMB2_OPEN_BUCKETS 256

/*
 * A session (MS-SMB2 3.3.1.8). Ownership: the session table holds one reference while the
 * session is in it, each channel one, each request that found it one (smb2_session_get/put);
 * it is freed at the last put. Locking: `lock` guards every field below it, except those marked
 * [I]: written under the lock while the session is IN_PROGRESS (or, for the keys, at its
 * first successful authentication) and never again until it is freed, so a holder of a
 * reference may read them without the lock once it has seen the session VALID under the lock
 * (or through a channel of its connection, which was made after that). A thread never holds
 * two session locks at once; lock order: a session's lock, then the server's sess_lock.
 */
struct smb2_session {
	pthread_mutex_t lock;
	atomic_uint refs;
	uint64_t id;                    /* [I] */
	struct smb2_session *table_next;        /* under the server's sess_lock */
	struct smb2_server *srv;        /* [I] */
	/* Session.Connection's negotiated parameters, which every channel must match */
	uint16_t dialect;               /* [I] */
	enum smb2_sign_alg sign_alg;    /* [I] */
	enum smb2_cipher cipher;        /* [I] */
	uint8_t client_guid[16];        /* [I] Session.Connection.ClientGuid */
	bool unlinked;                  /* out of the table, trees and opens closed: dead */
	struct smb2_channel *channels;  /* through smb2_channel.sess_next */
	unsigned nchannels;
	atomic_bool multichannel;       /* ever had a second channel (read without the lock) */
	enum smb2_session_state state;
	struct auth_ctx *auth;          /* while authenticating */
	uint8_t session_key[16];
	uint8_t signing_key[16];        /* [I] Session.SigningKey */
	uint8_t app_key[16];
	bool keys_valid;                /* [I] */
	uint8_t enc_key[32];            /* [I] server -> client (ServerOut / S2C) */
	uint8_t dec_key[32];            /* client -> server (ServerIn / C2S); wiped at LOGOFF */
	bool cipher_keys_valid;         /* [I] */
	bool encrypt_data;              /* [I] SMB2_SESSION_FLAG_ENCRYPT_DATA: all traffic encrypted */
	struct smb2_nonce_gen nonces;   /* thread-safe on its own (one generator for all channels) */
	bool signing_required;          /* [I] every request must carry a valid signature */
	bool anonymous, guest;
	bool reauth_in_progress;
	uint8_t preauth[64];            /* 3.1.1 session preauth hash */
	char user[256];
	char domain[256];
	struct vfs_identity ident;
	gid_t groups[64];
	struct smb2_tree *trees;
	uint32_t next_tree_id;
	struct smb2_open *opens[SMB2_OPEN_BUCKETS];     /* Session.OpenTable, by volatile id */
	unsigned nopens;
	unsigned creating;              /* CREATEs between their charge and their open's insert */
};

/*
 * A session's channel on one connection (MS-SMB2 3.3.1.14). It is on two lists: its
 * connection's (conn_next, that connection's strand only) and its session's (sess_next, under
 * the session lock). Only its own connection's strand creates or frees it, with the session
 * lock held, so that strand may read it without the lock; other strands reach it only through
 * the session, under the lock.
 */
struct smb2_channel {
	struct smb2_channel *conn_next;
	struct smb2_channel *sess_next;
	struct smb2_session *sess;      /* referenced */
	struct smb2_conn *conn;         /* outlives the channel */
	uint8_t signing_key[16];        /* Channel.SigningKey, with the connection's algorithm */
	bool key_valid;
	bool binding;                   /* a binding SESSION_SETUP is under way on it */
	struct auth_ctx *bind_auth;     /* that binding's authentication */
	uint8_t bind_preauth[64];       /* that binding's 3.1.1 preauth hash (3.3.5.5.3) */
};


/*
 * The session table and channels (session_table.c). smb2_session_get finds a live session by id
 * and takes a reference; smb2_session_put drops one and frees the session at the last.
 */
bool smb2_sessions_init(struct smb2_server *srv);
void smb2_sessions_fini(struct smb2_server *srv);
struct smb2_session *smb2_session_alloc(struct smb2_server *srv);
struct smb2_session *smb2_session_get(struct smb2_server *srv, uint64_t id);
void smb2_session_ref(struct smb2_session *s);
void smb2_session_put(struct smb2_session *s);
/* Take the session out of the table (its id is no longer found); session lock held. */
void smb2_session_unlink(struct smb2_session *s);
/* Bind a session to a connection / unbind it; session lock held, on c's strand. NULL when the
 * session has SMB2_MAX_CHANNELS_PER_SESSION channels or memory is short. */
struct smb2_channel *smb2_channel_attach(struct smb2_conn *c, struct smb2_session *s);
void smb2_channel_detach(struct smb2_conn *c, struct smb2_channel *ch);
/* Where breaks for the session's opens go (MS-SMB2 3.3.4.6/3.3.4.7 leave the channel to the
 * server): its oldest working channel, as Samba, so that a break lost on one channel is tried
 * on the next in the order they were bound (smb2.multichannel.leases.test2); NULL if none.
 * Session lock held. */
struct smb2_channel *smb2_session_break_channel(struct smb2_session *s);
/* c's channel of the session with this id / of this session (c's strand; no lock needed). */
struct smb2_channel *smb2_channel_find(struct smb2_conn *c, uint64_t session_id);
struct smb2_channel *smb2_channel_of(struct smb2_conn *c, const struct smb2_session *s);
/* A session with open files pins the connections of its channels (session lock held). */
void smb2_conn_pin(struct smb2_conn *c, bool pin);
/* Connection teardown: detach every channel, ending the sessions left without one. */
void smb2_conn_drop_channels(struct smb2_conn *c);
/* Before a new session: forget channels of dead sessions and the oldest tombstones (no session
 * lock held); returns how many channels the connection keeps. */
unsigned smb2_conn_prune_channels(struct smb2_conn *c);

/*
 * MS-SMB2 3.3.5.5 with smbtorture's order of checks: may this connection bind (or go on
 * binding) to this session? STATUS_SUCCESS to go on with the authentication; the status to fail
 * the SESSION_SETUP with otherwise. Pure: every input is in the struct.
 */
struct smb2_bind_check {
	uint64_t session_id;            /* from the header */
	bool found;                     /* a live session of that id exists */
	bool signed_flag;               /* the request says it is signed (SMB2_FLAGS_SIGNED) */
	bool signature_ok;              /* the request was signed with the session's key */
	bool multichannel;              /* the server offers multichannel */
	uint16_t conn_dialect, sess_dialect;
	enum smb2_sign_alg conn_sign_alg, sess_sign_alg;
	enum smb2_cipher conn_cipher, sess_cipher;
	bool same_client;               /* Connection.ClientGuid is Session.Connection.ClientGuid */
	enum smb2_session_state state;
	bool anonymous_or_guest;
	bool channel_bound;             /* this connection already has a working channel of it */
	bool channel_binding;           /* a binding of this connection is under way */
	unsigned nchannels;
};
NTSTATUS smb2_bind_check(const struct smb2_bind_check *in);

/* Sessions, trees, opens (session.c). smb2_session_new returns a new session bound to c,
 * locked and referenced for the caller (who holds it in req->held). */
struct smb2_session *smb2_session_new(struct smb2_conn *c);
/* End a session everywhere: close its trees and opens, take it out of the table, unbind it
 * from c (other connections forget their channels of it lazily). Session lock held. */
void smb2_session_destroy(struct smb2_conn *c, struct smb2_session *s);
/* LOGOFF: close trees and opens, keep the session as a tombstone. Session lock held. */
void smb2_session_logoff(struct smb2_conn *c, struct smb2_session *s);
struct smb2_tree *smb2_tree_find(struct smb2_session *s, uint32_t id);
void smb2_tree_destroy(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t);
/* Keep a tree's memory past a TREE_DISCONNECT or LOGOFF (session lock held for both). */
void smb2_tree_hold(struct smb2_tree *t);
void smb2_tree_unhold(struct smb2_tree *t);

/* Derive signing and encryption keys for a session once authentication completes. */
void smb2_session_derive_keys(struct smb2_conn *c, struct smb2_session *s);
/* MS-SMB2 3.3.5.5.3: the signing key of a session or channel for this dialect (the session
 * key itself before 3.0; preauth is used by 3.1.1 only). */
bool smb2_derive_signing_key(uint16_t dialect, const uint8_t session_key[16],
			     const uint8_t preauth[64], uint8_t out[16]);

#endif
