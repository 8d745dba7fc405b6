/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's open table (MS-SMB2 3.3.1.5 GlobalOpenTable): every open of every session, found
 * by its persistent id (Open.DurableFileId), which is allocated here and independent of the
 * volatile id the session's own table uses (Open.FileId). What needs an open regardless of the
 * session that made it finds it here: a durable reconnect, a lease break to another session, a
 * break timeout. Opens are reference counted: the session's table holds the reference made with
 * the open, each lookup here takes one more; the open is freed at the last put, so a holder may
 * look at an open its session closed meanwhile (smb2_open_closed() tells).
 *
 * A second index finds an open by its (ClientGuid, CreateGuid) for a CREATE's replay (MS-SMB2
 * 3.3.5.9.10): the opens a DH2Q CREATE made that are still replay-eligible, chained through
 * smb2_open.guid_next in as many buckets.
 *
 * Locking: `open_lock` guards the buckets and the chains through smb2_open.global_next and
 * guid_next; it is a leaf (nothing is called while it is held).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "smb2/open.h"
#include "smb2/server.h"

#define OPEN_TABLE_MIN_BUCKETS 256

static size_t bucket_of(uint64_t persistent, size_t nbuckets)
{
	return (size_t)((persistent * 0x9E3779B97F4A7C15ull) >> 32) & (nbuckets - 1);
}

/* CreateGuids are random (a client's choice): a few of their bytes mixed with the client's. */
static size_t guid_bucket_of(const uint8_t client_guid[16], const uint8_t create_guid[16],
			     size_t nbuckets)
{
	uint64_t a, b;

	memcpy(&a, create_guid, 8);
	memcpy(&b, client_guid, 8);
	return bucket_of(a ^ (b * 0xBF58476D1CE4E5B9ull), nbuckets);
}

bool smb2_open_table_init(struct smb2_server *srv)
{
	uint64_t first;

	srv->open_buckets = calloc(OPEN_TABLE_MIN_BUCKETS, sizeof(*srv->open_buckets));
	srv->guid_buckets = calloc(OPEN_TABLE_MIN_BUCKETS, sizeof(*srv->guid_buckets));
	srv->replay_pending = NULL;
	if (!srv->open_buckets || !srv->guid_buckets) {
		free(srv->open_buckets);
		free(srv->guid_buckets);
		srv->open_buckets = srv->guid_buckets = NULL;
		return false;
	}
	/* A random start: persistent ids of one server run are not guessable from volatile ids
	 * or from an earlier run's (durable handles must not resolve across restarts by luck). */
	if (!crypto_random(&first, sizeof(first))) {
		free(srv->open_buckets);
		free(srv->guid_buckets);
		srv->open_buckets = srv->guid_buckets = NULL;
		return false;
	}
	srv->n_open_buckets = OPEN_TABLE_MIN_BUCKETS;
	srv->nopens_global = 0;
	atomic_init(&srv->next_persistent, first);
	pthread_mutex_init(&srv->open_lock, NULL);
	return true;
}

void smb2_open_table_fini(struct smb2_server *srv)
{
	if (!srv->open_buckets)
		return;
	/* Sessions close their opens before the server goes; nothing is left to free here. */
	free(srv->open_buckets);
	free(srv->guid_buckets);
	srv->open_buckets = srv->guid_buckets = NULL;
	pthread_mutex_destroy(&srv->open_lock);
}

/* Double the buckets when the table holds more opens than buckets; a failed grow keeps the
 * old size (chains only get longer). */
