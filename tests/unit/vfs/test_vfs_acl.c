/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/vfs/vfs_acl.c: SID mapping, the DACL synthesized from mode and POSIX ACL,
 * DACL -> mode and POSIX ACL, the stored NT ACL and when it stops applying, inheritance at create,
 * owner changes, and the access check narrowed by stored ACLs. Parts need root (chown, acting as
 * another user) and are skipped without it.
 */
#include "vfs_fixture.h"

#include "vfs/vfs_internal.h"   /* vfs_acl_may_add */

#include <errno.h>
#include <sys/xattr.h>

#include "core/buf.h"

#define OWNER_EXTRA (READ_CONTROL | WRITE_DAC | WRITE_OWNER | FILE_READ_ATTRIBUTES | \
		     FILE_WRITE_ATTRIBUTES | SYNCHRONIZE)
#define R FILE_GENERIC_READ
#define W (FILE_GENERIC_WRITE | FILE_DELETE_CHILD | DELETE_ACCESS)   /* synthesized: as dos filemode */
#define X FILE_GENERIC_EXECUTE
#define TEST_UID 65534u
#define TEST_GID 65534u
#define STATUS_INVALID_OWNER 0xC000005Au
#define STATUS_INVALID_PRIMARY_GROUP 0xC000005Bu

static bool may_add(int dfd, bool is_dir)
{
	struct vfs_parent_hint parent = vfs_parent_hint_of(dfd);

	return vfs_acl_may_add(&parent, is_dir);
}

static bool is_root(void)
{
	return geteuid() == 0;
}

static struct sd *get_sd(struct vfs_open *op)
{
	struct sd *sd;

	assert_int_equal(vfs_get_sd(op, &F->arena, &sd), STATUS_SUCCESS);
	assert_non_null(sd->owner);
	assert_non_null(sd->group);
	assert_true(sd->control & SE_DACL_PRESENT);
	assert_non_null(sd->dacl);
	return sd;
}

static struct sd *get_path_sd(const char *rel)
{
	struct vfs_open *op;
	struct sd *sd;

