/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Oplocks (MS-SMB2 3.3.5.9, 3.3.4.6, 3.3.5.22.1, 3.3.2.1; MS-FSA 2.1.5.1.2, 2.1.4.12): the
 * grants of the server's files, the breaks sent to their holders, the CREATEs that wait for an
 * acknowledgement, and the 35-second break timeout on the transport's timers.
 *
 * struct smb2_oplocks belongs to the server (smb2_server.oplocks). Its mutex `lock` guards the
 * whole table (files, grants, waiters) and smb2_open.oplock/oplock_level. Lock order: a
 * session's lock, then the file's stripe of the VFS open-file table (a CREATE is admitted under
 * it, through vfs_create_args.admit), then `lock`; nothing is taken under it but the transport's own leaf
 * locks (net_conn_send, net_conn_post, the timers) and the persistent-handle store's (a
 * persistent open's caching state is written as it changes, so that a restart restores it).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/net.h"
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/lease.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/oplock_decide.h"
#include "smb2/replay.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "state/pstore.h"
#include "smb2/wire/oplock_break.h"
#include "smb2/wire/types.h"
#include "vfs/vfs.h"

#define OPLOCK_BREAK_TIMEOUT_MS 35000   /* MS-SMB2 3.3.2.1 Oplock Break Acknowledgment Timer */
#define OPLOCK_BUCKETS 256
#define OPLOCK_HOLDERS_ON_STACK 16

struct break_timer;

struct oplock_grant {
	struct oplock_grant *next;
	struct oplock_file *file;
	uint64_t id;
	struct net_conn *nc;          /* referenced: where breaks go, the session's oldest channel
					 (smb2_session_break_channel); the next once it is gone
					 (smb2_oplocks_rehome) */
	/* The open's session: it outlives the grant (its opens, and so their grants, go before
	 * it). Read for the re-homing, and for the keys that seal its breaks when `seal`. */
	struct smb2_session *sess;
	bool seal;                    /* the session or the open's share encrypts (3.3.4.1.4) */
	struct smb2_open *open;       /* NULL until smb2_oplock_attach; then only an identity */
	struct smb2_fileid fid;
	uint8_t level;
	bool breaking;                /* a break to break_to waits for its acknowledgement */
	bool unconfirmed;             /* that break got no acknowledgement (also after its timeout):
					 sent again if its channel is lost */
	uint8_t break_to;
	bool unsent;                  /* a break decided before the open had its FileId */
	struct break_timer *timer;    /* the pending timeout of a break, NULL if none */
	uint64_t timer_id;
	/* A lease grant (level SMB2_OPLOCK_LEVEL_LEASE): the lease its open holds, in the lease
	 * table below; several grants (opens) may share one lease. */
	struct smb2_lease *lease;
	bool data_open;               /* the open reads, writes or deletes (not a stat open) */
	bool dir;                     /* a directory lease (3.x): broken when the entries change */
	/* its open is a disconnected durable open (durable.c): no break can reach the holder,
	 * a CREATE that would break it has it closed instead, unless it is persistent */
	bool disconnected;
	/* its open is persistent (persist.c): each change of its level or lease state is written
	 * to the store; while disconnected it is broken and waited for, never purged */
	bool persistent;
};

struct oplock_waiter {
	struct oplock_waiter *next;
	struct net_conn *nc;          /* referenced */
	uint64_t async_id;            /* 0: its CREATE's connection went, `orphan` is what is left */
	struct smb2_replay_pending *orphan;
};

struct oplock_file {
	struct oplock_file *next;
	struct smb2_oplock_key key;
	struct oplock_grant *grants;
	struct oplock_waiter *waiters;
};

struct smb2_oplocks {
	pthread_mutex_t lock;
	struct oplock_file *buckets[OPLOCK_BUCKETS];
	uint64_t next_grant_id;
	/* MS-SMB2 3.3.1.4 GlobalLeaseTableList; its lock is taken under `lock` only. */
	struct smb2_leases leases;
	/* Read without the lock by the fast paths: no entry at all (a CREATE asking for no oplock
	 * skips the lock), no level II grant (a WRITE has nothing to break). */
	atomic_uint files;
	atomic_uint level2;
	atomic_uint leased;           /* lease grants: a WRITE may have leases to break */
	atomic_uint dir_leased;       /* directory lease grants: a namespace change may break one */
	struct pstore *pstore;        /* set before any client comes (smb2_oplocks_set_store) */
};

/* The argument of a break's timeout: names the grant, which may be gone by then. */
struct break_timer {
	struct smb2_oplocks *ol;
	struct smb2_oplock_key key;
	uint64_t grant_id;
};

struct smb2_oplocks *smb2_oplocks_new(void)
{
	struct smb2_oplocks *ol = calloc(1, sizeof(*ol));

	if (!ol)
		return NULL;
	pthread_mutex_init(&ol->lock, NULL);
	smb2_leases_init(&ol->leases);
	atomic_init(&ol->files, 0);
	atomic_init(&ol->level2, 0);
	atomic_init(&ol->leased, 0);
	atomic_init(&ol->dir_leased, 0);
	return ol;
}

void smb2_oplocks_set_store(struct smb2_oplocks *ol, struct pstore *ps)
{
	ol->pstore = ps;
}

/* After the transport stopped: its connections are gone and so, with their sessions, every
 * open; what is left (nothing, normally) is freed without touching the timers. */
void smb2_oplocks_free(struct smb2_oplocks *ol)
{
	if (!ol)
		return;
	for (unsigned b = 0; b < OPLOCK_BUCKETS; b++)
		while (ol->buckets[b]) {
			struct oplock_file *f = ol->buckets[b];
			ol->buckets[b] = f->next;
			while (f->grants) {
				struct oplock_grant *g = f->grants;
				f->grants = g->next;
				if (g->nc)
					net_conn_unref(g->nc);
				free(g);
			}
			while (f->waiters) {
				struct oplock_waiter *w = f->waiters;
				f->waiters = w->next;
				net_conn_unref(w->nc);
				free(w->orphan);   /* the server stops: its list is not looked at */
				free(w);
			}
			free(f);
		}
	smb2_leases_fini(&ol->leases);
	pthread_mutex_destroy(&ol->lock);
	free(ol);
}

/* A stream is a file of its own for oplocks (smb2.oplock.batch26); its name is hashed into the
 * key (FNV-1a). A collision between two streams of one file costs only a needless break. */