static void grow(struct smb2_server *srv)
{
	size_t n = srv->n_open_buckets * 2;
	struct smb2_open **b = calloc(n, sizeof(*b));
	struct smb2_open **g = calloc(n, sizeof(*g));

	if (!b || !g) {
		free(b);
		free(g);
		return;
	}
	for (size_t i = 0; i < srv->n_open_buckets; i++)
		for (struct smb2_open *op = srv->guid_buckets[i], *next; op; op = next) {
			next = op->guid_next;
			size_t k = guid_bucket_of(op->client_guid, op->durable.create_guid, n);
			op->guid_next = g[k];
			g[k] = op;
		}
	free(srv->guid_buckets);
	srv->guid_buckets = g;
	for (size_t i = 0; i < srv->n_open_buckets; i++)
		for (struct smb2_open *op = srv->open_buckets[i], *next; op; op = next) {
			next = op->global_next;
			size_t k = bucket_of(op->persistent_id, n);
			op->global_next = b[k];
			b[k] = op;
		}
	free(srv->open_buckets);
	srv->open_buckets = b;
	srv->n_open_buckets = n;
}

static struct smb2_open *find_locked(struct smb2_server *srv, uint64_t persistent)
{
	for (struct smb2_open *op = srv->open_buckets[bucket_of(persistent, srv->n_open_buckets)]; op;
	     op = op->global_next)
		if (op->persistent_id == persistent)
			return op;
	return NULL;
}

/* Put `op` in its bucket by its persistent id (open_lock held). */
static void link_locked(struct smb2_server *srv, struct smb2_open *op)
{
	if (srv->nopens_global >= srv->n_open_buckets)
		grow(srv);
	size_t k = bucket_of(op->persistent_id, srv->n_open_buckets);
	op->global_next = srv->open_buckets[k];
	srv->open_buckets[k] = op;
	srv->nopens_global++;
}

void smb2_open_table_insert(struct smb2_server *srv, struct smb2_open *op)
{
	pthread_mutex_lock(&srv->open_lock);
	/* 0 and all-ones are never ids (all-ones is the compound's "previous open"); a 64-bit
	 * counter does not come round to a live id, but the check costs nothing. */
	do
		op->persistent_id = atomic_fetch_add(&srv->next_persistent, 1);
	while (op->persistent_id == 0 || op->persistent_id == UINT64_MAX ||
	       find_locked(srv, op->persistent_id));
	link_locked(srv, op);
	pthread_mutex_unlock(&srv->open_lock);
}

bool smb2_open_table_insert_id(struct smb2_server *srv, struct smb2_open *op)
{
	pthread_mutex_lock(&srv->open_lock);
	bool taken = op->persistent_id == 0 || op->persistent_id == UINT64_MAX ||
		     find_locked(srv, op->persistent_id);
	if (!taken)
		link_locked(srv, op);
	pthread_mutex_unlock(&srv->open_lock);
	return !taken;
}

static void guid_unindex_locked(struct smb2_server *srv, struct smb2_open *op)
{
	if (!op->guid_indexed)
		return;
	size_t k = guid_bucket_of(op->client_guid, op->durable.create_guid, srv->n_open_buckets);
	for (struct smb2_open **pp = &srv->guid_buckets[k]; *pp; pp = &(*pp)->guid_next)
		if (*pp == op) {
			*pp = op->guid_next;
			break;
		}
	op->guid_next = NULL;
	op->guid_indexed = false;
	atomic_store(&op->replay_eligible, false);
}

void smb2_open_guid_index(struct smb2_server *srv, struct smb2_open *op)
{
	pthread_mutex_lock(&srv->open_lock);
	if (!op->guid_indexed) {
		size_t k = guid_bucket_of(op->client_guid, op->durable.create_guid,
					  srv->n_open_buckets);
		op->guid_next = srv->guid_buckets[k];
		srv->guid_buckets[k] = op;
		op->guid_indexed = true;
		atomic_store(&op->replay_eligible, true);
	}
	pthread_mutex_unlock(&srv->open_lock);
}

