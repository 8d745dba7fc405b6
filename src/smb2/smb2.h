/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB2 protocol state shared by the dispatcher and the command handlers: the server, a
 * connection, its sessions, tree connects and opens, and one request being processed.
 *
 * Threading: a connection's own state (credits, pending async requests, its list of channels,
 * the arena) is touched only by that connection's strand (one worker at a time, see
 * src/net/pool.c). A session, with its trees and opens, can be bound to several connections
 * (multichannel, MS-SMB2 3.3.5.5.2): it lives in the server's session table, is reference
 * counted, and its mutable state is guarded by its own mutex, which a request holds from the
 * session lookup to its signed response (docs/ARCHITECTURE.md, "Sessions and channels"). The
 * server object is immutable after start-up except the session table (session_table.c) and the
 * opens per user (limits.c). The VFS has its own locks for what is shared between connections.
 */
#ifndef SKIFF_SMB2_H
#define SKIFF_SMB2_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth/auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ntstatus.h"
#include "core/ratelimit.h"
#include "crypto/crypto.h"
#include "smb2/credits.h"
#include "smb2/lease.h"
#include "smb2/wire/header.h"
#include "vfs/vfs.h"

struct net_conn;
struct userdb;

#define SMB2_MAX_IO      (8 * 1024 * 1024)
#define SMB2_MAX_OPENS_PER_CONN_DEFAULT 16384
#define SMB2_SESSION_BUCKETS 256
#define SMB2_MAX_SESSIONS_PER_CONN 64    /* channels of a connection, tombstones included */
#define SMB2_MAX_CHANNELS_PER_SESSION 32
#define SMB2_USER_BUCKETS 64

struct smb2_user_opens;
struct smb2_oplocks;
struct smb2_notify;

/* Failed-logon answers one connection may have waiting (`failed logon delay`); beyond that its
 * SESSION_SETUPs are refused unchecked, which bounds the memory they hold. */
#define SMB2_MAX_DELAYED_ANSWERS 4

struct auth_throttle;

struct smb2_share {
	const struct cfg_share *cfg;    /* NULL for IPC$ */
	struct vfs_share *vfs;          /* NULL for IPC$ */
	bool ipc;
};

struct smb2_server {
	const struct cfg *cfg;
	struct userdb *users;
	struct auth_config auth_cfg;
	uint8_t server_guid[16];
	uint64_t start_time;            /* NT time */
	struct smb2_share *shares;
	size_t nshares;
	struct smb2_share ipc;
	uint8_t *neg_token;             /* SPNEGO NegTokenInit2 for NEGOTIATE responses */
	size_t neg_token_len;
	atomic_uint_fast64_t next_session_id;
	atomic_uint_fast64_t next_volatile;     /* FileId.Volatile, unique server-wide */
	/* MS-SMB2 3.3.1.5 GlobalOpenTable (open_table.c), by persistent id: open_lock (a leaf)
	 * guards the buckets, nopens_global and the chains through smb2_open.global_next. */
	pthread_mutex_t open_lock;
	struct smb2_open **open_buckets;
	size_t n_open_buckets, nopens_global;
	atomic_uint_fast64_t next_persistent;   /* FileId.Persistent, from a random start */
	uint32_t max_read, max_write, max_trans;
	struct auth_throttle *throttle; /* failed-logon schedule; NULL with a delay of 0 */
	struct ratelimit failed_logon_log;
	/* MS-SMB2 3.3.1.5 GlobalSessionTable (session_table.c): sess_lock guards the buckets and
	 * the chains through smb2_session.table_next, nothing else. */
	pthread_mutex_t sess_lock;
	struct smb2_session *sess_table[SMB2_SESSION_BUCKETS];
	/* Opens per Unix user (limits.c): user_opens_lock, a leaf taken under a session's lock,
	 * guards the table. */
	unsigned max_opens_per_user;    /* 0 until the first open when automatic */
	bool user_opens_ready;
	pthread_mutex_t user_opens_lock;
	struct smb2_user_opens *user_opens[SMB2_USER_BUCKETS];
	/* Blocking LOCKs waiting for a range (lock.c): lock_waits_lock, taken under a session's
	 * lock and before the VFS's, guards the list; nlock_waits is read without it. */
	pthread_mutex_t lock_waits_lock;
	struct smb2_lock_wait *lock_waits;
	atomic_uint nlock_waits;
	/* Oplock grants, breaks and waiting CREATEs (oplock.c), with their own lock. */
	struct smb2_oplocks *oplocks;
	/* Change-notify watches (notify.c), with their own lock. */
	struct smb2_notify *notify;
};

