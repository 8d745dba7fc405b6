/* SPDX-License-Identifier: Apache-2.0 */
/* The persistent-handle store: what is written is read back after the database is reopened
 * (as after a crash), deletes and lock updates stick, and a damaged or foreign file is set aside
 * for an empty store instead of failing the server. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "state/pstore.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pstore-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct pstore *open_store(bool expect_reset)
{
	char err[256] = "";
	bool reset = !expect_reset;
	struct pstore *ps = pstore_open(dir, &reset, err, sizeof(err));

	if (!ps)
		fail_msg("pstore_open: %s", err);
	assert_int_equal(reset, expect_reset);
	return ps;
}

static void sample(struct pstore_open *r, uint64_t id)
{
	memset(r, 0, sizeof(*r));
	r->persistent_id = id;
	for (int i = 0; i < 16; i++) {
		r->create_guid[i] = (uint8_t)(i + 1);
		r->client_guid[i] = (uint8_t)(0xF0 | i);
		r->lease_key[i] = (uint8_t)(0x40 + i);
	}
	snprintf(r->share, sizeof(r->share), "CA share");
	snprintf(r->path, sizeof(r->path), "dir/f'ile\"; DROP TABLE opens;--.txt:stream");
	r->dev = 0xFFFFFFFFFFFFFFF0ull;   /* beyond INT64_MAX: stored by bit pattern */
	r->ino = 1234567;
	r->desired_access = 0x0012019F;
	r->share_access = 7;
	r->create_options = 0x40;
	r->owner_uid = 1001;
	r->oplock_level = 0xFF;
	r->has_lease = true;
	r->lease_v2 = true;
	r->lease_state = 7;
	r->lease_epoch = 3;
	r->timeout_ms = 120000;
	r->delete_on_close = true;
}

struct seen {
	struct pstore_open rec[4];
	struct pstore_lock locks[4][4];
	int n;
	uint64_t drop;   /* a record the callback asks to drop */
};

static bool collect(const struct pstore_open *rec, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 4);
	s->rec[s->n] = *rec;
	assert_true(rec->nlocks <= 4);
	if (rec->nlocks)
		memcpy(s->locks[s->n], rec->locks, rec->nlocks * sizeof(*rec->locks));
	s->rec[s->n].locks = s->locks[s->n];
	s->n++;
	return rec->persistent_id != s->drop;
}

static void test_write_reopen_read(void **state)
{
	(void)state;
	struct pstore *ps = open_store(false);
	struct pstore_open r;
	struct pstore_lock locks[2] = { { 0, 10, true }, { UINT64_MAX - 5, 5, false } };

	sample(&r, 0x8000000000000001ull);
	r.locks = locks;
	r.nlocks = 2;
	assert_true(pstore_put(ps, &r));
	sample(&r, 42);
	r.has_lease = false;
	r.oplock_level = 9;   /* batch */
	assert_true(pstore_put(ps, &r));
	assert_int_equal(pstore_count(ps), 2);
	pstore_close(ps);

	ps = open_store(false);
	struct seen s = { .drop = 0 };
	assert_int_equal(pstore_load(ps, collect, &s), 2);
	assert_int_equal(s.n, 2);
	/* ordered by persistent id as SQLite's signed integers: the high one first */
	struct pstore_open want;
	sample(&want, 0x8000000000000001ull);
	const struct pstore_open *got = &s.rec[0];
	assert_true(got->persistent_id == want.persistent_id);
	assert_memory_equal(got->create_guid, want.create_guid, 16);
	assert_memory_equal(got->client_guid, want.client_guid, 16);
	assert_memory_equal(got->lease_key, want.lease_key, 16);
	assert_string_equal(got->share, want.share);
	assert_string_equal(got->path, want.path);
	assert_true(got->dev == want.dev);
	assert_int_equal(got->ino, want.ino);
	assert_int_equal(got->desired_access, want.desired_access);
	assert_int_equal(got->share_access, 7);
	assert_int_equal(got->create_options, 0x40);
	assert_int_equal(got->owner_uid, 1001);
	assert_int_equal(got->oplock_level, 0xFF);
	assert_true(got->has_lease);
	assert_true(got->lease_v2);   /* a v2 lease comes back as one (its answer's form) */
	assert_int_equal(got->lease_state, 7);
	assert_int_equal(got->lease_epoch, 3);
	assert_int_equal(got->timeout_ms, 120000);
	assert_true(got->delete_on_close);
	assert_int_equal(got->nlocks, 2);
	for (int i = 0; i < 2; i++) {
		bool found = false;
		for (int j = 0; j < 2; j++)
			found |= got->locks[j].offset == locks[i].offset &&
				 got->locks[j].length == locks[i].length &&
				 got->locks[j].exclusive == locks[i].exclusive;
		assert_true(found);
	}
	assert_int_equal(s.rec[1].persistent_id, 42);
	assert_false(s.rec[1].has_lease);
	assert_false(s.rec[1].lease_v2);
	assert_int_equal(s.rec[1].oplock_level, 9);
	assert_int_equal(s.rec[1].nlocks, 0);
	pstore_close(ps);
}

