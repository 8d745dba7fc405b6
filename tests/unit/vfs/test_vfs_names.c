/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the VFS's Windows name rules: case-insensitive lookup (create, open, collision,
 * rename, the directory cache against changes made outside the VFS) and 8.3 short names.
 */
#include "vfs_fixture.h"

static void test_case_insensitive_open(void **state)
{
	struct vfs_open *op;
	(void)state;

	assert_int_equal(open_opt("DiR", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	touch("DiR/FiLe.TxT");

	/* every spelling opens the one file, and the open reports the on-disk spelling */
	assert_int_equal(open_simple("dir/file.txt", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "DiR/FiLe.TxT");
	close_op(op);
	assert_int_equal(open_simple("DIR/FILE.TXT", FILE_OPEN_IF, &op), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "DiR/FiLe.TxT");
	close_op(op);
	assert_int_equal(open_opt("dir", FILE_OPEN, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "DiR");
	close_op(op);

	/* creating another case of an existing name collides; new names land in the existing
	 * directory whatever case the client spells it in */
	assert_int_equal(open_simple("dir/FILE.txt", FILE_CREATE, &op), STATUS_OBJECT_NAME_COLLISION);
	touch("dir/new");
	assert_true(exists("DiR/new"));
	assert_false(exists("dir"));
	/* a missing parent in any case is still a missing path */
	assert_int_equal(open_simple("nodir/x", FILE_CREATE, &op), STATUS_OBJECT_PATH_NOT_FOUND);
	assert_int_equal(open_simple("dir/nodir/x", FILE_CREATE, &op), STATUS_OBJECT_PATH_NOT_FOUND);

	/* beyond ASCII: fullwidth a/A (smb2.charset wide-a), Greek, Latin-1 */
	touch("a");
	touch("\xef\xbd\x81");                                   /* U+FF41 */
	assert_int_equal(open_simple("\xef\xbc\xa1", FILE_CREATE, &op),   /* U+FF21 */
			 STATUS_OBJECT_NAME_COLLISION);
	touch("\xce\xb1\xce\xb2");                               /* αβ */
	assert_int_equal(open_simple("\xce\x91\xce\x92", FILE_OPEN, &op), STATUS_SUCCESS);   /* ΑΒ */
	close_op(op);
	touch("\xc3\xa9t\xc3\xa9");                              /* été */
	assert_int_equal(open_simple("\xc3\x89T\xc3\x89", FILE_OPEN, &op), STATUS_SUCCESS);  /* ÉTÉ */
	close_op(op);
	/* no non-ASCII letter equals an ASCII one: dotless i is not I */
	touch("i");
	touch("\xc4\xb1");                                       /* U+0131 */
}

static void test_cache_sees_outside_changes(void **state)
{
	struct vfs_open *op;
	char name[32];
	(void)state;

	/* fill a directory through the VFS: each create checks for collisions */
	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "d/File%03d", i);
		touch(name);
	}
	assert_int_equal(open_simple("d/FILE123", FILE_CREATE, &op), STATUS_OBJECT_NAME_COLLISION);

	/* a name made by another program after the cache was filled is found */
	int fd = open(hostpath("d/Outside"), O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(open_simple("d/OUTSIDE", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "d/Outside");
	close_op(op);

	/* and one removed behind its back is gone */
	assert_int_equal(unlink(hostpath("d/File007")), 0);
	assert_int_equal(open_simple("d/file007", FILE_OPEN, &op), STATUS_OBJECT_NAME_NOT_FOUND);
	touch("d/file007");
	assert_true(exists("d/file007"));

	/* delete-on-close through the VFS forgets the name too */
	assert_int_equal(open_opt("d/FILE008", FILE_OPEN, FILE_DELETE_ON_CLOSE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_false(exists("d/File008"));
	assert_int_equal(open_simple("d/file008", FILE_OPEN, &op), STATUS_OBJECT_NAME_NOT_FOUND);
}

static void test_case_insensitive_rename(void **state)
{
	struct vfs_open *op;
	(void)state;

	assert_int_equal(open_opt("Sub", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	touch("Sub/Old");
	touch("Sub/Other");

	/* a case-only rename renames */
	assert_int_equal(open_simple("sub/old", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(op, "SUB/OLD", false), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "Sub/OLD");
	assert_true(exists("Sub/OLD"));
	assert_false(exists("Sub/Old"));

	/* another file under another case collides, and is what a replace replaces */
	assert_int_equal(vfs_rename(op, "sub/other", false), STATUS_OBJECT_NAME_COLLISION);
	assert_int_equal(vfs_rename(op, "sub/OTHER", true), STATUS_SUCCESS);
	assert_string_equal(vfs_open_path(op), "Sub/Other");
	assert_false(exists("Sub/OLD"));
	close_op(op);
}

static void test_short_names(void **state)
{
	struct arena *a = &F->arena;
	const char *s;
	(void)state;

	/* valid 8.3 names are their own short name */
	assert_string_equal(vfs_short_name(a, "bufsize.txt"), "bufsize.txt");
	assert_string_equal(vfs_short_name(a, "README"), "README");
	assert_string_equal(vfs_short_name(a, ""), "");

	/* others: 4 characters, '~', 3 hash digits, up to 3 of the extension, upper case */
	s = vfs_short_name(a, "torture_smb2_getfinfo_access");
	assert_int_equal(strlen(s), 8);
	assert_memory_equal(s, "TORT~", 5);
	s = vfs_short_name(a, "Long File Name.markdown");
	assert_int_equal(strlen(s), 12);
	assert_memory_equal(s, "LONG~", 5);
	assert_string_equal(s + 8, ".MAR");
	s = vfs_short_name(a, ".profile");
	assert_memory_equal(s, "PROF~", 5);
	assert_null(strchr(s, '.'));
	s = vfs_short_name(a, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9.txt");   /* nothing ASCII */
	assert_memory_equal(s, "_~", 2);
	assert_string_equal(s + 5, ".TXT");

	/* the same for every spelling, different for different names */
	assert_string_equal(vfs_short_name(a, "a long name"), vfs_short_name(a, "A LONG NAME"));
	assert_string_not_equal(vfs_short_name(a, "a long name"), vfs_short_name(a, "a long game"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_case_insensitive_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_sees_outside_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_insensitive_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_names, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
