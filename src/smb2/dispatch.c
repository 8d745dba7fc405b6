/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request path above the transport: one frame in, one response frame out. Decrypts a
 * TRANSFORM (MS-SMB2 3.3.5.2.1), splits compounds (3.3.5.2.7), and takes each message through
 * its steps (run_message): credits, chain, session, signature, tree and encryption, handler,
 * answer. Headers, signatures and sending are in dispatch_response.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/dispatch_response.h"
#include "smb2/handlers.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/smb2.h"
#include "smb2/wire/error.h"
#include "smb2/wire/fsctl.h"
#include "smb2/wire/ioctl.h"
#include "smb2/wire/transform.h"
#include "vfs/vfs.h"

typedef NTSTATUS (*smb2_handler_fn)(struct smb2_req *req);

struct smb2_command_info {
	const char *name;
	smb2_handler_fn fn;
	bool needs_session;
	bool needs_tree;
};

static const struct smb2_command_info commands[SMB2_COMMAND_COUNT] = {
	[SMB2_NEGOTIATE]       = { "NEGOTIATE", smb2_negotiate, false, false },
	[SMB2_SESSION_SETUP]   = { "SESSION_SETUP", smb2_session_setup, false, false },
	[SMB2_LOGOFF]          = { "LOGOFF", smb2_logoff, true, false },
	[SMB2_TREE_CONNECT]    = { "TREE_CONNECT", smb2_tree_connect, true, false },
	[SMB2_TREE_DISCONNECT] = { "TREE_DISCONNECT", smb2_tree_disconnect, true, true },
	[SMB2_CREATE]          = { "CREATE", smb2_create, true, true },
	[SMB2_CLOSE]           = { "CLOSE", smb2_close, true, true },
	[SMB2_FLUSH]           = { "FLUSH", smb2_flush, true, true },
	[SMB2_READ]            = { "READ", smb2_read, true, true },
	[SMB2_WRITE]           = { "WRITE", smb2_write, true, true },
	[SMB2_LOCK]            = { "LOCK", smb2_lock, true, true },
	[SMB2_IOCTL]           = { "IOCTL", smb2_ioctl, true, true },
	[SMB2_CANCEL]          = { "CANCEL", smb2_cancel, false, false },
	[SMB2_ECHO]            = { "ECHO", smb2_echo, false, false },
	[SMB2_QUERY_DIRECTORY] = { "QUERY_DIRECTORY", smb2_query_directory, true, true },
	[SMB2_CHANGE_NOTIFY]   = { "CHANGE_NOTIFY", smb2_change_notify, true, true },
	[SMB2_QUERY_INFO]      = { "QUERY_INFO", smb2_query_info, true, true },
	[SMB2_SET_INFO]        = { "SET_INFO", smb2_set_info, true, true },
	[SMB2_OPLOCK_BREAK]    = { "OPLOCK_BREAK", smb2_oplock_break, true, true },
};

uint64_t smb2_nttime_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return vfs_nttime_from_unix(ts.tv_sec, ts.tv_nsec);
}

static bool cmd_is_large_io(uint16_t cmd)
{
	return cmd == SMB2_READ || cmd == SMB2_WRITE || cmd == SMB2_IOCTL ||
	       cmd == SMB2_QUERY_DIRECTORY || cmd == SMB2_CHANGE_NOTIFY || cmd == SMB2_QUERY_INFO ||
	       cmd == SMB2_SET_INFO;
}

/* Payload size a request carries or asks for, to check its CreditCharge (3.3.5.2.5). */
static uint32_t request_payload(const struct smb2_req *req)
{
	const uint8_t *b = req->msg + SMB2_HDR_SIZE;
	size_t blen = req->len - SMB2_HDR_SIZE;

	switch (req->hdr.command) {
	case SMB2_READ:
		return blen >= 8 ? le32(b + 4) : 0;
	case SMB2_WRITE:
		return blen >= 8 ? le32(b + 4) : 0;
	case SMB2_QUERY_DIRECTORY:
		return blen >= 32 ? le32(b + 28) : 0;
	case SMB2_QUERY_INFO:
		return blen >= 8 ? le32(b + 4) : 0;
	default:
		return 0;
	}
}

