/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Persistent handles (persist.h): what of a persistent open goes into the store of src/state and
 * when, and how the records become opens again when skiffd starts. The store is written before
 * the client is answered (CREATE, LOCK), so what a client was told it holds survives a crash.
 *
 * A restored open is a disconnected durable open like one whose connection dropped (durable.c):
 * in the server's open table under its old persistent id, holding its file's share mode and its
 * byte-range locks, found again by a DH2C of the same CreateGuid and user, or closed by its
 * scavenger. Its oplock or lease comes back with it, held by no connection until the client
 * reconnects (smb2_oplock_restore); the store follows each change of it (oplock.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/config.h"
#include "core/log.h"
#include "smb2/durable.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/create_contexts.h"
#include "state/pstore.h"
#include "vfs/vfs.h"

bool smb2_persist_init(struct smb2_server *srv)
{
	const struct cfg *cfg = srv->cfg;
	bool any = false, reset;
	char err[512];

	for (size_t i = 0; i < cfg->nshares; i++)
		any |= cfg->shares[i].continuously_available;
	if (!any)
		return true;
	/* users.db may not exist yet, nor its directory: the store needs it */
	if (mkdir(cfg->g.state_dir, 0700) != 0 && errno != EEXIST) {
		log_err("state directory %s: %s", cfg->g.state_dir, strerror(errno));
		return false;
	}
	srv->pstore = pstore_open(cfg->g.state_dir, &reset, err, sizeof(err));
	if (!srv->pstore) {
		log_err("persistent handles: %s", err);
		return false;
	}
	smb2_oplocks_set_store(srv->oplocks, srv->pstore);
	if (reset)
		log_warn("persistent handles: %s/%s was unreadable (%s); set aside as %s.corrupt, "
			 "its opens are lost", cfg->g.state_dir, PSTORE_FILE, err, PSTORE_FILE);
	return true;
}

void smb2_persist_fini(struct smb2_server *srv)
{
	pstore_close(srv->pstore);
	srv->pstore = NULL;
}

bool smb2_persist_enabled(const struct smb2_server *srv)
{
	return srv->pstore != NULL;
}

static void copy_locks(struct smb2_open *op, struct pstore_lock **out, size_t *n)
{
	struct vfs_lock_range *r;

	*out = NULL;
	*n = 0;
	if (!vfs_lock_list(op->vfs, &r, n))
		return;
	/* same layout, but not the same type: copied */
	struct pstore_lock *l = *n ? malloc(*n * sizeof(*l)) : NULL;
	for (size_t i = 0; l && i < *n; i++)
		l[i] = (struct pstore_lock){ r[i].offset, r[i].length, r[i].exclusive };
	if (!l)
		*n = 0;
	*out = l;
	free(r);
}

bool smb2_persist_record(struct smb2_server *srv, struct smb2_open *op,
			 const struct smb2_persist_create *pc)
{
	const char *share = op->tree->share->cfg->name, *path = vfs_open_path(op->vfs);
	struct pstore_open *r;

	if (!srv->pstore || strlen(share) >= sizeof(r->share) || strlen(path) >= sizeof(r->path))
		return false;
	r = calloc(1, sizeof(*r));
	if (!r)
		return false;
	r->persistent_id = op->persistent_id;
	memcpy(r->create_guid, op->durable.create_guid, 16);
	memcpy(r->client_guid, pc->client_guid, 16);
	memcpy(r->share, share, strlen(share) + 1);
	memcpy(r->path, path, strlen(path) + 1);
	vfs_open_file_id(op->vfs, &r->dev, &r->ino);
	r->desired_access = op->access;
	r->share_access = pc->share_access;
	r->create_options = pc->create_options;
	r->owner_uid = op->durable.owner_uid;
	r->oplock_level = op->oplock_level;
	if (pc->lease) {
		r->has_lease = true;
		r->lease_v2 = pc->lease->v2;
		memcpy(r->lease_key, pc->lease->key, 16);
		r->lease_state = pc->lease->state;
		r->lease_epoch = pc->lease->epoch;
	}
	r->timeout_ms = op->durable.timeout_ms;
	r->delete_on_close = (pc->create_options & FILE_DELETE_ON_CLOSE) != 0;
	bool ok = pstore_put(srv->pstore, r);
	free(r);
	if (!ok)
		log_warn("persistent open %llx of %s\\%s: not stored, granted as durable only",
			 (unsigned long long)op->persistent_id, share, path);
	return ok;
}

void smb2_persist_locks(struct smb2_server *srv, struct smb2_open *op)
{
	struct pstore_lock *l;
	size_t n;

	if (!srv->pstore || !op->durable.persistent || !op->vfs)
		return;
	copy_locks(op, &l, &n);
	if (!pstore_set_locks(srv->pstore, op->persistent_id, l, n))
		log_warn("persistent open %llx: its locks could not be stored",
			 (unsigned long long)op->persistent_id);
	free(l);
}

void smb2_persist_delete_on_close(struct smb2_server *srv, struct smb2_open *op, bool del)
{
	if (!srv->pstore || !op->durable.persistent)
		return;
	if (!pstore_set_delete_on_close(srv->pstore, op->persistent_id, del))
		log_warn("persistent open %llx: its delete-on-close could not be stored",
			 (unsigned long long)op->persistent_id);
}

void smb2_persist_forget(struct smb2_server *srv, struct smb2_open *op)
{
	if (!srv->pstore || !op->durable.persistent || op->durable.persist_keep)
		return;
	if (!pstore_delete(srv->pstore, op->persistent_id))
		log_warn("persistent open %llx: its record could not be deleted",
			 (unsigned long long)op->persistent_id);
	op->durable.persistent = false;
}

/* ---- Restore at start-up ---- */

struct restore {
	struct smb2_server *srv;
	uint64_t *ids;         /* restored, to be armed */
	size_t n, cap;
};

/* The admission of a restored open: the file must be the one recorded (an inode number given
 * to another file since would hand the client the wrong data). */
struct restore_admit {
	const struct pstore_open *rec;
	bool same;
};

static NTSTATUS restore_admit(void *arg, const struct vfs_admission *in)
{
	struct restore_admit *ra = arg;

	ra->same = in->ino == ra->rec->ino && in->dev == ra->rec->dev;
	if (!ra->same)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	return in->verdict;
}

static struct smb2_share *share_of(struct smb2_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->nshares; i++) {
		struct smb2_share *s = &srv->shares[i];
		if (s->cfg && s->vfs && s->cfg->continuously_available &&
		    strcasecmp(s->cfg->name, name) == 0)
			return s;
	}
	return NULL;
}

