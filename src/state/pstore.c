/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The persistent-handle store (pstore.h) on SQLite. Why SQLite, WAL and synchronous=FULL:
 * docs/ARCHITECTURE.md ("Persistent handles"). Two tables: opens (one row per persistent id)
 * and locks (its byte-range locks), written in one transaction per change. Statements are
 * prepared once; values are bound, never spliced into SQL.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/pstore.h"

/* user_version of the schema below; another one is not ours (reset). */
#define PSTORE_SCHEMA_VERSION 1

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS opens ("
	" persistent_id INTEGER PRIMARY KEY, create_guid BLOB NOT NULL, client_guid BLOB NOT NULL,"
	" share TEXT NOT NULL, path TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
	" desired_access INTEGER NOT NULL, share_access INTEGER NOT NULL,"
	" create_options INTEGER NOT NULL, owner_uid INTEGER NOT NULL,"
	" oplock_level INTEGER NOT NULL, has_lease INTEGER NOT NULL, lease_key BLOB NOT NULL,"
	" lease_state INTEGER NOT NULL, lease_epoch INTEGER NOT NULL,"
	" timeout_ms INTEGER NOT NULL, delete_on_close INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS locks ("
	" persistent_id INTEGER NOT NULL REFERENCES opens(persistent_id) ON DELETE CASCADE,"
	" offset INTEGER NOT NULL, length INTEGER NOT NULL, exclusive INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS locks_by_open ON locks(persistent_id);";

enum stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_PUT, ST_DEL_LOCKS, ST_ADD_LOCK, ST_CACHING, ST_DOC,
	ST_DELETE, ST_ALL, ST_LOCKS_OF, ST_COUNT, ST_N
};

static const char *const stmt_sql[ST_N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_PUT] = "INSERT OR REPLACE INTO opens VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_DEL_LOCKS] = "DELETE FROM locks WHERE persistent_id = ?",
	[ST_ADD_LOCK] = "INSERT INTO locks VALUES (?,?,?,?)",
	[ST_CACHING] = ("UPDATE opens SET oplock_level = ?, lease_state = ?, lease_epoch = ?"
			" WHERE persistent_id = ?"),
	[ST_DOC] = "UPDATE opens SET delete_on_close = ? WHERE persistent_id = ?",
	[ST_DELETE] = "DELETE FROM opens WHERE persistent_id = ?",
	[ST_ALL] = "SELECT * FROM opens ORDER BY persistent_id",
	[ST_LOCKS_OF] = "SELECT offset, length, exclusive FROM locks WHERE persistent_id = ?",
	[ST_COUNT] = "SELECT count(*) FROM opens",
};

struct pstore {
	pthread_mutex_t lock;   /* the connection and its statements */
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
};

/* SQLite stores signed 64-bit integers: unsigned values go through their bit pattern. */
static sqlite3_int64 s64(uint64_t v)
{
	sqlite3_int64 r;

	memcpy(&r, &v, sizeof(r));
	return r;
}

static uint64_t u64(sqlite3_int64 v)
{
	uint64_t r;

	memcpy(&r, &v, sizeof(r));
	return r;
}

static void finalize_all(struct pstore *ps)
{
	for (int i = 0; i < ST_N; i++) {
		sqlite3_finalize(ps->st[i]);
		ps->st[i] = NULL;
	}
	sqlite3_close(ps->db);
	ps->db = NULL;
}

