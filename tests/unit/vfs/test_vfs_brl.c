/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for byte-range locks: the pure range table of src/vfs/vfs_brl.h (overlap, zero-length
 * ranges, stacking, exact unlock, 64-bit edges) and the VFS's use of it (two opens of a file,
 * READ/WRITE conflicts, all-or-nothing requests, waiters woken by an unlock and by a close). */
#include "vfs_fixture.h"

#include "vfs/vfs_brl.h"

/* Two distinct owners, as the VFS uses opens. */
static const int owner_a, owner_b;
#define A (&owner_a)
#define B (&owner_b)

static NTSTATUS add(struct vfs_brl_table *t, uint64_t off, uint64_t len, const void *o, bool excl)
{
	return vfs_brl_add(t, off, len, o, excl);
}

static void test_range_edges(void **state)
{
	struct vfs_brl_table t = { 0 };
	(void)state;

	/* the last byte may be 2^64 - 1, not beyond (smb2.lock.lock "max/1", "max/2") */
	assert_int_equal(vfs_brl_range_valid(UINT64_MAX, 0), STATUS_SUCCESS);
	assert_int_equal(vfs_brl_range_valid(UINT64_MAX, 1), STATUS_SUCCESS);
	assert_int_equal(vfs_brl_range_valid(UINT64_MAX, 2), STATUS_INVALID_LOCK_RANGE);
	assert_int_equal(vfs_brl_range_valid(UINT64_MAX, UINT64_MAX), STATUS_INVALID_LOCK_RANGE);
	assert_int_equal(vfs_brl_range_valid(1, UINT64_MAX), STATUS_SUCCESS);
	assert_int_equal(vfs_brl_range_valid(2, UINT64_MAX), STATUS_INVALID_LOCK_RANGE);
	assert_int_equal(vfs_brl_range_valid(0, UINT64_MAX), STATUS_SUCCESS);
	assert_int_equal(add(&t, UINT64_MAX, 2, A, true), STATUS_INVALID_LOCK_RANGE);
	assert_int_equal(vfs_brl_remove(&t, UINT64_MAX, 2, A), STATUS_INVALID_LOCK_RANGE);
	assert_int_equal(t.n, 0);

	/* ranges past 2^63 are ordinary ranges */
	uint64_t half = 1ull << 63;
	assert_int_equal(add(&t, half - 1, 1, A, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, half, 1, A, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, half, 1, B, true), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(add(&t, half - 1, 2, B, false), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(add(&t, half + 1, 1, B, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, UINT64_MAX, 1, A, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, UINT64_MAX - 1, 2, B, true), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(add(&t, UINT64_MAX - 1, 1, B, true), STATUS_SUCCESS);
	vfs_brl_table_free(&t);
}

static void test_overlap_and_sharing(void **state)
{
	struct vfs_brl_table t = { 0 };
	(void)state;

	/* adjacent ranges do not overlap */
	assert_int_equal(add(&t, 0, 10, A, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, 10, 10, B, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, 9, 2, B, true), STATUS_LOCK_NOT_GRANTED);
	/* another owner: neither shared nor exclusive over an exclusive lock */
	assert_int_equal(add(&t, 5, 1, B, false), STATUS_LOCK_NOT_GRANTED);
	/* the owner: a shared lock stacks on its exclusive one, a second exclusive does not */
	assert_int_equal(add(&t, 0, 10, A, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 0, 10, A, true), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(add(&t, 2, 3, A, true), STATUS_LOCK_NOT_GRANTED);
	vfs_brl_table_free(&t);

	/* shared locks of several owners stack; nobody, the holder included, then locks exclusively */
	assert_int_equal(add(&t, 100, 10, A, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 105, 10, B, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 100, 10, A, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 100, 1, A, true), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(add(&t, 112, 1, B, true), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(add(&t, 115, 1, B, true), STATUS_SUCCESS);
	vfs_brl_table_free(&t);
}

/* I/O intent: reads pass shared locks, writes pass none; the exclusive holder does both. */
static void test_io_conflicts(void **state)
{
	struct vfs_brl_table t = { 0 };
	(void)state;

	assert_int_equal(add(&t, 0, 100, A, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 100, 100, A, true), STATUS_SUCCESS);
	assert_false(vfs_brl_conflicts(&t, 0, 100, A, false, false));
	assert_false(vfs_brl_conflicts(&t, 0, 100, B, false, false));
	assert_true(vfs_brl_conflicts(&t, 0, 100, A, true, false));
	assert_true(vfs_brl_conflicts(&t, 99, 1, B, true, false));
	assert_false(vfs_brl_conflicts(&t, 100, 100, A, false, false));
	assert_false(vfs_brl_conflicts(&t, 100, 100, A, true, false));
	assert_true(vfs_brl_conflicts(&t, 150, 1, B, false, false));
	assert_true(vfs_brl_conflicts(&t, 199, 1, B, true, false));
	assert_false(vfs_brl_conflicts(&t, 200, 1000, B, true, false));
	vfs_brl_table_free(&t);
}

/* smbtorture smb2.lock.zerobytelength: a zero-length range overlaps a lock only strictly inside
 * it, zero-length ranges never overlap each other, {0, 0} overlaps nothing. */
static void test_zero_length(void **state)
{
	static const struct { uint64_t off1, len1, off2, len2; bool conflict; } cases[] = {
		{ 10, 0, 10, 0, false }, { 10, 0, 9, 1, false }, { 10, 0, 10, 1, false },
		{ 10, 0, 11, 1, false }, { 10, 0, 9, 2, true },  { 10, 0, 10, 2, false },
		{ 10, 0, 9, 3, true },   { 9, 1, 10, 0, false },  { 10, 1, 10, 0, false },
		{ 11, 1, 10, 0, false }, { 9, 2, 10, 0, true },   { 10, 2, 10, 0, false },
		{ 9, 3, 10, 0, true },   { 0, 0, 0, 0, false },   { 0, 0, 0, 5, false },
		{ 0, 5, 0, 0, false },   { UINT64_MAX, 0, UINT64_MAX, 0, false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vfs_brl_table t = { 0 };
		assert_int_equal(add(&t, cases[i].off1, cases[i].len1, A, true), STATUS_SUCCESS);
		assert_int_equal(add(&t, cases[i].off2, cases[i].len2, B, true),
				 cases[i].conflict ? STATUS_LOCK_NOT_GRANTED : STATUS_SUCCESS);
		vfs_brl_table_free(&t);
	}
}

static void test_unlock_exact(void **state)
{
	struct vfs_brl_table t = { 0 };
	(void)state;

	assert_int_equal(add(&t, 110, 4, A, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 112, 4, A, false), STATUS_SUCCESS);
	/* only a range exactly as locked, by its owner (smb2.lock.overlap, smb2.lock.lock) */
	assert_int_equal(vfs_brl_remove(&t, 110, 6, A), STATUS_RANGE_NOT_LOCKED);
	assert_int_equal(vfs_brl_remove(&t, 110, 4, B), STATUS_RANGE_NOT_LOCKED);
	assert_int_equal(vfs_brl_remove(&t, 110, 4, A), STATUS_SUCCESS);
	assert_int_equal(vfs_brl_remove(&t, 110, 4, A), STATUS_RANGE_NOT_LOCKED);
	assert_int_equal(t.n, 1);
	vfs_brl_table_free(&t);

	/* stacked exclusive + shared: the exclusive goes first, so another owner may then share */
	assert_int_equal(add(&t, 10, 0, A, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, 10, 0, A, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 5, 10, B, false), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(vfs_brl_remove(&t, 10, 0, A), STATUS_SUCCESS);
	assert_int_equal(add(&t, 5, 10, B, false), STATUS_SUCCESS);
	assert_int_equal(vfs_brl_remove(&t, 10, 0, A), STATUS_SUCCESS);
	assert_int_equal(vfs_brl_remove(&t, 10, 0, A), STATUS_RANGE_NOT_LOCKED);

	/* all of an owner's locks at once, the other's stay */
	assert_int_equal(add(&t, 0, 1, A, true), STATUS_SUCCESS);
	assert_int_equal(add(&t, 2, 1, A, false), STATUS_SUCCESS);
	assert_int_equal(vfs_brl_remove_owner(&t, A), 2);
	assert_int_equal(t.n, 1);
	assert_int_equal(vfs_brl_remove_owner(&t, B), 1);
	assert_int_equal(t.n, 0);
	vfs_brl_table_free(&t);
}

/* The table is bounded; a full one refuses, and the request is undone. */
static void test_table_bound(void **state)
{
	struct vfs_brl_table t = { 0 };
	(void)state;

	for (uint64_t i = 0; i < VFS_BRL_MAX_PER_STREAM; i++)
		assert_int_equal(add(&t, i * 2, 1, A, false), STATUS_SUCCESS);
	assert_int_equal(add(&t, 1, 1, B, false), STATUS_INSUFFICIENT_RESOURCES);
	assert_int_equal(vfs_brl_remove(&t, 0, 1, A), STATUS_SUCCESS);
	assert_int_equal(add(&t, 1, 1, B, false), STATUS_SUCCESS);
	assert_int_equal(t.n, VFS_BRL_MAX_PER_STREAM);
	vfs_brl_table_free(&t);
}

static void test_add_all_or_nothing(void **state)
{
	struct vfs_brl_table t = { 0 };
	(void)state;

	assert_int_equal(add(&t, 10, 10, B, true), STATUS_SUCCESS);
	struct vfs_lock_range r[3] = { { 0, 10, true }, { 30, 10, false }, { 15, 1, true } };
	assert_int_equal(vfs_brl_add_all(&t, r, 3, A), STATUS_LOCK_NOT_GRANTED);
	assert_int_equal(t.n, 1);
	assert_int_equal(add(&t, 0, 10, B, true), STATUS_SUCCESS);   /* the first was undone */
	r[2] = (struct vfs_lock_range){ 1ull << 63, 1, true };
	r[0].offset = 50;
	assert_int_equal(vfs_brl_add_all(&t, r, 3, A), STATUS_SUCCESS);
	assert_int_equal(t.n, 5);
	r[0] = (struct vfs_lock_range){ 70, 1, true };
	r[1] = (struct vfs_lock_range){ UINT64_MAX, 2, true };
	assert_int_equal(vfs_brl_add_all(&t, r, 2, A), STATUS_INVALID_LOCK_RANGE);
	assert_int_equal(t.n, 5);
	vfs_brl_table_free(&t);
}

/* ---- through the VFS: two opens of one file ---- */

static struct vfs_lock_range rng(uint64_t off, uint64_t len, bool excl)
{
	return (struct vfs_lock_range){ .offset = off, .length = len, .exclusive = excl };
}

static void test_vfs_read_write_conflicts(void **state)
{
	struct vfs_open *h1, *h2, *dir;
	char buf[200] = { 0 };
	size_t n;
	(void)state;

	assert_int_equal(open_simple("f", FILE_CREATE, &h1), STATUS_SUCCESS);
	assert_int_equal(open_simple("f", FILE_OPEN, &h2), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h1, buf, sizeof(buf), 0, &n), STATUS_SUCCESS);

	struct vfs_lock_range r = rng(0, 100, false);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_SUCCESS);
	r = rng(100, 100, true);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_SUCCESS);
	/* shared: both read, nobody writes */
	assert_int_equal(vfs_read(h2, buf, 100, 0, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_read(h1, buf, 100, 0, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h1, buf, 1, 50, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_write(h2, buf, 1, 50, &n), STATUS_FILE_LOCK_CONFLICT);
	/* exclusive: only its holder */
	assert_int_equal(vfs_read(h1, buf, 100, 100, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h1, buf, 100, 100, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_read(h2, buf, 1, 199, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_write(h2, buf, 10, 195, &n), STATUS_FILE_LOCK_CONFLICT);
	/* zero-length I/O and I/O outside the locks pass (smb2.lock.zerobyteread) */
	assert_int_equal(vfs_read(h2, buf, 0, 150, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h2, buf, 10, 200, &n), STATUS_SUCCESS);
	/* a close releases the open's locks */
	close_op(h1);
	assert_int_equal(vfs_write(h2, buf, 200, 0, &n), STATUS_SUCCESS);
	close_op(h2);

	/* no locks on directories (MS-FSA 2.1.5.8) */
	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &dir), STATUS_SUCCESS);
	r = rng(0, 1, true);
	assert_int_equal(vfs_lock(dir, &r, 1, NULL), STATUS_INVALID_PARAMETER);
	assert_int_equal(vfs_unlock(dir, 0, 1), STATUS_INVALID_PARAMETER);
	close_op(dir);
}

/* Locks belong to a stream: the file's and a named stream's do not meet. */
static void test_vfs_streams_apart(void **state)
{
	struct vfs_open *f, *s1, *s2;
	char buf[8] = "abcdefg";
	size_t n;
	(void)state;

	assert_int_equal(open_simple("f", FILE_CREATE, &f), STATUS_SUCCESS);
	assert_int_equal(open_simple("f:s", FILE_CREATE, &s1), STATUS_SUCCESS);
	assert_int_equal(open_simple("f:s", FILE_OPEN, &s2), STATUS_SUCCESS);
	struct vfs_lock_range r = rng(0, 8, true);
	assert_int_equal(vfs_lock(f, &r, 1, NULL), STATUS_SUCCESS);
	assert_int_equal(vfs_lock(s1, &r, 1, NULL), STATUS_SUCCESS);
	assert_int_equal(vfs_write(s2, buf, 8, 0, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_write(s1, buf, 8, 0, &n), STATUS_SUCCESS);
	close_op(s1);
	assert_int_equal(vfs_write(s2, buf, 8, 0, &n), STATUS_SUCCESS);
	close_op(s2);
	close_op(f);
}

struct test_waiter {
	struct vfs_lock_waiter w;   /* first */
	int woken;
};

static void count_wake(struct vfs_lock_waiter *w)
{
	((struct test_waiter *)w)->woken++;
}

static void test_vfs_waiters(void **state)
{
	struct vfs_open *h1, *h2;
	struct test_waiter tw = { .w.wake = count_wake };
	(void)state;

	assert_int_equal(open_simple("f", FILE_CREATE, &h1), STATUS_SUCCESS);
	assert_int_equal(open_simple("f", FILE_OPEN, &h2), STATUS_SUCCESS);
	struct vfs_lock_range r = rng(100, 50, true);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_SUCCESS);
	/* a conflicting request with a waiter is queued, and woken once by an unlock */
	assert_int_equal(vfs_lock(h2, &r, 1, &tw.w), STATUS_PENDING);
	assert_int_equal(tw.woken, 0);
	assert_int_equal(vfs_unlock(h1, 0, 1), STATUS_RANGE_NOT_LOCKED);
	assert_int_equal(tw.woken, 0);   /* a failed unlock releases nothing */
	assert_int_equal(vfs_unlock(h1, 100, 50), STATUS_SUCCESS);
	assert_int_equal(tw.woken, 1);
	assert_false(vfs_lock_unwait(h2, &tw.w));   /* already off the queue */
	assert_int_equal(vfs_lock(h2, &r, 1, &tw.w), STATUS_SUCCESS);

	/* the holder's close wakes too */
	assert_int_equal(vfs_lock(h1, &r, 1, &tw.w), STATUS_PENDING);
	close_op(h2);
	assert_int_equal(tw.woken, 2);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_SUCCESS);

	/* a withdrawn waiter is not woken; several ranges cannot wait */
	assert_int_equal(open_simple("f", FILE_OPEN, &h2), STATUS_SUCCESS);
	assert_int_equal(vfs_lock(h2, &r, 1, &tw.w), STATUS_PENDING);
	assert_true(vfs_lock_unwait(h2, &tw.w));
	assert_int_equal(vfs_unlock(h1, 100, 50), STATUS_SUCCESS);
	assert_int_equal(tw.woken, 2);
	struct vfs_lock_range two[2] = { r, rng(0, 1, false) };
	assert_int_equal(vfs_lock(h2, two, 2, &tw.w), STATUS_INVALID_PARAMETER);
	close_op(h2);
	close_op(h1);
}

/* A lock held on a file that is truncated (issue 12): MS-FSA 2.1.5.14.4 checks no byte-range
 * lock, so another open may truncate (and extend) the file, and the ranges stay as they are:
 * past the end of file they still keep other opens out, who see the conflict before the end of
 * file (2.1.5.2 checks locks first), while the holder reads END_OF_FILE and may write. */
static void test_vfs_lock_survives_truncate(void **state)
{
	struct vfs_open *h1, *h2;
	char buf[200] = { 0 };
	size_t n;
	(void)state;

	assert_int_equal(open_simple("t", FILE_CREATE, &h1), STATUS_SUCCESS);
	assert_int_equal(open_simple("t", FILE_OPEN, &h2), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h1, buf, sizeof(buf), 0, &n), STATUS_SUCCESS);
	struct vfs_lock_range r = rng(100, 100, true);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_SUCCESS);

	assert_int_equal(vfs_set_eof(h2, 0), STATUS_SUCCESS);
	assert_int_equal(vfs_read(h2, buf, 10, 120, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_write(h2, buf, 10, 120, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_read(h2, buf, 10, 20, &n), STATUS_END_OF_FILE);
	assert_int_equal(vfs_read(h1, buf, 10, 120, &n), STATUS_END_OF_FILE);
	assert_int_equal(vfs_write(h1, buf, 10, 120, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_set_eof(h2, 1000), STATUS_SUCCESS);
	assert_int_equal(vfs_read(h2, buf, 10, 190, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_read(h2, buf, 10, 200, &n), STATUS_SUCCESS);
	/* the range is unlocked as it was taken, and then nothing is in the way */
	assert_int_equal(vfs_unlock(h1, 100, 100), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h2, buf, 10, 120, &n), STATUS_SUCCESS);
	close_op(h2);
	close_op(h1);
}

/* The same rules through open handles at the 64-bit edges: a range past 2^63 and the last byte
 * are locked and unlocked like any other. A zero-length lock at X keeps out I/O (and locks) that
 * has X strictly inside it, I/O that ends at X or starts there passes (MS-FSA 2.1.4.10: its
 * last byte is X - 1). */
static void test_vfs_lock_edges(void **state)
{
	struct vfs_open *h1, *h2;
	char buf[16] = { 0 };
	size_t n;
	(void)state;

	assert_int_equal(open_simple("e", FILE_CREATE, &h1), STATUS_SUCCESS);
	assert_int_equal(open_simple("e", FILE_OPEN, &h2), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h1, buf, sizeof(buf), 0, &n), STATUS_SUCCESS);
	const uint64_t big = (uint64_t)1 << 63;
	struct vfs_lock_range r = rng(big + 5, 10, true);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_SUCCESS);
	r = rng(big + 14, 1, false);
	assert_int_equal(vfs_lock(h2, &r, 1, NULL), STATUS_LOCK_NOT_GRANTED);
	r = rng(big + 15, 1, false);
	assert_int_equal(vfs_lock(h2, &r, 1, NULL), STATUS_SUCCESS);
	r = rng(UINT64_MAX, 1, true);
	assert_int_equal(vfs_lock(h2, &r, 1, NULL), STATUS_SUCCESS);
	r = rng(UINT64_MAX, 1, false);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_LOCK_NOT_GRANTED);
	r = rng(UINT64_MAX, 2, false);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_INVALID_LOCK_RANGE);
	assert_int_equal(vfs_unlock(h1, big + 5, 9), STATUS_RANGE_NOT_LOCKED);
	assert_int_equal(vfs_unlock(h1, big + 5, 10), STATUS_SUCCESS);
	assert_int_equal(vfs_unlock(h2, UINT64_MAX, 1), STATUS_SUCCESS);

	r = rng(4, 0, true);
	assert_int_equal(vfs_lock(h1, &r, 1, NULL), STATUS_SUCCESS);
	assert_int_equal(vfs_read(h2, buf, 8, 0, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_write(h2, buf, 8, 0, &n), STATUS_FILE_LOCK_CONFLICT);
	assert_int_equal(vfs_read(h2, buf, 4, 0, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_write(h2, buf, 4, 4, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_read(h1, buf, 8, 0, &n), STATUS_SUCCESS);
	r = rng(4, 0, true);
	assert_int_equal(vfs_lock(h2, &r, 1, NULL), STATUS_SUCCESS);
	r = rng(0, 8, true);   /* a zero-length lock strictly inside conflicts with a range */
	assert_int_equal(vfs_lock(h2, &r, 1, NULL), STATUS_LOCK_NOT_GRANTED);
	close_op(h2);
	close_op(h1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_edges),
		cmocka_unit_test(test_overlap_and_sharing),
		cmocka_unit_test(test_io_conflicts),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_unlock_exact),
		cmocka_unit_test(test_add_all_or_nothing),
		cmocka_unit_test(test_table_bound),
		cmocka_unit_test_setup_teardown(test_vfs_read_write_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfs_streams_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfs_waiters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfs_lock_survives_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfs_lock_edges, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
