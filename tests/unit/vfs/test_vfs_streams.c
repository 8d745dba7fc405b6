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
	assert_int_equal(open_acc("f", FILE_GENERIC_READ | FILE_GENERIC_WRITE, FILE_OPEN, 0, &op2),
			 STATUS_SUCCESS);
	close_op(op2);
	/* ... except for DELETE, which a stream not sharing delete refuses to the file */
	assert_int_equal(open_simple("f", FILE_OPEN, &op2), STATUS_SHARING_VIOLATION);
	assert_int_equal(open_acc("f", DELETE_ACCESS, FILE_OPEN, 0, &op2), STATUS_SHARING_VIOLATION);
	/* delete-on-close removes the stream only */
	assert_int_equal(vfs_set_delete_on_close(op, true), STATUS_SUCCESS);
	close_op(op);
	assert_true(exists("f"));
	assert_int_equal(open_simple("f:s", FILE_OPEN, &op), STATUS_OBJECT_NAME_NOT_FOUND);
	char v[8];
	assert_int_equal(getxattr(hostpath("f"), "user.skiff.stream.s", v, sizeof(v)), -1);

	/* a file with an open stream keeps its name (as Samba); a stream open cannot move to
	 * another file; closed streams go with their file */
	touch("g:t");
	assert_int_equal(open_simple("g:t", FILE_OPEN, &op), STATUS_SUCCESS);
	write_all(op, "still", 0);
	assert_int_equal(vfs_rename(op, "h", false), STATUS_INVALID_PARAMETER);
	assert_int_equal(open_simple("g", FILE_OPEN, &op2), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(op2, "h", false), STATUS_ACCESS_DENIED);
	close_op(op);
	assert_int_equal(vfs_rename(op2, "h", false), STATUS_SUCCESS);
	close_op(op2);
	assert_int_equal(open_simple("H:T", FILE_OPEN, &op), STATUS_SUCCESS);
	read_expect(op, 0, "still");
	assert_string_equal(vfs_open_path(op), "h:t");
	close_op(op);
	/* a file cannot be renamed into a stream; "name::$DATA" is the file */
	assert_int_equal(open_simple("h", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(op, "x:s", false), STATUS_INVALID_PARAMETER);
	assert_int_equal(vfs_rename(op, "x::$DATA", false), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "x");
	close_op(op);
	assert_true(exists("x"));
}

/* smb2.streams.delete: the file's delete-pending covers its streams, and the file goes with the
 * last open of any of them. */