/* Open the file and make it ours: false (with a message) when it is not a usable database. */
static bool open_db(struct pstore *ps, const char *path, char *err, size_t errlen)
{
	int user_version = -1;
	sqlite3_stmt *v = NULL;

	if (sqlite3_open_v2(path, &ps->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(ps->db, 5000);
	/* journal_mode answers a row; WAL is what makes a commit one sequential append. */
	if (sqlite3_prepare_v2(ps->db, "PRAGMA journal_mode=WAL", -1, &v, NULL) != SQLITE_OK ||
	    sqlite3_step(v) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(v, 0), "wal") != 0)
		goto fail;
	sqlite3_finalize(v);
	v = NULL;
	if (sqlite3_exec(ps->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
			 NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(ps->db, "PRAGMA user_version", -1, &v, NULL) != SQLITE_OK ||
	    sqlite3_step(v) != SQLITE_ROW)
		goto fail;
	user_version = sqlite3_column_int(v, 0);
	sqlite3_finalize(v);
	v = NULL;
	if (user_version == 0) {
		if (sqlite3_exec(ps->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(ps->db, "PRAGMA user_version=1", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	} else if (user_version != PSTORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d, not %d", path, user_version,
			 PSTORE_SCHEMA_VERSION);
		finalize_all(ps);
		return false;
	}
	/* A damaged file may open and still fail here or at the first read. */
	if (sqlite3_prepare_v2(ps->db, "PRAGMA quick_check", -1, &v, NULL) != SQLITE_OK ||
	    sqlite3_step(v) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(v, 0), "ok") != 0)
		goto fail;
	sqlite3_finalize(v);
	v = NULL;
	for (int i = 0; i < ST_N; i++)
		if (sqlite3_prepare_v3(ps->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ps->st[i],
				       NULL) != SQLITE_OK)
			goto fail;
	return true;
fail:
	snprintf(err, errlen, "%s: %s", path, ps->db ? sqlite3_errmsg(ps->db) : "cannot open");
	sqlite3_finalize(v);
	finalize_all(ps);
	return false;
}

static void remove_wal(const char *path)
{
	char side[PSTORE_MAX_TEXT + 8];

	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

struct pstore *pstore_open(const char *dir, bool *reset, char *err, size_t errlen)
{
	char path[PSTORE_MAX_TEXT], aside[PSTORE_MAX_TEXT + 16];
	struct pstore *ps = calloc(1, sizeof(*ps));

	*reset = false;
	if (!ps) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, PSTORE_FILE) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		free(ps);
		return NULL;
	}
	if (!open_db(ps, path, err, errlen)) {
		/* Not ours or damaged: set aside for a post-mortem, start empty. A directory we
		 * cannot write fails again below, and that is the error reported. */
		snprintf(aside, sizeof(aside), "%s.corrupt", path);
		if (rename(path, aside) != 0 && errno != ENOENT) {
			free(ps);
			return NULL;
		}
		remove_wal(path);
		*reset = true;
		if (!open_db(ps, path, err, errlen)) {
			free(ps);
			return NULL;
		}
	}
	pthread_mutex_init(&ps->lock, NULL);
	return ps;
}

void pstore_close(struct pstore *ps)
{
	if (!ps)
		return;
	finalize_all(ps);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

/* Run a statement whose values are bound, and make it ready again. */
static bool run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE;
}

static bool begin(struct pstore *ps)
{
	return run(ps->st[ST_BEGIN]);
}

static bool end(struct pstore *ps, bool ok)
{
	if (ok && run(ps->st[ST_COMMIT]))
		return true;
	run(ps->st[ST_ROLLBACK]);
	return false;
}

static bool write_locks(struct pstore *ps, uint64_t id, const struct pstore_lock *l, size_t n)
{
	sqlite3_stmt *del = ps->st[ST_DEL_LOCKS], *add = ps->st[ST_ADD_LOCK];

	sqlite3_bind_int64(del, 1, s64(id));
	if (!run(del))
		return false;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(add, 1, s64(id));
		sqlite3_bind_int64(add, 2, s64(l[i].offset));
		sqlite3_bind_int64(add, 3, s64(l[i].length));
		sqlite3_bind_int(add, 4, l[i].exclusive);
		if (!run(add))
			return false;
	}
	return true;
}

bool pstore_put(struct pstore *ps, const struct pstore_open *r)
{
	sqlite3_stmt *s = ps->st[ST_PUT];
	bool ok;

	pthread_mutex_lock(&ps->lock);
	ok = begin(ps);
	if (ok) {
		int i = 1;
		sqlite3_bind_int64(s, i++, s64(r->persistent_id));
		sqlite3_bind_blob(s, i++, r->create_guid, 16, SQLITE_STATIC);
		sqlite3_bind_blob(s, i++, r->client_guid, 16, SQLITE_STATIC);
		sqlite3_bind_text(s, i++, r->share, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, i++, r->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, i++, s64(r->dev));
		sqlite3_bind_int64(s, i++, s64(r->ino));
		sqlite3_bind_int64(s, i++, r->desired_access);
		sqlite3_bind_int64(s, i++, r->share_access);
		sqlite3_bind_int64(s, i++, r->create_options);
		sqlite3_bind_int64(s, i++, r->owner_uid);
		sqlite3_bind_int(s, i++, r->oplock_level);
		sqlite3_bind_int(s, i++, r->has_lease ? (r->lease_v2 ? 2 : 1) : 0);
		sqlite3_bind_blob(s, i++, r->lease_key, 16, SQLITE_STATIC);
		sqlite3_bind_int64(s, i++, r->lease_state);
		sqlite3_bind_int(s, i++, r->lease_epoch);
		sqlite3_bind_int64(s, i++, r->timeout_ms);
		sqlite3_bind_int(s, i++, r->delete_on_close);
		ok = run(s) && write_locks(ps, r->persistent_id, r->locks, r->nlocks);
		ok = end(ps, ok);
	}
	pthread_mutex_unlock(&ps->lock);
	return ok;
}

bool pstore_set_locks(struct pstore *ps, uint64_t persistent_id, const struct pstore_lock *locks,
		      size_t n)
{
	pthread_mutex_lock(&ps->lock);
	bool ok = begin(ps);
	if (ok)
		ok = end(ps, write_locks(ps, persistent_id, locks, n));
	pthread_mutex_unlock(&ps->lock);
	return ok;
}

bool pstore_set_caching(struct pstore *ps, uint64_t persistent_id, uint8_t oplock_level,
			uint32_t lease_state, uint16_t lease_epoch)
{
	sqlite3_stmt *s = ps->st[ST_CACHING];

	pthread_mutex_lock(&ps->lock);
	sqlite3_bind_int(s, 1, oplock_level);
	sqlite3_bind_int64(s, 2, lease_state);
	sqlite3_bind_int(s, 3, lease_epoch);
	sqlite3_bind_int64(s, 4, s64(persistent_id));
	bool ok = run(s);
	pthread_mutex_unlock(&ps->lock);
	return ok;
}

bool pstore_set_delete_on_close(struct pstore *ps, uint64_t persistent_id, bool delete_on_close)
{
	sqlite3_stmt *s = ps->st[ST_DOC];

	pthread_mutex_lock(&ps->lock);
	sqlite3_bind_int(s, 1, delete_on_close);
	sqlite3_bind_int64(s, 2, s64(persistent_id));
	bool ok = run(s);
	pthread_mutex_unlock(&ps->lock);
	return ok;
}

bool pstore_delete(struct pstore *ps, uint64_t persistent_id)
{
	sqlite3_stmt *s = ps->st[ST_DELETE];

	pthread_mutex_lock(&ps->lock);
	sqlite3_bind_int64(s, 1, s64(persistent_id));
	bool ok = run(s);   /* its locks go with it (ON DELETE CASCADE) */
	pthread_mutex_unlock(&ps->lock);
	return ok;
}

static void copy_blob(sqlite3_stmt *s, int col, uint8_t out[16])
{
	const void *b = sqlite3_column_blob(s, col);

	memset(out, 0, 16);
	if (b && sqlite3_column_bytes(s, col) == 16)
		memcpy(out, b, 16);
}

static void copy_text(sqlite3_stmt *s, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

/* The locks of one open into rec (malloc'ed); false on a read error. */
static bool read_locks(struct pstore *ps, struct pstore_open *rec)
{
	sqlite3_stmt *s = ps->st[ST_LOCKS_OF];
	size_t cap = 0;
	int rc;

	sqlite3_bind_int64(s, 1, s64(rec->persistent_id));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (rec->nlocks == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct pstore_lock *nl = realloc(rec->locks, ncap * sizeof(*nl));
			if (!nl) {
				rc = SQLITE_NOMEM;
				break;
			}
			rec->locks = nl;
			cap = ncap;
		}
		rec->locks[rec->nlocks++] = (struct pstore_lock){
			.offset = u64(sqlite3_column_int64(s, 0)),
			.length = u64(sqlite3_column_int64(s, 1)),
			.exclusive = sqlite3_column_int(s, 2) != 0,
		};
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE;
}

/* Every record, read under the store's lock: *out (malloc'ed, each with its locks). */
static int read_all(struct pstore *ps, struct pstore_open **out, size_t *nout)
{
	sqlite3_stmt *s = ps->st[ST_ALL];
	struct pstore_open *recs = NULL;
	size_t n = 0, cap = 0;
	int rc;

	pthread_mutex_lock(&ps->lock);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct pstore_open *nr = realloc(recs, ncap * sizeof(*nr));
			if (!nr) {
				rc = SQLITE_NOMEM;
				break;
			}
			recs = nr;
			cap = ncap;
		}
		struct pstore_open *rec = &recs[n];
		int i = 0;
		memset(rec, 0, sizeof(*rec));
		rec->persistent_id = u64(sqlite3_column_int64(s, i++));
		copy_blob(s, i++, rec->create_guid);
		copy_blob(s, i++, rec->client_guid);
		copy_text(s, i++, rec->share, sizeof(rec->share));
		copy_text(s, i++, rec->path, sizeof(rec->path));
		rec->dev = u64(sqlite3_column_int64(s, i++));
		rec->ino = u64(sqlite3_column_int64(s, i++));
		rec->desired_access = (uint32_t)sqlite3_column_int64(s, i++);
		rec->share_access = (uint32_t)sqlite3_column_int64(s, i++);
		rec->create_options = (uint32_t)sqlite3_column_int64(s, i++);
		rec->owner_uid = (uid_t)sqlite3_column_int64(s, i++);
		rec->oplock_level = (uint8_t)sqlite3_column_int(s, i++);
		int has_lease = sqlite3_column_int(s, i++);
		rec->has_lease = has_lease != 0;
		rec->lease_v2 = has_lease == 2;
		copy_blob(s, i++, rec->lease_key);
		rec->lease_state = (uint32_t)sqlite3_column_int64(s, i++);
		rec->lease_epoch = (uint16_t)sqlite3_column_int(s, i++);
		rec->timeout_ms = (uint32_t)sqlite3_column_int64(s, i++);
		rec->delete_on_close = sqlite3_column_int(s, i++) != 0;
		if (!read_locks(ps, rec)) {
			free(rec->locks);
			rc = SQLITE_ERROR;
			break;
		}
		n++;
	}
	sqlite3_reset(s);
	pthread_mutex_unlock(&ps->lock);
	*out = recs;
	*nout = n;
	return rc;
}

long pstore_load(struct pstore *ps, bool (*fn)(const struct pstore_open *rec, void *arg),
		 void *arg)
{
	struct pstore_open *recs;
	size_t n;

	/* The callbacks run without the store's lock: they take the oplock lock, under which
	 * the store's is taken at run time (pstore_set_caching). */
	int rc = read_all(ps, &recs, &n);
	for (size_t i = 0; i < n; i++) {
		if (rc == SQLITE_DONE && !fn(&recs[i], arg))
			pstore_delete(ps, recs[i].persistent_id);
		free(recs[i].locks);
	}
	free(recs);
	return rc == SQLITE_DONE ? (long)n : -1;
}

long pstore_count(struct pstore *ps)
{
	sqlite3_stmt *s = ps->st[ST_COUNT];
	long n = -1;

	pthread_mutex_lock(&ps->lock);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	pthread_mutex_unlock(&ps->lock);
	return n;
}