static uint64_t stream_hash(const char *stream)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (!stream)
		return 0;
	for (const unsigned char *p = (const unsigned char *)stream; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return h ? h : 1;
}

static bool key_equal(const struct smb2_oplock_key *a, const struct smb2_oplock_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->stream == b->stream;
}

static unsigned bucket(const struct smb2_oplock_key *k)
{
	return (unsigned)(((k->ino * 0x9E3779B97F4A7C15ull) ^ k->dev ^ k->stream) >> 56) % OPLOCK_BUCKETS;
}

static struct oplock_file *file_find(struct smb2_oplocks *ol, const struct smb2_oplock_key *k,
				     bool create)
{
	unsigned b = bucket(k);

	for (struct oplock_file *f = ol->buckets[b]; f; f = f->next)
		if (key_equal(&f->key, k))
			return f;
	if (!create)
		return NULL;
	struct oplock_file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = *k;
	f->next = ol->buckets[b];
	ol->buckets[b] = f;
	atomic_fetch_add(&ol->files, 1);
	return f;
}

static void file_maybe_free(struct smb2_oplocks *ol, struct oplock_file *f)
{
	if (f->grants || f->waiters)
		return;
	for (struct oplock_file **pp = &ol->buckets[bucket(&f->key)]; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			free(f);
			atomic_fetch_sub(&ol->files, 1);
			return;
		}
}

/* [lock] A persistent open's grant changed: its level, or its lease's state and epoch, go to
 * the store (one fsync, on continuously available shares only). */
static void persist_caching(struct smb2_oplocks *ol, const struct oplock_grant *g)
{
	if (!g->persistent || !g->open || !ol->pstore)
		return;
	const struct smb2_lease *l = g->lease;
	if (!pstore_set_caching(ol->pstore, g->open->persistent_id, g->level,
				l ? l->state : SMB2_LEASE_NONE, l ? l->epoch : 0))
		log_warn("persistent open %llx: its caching state could not be stored",
			 (unsigned long long)g->open->persistent_id);
}

static void set_level(struct smb2_oplocks *ol, struct oplock_grant *g, uint8_t level)
{
	bool changed = g->level != level;

	if (g->level == SMB2_OPLOCK_LEVEL_II)
		atomic_fetch_sub(&ol->level2, 1);
	if (level == SMB2_OPLOCK_LEVEL_II)
		atomic_fetch_add(&ol->level2, 1);
	g->level = level;
	if (g->open)
		g->open->oplock_level = level;
	if (changed)
		persist_caching(ol, g);
}

/* The session whose keys seal the grant's breaks, NULL to send them in clear. */
static struct smb2_session *grant_seal(const struct oplock_grant *g)
{
	return g->seal ? g->sess : NULL;
}

/* MS-SMB2 2.2.23.1, 3.3.4.6: unsolicited, MessageId all ones, never signed; sealed on a session
 * or share that encrypts. */
static void send_break(struct oplock_grant *g, uint8_t level)
{
	struct wr w;

	if (!g->open) {
		g->unsent = true;   /* smb2_oplock_attach sends it */
		return;
	}
	if (!g->nc)
		return;   /* restored at start-up, its client not back yet: nowhere to send it */
	smb2_break_begin(&w, SMB2_OPLOCK_BREAK_SS, grant_seal(g));
	smb2_oplock_break_encode(&w, 4, level, &g->fid);
	smb2_break_send(g->nc, &w, grant_seal(g));
}

/* Wake every CREATE waiting on the file: each runs again and decides afresh. */
static void wake_waiters(struct oplock_file *f)
{
	struct oplock_waiter *w = NULL;

	/* in the order they came (the list is newest first): a CREATE that waited longer runs
	 * first and may take the file before a later one finds it in the way */
	while (f->waiters) {
		struct oplock_waiter *next = f->waiters->next;
		f->waiters->next = w;
		w = f->waiters;
		f->waiters = next;
	}
	while (w) {
		struct oplock_waiter *next = w->next;
		if (w->orphan)
			smb2_replay_pending_end(w->orphan);
		else
			smb2_async_wake(w->nc, w->async_id);
		net_conn_unref(w->nc);
		free(w);
		w = next;
	}
}

static void timer_cancel(struct oplock_grant *g)
{
	/* a restored grant with no connection cannot cancel: its timer finds the grant changed */
	if (g->timer && g->nc && net_timer_cancel(g->nc, g->timer_id))
		free(g->timer);
	/* else it has fired or is firing: it finds the grant no longer breaking and frees itself */
	g->timer = NULL;
	g->timer_id = 0;
}

