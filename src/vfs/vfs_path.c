/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names: wire path validation (UTF-16LE -> share-relative UTF-8), Windows wildcard matching,
 * NT time conversion, and the confined openat2() every lookup goes through.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/utf16.h"

/* Seconds from 1601-01-01 to 1970-01-01. */
#define NT_EPOCH_DELTA 11644473600LL
#define NT_TICKS       10000000ULL

/* Longest component Windows accepts, in UTF-16 code units (MS-FSCC 2.1.5). */
#define WIN_NAME_MAX 255

NTSTATUS vfs_status_from_errno(int err)
{
	switch (err) {
	case EXDEV:
		/* openat2(RESOLVE_BENEATH) refusing a symlink or ".." that leaves the share */
		return STATUS_ACCESS_DENIED;
	case ENXIO:
	case ENODEV:
		/* a device or socket node: nothing a client may open */
		return STATUS_ACCESS_DENIED;
	default:
		return nt_status_from_errno(err);
	}
}

/* Which descriptors the VFS opened with O_PATH, so that xattr calls on them go straight through
 * /proc/self/fd instead of failing with EBADF first. A hint only: the /proc way works on any fd,
 * so a stale bit (an fd closed and its number reused by another open) costs one syscall, never a
 * wrong answer. */
#define FD_HINTS 65536
static _Atomic uint64_t g_opath_bits[FD_HINTS / 64];

static void note_fd(int fd, int flags)
{
	if (fd < 0 || fd >= FD_HINTS)
		return;
	uint64_t bit = UINT64_C(1) << (fd % 64);
	if (flags & O_PATH)
		atomic_fetch_or(&g_opath_bits[fd / 64], bit);
	else
		atomic_fetch_and(&g_opath_bits[fd / 64], ~bit);
}

bool vfs_fd_is_opath(int fd)
{
	return fd >= 0 && fd < FD_HINTS &&
	       (atomic_load_explicit(&g_opath_bits[fd / 64], memory_order_relaxed) >> (fd % 64) & 1);
}

int vfs_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	/* EAGAIN: the kernel saw a concurrent rename during a RESOLVE_BENEATH walk; retry. */
	for (int tries = 0; tries < 16; tries++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0) {
			note_fd((int)fd, flags);
			return (int)fd;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
	return -EAGAIN;
}

bool vfs_split_path(const char *rel, char **parent, const char **name)
{
	const char *slash = strrchr(rel, '/');

	if (!slash) {
		*parent = strdup(".");
		*name = rel;
	} else {
		*parent = strndup(rel, (size_t)(slash - rel));
		*name = slash + 1;
	}
	return *parent != NULL;
}

NTSTATUS vfs_parent_id(struct vfs_share *share, const char *relpath, uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	const char *slash = strrchr(relpath, '/');
	int rc;

	if (!relpath[0])
		return STATUS_NOT_FOUND;
	if (!slash) {
		rc = fstat(share->root_fd, &st);
	} else {
		char *parent = strndup(relpath, (size_t)(slash - relpath));
		if (!parent)
			return STATUS_NO_MEMORY;
		int fd = vfs_openat2(share->root_fd, parent, O_PATH | O_DIRECTORY, 0);
		free(parent);
		if (fd < 0)
			return vfs_status_from_errno(-fd);
		rc = fstat(fd, &st);
		close(fd);
	}
	if (rc != 0)
		return vfs_status_from_errno(errno);
	*dev = (uint64_t)st.st_dev;
	*ino = (uint64_t)st.st_ino;
	return STATUS_SUCCESS;
}

bool vfs_proc_path(char *buf, size_t len, int fd, const char *name)
{
	int n = name ? snprintf(buf, len, "/proc/self/fd/%d/%s", fd, name)
		     : snprintf(buf, len, "/proc/self/fd/%d", fd);
	return n > 0 && (size_t)n < len;
}

