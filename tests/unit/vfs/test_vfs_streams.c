/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for named streams: create/open/overwrite dispositions, I/O, sizes, case-insensitive
 * names, delete-on-close, listing, streams of directories, paths across a rename of the file. */
#include "vfs_fixture.h"

#include <sys/xattr.h>

static void write_all(struct vfs_open *op, const char *data, uint64_t off)
{
	size_t n;

	assert_int_equal(vfs_write(op, data, strlen(data), off, &n), STATUS_SUCCESS);
	assert_int_equal(n, strlen(data));
}

static void read_expect(struct vfs_open *op, uint64_t off, const char *want)
{
	char buf[128];
	size_t n;

	assert_int_equal(vfs_read(op, buf, sizeof(buf), off, &n), STATUS_SUCCESS);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_stream_dispositions(void **state)
{
	struct vfs_open *op, *base;
	struct vfs_create_result res;
	struct vfs_create_args a = { .desired_access = FILE_ALL_ACCESS, .share_access = SHARE_ALL };
	struct vfs_meta m;
	(void)state;

	/* opening a stream of a missing file: not found; creating one makes the file too */
	a.disposition = FILE_OPEN;
	assert_int_equal(open_args("f:s1", &a, &op, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
	a.disposition = FILE_CREATE;
	assert_int_equal(open_args("f:s1", &a, &op, &res), STATUS_SUCCESS);
	assert_int_equal(res.create_action, FILE_CREATED);
	assert_true(exists("f"));
	assert_string_equal(vfs_open_path(op), "f:s1");
	assert_true(vfs_open_is_stream(op));
	write_all(op, "hello", 0);
	write_all(op, "!!", 7);                       /* a gap reads as zeros */
	assert_int_equal(vfs_stat(op, &m), STATUS_SUCCESS);
	assert_int_equal(m.size, 9);
	assert_false(m.is_dir);
	close_op(op);

	/* the file's own data is untouched, and the file id is the file's */
	assert_int_equal(open_simple("f", FILE_OPEN, &base), STATUS_SUCCESS);
	assert_int_equal(vfs_stat(base, &m), STATUS_SUCCESS);
	assert_int_equal(m.size, 0);
	uint64_t id = m.file_id;

	/* CREATE collides; OPEN finds it in any case; the stream's own size */
	assert_int_equal(open_args("f:s1", &a, &op, NULL), STATUS_OBJECT_NAME_COLLISION);
	a.disposition = FILE_OPEN;
	assert_int_equal(open_args("F:S1", &a, &op, &res), STATUS_SUCCESS);
	assert_int_equal(res.create_action, FILE_OPENED);
	assert_int_equal(res.meta.file_id, id);
	assert_int_equal(res.meta.size, 9);
	assert_string_equal(vfs_open_path(op), "f:s1");
	char buf[16];
	size_t n;
	assert_int_equal(vfs_read(op, buf, sizeof(buf), 0, &n), STATUS_SUCCESS);
	assert_int_equal(n, 9);
	assert_memory_equal(buf, "hello\0\0!!", 9);
	assert_int_equal(vfs_read(op, buf, 1, 9, &n), STATUS_END_OF_FILE);
	assert_int_equal(vfs_set_eof(op, 2), STATUS_SUCCESS);
	read_expect(op, 0, "he");
	close_op(op);

	/* OVERWRITE empties it */
	a.disposition = FILE_OVERWRITE;
	assert_int_equal(open_args("f:s1", &a, &op, &res), STATUS_SUCCESS);
	assert_int_equal(res.create_action, FILE_OVERWRITTEN);
	assert_int_equal(res.meta.size, 0);
	close_op(op);
	assert_int_equal(open_args("f:nope", &a, &op, NULL), STATUS_OBJECT_NAME_NOT_FOUND);

	/* a second stream; the list has the unnamed stream first, then the named ones sorted */
	a.disposition = FILE_OPEN_IF;
	assert_int_equal(open_args("f:A2", &a, &op, &res), STATUS_SUCCESS);
	assert_int_equal(res.create_action, FILE_CREATED);
	write_all(op, "xyz", 0);
	struct vfs_stream_info *si;
	size_t ns;
	assert_int_equal(vfs_stream_list(op, &F->arena, &si, &ns), STATUS_SUCCESS);
	assert_int_equal(ns, 3);
	assert_string_equal(si[0].name, "");
	assert_string_equal(si[1].name, "A2");
	assert_int_equal(si[1].size, 3);
	assert_string_equal(si[2].name, "s1");
	close_op(op);
	close_op(base);

	/* directory opens and stream opens do not mix */
	assert_int_equal(open_opt("f:s1", FILE_OPEN, FILE_DIRECTORY_FILE, &op), STATUS_NOT_A_DIRECTORY);
	assert_int_equal(open_simple("f:s1/", FILE_OPEN, &op), STATUS_OBJECT_NAME_INVALID);
}

static void test_stream_delete_and_share(void **state)
{
	struct vfs_open *op, *op2;
	(void)state;

	touch("f:s");
	/* share modes are per stream: an exclusive stream open leaves the file alone */
	struct vfs_create_args ex = { .desired_access = FILE_ALL_ACCESS, .disposition = FILE_OPEN };
	assert_int_equal(open_args("f:s", &ex, &op, NULL), STATUS_SUCCESS);
	assert_int_equal(open_simple("f:s", FILE_OPEN, &op2), STATUS_SHARING_VIOLATION);
	assert_int_equal(open_simple("f", FILE_OPEN, &op2), STATUS_SUCCESS);
	close_op(op2);
	/* delete-on-close removes the stream only */
	assert_int_equal(vfs_set_delete_on_close(op, true), STATUS_SUCCESS);
	close_op(op);
	assert_true(exists("f"));
	assert_int_equal(open_simple("f:s", FILE_OPEN, &op), STATUS_OBJECT_NAME_NOT_FOUND);
	char v[8];
	assert_int_equal(getxattr(hostpath("f"), "user.skiff.stream.s", v, sizeof(v)), -1);

	/* a stream open follows a rename of its file; streams cannot be renamed themselves */
	touch("g:t");
	assert_int_equal(open_simple("g:t", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(op, "h", false), STATUS_INVALID_PARAMETER);
	assert_int_equal(open_simple("g", FILE_OPEN, &op2), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(op2, "h", false), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "h:t");
	close_op(op2);
	write_all(op, "still", 0);
	close_op(op);
	assert_int_equal(open_simple("H:T", FILE_OPEN, &op), STATUS_SUCCESS);
	read_expect(op, 0, "still");
	close_op(op);
}

static void test_stream_of_directory(void **state)
{
	struct vfs_open *op;
	struct vfs_create_result res;
	struct vfs_create_args a = { .desired_access = FILE_ALL_ACCESS, .share_access = SHARE_ALL,
				     .disposition = FILE_CREATE };
	(void)state;

	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_args("d:ds", &a, &op, &res), STATUS_SUCCESS);
	assert_false(res.meta.is_dir);
	assert_int_equal(res.meta.attrs & FILE_ATTRIBUTE_DIRECTORY, 0);
	write_all(op, "dirdata", 0);
	struct vfs_stream_info *si;
	size_t ns;
	assert_int_equal(vfs_stream_list(op, &F->arena, &si, &ns), STATUS_SUCCESS);
	assert_int_equal(ns, 1);   /* no unnamed stream for a directory */
	assert_string_equal(si[0].name, "ds");
	close_op(op);
	/* the directory still opens as one */
	assert_int_equal(open_opt("d", FILE_OPEN, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
}

static void test_stream_limits(void **state)
{
	struct vfs_open *op;
	size_t n;
	static char big[70000];
	(void)state;

	touch("f:s");
	assert_int_equal(open_simple("f:s", FILE_OPEN, &op), STATUS_SUCCESS);
	/* beyond what an xattr can hold: disk full, never a crash */
	assert_int_equal(vfs_write(op, big, sizeof(big), 0, &n), STATUS_DISK_FULL);
	close_op(op);
	/* a name too long for an xattr name */
	char name[300] = "f:";
	memset(name + 2, 'n', 240);
	assert_int_equal(open_simple(name, FILE_CREATE, &op), STATUS_OBJECT_NAME_INVALID);
	/* read-only access cannot add streams */
	assert_int_equal(open_acc("f:new", FILE_GENERIC_READ, FILE_OPEN_IF, 0, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(chmod(hostpath("f"), 0444), 0);
	if (geteuid() != 0)
		assert_int_equal(open_simple("f:other", FILE_CREATE, &op), STATUS_ACCESS_DENIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_dispositions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_delete_and_share, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_of_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
