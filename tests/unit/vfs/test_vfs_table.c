/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the striped open-file table (src/vfs/vfs_table.c): opens of files in other
 * stripes go on while one file's CREATE is being admitted, the admission and share check of one
 * file stay one step, renames that need several stripes, and a concurrent mix of creates,
 * closes, renames and deletes (run under TSan by the TSan build). */
#include "vfs_fixture.h"

#include "vfs/vfs_internal.h"   /* vfs_table_stripe_of */

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

static uint64_t stripe_of_path(const char *rel)
{
	struct stat st;

	assert_int_equal(stat(hostpath(rel), &st), 0);
	return vfs_table_stripe_of(st.st_dev, st.st_ino);
}

/* Make files "<prefix>0", "<prefix>1", ... until one is in none of the stripes of `avoid`; its
 * name goes to out. */
static uint64_t touch_outside(const char *prefix, uint64_t avoid, char *out, size_t len)
{
	for (int i = 0; i < 1000; i++) {
		snprintf(out, len, "%s%d", prefix, i);
		touch(out);
		uint64_t s = stripe_of_path(out);
		if (!(s & avoid))
			return s;
	}
	fail_msg("no file outside the stripes %#llx", (unsigned long long)avoid);
	return 0;
}

static bool sem_wait_ms(sem_t *s, long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(s, &t) != 0)
		if (errno != EINTR)
			return false;
	return true;
}

/* An admission hook that stops the CREATE inside the table until the test lets it go. */
struct held_admission {
	sem_t entered, release;
};

static NTSTATUS hold_admit(void *arg, const struct vfs_admission *in)
{
	struct held_admission *h = arg;

	sem_post(&h->entered);
	sem_wait(&h->release);
	return in->verdict;
}

struct opener {
	struct vfs_share *share;
	const char *path;
	struct vfs_create_args args;
	NTSTATUS status, close_status;
	bool close_it;
	struct vfs_open *op;
	sem_t done;
};

static void *opener_thread(void *arg)
{
	struct opener *o = arg;
	struct vfs_create_result res;

	o->status = vfs_create(o->share, o->path, &o->args, &o->op, &res);
	o->close_status = STATUS_SUCCESS;
	if (o->status == STATUS_SUCCESS && o->close_it) {
		o->close_status = vfs_close(o->op, NULL);
		o->op = NULL;
	}
	sem_post(&o->done);
	return NULL;
}

static void opener_init(struct opener *o, const char *path, uint32_t share_access, bool close_it)
{
	memset(o, 0, sizeof(*o));
	o->share = F->share;
	o->path = path;
	o->args = (struct vfs_create_args){
		.desired_access = FILE_READ_DATA | FILE_WRITE_DATA,
		.share_access = share_access,
		.disposition = FILE_OPEN,
	};
	o->close_it = close_it;
	sem_init(&o->done, 0, 0);
}

/* The point of the stripes: while one file's CREATE sits in its admission (as an oplock break
 * decision does), a CREATE and a CLOSE of a file in another stripe complete. With one mutex
 * per share they waited for it. */
static void test_other_stripe_not_blocked(void **state)
{
	struct held_admission h;
	struct opener a, b;
	pthread_t ta, tb;
	char other[32];
	(void)state;

	touch("a");
	uint64_t sa = stripe_of_path("a");
	uint64_t sb = touch_outside("b", sa, other, sizeof(other));
	assert_int_not_equal(sa, sb);

	sem_init(&h.entered, 0, 0);
	sem_init(&h.release, 0, 0);
	opener_init(&a, "a", SHARE_ALL, true);
	a.args.admit = hold_admit;
	a.args.admit_arg = &h;
	assert_int_equal(pthread_create(&ta, NULL, opener_thread, &a), 0);
	assert_true(sem_wait_ms(&h.entered, 10000));

	opener_init(&b, other, SHARE_ALL, true);
	assert_int_equal(pthread_create(&tb, NULL, opener_thread, &b), 0);
	bool b_finished = sem_wait_ms(&b.done, 10000);

	sem_post(&h.release);   /* whatever happened, let both finish before asserting */
	pthread_join(ta, NULL);
	if (!b_finished)
		sem_wait(&b.done);
	pthread_join(tb, NULL);
	assert_true(b_finished);
	assert_int_equal(b.status, STATUS_SUCCESS);
	assert_int_equal(b.close_status, STATUS_SUCCESS);
	assert_int_equal(a.status, STATUS_SUCCESS);
	assert_int_equal(a.close_status, STATUS_SUCCESS);
}

/* One file's admission and share check stay one step: a second open of the same file waits
 * while the first is being admitted, then is judged against it (here: it shares nothing). */