static void test_stream_file_delete_pending(void **state)
{
	struct vfs_open *op, *st, *op2;
	struct vfs_create_args sa = { .desired_access = FILE_GENERIC_READ | FILE_GENERIC_WRITE,
				      .share_access = SHARE_ALL, .disposition = FILE_OPEN };
	(void)state;

	touch("f:s");
	assert_int_equal(open_simple("f:s", FILE_OPEN, &st), STATUS_SUCCESS);
	write_all(st, "test data", 0);
	close_op(st);
	assert_int_equal(open_args("f:s", &sa, &st, NULL), STATUS_SUCCESS);   /* shares delete */
	assert_int_equal(open_opt("f", FILE_OPEN, FILE_DELETE_ON_CLOSE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_true(exists("f"));                         /* the stream is still open */
	assert_true(vfs_open_delete_pending(st));         /* FileStandardInformation says so */
	read_expect(st, 0, "test data");
	assert_int_equal(open_simple("f", FILE_OPEN_IF, &op2), STATUS_DELETE_PENDING);
	assert_int_equal(open_simple("f:s", FILE_OPEN_IF, &op2), STATUS_DELETE_PENDING);
	assert_int_equal(open_simple("f:other", FILE_OPEN_IF, &op2), STATUS_DELETE_PENDING);
	close_op(st);
	assert_false(exists("f"));
	assert_int_equal(open_simple("f", FILE_OPEN, &op2), STATUS_OBJECT_NAME_NOT_FOUND);

	/* delete-on-close of a stream alone leaves the file and its other streams */
	touch("g:a");
	touch("g:b");
	assert_int_equal(open_opt("g:a", FILE_OPEN, FILE_DELETE_ON_CLOSE, &op), STATUS_SUCCESS);
	assert_int_equal(open_simple("g:a", FILE_OPEN, &op2), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_simple("g:a", FILE_OPEN, &st), STATUS_DELETE_PENDING);
	assert_int_equal(open_simple("g", FILE_OPEN, &st), STATUS_SUCCESS);   /* the file is not */
	close_op(st);
	close_op(op2);
	assert_int_equal(open_simple("g:a", FILE_OPEN, &op), STATUS_OBJECT_NAME_NOT_FOUND);
	assert_int_equal(open_simple("g:b", FILE_OPEN, &op), STATUS_SUCCESS);
	close_op(op);
}

/* smb2.streams.dir: "name::$DATA" is the file's data, never a directory. */
static void test_unnamed_stream_spelled_out(void **state)
{
	struct vfs_open *op;
	struct vfs_create_result res;
	(void)state;

	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_opt("d::$DATA", FILE_OPEN, FILE_DIRECTORY_FILE, &op), STATUS_NOT_A_DIRECTORY);
	assert_int_equal(open_simple("d::$DATA", FILE_OPEN, &op), STATUS_FILE_IS_A_DIRECTORY);
	assert_int_equal(open_opt("new::$DATA", FILE_CREATE, FILE_DIRECTORY_FILE, &op),
			 STATUS_NOT_A_DIRECTORY);
	assert_false(exists("new"));
	struct vfs_create_args a = { .desired_access = FILE_ALL_ACCESS, .share_access = SHARE_ALL,
				     .disposition = FILE_CREATE };
	assert_int_equal(open_args("new::$DATA", &a, &op, &res), STATUS_SUCCESS);
	assert_false(res.meta.is_dir);
	assert_false(vfs_open_is_stream(op));
	assert_string_equal(vfs_open_path(op), "new");
	write_all(op, "data", 0);
	close_op(op);
	assert_int_equal(open_simple(":s", FILE_OPEN_IF, &op), STATUS_OBJECT_NAME_INVALID);
	assert_int_equal(open_simple("::$DATA", FILE_OPEN, &op), STATUS_OBJECT_NAME_INVALID);
}

/* smb2.streams.create-disposition: overwrite and supersede of the file drop its streams; of a
 * stream, only that stream is emptied. */
static void test_overwrite_drops_streams(void **state)
{
	struct vfs_open *op;
	struct vfs_stream_info *si;
	size_t ns;
	(void)state;

	static const uint32_t disp[] = { FILE_OVERWRITE, FILE_OVERWRITE_IF, FILE_SUPERSEDE };
	for (size_t i = 0; i < 3; i++) {
		touch("f:s1");
		touch("f:s2");
		assert_int_equal(open_simple("f", disp[i], &op), STATUS_SUCCESS);
		assert_int_equal(vfs_stream_list(op, &F->arena, &si, &ns), STATUS_SUCCESS);
		assert_int_equal(ns, 1);
		assert_string_equal(si[0].name, "");
		close_op(op);
	}
	touch("f:s1");
	assert_int_equal(open_simple("f:s1", FILE_OPEN, &op), STATUS_SUCCESS);
	write_all(op, "abc", 0);
	close_op(op);
	touch("f:s2");
	assert_int_equal(open_simple("f:s1", FILE_OVERWRITE_IF, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_stream_list(op, &F->arena, &si, &ns), STATUS_SUCCESS);
	assert_int_equal(ns, 3);
	assert_int_equal(si[1].size, 0);
	close_op(op);
}

/* Stream names may hold what file names may not (smb2.streams.names, names2). */
static void test_stream_names(void **state)
{
	struct vfs_open *op;
	struct vfs_stream_info *si;
	size_t ns;
	char *rel;
	static const uint8_t wire[] = {   /* "f:\x05S\n One?*" in UTF-16LE */
		'f', 0, ':', 0, 5, 0, 'S', 0, '\n', 0, ' ', 0, 'O', 0, 'n', 0, 'e', 0, '?', 0, '*', 0,
	};
	(void)state;

	assert_int_equal(vfs_path_from_wire(&F->arena, wire, sizeof(wire), &rel), STATUS_SUCCESS);
	assert_int_equal(open_simple(rel, FILE_CREATE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_simple("f:\x05s\n ONE?*", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_stream_list(op, &F->arena, &si, &ns), STATUS_SUCCESS);
	assert_int_equal(ns, 2);
	assert_string_equal(si[1].name, "\x05S\n One?*");   /* first spelling kept */
	close_op(op);
}

/* FileRenameInformation ":new" on a stream open (MS-FSA 2.1.5.15.11.1). */
static void test_stream_rename(void **state)
{
	struct vfs_open *op, *op2;
	struct vfs_stream_info *si;
	size_t ns;
	(void)state;

	touch("f:one");
	assert_int_equal(open_simple("f:one", FILE_OPEN, &op), STATUS_SUCCESS);
	write_all(op, "1", 0);
	assert_int_equal(vfs_rename(op, ":one", true), STATUS_SUCCESS);        /* its own name */
	assert_int_equal(vfs_rename(op, ":two", false), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "f:two");
	read_expect(op, 0, "1");
	write_all(op, "2", 1);
	/* into an existing stream: only with replace, only an empty one, only when closed */
	touch("f:empty");
	touch("f:full");
	assert_int_equal(open_simple("f:full", FILE_OPEN, &op2), STATUS_SUCCESS);
	write_all(op2, "x", 0);
	assert_int_equal(vfs_rename(op, ":FULL", true), STATUS_ACCESS_DENIED);
	close_op(op2);
	assert_int_equal(vfs_rename(op, ":empty", false), STATUS_OBJECT_NAME_COLLISION);
	assert_int_equal(vfs_rename(op, ":FULL", true), STATUS_INVALID_PARAMETER);
	assert_int_equal(vfs_rename(op, ":EMPTY", true), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "f:EMPTY");
	read_expect(op, 0, "12");
	/* another handle of the same stream: refused; the unnamed stream: not done */
	assert_int_equal(open_simple("f:empty", FILE_OPEN, &op2), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(op, ":three", true), STATUS_ACCESS_DENIED);
	close_op(op2);
	assert_int_equal(vfs_rename(op, "::$DATA", true), STATUS_NOT_SUPPORTED);
	assert_int_equal(vfs_rename(op, ":bad/name", true), STATUS_OBJECT_NAME_INVALID);
	close_op(op);
	assert_int_equal(open_simple("f", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_stream_list(op, &F->arena, &si, &ns), STATUS_SUCCESS);
	assert_int_equal(ns, 3);
	assert_string_equal(si[1].name, "EMPTY");
	assert_int_equal(si[1].size, 2);
	assert_string_equal(si[2].name, "full");
	/* the file's own open cannot rename its unnamed stream */
	assert_int_equal(vfs_rename(op, ":other", false), STATUS_INVALID_PARAMETER);
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
		cmocka_unit_test_setup_teardown(test_stream_file_delete_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unnamed_stream_spelled_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_drops_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_rename, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
