/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended attributes (EAs): each one a "user.skiff.ea.<NAME>" xattr whose value is one flags
 * byte (FILE_NEED_EA or 0) followed by the EA's value. Names upper-cased, as NTFS stores them.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "core/log.h"

#define EA_PREFIX_LEN (sizeof(VFS_EA_XATTR_PREFIX) - 1)
/* xattr names are at most 255 bytes (XATTR_NAME_MAX), prefix included. */
#define EA_NAME_MAX   (255 - EA_PREFIX_LEN)
#define EA_VALUE_MAX  65535

/* Characters Windows refuses in EA names (the FAT set, as NTFS checks EA names with it). */
static bool ea_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > EA_NAME_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7F || strchr("\"*+,/:;<=>?[\\]|", *p))
			return false;
	return true;
}

NTSTATUS vfs_ea_check(const struct vfs_ea *eas, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!eas[i].name || !ea_name_valid(eas[i].name))
			return STATUS_INVALID_EA_NAME;
		if (eas[i].value_len > EA_VALUE_MAX)
			return STATUS_EA_TOO_LARGE;
	}
	return STATUS_SUCCESS;
}

static void xattr_name(char *out, const char *name)
{
	size_t i;

	memcpy(out, VFS_EA_XATTR_PREFIX, EA_PREFIX_LEN);
	for (i = 0; name[i]; i++) {
		char c = name[i];
		out[EA_PREFIX_LEN + i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
	}
	out[EA_PREFIX_LEN + i] = '\0';
}

static NTSTATUS ea_status(int err)
{
	switch (err) {
	case ENOTSUP:
		return STATUS_EAS_NOT_SUPPORTED;
	case ENOSPC:
	case E2BIG:
	case ERANGE:
		return STATUS_EA_TOO_LARGE;   /* no room left for EAs on this inode */
	default:
		return vfs_status_from_errno(err);
	}
}

static NTSTATUS ea_store(int fd, const struct vfs_ea *ea)
{
	char xname[EA_PREFIX_LEN + EA_NAME_MAX + 1];
	uint8_t *v;
	int err;

	xattr_name(xname, ea->name);
	if (ea->value_len == 0) {
		/* Removing an EA that is not there is not an error (MS-FSA 2.1.5.15.3). */
		err = vfs_xattr_remove(fd, xname, true);
		return err == 0 || err == ENODATA ? STATUS_SUCCESS : ea_status(err);
	}
	v = malloc(ea->value_len + 1);
	if (!v)
		return STATUS_NO_MEMORY;
	v[0] = ea->flags & 0x80;
	memcpy(v + 1, ea->value, ea->value_len);
	err = vfs_xattr_set(fd, xname, v, ea->value_len + 1, 0, true);
	free(v);
	return err ? ea_status(err) : STATUS_SUCCESS;
}

static NTSTATUS ea_store_all(int fd, const struct vfs_ea *eas, size_t n)
{
	NTSTATUS st = vfs_ea_check(eas, n);

	for (size_t i = 0; i < n && st == STATUS_SUCCESS; i++)
		st = ea_store(fd, &eas[i]);
	return st;
}

static NTSTATUS ea_remove_all(int fd)
{
	char *list = NULL;
	ssize_t len = vfs_xattr_list(fd, &list, true);
	NTSTATUS st = STATUS_SUCCESS;

	if (len < 0)
		return len == -ENOTSUP ? STATUS_SUCCESS : ea_status((int)-len);
	for (char *p = list; p && p < list + len; p += strlen(p) + 1) {
		if (strncmp(p, VFS_EA_XATTR_PREFIX, EA_PREFIX_LEN) != 0)
			continue;
		int err = vfs_xattr_remove(fd, p, true);
		if (err && err != ENODATA) {
			st = ea_status(err);
			break;
		}
	}
	free(list);
	return st;
}

NTSTATUS vfs_ea_apply_create(int fd, const struct vfs_ea *eas, size_t n, bool replace)
{
	NTSTATUS st = replace ? ea_remove_all(fd) : STATUS_SUCCESS;

	if (st == STATUS_SUCCESS && n)
		st = ea_store_all(fd, eas, n);
	return st;
}

NTSTATUS vfs_ea_set(struct vfs_open *op, const struct vfs_ea *eas, size_t n)
{
	NTSTATUS st;

	if (!(op->access & FILE_WRITE_EA))
		return STATUS_ACCESS_DENIED;
	vfs_watch_self_open(op);
	st = vfs_ea_check(eas, n);
	if (st != STATUS_SUCCESS)
		return st;
	pthread_mutex_lock(&vfs_file_of(op)->meta_lock);
	st = ea_store_all(op->fd, eas, n);
	pthread_mutex_unlock(&vfs_file_of(op)->meta_lock);
	return st;
}

static int ea_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vfs_ea *)a)->name, ((const struct vfs_ea *)b)->name);
}