static bool restore_one(const struct pstore_open *rec, void *arg)
{
	struct restore *rs = arg;
	struct smb2_server *srv = rs->srv;
	struct smb2_share *share = share_of(srv, rec->share);
	struct vfs_open *vo = NULL;
	struct vfs_create_result res;
	NTSTATUS st;

	if (!share) {
		log_warn("persistent open %llx: share [%s] is gone or not continuously available; "
			 "dropped", (unsigned long long)rec->persistent_id, rec->share);
		return false;
	}
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 16;
		uint64_t *ni = realloc(rs->ids, ncap * sizeof(*ni));
		if (!ni)
			return true;   /* kept on disk for the next start */
		rs->ids = ni;
		rs->cap = ncap;
	}
	struct restore_admit ra = { .rec = rec };
	struct vfs_create_args args = {
		.desired_access = rec->desired_access,
		.share_access = rec->share_access,
		.disposition = FILE_OPEN,
		/* delete-on-close as last stored (a SET_INFO may have changed it), set below */
		.create_options = rec->create_options & ~FILE_DELETE_ON_CLOSE,
		.admit = restore_admit,
		.admit_arg = &ra,
	};
	/* The client's access was checked when it opened the file: the server opens it again. */
	vfs_become_server();
	st = vfs_create(share->vfs, rec->path, &args, &vo, &res);
	if (st != STATUS_SUCCESS) {
		log_warn("persistent open %llx of %s\\%s: %s; dropped",
			 (unsigned long long)rec->persistent_id, rec->share, rec->path,
			 st == STATUS_OBJECT_NAME_NOT_FOUND && !ra.same ? "the file is another one now"
									: nt_status_name(st));
		return false;
	}
	if (rec->delete_on_close) {
		st = vfs_set_delete_on_close(vo, true);
		if (st != STATUS_SUCCESS)   /* the file changed meanwhile (made read-only) */
			log_warn("persistent open %llx of %s\\%s: delete-on-close not restored (%s)",
				 (unsigned long long)rec->persistent_id, rec->share, rec->path,
				 nt_status_name(st));
		st = STATUS_SUCCESS;
	}
	for (size_t i = 0; i < rec->nlocks && st == STATUS_SUCCESS; i++) {
		struct vfs_lock_range r = { rec->locks[i].offset, rec->locks[i].length,
					    rec->locks[i].exclusive };
		st = vfs_lock(vo, &r, 1, NULL);
	}
	struct smb2_open *op = st == STATUS_SUCCESS ? smb2_open_alloc() : NULL;
	if (op) {
		op->persistent_id = rec->persistent_id;
		if (!smb2_open_table_insert_id(srv, op)) {
			smb2_open_put(op);
			op = NULL;
			st = STATUS_DUPLICATE_OBJECTID;
		}
	} else if (st == STATUS_SUCCESS) {
		st = STATUS_NO_MEMORY;
	}
	if (!op) {
		log_warn("persistent open %llx of %s\\%s: locks or open not restored (%s); dropped",
			 (unsigned long long)rec->persistent_id, rec->share, rec->path,
			 nt_status_name(st));
		vfs_close(vo, NULL);
		return false;
	}
	op->vfs = vo;
	op->access = res.granted_access;
	op->owner = rec->owner_uid;
	smb2_open_charge_restored(srv, rec->owner_uid);   /* its user's opens count it again */
	op->charged = true;
	memcpy(op->client_guid, rec->client_guid, 16);
	struct smb2_durable *d = &op->durable;
	d->granted = true;
	d->v2 = true;
	d->persistent = true;
	memcpy(d->create_guid, rec->create_guid, 16);
	d->timeout_ms = rec->timeout_ms;
	d->owner_uid = rec->owner_uid;
	struct smb2_oplock_restored oplock = {
		.key = { rec->dev, rec->ino, 0 },
		.level = rec->oplock_level,
		.lease = rec->has_lease,
		.v2 = rec->lease_v2,
		.state = rec->lease_state,
		.epoch = rec->lease_epoch,
	};
	char lease_name[2 * PSTORE_MAX_TEXT + 2];
	snprintf(lease_name, sizeof(lease_name), "%s\\%s", share->cfg->name, rec->path);
	oplock.name = (struct smb2_lease_name){ share->vfs->path, lease_name };
	memcpy(oplock.client_guid, rec->client_guid, 16);
	memcpy(oplock.lease_key, rec->lease_key, 16);
	if (!smb2_oplock_restore(srv, op, &oplock))
		log_warn("persistent open %llx: its oplock or lease could not be restored",
			 (unsigned long long)rec->persistent_id);
	smb2_open_table_lock(srv);
	d->disconnected = true;
	smb2_open_table_unlock(srv);
	rs->ids[rs->n++] = rec->persistent_id;
	log_info("persistent open %llx of %s\\%s restored (%zu lock%s, %s %#x), kept %u ms for "
		 "its client", (unsigned long long)rec->persistent_id, rec->share, rec->path,
		 rec->nlocks, rec->nlocks == 1 ? "" : "s", rec->has_lease ? "lease" : "oplock",
		 rec->has_lease ? rec->lease_state : rec->oplock_level, rec->timeout_ms);
	return true;
}

void smb2_persist_restore(struct smb2_server *srv)
{
	struct restore rs = { .srv = srv };

	if (!srv->pstore)
		return;
	long n = pstore_load(srv->pstore, restore_one, &rs);
	if (n < 0)
		log_warn("persistent handles: the store could not be read in full");
	else if (n > 0)
		log_info("persistent handles: %zu of %ld open%s restored", rs.n, n,
			 n == 1 ? "" : "s");
	srv->persist_restored = rs.ids;
	srv->npersist_restored = rs.n;
}

void smb2_persist_arm(struct smb2_server *srv, struct net_server *ns)
{
	for (size_t i = 0; i < srv->npersist_restored; i++)
		smb2_durable_arm(srv, ns, srv->persist_restored[i]);
	free(srv->persist_restored);
	srv->persist_restored = NULL;
	srv->npersist_restored = 0;
}
