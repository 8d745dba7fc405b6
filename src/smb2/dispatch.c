/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request path above the transport: one frame in, one response frame out. Splits compounds
 * (MS-SMB2 3.3.5.2.7), checks the credit window (3.3.5.2.3), finds the session and verifies the
 * signature (3.3.5.2.4, 3.3.5.2.9), finds the tree (3.3.5.2.11), calls the command's handler,
 * then builds, pads and signs each response.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "net/net.h"
#include "smb2/smb2.h"
#include "smb2/wire/error.h"
#include "smb2/wire/transform.h"

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
 * The unsigned errors that keep a signed request's SMB2_FLAGS_SIGNED, as Samba answers them:
 * a client does not check their signature (it may have no key that fits: another connection's
 * session, a refused binding, a malformed chain or an unknown command refused before the
 * signature could be checked) but treats a missing flag as tampering (MS-SMB2 3.2.5.1.3).
 */
static bool keeps_signed_flag(uint16_t cmd, NTSTATUS st)
{
	if (st == STATUS_USER_SESSION_DELETED || st == STATUS_INVALID_PARAMETER)
		return true;
	return cmd == SMB2_SESSION_SETUP &&
	       (st == STATUS_ACCESS_DENIED || st == STATUS_NOT_SUPPORTED ||
		st == STATUS_REQUEST_OUT_OF_SEQUENCE || st == STATUS_INVALID_PARAMETER);
}

/*
 * Process one message of a compound; its response is appended to req->out. Returns false when
 * the connection must be dropped (protocol violation). The session it finds stays held (locked)
 * until process_message lets go of it, after the response is signed.
 */
