/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's session table (MS-SMB2 3.3.1.5 GlobalSessionTable), session reference counts,
 * the channels that bind sessions to connections (3.3.1.14) and the binding checks (3.3.5.5).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/negotiate.h"

static unsigned session_bucket(uint64_t id)
{
	return (unsigned)(id * 0x9E3779B97F4A7C15ull >> 56) % SMB2_SESSION_BUCKETS;
}

bool smb2_sessions_init(struct smb2_server *srv)
{
	return pthread_mutex_init(&srv->sess_lock, NULL) == 0;
}

void smb2_sessions_fini(struct smb2_server *srv)
{
	/* Every connection has gone, so every session with it: the table is empty. */
	pthread_mutex_destroy(&srv->sess_lock);
}

static struct smb2_session *find_locked(struct smb2_server *srv, uint64_t id)
{
	for (struct smb2_session *s = srv->sess_table[session_bucket(id)]; s; s = s->table_next)
		if (s->id == id)
			return s;
	return NULL;
}

struct smb2_session *smb2_session_alloc(struct smb2_server *srv)
{
	struct smb2_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return NULL;
	}
	atomic_init(&s->refs, 2);   /* the table's and the caller's */
	s->srv = srv;
	s->state = SESSION_IN_PROGRESS;
	s->next_tree_id = 1;
	smb2_nonce_init(&s->nonces);
	pthread_mutex_lock(&srv->sess_lock);
	/* Ids stay below 2^32 (some clients keep them in 32 bits), are never 0 or all-ones in
	 * those bits and never one in use; the counter starts at a random point (smb2_server_new). */
	do
		s->id = atomic_fetch_add(&srv->next_session_id, 1) & 0xFFFFFFFFu;
	while (s->id == 0 || s->id == 0xFFFFFFFFu || find_locked(srv, s->id));
	unsigned b = session_bucket(s->id);
	s->table_next = srv->sess_table[b];
	srv->sess_table[b] = s;
	pthread_mutex_unlock(&srv->sess_lock);
	return s;
}

struct smb2_session *smb2_session_get(struct smb2_server *srv, uint64_t id)
{
	pthread_mutex_lock(&srv->sess_lock);
	struct smb2_session *s = find_locked(srv, id);
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&srv->sess_lock);
	return s;
}

void smb2_session_ref(struct smb2_session *s)
{
	atomic_fetch_add(&s->refs, 1);
}

