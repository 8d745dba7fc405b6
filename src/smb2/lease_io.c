/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leases on the wire: which CREATEs carry a lease request the server acts on, the lease break
 * notification (MS-SMB2 2.2.23.2, 3.3.4.7) and the checks of a lease break acknowledgement
 * (3.3.5.22.2). The lease states themselves are decided in lease.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "net/net.h"
#include "smb2/lease.h"
#include "smb2/session.h"
#include "smb2/wire/header.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/oplock_break.h"
#include "smb2/wire/transform.h"
#include "smb2/wire/types.h"

bool smb2_lease_create_request(uint16_t dialect, bool share_leases, uint8_t requested_oplock_level,
			       const struct smb2_create_ctx_list *contexts, struct smb2_lease_req *out,
			       NTSTATUS *st)
{
	const struct smb2_create_ctx *cc;

	*st = STATUS_SUCCESS;
	/* MS-SMB2 3.3.5.9.8: only with RequestedOplockLevel LEASE on 2.1 and later; `leases = no`
	 * makes the server one that does not support leasing (the context is ignored). */
	if (requested_oplock_level != SMB2_OPLOCK_LEVEL_LEASE || dialect < SMB2_DIALECT_210 ||
	    !share_leases)
		return false;
	cc = smb2_create_ctx_find(contexts, SMB2_CREATE_REQUEST_LEASE);
	if (!cc)
		return false;
	*st = smb2_create_ctx_lease_decode(cc, out);
	if (*st != STATUS_SUCCESS)
		return false;
	/* A v2 request on 2.1 is read as v1 (3.3.5.9.11 applies to the 3.x family only). */
	if (out->v2 && dialect < SMB2_DIALECT_300) {
		out->v2 = false;
		out->flags = 0;
		out->epoch = 0;
		memset(out->parent_key, 0, sizeof(out->parent_key));
	}
	return true;
}

void smb2_break_begin(struct wr *w, size_t body_size, const struct smb2_session *enc)
{
	wr_init(w, 4 + SMB2_HDR_SIZE + body_size);
	wr_zero(w, 4);
	struct smb2_hdr h = {
		.command = SMB2_OPLOCK_BREAK,
		.flags = SMB2_FLAGS_SERVER_TO_REDIR,
		.message_id = UINT64_MAX,
		.session_id = enc ? enc->id : 0,   /* the session whose keys seal it */
	};
	smb2_hdr_encode(w, &h);
}

/* MS-SMB2 3.3.4.1.4: sealed in a TRANSFORM with the session's keys. False (nothing sent) when
 * it cannot be sealed. */
static bool send_sealed(struct net_conn *nc, struct wr *w, struct smb2_session *enc)
{
	uint8_t nonce[SMB2_NONCE_FIELD_SIZE];
	size_t plen = w->len - 4;
	uint8_t *buf;

	buf = malloc(4 + SMB2_TRANSFORM_HDR_SIZE + plen);
	if (!buf || !smb2_nonce_next(&enc->nonces, enc->cipher, nonce) ||
	    !smb2_encrypt(enc->cipher, enc->enc_key, enc->id, nonce, w->buf + 4, plen, buf + 4)) {
		free(buf);
		return false;
	}
	net_conn_send_tracked(nc, buf, SMB2_TRANSFORM_HDR_SIZE + plen);
	return true;
}

void smb2_break_send(struct net_conn *nc, struct wr *w, struct smb2_session *enc)
{
	if (w->failed) {
		wr_free(w);
		return;
	}
	if (enc) {
		if (!send_sealed(nc, w, enc)) {
			/* never in clear what the session wants sealed */
			log_err("%s: cannot encrypt a break; dropping the connection", net_conn_peer(nc));
			net_conn_close(nc);
		}
		wr_free(w);
		return;
	}
	size_t len;
	uint8_t *buf = wr_steal(w, &len);
	/* delivery watched: a client that has vanished must not hold up the opener for 35 s */
	net_conn_send_tracked(nc, buf, len - 4);
}

/* MS-SMB2 2.2.23.2: unsolicited, MessageId all ones, not signed (3.3.4.7). */
void smb2_lease_send_break(struct net_conn *nc, const struct smb2_lease_break_msg *m,
			   struct smb2_session *enc)
{
	struct wr w;

	smb2_break_begin(&w, SMB2_LEASE_BREAK_NOTIFY_SS, enc);
	struct smb2_lease_break_notify n = {
		.new_epoch = m->epoch,
		.flags = m->ack_required ? SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED : 0,
		.current_lease_state = m->from,
		.new_lease_state = m->to,
	};
	memcpy(n.lease_key, m->key, sizeof(n.lease_key));
	smb2_lease_break_notify_encode(&w, 4, &n);
	smb2_break_send(nc, &w, enc);
}