static void grant_remove(struct smb2_oplocks *ol, struct oplock_grant *g)
{
	struct oplock_file *f = g->file;

	for (struct oplock_grant **pp = &f->grants; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	timer_cancel(g);
	if (g->level == SMB2_OPLOCK_LEVEL_II)
		atomic_fetch_sub(&ol->level2, 1);
	if (g->lease) {
		pthread_mutex_lock(&ol->leases.lock);
		smb2_lease_close(&ol->leases, g->lease);
		pthread_mutex_unlock(&ol->leases.lock);
		atomic_fetch_sub(&ol->leased, 1);
		if (g->dir)
			atomic_fetch_sub(&ol->dir_leased, 1);
	}
	if (g->open)
		g->open->oplock = NULL;
	if (g->nc)
		net_conn_unref(g->nc);
	free(g);
}

/* MS-SMB2 3.3.2.1: a holder that does not acknowledge in time is taken to have accepted the
 * level it was asked for, and the opens waiting on it go on. */
static void break_timeout(void *arg, bool cancelled)
{
	struct break_timer *t = arg;
	struct smb2_oplocks *ol = t->ol;

	if (cancelled) {
		free(t);
		return;
	}
	pthread_mutex_lock(&ol->lock);
	struct oplock_file *f = file_find(ol, &t->key, false);
	struct oplock_grant *g = f ? f->grants : NULL;
	while (g && g->id != t->grant_id)
		g = g->next;
	if (g && g->breaking && g->timer == t) {
		g->timer = NULL;
		g->timer_id = 0;
		g->breaking = false;
		set_level(ol, g, g->break_to);
		wake_waiters(f);
	}
	pthread_mutex_unlock(&ol->lock);
	free(t);
}

/* Ask a batch or exclusive holder to go down to `level`; it has 35 s to acknowledge. */
static void break_exclusive(struct smb2_oplocks *ol, struct oplock_grant *g, uint8_t level,
			    struct net_conn *any)
{
	g->breaking = true;
	g->unconfirmed = true;
	g->break_to = level;
	send_break(g, level);
	struct break_timer *t = malloc(sizeof(*t));
	if (t) {
		*t = (struct break_timer){ .ol = ol, .key = g->file->key, .grant_id = g->id };
		g->timer_id = net_timer_add(any, net_now_ms() + OPLOCK_BREAK_TIMEOUT_MS, break_timeout, t);
		if (g->timer_id)
			g->timer = t;
		else
			free(t);
	}
	if (!g->timer)
		log_warn("oplock break: no timer; an unanswered break will wait for the holder's close");
}

/* Level II to none: no acknowledgement (MS-SMB2 3.3.4.6), the holder has none at once. */
static void break_level2(struct smb2_oplocks *ol, struct oplock_grant *g)
{
	set_level(ol, g, SMB2_OPLOCK_LEVEL_NONE);
	send_break(g, SMB2_OPLOCK_LEVEL_NONE);
}

bool smb2_oplock_orphan(struct smb2_conn *c, struct smb2_async *a, struct smb2_replay_pending *p)
{
	struct smb2_oplocks *ol = c->srv->oplocks;
	bool kept = false;

	pthread_mutex_lock(&ol->lock);
	for (unsigned b = 0; b < OPLOCK_BUCKETS && !kept; b++)
		for (struct oplock_file *f = ol->buckets[b]; f && !kept; f = f->next)
			for (struct oplock_waiter *w = f->waiters; w; w = w->next)
				if (w->nc == c->net && w->async_id == a->async_id && !w->orphan) {
					w->async_id = 0;
					w->orphan = p;
					kept = true;
					break;
				}
	pthread_mutex_unlock(&ol->lock);
	return kept;
}

/* A waiting CREATE that is cancelled or whose connection goes: forget its waiter entry. */
static void waiter_drop(struct smb2_conn *c, struct smb2_async *a)
{
	struct smb2_oplocks *ol = c->srv->oplocks;

	pthread_mutex_lock(&ol->lock);
	for (unsigned b = 0; b < OPLOCK_BUCKETS; b++)
		for (struct oplock_file *f = ol->buckets[b], *fn; f; f = fn) {
			fn = f->next;
			for (struct oplock_waiter **pp = &f->waiters; *pp;) {
				struct oplock_waiter *w = *pp;
				if (w->nc == c->net && w->async_id == a->async_id && !w->orphan) {
					*pp = w->next;
					net_conn_unref(w->nc);
					free(w);
				} else {
					pp = &w->next;
				}
			}
			file_maybe_free(ol, f);
		}
	pthread_mutex_unlock(&ol->lock);
}

/* A grant the admission made for a CREATE that did not finish. */
static void abandon_locked(struct smb2_oplocks *ol, struct smb2_oplock_admission *a)
{
	struct oplock_grant *g = a->grant;

	if (!g)
		return;
	a->grant = NULL;
	struct oplock_file *f = g->file;
	bool was_breaking = g->breaking;
	grant_remove(ol, g);
	if (was_breaking)
		wake_waiters(f);
	file_maybe_free(ol, f);
}

/* ---- Leases: breaks, their timeout, the per-file view ---- */

/* The argument of a lease break's timeout; it holds a reference on the lease. */
struct lease_timer {
	struct smb2_oplocks *ol;
	struct smb2_lease *lease;
	uint64_t id;
};

static struct oplock_file *lease_file(struct smb2_oplocks *ol, const struct smb2_lease *l)
{
	struct smb2_oplock_key k = { l->file.dev, l->file.ino, l->file.stream };
	return file_find(ol, &k, false);
}

/* [lock, leases.lock] The lease's state or epoch changed: its persistent opens' records follow. */
static void lease_persist(struct smb2_oplocks *ol, const struct smb2_lease *l)
{
	if (!ol->pstore)
		return;
	struct oplock_file *f = lease_file(ol, l);
	for (const struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next)
		if (g->lease == l)
			persist_caching(ol, g);
}

/* MS-SMB2 3.3.2.5: a lease break not acknowledged in time leaves the lease with nothing and
 * lets the opens waiting on it go on (smb2.lease.timeout). */
static void lease_timeout(void *arg, bool cancelled)
{
	struct lease_timer *t = arg;
	struct smb2_oplocks *ol = t->ol;

	if (cancelled) {   /* the server stops; the lease table goes with it */
		free(t);
		return;
	}
	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	struct smb2_lease *l = t->lease;
	struct oplock_file *f = NULL;
	if (l->timer == t->id && l->breaking) {
		l->timer = 0;
		l->timer_arg = NULL;
		smb2_lease_break_timeout(l);
		f = lease_file(ol, l);
		lease_persist(ol, l);
	}
	smb2_lease_unref(&ol->leases, l);
	pthread_mutex_unlock(&ol->leases.lock);
	if (f)
		wake_waiters(f);
	pthread_mutex_unlock(&ol->lock);
	free(t);
}

/* [leases.lock] */
static void lease_timer_start(struct smb2_oplocks *ol, struct smb2_lease *l, struct net_conn *any)
{
	struct lease_timer *t = malloc(sizeof(*t));

	if (!t)
		return;
	*t = (struct lease_timer){ .ol = ol, .lease = l };
	smb2_lease_ref(l);
	t->id = net_timer_add(any, net_now_ms() + SMB2_LEASE_BREAK_TIMEOUT_MS, lease_timeout, t);
	if (!t->id) {
		smb2_lease_unref(&ol->leases, l);
		free(t);
		log_warn("lease break: no timer; an unanswered break waits for the holder's close");
		return;
	}
	l->timer = t->id;
	l->timer_arg = t;
}

/* [leases.lock] The break was answered: its timer goes (or, firing, finds itself stopped). */
static void lease_timer_stop(struct smb2_oplocks *ol, struct smb2_lease *l, struct net_conn *any)
{
	struct lease_timer *t = l->timer_arg;

	if (!l->timer)
		return;
	l->timer = 0;
	l->timer_arg = NULL;
	if (t && net_timer_cancel(any, t->id)) {
		smb2_lease_unref(&ol->leases, l);
		free(t);
	}
}

/* [leases.lock] Break lease `l` (held by grant `g`) to `to`: the notification goes to the
 * connection of one of its opens (a connection of its client, MS-SMB2 3.3.4.7). A grant
 * restored at start-up has none until its client reconnects: the break is not sent, and its
 * timeout runs on `any` (the connection that caused it; NULL: none). */
static void lease_break(struct smb2_oplocks *ol, struct oplock_grant *g, struct smb2_lease *l,
			uint32_t to, struct net_conn *any)
{
	struct smb2_lease_break_msg msg;

	if (!smb2_lease_break_start(l, to, &msg))
		return;
	if (g->nc)
		smb2_lease_send_break(g->nc, &msg, grant_seal(g));
	struct net_conn *tc = g->nc ? g->nc : any;
	if (msg.ack_required && tc)
		lease_timer_start(ol, l, tc);
	lease_persist(ol, l);
}

/* Park the request on the file until its holders answer (or time out). */
static NTSTATUS park_on(struct oplock_file *f, struct smb2_req *req)
{
	/* only holders make a request wait, so f is there */
	struct oplock_waiter *w = f ? malloc(sizeof(*w)) : NULL;
	NTSTATUS park = w ? smb2_async_park(req, waiter_drop) : STATUS_NO_MEMORY;

	if (park != STATUS_PENDING) {
		free(w);
		return park;
	}
	net_conn_ref(req->conn->net);
	*w = (struct oplock_waiter){ .next = f->waiters, .nc = req->conn->net,
				     .async_id = req->async_id };
	f->waiters = w;
	return STATUS_PENDING;
}

/* [leases.lock] The key's leases on files other than `here` lose all caching (smb2_lease_match,
 * OTHER_TREE): each is broken to none, without waiting, as Samba does (lease_match). */
static void break_key_elsewhere(struct smb2_oplocks *ol, const uint8_t client_guid[16],
				const uint8_t key[16], const struct smb2_lease_file *here,
				struct net_conn *any)
{
	for (struct smb2_lease *l = smb2_lease_next(&ol->leases, client_guid, key, NULL); l;
	     l = smb2_lease_next(&ol->leases, client_guid, key, l)) {
		if (l->opens == 0 || l->state == SMB2_LEASE_NONE ||
		    (l->file.dev == here->dev && l->file.ino == here->ino &&
		     l->file.stream == here->stream))
			continue;
		struct oplock_file *f = lease_file(ol, l);
		for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next)
			if (g->lease == l) {
				lease_break(ol, g, l, SMB2_LEASE_NONE, any);
				break;
			}
	}
}