	assert_int_equal(open_acc(rel, READ_CONTROL, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	sd = get_sd(op);
	close_op(op);
	return sd;
}

static void expect_ace(const struct sd_acl *acl, unsigned i, uint8_t type, uint8_t flags,
		       uint32_t mask, struct sd_sid sid)
{
	assert_true(i < acl->num_aces);
	assert_int_equal(acl->aces[i].type, type);
	assert_int_equal(acl->aces[i].flags, flags);
	assert_int_equal(acl->aces[i].mask, mask);
	assert_true(sd_sid_equal(&acl->aces[i].sid, &sid));
}

static mode_t mode_of(const char *rel)
{
	struct stat st;

	assert_int_equal(stat(hostpath(rel), &st), 0);
	return st.st_mode & 07777;
}

static NTSTATUS set_dacl(const char *rel, struct sd_ace *aces, uint16_t n, uint16_t control)
{
	struct sd_acl acl = { .revision = ACL_REVISION, .num_aces = n, .aces = aces };
	struct sd sd = { .revision = 1, .control = SE_DACL_PRESENT | control, .dacl = &acl };
	struct vfs_open *op;
	NTSTATUS st;

	assert_int_equal(open_acc(rel, WRITE_DAC | READ_CONTROL, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	st = vfs_set_sd(op, DACL_SECURITY_INFORMATION, &sd, &F->arena);
	close_op(op);
	return st;
}

/* Write a POSIX ACL xattr: entries are (tag, perm, id) triples. 0 or an errno. */
static int put_pacl(const char *rel, const char *name, const uint32_t *e, unsigned n)
{
	uint8_t buf[4 + 8 * 16];

	assert_true(n <= 16);
	put_le32(buf, 2);
	for (unsigned i = 0; i < n; i++) {
		put_le16(buf + 4 + 8 * i, (uint16_t)e[3 * i]);
		put_le16(buf + 6 + 8 * i, (uint16_t)e[3 * i + 1]);
		put_le32(buf + 8 + 8 * i, e[3 * i + 2]);
	}
	return setxattr(hostpath(rel), name, buf, 4 + 8 * n, 0) == 0 ? 0 : errno;
}

static void test_sid_mapping(void **state)
{
	struct sd_sid s;
	uid_t u;
	gid_t g;
	(void)state;

	s = vfs_sid_of_uid(1000);
	assert_int_equal(s.authority, 22);
	assert_int_equal(s.num_auths, 2);
	assert_int_equal(s.sub_auths[0], 1);
	assert_int_equal(s.sub_auths[1], 1000);
	assert_true(vfs_uid_of_sid(&s, &u) && u == 1000);
	assert_false(vfs_gid_of_sid(&s, &g));

	s = vfs_sid_of_gid(100);
	assert_true(vfs_gid_of_sid(&s, &g) && g == 100);
	assert_false(vfs_uid_of_sid(&s, &u));

	/* root shows as Administrators; both it and S-1-22-1-0 map back to 0 */
	s = vfs_sid_of_uid(0);
	struct sd_sid admins = SD_SID_ADMINISTRATORS;
	assert_true(sd_sid_equal(&s, &admins));
	assert_true(vfs_uid_of_sid(&s, &u) && u == 0);
	s = SD_SID_UNIX_USER(0);
	assert_true(vfs_uid_of_sid(&s, &u) && u == 0);

	/* no Unix id: Everyone, SYSTEM, domain SIDs, (uid_t)-1 */
	s = SD_SID_EVERYONE;
	assert_false(vfs_uid_of_sid(&s, &u) || vfs_gid_of_sid(&s, &g));
	s = SD_SID_SYSTEM;
	assert_false(vfs_uid_of_sid(&s, &u) || vfs_gid_of_sid(&s, &g));
	s = (struct sd_sid){ .authority = 5, .num_auths = 5, .sub_auths = { 21, 1, 2, 3, 1000 } };
	assert_false(vfs_uid_of_sid(&s, &u) || vfs_gid_of_sid(&s, &g));
	s = SD_SID_UNIX_USER(UINT32_MAX);
	assert_false(vfs_uid_of_sid(&s, &u));
	s = SD_SID_UNIX_USER(5);
	s.num_auths = 3;
	assert_false(vfs_uid_of_sid(&s, &u));

	/* The machine domain's algorithmic rids, once it is known (as lsarpc hands them out). */
	struct sd_sid machine = { .authority = 5, .num_auths = 4, .sub_auths = { 21, 11, 22, 33 } };
	struct sd_sid user = machine, grp = machine, none = machine;
	user.sub_auths[user.num_auths++] = 1000 + 2 * 1003;
	grp.sub_auths[grp.num_auths++] = 1001 + 2 * 100;
	none.sub_auths[none.num_auths++] = 513;
	assert_false(vfs_uid_of_sid(&user, &u));
	vfs_acl_set_machine_sid(&machine);
	assert_true(vfs_uid_of_sid(&user, &u) && u == 1003);
	assert_false(vfs_gid_of_sid(&user, &g));
	assert_true(vfs_gid_of_sid(&grp, &g) && g == 100);
	assert_false(vfs_uid_of_sid(&grp, &u));
	assert_false(vfs_uid_of_sid(&none, &u) || vfs_gid_of_sid(&none, &g));
	assert_false(vfs_uid_of_sid(&machine, &u));
	struct sd_sid unset = { 0 };
	vfs_acl_set_machine_sid(&unset);
	assert_false(vfs_uid_of_sid(&user, &u));
}

static void test_synth_modes(void **state)
{
	struct sd *sd;
	struct stat st;
	(void)state;

	touch("f");
	assert_int_equal(chmod(hostpath("f"), 0640), 0);
	assert_int_equal(stat(hostpath("f"), &st), 0);
	sd = get_path_sd("f");
	struct sd_sid owner = vfs_sid_of_uid(st.st_uid), group = vfs_sid_of_gid(st.st_gid);
	assert_true(sd_sid_equal(sd->owner, &owner));
	assert_true(sd_sid_equal(sd->group, &group));
	assert_int_equal(sd->dacl->num_aces, 2);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | OWNER_EXTRA, owner);
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, R, group);

	/* Other has read that the group lacks: the group is denied it (deny first). */
	assert_int_equal(chmod(hostpath("f"), 0604), 0);
	sd = get_path_sd("f");
	assert_int_equal(sd->dacl->num_aces, 3);
	expect_ace(sd->dacl, 0, ACCESS_DENIED_ACE_TYPE, 0, FILE_READ_DATA | FILE_READ_EA, group);
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | OWNER_EXTRA, owner);
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, 0, R, SD_SID_EVERYONE);

