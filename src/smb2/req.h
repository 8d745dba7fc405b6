/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One message of a request being processed, what related messages of a compound inherit, and
 * how a handler finds the session, tree and open the message names.
 */
#ifndef SKIFF_SMB2_REQ_H
#define SKIFF_SMB2_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"
#include "smb2/wire/header.h"

struct arena;
struct smb2_async;
struct smb2_channel;
struct smb2_conn;
struct smb2_open;
struct smb2_session;
struct smb2_tree;
struct wr;

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
	/* the session lock was let go of early (held keeps only the reference): a READ, WRITE,
	 * FLUSH, QUERY_INFO, QUERY_DIRECTORY, SET_INFO or IOCTL runs its handler holding its open
	 * (below) instead, a CREATE its file work holding its tree */
	bool held_unlocked;
	/* the open the handler works on (smb2_req_open_any): a reference and its io_lock, shared
	 * or exclusive (io_exclusive), let go of with the session by smb2_req_release */
	struct smb2_open *io_open;
	bool io_exclusive;
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

/* Find the session a request names and hold it (reference and lock) in req->held, with
 * req->chan set to this connection's channel of it; NULL if there is no live session of that
 * id. smb2_req_release lets go of it and of the open the request holds (the dispatcher calls it
 * once the answer is signed). */
struct smb2_session *smb2_req_session(struct smb2_req *req, uint64_t id);
void smb2_req_release(struct smb2_req *req);
/* Let go of the session lock before the answer, keeping the reference (held_unlocked): the
 * rest of the handler uses only the session's [I] fields and what it holds itself. */
void smb2_req_unlock_session(struct smb2_req *req);
/* Take the session lock again after smb2_req_unlock_session (a CREATE inserting its open; it
 * holds no open then). The caller checks what may have changed meanwhile: the session logged
 * off or ended (unlinked), its tree disconnected. */
void smb2_req_relock_session(struct smb2_req *req);

/* Resolve a FileId in a request: the related-compound placeholder (all 0xFF) means the FileId
 * of the previous CREATE in the chain. STATUS_FILE_CLOSED when unknown or not this tree's.
 * The request then holds the open (a reference and its io_lock, see open.h) until it has
 * answered, except CLOSE (which closes it). READ, WRITE, FLUSH, QUERY_INFO, QUERY_DIRECTORY,
 * SET_INFO and IOCTL let go of the session lock here: the rest of their handler uses only the
 * open, the tree (alive while the open is held in it) and the session's [I] fields. Once per
 * message. */
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

/* Resource bounds (limits.c): may this message add `body` bytes to its compound's response? (A
 * compound answers at most one large READ or transact-sized reply plus small ones; a message
 * past that fails with STATUS_INSUFFICIENT_RESOURCES.) */
bool smb2_req_response_fits(const struct smb2_req *req, size_t body);

#endif