struct smb2_open *smb2_open_find_guid_locked(struct smb2_server *srv, const uint8_t client_guid[16],
					     const uint8_t create_guid[16])
{
	size_t k = guid_bucket_of(client_guid, create_guid, srv->n_open_buckets);

	for (struct smb2_open *op = srv->guid_buckets[k]; op; op = op->guid_next)
		if (memcmp(op->durable.create_guid, create_guid, 16) == 0 &&
		    memcmp(op->client_guid, client_guid, 16) == 0)
			return op;
	return NULL;
}

void smb2_open_replay_ineligible(struct smb2_server *srv, struct smb2_open *op)
{
	if (!atomic_load(&op->replay_eligible))
		return;
	pthread_mutex_lock(&srv->open_lock);
	guid_unindex_locked(srv, op);
	pthread_mutex_unlock(&srv->open_lock);
}

void smb2_open_table_remove(struct smb2_server *srv, struct smb2_open *op)
{
	pthread_mutex_lock(&srv->open_lock);
	guid_unindex_locked(srv, op);
	for (struct smb2_open **pp = &srv->open_buckets[bucket_of(op->persistent_id, srv->n_open_buckets)];
	     *pp; pp = &(*pp)->global_next)
		if (*pp == op) {
			*pp = op->global_next;
			op->global_next = NULL;
			srv->nopens_global--;
			break;
		}
	pthread_mutex_unlock(&srv->open_lock);
}

struct smb2_open *smb2_open_lookup(struct smb2_server *srv, uint64_t persistent)
{
	pthread_mutex_lock(&srv->open_lock);
	struct smb2_open *op = find_locked(srv, persistent);
	if (op)
		smb2_open_ref(op);
	pthread_mutex_unlock(&srv->open_lock);
	return op;
}

void smb2_open_table_lock(struct smb2_server *srv)
{
	pthread_mutex_lock(&srv->open_lock);
}

void smb2_open_table_unlock(struct smb2_server *srv)
{
	pthread_mutex_unlock(&srv->open_lock);
}

struct smb2_open *smb2_open_find_locked(struct smb2_server *srv, uint64_t persistent)
{
	return find_locked(srv, persistent);
}

struct smb2_open *smb2_open_find_disconnected_locked(struct smb2_server *srv)
{
	for (size_t i = 0; i < srv->n_open_buckets; i++)
		for (struct smb2_open *op = srv->open_buckets[i]; op; op = op->global_next)
			if (op->durable.disconnected && !op->durable.claimed)
				return op;
	return NULL;
}

struct smb2_open *smb2_open_find_persistent_guid_locked(struct smb2_server *srv,
							 const uint8_t create_guid[16])
{
	for (size_t i = 0; i < srv->n_open_buckets; i++)
		for (struct smb2_open *op = srv->open_buckets[i]; op; op = op->global_next)
			if (op->durable.persistent &&
			    memcmp(op->durable.create_guid, create_guid, 16) == 0)
				return op;
	return NULL;
}

size_t smb2_open_table_count(struct smb2_server *srv)
{
	pthread_mutex_lock(&srv->open_lock);
	size_t n = srv->nopens_global;
	pthread_mutex_unlock(&srv->open_lock);
	return n;
}

void smb2_open_ref(struct smb2_open *op)
{
	atomic_fetch_add(&op->refs, 1);
}

void smb2_open_put(struct smb2_open *op)
{
	if (op && atomic_fetch_sub(&op->refs, 1) == 1) {
		pthread_rwlock_destroy(&op->io_lock);
		free(op);
	}
}

bool smb2_open_closed(const struct smb2_open *op)
{
	return atomic_load(&op->closed);
}

NTSTATUS smb2_channel_sequence_check(uint16_t *open_csn, uint16_t req_csn, bool may_fail)
{
	uint16_t ahead = (uint16_t)(req_csn - *open_csn);

	if (ahead == 0)
		return STATUS_SUCCESS;
	if (ahead <= 0x7FFF) {
		*open_csn = req_csn;
		return STATUS_SUCCESS;
	}
	return may_fail ? STATUS_FILE_NOT_AVAILABLE : STATUS_SUCCESS;
}