static void test_same_file_admission_atomic(void **state)
{
	struct held_admission h;
	struct opener a, b;
	pthread_t ta, tb;
	(void)state;

	touch("a");
	sem_init(&h.entered, 0, 0);
	sem_init(&h.release, 0, 0);
	opener_init(&a, "a", 0, false);   /* exclusive, kept open */
	a.args.admit = hold_admit;
	a.args.admit_arg = &h;
	assert_int_equal(pthread_create(&ta, NULL, opener_thread, &a), 0);
	assert_true(sem_wait_ms(&h.entered, 10000));

	opener_init(&b, "a", SHARE_ALL, true);
	assert_int_equal(pthread_create(&tb, NULL, opener_thread, &b), 0);
	bool b_early = sem_wait_ms(&b.done, 300);

	sem_post(&h.release);
	pthread_join(ta, NULL);
	if (!b_early)
		sem_wait(&b.done);
	pthread_join(tb, NULL);
	assert_false(b_early);
	assert_int_equal(a.status, STATUS_SUCCESS);
	assert_int_equal(b.status, STATUS_SHARING_VIOLATION);
	close_op(a.op);
}

/* A rename whose destination directory and replaced target are in other stripes than the
 * source: the checks on them (an open target is never replaced, a delete-pending directory
 * takes no names) still hold, and the table follows the rename. */
static void test_rename_across_stripes(void **state)
{
	struct vfs_open *src, *tgt, *dir;
	char d[32], t[64];
	(void)state;

	touch("src0");
	uint64_t ss = stripe_of_path("src0");
	/* a destination directory in another stripe */
	uint64_t ds = 0;
	for (int i = 0; i < 1000 && !ds; i++) {
		snprintf(d, sizeof(d), "d%d", i);
		assert_int_equal(open_opt(d, FILE_CREATE, FILE_DIRECTORY_FILE, &dir), STATUS_SUCCESS);
		close_op(dir);
		uint64_t s = stripe_of_path(d);
		if (!(s & ss))
			ds = s;
	}
	assert_int_not_equal(ds, 0);
	/* a target in it, in a third stripe */
	char prefix[48];
	snprintf(prefix, sizeof(prefix), "%s/t", d);
	touch_outside(prefix, ss | ds, t, sizeof(t));

	/* an open target is not replaced */
	assert_int_equal(open_simple(t, FILE_OPEN, &tgt), STATUS_SUCCESS);
	assert_int_equal(open_simple("src0", FILE_OPEN, &src), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(src, t, true), STATUS_ACCESS_DENIED);
	assert_string_equal(vfs_open_path(src), "src0");
	close_op(tgt);
	/* a closed one is */
	assert_int_equal(vfs_rename(src, t, true), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(src), t);
	assert_false(exists("src0"));
	/* a delete-pending destination directory takes no new names */
	assert_int_equal(open_opt("empty", FILE_CREATE, FILE_DIRECTORY_FILE, &dir), STATUS_SUCCESS);
	close_op(dir);
	struct vfs_create_args da = {
		.desired_access = FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | DELETE_ACCESS,
		.share_access = SHARE_ALL,
		.disposition = FILE_OPEN,
		.create_options = FILE_DIRECTORY_FILE,
	};
	assert_int_equal(open_args("empty", &da, &dir, NULL), STATUS_SUCCESS);
	assert_int_equal(vfs_set_delete_on_close(dir, true), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(src, "empty/x", false), STATUS_DELETE_PENDING);
	assert_string_equal(vfs_open_path(src), t);
	close_op(dir);
	assert_false(exists("empty"));
	close_op(src);
	assert_true(exists(t));
}

/* A directory rename takes every stripe: with a file open beneath it, in whatever stripe, it is
 * refused; without, the names beneath follow. */
static void test_directory_rename_sees_every_stripe(void **state)
{
	struct vfs_open *dir, *f;
	char name[64];
	(void)state;

	assert_int_equal(open_opt("top", FILE_CREATE, FILE_DIRECTORY_FILE, &dir), STATUS_SUCCESS);
	uint64_t ds = stripe_of_path("top");
	touch_outside("top/f", ds, name, sizeof(name));
	assert_int_equal(open_simple(name, FILE_OPEN, &f), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(dir, "moved", false), STATUS_ACCESS_DENIED);
	close_op(f);
	assert_int_equal(vfs_rename(dir, "moved", false), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(dir), "moved");
	close_op(dir);
	char moved[80];
	snprintf(moved, sizeof(moved), "moved/%s", strchr(name, '/') + 1);
	assert_true(exists(moved));
}

