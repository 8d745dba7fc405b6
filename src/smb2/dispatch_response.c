/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The response side of the request path: each message's answer gets its header, padding and
 * signature (MS-SMB2 3.3.4.1.1, 3.3.4.1.3), and the whole response PDU goes to the transport,
 * encrypted when the request came encrypted (3.3.4.1.4), now or at a failed logon's due time.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/dispatch_response.h"
#include "smb2/req.h"
#include "smb2/session.h"
#include "smb2/wire/transform.h"

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

/* How an answer is signed, if it is. */
struct rsp_signer {
	bool sign;
	const uint8_t *key;
	enum smb2_sign_alg alg;
};

/* 3.3.4.1.1: an answer of a session that signs is signed with this connection's channel key
 * (the request's signature was checked, or req->sess was cleared); one that came encrypted is
 * not signed; a handler may name another key (req->sign_key_override). */
static struct rsp_signer choose_signer(const struct smb2_req *req)
{
	struct smb2_conn *c = req->conn;
	struct rsp_signer s = { .sign = false, .key = NULL, .alg = c->sign_alg };

	if (req->sess && req->sess->keys_valid && !req->no_sign && !req->enc_sess &&
	    (req->sess->signing_required || (req->hdr.flags & SMB2_FLAGS_SIGNED))) {
		if (req->chan && req->chan->key_valid) {
			s.sign = true;
			s.key = req->chan->signing_key;
		} else if (req->sess_sig_ok) {
			/* 3.2.5.1.3: answers to a binding the client checks with Session.SigningKey. */
			s.sign = true;
			s.key = req->sess->signing_key;
			s.alg = req->sess->sign_alg;
		}
	}
	if (req->sign_key_override && !req->enc_sess) {
		s.sign = true;
		s.key = req->sign_key_override;
		s.alg = c->sign_alg;
	}
	return s;
}

/* 3.3.4.1.3: responses in a compound are padded to 8 bytes, counted from their own header (the
 * buffer starts with the 4-byte Direct TCP header). Windows and Samba pad the last one too
 * (smbtorture smb2.compound.compound-padding); a lone response is not padded. */
static void pad_in_compound(struct smb2_req *req, const struct smb2_rsp_seal *seal)
{
	if (!(seal->first && seal->last))
		wr_zero(req->out, (8 - (req->out->len - req->hdr_off) % 8) % 8);
}

/* 2.2.1.2: the response header, over the room the dispatcher left for it. */
static bool write_header(struct smb2_req *req, const struct smb2_rsp_seal *seal, bool sign)
{
	const struct smb2_hdr *h = &req->hdr;
	size_t hdr_off = req->hdr_off;
	bool flag_signed = sign || ((h->flags & SMB2_FLAGS_SIGNED) &&
				    keeps_signed_flag(h->command, seal->status));
	struct smb2_hdr rh = {
		.credit_charge = h->credit_charge,
		.status = seal->status,
		.command = h->command,
		.credits = seal->credits,
		.flags = SMB2_FLAGS_SERVER_TO_REDIR |
			 (seal->related ? SMB2_FLAGS_RELATED_OPERATIONS : 0) |
			 (flag_signed ? SMB2_FLAGS_SIGNED : 0) |
			 (req->async_id ? SMB2_FLAGS_ASYNC_COMMAND : 0),
		.next_command = seal->last ? 0 : (uint32_t)(req->out->len - hdr_off),
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
	return true;
}

bool smb2_response_seal(struct smb2_req *req, const struct smb2_rsp_seal *seal)
{
	struct rsp_signer signer = choose_signer(req);

	pad_in_compound(req, seal);
	if (req->out->failed || !write_header(req, seal, signer.sign))
		return false;
	uint8_t *m = req->out->buf + req->hdr_off;
	size_t mlen = req->out->len - req->hdr_off;
	if (signer.sign) {
		uint8_t sig[16];
		if (!smb2_sign_compute(signer.alg, signer.key, m, mlen, sig))
			return false;
		memcpy(m + SMB2_SIG_OFFSET, sig, 16);
	}
	/* 3.1.1 preauth integrity: NEGOTIATE and SESSION_SETUP responses chain into a hash. */
	return !req->preauth_rsp || crypto_preauth_update(req->preauth_rsp, m, mlen);
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