/* What the other grants of a file look like to an open under lease `mine` (NULL: none). */
static void others_of(const struct oplock_file *f, const struct smb2_lease *mine,
		      struct smb2_lease_others *o, unsigned *mine_data_opens)
{
	*o = (struct smb2_lease_others){ 0 };
	*mine_data_opens = 0;
	for (const struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next) {
		if (g->lease) {
			if (g->lease == mine) {
				*mine_data_opens += g->data_open;
				continue;
			}
			uint32_t s = g->lease->state;
			if (s != SMB2_LEASE_NONE)
				o->opens = true;
			if (s & SMB2_LEASE_H)
				o->handle_lease = true;
			if (s & SMB2_LEASE_W)
				o->write = true;
		} else if (g->level != SMB2_OPLOCK_LEVEL_NONE) {
			o->opens = true;
			o->oplock = true;
			if (g->level == SMB2_OPLOCK_LEVEL_BATCH || g->level == SMB2_OPLOCK_LEVEL_EXCLUSIVE)
				o->write = true;
		}
	}
}

NTSTATUS smb2_oplock_admit(void *arg, const struct vfs_admission *in)
{
	struct smb2_oplock_admission *a = arg;
	struct smb2_req *req = a->req;
	struct smb2_oplocks *ol = req->conn->srv->oplocks;
	struct oplock_holder stack_holders[OPLOCK_HOLDERS_ON_STACK];
	uint8_t stack_break[OPLOCK_HOLDERS_ON_STACK];
	struct oplock_grant *stack_grants[OPLOCK_HOLDERS_ON_STACK];
	struct oplock_holder *holders = stack_holders;
	uint8_t *break_to = stack_break;
	struct oplock_grant **grants = stack_grants;
	struct oplock_decision d;
	NTSTATUS st;
	/* Directories take v2 leases only, R or RH, where directory leasing was negotiated
	 * (MS-SMB2 3.3.5.9.11; a v1 request gets none, as on Windows). */
	bool want_lease = a->want_lease && (!in->is_dir || (a->lease_req.v2 && a->dir_leasing));
	uint32_t lease_requested = in->is_dir ? smb2_lease_dir_state_valid(a->lease_req.state)
					      : a->lease_req.state;

	a->key = (struct smb2_oplock_key){ in->dev, in->ino, stream_hash(in->stream) };
	a->keyed = true;
	a->level = SMB2_OPLOCK_LEVEL_NONE;
	a->leased = false;
	if (!a->grant && atomic_load(&ol->files) == 0 && !a->want_lease &&
	    (a->requested == SMB2_OPLOCK_LEVEL_NONE || in->verdict != STATUS_SUCCESS))
		return in->verdict;   /* no grants anywhere, none wanted: nothing to decide */

	pthread_mutex_lock(&ol->lock);
	abandon_locked(ol, a);   /* an earlier attempt of this same create */
	pthread_mutex_lock(&ol->leases.lock);
	struct smb2_lease *mine = NULL;
	struct smb2_lease_file lf = { a->key.dev, a->key.ino, a->key.stream };
	bool other_tree = false;
	if (a->want_lease) {
		/* MS-SMB2 3.3.5.9.8: one lease key, one file, a directory included
		 * (smb2.lease.request); the same name in another tree's directory is answered
		 * with no lease (smb2_lease_match, smb2.lease.dynamic_share). */
		switch (smb2_lease_match(&ol->leases, req->conn->client_guid, a->lease_req.key, &lf,
					 &a->lease_name, &mine)) {
		case SMB2_LEASE_MATCH_OTHER_FILE:
			st = STATUS_INVALID_PARAMETER;
			goto out;
		case SMB2_LEASE_MATCH_OTHER_TREE:
			other_tree = true;
			break;
		case SMB2_LEASE_MATCH_OK:
			break;
		}
		if (!want_lease)
			mine = NULL;
	}
	struct oplock_file *f = file_find(ol, &a->key, false);
	size_t n = 0;
	for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next)
		n++;
	if (n > OPLOCK_HOLDERS_ON_STACK) {
		holders = malloc(n * sizeof(*holders));
		break_to = malloc(n);
		grants = malloc(n * sizeof(*grants));
		if (!holders || !break_to || !grants) {
			st = STATUS_NO_MEMORY;
			goto out;
		}
	}
	/* Oplock holders go to the oplock decision; lease holders are judged per lease below. */
	n = 0;
	for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next) {
		if (g->lease)
			continue;
		grants[n] = g;
		holders[n++] = (struct oplock_holder){ .level = g->level, .breaking = g->breaking };
	}
	struct oplock_open_request rq = {
		.access = in->access,
		.disposition = a->disposition,
		.requested = want_lease ? SMB2_OPLOCK_LEVEL_NONE : a->requested,
		.other_opens = in->other_opens,
		.is_dir = in->is_dir,
		.verdict = in->verdict,
	};
	oplock_decide(&rq, holders, n, break_to, &d);
	struct smb2_lease_open_intent intent = {
		.access = in->access,
		.overwrite = oplock_truncates(a->disposition),
		.sharing_violation = in->verdict == STATUS_SHARING_VIOLATION,
		.delete_on_close = a->delete_on_close,
		.first_attempt = !req->resumed,
	};
	bool lease_breaks = in->verdict == STATUS_SUCCESS || in->verdict == STATUS_SHARING_VIOLATION;
	/* MS-SMB2 3.3.5.9: the break of a disconnected durable open cannot be delivered, so the
	 * open is closed (by the CREATE, outside these locks, smb2_durable_purge) and the
	 * admission runs again without it; nothing is broken meanwhile.
	 * A break sent before its holder was disconnected (the client dropped its connection
	 * as the break went out) will not be answered either: such a holder is purged too
	 * rather than waited for. */
	a->npurge = 0;
	for (size_t i = 0; i < n; i++)
		if ((break_to[i] != OPLOCK_KEEP || grants[i]->breaking) && grants[i]->disconnected &&
		    !grants[i]->persistent && grants[i]->open && a->npurge < SMB2_PURGE_MAX)
			a->purge[a->npurge++] = grants[i]->open->persistent_id;
	for (struct oplock_grant *g = f && lease_breaks ? f->grants : NULL; g; g = g->next) {
		if (!g->lease || g->lease == mine || !g->disconnected || g->persistent || !g->open ||
		    a->npurge >= SMB2_PURGE_MAX)
			continue;
		struct smb2_lease_break_need need =
			smb2_lease_break_for_open(&intent, g->lease->state, g->lease->breaking);
		if (need.needed || need.wait)
			a->purge[a->npurge++] = g->open->persistent_id;
	}
	if (a->npurge > 0) {
		st = SMB2_STATUS_PURGE_DURABLE;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (break_to[i] == OPLOCK_KEEP)
			continue;
		if (grants[i]->level == SMB2_OPLOCK_LEVEL_II)
			break_level2(ol, grants[i]);
		else
			break_exclusive(ol, grants[i], break_to[i], req->conn->net);
	}
	/* MS-FSA 2.1.5.17 for the leases of other keys (lease.c decides; smb2.lease.break,
	 * breaking1-6, statopen). */
	bool lease_wait = false;
	if (lease_breaks) {
		for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next) {
			if (!g->lease || g->lease == mine)
				continue;
			struct smb2_lease_break_need need =
				smb2_lease_break_for_open(&intent, g->lease->state, g->lease->breaking);
			if (need.needed)
				lease_break(ol, g, g->lease, need.to, req->conn->net);
			lease_wait |= need.wait;
		}
	}
	st = d.status;
	if (lease_wait && (st == STATUS_SUCCESS || st == STATUS_SHARING_VIOLATION))
		st = STATUS_PENDING;
	if (st == STATUS_PENDING) {
		st = park_on(f, req);
		a->parked_share_conflict = in->verdict == STATUS_SHARING_VIOLATION;
		if (st == STATUS_PENDING)
			goto out;
		/* Cannot wait (not the last message of a compound, or too many waiting): the
		 * breaks are on their way; decide with the holders as they stand. */
		st = in->verdict;
		d.grant = SMB2_OPLOCK_LEVEL_NONE;
	}
	if (st != STATUS_SUCCESS)
		goto out;
	if (other_tree)
		break_key_elsewhere(ol, req->conn->client_guid, a->lease_req.key, &lf, req->conn->net);
	struct smb2_lease_others others;
	unsigned mine_data;
	others_of(f, mine, &others, &mine_data);
	if (in->other_data_opens > mine_data)
		others.opens = true;
	uint8_t level = d.grant;
	if (!want_lease && level != SMB2_OPLOCK_LEVEL_NONE)
		level = smb2_lease_grant_oplock(level, &others) == SMB2_OPLOCK_LEVEL_NONE
				? SMB2_OPLOCK_LEVEL_NONE : level;
	if (!want_lease && level == SMB2_OPLOCK_LEVEL_NONE)
		goto out;
	struct oplock_file *gf = f ? f : file_find(ol, &a->key, true);
	struct oplock_grant *g = gf ? calloc(1, sizeof(*g)) : NULL;
	if (!g) {
		if (gf)
			file_maybe_free(ol, gf);
		goto out;   /* no memory: the open goes on without an oplock or lease */
	}
	if (want_lease) {
		struct smb2_lease *l;
		bool created;
		if (smb2_lease_open(&ol->leases, req->conn->client_guid, &a->lease_req, &lf,
				    &a->lease_name, &l, &created) != STATUS_SUCCESS) {
			free(g);
			file_maybe_free(ol, gf);
			goto out;
		}
		/* The key is on a file elsewhere too: nothing more is granted under it here. */
		uint32_t asked = other_tree ? SMB2_LEASE_NONE : lease_requested;
		if (created)
			smb2_lease_set_initial(l, smb2_lease_grant(asked, &others));
		else if (!other_tree && smb2_lease_upgrade(l, asked, &others))
			lease_persist(ol, l);
		g->lease = l;
		g->data_open = in->data_open;
		g->dir = in->is_dir;
		g->level = SMB2_OPLOCK_LEVEL_LEASE;
		atomic_fetch_add(&ol->leased, 1);
		if (g->dir)
			atomic_fetch_add(&ol->dir_leased, 1);
		smb2_lease_response(l, &a->lease_rsp);
		a->leased = true;
		level = SMB2_OPLOCK_LEVEL_LEASE;
	}
	g->file = gf;
	g->id = ++ol->next_grant_id;
	/* The request's own connection for now (a CREATE may run without the session lock here,
	 * and a break before the attach waits for it anyway); smb2_oplock_attach picks the
	 * session's break channel. */
	g->nc = req->conn->net;
	net_conn_ref(g->nc);
	g->sess = req->sess;
	g->seal = req->sess->cipher_keys_valid &&
		  (req->sess->encrypt_data || (req->tree && req->tree->encrypt_data));
	g->next = gf->grants;
	gf->grants = g;
	if (!g->lease)
		set_level(ol, g, level);
	a->grant = g;
	a->level = level;