/*
 * What one message's steps hand on to each other; the request itself (session, tree, channel,
 * the response being built) stays in req.
 */
struct msg_run {
	struct smb2_req *req;
	const struct smb2_command_info *ci;   /* NULL for a command beyond the table */
	bool related;                         /* SMB2_FLAGS_RELATED_OPERATIONS as received */
	bool first, last;                     /* its place in the compound */
	uint16_t charge;                      /* credits it used */
	uint16_t granted;                     /* credits its answer grants */
};

/* A related message of a chain being received (a re-run resolved its chain when it was parked). */
static bool follows_chain(const struct msg_run *m)
{
	return m->related && !m->req->resumed;
}

/* The request came inside a TRANSFORM of the very session it runs in. */
static bool decrypted_by_session(const struct smb2_req *req)
{
	return req->enc_sess && req->sess == req->enc_sess;
}

/* MS-SMB2 3.3.5.2: what ends the connection before anything else: a response sent to the server,
 * anything but NEGOTIATE before NEGOTIATE. */
static bool message_acceptable(const struct smb2_req *req)
{
	const struct smb2_hdr *h = &req->hdr;

	if (h->flags & SMB2_FLAGS_SERVER_TO_REDIR)
		return false;
	return req->conn->negotiated || h->command == SMB2_NEGOTIATE;
}

/* 3.3.5.2.3: the message ids it uses must lie in the credit window, each used once; 3.3.5.4:
 * several per request from 2.1 on (Connection.SupportsMultiCredit). CANCEL uses none, a re-run
 * used its own the first time. False ends the connection. */
static bool consume_credits(struct msg_run *m)
{
	struct smb2_conn *c = m->req->conn;
	const struct smb2_hdr *h = &m->req->hdr;

	if (h->command == SMB2_CANCEL || m->req->resumed)
		return true;
	if (c->dialect >= 0x0210)
		m->charge = h->credit_charge ? h->credit_charge : 1;
	if (!smb2_credits_consume(&c->credits, h->message_id, m->charge)) {
		log_info("%s: message id %llu outside the credit window, dropping", c->peer,
			 (unsigned long long)h->message_id);
		return false;
	}
	return true;
}

/* 3.3.5.2.7.2: a related message inherits the session and tree of the previous one (and the
 * error of a failed CREATE before it, once its signature is checked: inherit_create_error). */
static void follow_compound_chain(const struct msg_run *m)
{
	struct smb2_req *req = m->req;
	struct smb2_hdr *h = &req->hdr;

	if (req->resumed)
		return;
	if (!m->related) {
		req->cmp->have_fid = false;   /* an unrelated message starts a new chain */
		return;
	}
	h->session_id = req->cmp->session_id;
	h->tree_id = req->cmp->tree_id;
	/* With no session in the chain yet (a chain that starts related), the answer keeps the
	 * request's id: a client finds by it the session an answer flagged as signed belongs to
	 * (smbtorture smb2.compound.invalid1, with signing). */
	if (h->session_id)
		req->rsp_session_id = h->session_id;
}

/* 3.3.5.2.5: a large request is charged a credit per 64 KiB of the payload it carries or asks
 * for. */