/* LOGGED_OFF sessions stay as tombstones (trees and opens gone, keys kept) so that a request
 * still in flight for them gets a signed STATUS_USER_SESSION_DELETED, as Samba's client expects. */
enum smb2_session_state { SESSION_IN_PROGRESS, SESSION_VALID, SESSION_EXPIRED, SESSION_LOGGED_OFF };
#define SMB2_MAX_TOMBSTONES 16

struct smb2_tree {
	struct smb2_tree *next;
	uint32_t id;
	struct smb2_share *share;
	uint32_t maximal_access;
	bool read_only;
	bool encrypt_data;              /* SMB2_SHAREFLAG_ENCRYPT_DATA */
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

struct oplock_grant;
struct smb2_pipe;
struct notify_watch;
struct smb2_conn;

/* A request that went async (MS-SMB2 3.3.4.2): an interim STATUS_PENDING response was sent and
 * the request is re-run from its saved copy when woken (smb2_async_wake), or cancelled. */
struct smb2_async {
	struct smb2_async *next;
	uint64_t async_id;
	uint64_t message_id;
	uint16_t command;
	uint64_t session_id;            /* resolved (related compounds included) */
	uint32_t tree_id;
	bool encrypted;                 /* arrived in a TRANSFORM: answers go back encrypted */
	uint8_t *msg;                   /* copy of the request message */
	size_t len;
	/* called when the request is cancelled or its connection goes, to drop waiter entries */
	void (*on_drop)(struct smb2_conn *c, struct smb2_async *a);
};

#define SMB2_MAX_ASYNC_PER_CONN 512

/* Which file (or stream) an oplock is on: (dev, ino) and a hash of the stream name (0 for the
 * file's data). */
struct smb2_oplock_key {
	uint64_t dev, ino, stream;
};

/*
 * An open: in its session's table (Session.OpenTable, by volatile id) and in the server's
 * (GlobalOpenTable, by persistent id). Guarded by its session's lock unless marked otherwise.
 * Reference counted (open_table.c): the session's table holds the first reference, lookups in
 * the server's table take more. smb2_open_close releases the file, takes the open out of both
 * tables, marks it closed and drops the session's reference; the memory goes at the last put.
 */
struct smb2_open {
	struct smb2_open *next;         /* session table's hash chain */
	struct smb2_open *global_next;  /* server table's chain, under the server's open_lock */
	atomic_uint refs;
	atomic_bool closed;             /* closed by its session; only the ids are left valid */
	struct oplock_grant *oplock;    /* guarded by the server's oplock lock (oplock.c) */
	uint8_t oplock_level;           /* the same */
	struct smb2_oplock_key okey;    /* set once at CREATE (okey_valid) */
	bool okey_valid;
	struct notify_watch *notify;    /* guarded by the watch lock (notify.c) */
	uint64_t persistent_id, volatile_id;
	struct vfs_open *vfs;           /* NULL for a named pipe */
	struct smb2_pipe *pipe;         /* a named pipe on IPC$ (pipe.c), else NULL */
	struct smb2_session *sess;
	struct smb2_tree *tree;
	uint32_t access;
	char *dir_pattern;              /* last QUERY_DIRECTORY pattern (malloc'ed) */
	bool dir_started;
	bool charged;                   /* counted against its user's opens (smb2_open_charge) */
	uid_t owner;                    /* that user */
	/* Open.LockSequenceArray (MS-SMB2 3.3.5.14), entries 1..64 at [0..63]: the
	 * LockSequenceNumber | SMB2_LOCK_SEQ_VALID of the last LOCK that succeeded, 0 if none */
	uint8_t lock_seq[64];
};
#define SMB2_LOCK_SEQ_VALID 0x80

struct smb2_conn {
	struct smb2_server *srv;
	struct net_conn *net;
	char peer[64];

