/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests that wait (MS-SMB2 3.3.4.2): the parked copy of the request, the wake-up posted to
 * the owning connection's strand, CANCEL and the final response of a request that ends without
 * running again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/replay.h"
#include "smb2/req.h"
#include "smb2/session.h"
#include "smb2/wire/error.h"

NTSTATUS smb2_async_park(struct smb2_req *req, void (*on_drop)(struct smb2_conn *, struct smb2_async *))
{
	struct smb2_conn *c = req->conn;
	struct smb2_async *a;

	if (req->resumed) {
		/* Already async: keep the same id and entry (it is still on the list). */
		a = smb2_async_find(c, true, req->async_id);
		if (!a)
			return STATUS_INTERNAL_ERROR;
		a->on_drop = on_drop;
		req->parked = a;
		return STATUS_PENDING;
	}
	/* A request that would go async in the middle of a compound fails there, as Windows fails
	 * it (smbtorture smb2.compound.interim2: a CHANGE_NOTIFY not last gets INTERNAL_ERROR). */
	if (!req->last)
		return STATUS_INTERNAL_ERROR;
	if (c->npending >= SMB2_MAX_ASYNC_PER_CONN)
		return STATUS_INSUFF_SERVER_RESOURCES;
	a = calloc(1, sizeof(*a));
	if (!a)
		return STATUS_NO_MEMORY;
	a->msg = malloc(req->len);
	if (!a->msg) {
		free(a);
		return STATUS_NO_MEMORY;
	}
	memcpy(a->msg, req->msg, req->len);
	a->len = req->len;
	a->async_id = ++c->next_async_id;
	a->message_id = req->hdr.message_id;
	a->command = req->hdr.command;
	a->session_id = req->hdr.session_id;
	a->tree_id = req->hdr.tree_id;
	a->encrypted = req->enc_sess != NULL;
	a->on_drop = on_drop;
	a->next = c->pending;
	c->pending = a;
	c->npending++;
	req->async_id = a->async_id;
	req->parked = a;
	return STATUS_PENDING;
}

struct smb2_async *smb2_async_find(struct smb2_conn *c, bool by_async_id, uint64_t id)
{
	for (struct smb2_async *a = c->pending; a; a = a->next)
		if (by_async_id ? a->async_id == id : a->message_id == id)
			return a;
	return NULL;
}

static void unlink_entry(struct smb2_conn *c, struct smb2_async *a)
{
	for (struct smb2_async **pp = &c->pending; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			c->npending--;
			return;
		}
}

void smb2_async_drop(struct smb2_conn *c, struct smb2_async *a)
{
	unlink_entry(c, a);
	smb2_replay_pending_drop(c, a);
	if (a->on_drop)
		a->on_drop(c, a);
	free(a->msg);
	free(a);
}

static void wake_task(struct net_conn *nc, void *state, void *arg)
{
	struct smb2_conn *c = state;
	uint64_t id = (uint64_t)(uintptr_t)arg;

	(void)nc;
	if (!c)
		return;   /* the connection is gone; its pending list was freed with it */
	struct smb2_async *a = smb2_async_find(c, true, id);
	if (a)
		smb2_async_rerun(c, a);
}

void smb2_async_wake(struct net_conn *nc, uint64_t async_id)
{
	net_conn_post(nc, wake_task, (void *)(uintptr_t)async_id);
}

void smb2_async_complete_status(struct smb2_conn *c, struct smb2_async *a, NTSTATUS st)
{
	/* This connection's channel and the session's [I] fields: no session lock needed. */
	struct smb2_channel *ch = smb2_channel_find(c, a->session_id);
	struct smb2_session *s = ch && ch->key_valid ? ch->sess : NULL;
	struct wr w;

	wr_init(&w, 128);
	wr_zero(&w, 4);
	struct smb2_hdr h = {
		.status = st,
		.command = a->command,
		.flags = SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND,
		.message_id = a->message_id,
		.async_id = a->async_id,
		.session_id = a->session_id,
	};
	struct smb2_session *enc = a->encrypted && s && s->cipher_keys_valid ? s : NULL;
	bool sign = !enc && s && s->signing_required;
	if (sign)
		h.flags |= SMB2_FLAGS_SIGNED;
	smb2_hdr_encode(&w, &h);
	smb2_error_rsp_encode_empty(&w, 4);
	if (!w.failed && sign) {
		uint8_t sig[16];
		if (smb2_sign_compute(c->sign_alg, ch->signing_key, w.buf + 4, w.len - 4, sig))
			memcpy(w.buf + 4 + SMB2_SIG_OFFSET, sig, 16);
	}
	if (!w.failed)
		smb2_send_response(c, &w, enc);
	wr_free(&w);
}

struct post_status {
	uint64_t async_id;
	NTSTATUS status;
};

static void post_status_task(struct net_conn *nc, void *state, void *arg)
{
	struct smb2_conn *c = state;
	struct post_status *p = arg;

	(void)nc;
	struct smb2_async *a = c ? smb2_async_find(c, true, p->async_id) : NULL;
	if (a) {
		a->on_drop = NULL;   /* whoever posted this already forgot its waiter entry */
		smb2_async_complete_status(c, a, p->status);
		smb2_async_drop(c, a);
	}
	free(p);
	net_conn_unref(nc);
}

void smb2_async_post_status(struct net_conn *nc, uint64_t async_id, NTSTATUS st)
{
	struct post_status *p = malloc(sizeof(*p));
	if (!p)
		return;   /* the request stays parked until its connection goes */
	p->async_id = async_id;
	p->status = st;
	net_conn_ref(nc);
	net_conn_post(nc, post_status_task, p);
}