NTSTATUS vfs_ea_list(struct vfs_open *op, struct arena *a, bool for_size, struct vfs_ea **eas,
		     size_t *n)
{
	char *list = NULL;
	uint8_t *buf = NULL;
	ssize_t len;
	size_t count = 0, k = 0;
	struct vfs_ea *out;
	NTSTATUS st = STATUS_SUCCESS;

	*eas = NULL;
	*n = 0;
	if (!for_size && !(op->access & FILE_READ_EA))
		return STATUS_ACCESS_DENIED;
	/* Reading user.* xattrs needs POSIX read permission; the EA size is reported to any
	 * handle (FileEaInformation) and the right was checked otherwise, so read as the server. */
	len = vfs_xattr_list(op->fd, &list, true);
	if (len == -ENOTSUP)
		return STATUS_SUCCESS;   /* no user xattrs here: no EAs either */
	if (len < 0)
		return ea_status((int)-len);
	for (char *p = list; p && p < list + len; p += strlen(p) + 1)
		if (strncmp(p, VFS_EA_XATTR_PREFIX, EA_PREFIX_LEN) == 0 && p[EA_PREFIX_LEN])
			count++;
	if (count == 0)
		goto out;
	out = arena_alloc(a, count * sizeof(*out));
	buf = malloc(EA_VALUE_MAX + 2);
	if (!out || !buf) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	for (char *p = list; p < list + len && k < count; p += strlen(p) + 1) {
		ssize_t vl;
		if (strncmp(p, VFS_EA_XATTR_PREFIX, EA_PREFIX_LEN) != 0 || !p[EA_PREFIX_LEN])
			continue;
		vl = vfs_xattr_get(op->fd, p, buf, EA_VALUE_MAX + 2, true);
		if (vl == -ENODATA)
			continue;   /* removed since the listing */
		if (vl < 1 || vl > EA_VALUE_MAX + 1) {
			/* Not one of ours (set by another program without the flags byte, or too
			 * big for an EA): skip it rather than fail every query of the file. */
			log_debug("vfs: ignoring xattr %s: %zd", p, vl);
			continue;
		}
		char *name = arena_strdup(a, p + EA_PREFIX_LEN);
		uint8_t *value = arena_alloc(a, (size_t)vl);
		if (!name || !value) {
			st = STATUS_NO_MEMORY;
			goto out;
		}
		memcpy(value, buf + 1, (size_t)vl - 1);
		out[k++] = (struct vfs_ea){ .name = name, .value = value, .value_len = (size_t)vl - 1,
					    .flags = buf[0] & 0x80 };
	}
	qsort(out, k, sizeof(*out), ea_cmp);
	*eas = out;
	*n = k;
out:
	free(buf);
	free(list);
	return st;
}

uint32_t vfs_open_ea_index(const struct vfs_open *op)
{
	return op->ea_index;
}

void vfs_open_set_ea_index(struct vfs_open *op, uint32_t index)
{
	op->ea_index = index;
}