	/* NEGOTIATE results */
	bool negotiated;
	uint16_t dialect;
	uint32_t client_caps;
	uint16_t client_security_mode;
	uint8_t client_guid[16];
	enum smb2_sign_alg sign_alg;
	bool signing_ctx;               /* the client sent SIGNING_CAPABILITIES */
	bool cipher_ctx;                /* the client sent ENCRYPTION_CAPABILITIES */
	enum smb2_cipher cipher;        /* negotiated cipher, SMB2_CIPHER_NONE if none */
	bool smb1_upgraded;             /* answered an SMB1 negotiate with 0x02FF */
	uint8_t read_body_padding;      /* smbtorture hook: zero bytes before READ data */
	uint8_t preauth[64];            /* 3.1.1 connection preauth hash */
	/* Connection.MaxReadSize/MaxWriteSize/MaxTransactSize as the NEGOTIATE response announced
	 * them (64 KiB for 2.0.2); 0 before NEGOTIATE */
	uint32_t max_read, max_write, max_trans;

	struct smb2_credits credits;

	struct smb2_channel *channels;  /* this connection's channels, newest first */

	/* Sessions bound here that have open files keep the connection pinned (not dropped for
	 * being idle); other strands change this, under pin_lock (a leaf). */
	pthread_mutex_t pin_lock;
	unsigned pinned_by;

	struct smb2_async *pending;     /* requests that went async */
	unsigned npending;
	uint64_t next_async_id;