out:
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
	if (holders != stack_holders) {
		free(holders);
		free(break_to);
		free(grants);
	}
	return st;
}

uint8_t smb2_oplock_attach(struct smb2_oplock_admission *a, struct smb2_open *op)
{
	struct smb2_oplocks *ol = a->req->conn->srv->oplocks;

	op->okey = a->key;
	op->okey_valid = a->keyed;
	if (!a->grant)
		return SMB2_OPLOCK_LEVEL_NONE;
	pthread_mutex_lock(&ol->lock);
	struct oplock_grant *g = a->grant;
	a->grant = NULL;
	g->open = op;
	g->fid = (struct smb2_fileid){ op->persistent_id, op->volatile_id };
	/* Session lock held again: breaks go to the session's break channel, which a channel's
	 * departure moves (smb2_oplocks_rehome) from now on. */
	struct smb2_channel *to = smb2_session_break_channel(a->req->sess);
	if (to && to->conn->net != g->nc) {
		net_conn_ref(to->conn->net);
		net_conn_unref(g->nc);
		g->nc = to->conn->net;
	}
	op->oplock = g;
	op->oplock_level = g->level;
	/* A break decided between the admission and now goes out behind the CREATE response's
	 * level (what the client is told it got). */
	if (g->unsent) {
		g->unsent = false;
		send_break(g, g->breaking ? g->break_to : SMB2_OPLOCK_LEVEL_NONE);
	}
	pthread_mutex_unlock(&ol->lock);
	return a->level;
}

