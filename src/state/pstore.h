/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The persistent-handle store (pstore.c): one record per persistent open, kept in SQLite (WAL
 * mode, synchronous=FULL) at <state dir>/persistent.db, so that a persistent open outlives a
 * crash of skiffd (MS-SMB2 3.3.5.9.10 Open.IsPersistent). It knows no SMB: the records are plain
 * values the smb2 layer fills (persist.c). Every function is thread safe (one mutex around the
 * connection); each write has been committed and fsync'ed when it returns true.
 */
#ifndef SKIFF_STATE_PSTORE_H
#define SKIFF_STATE_PSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PSTORE_FILE "persistent.db"
#define PSTORE_MAX_TEXT 4096   /* share names and paths longer than this are not stored */

struct pstore;

struct pstore_lock {
	uint64_t offset, length;
	bool exclusive;
};

/* What is needed to open the file again as it was and to give it back to its client. */
struct pstore_open {
	uint64_t persistent_id;
	uint8_t create_guid[16];
	uint8_t client_guid[16];
	char share[PSTORE_MAX_TEXT];     /* the share's name */
	char path[PSTORE_MAX_TEXT];      /* relative to the share, '/'-separated */
	uint64_t dev, ino;               /* the file's identity when it was opened */
	uint32_t desired_access, share_access, create_options;
	uid_t owner_uid;
	uint8_t oplock_level;
	bool has_lease;
	bool lease_v2;                   /* stored as has_lease = 2 */
	uint8_t lease_key[16];
	uint32_t lease_state;
	uint16_t lease_epoch;
	uint32_t timeout_ms;
	bool delete_on_close;
	struct pstore_lock *locks;       /* pstore_load: the store's, valid during the callback */
	size_t nlocks;
};

/*
 * Open (or create) <dir>/persistent.db. A file that is not a database of ours, or a damaged one,
 * is renamed to persistent.db.corrupt (its opens are lost, as after their timeout) and a new
 * one made: *reset tells. NULL with a message in err when the directory is unusable.
 */
struct pstore *pstore_open(const char *dir, bool *reset, char *err, size_t errlen);
void pstore_close(struct pstore *ps);

/* Record a new open (replacing one of the same persistent id), its locks with it. */
bool pstore_put(struct pstore *ps, const struct pstore_open *rec);
/* Replace an open's locks; its lease or oplock state. */
bool pstore_set_locks(struct pstore *ps, uint64_t persistent_id, const struct pstore_lock *locks,
		      size_t n);
bool pstore_set_caching(struct pstore *ps, uint64_t persistent_id, uint8_t oplock_level,
			uint32_t lease_state, uint16_t lease_epoch);
/* SET_INFO's FileDispositionInformation changed its delete-on-close. */
bool pstore_set_delete_on_close(struct pstore *ps, uint64_t persistent_id, bool delete_on_close);
/* The open is closed for good. */
bool pstore_delete(struct pstore *ps, uint64_t persistent_id);
/* Call fn for each record (its locks filled), after reading them all (fn runs without the
 * store's lock and may call the store): a record for which it returns false is deleted.
 * Returns how many were read, -1 on a read error (then fn is not called). */
long pstore_load(struct pstore *ps, bool (*fn)(const struct pstore_open *rec, void *arg),
		 void *arg);
/* How many records there are (tests, logs). */
long pstore_count(struct pstore *ps);

#endif