	/* The owner with less than group and other: denied the difference. */
	assert_int_equal(chmod(hostpath("f"), 0077), 0);
	sd = get_path_sd("f");
	expect_ace(sd->dacl, 0, ACCESS_DENIED_ACE_TYPE, 0,
		   FILE_READ_DATA | FILE_READ_EA | FILE_WRITE_DATA | FILE_APPEND_DATA |
		   FILE_WRITE_EA | FILE_DELETE_CHILD | FILE_EXECUTE, owner);
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, OWNER_EXTRA, owner);
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | X, group);
	expect_ace(sd->dacl, 3, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | X, SD_SID_EVERYONE);

	/* A directory: write without search gives no FILE_DELETE_CHILD. */
	struct vfs_open *op;
	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(chmod(hostpath("d"), 0765), 0);
	sd = get_path_sd("d");
	assert_int_equal(sd->dacl->num_aces, 4);
	/* group rw- : everyone r-x: the group is denied execute (traverse) */
	expect_ace(sd->dacl, 0, ACCESS_DENIED_ACE_TYPE, 0, FILE_EXECUTE, group);
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | X | OWNER_EXTRA, owner);
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, 0, R | FILE_GENERIC_WRITE | DELETE_ACCESS, group);
	expect_ace(sd->dacl, 3, ACCESS_ALLOWED_ACE_TYPE, 0, R | X, SD_SID_EVERYONE);
}

static void test_synth_posix_acl(void **state)
{
	struct sd *sd;
	struct stat st;
	(void)state;

	touch("f");
	assert_int_equal(stat(hostpath("f"), &st), 0);
	const uint32_t e[] = {
		0x01, 6, UINT32_MAX,   /* user::rw- */
		0x02, 4, 1234,         /* user:1234:r-- */
		0x04, 4, UINT32_MAX,   /* group::r-- */
		0x08, 6, 4321,         /* group:4321:rw- (masked to r--) */
		0x10, 4, UINT32_MAX,   /* mask::r-- */
		0x20, 0, UINT32_MAX,   /* other::--- */
	};
	int err = put_pacl("f", "system.posix_acl_access", e, 6);
	if (err == EOPNOTSUPP)
		skip();   /* no POSIX ACLs on this file system */
	assert_int_equal(err, 0);
	sd = get_path_sd("f");
	assert_int_equal(sd->dacl->num_aces, 4);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | OWNER_EXTRA, vfs_sid_of_uid(st.st_uid));
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, R, SD_SID_UNIX_USER(1234));
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, 0, R, vfs_sid_of_gid(st.st_gid));
	expect_ace(sd->dacl, 3, ACCESS_ALLOWED_ACE_TYPE, 0, R, SD_SID_UNIX_GROUP(4321));

	/* A directory's default ACL shows as inheritable ACEs for CREATOR OWNER / GROUP; one equal
	 * to an effective ACE merges into it. */
	struct vfs_open *op;
	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(chmod(hostpath("d"), 0755), 0);
	assert_int_equal(stat(hostpath("d"), &st), 0);
	const uint32_t d[] = {
		0x01, 7, UINT32_MAX, 0x04, 5, UINT32_MAX, 0x20, 5, UINT32_MAX,
	};
	assert_int_equal(put_pacl("d", "system.posix_acl_default", d, 3), 0);
	sd = get_path_sd("d");
	assert_int_equal(sd->dacl->num_aces, 5);
	const uint8_t inh = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE;
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | X | OWNER_EXTRA, vfs_sid_of_uid(st.st_uid));
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, R | X, vfs_sid_of_gid(st.st_gid));
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, inh, R | X, SD_SID_EVERYONE);
	expect_ace(sd->dacl, 3, ACCESS_ALLOWED_ACE_TYPE, inh | INHERIT_ONLY_ACE, R | W | X, SD_SID_CREATOR_OWNER);
	expect_ace(sd->dacl, 4, ACCESS_ALLOWED_ACE_TYPE, inh | INHERIT_ONLY_ACE, R | X, SD_SID_CREATOR_GROUP);
}

/* A synthesized DACL written back leaves the mode as it was, but for what the owner always keeps
 * and write on a directory coming with search. */
static void test_roundtrip(void **state)
{
	static const mode_t modes[] = { 0000, 0600, 0640, 0644, 0604, 0660, 0070, 0077, 0751, 0755,
					0777, 0111, 0222, 0444, 0452, 0715, 04755, 02770, 01777 };
	struct vfs_open *op;
	(void)state;

	touch("f");
	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		for (int k = 0; k < 2; k++) {
			const char *rel = k ? "d" : "f";
			struct sd *sd;

			assert_int_equal(chmod(hostpath(rel), modes[i]), 0);
			sd = get_path_sd(rel);
			assert_int_equal(set_dacl(rel, sd->dacl->aces, sd->dacl->num_aces, 0), STATUS_SUCCESS);
			/* the owner keeps read (files) or everything (directories); write on a
			 * directory comes with search */
			mode_t want = modes[i] | (k ? 0700 : 0400);
			if (k)
				want |= (want & 0222) >> 1;
			if (mode_of(rel) != want)
				fail_msg("%s: mode %04o came back as %04o", rel, (unsigned)want,
					 (unsigned)mode_of(rel));
		}
	}
}

