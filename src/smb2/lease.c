/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leases (MS-SMB2 3.3.1.4, 3.3.4.7, 3.3.5.9.8, 3.3.5.9.11, 3.3.5.22.2; MS-FSA 2.1.5.17): the
 * server's lease table, keyed by ClientGuid + LeaseKey, and the decisions about lease states
 * that CREATE, writes, renames and acknowledgements take. Sending breaks, parking CREATEs and
 * timers belong to the callers; what they need to send comes back as smb2_lease_break_msg.
 *
 * Locking: the table's `lock` guards the buckets and every field of every lease ([L] in
 * lease.h). It is taken after the oplock lock and nothing is taken while it is held.
 */
#include <stdlib.h>
#include <string.h>

#include "core/utf16.h"
#include "smb2/lease.h"
#include "smb2/wire/types.h"
#include "vfs/vfs.h"

/* ---- Pure decisions ---- */

bool smb2_lease_is_stat_open(uint32_t access)
{
	const uint32_t stat_rights =
		FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE;
	return (access & ~stat_rights) == 0;
}

uint32_t smb2_lease_state_valid(uint32_t requested)
{
	requested &= SMB2_LEASE_RHW;
	/* Windows grants nothing for H, W or HW without R (smb2.lease.request). */
	return (requested & SMB2_LEASE_R) ? requested : SMB2_LEASE_NONE;
}

uint32_t smb2_lease_from_oplock(uint8_t level)
{
	switch (level) {
	case SMB2_OPLOCK_LEVEL_II:
		return SMB2_LEASE_R;
	case SMB2_OPLOCK_LEVEL_EXCLUSIVE:
		return SMB2_LEASE_R | SMB2_LEASE_W;
	case SMB2_OPLOCK_LEVEL_BATCH:
		return SMB2_LEASE_RHW;
	default:
		return SMB2_LEASE_NONE;
	}
}

uint8_t smb2_lease_to_oplock(uint32_t state)
{
	if (!(state & SMB2_LEASE_R))
		return SMB2_OPLOCK_LEVEL_NONE;
	if (state & SMB2_LEASE_W)
		return (state & SMB2_LEASE_H) ? SMB2_OPLOCK_LEVEL_BATCH : SMB2_OPLOCK_LEVEL_EXCLUSIVE;
	return SMB2_OPLOCK_LEVEL_II;
}

uint32_t smb2_lease_grant(uint32_t requested, const struct smb2_lease_others *o)
{
	uint32_t g = smb2_lease_state_valid(requested);

	if (o->write)
		return SMB2_LEASE_NONE;
	if (o->opens)
		g &= ~SMB2_LEASE_W;   /* write caching is for a file no one else has open */
	if (o->oplock)
		g &= ~SMB2_LEASE_H;   /* an oplock holder cannot be asked to give handles back */
	return g;
}

uint8_t smb2_lease_grant_oplock(uint8_t requested, const struct smb2_lease_others *o)
{
	uint32_t s = smb2_lease_from_oplock(requested);

	/* Level II cannot stand beside an RH lease (MS-FSA 2.1.5.17.2: only NO_OPLOCK, LEVEL_TWO
	 * and READ_CACHING states take a level II request). */
	if (o->write || o->handle_lease)
		return SMB2_OPLOCK_LEVEL_NONE;
	if (o->opens)
		s &= ~SMB2_LEASE_W;
	return smb2_lease_to_oplock(s);
}

struct smb2_lease_break_need smb2_lease_break_for_open(const struct smb2_lease_open_intent *in,
						       uint32_t state, bool breaking)
{
	struct smb2_lease_break_need n = { 0 };

	if (smb2_lease_is_stat_open(in->access))
		return n;
	uint32_t delay_mask = in->sharing_violation ? SMB2_LEASE_H : SMB2_LEASE_W;
	if (in->delete_on_close && !in->sharing_violation)
		delay_mask |= SMB2_LEASE_H;
	uint32_t to = state & ~delay_mask;
	/* An open that conflicts cannot overwrite: only its H break matters then. */
	if (in->overwrite && !in->sharing_violation)
		to &= ~(SMB2_LEASE_R | SMB2_LEASE_H);
	if ((state & ~to) == 0) {
		/* Nothing to take away, but a break in flight is waited out (MS-FSA: an open on a
		 * stream whose oplock is breaking waits for the break to finish). */
		n.wait = breaking;
		return n;
	}
	n.needed = true;
	n.to = to;
	n.wait = (state & delay_mask) != 0 || (breaking && !in->first_attempt);
	return n;
}

