/* SPDX-License-Identifier: Apache-2.0 */
/* A session's life, its tree connects and open table, and the session keys (MS-SMB2 3.3.5.5.3).
 * Everything here runs with the session's lock held (see session.h), except smb2_open_release
 * and what a request does once it holds its open (hold_open). */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/durable.h"
#include "smb2/notify.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/pipe.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/change_notify.h"
#include "smb2/wire/negotiate.h"
#include "vfs/vfs.h"

struct smb2_session *smb2_session_new(struct smb2_conn *c)
{
	struct smb2_session *s = smb2_session_alloc(c->srv);
	if (!s)
		return NULL;
	pthread_mutex_lock(&s->lock);
	s->dialect = c->dialect;
	memcpy(s->client_guid, c->client_guid, sizeof(s->client_guid));
	s->sign_alg = c->sign_alg;
	s->cipher = c->cipher;
	memcpy(s->preauth, c->preauth, sizeof(s->preauth));
	if (!smb2_channel_attach(c, s)) {
		smb2_session_unlink(s);
		pthread_mutex_unlock(&s->lock);
		smb2_session_put(s);
		return NULL;
	}
	return s;
}

struct smb2_tree *smb2_tree_find(struct smb2_session *s, uint32_t id)
{
	for (struct smb2_tree *t = s->trees; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

/* Close every open of a tree (or of a whole session when t is NULL). */
static void close_opens(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t)
{
	for (unsigned b = 0; b < SMB2_OPEN_BUCKETS && s->nopens; b++) {
		struct smb2_open *op = s->opens[b], *next;
		for (; op; op = next) {
			next = op->next;
			if (!t || op->tree == t)
				smb2_open_close(c, op, NULL);
		}
	}
}

void smb2_tree_destroy(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t)
{
	close_opens(c, s, t);
	for (struct smb2_tree **pp = &s->trees; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->next = NULL;
	if (t->holders) {
		t->gone = true;   /* a CREATE still has it: it sees `gone` and frees it */
		return;
	}
	vfs_share_put(t->vfs);
	free(t);
}

void smb2_tree_hold(struct smb2_tree *t)
{
	t->holders++;
}

void smb2_tree_unhold(struct smb2_tree *t)
{
	if (--t->holders == 0 && t->gone) {
		vfs_share_put(t->vfs);
		free(t);
	}
}

/* The session goes without its opens being closed by the client (lost connection, LOGOFF, a
 * session reconnect): its durable opens leave it and wait for a reconnect (durable.c). */
static void disconnect_durable(struct smb2_conn *c, struct smb2_session *s)
{
	for (unsigned b = 0; b < SMB2_OPEN_BUCKETS && s->nopens; b++) {
		struct smb2_open *op = s->opens[b], *next;
		for (; op; op = next) {
			next = op->next;
			if (op->durable.granted)
				smb2_durable_disconnect(c, s, op);
		}
	}
}

void smb2_session_logoff(struct smb2_conn *c, struct smb2_session *s)
{
	bool as_user = vfs_become(&s->ident) == STATUS_SUCCESS;
	/* As Windows and Samba: LOGOFF keeps durable opens (smbtorture durable-open.reopen4). */
	disconnect_durable(c, s);
	while (s->trees)
		smb2_tree_destroy(c, s, s->trees);
	close_opens(c, s, NULL);
	if (as_user)
		vfs_become_server();
	if (s->auth) {
		auth_ctx_free(s->auth);
		s->auth = NULL;
	}
	explicit_bzero(s->session_key, sizeof(s->session_key));
	explicit_bzero(s->app_key, sizeof(s->app_key));
	explicit_bzero(s->dec_key, sizeof(s->dec_key));
	s->state = SESSION_LOGGED_OFF;
	/* The channels stay (a tombstone on each connection) until smb2_conn_prune_channels. */
}

void smb2_session_destroy(struct smb2_conn *c, struct smb2_session *s)
{
	/* Closing opens may delete files (delete-on-close): do it as the session's user. */
	bool as_user = s->state == SESSION_VALID && vfs_become(&s->ident) == STATUS_SUCCESS;
	disconnect_durable(c, s);
	while (s->trees)
		smb2_tree_destroy(c, s, s->trees);
	close_opens(c, s, NULL);
	if (as_user)
		vfs_become_server();
	if (s->auth) {
		auth_ctx_free(s->auth);
		s->auth = NULL;
	}
	explicit_bzero(s->session_key, sizeof(s->session_key));
	explicit_bzero(s->app_key, sizeof(s->app_key));
	explicit_bzero(s->dec_key, sizeof(s->dec_key));
	smb2_session_unlink(s);
	/* Other connections' channels of it see it unlinked and are dropped by their own strands;
	 * the keys they may still sign a last answer with go with the last reference. */
	struct smb2_channel *ch = smb2_channel_of(c, s);
	if (ch)
		smb2_channel_detach(c, ch);
}

/*
 * MS-SMB2 3.3.5.5.3: SMB 2.x signs with the session key itself; 3.0/3.0.2 derive with the fixed
 * "SMB2AESCMAC"/"SmbSign" pair, 3.1.1 with "SMBSigningKey" and the preauth hash (the session's
 * for its first channel, the binding's own for another channel).
 */
bool smb2_derive_signing_key(uint16_t dialect, const uint8_t session_key[16],
			     const uint8_t preauth[64], uint8_t out[16])
{
	static const char l30[] = "SMB2AESCMAC", c30[] = "SmbSign";
	static const char l311[] = "SMBSigningKey";

	if (dialect < SMB2_DIALECT_300) {
		memcpy(out, session_key, 16);
		return true;
	}
	if (dialect < SMB2_DIALECT_311)
		return crypto_kdf_sp800_108(session_key, 16, l30, sizeof(l30), c30, sizeof(c30), out,
					    16);
	return crypto_kdf_sp800_108(session_key, 16, l311, sizeof(l311), preauth, 64, out, 16);
}

void smb2_session_derive_keys(struct smb2_conn *c, struct smb2_session *s)
{
	static const char la30[] = "SMB2APP", ca30[] = "SmbRpc";
	static const char la311[] = "SMBAppKey";
	bool ok = smb2_derive_signing_key(c->dialect, s->session_key, s->preauth, s->signing_key);

	if (ok && c->dialect < SMB2_DIALECT_300)
		memcpy(s->app_key, s->session_key, 16);
	else if (ok && c->dialect < SMB2_DIALECT_311)
		ok = crypto_kdf_sp800_108(s->session_key, 16, la30, sizeof(la30), ca30, sizeof(ca30),
					  s->app_key, 16);
	else if (ok)
		ok = crypto_kdf_sp800_108(s->session_key, 16, la311, sizeof(la311), s->preauth, 64,
					  s->app_key, 16);
	if (ok && c->cipher != SMB2_CIPHER_NONE) {
		s->cipher_keys_valid = smb2_derive_cipher_keys(c->dialect, c->cipher, s->session_key, 16,
							       s->preauth, s->enc_key, s->dec_key);
		ok = s->cipher_keys_valid;
	}
	s->keys_valid = ok;
	if (!ok)
		log_err("key derivation failed for session %llu", (unsigned long long)s->id);
}

static unsigned open_bucket(uint64_t volatile_id)
{
	return (unsigned)(volatile_id * 0x9E3779B97F4A7C15ull >> 56) % SMB2_OPEN_BUCKETS;
}

/* The session's first open pins its channels' connections, its last unpins them. */
static void pin_channels(struct smb2_session *s, bool pin)
{
	for (struct smb2_channel *ch = s->channels; ch; ch = ch->sess_next)
		smb2_conn_pin(ch->conn, pin);
}

struct smb2_open *smb2_open_alloc(void)
{
	struct smb2_open *op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	atomic_init(&op->refs, 1);   /* the table's: a session's, or the open table's if detached */
	if (pthread_rwlock_init(&op->io_lock, NULL) != 0) {
		free(op);
		return NULL;
	}
	return op;
}

struct smb2_open *smb2_open_add(struct smb2_conn *c, struct smb2_session *s, struct smb2_tree *t,
				struct vfs_open *vo)
{
	(void)c;
	struct smb2_open *op = smb2_open_alloc();
	if (!op)
		return NULL;
	smb2_open_table_insert(s->srv, op);
	op->vfs = vo;
	smb2_open_attach(s, t, op);
	return op;
}

void smb2_open_attach(struct smb2_session *s, struct smb2_tree *t, struct smb2_open *op)
{
	op->volatile_id = atomic_fetch_add(&s->srv->next_volatile, 1) + 1;
	/* A request that found the open before a durable disconnect may still be checking them
	 * (hold_open) */
	pthread_rwlock_wrlock(&op->io_lock);
	op->sess = s;
	op->tree = t;
	pthread_rwlock_unlock(&op->io_lock);
	unsigned b = open_bucket(op->volatile_id);
	op->next = s->opens[b];
	s->opens[b] = op;
	if (s->nopens++ == 0)
		pin_channels(s, true);
}

void smb2_open_detach(struct smb2_session *s, struct smb2_open *op)
{
	for (struct smb2_open **pp = &s->opens[open_bucket(op->volatile_id)]; *pp; pp = &(*pp)->next)
		if (*pp == op) {
			*pp = op->next;
			break;
		}
	op->next = NULL;
	/* Out of the table, so no new request finds it: wait for those that did (the tree they
	 * use may go next). */
	pthread_rwlock_wrlock(&op->io_lock);
	op->sess = NULL;
	op->tree = NULL;
	pthread_rwlock_unlock(&op->io_lock);
	if (--s->nopens == 0)
		pin_channels(s, false);
}

struct smb2_open *smb2_open_find(struct smb2_session *s, uint64_t persistent, uint64_t volatile_id)
{
	for (struct smb2_open *op = s->opens[open_bucket(volatile_id)]; op; op = op->next)
		if (op->volatile_id == volatile_id && op->persistent_id == persistent)
			return op;
	return NULL;
}

/* Close the file behind an open whose watch and waiting LOCKs are gone: oplock released,
 * watchers told of a deletion, directory leases of other clients than `client_guid`'s (NULL:
 * the server closes a disconnected open) broken. */
static void close_vfs(struct smb2_server *srv, const uint8_t *client_guid, struct smb2_open *op,
		      struct vfs_meta *meta)
{
	/* The last close of a file delete-pending then (made so by this open's FILE_DELETE_ON_CLOSE
	 * too) deletes it: tell the watchers. A directory left delete-pending ends the notifies
	 * waiting on it. */
	bool pending = vfs_open_deletes_on_close(op->vfs) && !vfs_open_is_stream(op->vfs);
	bool deleting = pending && vfs_open_file_opens(op->vfs) == 1;
	char *path = deleting ? strdup(vfs_open_path(op->vfs)) : NULL;
	/* Directory leases: the parent's listing changes with the deletion (delete-on-close from
	 * the CREATE included), or with a written file's size and times, from this close on. */
	char *changed_path = NULL;
	if (smb2_oplocks_dir_leased(srv->oplocks) &&
	    ((vfs_open_deletes_on_close(op->vfs) && vfs_open_file_opens(op->vfs) == 1) ||
	     atomic_load_explicit(&op->written, memory_order_relaxed)))
		changed_path = strdup(vfs_open_path(op->vfs));
	bool is_dir = vfs_open_is_dir(op->vfs), is_stream = vfs_open_is_stream(op->vfs);
	char *written_path = !deleting && atomic_load_explicit(&op->written, memory_order_relaxed) &&
			     smb2_notify_watching(srv) ? strdup(vfs_open_path(op->vfs)) : NULL;
	struct vfs_share *share = vfs_open_share(op->vfs);
	uint64_t dev, ino;
	vfs_open_file_id(op->vfs, &dev, &ino);
	smb2_dirlease_unwatch(op);
	vfs_close(op->vfs, meta);
	if (pending && !deleting && is_dir)
		smb2_notify_delete_pending(srv, dev, ino);
	/* After the close: the CREATEs it wakes must find its share modes gone (smb2.oplock.batch3:
	 * a batch holder that closes on the break lets a conflicting open through). */
	smb2_oplock_release(srv, op);
	if (changed_path)
		smb2_dirlease_entry_changed(srv, client_guid, op, share, changed_path, NULL);
	free(changed_path);
	if (path) {
		smb2_notify_event(srv, share, path, FILE_ACTION_REMOVED,
				  is_dir ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME);
		free(path);
	} else if (written_path) {
		/* As Windows, a file's writes are reported once, when the open that made them
		 * closes (smb2.notify.valid-req: created, written, closed is three changes). The
		 * size is told too: whether a write extended the file is not kept. */
		smb2_notify_event(srv, share, written_path, FILE_ACTION_MODIFIED,
				  is_stream ? FILE_NOTIFY_CHANGE_STREAM_WRITE | FILE_NOTIFY_CHANGE_STREAM_SIZE :
				  FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SIZE);
	}
	free(written_path);
}

void smb2_open_close_detached(struct smb2_server *srv, struct smb2_open *op)
{
	smb2_persist_forget(srv, op);
	smb2_open_table_remove(srv, op);
	close_vfs(srv, NULL, op, NULL);
	if (op->charged)
		smb2_open_uncharge(srv, op->owner);
	free(op->dir_pattern);
	op->dir_pattern = NULL;
	op->vfs = NULL;
	atomic_store(&op->closed, true);
	smb2_open_put(op);   /* the reference the session's table held */
}

void smb2_open_unlink(struct smb2_conn *c, struct smb2_open *op)
{
	struct smb2_session *s = op->sess;

	for (struct smb2_open **pp = &s->opens[open_bucket(op->volatile_id)]; *pp; pp = &(*pp)->next)
		if (*pp == op) {
			*pp = op->next;
			break;
		}
	smb2_persist_forget(s->srv, op);
	smb2_open_table_remove(s->srv, op);   /* first: no lookup finds it half closed */
	/* What was bound to the session: its watch and its waiting LOCKs are answered now, in
	 * the order they were before (a LOCK re-run meanwhile would find the open gone). */
	if (!op->pipe) {
		smb2_notify_release(c, op);
		smb2_lock_release(c, op);
	}
	if (--s->nopens == 0)
		pin_channels(s, false);
}

void smb2_open_release(struct smb2_conn *c, struct smb2_open *op, struct vfs_meta *meta)
{
	/* Requests that found it before (a READ on another channel) finish first; those waiting
	 * for it see it closed. */
	pthread_rwlock_wrlock(&op->io_lock);
	if (op->pipe) {
		smb2_pipe_close(op->pipe);
		if (meta)
			memset(meta, 0, sizeof(*meta));
	} else {
		close_vfs(c->srv, c->client_guid, op, meta);
	}
	if (op->charged)
		smb2_open_uncharge(c->srv, op->owner);
	free(op->dir_pattern);
	op->dir_pattern = NULL;
	op->vfs = NULL;
	op->pipe = NULL;
	atomic_store(&op->closed, true);
	pthread_rwlock_unlock(&op->io_lock);
	smb2_open_put(op);   /* the reference the session's table held */
}

void smb2_open_close(struct smb2_conn *c, struct smb2_open *op, struct vfs_meta *meta)
{
	smb2_open_unlink(c, op);
	smb2_open_release(c, op, meta);
}

/* Which commands let go of the session lock once they hold their open: those whose handler
 * needs nothing else of the session (audited: read_write.c, close.c's FLUSH, query_info.c with
 * ea.c, streams.c and security.c, query_directory.c; set_info.c: the file's state is the VFS's,
 * a rename's wait for lease breaks is parked on the oplock state and looks the open up again
 * when re-run; ioctl.c's FSCTLs on a handle: a pipe's exchange, which took what it needs of
 * the session at its CREATE, and the object id). Not LOCK or CHANGE_NOTIFY: the waiters they
 * register are answered by the CLOSE's unlink under the session lock, which a registration
 * after it would miss. */
static bool runs_without_session_lock(uint16_t cmd)
{
	return cmd == SMB2_READ || cmd == SMB2_WRITE || cmd == SMB2_FLUSH ||
	       cmd == SMB2_QUERY_INFO || cmd == SMB2_QUERY_DIRECTORY || cmd == SMB2_SET_INFO ||
	       cmd == SMB2_IOCTL;
}

/* Hold the open the request names for the rest of it (open.h, "Locking"): CLOSE holds nothing
 * (smb2_open_close waits for the others); READ, WRITE and FLUSH of a file share it; every
 * other command has it to itself. A request that lets go of the session lock does so before
 * it waits for the open, and then checks that the open is still what it found: not closed,
 * not detached from its session (by a CLOSE, LOGOFF or TREE_DISCONNECT on another channel
 * meanwhile, which also answers a request that finds it so FILE_CLOSED). */
static NTSTATUS hold_open(struct smb2_req *req, struct smb2_open *op)
{
	uint16_t cmd = req->hdr.command;
	bool unlock = runs_without_session_lock(cmd) && req->held == req->sess;
	struct smb2_session *s = op->sess;
	struct smb2_tree *t = op->tree;

	if (cmd == SMB2_CLOSE)
		return STATUS_SUCCESS;
	req->io_exclusive = op->pipe || !(cmd == SMB2_READ || cmd == SMB2_WRITE || cmd == SMB2_FLUSH);
	smb2_open_ref(op);
	req->io_open = op;
	if (unlock)
		smb2_req_unlock_session(req);
	if (req->io_exclusive)
		pthread_rwlock_wrlock(&op->io_lock);
	else
		pthread_rwlock_rdlock(&op->io_lock);
	if (smb2_open_closed(op) || op->sess != s || op->tree != t)
		return STATUS_FILE_CLOSED;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_req_open(struct smb2_req *req, uint64_t persistent, uint64_t volatile_id,
		       struct smb2_open **out)
{
	NTSTATUS st = smb2_req_open_any(req, persistent, volatile_id, out);
	if (st == STATUS_SUCCESS && (*out)->pipe)
		return STATUS_INVALID_DEVICE_REQUEST;
	return st;
}

NTSTATUS smb2_req_open_any(struct smb2_req *req, uint64_t persistent, uint64_t volatile_id,
			   struct smb2_open **out)
{
	struct smb2_open *op;

	/* MS-SMB2 3.3.5.2.7.2: in a related compound, all-ones means "the previous open". */
	if (persistent == UINT64_MAX && volatile_id == UINT64_MAX &&
	    (req->hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS)) {
		if (!req->cmp->have_fid)
			return STATUS_FILE_CLOSED;
		persistent = req->cmp->fid_persistent;
		volatile_id = req->cmp->fid_volatile;
	}
	if (req->held_unlocked || req->io_open)
		return STATUS_INTERNAL_ERROR;   /* one open per message (see req.h) */
	op = req->sess ? smb2_open_find(req->sess, persistent, volatile_id) : NULL;
	if (!op || op->tree != req->tree)
		return STATUS_FILE_CLOSED;
	if (req->conn->dialect >= SMB2_DIALECT_300) {
		uint16_t cmd = req->hdr.command;
		NTSTATUS st = smb2_channel_sequence_check(&op->channel_sequence,
							  (uint16_t)req->hdr.status,
							  cmd == SMB2_WRITE || cmd == SMB2_SET_INFO ||
							  cmd == SMB2_IOCTL);
		if (st != STATUS_SUCCESS)
			return st;
	}
	/* The client has seen the CREATE's answer: a replay of it is a new CREATE (3.3.5.9.10's
	 * Open.IsReplayEligible; smbtorture replay6). */
	smb2_open_replay_ineligible(req->conn->srv, op);
	req->cmp->have_fid = true;
	req->cmp->fid_persistent = persistent;
	req->cmp->fid_volatile = volatile_id;
	*out = op;
	return hold_open(req, op);
}

NTSTATUS smb2_req_open_dir(struct smb2_req *req, const struct smb2_fileid *fid, uint32_t out_len,
			   struct smb2_open **out)
{
	NTSTATUS st = smb2_req_open(req, fid->persistent, fid->volatile_, out);
	if (st != STATUS_SUCCESS)
		return st;
	if (!vfs_open_is_dir((*out)->vfs))
		return STATUS_INVALID_PARAMETER;
	if (!((*out)->access & FILE_LIST_DIRECTORY))
		return STATUS_ACCESS_DENIED;
	if (out_len > req->conn->max_trans)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}