static void test_set_and_stored(void **state)
{
	struct sd *sd;
	struct stat st;
	(void)state;

	touch("f");
	assert_int_equal(chmod(hostpath("f"), 0644), 0);
	/* Not root's: root is Administrators, whom the ACEs below name separately. */
	if (is_root())
		assert_int_equal(chown(hostpath("f"), TEST_UID, TEST_GID), 0);
	assert_int_equal(stat(hostpath("f"), &st), 0);
	struct sd_sid owner = vfs_sid_of_uid(st.st_uid);

	/* The delete-on-close-perms directory DACL: the owner gets everything but DELETE. */
	struct sd_ace one[] = { { .type = ACCESS_ALLOWED_ACE_TYPE, .flags = OBJECT_INHERIT_ACE,
				  .mask = 0x001e01bf, .sid = owner } };
	assert_int_equal(set_dacl("f", one, 1, SE_DACL_PROTECTED), STATUS_SUCCESS);
	assert_int_equal(mode_of("f"), 0700);
	sd = get_path_sd("f");
	assert_int_equal(sd->control & (SE_DACL_PROTECTED | SE_DACL_AUTO_INHERITED), SE_DACL_PROTECTED);
	assert_int_equal(sd->dacl->num_aces, 1);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, OBJECT_INHERIT_ACE, 0x001e01bf, owner);

	/* Deny before allow, Windows' way: everyone but write. */
	struct sd_ace two[] = {
		{ .type = ACCESS_DENIED_ACE_TYPE, .mask = FILE_WRITE_DATA | FILE_APPEND_DATA, .sid = SD_SID_EVERYONE },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = GENERIC_ALL, .sid = SD_SID_EVERYONE },
	};
	assert_int_equal(set_dacl("f", two, 2, 0), STATUS_SUCCESS);
	assert_int_equal(mode_of("f"), 0555);
	sd = get_path_sd("f");
	assert_int_equal(sd->dacl->num_aces, 2);
	/* GENERIC_* in an ACE that applies to the object is mapped, as Windows stores it */
	assert_int_equal(sd->dacl->aces[1].mask, FILE_ALL_ACCESS);

	/* BUILTIN\Users counts for everyone, like Everyone. */
	struct sd_ace users[] = {
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_GENERIC_READ, .sid = SD_SID_BUILTIN_USERS },
	};
	assert_int_equal(set_dacl("f", users, 1, 0), STATUS_SUCCESS);
	assert_int_equal(mode_of("f"), 0444);

	/* ACEs for SIDs without a Unix id are kept, and change nothing in POSIX. */
	struct sd_ace three[] = {
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_ALL_ACCESS, .sid = SD_SID_SYSTEM },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_ALL_ACCESS, .sid = SD_SID_ADMINISTRATORS },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_GENERIC_READ | FILE_GENERIC_WRITE, .sid = owner },
	};
	assert_int_equal(set_dacl("f", three, 3, 0), STATUS_SUCCESS);
	assert_int_equal(mode_of("f"), 0600);
	sd = get_path_sd("f");
	assert_int_equal(sd->dacl->num_aces, 3);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, SD_SID_SYSTEM);

	/* A chmod from the Unix side: POSIX is the truth again. */
	assert_int_equal(chmod(hostpath("f"), 0640), 0);
	sd = get_path_sd("f");
	assert_int_equal(sd->dacl->num_aces, 2);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, R | W | OWNER_EXTRA, owner);

	/* An empty DACL: nobody has anything (the owner keeps READ_CONTROL/WRITE_DAC on Windows,
	 * and read in POSIX, which only the stored DACL takes away over SMB). */
	assert_int_equal(set_dacl("f", NULL, 0, 0), STATUS_SUCCESS);
	assert_int_equal(mode_of("f"), 0400);
	sd = get_path_sd("f");
	assert_int_equal(sd->dacl->num_aces, 0);

	/* A NULL DACL: everyone everything. */
	struct vfs_open *op;
	struct sd null_dacl = { .revision = 1, .control = SE_DACL_PRESENT };
	assert_int_equal(open_acc("f", WRITE_DAC, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_set_sd(op, DACL_SECURITY_INFORMATION, &null_dacl, &F->arena), STATUS_SUCCESS);
	assert_int_equal(vfs_get_sd(op, &F->arena, &sd), STATUS_SUCCESS);
	assert_true(sd->control & SE_DACL_PRESENT);
	assert_null(sd->dacl);
	close_op(op);
	assert_int_equal(mode_of("f"), 0777);
}