/* ---- Directory leases ---- */

uint32_t smb2_lease_dir_state_valid(uint32_t requested)
{
	return smb2_lease_state_valid(requested) & ~SMB2_LEASE_W;
}

uint32_t smb2_lease_dir_break_to(const struct smb2_lease *l, const struct smb2_dir_change *c)
{
	bool on_changed_dir = false;

	for (size_t i = 0; i < c->ndirs && i < 2; i++)
		if (l->file.dev == c->dirs[i].dev && l->file.ino == c->dirs[i].ino &&
		    l->file.stream == c->dirs[i].stream)
			on_changed_dir = true;
	if (!on_changed_dir || l->state == SMB2_LEASE_NONE)
		return l->state;
	if (c->has_parent_key && c->client_guid && memcmp(c->client_guid, l->client_guid, 16) == 0 &&
	    memcmp(c->parent_key, l->key, 16) == 0)
		return l->state;
	return SMB2_LEASE_NONE;
}

/* ---- State changes of one lease ---- */

bool smb2_lease_upgrade(struct smb2_lease *l, uint32_t requested,
			const struct smb2_lease_others *o)
{
	uint32_t want = smb2_lease_state_valid(requested);

	if (l->breaking)
		return false;
	if ((want & l->state) != l->state || want == l->state)
		return false;   /* not a strict superset: the lease stays (smb2.lease.upgrade2) */
	if (smb2_lease_grant(want, o) != want)
		return false;   /* all of it or nothing (smb2.lease.upgrade3) */
	l->state = want;
	l->epoch++;
	return true;
}

static void msg_fill(struct smb2_lease *l, uint32_t from, uint32_t to, bool ack,
		     struct smb2_lease_break_msg *msg)
{
	memcpy(msg->key, l->key, sizeof(msg->key));
	memcpy(msg->client_guid, l->client_guid, sizeof(msg->client_guid));
	msg->from = from;
	msg->to = to;
	msg->epoch = l->v2 ? l->epoch : 0;
	msg->ack_required = ack;
	l->unconfirmed = ack;
	l->unconfirmed_from = from;
	l->unconfirmed_to = to;
	l->unconfirmed_epoch = msg->epoch;
}

/* MS-SMB2 3.3.4.7: a lease caching writes or handles must acknowledge its break; one caching
 * only reads loses it at once. */
static bool needs_ack(uint32_t from)
{
	return (from & (SMB2_LEASE_W | SMB2_LEASE_H)) != 0;
}

bool smb2_lease_break_start(struct smb2_lease *l, uint32_t to, struct smb2_lease_break_msg *msg)
{
	if (l->breaking) {
		l->break_required &= to;
		return false;
	}
	to &= l->state;
	if (to == l->state)
		return false;
	l->epoch++;
	bool ack = needs_ack(l->state);
	msg_fill(l, l->state, to, ack, msg);
	if (ack) {
		l->breaking = true;
		l->break_to = to;
		l->break_required = to;
	} else {
		l->state = to;
	}
	return true;
}

bool smb2_lease_break_again(const struct smb2_lease *l, struct smb2_lease_break_msg *msg)
{
	if (!l->unconfirmed)
		return false;
	memcpy(msg->key, l->key, sizeof(msg->key));
	memcpy(msg->client_guid, l->client_guid, sizeof(msg->client_guid));
	msg->from = l->unconfirmed_from;
	msg->to = l->unconfirmed_to;
	msg->epoch = l->unconfirmed_epoch;
	msg->ack_required = true;
	return true;
}

