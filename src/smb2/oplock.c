/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Oplocks (MS-SMB2 3.3.5.9.x, 3.3.4.6, 3.3.5.22.1; MS-FSA 2.1.5.17): grants, break notifications,
 * opens that wait for a break acknowledgement, and the 35-second break timeout.
 *
 * One process-wide table, keyed by (dev, ino), holds every grant and every waiting CREATE; its
 * mutex (`table_lock`) guards all of it and smb2_open.oplock. Grants name their connection by a
 * referenced net_conn, so a break can be sent from any strand; waiters are woken by posting to
 * their own strand. Lock order: table_lock is a leaf (net_conn_send takes only the transport's
 * send lock).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "net/net.h"
#include "smb2/smb2.h"
#include "smb2/wire/oplock_break.h"
#include "smb2/wire/types.h"

#define OPLOCK_BREAK_TIMEOUT 35   /* seconds, MS-SMB2 3.3.2.1 Oplock Break Acknowledgment Timer */
#define OPLOCK_BUCKETS 256

struct oplock_grant {
	struct oplock_grant *next;
	struct oplock_file *file;
	struct net_conn *nc;          /* referenced */
	struct smb2_open *open;       /* only dereferenced on nc's strand */
	struct smb2_fileid fid;
	uint8_t level;
	bool breaking;
	uint8_t break_to;
	time_t deadline;
};

struct oplock_waiter {
	struct oplock_waiter *next;
	struct net_conn *nc;          /* referenced */
	uint64_t async_id;
};

struct oplock_file {
	struct oplock_file *next;
	uint64_t dev, ino;
	struct oplock_grant *grants;
	struct oplock_waiter *waiters;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct oplock_file *table[OPLOCK_BUCKETS];
/* Entries in the table; read without the lock so that an open finding it empty (the usual case
 * with clients that ask for no oplocks, or before any exist) skips the path lookup entirely. */
static atomic_uint table_entries;
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static unsigned bucket(uint64_t dev, uint64_t ino)
{
	return (unsigned)((ino * 0x9E3779B97F4A7C15ull ^ dev) >> 56) % OPLOCK_BUCKETS;
}

static struct oplock_file *file_find(uint64_t dev, uint64_t ino, bool create)
{
	unsigned b = bucket(dev, ino);
	for (struct oplock_file *f = table[b]; f; f = f->next)
		if (f->dev == dev && f->ino == ino)
			return f;
	if (!create)
		return NULL;
	struct oplock_file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dev = dev;
	f->ino = ino;
	f->next = table[b];
	table[b] = f;
	atomic_fetch_add(&table_entries, 1);
	return f;
}

static void file_maybe_free(struct oplock_file *f)
{
	if (f->grants || f->waiters)
		return;
	for (struct oplock_file **pp = &table[bucket(f->dev, f->ino)]; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			free(f);
			atomic_fetch_sub(&table_entries, 1);
			return;
		}
}

/* MS-SMB2 2.2.23.1: unsolicited, MessageId all ones, no session, never signed. */
static void send_break(struct oplock_grant *g, uint8_t level)
{
	struct wr w;
	wr_init(&w, 4 + SMB2_HDR_SIZE + SMB2_OPLOCK_BREAK_SS);
	wr_zero(&w, 4);
	struct smb2_hdr h = {
		.command = SMB2_OPLOCK_BREAK,
		.flags = SMB2_FLAGS_SERVER_TO_REDIR,
		.message_id = UINT64_MAX,
	};
	smb2_hdr_encode(&w, &h);
	smb2_oplock_break_encode(&w, 4, level, &g->fid);
	if (w.failed) {
		wr_free(&w);
		return;
	}
	size_t len;
	uint8_t *buf = wr_steal(&w, &len);
	net_conn_send(g->nc, buf, len - 4);
}

/* Wake every CREATE waiting on the file: each re-runs and looks at the grants afresh. */
static void wake_waiters(struct oplock_file *f)
{
	struct oplock_waiter *w = f->waiters;
	f->waiters = NULL;
	while (w) {
		struct oplock_waiter *next = w->next;
		smb2_async_wake(w->nc, w->async_id);
		net_conn_unref(w->nc);
		free(w);
		w = next;
	}
}

static void grant_remove(struct oplock_grant *g)
{
	struct oplock_file *f = g->file;
	for (struct oplock_grant **pp = &f->grants; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	net_conn_unref(g->nc);
	free(g);
}

/* Break timeouts: a holder that does not answer in time loses the oplock (3.3.2.1). */
static void *timer_main(void *arg)
{
	(void)arg;
	for (;;) {
		sleep(1);
		time_t now = time(NULL);
		pthread_mutex_lock(&table_lock);
		for (unsigned b = 0; b < OPLOCK_BUCKETS; b++)
			for (struct oplock_file *f = table[b], *fn; f; f = fn) {
				fn = f->next;
				bool changed = false;
				for (struct oplock_grant *g = f->grants; g; g = g->next)
					if (g->breaking && now >= g->deadline) {
						g->level = g->break_to;
						g->breaking = false;
						changed = true;
					}
				if (changed)
					wake_waiters(f);
			}
		pthread_mutex_unlock(&table_lock);
	}
	return NULL;
}

static void timer_start(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, timer_main, NULL) == 0)
		pthread_detach(t);
	else
		log_err("oplock break timer could not start; unanswered breaks will not time out");
}