static void test_set_named_entries(void **state)
{
	struct stat st;
	uint8_t v[256];
	ssize_t n;
	(void)state;

	touch("f");
	assert_int_equal(stat(hostpath("f"), &st), 0);
	struct sd_ace aces[] = {
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_ALL_ACCESS, .sid = vfs_sid_of_uid(st.st_uid) },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_GENERIC_READ | FILE_GENERIC_WRITE, .sid = SD_SID_UNIX_USER(1234) },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_GENERIC_READ, .sid = SD_SID_UNIX_GROUP(4321) },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_GENERIC_READ, .sid = SD_SID_UNIX_USER(99) },
	};
	NTSTATUS status = set_dacl("f", aces, 4, 0);
	n = getxattr(hostpath("f"), "system.posix_acl_access", v, sizeof(v));
	if (n < 0 && errno == EOPNOTSUPP)
		skip();
	assert_int_equal(status, STATUS_SUCCESS);
	/* user::rwx user:99:r-- user:1234:rw- group::--- group:4321:r-- mask::rw- other::--- */
	assert_int_equal(n, 4 + 7 * 8);
	assert_int_equal(le32(v), 2);
	static const uint32_t want[7][3] = {
		{ 0x01, 7, UINT32_MAX }, { 0x02, 4, 99 }, { 0x02, 6, 1234 }, { 0x04, 0, UINT32_MAX },
		{ 0x08, 4, 4321 }, { 0x10, 6, UINT32_MAX }, { 0x20, 0, UINT32_MAX },
	};
	for (int i = 0; i < 7; i++) {
		assert_int_equal(le16(v + 4 + 8 * i), want[i][0]);
		assert_int_equal(le16(v + 6 + 8 * i), want[i][1]);
		assert_int_equal(le32(v + 8 + 8 * i), want[i][2]);
	}
	assert_int_equal(mode_of("f"), 0760);
	/* The stored copy still applies (the fingerprint covers the ACL the kernel kept). */
	struct sd *sd = get_path_sd("f");
	assert_int_equal(sd->dacl->num_aces, 4);
	assert_int_equal(sd->dacl->aces[0].mask, FILE_ALL_ACCESS);

	/* Back to owner/group/other only: the POSIX ACL goes. */
	struct sd_ace plain[] = {
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_GENERIC_READ, .sid = SD_SID_EVERYONE },
	};
	assert_int_equal(set_dacl("f", plain, 1, 0), STATUS_SUCCESS);
	assert_true(getxattr(hostpath("f"), "system.posix_acl_access", v, sizeof(v)) < 0);
	assert_int_equal(mode_of("f"), 0444);
}