	struct arena arena;             /* per-request */
};

/* One message of a (possibly compound) request, and where its response goes. */
struct smb2_req {
	struct smb2_conn *conn;
	struct smb2_hdr hdr;
	const uint8_t *msg;             /* this message, from its header */
	size_t len;
	struct smb2_session *sess;
	struct smb2_tree *tree;
	/* the session this request holds (a reference, and its lock) until it has answered; sess
	 * may be cleared to leave the answer unsigned, held still says what to release */
	struct smb2_session *held;
	struct smb2_channel *chan;      /* this connection's channel of sess, if it has one */
	/* a SESSION_SETUP for a session without a usable channel here carried a valid signature
	 * by the session's key (3.3.5.2.4): its answer is signed with that key */
	bool sess_sig_ok;
	/* the request carried a valid signature by this connection's channel key (3.3.5.2.4) */
	bool sig_verified;
	struct wr *out;                 /* the whole response PDU being built */
	size_t hdr_off;                 /* where this message's response header starts in out */
	struct arena *arena;
	/* compound state carried between related messages */
	struct smb2_compound *cmp;
	/* set by handlers that must keep the session id in the response (SESSION_SETUP) */
	uint64_t rsp_session_id;
	/* a handler that wants its response signed with a key other than the session's */
	const uint8_t *sign_key_override;
	uint8_t sign_key_copy[16];
	bool no_sign;
	/* when set, the finished response message is hashed into this 3.1.1 preauth hash */
	uint8_t *preauth_rsp;
	bool last;                      /* last message of its compound (may go async) */
	bool resumed;                   /* re-run of a request that went async */
	uint64_t async_id;              /* set when the request went (or is) async */
	struct smb2_async *parked;      /* the entry a handler created with smb2_async_park */
	NTSTATUS status;                /* the message's final status, set by the dispatcher */
	/* the request arrived in a TRANSFORM (encrypted by this session); responses go back the
	 * same way and are not signed */
	struct smb2_session *enc_sess;
};

/* What related messages of a compound inherit (MS-SMB2 3.3.5.2.7.2): the session and tree last
 * found, the file last used, and the error of a failed CREATE, which every later related
 * message gets too. */
struct smb2_compound {
	bool have_fid;
	uint64_t fid_persistent, fid_volatile;
	uint64_t session_id;            /* 0 after a failed lookup */
	uint32_t tree_id;
	NTSTATUS create_err;
	uint64_t answer_at;             /* a failed logon in it: answer not before (net_now_ms) */
};

/*
 * Largest frame accepted before a session is authenticated on the connection (the transport's
 * preauth_max_frame; net_conn_set_authenticated lifts it to max pdu size). A SESSION_SETUP can
 * never be larger than 64 (header) + 24 + 65535 (its SecurityBufferLength is 16 bits: Windows'
 * largest MaxTokenSize for Kerberos, 65535; the default is 48000) = 65623 bytes, and a NEGOTIATE
 * is a few hundred bytes: 68 KiB holds both with room, and equals the smallest "max pdu size".
 */
#define SMB2_PREAUTH_MAX_FRAME (68 * 1024)

/* Connection lifecycle, wired to the transport by skiffd. */
void *smb2_conn_open(struct net_conn *nc, void *server);
void smb2_conn_frame(struct net_conn *nc, void *state, uint8_t *frame, size_t len);
/* net_handlers.may_run_inline: not for a session with several channels, whose lock another
 * connection's request may hold (the event loop must not wait for it). */
bool smb2_conn_may_run_inline(struct net_conn *nc, void *state, const uint8_t *frame, size_t len);
void smb2_conn_close(struct net_conn *nc, void *state);

/* Send a finished response PDU now (smb2_send_response, dispatch_response.c) or not before
 * due_ms. */
void smb2_send_response_at(struct smb2_conn *c, struct wr *out, struct smb2_session *enc,
			   uint64_t due_ms);

/* Server set-up from the configuration. */
struct smb2_server *smb2_server_new(const struct cfg *cfg, struct userdb *users);
void smb2_server_free(struct smb2_server *s);

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

/* Find the session a request names and hold it (reference and lock) in req->held, with
 * req->chan set to this connection's channel of it; NULL if there is no live session of that
 * id. smb2_req_release lets go (the dispatcher calls it once the answer is signed). */
struct smb2_session *smb2_req_session(struct smb2_req *req, uint64_t id);
void smb2_req_release(struct smb2_req *req);

/*
 * MS-SMB2 3.3.5.5 with smbtorture's order of checks: may this connection bind (or go on
 * binding) to this session? STATUS_SUCCESS to go on with the authentication; the status to fail
 * the SESSION_SETUP with otherwise. Pure: every input is in the struct.
 */
struct smb2_bind_check {
	uint64_t session_id;            /* from the header */
	bool found;                     /* a live session of that id exists */
	bool signature_ok;              /* the request was signed with the session's key */
	bool multichannel;              /* the server offers multichannel */
	uint16_t conn_dialect, sess_dialect;
	enum smb2_sign_alg conn_sign_alg, sess_sign_alg;
	enum smb2_cipher conn_cipher, sess_cipher;
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
struct smb2_open *smb2_open_add(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t,
				struct vfs_open *vo);
struct smb2_open *smb2_open_find(struct smb2_session *s, uint64_t persistent, uint64_t volatile_id);

/* The server's open table (open_table.c). smb2_open_lookup finds any session's open by its
 * persistent id and takes a reference (smb2_open_put); insert allocates the persistent id. */
bool smb2_open_table_init(struct smb2_server *srv);
void smb2_open_table_fini(struct smb2_server *srv);
void smb2_open_table_insert(struct smb2_server *srv, struct smb2_open *op);
void smb2_open_table_remove(struct smb2_server *srv, struct smb2_open *op);
struct smb2_open *smb2_open_lookup(struct smb2_server *srv, uint64_t persistent);
size_t smb2_open_table_count(struct smb2_server *srv);
void smb2_open_ref(struct smb2_open *op);
void smb2_open_put(struct smb2_open *op);
bool smb2_open_closed(const struct smb2_open *op);
void smb2_open_close(struct smb2_conn *c, struct smb2_open *op, struct vfs_meta *meta);
/* Resolve a FileId in a request: the related-compound placeholder (all 0xFF) means the FileId
 * of the previous CREATE in the chain. STATUS_FILE_CLOSED when unknown or not this tree's. */
NTSTATUS smb2_req_open(struct smb2_req *req, uint64_t persistent, uint64_t volatile_id,
		       struct smb2_open **out);
/* The same, also accepting named-pipe opens (smb2_req_open refuses them with
 * STATUS_INVALID_DEVICE_REQUEST); for the handlers that serve pipes. */
NTSTATUS smb2_req_open_any(struct smb2_req *req, uint64_t persistent, uint64_t volatile_id,
			   struct smb2_open **out);

/* A directory open for QUERY_DIRECTORY / CHANGE_NOTIFY: listable (FILE_LIST_DIRECTORY), with an
 * output buffer within the negotiated size; the errors Windows gives otherwise. */
struct smb2_fileid;
NTSTATUS smb2_req_open_dir(struct smb2_req *req, const struct smb2_fileid *fid, uint32_t out_len,
			   struct smb2_open **out);

/*
 * Resource bounds (limits.c). smb2_req_response_fits: may this message add `body` bytes to its
 * compound's response? (A compound answers at most one large READ or transact-sized reply plus
 * small ones; a message past that fails with STATUS_INSUFFICIENT_RESOURCES.) smb2_open_charge
 * (session lock held): count one more open against the session's "max open files" and its
 * user's "max open files per user", STATUS_INSUFFICIENT_RESOURCES past either; every success
 * is paired with smb2_open_uncharge of the returned owner (smb2_open_close does it for an open
 * marked charged).
 */
bool smb2_req_response_fits(const struct smb2_req *req, size_t body);
bool smb2_user_opens_init(struct smb2_server *srv);
void smb2_user_opens_fini(struct smb2_server *srv);
NTSTATUS smb2_open_charge(struct smb2_session *s, uid_t *owner);
void smb2_open_uncharge(struct smb2_server *srv, uid_t owner);

/* Named pipes (pipe.c). */
NTSTATUS smb2_pipe_open(struct smb2_req *req, const char *name, struct smb2_pipe **out);
void smb2_pipe_close(struct smb2_pipe *p);
NTSTATUS smb2_pipe_write(struct smb2_pipe *p, const uint8_t *data, size_t len);
NTSTATUS smb2_pipe_read(struct smb2_pipe *p, struct wr *w, uint32_t max);
NTSTATUS smb2_pipe_query_info(struct smb2_pipe *p, uint8_t cls, uint32_t out_len, struct wr *w);
/* The effective "server smb encrypt" of a share (its own value or the global one). */
int smb2_share_encrypt(const struct smb2_server *srv, const struct smb2_share *share);
/* Derive signing and encryption keys for a session once authentication completes. */
void smb2_session_derive_keys(struct smb2_conn *c, struct smb2_session *s);
/* MS-SMB2 3.3.5.5.3: the signing key of a session or channel for this dialect (the session
 * key itself before 3.0; preauth is used by 3.1.1 only). */
bool smb2_derive_signing_key(uint16_t dialect, const uint8_t session_key[16],
			     const uint8_t preauth[64], uint8_t out[16]);

/* Handlers: one per command, each in its own file. */
NTSTATUS smb2_negotiate(struct smb2_req *req);
NTSTATUS smb2_session_setup(struct smb2_req *req);
NTSTATUS smb2_logoff(struct smb2_req *req);
NTSTATUS smb2_tree_connect(struct smb2_req *req);
NTSTATUS smb2_tree_disconnect(struct smb2_req *req);
NTSTATUS smb2_create(struct smb2_req *req);
NTSTATUS smb2_close(struct smb2_req *req);
NTSTATUS smb2_flush(struct smb2_req *req);
NTSTATUS smb2_read(struct smb2_req *req);
NTSTATUS smb2_write(struct smb2_req *req);
NTSTATUS smb2_lock(struct smb2_req *req);
NTSTATUS smb2_ioctl(struct smb2_req *req);
NTSTATUS smb2_cancel(struct smb2_req *req);
NTSTATUS smb2_echo(struct smb2_req *req);
NTSTATUS smb2_query_directory(struct smb2_req *req);
NTSTATUS smb2_change_notify(struct smb2_req *req);
NTSTATUS smb2_query_info(struct smb2_req *req);
NTSTATUS smb2_set_info(struct smb2_req *req);
NTSTATUS smb2_oplock_break(struct smb2_req *req);

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
/* Send a response PDU built in `out` (4 bytes of room first), encrypted for `enc` if set
 * (the caller holds a reference to enc; its lock is not needed). */
void smb2_send_response(struct smb2_conn *c, struct wr *out, struct smb2_session *enc);
/* Re-run a parked request on its connection's strand (dispatch.c). */
void smb2_async_rerun(struct smb2_conn *c, struct smb2_async *a);

/*
 * Oplocks (oplock.c). A CREATE is admitted by the VFS hook smb2_oplock_admit (set as
 * vfs_create_args.admit with a struct smb2_oplock_admission as its argument): in one step with
 * the share-mode check it breaks what the open conflicts with and either fails the open, parks
 * it (STATUS_PENDING: it runs again once the holders acknowledge or time out), or lets it go on
 * with a grant. The CREATE then attaches the grant to its new open (smb2_oplock_attach, which
 * returns the level for the response), or gives it up if it fails after all (abandon).
 */
struct smb2_oplock_admission {
	struct smb2_req *req;
	uint8_t requested;              /* RequestedOplockLevel */
	uint32_t disposition;
	/* RequestedOplockLevel LEASE with an RqLs acted on (smb2_lease_create_request) */
	bool want_lease;
	struct smb2_lease_req lease_req;
	/* set by the admission */
	struct smb2_oplock_key key;
	bool keyed;
	uint8_t level;
	struct oplock_grant *grant;
	bool leased;                    /* the open holds a lease: lease_rsp is its RqLs answer */
	struct smb2_lease_req lease_rsp;
};
struct smb2_oplocks *smb2_oplocks_new(void);
void smb2_oplocks_free(struct smb2_oplocks *ol);
struct vfs_admission;
NTSTATUS smb2_oplock_admit(void *arg, const struct vfs_admission *in);
uint8_t smb2_oplock_attach(struct smb2_oplock_admission *a, struct smb2_open *op);
void smb2_oplock_abandon(struct smb2_oplock_admission *a);
void smb2_oplock_release(struct smb2_conn *c, struct smb2_open *op);
/* A write or size change through `op`: every level II holder of the file (op's own included)
 * is broken to none (MS-SMB2 3.3.4.6: no acknowledgement). */
void smb2_oplock_break_level2(struct smb2_conn *c, struct smb2_open *op);
/* A rename through `op`: the handle caching of other lease keys on the file is broken first;
 * STATUS_PENDING: the request is parked until their holders answer (it runs again then). */
NTSTATUS smb2_oplock_before_rename(struct smb2_req *req, struct smb2_open *op);
/* A channel of `s` went: its grants' breaks go to the connection `to` of another channel. */
void smb2_oplocks_rehome(struct smb2_oplocks *ol, const struct smb2_session *s,
			 struct net_conn *gone, struct net_conn *to);

/* Byte-range locks (lock.c): the open closes, its waiting LOCKs end with STATUS_RANGE_NOT_LOCKED
 * (session lock held). */
void smb2_lock_release(struct smb2_conn *c, struct smb2_open *op);

/* Change notify (notify.c): the server's watches; report a change this server made; drop an
 * open's watch. */
struct smb2_notify *smb2_notify_new(void);
void smb2_notify_free(struct smb2_notify *n);
void smb2_notify_event(struct smb2_server *srv, struct vfs_share *share, const char *path,
		       uint32_t action, uint32_t filter);
void smb2_notify_release(struct smb2_conn *c, struct smb2_open *op);
/* Kernel change notify for the share, through the server's one watcher of at most max_dirs
 * directories (made by the first call). */
void smb2_notify_attach(struct smb2_notify *n, struct vfs_share *share, unsigned max_dirs);
/* A file was renamed to `path`: the attribute change watches without FILE_NAME see. */
void smb2_notify_renamed_file(struct smb2_server *srv, struct vfs_share *share, const char *path);
/* The directory (dev, ino) is delete-pending: its waiting notifies end with DELETE_PENDING. */
void smb2_notify_delete_pending(struct smb2_server *srv, uint64_t dev, uint64_t ino);

/* SMB1 NEGOTIATE (multi-protocol) answered with an SMB2 NEGOTIATE response. */
void smb2_smb1_negotiate(struct smb2_conn *c, const uint8_t *frame, size_t len);

/* Fill the QUERY_INFO file-class source from an open and its metadata (query_info.c). */
struct smb2_info_file;
void smb2_info_file_from_open(const struct smb2_conn *c, const struct smb2_open *op,
			      const struct vfs_meta *m, struct smb2_info_file *out);

/* Capabilities the server answers NEGOTIATE (and VALIDATE_NEGOTIATE_INFO) with. */
uint32_t smb2_server_caps(const struct smb2_conn *c, uint16_t dialect);

/* Current time as NT time. */
uint64_t smb2_nttime_now(void);

#endif