void smb2_oplock_abandon(struct smb2_oplock_admission *a)
{
	struct smb2_oplocks *ol = a->req->conn->srv->oplocks;

	if (!a->grant)
		return;
	pthread_mutex_lock(&ol->lock);
	abandon_locked(ol, a);
	pthread_mutex_unlock(&ol->lock);
}

void smb2_oplock_release(struct smb2_server *srv, struct smb2_open *op)
{
	struct smb2_oplocks *ol = srv->oplocks;

	if (!op->oplock)
		return;   /* only this open's strand sets it (attach), under its session's lock */
	pthread_mutex_lock(&ol->lock);
	struct oplock_grant *g = op->oplock;
	if (g) {
		struct oplock_file *f = g->file;
		grant_remove(ol, g);
		/* a batch holder that closes instead of acknowledging lifts the conflict */
		wake_waiters(f);
		file_maybe_free(ol, f);
	}
	pthread_mutex_unlock(&ol->lock);
}

void smb2_oplock_break_level2(struct smb2_conn *c, struct smb2_open *op)
{
	struct smb2_oplocks *ol = c->srv->oplocks;

	if (!op->okey_valid || (atomic_load(&ol->level2) == 0 && atomic_load(&ol->leased) == 0))
		return;
	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	struct oplock_file *f = file_find(ol, &op->okey, false);
	const struct smb2_lease *own = op->oplock ? op->oplock->lease : NULL;
	/* Every level II holder, the writer's own open included (smb2.oplock.batch1/levelii500):
	 * its cache is stale now too. Leases of other keys lose R and H (MS-FSA 2.1.4.12; the
	 * writer does not wait for their acks), the writer's own keeps its state
	 * (smb2.lease.nobreakself, complex1). */
	for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next)
		if (g->level == SMB2_OPLOCK_LEVEL_II && !g->breaking)
			break_level2(ol, g);
		else if (g->lease && g->lease != own && g->lease->state != SMB2_LEASE_NONE)
			lease_break(ol, g, g->lease, SMB2_LEASE_NONE, c->net);
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
}

#define REHOME_LEASES_SEEN 64

void smb2_oplocks_rehome(struct smb2_oplocks *ol, const struct smb2_session *s,
			 struct net_conn *gone, struct net_conn *to)
{
	const struct smb2_lease *seen[REHOME_LEASES_SEEN];
	size_t nseen = 0;

	if (atomic_load(&ol->files) == 0)
		return;
	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	for (unsigned b = 0; b < OPLOCK_BUCKETS; b++)
		for (struct oplock_file *f = ol->buckets[b]; f; f = f->next)
			for (struct oplock_grant *g = f->grants; g; g = g->next) {
				if (g->sess != s || g->nc != gone)
					continue;
				net_conn_ref(to);
				net_conn_unref(g->nc);
				g->nc = to;
				/* MS-SMB2 3.3.4.6/3.3.4.7: a break the lost channel may not have
				 * delivered (no acknowledgement came, even if it timed out since)
				 * goes out again on this one, as Samba retries: a lease's once,
				 * whatever number of its opens moved (past the array, maybe twice) */
				if (g->unconfirmed) {
					send_break(g, g->break_to);
					continue;
				}
				struct smb2_lease_break_msg msg;
				if (!g->lease || !smb2_lease_break_again(g->lease, &msg))
					continue;
				bool sent = false;
				for (size_t i = 0; i < nseen && !sent; i++)
					sent = seen[i] == g->lease;
				if (sent)
					continue;
				if (nseen < REHOME_LEASES_SEEN)
					seen[nseen++] = g->lease;
				smb2_lease_send_break(to, &msg, grant_seal(g));
			}
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
}

bool smb2_oplocks_dir_leased(struct smb2_oplocks *ol)
{
	return atomic_load(&ol->dir_leased) != 0;
}