static void test_owner_group(void **state)
{
	struct vfs_open *op;
	struct sd_sid owner = SD_SID_UNIX_USER(TEST_UID), group = SD_SID_UNIX_GROUP(TEST_GID);
	struct sd sd = { .revision = 1, .owner = &owner, .group = &group };
	struct sd_sid bad = SD_SID_EVERYONE;
	struct stat st;
	(void)state;

	if (!is_root())
		skip();
	touch("f");
	assert_int_equal(open_acc("f", WRITE_OWNER | READ_CONTROL, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	sd.owner = &bad;
	assert_int_equal(vfs_set_sd(op, OWNER_SECURITY_INFORMATION, &sd, &F->arena), STATUS_INVALID_OWNER);
	sd.owner = &owner;
	sd.group = &bad;
	assert_int_equal(vfs_set_sd(op, GROUP_SECURITY_INFORMATION, &sd, &F->arena),
			 STATUS_INVALID_PRIMARY_GROUP);
	sd.group = &group;
	assert_int_equal(vfs_set_sd(op, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION, &sd,
				    &F->arena), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(stat(hostpath("f"), &st), 0);
	assert_int_equal(st.st_uid, TEST_UID);
	assert_int_equal(st.st_gid, TEST_GID);

	/* A stored DACL follows the new owner: mapped again for it. */
	struct sd_ace a[] = { { .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_ALL_ACCESS, .sid = owner } };
	assert_int_equal(set_dacl("f", a, 1, 0), STATUS_SUCCESS);
	assert_int_equal(mode_of("f"), 0700);
	struct sd_sid admins = SD_SID_ADMINISTRATORS;
	sd.owner = &admins;
	assert_int_equal(open_acc("f", WRITE_OWNER, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_set_sd(op, OWNER_SECURITY_INFORMATION, &sd, &F->arena), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(stat(hostpath("f"), &st), 0);
	assert_int_equal(st.st_uid, 0);
	/* The ACE names 65534, now a named user: user::r-- user:65534:rwx group::--- mask::rwx. */
	assert_int_equal(mode_of("f"), 0470);
}

static void test_inheritance(void **state)
{
	struct vfs_open *op;
	struct sd *sd;
	struct stat st;
	(void)state;

	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(stat(hostpath("d"), &st), 0);
	struct sd_sid owner = vfs_sid_of_uid(st.st_uid), group = vfs_sid_of_gid(st.st_gid);
	struct sd_ace pa[] = {
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .flags = 0, .mask = FILE_ALL_ACCESS, .sid = owner },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .flags = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE,
		  .mask = GENERIC_ALL, .sid = SD_SID_CREATOR_OWNER },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .flags = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE,
		  .mask = FILE_GENERIC_READ | FILE_GENERIC_EXECUTE, .sid = SD_SID_EVERYONE },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .flags = OBJECT_INHERIT_ACE,
		  .mask = FILE_GENERIC_WRITE, .sid = group },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .flags = CONTAINER_INHERIT_ACE | NO_PROPAGATE_INHERIT_ACE,
		  .mask = FILE_LIST_DIRECTORY, .sid = SD_SID_UNIX_USER(1234) },
	};
	/* Inherited copies are marked INHERITED_ACE when the parent's DACL is auto-inherited (set with
	 * AUTO_INHERITED and AUTO_INHERIT_REQ). */
	assert_int_equal(set_dacl("d", pa, 5, SE_DACL_AUTO_INHERITED | SE_DACL_AUTO_INHERIT_REQ),
			 STATUS_SUCCESS);

	/* a new file: OI ACEs, CREATOR OWNER replaced, generic mapped */
	assert_int_equal(open_simple("d/f", FILE_CREATE, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_sd_on_create(op, NULL, &F->arena), STATUS_SUCCESS);
	sd = get_sd(op);
	close_op(op);
	assert_true(sd->control & SE_DACL_AUTO_INHERITED);
	assert_int_equal(sd->dacl->num_aces, 3);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE, FILE_ALL_ACCESS, owner);
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE,
		   FILE_GENERIC_READ | FILE_GENERIC_EXECUTE, SD_SID_EVERYONE);
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE, FILE_GENERIC_WRITE, group);
	assert_int_equal(mode_of("d/f") & 0777, 0775);

	/* a new directory: CI ACEs effective, the CREATOR OWNER one split in two, OI-only one
	 * passed on inherit-only, NO_PROPAGATE one effective here and no further */
	assert_int_equal(open_opt("d/sub", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_sd_on_create(op, NULL, &F->arena), STATUS_SUCCESS);
	sd = get_sd(op);
	close_op(op);
	const uint8_t oici = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE;
	assert_int_equal(sd->dacl->num_aces, 5);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE, FILE_ALL_ACCESS, owner);
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, oici | INHERIT_ONLY_ACE | INHERITED_ACE,
		   GENERIC_ALL, SD_SID_CREATOR_OWNER);
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, oici | INHERITED_ACE,
		   FILE_GENERIC_READ | FILE_GENERIC_EXECUTE, SD_SID_EVERYONE);
	expect_ace(sd->dacl, 3, ACCESS_ALLOWED_ACE_TYPE, OBJECT_INHERIT_ACE | INHERIT_ONLY_ACE | INHERITED_ACE,
		   FILE_GENERIC_WRITE, group);
	expect_ace(sd->dacl, 4, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE, FILE_LIST_DIRECTORY,
		   SD_SID_UNIX_USER(1234));

	/* A creator's descriptor: its explicit ACEs first, then the inherited ones; PROTECTED
	 * keeps only its own. */
	struct sd_ace mine[] = {
		{ .type = ACCESS_DENIED_ACE_TYPE, .mask = FILE_WRITE_DATA, .sid = SD_SID_UNIX_USER(77) },
		{ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = FILE_GENERIC_READ, .sid = SD_SID_EVERYONE },
	};
	struct sd_acl macl = { .revision = ACL_REVISION, .num_aces = 2, .aces = mine };
	struct sd creator = { .revision = 1, .control = SE_DACL_PRESENT, .dacl = &macl };
	assert_int_equal(open_simple("d/g", FILE_CREATE, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_sd_on_create(op, &creator, &F->arena), STATUS_SUCCESS);
	sd = get_sd(op);
	close_op(op);
	assert_int_equal(sd->dacl->num_aces, 5);
	expect_ace(sd->dacl, 0, ACCESS_DENIED_ACE_TYPE, 0, FILE_WRITE_DATA, SD_SID_UNIX_USER(77));
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_GENERIC_READ, SD_SID_EVERYONE);
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE, FILE_ALL_ACCESS, owner);

	/* The same made by vfs_create itself (apply_security), as CREATE asks for it: a file with
	 * the creator's descriptor, a directory with only what it inherits. */
	struct vfs_create_result cres;
	struct vfs_create_args ca = {
		.desired_access = FILE_GENERIC_READ | FILE_GENERIC_WRITE,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		.disposition = FILE_CREATE, .apply_security = true, .sd = &creator, .sd_arena = &F->arena,
	};
	assert_int_equal(open_args("d/m", &ca, &op, &cres), STATUS_SUCCESS);
	assert_int_equal(cres.create_action, FILE_CREATED);
	sd = get_sd(op);
	close_op(op);
	assert_int_equal(sd->dacl->num_aces, 5);
	expect_ace(sd->dacl, 0, ACCESS_DENIED_ACE_TYPE, 0, FILE_WRITE_DATA, SD_SID_UNIX_USER(77));
	expect_ace(sd->dacl, 2, ACCESS_ALLOWED_ACE_TYPE, INHERITED_ACE, FILE_ALL_ACCESS, owner);
	ca.sd = NULL;
	ca.create_options = FILE_DIRECTORY_FILE;
	assert_int_equal(open_args("d/msub", &ca, &op, &cres), STATUS_SUCCESS);
	sd = get_sd(op);
	close_op(op);
	assert_int_equal(sd->dacl->num_aces, 5);
	expect_ace(sd->dacl, 1, ACCESS_ALLOWED_ACE_TYPE, oici | INHERIT_ONLY_ACE | INHERITED_ACE,
		   GENERIC_ALL, SD_SID_CREATOR_OWNER);
	/* Opening what exists applies nothing: the creator's ACEs stay off it. */
	ca.sd = &creator;
	ca.create_options = 0;
	assert_int_equal(open_simple("d/plainfile", FILE_CREATE, &op), STATUS_SUCCESS);
	close_op(op);
	ca.disposition = FILE_OPEN;
	assert_int_equal(open_args("d/plainfile", &ca, &op, &cres), STATUS_SUCCESS);
	assert_int_equal(cres.create_action, FILE_OPENED);
	close_op(op);
	assert_int_equal(getxattr(hostpath("d/plainfile"), is_root() ? "security.skiff.ntacl" : "user.skiff.ntacl",
				  NULL, 0), -1);

	creator.control |= SE_DACL_PROTECTED;
	assert_int_equal(open_simple("d/h", FILE_CREATE, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_sd_on_create(op, &creator, &F->arena), STATUS_SUCCESS);
	sd = get_sd(op);
	close_op(op);
	assert_int_equal(sd->dacl->num_aces, 2);
	assert_true(sd->control & SE_DACL_PROTECTED);
	assert_int_equal(mode_of("d/h"), 0444);

	/* Without SE_DACL_AUTO_INHERITED on the parent the copies carry no INHERITED_ACE
	 * (smb2.acls.INHERITANCE), and the child's DACL is not auto-inherited either. */
	assert_int_equal(set_dacl("d", pa, 5, 0), STATUS_SUCCESS);
	assert_int_equal(open_simple("d/k", FILE_CREATE, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_sd_on_create(op, NULL, &F->arena), STATUS_SUCCESS);
	sd = get_sd(op);
	close_op(op);
	assert_false(sd->control & SE_DACL_AUTO_INHERITED);
	assert_int_equal(sd->dacl->num_aces, 3);
	expect_ace(sd->dacl, 0, ACCESS_ALLOWED_ACE_TYPE, 0, FILE_ALL_ACCESS, owner);

	/* A parent without a stored ACL: nothing to inherit, POSIX decides. */
	assert_int_equal(open_simple("plain", FILE_CREATE, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_sd_on_create(op, NULL, &F->arena), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(getxattr(hostpath("plain"), is_root() ? "security.skiff.ntacl" : "user.skiff.ntacl",
				  NULL, 0), -1);
}

/* As an ordinary user: the stored DACL narrows what POSIX allows (delete-on-close-perms). */
static void test_access_narrowed(void **state)
{
	struct vfs_identity id = { .uid = TEST_UID, .gid = TEST_GID };
	struct vfs_create_result res;
	struct vfs_open *op;
	(void)state;

	if (!is_root())
		skip();
	assert_int_equal(chmod(F->dir, 0777), 0);
	assert_int_equal(vfs_become(&id), STATUS_SUCCESS);
	assert_int_equal(open_opt("d", FILE_CREATE, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_acc("d/f", FILE_GENERIC_WRITE, FILE_CREATE, 0, &op), STATUS_SUCCESS);
	close_op(op);
	/* A create's maximal access (taken from the new file's owner bits, without asking the
	 * kernel) is what an open of the same file finds; also for modes the umask narrows. */
	struct vfs_create_args mx = { .desired_access = MAXIMUM_ALLOWED, .disposition = FILE_CREATE,
				      .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE };
	mode_t old_umask = umask(0277);   /* the owner gets read only */
	assert_int_equal(open_args("d/mx", &mx, &op, &res), STATUS_SUCCESS);
	umask(old_umask);
	uint32_t at_create = res.maximal_access;
	close_op(op);
	assert_int_equal(mode_of("d/mx") & 0777, 0400);
	mx.disposition = FILE_OPEN;
	mx.desired_access = FILE_READ_ATTRIBUTES;
	assert_int_equal(open_args("d/mx", &mx, &op, &res), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(at_create, res.maximal_access);
	assert_int_equal(at_create & FILE_WRITE_DATA, 0);
	assert_int_equal(at_create & FILE_READ_DATA, FILE_READ_DATA);
	/* POSIX alone: the owner may delete its file */
	assert_int_equal(open_acc("d/f", DELETE_ACCESS, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	close_op(op);

	/* The directory: owner everything but DELETE and FILE_DELETE_CHILD, inherited by files. */
	struct sd_ace a[] = { { .type = ACCESS_ALLOWED_ACE_TYPE, .flags = OBJECT_INHERIT_ACE,
				.mask = 0x001e01bf, .sid = SD_SID_UNIX_USER(TEST_UID) } };
	assert_int_equal(set_dacl("d", a, 1, 0), STATUS_SUCCESS);
	/* d/f has no stored ACL of its own; the parent's lacks FILE_DELETE_CHILD. Its synthesized
	 * DACL grants DELETE while it is writable, not once it is read-only. */
	assert_int_equal(open_acc("d/f", DELETE_ACCESS, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(chmod(hostpath("d/f"), 0444), 0);
	assert_int_equal(open_acc("d/f", DELETE_ACCESS, FILE_OPEN, 0, &op), STATUS_ACCESS_DENIED);
	assert_int_equal(open_acc("d/f", FILE_GENERIC_READ, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	close_op(op);

	/* A new file inherits the ACE: no DELETE from it either, but its creator gets what it
	 * asked for. */
	assert_int_equal(open_acc("d/g", DELETE_ACCESS | FILE_GENERIC_WRITE, FILE_CREATE, 0, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_sd_on_create(op, NULL, &F->arena), STATUS_SUCCESS);
	close_op(op);
	assert_int_equal(open_acc("d/g", DELETE_ACCESS, FILE_OPEN, 0, &op), STATUS_ACCESS_DENIED);
	struct vfs_create_args args = { .desired_access = MAXIMUM_ALLOWED, .share_access = SHARE_ALL,
					.disposition = FILE_OPEN };
	assert_int_equal(open_args("d/g", &args, &op, &res), STATUS_SUCCESS);
	assert_int_equal(res.maximal_access & DELETE_ACCESS, 0);
	assert_int_equal(res.maximal_access & WRITE_DAC, WRITE_DAC);
	close_op(op);

	/* The directory itself: DELETE comes from the share root (POSIX, writable). */
	assert_int_equal(open_acc("d", DELETE_ACCESS, FILE_OPEN, FILE_DIRECTORY_FILE, &op), STATUS_SUCCESS);
	close_op(op);

	/* Give FILE_DELETE_CHILD back on the directory: the files can go. */
	a[0].mask |= FILE_DELETE_CHILD;
	assert_int_equal(set_dacl("d", a, 1, 0), STATUS_SUCCESS);
	assert_int_equal(open_acc("d/g", DELETE_ACCESS, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	close_op(op);

	/* Adding names: FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY of the parent's stored DACL. */
	int dfd = open(hostpath("d"), O_PATH | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_true(may_add(dfd, false) && may_add(dfd, true));
	a[0].mask &= ~FILE_ADD_FILE;
	assert_int_equal(set_dacl("d", a, 1, 0), STATUS_SUCCESS);
	assert_false(may_add(dfd, false));
	assert_true(may_add(dfd, true));
	a[0].mask |= FILE_ADD_FILE;
	assert_int_equal(set_dacl("d", a, 1, 0), STATUS_SUCCESS);
	close(dfd);

	/* Owner changes: only root gives files away. */
	struct sd_sid other = SD_SID_UNIX_USER(1234), self = SD_SID_UNIX_USER(TEST_UID);
	struct sd sd = { .revision = 1, .owner = &other };
	assert_int_equal(open_acc("d/g", WRITE_OWNER, FILE_OPEN, 0, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_set_sd(op, OWNER_SECURITY_INFORMATION, &sd, &F->arena), STATUS_INVALID_OWNER);
	sd.owner = &self;
	assert_int_equal(vfs_set_sd(op, OWNER_SECURITY_INFORMATION, &sd, &F->arena), STATUS_SUCCESS);
	close_op(op);
	vfs_become_server();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid_mapping),
		cmocka_unit_test_setup_teardown(test_synth_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synth_posix_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_and_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_named_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inheritance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_narrowed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
