/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB2 protocol state shared by the dispatcher and the command handlers: the server, a
 * connection, its sessions, tree connects and opens, and one request being processed.
 *
 * Threading: everything reachable from a struct smb2_conn is touched only by that connection's
 * strand (one worker at a time, see src/net/pool.c), so it needs no lock. The server object is
 * immutable after start-up. The VFS has its own locks for what is shared between connections.
 */
#ifndef SKIFF_SMB2_H
#define SKIFF_SMB2_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth/auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ntstatus.h"
#include "crypto/crypto.h"
#include "smb2/credits.h"
#include "smb2/wire/header.h"
#include "vfs/vfs.h"

struct net_conn;
struct userdb;

#define SMB2_MAX_IO      (8 * 1024 * 1024)
#define SMB2_MAX_OPENS_PER_CONN_DEFAULT 16384

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
	uint32_t max_read, max_write, max_trans;
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

struct smb2_session {
	struct smb2_session *next;
	uint64_t id;
	enum smb2_session_state state;
	struct auth_ctx *auth;          /* while authenticating */
	uint8_t session_key[16];
	uint8_t signing_key[16];
	uint8_t app_key[16];
	bool keys_valid;
	uint8_t enc_key[32];            /* server -> client (ServerOut / S2C) */
	uint8_t dec_key[32];            /* client -> server (ServerIn / C2S) */
	bool cipher_keys_valid;
	bool encrypt_data;              /* SMB2_SESSION_FLAG_ENCRYPT_DATA: all traffic encrypted */
	struct smb2_nonce_gen nonces;
	bool signing_required;          /* every request must carry a valid signature */
	bool anonymous, guest;
	bool reauth_in_progress;
	uint8_t preauth[64];            /* 3.1.1 session preauth hash */
	char user[256];
	char domain[256];
	struct vfs_identity ident;
	gid_t groups[64];
	struct smb2_tree *trees;
	uint32_t next_tree_id;
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

struct smb2_open {
	struct smb2_open *next;         /* hash chain */
	struct oplock_grant *oplock;    /* guarded by the oplock table lock (oplock.c) */
	struct notify_watch *notify;    /* guarded by the watch lock (notify.c) */
	uint8_t oplock_level;
	uint64_t persistent_id, volatile_id;
	struct vfs_open *vfs;           /* NULL for a named pipe */
	struct smb2_pipe *pipe;         /* a named pipe on IPC$ (pipe.c), else NULL */
	struct smb2_session *sess;
	struct smb2_tree *tree;
	uint32_t access;
	char *dir_pattern;              /* last QUERY_DIRECTORY pattern (malloc'ed) */
	bool dir_started;
};

#define SMB2_OPEN_BUCKETS 256

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

	struct smb2_credits credits;

	struct smb2_session *sessions;
	struct smb2_open *opens[SMB2_OPEN_BUCKETS];
	unsigned nopens;
	uint64_t next_volatile;

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
};

/* Connection lifecycle, wired to the transport by skiffd. */
void *smb2_conn_open(struct net_conn *nc, void *server);
void smb2_conn_frame(struct net_conn *nc, void *state, uint8_t *frame, size_t len);
void smb2_conn_close(struct net_conn *nc, void *state);

/* Server set-up from the configuration. */
struct smb2_server *smb2_server_new(const struct cfg *cfg, struct userdb *users);
void smb2_server_free(struct smb2_server *s);

/* Sessions, trees, opens (session.c, open_table.c). */
struct smb2_session *smb2_session_find(struct smb2_conn *c, uint64_t id);
struct smb2_session *smb2_session_new(struct smb2_conn *c);
void smb2_session_destroy(struct smb2_conn *c, struct smb2_session *s);
/* LOGOFF: close trees and opens, keep the session as a tombstone. */
void smb2_session_logoff(struct smb2_conn *c, struct smb2_session *s);
struct smb2_tree *smb2_tree_find(struct smb2_session *s, uint32_t id);
void smb2_tree_destroy(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t);
struct smb2_open *smb2_open_add(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t,
				struct vfs_open *vo);
struct smb2_open *smb2_open_find(struct smb2_conn *c, uint64_t persistent, uint64_t volatile_id);
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
/* Send the final response of an async request that ends without being re-run (e.g. cancelled). */
void smb2_async_complete_status(struct smb2_conn *c, struct smb2_async *a, NTSTATUS st);
/* Send a response PDU built in `out` (4 bytes of room first), encrypted for `enc` if set. */
void smb2_send_response(struct smb2_conn *c, struct wr *out, struct smb2_session *enc);
/* Re-run a parked request on its connection's strand (dispatch.c). */
void smb2_async_rerun(struct smb2_conn *c, struct smb2_async *a);

/* Oplocks (oplock.c). */
NTSTATUS smb2_oplock_before_open(struct smb2_req *req, struct vfs_share *share, const char *path,
				 uint32_t access, uint32_t disposition);
uint8_t smb2_oplock_grant(struct smb2_req *req, struct smb2_open *op, uint8_t requested);
void smb2_oplock_release(struct smb2_conn *c, struct smb2_open *op);
/* A write or size change through `op`: level II holders of the file lose their oplock. */
void smb2_oplock_break_level2(struct smb2_conn *c, struct smb2_open *op);

/* Change notify (notify.c): report a change this server made; drop an open's watch. */
void smb2_notify_event(struct vfs_share *share, const char *path, uint32_t action, uint32_t filter);
void smb2_notify_release(struct smb2_conn *c, struct smb2_open *op);

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
