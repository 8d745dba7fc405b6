/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SMB password database, <state dir>/users.db: one "name:NT-hash" line per user (format in
 * docs/CONFIG.md). The server reads it; `skiff user ...` rewrites it atomically under a lock.
 */
#ifndef SKIFF_USERDB_H
#define SKIFF_USERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USERDB_FILE "users.db"

struct userdb;

/*
 * Load <state_dir>/users.db. A missing file (or state directory) is an empty database; the
 * directory is created (0700) on the first write. Refuses a file that is not a regular file,
 * is writable by group/others, or is owned by someone other than root or the caller; one only
 * readable by group/others is loaded with a warning and chmod'ed to 0600.
 * Returns NULL with a message in err on failure.
 */
struct userdb *userdb_open(const char *state_dir, char *err, size_t errlen);
/* Wipes the hashes. */
void userdb_close(struct userdb *db);

/*
 * Copy the NT hash of `user` (case-insensitive). Thread-safe; re-reads the file first when its
 * inode, size or mtime changed, so `skiff user add` takes effect without a restart. A file that
 * has become unreadable or malformed is logged once and the last good contents stay in use.
 */
bool userdb_get_nt_hash(struct userdb *db, const char *user, uint8_t nt_hash[16]);

/*
 * Writers: take an exclusive flock on <state_dir>/users.db.lock, re-read the file, change it and
 * replace it (temp file + fsync + rename + directory fsync). Return 0 or -errno:
 * -EINVAL bad user name or password not valid UTF-8, -EEXIST / -ENOENT as documented,
 * -EIO when hashing failed (crypto_init() not called?), others from the file system.
 * Passwords are hashed at once and never stored. Requires crypto_init().
 */
int userdb_set_password(struct userdb *db, const char *user, const char *password); /* add or change */
int userdb_add_user(struct userdb *db, const char *user, const char *password);     /* -EEXIST if present */
int userdb_change_password(struct userdb *db, const char *user, const char *password); /* -ENOENT if absent */
int userdb_delete(struct userdb *db, const char *user); /* -ENOENT if absent */
/* Why the last writer call on db failed ("user 'bob' already exists"); for the CLI, which
 * makes one call at a time ("" after a success). */
const char *userdb_error(struct userdb *db);

/* True when `user` exists (case-insensitive); reloads like userdb_get_nt_hash. */
bool userdb_exists(struct userdb *db, const char *user);

/*
 * Call cb for each user name (as stored), in file order, after reloading if the file changed.
 * cb runs without the database lock held, so it may call back into the database.
 * Returns the number of users, or -errno.
 */
int userdb_list(struct userdb *db, void (*cb)(const char *user, void *arg), void *arg);

/* NT hash (MS-NLMP 3.3.1 NTOWFv1): MD4(UTF-16LE(password)). False on invalid UTF-8. */
bool userdb_nt_hash(const char *password, uint8_t out[16]);

/* Path of the users.db file (for messages). */
const char *userdb_path(const struct userdb *db);

#endif