/* Files of one directory spread over the stripes (sequential inode numbers included). */
static void test_stripes_spread(void **state)
{
	uint64_t seen = 0;
	char name[32];
	(void)state;

	for (int i = 0; i < 256; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		touch(name);
		seen |= stripe_of_path(name);
	}
	assert_true(__builtin_popcountll(seen) >= VFS_TABLE_STRIPES * 3 / 4);
}

/* Several threads at once: each creates, writes, renames (between two directories, replacing),
 * marks for delete and closes its own files, while another renames a directory of its own back
 * and forth and opens a shared file. The table must come out empty and consistent; under TSan
 * this is the race check of the stripes. */
#define STRESS_THREADS 4
#define STRESS_ROUNDS 150

struct stress {
	struct vfs_share *share;
	int id;
	int failures;
};

static NTSTATUS stress_open(struct vfs_share *share, const char *path, uint32_t disp, uint32_t opts,
			    struct vfs_open **op)
{
	struct vfs_create_args a = {
		.desired_access = FILE_ALL_ACCESS,
		.share_access = SHARE_ALL,
		.disposition = disp,
		.create_options = opts,
	};
	struct vfs_create_result res;

	return vfs_create(share, path, &a, op, &res);
}

static void *stress_files(void *arg)
{
	struct stress *s = arg;
	char a[64], b[64], c[64];
	struct vfs_open *op, *shared;
	size_t n;

	for (int r = 0; r < STRESS_ROUNDS; r++) {
		snprintf(a, sizeof(a), "d1/t%d-%d", s->id, r);
		snprintf(b, sizeof(b), "d2/t%d-%d", s->id, r % 3);
		snprintf(c, sizeof(c), "t%d-%d", s->id, r);
		if (stress_open(s->share, a, FILE_CREATE, 0, &op) != STATUS_SUCCESS) {
			s->failures++;
			continue;
		}
		if (vfs_write(op, "x", 1, 0, &n) != STATUS_SUCCESS)
			s->failures++;
		/* something closed for the rename to replace */
		if (stress_open(s->share, b, FILE_OVERWRITE_IF, 0, &shared) == STATUS_SUCCESS)
			vfs_close(shared, NULL);
		else
			s->failures++;
		if (stress_open(s->share, "shared", FILE_OPEN, 0, &shared) == STATUS_SUCCESS)
			vfs_close(shared, NULL);
		else
			s->failures++;
		if (vfs_rename(op, b, true) != STATUS_SUCCESS)   /* replaces an earlier round's */
			s->failures++;
		if (strcmp(vfs_open_path(op), b) != 0)
			s->failures++;
		if (vfs_rename(op, c, false) != STATUS_SUCCESS)
			s->failures++;
		if (r % 2 && vfs_set_delete_on_close(op, true) != STATUS_SUCCESS)
			s->failures++;
		vfs_close(op, NULL);
	}
	return NULL;
}

static void *stress_dirs(void *arg)
{
	struct stress *s = arg;
	struct vfs_open *dir;

	if (stress_open(s->share, "spin", FILE_OPEN, FILE_DIRECTORY_FILE, &dir) != STATUS_SUCCESS) {
		s->failures++;
		return NULL;
	}
	for (int r = 0; r < STRESS_ROUNDS * 2; r++) {
		if (vfs_rename(dir, r % 2 ? "spin" : "spun", false) != STATUS_SUCCESS)
			s->failures++;
	}
	vfs_close(dir, NULL);
	return NULL;
}

static void test_concurrent_mix(void **state)
{
	struct stress s[STRESS_THREADS + 1];
	pthread_t t[STRESS_THREADS + 1];
	struct vfs_open *op;
	(void)state;

	assert_int_equal(open_opt("d1", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_opt("d2", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_opt("spin", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	touch("shared");
	for (int i = 0; i <= STRESS_THREADS; i++) {
		s[i] = (struct stress){ .share = F->share, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, i < STRESS_THREADS ? stress_files : stress_dirs,
						&s[i]), 0);
	}
	for (int i = 0; i <= STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i <= STRESS_THREADS; i++)
		assert_int_equal(s[i].failures, 0);
	/* every odd round's file went at its close, every even one's stayed */
	char name[32];
	for (int i = 0; i < STRESS_THREADS; i++) {
		for (int r = 0; r < 4; r++) {
			snprintf(name, sizeof(name), "t%d-%d", i, r);
			assert_int_equal(exists(name), r % 2 == 0);
		}
	}
	/* nothing is left in the table */
	for (size_t k = 0; k < VFS_TABLE_STRIPES; k++)
		assert_int_equal(F->share->files->stripes[k].count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_other_stripe_not_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_file_admission_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_across_stripes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_rename_sees_every_stripe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stripes_spread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_mix, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