/* A waiting CREATE that is cancelled or whose connection goes: forget its waiter entry. */
static void waiter_drop(struct smb2_conn *c, struct smb2_async *a)
{
	pthread_mutex_lock(&table_lock);
	for (unsigned b = 0; b < OPLOCK_BUCKETS; b++)
		for (struct oplock_file *f = table[b], *fn; f; f = fn) {
			fn = f->next;
			for (struct oplock_waiter **pp = &f->waiters; *pp;) {
				struct oplock_waiter *w = *pp;
				if (w->nc == c->net && w->async_id == a->async_id) {
					*pp = w->next;
					net_conn_unref(w->nc);
					free(w);
				} else {
					pp = &w->next;
				}
			}
			file_maybe_free(f);
		}
	pthread_mutex_unlock(&table_lock);
}

/* MS-FSA 2.1.5.17: an open asking only for attributes does not break a batch/exclusive oplock. */
static bool breaks_exclusive(uint32_t access)
{
	return (access & ~(FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE)) != 0;
}

static bool truncates(uint32_t disposition)
{
	return disposition == FILE_SUPERSEDE || disposition == FILE_OVERWRITE ||
	       disposition == FILE_OVERWRITE_IF;
}

NTSTATUS smb2_oplock_before_open(struct smb2_req *req, struct vfs_share *share, const char *path,
				 uint32_t access, uint32_t disposition)
{
	uint64_t dev, ino;
	bool wait = false;
	NTSTATUS st = STATUS_SUCCESS;

	/* A grant made after this check is one the open raced with anyway. */
	if (atomic_load(&table_entries) == 0 || !vfs_lookup_id(share, path, &dev, &ino))
		return STATUS_SUCCESS;   /* no oplocks, or nothing there: nothing to break */
	pthread_mutex_lock(&table_lock);
	struct oplock_file *f = file_find(dev, ino, false);
	if (!f)
		goto out;
	for (struct oplock_grant *g = f->grants, *gn; g; g = gn) {
		gn = g->next;
		if (g->level == SMB2_OPLOCK_LEVEL_BATCH || g->level == SMB2_OPLOCK_LEVEL_EXCLUSIVE) {
			if (!breaks_exclusive(access))
				continue;
			if (!g->breaking) {
				g->breaking = true;
				g->break_to = truncates(disposition) ? SMB2_OPLOCK_LEVEL_NONE
								     : SMB2_OPLOCK_LEVEL_II;
				g->deadline = time(NULL) + OPLOCK_BREAK_TIMEOUT;
				send_break(g, g->break_to);
			}
			wait = true;
		} else if (g->level == SMB2_OPLOCK_LEVEL_II && truncates(disposition)) {
			/* Level II breaks to none need no acknowledgement (3.3.4.6). */
			send_break(g, SMB2_OPLOCK_LEVEL_NONE);
			g->level = SMB2_OPLOCK_LEVEL_NONE;
		}
	}
	if (wait) {
		struct oplock_waiter *w = calloc(1, sizeof(*w));
		if (!w) {
			st = STATUS_NO_MEMORY;
			goto out;
		}
		st = smb2_async_park(req, waiter_drop);
		if (st != STATUS_PENDING) {
			/* Cannot wait (inside a compound, or too many waiting): go on without. */
			free(w);
			st = STATUS_SUCCESS;
			goto out;
		}
		net_conn_ref(req->conn->net);
		w->nc = req->conn->net;
		w->async_id = req->async_id;
		w->next = f->waiters;
		f->waiters = w;
		pthread_once(&timer_once, timer_start);
	}
out:
	pthread_mutex_unlock(&table_lock);
	return st;
}

