/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte-range locks (MS-FSA 2.1.5.8, 2.1.5.9, 2.1.4.10): the range table of a stream, and the
 * locks, unlocks, I/O checks and waiting lock requests of the opens of a struct vfs_file.
 *
 * Locking: each vfs_file's brl_lock guards its `locks` table and its `lock_waiters` queue (the
 * fields marked [B] in vfs_internal.h). It is a leaf: taken with no other VFS lock held and
 * nothing is taken under it; waiters are woken after it is released. `has_locks` mirrors
 * "locks.n != 0" so that READ and WRITE on a file nobody locks do not take it.
 */
#include <stdlib.h>

#include "vfs/vfs_brl.h"
#include "vfs/vfs_internal.h"

/* ---- the range table ---- */

NTSTATUS vfs_brl_range_valid(uint64_t offset, uint64_t length)
{
	if (length != 0 && offset + (length - 1) < offset)
		return STATUS_INVALID_LOCK_RANGE;
	return STATUS_SUCCESS;
}

/* MS-FSA 2.1.4.10's overlap test. With length 0 the "last byte" is offset - 1, so a zero-length
 * range overlaps only a lock that starts before it and ends at or after it; {0, 0} is excluded
 * before (its last byte would wrap). */
static bool overlaps(uint64_t offset, uint64_t length, const struct vfs_brl *l)
{
	if (l->offset == 0 && l->length == 0)
		return false;
	uint64_t last1 = offset + length - 1;
	uint64_t last2 = l->offset + l->length - 1;
	return offset <= last2 && last1 >= l->offset;
}

bool vfs_brl_conflicts(const struct vfs_brl_table *t, uint64_t offset, uint64_t length,
		       const void *owner, bool exclusive, bool lock_intent)
{
	if (offset == 0 && length == 0)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		const struct vfs_brl *l = &t->v[i];
		if (!overlaps(offset, length, l))
			continue;
		if (l->exclusive) {
			/* Its owner may read and write it and stack shared locks on it (smbtorture
			 * smb2.lock.stacking), but not a second exclusive lock. */
			if (l->owner != owner || (exclusive && lock_intent))
				return true;
		} else if (exclusive) {
			/* A shared lock refuses writes and exclusive locks to everybody, its owner
			 * too (smb2.lock.rw-shared, smb2.lock.stacking). */
			return true;
		}
	}
	return false;
}

NTSTATUS vfs_brl_add(struct vfs_brl_table *t, uint64_t offset, uint64_t length, const void *owner,
		     bool exclusive)
{
	NTSTATUS st = vfs_brl_range_valid(offset, length);

	if (st != STATUS_SUCCESS)
		return st;
	if (vfs_brl_conflicts(t, offset, length, owner, exclusive, true))
		return STATUS_LOCK_NOT_GRANTED;
	if (t->n >= VFS_BRL_MAX_PER_STREAM)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4;
		struct vfs_brl *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return STATUS_NO_MEMORY;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct vfs_brl){ .offset = offset, .length = length, .owner = owner,
					  .exclusive = exclusive };
	return STATUS_SUCCESS;
}

NTSTATUS vfs_brl_add_all(struct vfs_brl_table *t, const struct vfs_lock_range *r, size_t n,
			 const void *owner)
{
	size_t before = t->n;

	for (size_t i = 0; i < n; i++) {
		NTSTATUS st = vfs_brl_add(t, r[i].offset, r[i].length, owner, r[i].exclusive);
		if (st != STATUS_SUCCESS) {
			/* vfs_brl_add only appends: this request's locks are the last ones */
			t->n = before;
			return st;
		}
	}
	return STATUS_SUCCESS;
}

static void remove_at(struct vfs_brl_table *t, size_t i)
{
	t->v[i] = t->v[--t->n];
	if (t->n == 0) {
		free(t->v);
		t->v = NULL;
		t->cap = 0;
	}
}

NTSTATUS vfs_brl_remove(struct vfs_brl_table *t, uint64_t offset, uint64_t length, const void *owner)
{
	NTSTATUS st = vfs_brl_range_valid(offset, length);
	size_t found = SIZE_MAX;

	if (st != STATUS_SUCCESS)
		return st;
	for (size_t i = 0; i < t->n; i++) {
		const struct vfs_brl *l = &t->v[i];
		if (l->offset != offset || l->length != length || l->owner != owner)
			continue;
		found = i;
		if (l->exclusive)
			break;   /* an exclusive lock goes before the shared ones stacked on it */
	}
	if (found == SIZE_MAX)
		return STATUS_RANGE_NOT_LOCKED;
	remove_at(t, found);
	return STATUS_SUCCESS;
}