static NTSTATUS check_credit_charge(const struct msg_run *m)
{
	const struct smb2_req *req = m->req;

	if (!cmd_is_large_io(req->hdr.command) || req->conn->dialect < 0x0210)
		return STATUS_SUCCESS;
	uint32_t payload = request_payload(req);
	uint32_t need = payload ? (payload - 1) / 65536 + 1 : 1;
	return m->charge < need ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

/* 3.3.5.2.1.1: a message inside a TRANSFORM acts for the session that encrypted it and no other
 * (Samba answers ACCESS_DENIED): the decryption vouches for that session only, and stands in for
 * its signature (verify_signature). A related message has inherited its session. */
static NTSTATUS check_transform_session(const struct msg_run *m)
{
	struct smb2_req *req = m->req;
	const struct smb2_hdr *h = &req->hdr;

	if (!req->enc_sess || h->session_id == req->enc_sess->id)
		return STATUS_SUCCESS;
	log_info("%s: %s for session %llx inside a TRANSFORM of session %llx refused", req->conn->peer,
		 m->ci->name, (unsigned long long)h->session_id, (unsigned long long)req->enc_sess->id);
	req->cmp->session_id = 0;   /* related messages after it fail too */
	return STATUS_ACCESS_DENIED;
}

/* Samba's test hook FSCTL_SMBTORTURE_FORCE_UNACKED_TIMEOUT comes on a connection with no
 * session (smbtorture's block.c): with "smbtorture hooks" on it runs without session and tree,
 * as on Samba; its handler only marks the connection. */
static bool sessionless_test_hook(const struct smb2_req *req)
{
	struct smb2_ioctl_req in;

	return req->hdr.command == SMB2_IOCTL && req->hdr.session_id == 0 &&
	       req->conn->srv->cfg->g.smbtorture_hooks &&
	       smb2_ioctl_req_decode(req->msg, req->len, &in) == STATUS_SUCCESS &&
	       in.ctl_code == FSCTL_SMBTORTURE_FORCE_UNACKED_TIMEOUT;
}

/* 3.3.5.2.9: find the session the request names, taking a reference and its lock
 * (smb2_req_session) until process_message lets go of it (the data-path handlers let go of the
 * lock earlier, once they hold their open: smb2_req_open_any). CANCEL too: it names the session of
 * the request it cancels, and must prove it (3.3.5.16, 3.3.5.2.4) like any other request of
 * that session. */
static NTSTATUS find_session(const struct msg_run *m)
{
	struct smb2_req *req = m->req;
	const struct smb2_hdr *h = &req->hdr;
	bool names_session = m->ci->needs_session || (h->session_id && h->command != SMB2_NEGOTIATE);

	if (!names_session || sessionless_test_hook(req))
		return STATUS_SUCCESS;
	req->sess = smb2_req_session(req, h->session_id);
	/* A request names a session of this connection; only SESSION_SETUP may name one bound
	 * elsewhere (to bind it, 3.3.5.5). */
	if (req->sess && h->command != SMB2_SESSION_SETUP && (!req->chan || req->chan->binding))
		req->sess = NULL;
	if (!req->sess) {
		req->cmp->session_id = 0;
		/* Inside a related chain the session is the chain's, so a missing one means a
		 * malformed chain (as Samba answers). */
		return follows_chain(m) ? STATUS_INVALID_PARAMETER : STATUS_USER_SESSION_DELETED;
	}
	req->cmp->session_id = h->session_id;
	return STATUS_SUCCESS;
}

/* 3.3.5.2.4: on a session that signs, every request must carry a valid signature — whatever
 * SMB2_FLAGS_SIGNED claims — by the key of this connection's channel. */
static NTSTATUS verify_signature(const struct msg_run *m)
{
	struct smb2_req *req = m->req;
	struct smb2_conn *c = req->conn;
	bool must_verify = req->sess && req->sess->keys_valid && !decrypted_by_session(req) &&
			   (req->sess->signing_required || (req->hdr.flags & SMB2_FLAGS_SIGNED));

	if (!must_verify)
		return STATUS_SUCCESS;
	if (!req->chan || !req->chan->key_valid) {
		/* A SESSION_SETUP with no channel here yet (a binding): Session.SigningKey with
		 * the session's algorithm; smb2_session_setup judges the outcome. */
		req->sess_sig_ok = smb2_sign_verify(req->sess->sign_alg, req->sess->signing_key,
						    req->msg, req->len);
		return STATUS_SUCCESS;
	}
	if (!smb2_sign_verify(c->sign_alg, req->chan->signing_key, req->msg, req->len)) {
		log_info("%s: %s with a missing or bad signature refused", c->peer, m->ci->name);
		req->sess = NULL;   /* do not sign the refusal with the session's key */
		return STATUS_ACCESS_DENIED;
	}
	req->sig_verified = true;
	return STATUS_SUCCESS;
}

/* 3.3.5.2.9: only a valid session runs requests; SESSION_SETUP may also go on with one in
 * progress or expired. */
static NTSTATUS check_session_state(const struct msg_run *m)
{
	struct smb2_req *req = m->req;

	if (!req->sess)
		return STATUS_SUCCESS;
	if (req->hdr.command == SMB2_SESSION_SETUP)
		return req->sess->state == SESSION_LOGGED_OFF ? STATUS_USER_SESSION_DELETED
							      : STATUS_SUCCESS;
	switch (req->sess->state) {
	case SESSION_VALID:
		break;
	case SESSION_EXPIRED:
		return STATUS_NETWORK_SESSION_EXPIRED;
	case SESSION_LOGGED_OFF:
		return STATUS_USER_SESSION_DELETED;
	case SESSION_IN_PROGRESS:
		req->sess = NULL;
		return STATUS_USER_SESSION_DELETED;
	}
	return STATUS_SUCCESS;
}

/* 3.3.5.2.7.2: a related message after a failed CREATE fails with its error. Checked after the
 * signature, as Samba does, so that the error is signed like any other answer of the session
 * (smbtorture smb2.compound.related8). */
static NTSTATUS inherit_create_error(const struct msg_run *m)
{
	NTSTATUS create_err = m->req->cmp->create_err;

	return follows_chain(m) && NT_STATUS_IS_ERROR(create_err) ? create_err : STATUS_SUCCESS;
}

/* 3.3.5.2.11: find the tree connect the request names, in its session. */
static NTSTATUS find_tree(const struct msg_run *m)
{
	struct smb2_req *req = m->req;
	uint32_t tree_id = req->hdr.tree_id;

	if (!m->ci->needs_tree || (!req->sess && sessionless_test_hook(req)))
		return STATUS_SUCCESS;
	req->tree = req->sess ? smb2_tree_find(req->sess, tree_id) : NULL;
	if (!req->tree)
		return STATUS_NETWORK_NAME_DELETED;
	req->cmp->tree_id = tree_id;
	return STATUS_SUCCESS;
}

/* 3.3.5.2.9, 3.3.5.2.11: on an encrypting session or share, a plain request is refused and not
 * executed. */
static NTSTATUS check_encryption_required(const struct msg_run *m)
{
	struct smb2_req *req = m->req;
	bool refused = !decrypted_by_session(req) && req->hdr.command != SMB2_SESSION_SETUP &&
		       ((req->sess && req->sess->encrypt_data) || (req->tree && req->tree->encrypt_data));

	if (!refused)
		return STATUS_SUCCESS;
	log_info("%s: unencrypted %s on an encrypted session or share refused", req->conn->peer,
		 m->ci->name);
	req->sess = NULL;
	return STATUS_ACCESS_DENIED;
}

/* The thread keeps these credentials after the request (see vfs_become): the next request of the
 * same user needs no switch, and a request without a user goes back to the server. */
static NTSTATUS become_session_user(const struct msg_run *m)
{
	const struct smb2_req *req = m->req;

	if (req->sess && req->sess->state == SESSION_VALID)
		return vfs_become(&req->sess->ident) == STATUS_SUCCESS ? STATUS_SUCCESS
								       : STATUS_ACCESS_DENIED;
	vfs_become_server();
	return STATUS_SUCCESS;
}

/*
 * What a message goes through before its handler: the checks of 3.3.5.2, then its session's
 * user taken on, in the order they must come: a later one relies on what an earlier one
 * found or refused (the signature is checked on the session found, before its state or the
 * chain's CREATE error can answer; encryption is required of the session and tree found). Each
 * returns STATUS_SUCCESS to let the message go on, and may clear req->sess so that its refusal
 * goes unsigned.
 */
static NTSTATUS (*const checks_before_handler[])(const struct msg_run *m) = {
	check_credit_charge,
	check_transform_session,
	find_session,
	verify_signature,
	check_session_state,
	inherit_create_error,
	find_tree,
	check_encryption_required,
	become_session_user,
};

/* The message's chain followed, its checks passed in order, then the command's handler; the first
 * check that fails gives the answer's status, and the handler does not run. */
static NTSTATUS check_and_run(const struct msg_run *m)
{
	if (!m->ci || !m->ci->fn)
		return STATUS_INVALID_PARAMETER;
	follow_compound_chain(m);
	for (size_t i = 0; i < sizeof(checks_before_handler) / sizeof(checks_before_handler[0]); i++) {
		NTSTATUS st = checks_before_handler[i](m);
		if (st != STATUS_SUCCESS)
			return st;
	}
	return m->ci->fn(m->req);
}

/* 3.3.4.2: an interim answer has no body (the final one follows when the request is re-run);
 * handlers that produced a body keep it (also for MORE_PROCESSING / BUFFER_OVERFLOW); errors
 * without one get the error response (2.2.2). Returns the status the header carries. */
static NTSTATUS complete_body(struct smb2_req *req, NTSTATUS st)
{
	size_t body_off = req->hdr_off + SMB2_HDR_SIZE;

	if (st == STATUS_PENDING)
		req->out->len = body_off;
	if (req->out->len == body_off) {
		if (st == STATUS_SUCCESS)
			st = STATUS_INTERNAL_ERROR;   /* a handler must write its body */
		smb2_error_rsp_encode_empty(req->out, req->hdr_off);
	}
	return st;
}

/* 3.3.5.2.7.2: what the next related message inherits from this one's outcome. */
static void remember_for_chain(struct smb2_req *req, NTSTATUS st)
{
	const struct smb2_hdr *h = &req->hdr;

	if (h->command == SMB2_CREATE && NT_STATUS_IS_ERROR(st))
		req->cmp->create_err = st;
	if (h->command == SMB2_TREE_CONNECT && st == STATUS_SUCCESS)
		req->cmp->tree_id = h->tree_id;
	if (h->command == SMB2_SESSION_SETUP && req->sess)
		req->cmp->session_id = req->sess->id;
}

/* The answer to one message, appended to req->out: its body completed, credits granted
 * (3.3.4.1.2), then header, padding and signature (smb2_response_seal). */
static bool answer_message(struct msg_run *m, NTSTATUS st)
{
	struct smb2_req *req = m->req;
	struct smb2_conn *c = req->conn;
	const struct smb2_hdr *h = &req->hdr;

	req->status = st;
	if (h->command == SMB2_CANCEL || (st == STATUS_PENDING && req->resumed)) {
		/* 3.3.5.16: CANCEL is never answered; a re-run that must wait again stays silent. */
		req->out->len = req->hdr_off;
		return true;
	}
	st = complete_body(req, st);
	if (!req->resumed)   /* a re-run's credits went out with its interim answer */
		m->granted = smb2_credits_grant(&c->credits, h->credits);
	remember_for_chain(req, st);
	struct smb2_rsp_seal seal = { .status = st, .credits = m->granted, .related = m->related,
				      .first = m->first, .last = m->last };
	if (!smb2_response_seal(req, &seal))
		return false;
	log_debug("%s: %s mid %llu charge %u asked %u granted %u window [%llu,%llu) -> %s", c->peer,
		  m->ci ? m->ci->name : "?", (unsigned long long)h->message_id, m->charge, h->credits,
		  m->granted, (unsigned long long)c->credits.low, (unsigned long long)c->credits.high,
		  nt_status_name(st));
	return true;
}

/*
 * Process one message of a compound; its response is appended to req->out. Returns false when
 * the connection must be dropped (protocol violation). The session it finds stays held (a
 * reference, and its lock unless the handler let go of it) until process_message lets go of it,
 * after the response is signed.
 */
static bool run_message(struct smb2_req *req, bool first, bool last)
{
	uint16_t cmd = req->hdr.command;
	struct msg_run m = {
		.req = req,
		.ci = cmd < SMB2_COMMAND_COUNT ? &commands[cmd] : NULL,
		.related = req->hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS,
		.first = first,
		.last = last,
		.charge = 1,
	};

	if (!message_acceptable(req) || !consume_credits(&m))
		return false;
	wr_zero(req->out, SMB2_HDR_SIZE);   /* the header is filled in once the status is known */
	req->rsp_session_id = req->hdr.session_id;
	return answer_message(&m, check_and_run(&m));
}

static bool process_message(struct smb2_req *req, bool first, bool last)
{
	bool ok = run_message(req, first, last);
	smb2_req_release(req);
	/* The response is signed: the copy of a signing key a handler left here goes. */
	explicit_bzero(req->sign_key_copy, sizeof(req->sign_key_copy));
	req->sign_key_override = NULL;
	return ok;
}

static void process_compound(struct smb2_conn *c, const uint8_t *frame, size_t len,
			     struct smb2_session *enc)
{
	struct smb2_compound cmp = { 0 };
	struct wr out;
	size_t off = 0;

	wr_init(&out, 512);
	wr_zero(&out, 4);   /* room for the Direct TCP header */
	for (bool first = true;; first = false) {
		struct smb2_req req = { .conn = c, .out = &out, .arena = &c->arena, .cmp = &cmp,
					.enc_sess = enc };
		size_t left = len - off;

		if (!smb2_hdr_decode(frame + off, left, &req.hdr)) {
			if (first) {
				net_conn_close(c->net);
				goto out;
			}
			break;
		}
		uint32_t next = req.hdr.next_command;
		/* 3.3.5.2.7: each message starts 8-byte aligned and holds at least a header. */
		if (next && (next % 8 || next < SMB2_HDR_SIZE || next > left)) {
			log_info("%s: bad NextCommand %u, dropping", c->peer, next);
			net_conn_close(c->net);
			goto out;
		}
		req.msg = frame + off;
		req.len = next ? next : left;
		req.last = next == 0;
		req.hdr_off = out.len;
		bool ok = process_message(&req, first, next == 0);
		arena_reset(&c->arena);
		if (!ok) {
			net_conn_close(c->net);
			goto out;
		}
		if (!next)
			break;
		off += next;
	}
	smb2_send_response_at(c, &out, enc, cmp.answer_at);
out:
	wr_free(&out);
}

/* MS-SMB2 3.3.5.2.1: decrypt a TRANSFORM message with its session's key; anything wrong ends
 * the connection. */
static void process_encrypted(struct smb2_conn *c, const uint8_t *frame, size_t len)
{
	struct smb2_transform_hdr th;
	struct smb2_channel *ch = NULL;
	struct smb2_session *s = NULL;
	uint8_t key[32];
	bool usable = false;

	/* The session must be bound to this connection (any of its channels may encrypt). */
	if (c->cipher != SMB2_CIPHER_NONE && smb2_transform_hdr_decode(frame, len, &th) &&
	    (ch = smb2_channel_find(c, th.session_id)) && !ch->binding) {
		s = ch->sess;
		smb2_session_ref(s);   /* for the whole compound: a message may unbind it */
		pthread_mutex_lock(&s->lock);
		/* LOGOFF wipes the decryption key: copy it while the session is known live. */
		usable = !s->unlinked && s->cipher_keys_valid && s->state != SESSION_LOGGED_OFF;
		if (usable)
			memcpy(key, s->dec_key, sizeof(key));
		pthread_mutex_unlock(&s->lock);
	}
	if (!usable) {
		log_info("%s: undecryptable TRANSFORM message, dropping", c->peer);
		net_conn_close(c->net);
		goto out;
	}
	uint8_t *plain = malloc(len);
	size_t plen = 0;
	if (!plain || !smb2_decrypt(c->cipher, key, frame, len, plain, &plen)) {
		log_info("%s: TRANSFORM message failed to decrypt, dropping", c->peer);
		free(plain);
		net_conn_close(c->net);
		goto out;
	}
	process_compound(c, plain, plen, s);
	free(plain);
out:
	explicit_bzero(key, sizeof(key));
	smb2_session_put(s);
}

void smb2_conn_frame(struct net_conn *nc, void *state, uint8_t *frame, size_t len)
{
	struct smb2_conn *c = state;

	if (len >= 4 && le32(frame) == SMB1_PROTOCOL_ID) {
		if (c->negotiated)
			net_conn_close(nc);
		else
			smb2_smb1_negotiate(c, frame, len);
		return;
	}
	if (len >= 4 && le32(frame) == SMB2_TRANSFORM_ID) {
		process_encrypted(c, frame, len);
		return;
	}
	process_compound(c, frame, len, NULL);
}

bool smb2_conn_may_run_inline(struct net_conn *nc, void *state, const uint8_t *frame, size_t len)
{
	struct smb2_conn *c = state;
	struct smb2_transform_hdr th;
	struct smb2_hdr h;
	uint64_t session_id;

	(void)nc;
	if (len >= 4 && le32(frame) == SMB2_TRANSFORM_ID && smb2_transform_hdr_decode(frame, len, &th))
		session_id = th.session_id;
	else if (len >= 4 && le32(frame) == SMB2_PROTOCOL_ID && smb2_hdr_decode(frame, len, &h))
		session_id = h.session_id;
	else
		return true;   /* SMB1 negotiate, or garbage that ends the connection anyway */
	if (session_id == 0)
		return true;   /* NEGOTIATE, a first SESSION_SETUP: no session lock involved */
	/* A session not bound here (a binding SESSION_SETUP) takes the lock of a session that
	 * lives on another connection; so does any request of a multichannel session, whose lock a
	 * DH2Q CREATE, LOCK or LOGOFF on another channel may hold through its file work
	 * (docs/ARCHITECTURE.md, "Inline frames"). Only the first message of a compound is looked
	 * at: the common case is one session per frame. */
	struct smb2_channel *ch = smb2_channel_find(c, session_id);
	return ch && !atomic_load_explicit(&ch->sess->multichannel, memory_order_relaxed);
}

void smb2_async_rerun(struct smb2_conn *c, struct smb2_async *a)
{
	struct smb2_compound cmp = { 0 };
	struct wr out;
	struct smb2_req req = { .conn = c, .out = &out, .arena = &c->arena, .cmp = &cmp,
				.msg = a->msg, .len = a->len, .last = true, .resumed = true,
				.async_id = a->async_id };

	if (a->encrypted) {
		struct smb2_channel *ch = smb2_channel_find(c, a->session_id);
		/* cipher_keys_valid is fixed once the session has a working channel here */
		if (!ch || !ch->key_valid || !ch->sess->cipher_keys_valid) {
			smb2_async_drop(c, a);
			return;
		}
		req.enc_sess = ch->sess;
		smb2_session_ref(req.enc_sess);
	}

	if (!smb2_hdr_decode(a->msg, a->len, &req.hdr)) {
		smb2_async_drop(c, a);
		smb2_session_put(req.enc_sess);
		return;
	}
	/* The saved message may be a related one: it runs with what it resolved to. */
	req.hdr.session_id = a->session_id;
	req.hdr.tree_id = a->tree_id;
	req.hdr.flags &= ~SMB2_FLAGS_RELATED_OPERATIONS;
	wr_init(&out, 512);
	wr_zero(&out, 4);
	req.hdr_off = out.len;
	bool ok = process_message(&req, true, true);
	arena_reset(&c->arena);
	if (req.status != STATUS_PENDING) {
		a->on_drop = NULL;   /* finished: whoever woke it already forgot it */
		smb2_async_drop(c, a);
	}
	if (!ok)
		net_conn_close(c->net);
	else
		smb2_send_response(c, &out, req.enc_sess);
	wr_free(&out);
	smb2_session_put(req.enc_sess);
}
