/* SPDX-License-Identifier: Apache-2.0 */
/* The fixture the newer VFS tests share: a fresh share in a temporary directory per test, and
 * small create/close helpers. Included by tests/unit/vfs/test_vfs.c and test_vfs_*.c only. */
#ifndef SKIFF_TEST_VFS_FIXTURE_H
#define SKIFF_TEST_VFS_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfs/vfs.h"

struct fixture {
	char dir[64];
	struct vfs_share *share;
	struct arena arena;
};

static struct fixture *F;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(vfs_global_init(), STATUS_SUCCESS);
	strcpy(f->dir, "/tmp/skiff-vfst-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(vfs_share_open("test", f->dir, false, &f->share), STATUS_SUCCESS);
	arena_init(&f->arena, 4096);
	F = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vfs_share_close(f->share);
	arena_destroy(&f->arena);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	F = NULL;
	return 0;
}

static inline char *hostpath(const char *rel)
{
	static char buf[4][512];
	static int k;
	char *b = buf[k++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", F->dir, rel);
	return b;
}

static inline bool exists(const char *rel)
{
	struct stat st;

	return lstat(hostpath(rel), &st) == 0;
}

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static inline NTSTATUS open_args(const char *rel, const struct vfs_create_args *a, struct vfs_open **op,
				 struct vfs_create_result *res)
{
	struct vfs_create_result r;

	*op = NULL;
	return vfs_create(F->share, rel, a, op, res ? res : &r);
}

static inline NTSTATUS open_acc(const char *rel, uint32_t access, uint32_t disp, uint32_t options,
				struct vfs_open **op)
{
	struct vfs_create_args a = {
		.desired_access = access,
		.share_access = SHARE_ALL,
		.disposition = disp,
		.create_options = options,
	};

	return open_args(rel, &a, op, NULL);
}

static inline NTSTATUS open_opt(const char *rel, uint32_t disp, uint32_t options, struct vfs_open **op)
{
	return open_acc(rel, FILE_ALL_ACCESS, disp, options, op);
}

static inline NTSTATUS open_simple(const char *rel, uint32_t disp, struct vfs_open **op)
{
	return open_opt(rel, disp, 0, op);
}

static inline void close_op(struct vfs_open *op)
{
	assert_int_equal(vfs_close(op, NULL), STATUS_SUCCESS);
}

static inline void touch(const char *rel)
{
	struct vfs_open *op;

	assert_int_equal(open_simple(rel, FILE_CREATE, &op), STATUS_SUCCESS);
	close_op(op);
}

#endif
