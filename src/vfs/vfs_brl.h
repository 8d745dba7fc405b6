/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The byte-range lock table of one stream (MS-FSA Stream.ByteRangeLockList) as pure range logic:
 * no file, no locking, owners are opaque pointers (the VFS passes the open). vfs_brl.c keeps one
 * table in each struct vfs_file and guards it; tests/unit/vfs/test_vfs_brl.c tests this part
 * directly.
 */
#ifndef SKIFF_VFS_BRL_H
#define SKIFF_VFS_BRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"   /* STATUS_INVALID_LOCK_RANGE */

/* Locks one stream may hold, all owners together: past it a lock gets
 * STATUS_INSUFFICIENT_RESOURCES. Every lock, READ and WRITE on a locked stream scans the table,
 * so this bounds what one request (up to 65535 elements) can make the server compare. */
#define VFS_BRL_MAX_PER_STREAM 16384

struct vfs_brl {
	uint64_t offset, length;
	const void *owner;
	bool exclusive;
};

struct vfs_brl_table {
	struct vfs_brl *v;       /* unordered: only the set of locks matters */
	size_t n, cap;
};

/* MS-FSA 2.1.5.8: a range whose last byte lies past 2^64 - 1 is STATUS_INVALID_LOCK_RANGE; a
 * zero-length range is valid at any offset. */
NTSTATUS vfs_brl_range_valid(uint64_t offset, uint64_t length);

/*
 * MS-FSA 2.1.4.10: does an access to [offset, offset + length) by `owner` conflict with a lock of
 * the table? `exclusive` is the intent (an exclusive lock, or a write), `lock_intent` a lock
 * request rather than I/O. An exclusive lock keeps every other owner out, and its own owner from
 * stacking a second exclusive one on it; a shared lock keeps out exclusive locks and writes, its
 * owner's included. A zero-length range overlaps a lock only strictly inside it ({10, 0} against
 * {9, 2}, not {10, 2}), and {0, 0} overlaps nothing. The range must be valid.
 */
bool vfs_brl_conflicts(const struct vfs_brl_table *t, uint64_t offset, uint64_t length,
		       const void *owner, bool exclusive, bool lock_intent);

/* MS-FSA 2.1.5.8: STATUS_INVALID_LOCK_RANGE, STATUS_LOCK_NOT_GRANTED on a conflict,
 * STATUS_INSUFFICIENT_RESOURCES past VFS_BRL_MAX_PER_STREAM, STATUS_NO_MEMORY. */
NTSTATUS vfs_brl_add(struct vfs_brl_table *t, uint64_t offset, uint64_t length, const void *owner,
		     bool exclusive);

/* vfs_brl_add for each range in turn, all or none: after a failure the table is as before. */
NTSTATUS vfs_brl_add_all(struct vfs_brl_table *t, const struct vfs_lock_range *r, size_t n,
			 const void *owner);

/* MS-FSA 2.1.5.9: remove the owner's lock of exactly this range, an exclusive one before a
 * shared one; STATUS_RANGE_NOT_LOCKED when there is none, STATUS_INVALID_LOCK_RANGE. */
NTSTATUS vfs_brl_remove(struct vfs_brl_table *t, uint64_t offset, uint64_t length, const void *owner);

/* Remove every lock of `owner` (its open closes); returns how many went. */
size_t vfs_brl_remove_owner(struct vfs_brl_table *t, const void *owner);

void vfs_brl_table_free(struct vfs_brl_table *t);

#endif