void smb2_session_put(struct smb2_session *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	/* The last reference: out of the table (the table holds one), no channel, no request. */
	if (s->auth)
		auth_ctx_free(s->auth);
	pthread_mutex_destroy(&s->lock);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void smb2_session_unlink(struct smb2_session *s)
{
	struct smb2_server *srv = s->srv;
	bool was_in = false;

	if (s->unlinked)
		return;
	s->unlinked = true;
	pthread_mutex_lock(&srv->sess_lock);
	for (struct smb2_session **pp = &srv->sess_table[session_bucket(s->id)]; *pp;
	     pp = &(*pp)->table_next)
		if (*pp == s) {
			*pp = s->table_next;
			was_in = true;
			break;
		}
	pthread_mutex_unlock(&srv->sess_lock);
	/* The caller holds a reference too, so this is never the last one. */
	if (was_in)
		atomic_fetch_sub(&s->refs, 1);
}

void smb2_conn_pin(struct smb2_conn *c, bool pin)
{
	pthread_mutex_lock(&c->pin_lock);
	if (pin ? c->pinned_by++ == 0 : --c->pinned_by == 0)
		net_conn_set_pinned(c->net, pin);
	pthread_mutex_unlock(&c->pin_lock);
}

struct smb2_channel *smb2_channel_attach(struct smb2_conn *c, struct smb2_session *s)
{
	if (s->nchannels >= SMB2_MAX_CHANNELS_PER_SESSION)
		return NULL;
	struct smb2_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	smb2_session_ref(s);
	ch->sess = s;
	ch->conn = c;
	ch->sess_next = s->channels;
	s->channels = ch;
	s->nchannels++;
	if (s->nchannels > 1)
		atomic_store_explicit(&s->multichannel, true, memory_order_relaxed);
	ch->conn_next = c->channels;
	c->channels = ch;
	if (s->nopens)
		smb2_conn_pin(c, true);
	return ch;
}

void smb2_channel_detach(struct smb2_conn *c, struct smb2_channel *ch)
{
	struct smb2_session *s = ch->sess;

	for (struct smb2_channel **pp = &s->channels; *pp; pp = &(*pp)->sess_next)
		if (*pp == ch) {
			*pp = ch->sess_next;
			s->nchannels--;
			break;
		}
	for (struct smb2_channel **pp = &c->channels; *pp; pp = &(*pp)->conn_next)
		if (*pp == ch) {
			*pp = ch->conn_next;
			break;
		}
	if (s->nopens)
		smb2_conn_pin(c, false);
	/* MS-SMB2 3.3.4.6: breaks for the session's opens go to another of its channels now. */
	struct smb2_channel *next = s->nopens ? smb2_session_break_channel(s) : NULL;
	if (next)
		smb2_oplocks_rehome(c->srv->oplocks, s, c->net, next->conn->net);
	auth_ctx_free(ch->bind_auth);
	explicit_bzero(ch, sizeof(*ch));
	free(ch);
	/* The channel's reference is never the last: the caller holds the session (its lock and a
	 * reference). So no free path here: if that ever broke, a leak (and this log line) rather
	 * than a use after free in the caller's unlock. */
	if (atomic_fetch_sub(&s->refs, 1) == 1)
		log_err("session %llx: its last reference was a channel's", (unsigned long long)s->id);
}

struct smb2_channel *smb2_session_break_channel(struct smb2_session *s)
{
	struct smb2_channel *oldest = NULL;

	/* the list is newest first: the last working one is the oldest */
	for (struct smb2_channel *ch = s->channels; ch; ch = ch->sess_next)
		if (!ch->binding)
			oldest = ch;
	return oldest;
}

struct smb2_channel *smb2_channel_find(struct smb2_conn *c, uint64_t session_id)
{
	for (struct smb2_channel *ch = c->channels; ch; ch = ch->conn_next)
		if (ch->sess->id == session_id)
			return ch;
	return NULL;
}

struct smb2_channel *smb2_channel_of(struct smb2_conn *c, const struct smb2_session *s)
{
	for (struct smb2_channel *ch = c->channels; ch; ch = ch->conn_next)
		if (ch->sess == s)
			return ch;
	return NULL;
}

/* Detach c's channel of s; end s when it was its last channel. */
static void leave_session(struct smb2_conn *c, struct smb2_channel *ch)
{
	struct smb2_session *s = ch->sess;

	smb2_session_ref(s);
	pthread_mutex_lock(&s->lock);
	if (s->nchannels == 1 && !s->unlinked)
		smb2_session_destroy(c, s);   /* detaches ch too */
	else
		smb2_channel_detach(c, ch);
	pthread_mutex_unlock(&s->lock);
	smb2_session_put(s);
}

void smb2_conn_drop_channels(struct smb2_conn *c)
{
	while (c->channels)
		leave_session(c, c->channels);
}

unsigned smb2_conn_prune_channels(struct smb2_conn *c)
{
	unsigned n = 0, tombstones = 0;

	for (struct smb2_channel *ch = c->channels, *next; ch; ch = next) {
		next = ch->conn_next;
		struct smb2_session *s = ch->sess;
		pthread_mutex_lock(&s->lock);
		bool dead = s->unlinked;
		bool tomb = s->state == SESSION_LOGGED_OFF;
		pthread_mutex_unlock(&s->lock);
		/* The list is newest first: the tombstones past the limit are the oldest. */
		if (dead || (tomb && ++tombstones > SMB2_MAX_TOMBSTONES))
			leave_session(c, ch);
		else
			n++;
	}
	return n;
}

struct smb2_session *smb2_req_session(struct smb2_req *req, uint64_t id)
{
	struct smb2_session *s;

	if (req->held) {
		/* A message runs with one session at most; a second lookup is the same one. */
		if (!req->held_unlocked && req->held->id == id && !req->held->unlinked)
			return req->held;
		smb2_req_release(req);
	}
	s = smb2_session_get(req->conn->srv, id);
	if (!s)
		return NULL;
	pthread_mutex_lock(&s->lock);
	if (s->unlinked) {
		pthread_mutex_unlock(&s->lock);
		smb2_session_put(s);
		return NULL;
	}
	req->held = s;
	req->chan = smb2_channel_of(req->conn, s);
	return s;
}

void smb2_req_release(struct smb2_req *req)
{
	struct smb2_session *s = req->held;
	struct smb2_open *op = req->io_open;

	if (op) {
		req->io_open = NULL;
		pthread_rwlock_unlock(&op->io_lock);
		smb2_open_put(op);
	}
	if (!s)
		return;
	req->held = NULL;
	req->chan = NULL;
	if (!req->held_unlocked)
		pthread_mutex_unlock(&s->lock);
	req->held_unlocked = false;
	smb2_session_put(s);
}

void smb2_req_unlock_session(struct smb2_req *req)
{
	if (!req->held || req->held_unlocked)
		return;
	req->held_unlocked = true;
	pthread_mutex_unlock(&req->held->lock);
}

void smb2_req_relock_session(struct smb2_req *req)
{
	if (!req->held || !req->held_unlocked || req->io_open)
		return;
	pthread_mutex_lock(&req->held->lock);
	req->held_unlocked = false;
}

NTSTATUS smb2_bind_check(const struct smb2_bind_check *in)
{
	if (in->session_id == 0)
		return STATUS_INVALID_PARAMETER;
	if (!in->found)
		return STATUS_USER_SESSION_DELETED;
	/* 3.1.1 signing algorithms: a session signed with GMAC is bound only by GMAC connections,
	 * a GMAC connection binds only GMAC sessions (smbtorture bind_negative_smb3sign*). */
	if (in->sess_sign_alg >= SMB2_SIGN_AES_GMAC && in->conn_sign_alg != in->sess_sign_alg)
		return STATUS_REQUEST_OUT_OF_SEQUENCE;
	if (in->conn_sign_alg >= SMB2_SIGN_AES_GMAC && in->conn_sign_alg != in->sess_sign_alg)
		return STATUS_NOT_SUPPORTED;
	/* 3.3.5.5: binding needs a 3.x connection and multichannel. */
	if (in->conn_dialect < SMB2_DIALECT_300 || !in->multichannel)
		return STATUS_REQUEST_NOT_ACCEPTED;
	/* 3.3.5.5: the request must be signed, on the session's dialect, and (smbtorture
	 * bind_negative_smb3enc*) with its cipher; 3.3.5.2.4: a signature that does not verify with
	 * Session.SigningKey is refused as on any other request. */
	if (!in->signature_ok)
		return in->signed_flag ? STATUS_ACCESS_DENIED : STATUS_INVALID_PARAMETER;
	if (in->conn_dialect != in->sess_dialect)
		return STATUS_INVALID_PARAMETER;
	if (in->conn_cipher != in->sess_cipher)
		return STATUS_INVALID_PARAMETER;
	/* 3.3.5.5: another client's connection (its ClientGuid) may not join the session; as
	 * Windows, the session is not there for it. */
	if (!in->same_client)
		return STATUS_USER_SESSION_DELETED;
	switch (in->state) {
	case SESSION_VALID:
		break;
	case SESSION_IN_PROGRESS:
		return STATUS_REQUEST_NOT_ACCEPTED;
	case SESSION_EXPIRED:
		return STATUS_NETWORK_SESSION_EXPIRED;
	case SESSION_LOGGED_OFF:
		return STATUS_USER_SESSION_DELETED;
	}
	if (in->channel_binding)
		return STATUS_SUCCESS;   /* the next leg of a binding under way */
	if (in->channel_bound)
		return STATUS_REQUEST_NOT_ACCEPTED;
	/* An anonymous or guest session has no key to derive a channel's from. */
	if (in->anonymous_or_guest)
		return STATUS_NOT_SUPPORTED;
	if (in->nchannels >= SMB2_MAX_CHANNELS_PER_SESSION)
		return STATUS_INSUFFICIENT_RESOURCES;
	return STATUS_SUCCESS;
}