uint8_t smb2_oplock_grant(struct smb2_req *req, struct smb2_open *op, uint8_t requested)
{
	uint64_t dev, ino;
	uint8_t level;

	if (requested == SMB2_OPLOCK_LEVEL_NONE || requested == SMB2_OPLOCK_LEVEL_LEASE ||
	    vfs_open_is_dir(op->vfs))
		return SMB2_OPLOCK_LEVEL_NONE;   /* leases are not offered (no LEASING capability) */
	vfs_open_file_id(op->vfs, &dev, &ino);

	pthread_mutex_lock(&table_lock);
	struct oplock_file *f = file_find(dev, ino, true);
	if (!f) {
		pthread_mutex_unlock(&table_lock);
		return SMB2_OPLOCK_LEVEL_NONE;
	}
	bool others_exclusive = false;
	for (struct oplock_grant *g = f->grants; g; g = g->next)
		if (g->level == SMB2_OPLOCK_LEVEL_BATCH || g->level == SMB2_OPLOCK_LEVEL_EXCLUSIVE ||
		    g->breaking)
			others_exclusive = true;
	/* The only open of the file gets what it asked for; with other opens around, level II at
	 * most (MS-FSA 2.1.5.17.2). */
	if (vfs_open_file_opens(op->vfs) == 1 && !f->grants)
		level = requested;
	else if (!others_exclusive)
		level = SMB2_OPLOCK_LEVEL_II;
	else
		level = SMB2_OPLOCK_LEVEL_NONE;
	if (level != SMB2_OPLOCK_LEVEL_NONE) {
		struct oplock_grant *g = calloc(1, sizeof(*g));
		if (!g) {
			level = SMB2_OPLOCK_LEVEL_NONE;
		} else {
			g->file = f;
			net_conn_ref(req->conn->net);
			g->nc = req->conn->net;
			g->open = op;
			g->fid = (struct smb2_fileid){ op->persistent_id, op->volatile_id };
			g->level = level;
			g->next = f->grants;
			f->grants = g;
			op->oplock = g;
		}
	}
	file_maybe_free(f);
	pthread_mutex_unlock(&table_lock);
	op->oplock_level = level;
	return level;
}

void smb2_oplock_release(struct smb2_conn *c, struct smb2_open *op)
{
	(void)c;
	pthread_mutex_lock(&table_lock);
	struct oplock_grant *g = op->oplock;
	if (g) {
		struct oplock_file *f = g->file;
		op->oplock = NULL;
		grant_remove(g);
		wake_waiters(f);
		file_maybe_free(f);
	}
	pthread_mutex_unlock(&table_lock);
}

void smb2_oplock_break_level2(struct smb2_conn *c, struct smb2_open *op)
{
	uint64_t dev, ino;

	(void)c;
	vfs_open_file_id(op->vfs, &dev, &ino);
	pthread_mutex_lock(&table_lock);
	struct oplock_file *f = file_find(dev, ino, false);
	if (f) {
		for (struct oplock_grant *g = f->grants, *gn; g; g = gn) {
			gn = g->next;
			if (g->open == op || g->level != SMB2_OPLOCK_LEVEL_II)
				continue;
			send_break(g, SMB2_OPLOCK_LEVEL_NONE);
			g->level = SMB2_OPLOCK_LEVEL_NONE;
		}
	}
	pthread_mutex_unlock(&table_lock);
}

/* OPLOCK_BREAK acknowledgement (3.3.5.22.1). */
NTSTATUS smb2_oplock_break(struct smb2_req *req)
{
	struct smb2_oplock_break_req in;
	struct smb2_open *op;
	NTSTATUS st;

	st = smb2_oplock_break_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	if (in.lease)
		return STATUS_NOT_SUPPORTED;   /* no leases are granted */
	st = smb2_req_open(req, in.file_id.persistent, in.file_id.volatile_, &op);
	if (st != STATUS_SUCCESS)
		return st;
	pthread_mutex_lock(&table_lock);
	struct oplock_grant *g = op->oplock;
	if (!g || !g->breaking) {
		st = STATUS_INVALID_OPLOCK_PROTOCOL;
	} else if (in.oplock_level != SMB2_OPLOCK_LEVEL_NONE && in.oplock_level != SMB2_OPLOCK_LEVEL_II) {
		st = STATUS_INVALID_PARAMETER;
	} else if (in.oplock_level == SMB2_OPLOCK_LEVEL_II && g->break_to == SMB2_OPLOCK_LEVEL_NONE) {
		st = STATUS_INVALID_OPLOCK_PROTOCOL;
	} else {
		struct oplock_file *f = g->file;
		g->breaking = false;
		g->level = in.oplock_level;
		op->oplock_level = in.oplock_level;
		if (g->level == SMB2_OPLOCK_LEVEL_NONE) {
			op->oplock = NULL;
			grant_remove(g);
		}
		wake_waiters(f);
		file_maybe_free(f);
	}
	pthread_mutex_unlock(&table_lock);
	if (st != STATUS_SUCCESS)
		return st;
	smb2_oplock_break_encode(req->out, req->hdr_off, in.oplock_level, &in.file_id);
	return STATUS_SUCCESS;
}