void smb2_oplock_dir_changed(struct smb2_oplocks *ol, const struct smb2_dir_change *c)
{
	if (atomic_load(&ol->dir_leased) == 0)
		return;
	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	for (size_t i = 0; i < c->ndirs && i < 2; i++) {
		const struct smb2_lease_file *d = &c->dirs[i];
		if (i == 1 && d->dev == c->dirs[0].dev && d->ino == c->dirs[0].ino)
			break;   /* a rename within one directory breaks it once */
		struct smb2_oplock_key k = { d->dev, d->ino, d->stream };
		struct oplock_file *f = file_find(ol, &k, false);
		/* The change does not wait for the acknowledgements (Windows lets a create or
		 * delete in a leased directory go on at once; smb2.lease.v2_request). */
		for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next) {
			if (!g->lease || !g->dir)
				continue;
			uint32_t to = smb2_lease_dir_break_to(g->lease, c);
			if (to != g->lease->state)
				lease_break(ol, g, g->lease, to, NULL);
		}
	}
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
}

/* A lease break acknowledgement (MS-SMB2 3.3.5.22.2), found by the connection's ClientGuid and
 * the LeaseKey: it may come on any connection of the client (smb2.lease.v2_complex2). */
static NTSTATUS lease_break_ack(struct smb2_req *req, const struct smb2_oplock_break_req *in)
{
	struct smb2_oplocks *ol = req->conn->srv->oplocks;
	struct smb2_lease_break_msg next;
	bool send_next;

	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	struct smb2_lease *l = smb2_lease_lookup(&ol->leases, req->conn->client_guid, in->lease_key);
	NTSTATUS st = smb2_lease_ack(l, in->lease_state, &next, &send_next);
	struct oplock_file *f = NULL;
	if (st == STATUS_SUCCESS) {
		lease_timer_stop(ol, l, req->conn->net);
		f = lease_file(ol, l);
		lease_persist(ol, l);
		if (send_next) {
			/* where the lease's breaks go (sealed as its opens' session wants), the
			 * acknowledging connection's grant first */
			struct oplock_grant *to = NULL;
			for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next)
				if (g->lease == l && (!to || g->nc == req->conn->net))
					to = g;
			struct net_conn *nc = to && to->nc ? to->nc : req->conn->net;
			smb2_lease_send_break(nc, &next, to ? grant_seal(to) : NULL);
			if (next.ack_required)
				lease_timer_start(ol, l, nc);
		}
	}
	pthread_mutex_unlock(&ol->leases.lock);
	if (f)
		wake_waiters(f);
	pthread_mutex_unlock(&ol->lock);
	if (st != STATUS_SUCCESS)
		return st;
	smb2_lease_break_rsp_encode(req->out, req->hdr_off, 0, in->lease_key, in->lease_state, 0);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_oplock_before_rename(struct smb2_req *req, struct smb2_open *op)
{
	struct smb2_oplocks *ol = req->conn->srv->oplocks;
	NTSTATUS st = STATUS_SUCCESS;
	bool wait = false;

	if (!op->okey_valid || atomic_load(&ol->leased) == 0)
		return STATUS_SUCCESS;
	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	struct oplock_file *f = file_find(ol, &op->okey, false);
	const struct smb2_lease *own = op->oplock ? op->oplock->lease : NULL;
	/* MS-FSA 2.1.5.14.11: other keys' handle caching is broken and the rename waits for it
	 * (smb2.lease.rename_wait, v2_rename); the renamer's own lease stays. */
	for (struct oplock_grant *g = f ? f->grants : NULL; g; g = g->next) {
		/* a disconnected durable open cannot answer: the rename does not wait for it */
		if (!g->lease || g->lease == own || g->disconnected)
			continue;
		if (g->lease->state & SMB2_LEASE_H) {
			lease_break(ol, g, g->lease, g->lease->state & ~SMB2_LEASE_H,
				    req->conn->net);
			wait = true;
		} else if (g->lease->breaking) {
			wait = true;
		}
	}
	pthread_mutex_unlock(&ol->leases.lock);
	if (wait) {
		st = park_on(f, req);
		if (st != STATUS_PENDING)
			st = STATUS_SUCCESS;   /* cannot wait: rename with the breaks on their way */
	}
	pthread_mutex_unlock(&ol->lock);
	return st;
}