NTSTATUS smb2_lease_ack(struct smb2_lease *l, uint32_t acked, struct smb2_lease_break_msg *next,
			bool *send_next)
{
	*send_next = false;
	if (!l)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (!l->breaking)
		return STATUS_UNSUCCESSFUL;
	if (acked & ~l->break_to)
		return STATUS_REQUEST_NOT_ACCEPTED;
	l->state = acked;
	l->breaking = false;
	l->unconfirmed = false;
	if ((acked & ~l->break_required) == 0)
		return STATUS_SUCCESS;
	/* Conflicts that came during the break need more: break again, H before R
	 * (smb2.lease.breaking3: RH is broken to R, then R to none). */
	uint32_t to = l->break_required;
	if (acked & SMB2_LEASE_H)
		to |= acked & SMB2_LEASE_R;
	bool ack = needs_ack(acked);
	msg_fill(l, acked, to, ack, next);
	if (ack) {
		l->breaking = true;
		l->break_to = to;
	} else {
		l->state = to;
	}
	*send_next = true;
	return STATUS_SUCCESS;
}

void smb2_lease_break_timeout(struct smb2_lease *l)
{
	if (!l->breaking)
		return;
	l->state = SMB2_LEASE_NONE;
	l->breaking = false;
}

void smb2_lease_response(const struct smb2_lease *l, struct smb2_lease_req *rsp)
{
	memset(rsp, 0, sizeof(*rsp));
	rsp->v2 = l->v2;
	memcpy(rsp->key, l->key, sizeof(rsp->key));
	rsp->state = l->state;
	if (l->breaking)
		rsp->flags |= SMB2_LEASE_FLAG_BREAK_IN_PROGRESS;
	if (l->v2) {
		rsp->epoch = l->epoch;
		if (l->has_parent) {
			rsp->flags |= SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET;
			memcpy(rsp->parent_key, l->parent_key, sizeof(rsp->parent_key));
		}
	}
}

/* ---- The table ---- */

static unsigned bucket_of(const uint8_t guid[16], const uint8_t key[16])
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a over both */
	for (int i = 0; i < 16; i++)
		h = (h ^ guid[i]) * 0x100000001b3ull;
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	return (unsigned)(h % SMB2_LEASE_BUCKETS);
}

void smb2_leases_init(struct smb2_leases *t)
{
	memset(t->buckets, 0, sizeof(t->buckets));
	t->count = 0;
	pthread_mutex_init(&t->lock, NULL);
}

void smb2_leases_fini(struct smb2_leases *t)
{
	for (unsigned b = 0; b < SMB2_LEASE_BUCKETS; b++) {
		struct smb2_lease *l = t->buckets[b];
		while (l) {
			struct smb2_lease *next = l->next;
			free(l->share_path);
			free(l);
			l = next;
		}
		t->buckets[b] = NULL;
	}
	t->count = 0;
	pthread_mutex_destroy(&t->lock);
}

static bool same_key(const struct smb2_lease *l, const uint8_t client_guid[16],
		     const uint8_t key[16])
{
	return memcmp(l->client_guid, client_guid, 16) == 0 && memcmp(l->key, key, 16) == 0;
}

struct smb2_lease *smb2_lease_next(struct smb2_leases *t, const uint8_t client_guid[16],
				   const uint8_t key[16], struct smb2_lease *prev)
{
	struct smb2_lease *l = prev ? prev->next : t->buckets[bucket_of(client_guid, key)];

	for (; l; l = l->next)
		if (same_key(l, client_guid, key))
			return l;
	return NULL;
}

struct smb2_lease *smb2_lease_lookup(struct smb2_leases *t, const uint8_t client_guid[16],
				     const uint8_t key[16])
{
	struct smb2_lease *first = NULL;

	/* With the key on several files, an acknowledgement is for the one breaking. */
	for (struct smb2_lease *l = smb2_lease_next(t, client_guid, key, NULL); l;
	     l = smb2_lease_next(t, client_guid, key, l)) {
		if (l->breaking)
			return l;
		if (!first || (first->opens == 0 && l->opens > 0))
			first = l;
	}
	return first;
}

static bool same_file(const struct smb2_lease_file *a, const struct smb2_lease_file *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->stream == b->stream;
}

