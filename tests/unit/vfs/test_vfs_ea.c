/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the VFS's extended attributes: create-time EAs, set/remove, listing, name rules,
 * access rights, overwrite replacing the set, and the xattr format on disk. */
#include "vfs_fixture.h"

#include <sys/xattr.h>

static struct vfs_ea ea(const char *name, const char *value)
{
	return (struct vfs_ea){ .name = name, .value = (const uint8_t *)value,
				.value_len = value ? strlen(value) : 0 };
}

static void expect(struct vfs_open *op, size_t n, const char *const *nv)
{
	struct vfs_ea *eas;
	size_t got;

	assert_int_equal(vfs_ea_list(op, &F->arena, false, &eas, &got), STATUS_SUCCESS);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(eas[i].name, nv[2 * i]);
		assert_int_equal(eas[i].value_len, strlen(nv[2 * i + 1]));
		assert_memory_equal(eas[i].value, nv[2 * i + 1], eas[i].value_len);
	}
}

static void test_create_with_eas(void **state)
{
	struct vfs_ea list[] = { ea("EAONE", "VALUE1"), ea("SecondEa", "ValueTwo") };
	struct vfs_create_args a = {
		.desired_access = FILE_ALL_ACCESS, .share_access = SHARE_ALL,
		.disposition = FILE_OVERWRITE_IF, .eas = list, .neas = 2,
	};
	struct vfs_open *op;
	(void)state;

	assert_int_equal(open_args("f", &a, &op, NULL), STATUS_SUCCESS);
	/* names come back upper-cased, sorted */
	expect(op, 2, (const char *const[]){ "EAONE", "VALUE1", "SECONDEA", "ValueTwo" });
	close_op(op);

	/* on disk: one xattr per EA, a flags byte before the value */
	uint8_t v[16];
	assert_int_equal(getxattr(hostpath("f"), "user.skiff.ea.SECONDEA", v, sizeof(v)), 9);
	assert_int_equal(v[0], 0);
	assert_memory_equal(v + 1, "ValueTwo", 8);

	/* an open of the existing file ignores the list; an overwrite replaces the whole set */
	struct vfs_ea other[] = { ea("THIRD", "3") };
	a.eas = other;
	a.neas = 1;
	a.disposition = FILE_OPEN;
	assert_int_equal(open_args("f", &a, &op, NULL), STATUS_SUCCESS);
	expect(op, 2, (const char *const[]){ "EAONE", "VALUE1", "SECONDEA", "ValueTwo" });
	close_op(op);
	a.disposition = FILE_OVERWRITE;
	assert_int_equal(open_args("f", &a, &op, NULL), STATUS_SUCCESS);
	expect(op, 1, (const char *const[]){ "THIRD", "3" });
	close_op(op);

	/* a bad list fails the create before anything is made */
	struct vfs_ea bad[] = { ea("A*B", "x") };
	a.eas = bad;
	a.disposition = FILE_CREATE;
	assert_int_equal(open_args("g", &a, &op, NULL), STATUS_INVALID_EA_NAME);
	assert_false(exists("g"));
	/* directories take EAs too */
	a.eas = list;
	a.neas = 2;
	a.create_options = FILE_DIRECTORY_FILE;
	assert_int_equal(open_args("d", &a, &op, NULL), STATUS_SUCCESS);
	expect(op, 2, (const char *const[]){ "EAONE", "VALUE1", "SECONDEA", "ValueTwo" });
	close_op(op);
}

static void test_set_and_remove(void **state)
{
	struct vfs_open *op;
	struct vfs_ea *eas;
	size_t n;
	(void)state;

	touch("f");
	assert_int_equal(open_simple("f", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_ea_list(op, &F->arena, false, &eas, &n), STATUS_SUCCESS);
	assert_int_equal(n, 0);

	struct vfs_ea s1[] = { ea("b", "2"), ea("a", "1") };
	assert_int_equal(vfs_ea_set(op, s1, 2), STATUS_SUCCESS);
	expect(op, 2, (const char *const[]){ "A", "1", "B", "2" });
	/* another case of a name is the same EA; an empty value removes it, missing ones too */
	struct vfs_ea s2[] = { ea("B", "two"), ea("a", NULL), ea("nothere", NULL) };
	assert_int_equal(vfs_ea_set(op, s2, 3), STATUS_SUCCESS);
	expect(op, 1, (const char *const[]){ "B", "two" });

	/* FILE_NEED_EA survives */
	struct vfs_ea need = ea("NEED", "x");
	need.flags = 0x80;
	assert_int_equal(vfs_ea_set(op, &need, 1), STATUS_SUCCESS);
	assert_int_equal(vfs_ea_list(op, &F->arena, false, &eas, &n), STATUS_SUCCESS);
	assert_int_equal(n, 2);
	assert_string_equal(eas[1].name, "NEED");
	assert_int_equal(eas[1].flags, 0x80);

	/* name rules: empty, forbidden characters, too long for an xattr name */
	char longname[300];
	memset(longname, 'L', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct vfs_ea bad[] = { ea("", "x"), ea("a:b", "x"), ea("tab\t", "x"), ea(longname, "x") };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(vfs_ea_set(op, &bad[i], 1), STATUS_INVALID_EA_NAME);
	longname[241] = '\0';
	struct vfs_ea ok = ea(longname, "x");
	assert_int_equal(vfs_ea_set(op, &ok, 1), STATUS_SUCCESS);
	/* a value beyond what one inode holds (ext4: one block) is EA_TOO_LARGE, not a crash */
	static uint8_t big[65535];
	struct vfs_ea huge = { .name = "HUGE", .value = big, .value_len = sizeof(big) };
	NTSTATUS st = vfs_ea_set(op, &huge, 1);
	assert_true(st == STATUS_SUCCESS || st == STATUS_EA_TOO_LARGE);
	huge.value_len = 65536;
	assert_int_equal(vfs_ea_check(&huge, 1), STATUS_EA_TOO_LARGE);
	close_op(op);

	/* rights: FILE_WRITE_EA to set, FILE_READ_EA to list (the size is anyone's) */
	assert_int_equal(open_acc("f", FILE_READ_ATTRIBUTES, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_ea_set(op, s1, 1), STATUS_ACCESS_DENIED);
	assert_int_equal(vfs_ea_list(op, &F->arena, false, &eas, &n), STATUS_ACCESS_DENIED);
	assert_int_equal(vfs_ea_list(op, &F->arena, true, &eas, &n), STATUS_SUCCESS);
	assert_true(n >= 2);
	close_op(op);
}

/* xattrs that are not ours are no EAs; a foreign value under our prefix is skipped */
static void test_foreign_xattrs(void **state)
{
	struct vfs_open *op;
	struct vfs_ea *eas;
	size_t n;
	(void)state;

	touch("f");
	assert_int_equal(setxattr(hostpath("f"), "user.other", "x", 1, 0), 0);
	assert_int_equal(setxattr(hostpath("f"), "user.skiff.ea.EMPTY", "", 0, 0), 0);
	assert_int_equal(open_simple("f", FILE_OPEN, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_ea_list(op, &F->arena, false, &eas, &n), STATUS_SUCCESS);
	assert_int_equal(n, 0);
	close_op(op);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_with_eas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_xattrs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