/* OPLOCK_BREAK acknowledgement (3.3.5.22.1). */
NTSTATUS smb2_oplock_break(struct smb2_req *req)
{
	struct smb2_oplocks *ol = req->conn->srv->oplocks;
	struct smb2_oplock_break_req in;
	struct smb2_open *op;
	NTSTATUS st;

	st = smb2_oplock_break_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	if (in.lease)
		return lease_break_ack(req, &in);
	st = smb2_req_open(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	pthread_mutex_lock(&ol->lock);
	struct oplock_grant *g = op->oplock;
	if (!g || !g->breaking) {
		st = STATUS_INVALID_OPLOCK_PROTOCOL;
	} else if (in.oplock_level != SMB2_OPLOCK_LEVEL_NONE && in.oplock_level != SMB2_OPLOCK_LEVEL_II) {
		st = STATUS_INVALID_PARAMETER;
	} else if (in.oplock_level == SMB2_OPLOCK_LEVEL_II && g->break_to == SMB2_OPLOCK_LEVEL_NONE) {
		st = STATUS_INVALID_OPLOCK_PROTOCOL;
	} else {
		timer_cancel(g);
		g->breaking = false;
		g->unconfirmed = false;
		set_level(ol, g, in.oplock_level);
		wake_waiters(g->file);
	}
	pthread_mutex_unlock(&ol->lock);
	if (st != STATUS_SUCCESS)
		return st;
	smb2_oplock_break_encode(req->out, req->hdr_off, in.oplock_level, &in.file_id);
	return STATUS_SUCCESS;
}

/* ---- Durable opens (durable.c) ---- */

void smb2_oplock_disconnect(struct smb2_server *srv, struct smb2_open *op)
{
	struct smb2_oplocks *ol = srv->oplocks;

	if (!op->oplock)
		return;
	pthread_mutex_lock(&ol->lock);
	struct oplock_grant *g = op->oplock;
	if (g) {
		g->disconnected = true;
		g->sess = NULL;   /* no channel of a session re-homes it */
		/* A break that went out just before (the CREATE that sent it waits for an answer
		 * that will not come): the waiting CREATEs decide again now, and purge it, rather
		 * than at the break's timeout. */
		bool breaking = g->breaking || g->unsent;
		if (g->lease) {
			pthread_mutex_lock(&ol->leases.lock);
			breaking = breaking || g->lease->breaking;
			pthread_mutex_unlock(&ol->leases.lock);
		}
		if (breaking && !g->persistent)
			wake_waiters(g->file);
	}
	pthread_mutex_unlock(&ol->lock);
}

bool smb2_oplock_holder_gone(struct smb2_server *srv, const struct smb2_open *op)
{
	struct smb2_oplocks *ol = srv->oplocks;

	pthread_mutex_lock(&ol->lock);
	const struct oplock_grant *g = op->oplock;
	bool gone = g && !g->disconnected && net_conn_gone(g->nc);
	pthread_mutex_unlock(&ol->lock);
	return gone;
}

void smb2_oplock_durable_state(struct smb2_server *srv, const struct smb2_open *op,
			       uint8_t *level, uint32_t *lease_state, bool *breaking)
{
	struct smb2_oplocks *ol = srv->oplocks;

	*level = SMB2_OPLOCK_LEVEL_NONE;
	*lease_state = SMB2_LEASE_NONE;
	*breaking = false;
	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	const struct oplock_grant *g = op->oplock;
	if (g) {
		*level = g->level;
		*breaking = g->breaking || g->unsent;
		if (g->lease) {
			*lease_state = g->lease->state;
			*breaking = *breaking || g->lease->breaking;
		}
	}
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
}

bool smb2_oplock_replay_lease(struct smb2_server *srv, const struct smb2_open *op,
			      const uint8_t client_guid[16], const uint8_t *key, bool *key_match,
			      struct smb2_lease_req *rsp)
{
	struct smb2_oplocks *ol = srv->oplocks;

	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	const struct oplock_grant *g = op->oplock;
	const struct smb2_lease *l = g ? g->lease : NULL;
	*key_match = l && key && memcmp(l->client_guid, client_guid, 16) == 0 &&
		     memcmp(l->key, key, 16) == 0;
	if (l)
		smb2_lease_response(l, rsp);
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
	return l != NULL;
}

NTSTATUS smb2_oplock_reconnect(struct smb2_req *req, struct smb2_open *op,
			       const struct smb2_lease_req *lease, bool check_only,
			       struct smb2_lease_req *rsp)
{
	struct smb2_oplocks *ol = req->conn->srv->oplocks;
	NTSTATUS st = STATUS_SUCCESS;

	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	struct oplock_grant *g = op->oplock;
	const struct smb2_lease *l = g ? g->lease : NULL;
	/* MS-SMB2 3.3.5.9.7, 3.3.5.9.12: a leased open is reconnected under its own lease (the
	 * same client and key) only; an open without one refuses a lease. */
	if (!l != !lease)
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	else if (l && (memcmp(l->client_guid, req->conn->client_guid, 16) != 0 ||
		       memcmp(l->key, lease->key, 16) != 0))
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	if (st == STATUS_SUCCESS && !check_only && g) {
		net_conn_ref(req->conn->net);
		if (g->nc)
			net_conn_unref(g->nc);
		g->nc = req->conn->net;
		g->sess = req->sess;
		g->fid = (struct smb2_fileid){ op->persistent_id, op->volatile_id };
		g->disconnected = false;
		if (l && rsp)
			smb2_lease_response(l, rsp);
	}
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
	return st;
}

/* ---- Persistent opens (persist.c) ---- */

void smb2_oplock_set_persistent(struct smb2_server *srv, struct smb2_open *op)
{
	struct smb2_oplocks *ol = srv->oplocks;

	if (!op->oplock)
		return;
	pthread_mutex_lock(&ol->lock);
	if (op->oplock)
		op->oplock->persistent = true;
	pthread_mutex_unlock(&ol->lock);
}

bool smb2_oplock_restore(struct smb2_server *srv, struct smb2_open *op,
			 const struct smb2_oplock_restored *r)
{
	struct smb2_oplocks *ol = srv->oplocks;
	bool ok = true;

	op->okey = r->key;
	op->okey_valid = true;
	if (!r->lease && r->level == SMB2_OPLOCK_LEVEL_NONE)
		return true;
	pthread_mutex_lock(&ol->lock);
	pthread_mutex_lock(&ol->leases.lock);
	struct oplock_file *f = file_find(ol, &r->key, true);
	struct oplock_grant *g = f ? calloc(1, sizeof(*g)) : NULL;
	if (!g) {
		ok = false;
		goto out;
	}
	if (r->lease) {
		struct smb2_lease_req lr = { .v2 = r->v2, .epoch = r->epoch };
		struct smb2_lease_file lf = { r->key.dev, r->key.ino, r->key.stream };
		struct smb2_lease *l;
		bool created;
		memcpy(lr.key, r->lease_key, 16);
		if (smb2_lease_open(&ol->leases, r->client_guid, &lr, &lf, &r->name, &l,
				    &created) != STATUS_SUCCESS) {
			free(g);
			ok = false;
			goto out;
		}
		/* MS-SMB2 3.3.5.9.12: the reconnect is answered with the lease as it was (its
		 * state and Lease.Epoch); a second open under the key finds it restored already */
		if (created) {
			l->state = r->state;
			l->epoch = r->v2 ? r->epoch : 0;
		}
		g->lease = l;
		g->level = SMB2_OPLOCK_LEVEL_LEASE;
		g->data_open = !smb2_lease_is_stat_open(op->access);
		atomic_fetch_add(&ol->leased, 1);
	}
	g->file = f;
	g->id = ++ol->next_grant_id;
	g->open = op;
	g->fid = (struct smb2_fileid){ op->persistent_id, op->volatile_id };
	g->disconnected = true;
	/* no connection (nc) nor session until its client reconnects (smb2_oplock_reconnect) */
	g->next = f->grants;
	f->grants = g;
	op->oplock = g;
	if (!g->lease) {
		g->level = SMB2_OPLOCK_LEVEL_NONE;
		set_level(ol, g, r->level);
	}
	op->oplock_level = g->level;
	g->persistent = true;   /* after the level: the store holds it already */
out:
	if (!ok && f)
		file_maybe_free(ol, f);
	pthread_mutex_unlock(&ol->leases.lock);
	pthread_mutex_unlock(&ol->lock);
	return ok;
}