size_t vfs_brl_remove_owner(struct vfs_brl_table *t, const void *owner)
{
	size_t removed = 0;

	for (size_t i = 0; i < t->n;) {
		if (t->v[i].owner == owner) {
			remove_at(t, i);
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

void vfs_brl_table_free(struct vfs_brl_table *t)
{
	free(t->v);
	*t = (struct vfs_brl_table){ 0 };
}

/* ---- the locks of a file's opens ---- */

/* Take the queue of waiting lock requests, to wake them once brl_lock is released. */
static struct vfs_lock_waiter *take_waiters(struct vfs_file *f)
{
	struct vfs_lock_waiter *w = f->lock_waiters;

	f->lock_waiters = NULL;
	return w;
}

/* Each waiter is off the queue before its wake runs, and the VFS does not touch it after. */
static void wake_all(struct vfs_lock_waiter *w)
{
	while (w) {
		struct vfs_lock_waiter *next = w->next;
		w->next = NULL;
		w->wake(w);
		w = next;
	}
}

NTSTATUS vfs_lock(struct vfs_open *op, const struct vfs_lock_range *ranges, size_t n,
		  struct vfs_lock_waiter *wait)
{
	struct vfs_file *f = op->file;
	NTSTATUS st;

	/* MS-FSA 2.1.5.8: no byte-range locks on directories. */
	if (op->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (wait && n != 1)
		return STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&f->brl_lock);
	st = vfs_brl_add_all(&f->locks, ranges, n, op);
	atomic_store_explicit(&f->has_locks, f->locks.n != 0, memory_order_release);
	if (st == STATUS_LOCK_NOT_GRANTED && wait) {
		/* Queued under the same lock that refused it: a release after this wakes it. */
		wait->op = op;
		wait->next = f->lock_waiters;
		f->lock_waiters = wait;
		st = STATUS_PENDING;
	}
	pthread_mutex_unlock(&f->brl_lock);
	return st;
}

NTSTATUS vfs_unlock(struct vfs_open *op, uint64_t offset, uint64_t length)
{
	struct vfs_file *f = op->file;
	struct vfs_lock_waiter *wake = NULL;
	NTSTATUS st;

	if (op->is_dir)
		return STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&f->brl_lock);
	st = vfs_brl_remove(&f->locks, offset, length, op);
	atomic_store_explicit(&f->has_locks, f->locks.n != 0, memory_order_release);
	if (st == STATUS_SUCCESS)
		wake = take_waiters(f);
	pthread_mutex_unlock(&f->brl_lock);
	wake_all(wake);
	return st;
}

bool vfs_lock_unwait(struct vfs_open *op, struct vfs_lock_waiter *w)
{
	struct vfs_file *f = op->file;
	bool found = false;

	pthread_mutex_lock(&f->brl_lock);
	for (struct vfs_lock_waiter **pp = &f->lock_waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			w->next = NULL;
			found = true;
			break;
		}
	pthread_mutex_unlock(&f->brl_lock);
	return found;
}

bool vfs_lock_list(struct vfs_open *op, struct vfs_lock_range **out, size_t *n)
{
	struct vfs_file *f = op->file;
	struct vfs_lock_range *r = NULL;
	size_t k = 0;
	bool ok = true;

	*out = NULL;
	*n = 0;
	if (op->is_dir)
		return true;
	pthread_mutex_lock(&f->brl_lock);
	for (size_t i = 0; i < f->locks.n; i++)
		k += f->locks.v[i].owner == op;
	if (k) {
		r = malloc(k * sizeof(*r));
		ok = r != NULL;
		k = 0;
		for (size_t i = 0; r && i < f->locks.n; i++)
			if (f->locks.v[i].owner == op)
				r[k++] = (struct vfs_lock_range){ f->locks.v[i].offset,
								   f->locks.v[i].length,
								   f->locks.v[i].exclusive };
	}
	pthread_mutex_unlock(&f->brl_lock);
	*out = r;
	*n = r ? k : 0;
	return ok;
}

void vfs_brl_close(struct vfs_open *op)
{
	struct vfs_file *f = op->file;
	struct vfs_lock_waiter *wake = NULL;

	if (op->is_dir)
		return;
	pthread_mutex_lock(&f->brl_lock);
	bool released = vfs_brl_remove_owner(&f->locks, op) != 0;
	atomic_store_explicit(&f->has_locks, f->locks.n != 0, memory_order_release);
	/* Everybody waiting retries after a release; the open's own waiters (its owner should
	 * have withdrawn them) must not outlive it either way. */
	bool own = false;
	for (struct vfs_lock_waiter *w = f->lock_waiters; w; w = w->next)
		own |= w->op == op;
	if (released || own)
		wake = take_waiters(f);
	pthread_mutex_unlock(&f->brl_lock);
	wake_all(wake);
}

NTSTATUS vfs_brl_check_io(struct vfs_open *op, uint64_t offset, uint64_t length, bool write)
{
	struct vfs_file *f = op->file;
	bool conflict;

	/* The fast path of every READ and WRITE: nobody holds a lock on the stream. A lock taken
	 * concurrently with this I/O is ordered after it, as on any server. */
	if (length == 0 || !atomic_load_explicit(&f->has_locks, memory_order_acquire))
		return STATUS_SUCCESS;
	/* MS-FSA 2.1.4.10 with the range clipped where the 64-bit arithmetic would wrap. */
	if (offset + (length - 1) < offset)
		length = UINT64_MAX - offset + 1;
	pthread_mutex_lock(&f->brl_lock);
	conflict = vfs_brl_conflicts(&f->locks, offset, length, op, write, false);
	pthread_mutex_unlock(&f->brl_lock);
	return conflict ? STATUS_FILE_LOCK_CONFLICT : STATUS_SUCCESS;
}