static bool run_message(struct smb2_req *req, bool first, bool last)
{
	struct smb2_conn *c = req->conn;
	struct smb2_hdr *h = &req->hdr;
	const struct smb2_command_info *ci = h->command < SMB2_COMMAND_COUNT ? &commands[h->command] : NULL;
	bool related = h->flags & SMB2_FLAGS_RELATED_OPERATIONS;
	uint16_t charge = 1, granted = 0;
	NTSTATUS st = STATUS_SUCCESS;
	bool sign = false;
	const uint8_t *sign_key = NULL;
	enum smb2_sign_alg sign_alg = c->sign_alg;

	if (h->flags & SMB2_FLAGS_SERVER_TO_REDIR)
		return false;
	if (!c->negotiated && h->command != SMB2_NEGOTIATE)
		return false;   /* 3.3.5.2: nothing but NEGOTIATE before NEGOTIATE */

	if (h->command != SMB2_CANCEL && !req->resumed) {
		/* 3.3.5.4: multi-credit requests from 2.1 on (Connection.SupportsMultiCredit). */
		if (c->dialect >= 0x0210)
			charge = h->credit_charge ? h->credit_charge : 1;
		if (!smb2_credits_consume(&c->credits, h->message_id, charge)) {
			log_info("%s: message id %llu outside the credit window, dropping", c->peer,
				 (unsigned long long)h->message_id);
			return false;
		}
	}

	size_t hdr_off = req->hdr_off;
	wr_zero(req->out, SMB2_HDR_SIZE);   /* header filled in at the end */
	req->rsp_session_id = h->session_id;

	if (!ci || !ci->fn) {
		st = STATUS_INVALID_PARAMETER;
		goto respond;
	}
	if (related && !req->resumed) {
		/* 3.3.5.2.7.2: a related message inherits the session and tree of the previous one
		 * (and the error of a failed CREATE before it, once its signature is checked). */
		h->session_id = req->cmp->session_id;
		h->tree_id = req->cmp->tree_id;
		/* With no session in the chain yet (a chain that starts related), the answer keeps
		 * the request's id: a client finds by it the session an answer flagged as signed
		 * belongs to (smbtorture smb2.compound.invalid1, with signing). */
		if (h->session_id)
			req->rsp_session_id = h->session_id;
	} else if (!req->resumed) {
		req->cmp->have_fid = false;   /* an unrelated message starts a new chain */
	}

	/* Payload-sized charge (3.3.5.2.5). */
	if (cmd_is_large_io(h->command) && c->dialect >= 0x0210) {
		uint32_t payload = request_payload(req);
		uint32_t need = payload ? (payload - 1) / 65536 + 1 : 1;
		if (charge < need) {
			st = STATUS_INVALID_PARAMETER;
			goto respond;
		}
	}

	/* 3.3.5.2.1.1: a message inside a TRANSFORM acts for the session that encrypted it and
	 * no other (Samba answers ACCESS_DENIED): the decryption vouches for that session only,
	 * and stands in for its signature below. A related message has inherited its session. */
	if (req->enc_sess && h->session_id != req->enc_sess->id) {
		log_info("%s: %s for session %llx inside a TRANSFORM of session %llx refused", c->peer,
			 ci->name, (unsigned long long)h->session_id,
			 (unsigned long long)req->enc_sess->id);
		req->cmp->session_id = 0;   /* related messages after it fail too */
		st = STATUS_ACCESS_DENIED;
		goto respond;
	}

	/* CANCEL too: it names the session of the request it cancels, and must prove it
	 * (3.3.5.16, 3.3.5.2.4) like any other request of that session. */
	if (ci->needs_session || (h->session_id && h->command != SMB2_NEGOTIATE)) {
		req->sess = smb2_req_session(req, h->session_id);
		/* 3.3.5.2.9: a request names a session of this connection; only SESSION_SETUP
		 * may name one bound elsewhere (to bind it, 3.3.5.5). */
		if (req->sess && h->command != SMB2_SESSION_SETUP && (!req->chan || req->chan->binding))
			req->sess = NULL;
		if (!req->sess) {
			/* Inside a related chain the session is the chain's, so a missing one means
			 * a malformed chain (as Samba answers). */
			st = related && !req->resumed ? STATUS_INVALID_PARAMETER : STATUS_USER_SESSION_DELETED;
			req->cmp->session_id = 0;
			goto respond;
		}
		req->cmp->session_id = h->session_id;
	}

	/* 3.3.5.2.4: on a session that signs, every request must carry a valid signature —
	 * whatever SMB2_FLAGS_SIGNED claims — by the key of this connection's channel. */
	bool decrypted_by_sess = req->enc_sess && req->sess == req->enc_sess;
	if (req->sess && req->sess->keys_valid && !decrypted_by_sess &&
	    (req->sess->signing_required || (h->flags & SMB2_FLAGS_SIGNED))) {
		if (req->chan && req->chan->key_valid) {
			if (!smb2_sign_verify(c->sign_alg, req->chan->signing_key, req->msg, req->len)) {
				log_info("%s: %s with a missing or bad signature refused", c->peer,
					 ci->name);
				req->sess = NULL;   /* do not sign the refusal with the session's key */
				st = STATUS_ACCESS_DENIED;
				goto respond;
			}
			req->sig_verified = true;
		} else {
			/* A SESSION_SETUP with no channel here yet (a binding): Session.SigningKey
			 * with the session's algorithm; smb2_session_setup judges the outcome. */
			req->sess_sig_ok = smb2_sign_verify(req->sess->sign_alg, req->sess->signing_key,
							    req->msg, req->len);
		}
	}

	if (req->sess && h->command != SMB2_SESSION_SETUP) {
		switch (req->sess->state) {
		case SESSION_VALID:
			break;
		case SESSION_EXPIRED:
			st = STATUS_NETWORK_SESSION_EXPIRED;
			goto respond;
		case SESSION_LOGGED_OFF:
			st = STATUS_USER_SESSION_DELETED;
			goto respond;
		case SESSION_IN_PROGRESS:
			st = STATUS_USER_SESSION_DELETED;
			req->sess = NULL;
			goto respond;
		}
	} else if (req->sess && req->sess->state == SESSION_LOGGED_OFF) {
		st = STATUS_USER_SESSION_DELETED;
		goto respond;
	}
	/* Checked after the signature, as Samba does, so that the error is signed like any
	 * other answer of the session (smbtorture smb2.compound.related8). */
	if (related && !req->resumed && NT_STATUS_IS_ERROR(req->cmp->create_err)) {
		st = req->cmp->create_err;
		goto respond;
	}

	if (ci->needs_tree) {
		req->tree = req->sess ? smb2_tree_find(req->sess, h->tree_id) : NULL;
		if (!req->tree) {
			st = STATUS_NETWORK_NAME_DELETED;
			goto respond;
		}
		req->cmp->tree_id = h->tree_id;
	}
	/* 3.3.5.2.9, 3.3.5.2.11: on an encrypting session or share, a plain request is refused
	 * and not executed. */
	if (!decrypted_by_sess && h->command != SMB2_SESSION_SETUP &&
	    ((req->sess && req->sess->encrypt_data) || (req->tree && req->tree->encrypt_data))) {
		log_info("%s: unencrypted %s on an encrypted session or share refused", c->peer, ci->name);
		req->sess = NULL;
		st = STATUS_ACCESS_DENIED;
		goto respond;
	}

	/* The thread keeps these credentials after the request (see vfs_become): the next request
	 * of the same user needs no switch, and a request without a user goes back to the server. */
	if (req->sess && req->sess->state == SESSION_VALID) {
		if (vfs_become(&req->sess->ident) != STATUS_SUCCESS) {
			st = STATUS_ACCESS_DENIED;
			goto respond;
		}
	} else {
		vfs_become_server();
	}
	st = ci->fn(req);

respond:
	req->status = st;
	if (h->command == SMB2_CANCEL || (st == STATUS_PENDING && req->resumed)) {
		/* 3.3.5.16: CANCEL is never answered; a re-run that must wait again stays silent. */
		req->out->len = hdr_off;
		return true;
	}
	if (st == STATUS_PENDING) {
		/* 3.3.4.2: the interim response; the final one follows when the request is re-run. */
		req->out->len = hdr_off + SMB2_HDR_SIZE;
	}
	/* Handlers that produced a body keep it (also for MORE_PROCESSING / BUFFER_OVERFLOW);
	 * errors without a body get the error response. */
	if (req->out->len == hdr_off + SMB2_HDR_SIZE) {
		if (st == STATUS_SUCCESS)
			st = STATUS_INTERNAL_ERROR;   /* a handler must write its body */
		smb2_error_rsp_encode_empty(req->out, hdr_off);
	}
	if (h->command != SMB2_CANCEL && !req->resumed)
		granted = smb2_credits_grant(&c->credits, h->credits);

	if (h->command == SMB2_CREATE && NT_STATUS_IS_ERROR(st))
		req->cmp->create_err = st;
	if (h->command == SMB2_TREE_CONNECT && st == STATUS_SUCCESS)
		req->cmp->tree_id = h->tree_id;
	if (h->command == SMB2_SESSION_SETUP && req->sess)
		req->cmp->session_id = req->sess->id;

	if (req->sess && req->sess->keys_valid && !req->no_sign && !req->enc_sess &&
	    (req->sess->signing_required || (h->flags & SMB2_FLAGS_SIGNED))) {
		if (req->chan && req->chan->key_valid) {
			sign = true;
			sign_key = req->chan->signing_key;
		} else if (req->sess_sig_ok) {
			/* 3.2.5.1.3: answers to a binding the client checks with Session.SigningKey. */
			sign = true;
			sign_key = req->sess->signing_key;
			sign_alg = req->sess->sign_alg;
		}
	}
	if (req->sign_key_override && !req->enc_sess) {
		sign = true;
		sign_key = req->sign_key_override;
		sign_alg = c->sign_alg;
	}

	/* 3.3.4.1.3: responses in a compound are padded to 8 bytes, counted from their own header
	 * (the buffer starts with the 4-byte Direct TCP header). Windows and Samba pad the last one
	 * too (smbtorture smb2.compound.compound-padding); a lone response is not padded. */
	if (!(first && last))
		wr_zero(req->out, (8 - (req->out->len - hdr_off) % 8) % 8);
	if (req->out->failed)
		return false;

	struct smb2_hdr rh = {
		.credit_charge = h->credit_charge,
		.status = st,
		.command = h->command,
		.credits = granted,
		.flags = SMB2_FLAGS_SERVER_TO_REDIR | (related ? SMB2_FLAGS_RELATED_OPERATIONS : 0) |
			 (sign || ((h->flags & SMB2_FLAGS_SIGNED) && keeps_signed_flag(h->command, st))
				  ? SMB2_FLAGS_SIGNED : 0) |
			 (req->async_id ? SMB2_FLAGS_ASYNC_COMMAND : 0),
		.next_command = last ? 0 : (uint32_t)(req->out->len - hdr_off),
		.message_id = h->message_id,
		.async_id = req->async_id,
		.tree_id = h->tree_id,
		.session_id = req->rsp_session_id,
	};
	struct wr hw;
	wr_init(&hw, SMB2_HDR_SIZE);
	smb2_hdr_encode(&hw, &rh);
	if (hw.failed) {
		wr_free(&hw);
		return false;
	}
	memcpy(req->out->buf + hdr_off, hw.buf, SMB2_HDR_SIZE);
	wr_free(&hw);

	if (sign) {
		uint8_t sig[16];
		uint8_t *m = req->out->buf + hdr_off;
		if (!smb2_sign_compute(sign_alg, sign_key, m, req->out->len - hdr_off, sig))
			return false;
		memcpy(m + SMB2_SIG_OFFSET, sig, 16);
	}
	/* 3.1.1 preauth integrity: NEGOTIATE and SESSION_SETUP responses chain into a hash. */
	if (req->preauth_rsp &&
	    !crypto_preauth_update(req->preauth_rsp, req->out->buf + hdr_off, req->out->len - hdr_off))
		return false;
	log_debug("%s: %s mid %llu charge %u asked %u granted %u window [%llu,%llu) -> %s", c->peer,
		  ci ? ci->name : "?", (unsigned long long)h->message_id, charge, h->credits, granted,
		  (unsigned long long)c->credits.low, (unsigned long long)c->credits.high, nt_status_name(st));
	return true;
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

/* Send a finished response PDU (out holds 4 bytes of room, then the messages), encrypted with
 * the session's key when the request came encrypted (MS-SMB2 3.3.4.1.4). */
void smb2_send_response(struct smb2_conn *c, struct wr *out, struct smb2_session *enc)
{
	smb2_send_response_at(c, out, enc, 0);
}

/* Now, or at due_ms (a failed logon's held answer); 0 is now without reading the clock. */
static void send_frame(struct smb2_conn *c, uint8_t *buf, size_t len, uint64_t due_ms)
{
	if (due_ms)
		net_conn_send_at(c->net, buf, len, due_ms);
	else
		net_conn_send(c->net, buf, len);
}

void smb2_send_response_at(struct smb2_conn *c, struct wr *out, struct smb2_session *enc,
			   uint64_t due_ms)
{
	size_t olen;

	if (out->len <= 4)
		return;
	if (!enc) {
		uint8_t *buf = wr_steal(out, &olen);
		send_frame(c, buf, olen - 4, due_ms);
		return;
	}
	size_t plen = out->len - 4;
	uint8_t nonce[16];
	uint8_t *buf = malloc(4 + SMB2_TRANSFORM_HDR_SIZE + plen);
	if (!buf || !smb2_nonce_next(&enc->nonces, c->cipher, nonce) ||
	    !smb2_encrypt(c->cipher, enc->enc_key, enc->id, nonce, out->buf + 4, plen, buf + 4)) {
		free(buf);
		log_err("%s: cannot encrypt a response; dropping the connection", c->peer);
		net_conn_close(c->net);
		return;
	}
	send_frame(c, buf, SMB2_TRANSFORM_HDR_SIZE + plen, due_ms);
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
	 * lives on another connection; so does any request of a multichannel session. Only the
	 * first message of a compound is looked at: the common case is one session per frame. */
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
