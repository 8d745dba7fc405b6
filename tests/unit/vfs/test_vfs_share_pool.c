/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the pool of shares whose path has variables (src/vfs/vfs_share.c): one
 * vfs_share per distinct path, shared and counted, resolved beneath its anchor, made only with
 * `create path`. */
#include "vfs_fixture.h"

/* The fixture's directory is the anchor; F->share is an ordinary share on it. */
static NTSTATUS open_in(struct vfs_share *s, const char *rel, uint32_t share_access,
			struct vfs_open **op)
{
	struct vfs_create_args a = {
		.desired_access = FILE_READ_DATA | FILE_WRITE_DATA,
		.share_access = share_access,
		.disposition = FILE_OPEN_IF,
	};
	struct vfs_create_result r;

	*op = NULL;
	return vfs_create(s, rel, &a, op, &r);
}

/* Trees on one path share the file state (a share-mode conflict is seen), trees on two paths
 * do not; each entry goes with its last tree. */
static void pool_one_share_per_path(void **state)
{
	struct vfs_share_pool *pool = vfs_share_pool_new();
	struct vfs_share *a1, *a2, *b;
	struct vfs_open *o1, *o2;

	assert_non_null(pool);
	assert_int_equal(mkdir(hostpath("u1"), 0755), 0);
	assert_int_equal(mkdir(hostpath("u2"), 0755), 0);
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "u1", false, false, &a1),
			 STATUS_SUCCESS);
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "u1", false, false, &a2),
			 STATUS_SUCCESS);
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "u2", false, false, &b),
			 STATUS_SUCCESS);
	assert_ptr_equal(a1, a2);
	assert_ptr_not_equal(a1, b);
	assert_int_equal(a1->refs, 2);
	assert_string_equal(a1->path, hostpath("u1"));

	/* One path: the second open sees the first's share mode (no sharing). */
	assert_int_equal(open_in(a1, "f", 0, &o1), STATUS_SUCCESS);
	assert_int_equal(open_in(a2, "f", 0, &o2), STATUS_SHARING_VIOLATION);
	/* Another path, the same name: another file, no conflict. */
	assert_int_equal(open_in(b, "f", 0, &o2), STATUS_SUCCESS);
	assert_true(exists("u1/f"));
	assert_true(exists("u2/f"));
	close_op(o2);
	close_op(o1);

	vfs_share_put(a2);
	assert_int_equal(a1->refs, 1);
	vfs_share_put(a1);   /* freed: the next get opens the path again */
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "u1", false, false, &a1),
			 STATUS_SUCCESS);
	assert_int_equal(a1->refs, 1);
	vfs_share_put(a1);
	vfs_share_put(b);
	vfs_share_put(F->share);   /* a start-up share is not counted: nothing happens */
	vfs_share_pool_free(pool);
}

/* A missing directory is an error unless `create path`; what is made stays beneath the anchor,
 * and a symbolic link on the way cannot lead out of it. */
static void pool_create_and_beneath(void **state)
{
	struct vfs_share_pool *pool = vfs_share_pool_new();
	struct vfs_share *s;

	assert_non_null(pool);
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "new/sub", false, false, &s),
			 STATUS_BAD_NETWORK_NAME);
	assert_false(exists("new"));
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "new/sub", false, true, &s),
			 STATUS_SUCCESS);
	assert_true(exists("new/sub"));
	vfs_share_put(s);

	assert_int_equal(symlink("/etc", hostpath("out")), 0);
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "out", false, false, &s),
			 STATUS_BAD_NETWORK_NAME);
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "out/x", false, true, &s),
			 STATUS_BAD_NETWORK_NAME);
	assert_int_equal(symlink("new", hostpath("in")), 0);   /* one that stays inside is fine */
	assert_int_equal(vfs_share_pool_get(pool, "dyn", F->dir, "in/sub", false, false, &s),
			 STATUS_SUCCESS);
	vfs_share_put(s);
	/* The anchor itself must be an absolute directory that exists. */
	assert_int_equal(vfs_share_pool_get(pool, "dyn", hostpath("nothere"), "x", false, true,
					    &s), STATUS_BAD_NETWORK_NAME);
	assert_int_equal(vfs_share_pool_get(pool, "dyn", "relative", "x", false, true, &s),
			 STATUS_BAD_NETWORK_NAME);
	vfs_share_pool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pool_one_share_per_path, setup, teardown),
		cmocka_unit_test_setup_teardown(pool_create_and_beneath, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