enum smb2_lease_match smb2_lease_match(struct smb2_leases *t, const uint8_t client_guid[16],
				       const uint8_t key[16], const struct smb2_lease_file *file,
				       const struct smb2_lease_name *name, struct smb2_lease **mine)
{
	enum smb2_lease_match m = SMB2_LEASE_MATCH_OK;

	*mine = NULL;
	for (struct smb2_lease *l = smb2_lease_next(t, client_guid, key, NULL); l;
	     l = smb2_lease_next(t, client_guid, key, l)) {
		if (l->opens == 0)
			continue;   /* only a timer holds it: the key is free */
		if (same_file(&l->file, file)) {
			*mine = l;
			continue;
		}
		if (strcmp(l->share_path, name->share_path) != 0 &&
		    utf8_casecmp(l->name, name->name) == 0)
			m = SMB2_LEASE_MATCH_OTHER_TREE;
		else
			return SMB2_LEASE_MATCH_OTHER_FILE;   /* one key, one file */
	}
	return m;
}

static bool set_name(struct smb2_lease *l, const struct smb2_lease_name *name)
{
	size_t a = strlen(name->share_path) + 1, b = strlen(name->name) + 1;
	char *buf = malloc(a + b);

	if (!buf)
		return false;
	memcpy(buf, name->share_path, a);
	memcpy(buf + a, name->name, b);
	free(l->share_path);
	l->share_path = buf;
	l->name = buf + a;
	return true;
}

NTSTATUS smb2_lease_open(struct smb2_leases *t, const uint8_t client_guid[16],
			 const struct smb2_lease_req *req, const struct smb2_lease_file *file,
			 const struct smb2_lease_name *name, struct smb2_lease **out,
			 bool *created)
{
	struct smb2_lease *l, *idle = NULL;

	*created = false;
	for (l = smb2_lease_next(t, client_guid, req->key, NULL); l;
	     l = smb2_lease_next(t, client_guid, req->key, l)) {
		if (same_file(&l->file, file))
			break;
		if (l->opens == 0 && !idle)
			idle = l;
	}
	if (!l && idle) {
		/* Only a timer still holds it: the key is free for another file. */
		if (!set_name(idle, name))
			return STATUS_INSUFFICIENT_RESOURCES;
		l = idle;
		l->file = *file;
		l->state = SMB2_LEASE_NONE;
		l->breaking = false;
		l->timer = 0;
		l->timer_arg = NULL;
	}
	if (l) {
		l->opens++;
		*out = l;
		return STATUS_SUCCESS;
	}
	l = calloc(1, sizeof(*l));
	if (!l || !set_name(l, name)) {
		free(l);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	memcpy(l->client_guid, client_guid, 16);
	memcpy(l->key, req->key, 16);
	l->v2 = req->v2;
	if (req->v2 && (req->flags & SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET)) {
		l->has_parent = true;
		memcpy(l->parent_key, req->parent_key, 16);
	}
	l->file = *file;
	l->epoch = req->v2 ? req->epoch : 0;
	l->opens = 1;
	unsigned b = bucket_of(client_guid, req->key);
	l->next = t->buckets[b];
	t->buckets[b] = l;
	t->count++;
	*out = l;
	*created = true;
	return STATUS_SUCCESS;
}

void smb2_lease_set_initial(struct smb2_lease *l, uint32_t state)
{
	l->state = state;
	if (state != SMB2_LEASE_NONE)
		l->epoch++;
}

static bool maybe_free(struct smb2_leases *t, struct smb2_lease *l)
{
	if (l->opens > 0 || l->refs > 0)
		return false;
	for (struct smb2_lease **pp = &t->buckets[bucket_of(l->client_guid, l->key)]; *pp;
	     pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			t->count--;
			free(l->share_path);
			free(l);
			return true;
		}
	return false;
}

bool smb2_lease_close(struct smb2_leases *t, struct smb2_lease *l)
{
	if (l->opens > 0)
		l->opens--;
	if (l->opens == 0) {
		l->state = SMB2_LEASE_NONE;
		l->breaking = false;
		l->timer = 0;   /* a timer still holding it finds it stopped */
		l->timer_arg = NULL;
	}
	return maybe_free(t, l);
}

void smb2_lease_ref(struct smb2_lease *l)
{
	l->refs++;
}

bool smb2_lease_unref(struct smb2_leases *t, struct smb2_lease *l)
{
	if (l->refs > 0)
		l->refs--;
	return maybe_free(t, l);
}