int vfs_reopen(int fd, int flags)
{
	char p[64];
	int nfd;

	if (!vfs_proc_path(p, sizeof(p), fd, NULL))
		return -ENAMETOOLONG;
	/* Through the magic link the kernel reopens the very inode fd refers to and checks the
	 * caller's permissions for the new mode, as a fresh open() would. */
	nfd = open(p, flags | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	note_fd(nfd, flags);
	return nfd;
}

/* ------------------------------------------------------------------------------------------ */
/* Wire names */

static bool reserved_char(uint16_t c)
{
	/* MS-FSCC 2.1.5.2: characters a file name may not contain. ':' is handled by the caller. */
	if (c < 0x20)
		return true;
	switch (c) {
	case '<': case '>': case '"': case '|': case '?': case '*':
		return true;
	default:
		return false;
	}
}

/* '/' separates components like '\\' (Samba accepts it, smbtorture's timestamps tests use it;
 * it can never be part of a name, MS-FSCC 2.1.5.2). */
static bool is_sep(uint16_t c)
{
	return c == '\\' || c == '/';
}

struct wire_comp {
	size_t off;     /* byte offset of the component in the name */
	size_t len;     /* bytes */
};

static bool comp_is(const uint8_t *name, const struct wire_comp *c, const char *ascii)
{
	size_t n = strlen(ascii);

	if (c->len != n * 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (le16(name + c->off + 2 * i) != (uint8_t)ascii[i])
			return false;
	return true;
}

/* Case-insensitive compare of a UTF-16LE range against an ASCII string. */
static bool range_ieq(const uint8_t *p, size_t nbytes, const char *ascii)
{
	size_t n = strlen(ascii);

	if (nbytes != n * 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint16_t c = le16(p + 2 * i);
		if (c >= 'a' && c <= 'z')
			c = (uint16_t)(c - 32);
		if (c != (uint8_t)ascii[i])
			return false;
	}
	return true;
}

/*
 * The last component may carry a stream suffix: "name:stream:type". The default data stream
 * ("name::$DATA", and "name:$DATA" which Windows also resolves to it) is the file itself, but
 * spelled out it cannot be a directory, so *unnamed tells the caller; a named stream
 * ("name:stream", "name:stream:$DATA") is returned in *stream (len 0: none). Only $DATA streams
 * exist (Samba answers the same for $INDEX_ALLOCATION and the rest). Shortens *c to the base name.
 */
static NTSTATUS strip_stream(const uint8_t *name, struct wire_comp *c, struct wire_comp *stream,
			     bool *unnamed)
{
	/* Only a whole name may be a bare stream (":new", FileRenameInformation's stream rename);
	 * vfs_create refuses it. */
	bool whole = c->off == 0;
	size_t colon1 = SIZE_MAX, colon2 = SIZE_MAX;

	for (size_t i = 0; i < c->len; i += 2) {
		if (le16(name + c->off + i) != ':')
			continue;
		if (colon1 == SIZE_MAX)
			colon1 = i;
		else if (colon2 == SIZE_MAX)
			colon2 = i;
		else
			return STATUS_OBJECT_NAME_INVALID;   /* a third ':' */
	}
	if (colon1 == SIZE_MAX)
		return STATUS_SUCCESS;
	if (colon1 == 0 && !whole)
		return STATUS_OBJECT_NAME_INVALID;           /* no base name */

	const uint8_t *s = name + c->off + colon1 + 2;
	size_t slen = (colon2 == SIZE_MAX ? c->len : colon2) - colon1 - 2;
	if (colon2 != SIZE_MAX) {
		const uint8_t *t = name + c->off + colon2 + 2;
		size_t tlen = c->len - colon2 - 2;
		if (!range_ieq(t, tlen, "$DATA"))
			return STATUS_OBJECT_NAME_INVALID;   /* only data streams have names */
	} else {
		if (slen == 0)
			return STATUS_OBJECT_NAME_INVALID;   /* "name:" */
		if (range_ieq(s, slen, "$DATA"))
			slen = 0;                            /* "name:$DATA" is the file */
	}
	if (slen / 2 > WIN_NAME_MAX)
		return STATUS_OBJECT_NAME_INVALID;
	*unnamed = slen == 0;
	stream->off = c->off + colon1 + 2;
	stream->len = slen;
	c->len = colon1;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_path_from_wire(struct arena *a, const uint8_t *name, size_t nbytes, char **out)
{
	struct rd r = rd_init(name, nbytes);
	struct wire_comp *comps, stream = { 0, 0 };
	size_t ncomp = 0, start = 0, units;
	bool trailing = false, in_stream = false, unnamed = false;
	uint16_t c;
	NTSTATUS st;

	*out = NULL;
	if (nbytes % 2)
		return STATUS_OBJECT_NAME_INVALID;
	if (nbytes == 0) {
		*out = arena_strdup(a, "");
		return *out ? STATUS_SUCCESS : STATUS_NO_MEMORY;
	}
	units = nbytes / 2;

	/* MS-SMB2 3.3.5.9: a name starting with a separator is refused (smb2.create.leading-slash). */
	if (!rd_u16(&r, &c))
		return STATUS_OBJECT_NAME_INVALID;
	if (c == '\\' || c == '/')
		return STATUS_INVALID_PARAMETER;

	/* MS-FSA 2.1.5.1: a trailing backslash says "this must be a directory"; vfs_create enforces it. */
	if (units > 1 && is_sep(le16(name + nbytes - 2))) {
		trailing = true;
		units--;
	}

	comps = arena_alloc(a, (units / 2 + 2) * sizeof(*comps));
	if (!comps)
		return STATUS_NO_MEMORY;

	r = rd_init(name, units * 2);
	for (size_t i = 0; i <= units; i++) {
		bool end = i == units;
		if (!end && !rd_u16(&r, &c))
			return STATUS_OBJECT_NAME_INVALID;
		if (!end && !is_sep(c)) {
			/* After a ':' comes a stream name, which may hold anything but '\\', '/',
			 * ':' and NUL (smb2.streams.names2); a ':' outside the last component is
			 * refused below. */
			if (c == ':')
				in_stream = true;
			else if (!in_stream && reserved_char(c))
				return STATUS_OBJECT_NAME_INVALID;
			continue;
		}
		in_stream = false;
		struct wire_comp comp = { .off = start * 2, .len = (i - start) * 2 };
		start = i + 1;
		if (comp.len == 0)
			return STATUS_OBJECT_NAME_INVALID;      /* "a\\\\b" */
		if (end) {
			st = strip_stream(name, &comp, &stream, &unnamed);
			if (st != STATUS_SUCCESS)
				return st;
			/* A stream belongs to a name, not to "." or "..". */
			if ((stream.len || unnamed) &&
			    (comp_is(name, &comp, ".") || comp_is(name, &comp, "..")))
				return STATUS_OBJECT_NAME_INVALID;
		} else {
			for (size_t k = 0; k < comp.len; k += 2)
				if (le16(name + comp.off + k) == ':')
					return STATUS_OBJECT_NAME_INVALID;
		}
		if (comp_is(name, &comp, "."))
			return STATUS_OBJECT_NAME_INVALID;
		if (comp_is(name, &comp, "..")) {
			/* Resolved lexically as Samba does; climbing above the share is a syntax error
			 * (smb2.mkdir: "..\\..\\.." -> STATUS_OBJECT_PATH_SYNTAX_BAD). */
			if (ncomp == 0)
				return STATUS_OBJECT_PATH_SYNTAX_BAD;
			ncomp--;
			continue;
		}
		if (comp.len / 2 > WIN_NAME_MAX)
			return STATUS_OBJECT_NAME_INVALID;
		comps[ncomp++] = comp;
	}

	/* Convert component by component; utf16le_to_utf8 rejects unpaired surrogates. */
	const char *sname = unnamed ? &VFS_UNNAMED_STREAM[1] : NULL; /* ":$DATA" */
	size_t total = 2 + (unnamed ? sizeof(VFS_UNNAMED_STREAM) : 0);
	if (stream.len) {
		sname = utf16le_to_utf8(a, name + stream.off, stream.len);
		if (!sname)
			return STATUS_OBJECT_NAME_INVALID;
		total += strlen(sname) + 1;
	}
	char **parts = arena_alloc(a, (ncomp + 1) * sizeof(*parts));
	if (!parts)
		return STATUS_NO_MEMORY;
	for (size_t i = 0; i < ncomp; i++) {
		parts[i] = utf16le_to_utf8(a, name + comps[i].off, comps[i].len);
		if (!parts[i])
			return STATUS_OBJECT_NAME_INVALID;
		total += strlen(parts[i]) + 1;
	}
	char *p = arena_alloc(a, total);
	if (!p)
		return STATUS_NO_MEMORY;
	size_t o = 0;
	for (size_t i = 0; i < ncomp; i++) {
		size_t l = strlen(parts[i]);
		if (i)
			p[o++] = '/';
		memcpy(p + o, parts[i], l);
		o += l;
	}
	if (sname) {
		/* "file:stream" or "file::$DATA": ':' can be in no name, so it marks the stream for
		 * vfs_create. */
		size_t l = strlen(sname);
		p[o++] = ':';
		memcpy(p + o, sname, l);
		o += l;
	}
	if (trailing && o > 0)
		p[o++] = '/';
	p[o] = '\0';
	*out = p;
	return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------------------------ */
/* Wildcards (MS-FSA 2.1.4.4) */

#define DOS_STAR '<'
#define DOS_QM   '>'
#define DOS_DOT  '"'

/* Decode UTF-8 into code points (vfs_utf8_next's rules). Returns the count written (at most
 * `max`). */
static size_t utf8_points(const char *s, uint32_t *out, size_t max)
{
	size_t n = 0;

	while (*s && n < max)
		out[n++] = vfs_utf8_next(&s);
	return n;
}

static size_t utf8_count(const char *s)
{
	size_t n = 0;

	while (*s) {
		vfs_utf8_next(&s);
		n++;
	}
	return n;
}

/*
 * Dynamic programming over (pattern position, name position), one row per pattern position
 * computed from the end: row i says whether p[i..] matches n[j..] for every j. Each cell costs
 * O(1) (DOS_STAR keeps a running OR along its row), so a match costs O(len(p) x len(n)).
 */
static bool match_points(const uint32_t *p, size_t np, const uint32_t *n, size_t nn, bool *next,
			 bool *cur)
{
	size_t last_dot = SIZE_MAX;

	for (size_t j = 0; j < nn; j++)
		if (n[j] == '.')
			last_dot = j;

	for (size_t j = 0; j <= nn; j++)
		next[j] = j == nn;
	for (size_t i = np; i-- > 0;) {
		uint32_t pc = p[i];
		bool star_any = false;   /* DOS_STAR: some next[k] true for k from j to its limit */
		for (size_t j = nn + 1; j-- > 0;) {
			bool m = false;
			switch (pc) {
			case '*':
				m = next[j] || (j < nn && cur[j + 1]);
				break;
			case '?':
				m = j < nn && next[j + 1];
				break;
			case DOS_QM:
				/* any one character; at a '.' or the end it matches nothing, and it may
				 * swallow a final '.' */
				if (j == nn)
					m = next[j];
				else if (n[j] == '.')
					m = next[j] || (j + 1 == nn && next[j + 1]);
				else
					m = next[j + 1];
				break;
			case DOS_DOT:
				/* a '.' or nothing at the end of the name */
				if (j == nn)
					m = next[j];
				else
					m = n[j] == '.' && next[j + 1];
				break;
			case DOS_STAR:
				/* zero or more characters up to the last '.' (it stops at some k in
				 * [j, last_dot]), which it may also consume; past the last '.', up to
				 * the end (k in [j, nn]). j runs downwards, so the OR over k grows by
				 * next[j] at each step and starts over at the last '.'. */
				if (j == last_dot)
					star_any = false;
				star_any = star_any || next[j];
				m = star_any || (last_dot != SIZE_MAX && j <= last_dot && next[last_dot + 1]);
				break;
			default:
				m = j < nn && vfs_fold_char(pc) == vfs_fold_char(n[j]) && next[j + 1];
				break;
			}
			cur[j] = m;
		}
		memcpy(next, cur, (nn + 1) * sizeof(*next));
	}
	return next[0];
}

bool vfs_wildcard_match(const char *pattern, const char *name)
{
	uint32_t pbuf[256], nbuf[512];
	bool rows[2][513];
	uint32_t *p = pbuf, *n = nbuf;
	bool *next = rows[0], *cur = rows[1];
	size_t plen = strlen(pattern), nlen = strlen(name);
	bool ok = false;

	/* "*" and "*.*" (what Windows clients send for "everything") match every name. */
	if (strcmp(pattern, "*") == 0 || strcmp(pattern, "*.*") == 0)
		return true;
	if (!strpbrk(pattern, "*?<>\""))
		return vfs_name_casecmp(pattern, name) == 0;
	if (plen > VFS_MAX_PATTERN * 4 || utf8_count(pattern) > VFS_MAX_PATTERN)
		return false;

	if (plen > sizeof(pbuf) / sizeof(pbuf[0]))
		p = malloc(plen * sizeof(*p));
	if (nlen > sizeof(nbuf) / sizeof(nbuf[0])) {
		n = malloc(nlen * sizeof(*n));
		next = malloc((nlen + 1) * sizeof(*next));
		cur = malloc((nlen + 1) * sizeof(*cur));
	}
	if (p && n && next && cur) {
		size_t np = utf8_points(pattern, p, plen);
		size_t nn = utf8_points(name, n, nlen);
		ok = match_points(p, np, n, nn, next, cur);
	}
	if (p != pbuf)
		free(p);
	if (n != nbuf) {
		free(n);
		free(next);
		free(cur);
	}
	return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Time */

uint64_t vfs_nttime_from_unix(int64_t sec, long nsec)
{
	if (sec < -NT_EPOCH_DELTA)
		return 0;
	if (nsec < 0 || nsec > 999999999)
		nsec = 0;
	uint64_t s = (uint64_t)(sec + NT_EPOCH_DELTA);
	if (s > (UINT64_MAX - 9999999) / NT_TICKS)
		return UINT64_MAX - 2;   /* never collide with the -1/-2 sentinels */
	return s * NT_TICKS + (uint64_t)nsec / 100;
}

void vfs_unix_from_nttime(uint64_t nt, int64_t *sec, long *nsec)
{
	*sec = (int64_t)(nt / NT_TICKS) - NT_EPOCH_DELTA;
	*nsec = (long)(nt % NT_TICKS) * 100;
}