static void test_update_and_delete(void **state)
{
	(void)state;
	struct pstore *ps = open_store(false);
	struct pstore_open r;
	struct pstore_lock one = { 100, 1, false };

	sample(&r, 7);
	assert_true(pstore_put(ps, &r));
	sample(&r, 8);
	assert_true(pstore_put(ps, &r));
	assert_true(pstore_set_locks(ps, 7, &one, 1));
	assert_true(pstore_set_caching(ps, 7, 0xFF, 3, 5));
	assert_true(pstore_set_delete_on_close(ps, 7, false));
	assert_true(pstore_set_delete_on_close(ps, 8, true));
	assert_true(pstore_delete(ps, 8));
	assert_true(pstore_delete(ps, 999));   /* not there: nothing to do */
	pstore_close(ps);

	ps = open_store(false);
	struct seen s = { .drop = 7 };
	assert_int_equal(pstore_load(ps, collect, &s), 1);
	assert_int_equal(s.rec[0].persistent_id, 7);
	assert_int_equal(s.rec[0].nlocks, 1);
	assert_int_equal(s.rec[0].locks[0].offset, 100);
	assert_int_equal(s.rec[0].lease_state, 3);
	assert_int_equal(s.rec[0].lease_epoch, 5);
	assert_false(s.rec[0].delete_on_close);   /* SET_INFO cleared it after the CREATE */
	assert_true(s.rec[0].lease_v2);           /* a caching change keeps the lease's form */
	/* the callback dropped it: gone, locks too */
	assert_int_equal(pstore_count(ps), 0);
	assert_true(pstore_set_locks(ps, 7, NULL, 0));
	pstore_close(ps);
}

/* A file that is not a database, then one of a schema not ours: set aside, empty store. */
static void test_corrupt_and_foreign(void **state)
{
	(void)state;
	char path[128], aside[160];
	snprintf(path, sizeof(path), "%s/%s", dir, PSTORE_FILE);
	snprintf(aside, sizeof(aside), "%s.corrupt", path);

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	char junk[8192];
	memset(junk, 'x', sizeof(junk));
	memcpy(junk, "not a database, 16 bytes of header and more", 44);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	struct pstore *ps = open_store(true);
	struct stat st;
	assert_int_equal(stat(aside, &st), 0);
	assert_int_equal(st.st_size, sizeof(junk));
	assert_int_equal(pstore_count(ps), 0);
	struct pstore_open r;
	sample(&r, 1);
	assert_true(pstore_put(ps, &r));
	pstore_close(ps);

	/* a database of a later schema */
	unlink(aside);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", path, path, path);
	assert_int_equal(system(cmd), 0);
	ps = open_store(false);
	pstore_close(ps);
	sqlite3 *db;   /* bump user_version behind the store's back */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=9", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ps = open_store(true);
	assert_int_equal(pstore_count(ps), 0);
	pstore_close(ps);
}

/* A missing database is made; a state directory that cannot hold one is an error, not a crash. */
static void test_missing(void **state)
{
	(void)state;
	struct pstore *ps = open_store(false);
	assert_int_equal(pstore_count(ps), 0);
	pstore_close(ps);

	char err[256] = "";
	bool reset;
	assert_null(pstore_open("/nonexistent-dir/for/pstore", &reset, err, sizeof(err)));
	assert_true(strstr(err, "/nonexistent-dir/for/pstore") != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_reopen_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_and_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
