/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fanotify's event records (vfs_watch.h): the bytes the kernel hands the reader, parsed with
 * every length checked against what was read, and the mapping of its mask bits to MS-FSCC's
 * actions and completion filters. Pure: the reader in vfs_watch.c and the unit tests use it.
 */
#include "vfs/vfs_watch.h"

#include <string.h>
#include <sys/fanotify.h>

/* struct fanotify_event_metadata: event_len u32, vers u8, reserved u8, metadata_len u16,
 * mask u64, fd s32, pid s32. */
#define FAN_META_MIN 24
/* struct fanotify_event_info_header: info_type u8, pad u8, len u16; then fsid (8 bytes) and a
 * struct file_handle (handle_bytes u32, handle_type s32, f_handle). */
#define FAN_INFO_HDR 4
#define FAN_FH_HDR 8

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* One DFID_NAME-type record (rec, rec_len bytes, header included) into *ref. */
static bool parse_dfid_name(const unsigned char *rec, size_t rec_len, struct vfs_fan_ref *ref)
{
	size_t off = FAN_INFO_HDR + 8;   /* the fsid */

	if (rec_len < off + FAN_FH_HDR)
		return false;
	uint32_t handle_bytes = get_u32(rec + off);
	if (handle_bytes > VFS_FAN_KEY_MAX - 8 - FAN_FH_HDR ||
	    rec_len - off - FAN_FH_HDR < handle_bytes)
		return false;
	size_t name_off = off + FAN_FH_HDR + handle_bytes;
	const unsigned char *nul = memchr(rec + name_off, '\0', rec_len - name_off);
	if (!nul || nul == rec + name_off)
		return false;   /* a DFID_NAME record always has a name ("." for the directory) */
	ref->key = rec + FAN_INFO_HDR;
	ref->key_len = name_off - FAN_INFO_HDR;
	ref->name = (const char *)(rec + name_off);
	return true;
}

bool vfs_fan_parse(const unsigned char *buf, size_t len, struct vfs_fan_event *ev, size_t *used)
{
	memset(ev, 0, sizeof(*ev));
	*used = 0;
	if (len < FAN_META_MIN)
		return false;
	uint32_t event_len = get_u32(buf);
	if (event_len < FAN_META_MIN || event_len > len)
		return false;   /* nothing whole to skip to */
	*used = event_len;
	uint16_t meta_len = get_u16(buf + 6);
	if (buf[4] != FANOTIFY_METADATA_VERSION || meta_len < FAN_META_MIN || meta_len > event_len)
		return false;
	memcpy(&ev->mask, buf + 8, sizeof(ev->mask));
	for (size_t off = meta_len; off < event_len;) {
		if (event_len - off < FAN_INFO_HDR)
			return false;
		uint8_t type = buf[off];
		uint16_t rec_len = get_u16(buf + off + 2);
		if (rec_len < FAN_INFO_HDR || rec_len > event_len - off)
			return false;
		const unsigned char *rec = buf + off;
		switch (type) {
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
			if (!parse_dfid_name(rec, rec_len, &ev->dir))
				return false;
			ev->has_dir = true;
			break;
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
			if (!parse_dfid_name(rec, rec_len, &ev->old_dir))
				return false;
			ev->has_old = true;
			break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			if (!parse_dfid_name(rec, rec_len, &ev->new_dir))
				return false;
			ev->has_new = true;
			break;
		default:
			break;   /* FID, PIDFD...: not asked for, not needed */
		}
		off += rec_len;
	}
	return true;
}

uint32_t vfs_fan_map(uint64_t bit, bool isdir, uint32_t *filter)
{
	uint32_t names = isdir ? VFS_WATCH_DIR_NAME : VFS_WATCH_FILE_NAME;

	*filter = 0;
	switch (bit) {
	case FAN_CREATE:
		*filter = names;
		return VFS_WATCH_ADDED;
	case FAN_DELETE:
		*filter = names;
		return VFS_WATCH_REMOVED;
	case FAN_CLOSE_WRITE:
		/* A local program's writes, once, when it closes the file: as Windows reports a
		 * write (and skiffd its own), and one event per file rather than one per write()
		 * over a whole file system. */
		if (isdir)
			return 0;
		*filter = VFS_WATCH_SIZE | VFS_WATCH_LAST_WRITE;
		return VFS_WATCH_MODIFIED;
	case FAN_ATTRIB:
		/* As IN_ATTRIB (vfs_watch_map): chmod, chown, utimes and xattrs look alike. */
		*filter = VFS_WATCH_ATTRIBUTES | VFS_WATCH_LAST_WRITE | VFS_WATCH_LAST_ACCESS |
			  VFS_WATCH_CREATION | VFS_WATCH_EA | VFS_WATCH_SECURITY |
			  VFS_WATCH_STREAM_NAME | VFS_WATCH_STREAM_SIZE | VFS_WATCH_STREAM_WRITE;
		return VFS_WATCH_MODIFIED;
	default:
		return 0;
	}
}
