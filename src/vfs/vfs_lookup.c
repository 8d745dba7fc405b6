/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Case-insensitive name lookup. Windows names are case-insensitive and case-preserving, Linux
 * names exact: an exact spelling goes straight to openat2, any other is found by scanning the
 * directory, through a small cache of each recently scanned directory's names.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/*
 * The cache holds the names of up to CACHE_DIRS directories (CACHE_NAMES names in all), each
 * with the directory's identity and mtime/ctime when it was read. A lookup first compares that
 * stamp with the directory as it is now: any change made outside the VFS shows as a new stamp
 * and the names are read again. Names the VFS adds itself are added to the cache (so creating
 * many files in one directory does not re-read it each time); removals and renames drop it.
 * A change made by another program within the same timestamp tick as the read can be missed
 * until the directory changes again (kernels with multigrain timestamps make that window
 * vanish: the statx of the stamp forces the next change to a fresh timestamp).
 */
#define CACHE_DIRS  32
#define CACHE_NAMES (1u << 20)

struct dcache {
	struct vfs_dirstamp stamp;
	uint64_t used;            /* LRU clock */
	char *names;              /* every name, NUL-terminated, one after the other */
	size_t names_len, names_cap;
	uint32_t *offs;           /* entry -> offset in names; "" marks a removed entry */
	size_t count, cap;
	uint32_t *slots;          /* open addressing by vfs_name_hash: entry + 1, 0 = empty */
	size_t nslots;            /* power of two, at least twice count */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dcache *g_dirs[CACHE_DIRS];   /* [g_lock] */
static size_t g_names;                      /* [g_lock] names held in all */
static uint64_t g_clock;                    /* [g_lock] */

static bool stamp_of(int dirfd, struct vfs_dirstamp *s)
{
	struct statx stx;

	memset(s, 0, sizeof(*s));
	if (statx(dirfd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT,
		  STATX_INO | STATX_MTIME | STATX_CTIME, &stx) != 0)
		return false;
	s->valid = true;
	s->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	s->ino = stx.stx_ino;
	s->mtime = vfs_nttime_from_unix(stx.stx_mtime.tv_sec, (long)stx.stx_mtime.tv_nsec);
	s->ctime = vfs_nttime_from_unix(stx.stx_ctime.tv_sec, (long)stx.stx_ctime.tv_nsec);
	/* NT time keeps 100 ns; the nanoseconds decide between two changes within 100 ns. */
	s->nsec = (uint32_t)stx.stx_mtime.tv_nsec ^ ((uint32_t)stx.stx_ctime.tv_nsec << 1);
	return true;
}

static bool stamp_eq(const struct vfs_dirstamp *a, const struct vfs_dirstamp *b)
{
	return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino && a->mtime == b->mtime &&
	       a->ctime == b->ctime && a->nsec == b->nsec;
}

static void dc_free(struct dcache *d)
{
	if (!d)
		return;
	free(d->names);
	free(d->offs);
	free(d->slots);
	free(d);
}

static void slot_insert(uint32_t *slots, size_t nslots, uint32_t h, uint32_t entry)
{
	size_t i = h & (nslots - 1);

	while (slots[i])
		i = (i + 1) & (nslots - 1);
	slots[i] = entry + 1;
}

static bool dc_rehash(struct dcache *d, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof(*s));

	if (!s)
		return false;
	for (size_t e = 0; e < d->count; e++)
		slot_insert(s, nslots, vfs_name_hash(d->names + d->offs[e]), (uint32_t)e);
	free(d->slots);
	d->slots = s;
	d->nslots = nslots;
	return true;
}

static bool dc_add(void *arg, const char *name, size_t len)
{
	struct dcache *d = arg;

	if (d->count >= UINT32_MAX - 1 || d->names_len + len + 1 > UINT32_MAX)
		return false;
	if (d->count == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		uint32_t *o = realloc(d->offs, ncap * sizeof(*o));
		if (!o)
			return false;
		d->offs = o;
		d->cap = ncap;
	}
	if (d->names_len + len + 1 > d->names_cap) {
		size_t ncap = d->names_cap ? d->names_cap * 2 : 2048;
		while (ncap < d->names_len + len + 1)
			ncap *= 2;
		char *n = realloc(d->names, ncap);
		if (!n)
			return false;
		d->names = n;
		d->names_cap = ncap;
	}
	if ((d->count + 1) * 2 > d->nslots && !dc_rehash(d, d->nslots ? d->nslots * 2 : 128))
		return false;
	memcpy(d->names + d->names_len, name, len);
	d->names[d->names_len + len] = '\0';
	d->offs[d->count] = (uint32_t)d->names_len;
	d->names_len += len + 1;
	slot_insert(d->slots, d->nslots, vfs_name_hash(d->names + d->offs[d->count]), (uint32_t)d->count);
	d->count++;
	return true;
}

static const char *dc_find(const struct dcache *d, const char *name)
{
	size_t i;

	if (!d->nslots)
		return NULL;
	for (i = vfs_name_hash(name) & (d->nslots - 1); d->slots[i]; i = (i + 1) & (d->nslots - 1)) {
		const char *n = d->names + d->offs[d->slots[i] - 1];
		if (n[0] && vfs_name_casecmp(n, name) == 0)
			return n;
	}
	return NULL;
}

/* With g_lock held. */
static size_t dc_index(const struct vfs_dirstamp *s)
{
	for (size_t i = 0; i < CACHE_DIRS; i++)
		if (g_dirs[i] && g_dirs[i]->stamp.dev == s->dev && g_dirs[i]->stamp.ino == s->ino)
			return i;
	return SIZE_MAX;
}

/* With g_lock held. */
static void dc_drop(size_t i)
{
	g_names -= g_dirs[i]->count;
	dc_free(g_dirs[i]);
	g_dirs[i] = NULL;
}

/* With g_lock held: make room for `count` more names, evicting the least recently used. */
static size_t dc_slot_for(size_t count)
{
	for (;;) {
		size_t free_slot = SIZE_MAX, lru = SIZE_MAX;
		for (size_t i = 0; i < CACHE_DIRS; i++) {
			if (!g_dirs[i])
				free_slot = free_slot == SIZE_MAX ? i : free_slot;
			else if (lru == SIZE_MAX || g_dirs[i]->used < g_dirs[lru]->used)
				lru = i;
		}
		if (free_slot != SIZE_MAX && g_names + count <= CACHE_NAMES)
			return free_slot;
		if (lru == SIZE_MAX)
			return SIZE_MAX;   /* empty cache and still too many: do not cache */
		dc_drop(lru);
	}
}

/* Read the names of dirfd. Listing is done as the server when the user may not read the
 * directory: a lookup only ever yields a name the client already spelled (in another case), and
 * the open of that name is checked with the user's own credentials afterwards. */
static struct dcache *dc_build(int dirfd)
{
	struct dcache *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return NULL;
	err = vfs_dir_scan(dirfd, dc_add, d);
	if (err == EACCES) {
		struct vfs_root_section rs;
		vfs_root_begin(&rs);
		dc_free(d);
		d = calloc(1, sizeof(*d));
		err = d ? (rs.switched ? vfs_dir_scan(dirfd, dc_add, d) : EACCES) : ENOMEM;
		vfs_root_end(&rs);
	}
	if (err) {
		dc_free(d);
		return NULL;
	}
	return d;
}

char *vfs_lookup_ci(int dirfd, const char *name, struct vfs_dirstamp *seen)
{
	struct vfs_dirstamp now;
	struct dcache *d;
	const char *hit;
	char *res = NULL;
	size_t i;

	if (seen)
		memset(seen, 0, sizeof(*seen));
	if (!stamp_of(dirfd, &now))
		return NULL;
	pthread_mutex_lock(&g_lock);
	i = dc_index(&now);
	if (i != SIZE_MAX && stamp_eq(&g_dirs[i]->stamp, &now)) {
		g_dirs[i]->used = ++g_clock;
		hit = dc_find(g_dirs[i], name);
		res = hit ? strdup(hit) : NULL;
		pthread_mutex_unlock(&g_lock);
		if (seen)
			*seen = now;
		return res;
	}
	pthread_mutex_unlock(&g_lock);

	/* Read outside the lock; the stamp taken before the read makes any change during it show
	 * up at the next lookup. */
	d = dc_build(dirfd);
	if (!d)
		return NULL;
	d->stamp = now;
	hit = dc_find(d, name);
	res = hit ? strdup(hit) : NULL;
	if (seen)
		*seen = now;

	pthread_mutex_lock(&g_lock);
	i = dc_index(&now);
	if (i != SIZE_MAX)
		dc_drop(i);
	i = dc_slot_for(d->count);
	if (i != SIZE_MAX) {
		d->used = ++g_clock;
		g_dirs[i] = d;
		g_names += d->count;
		d = NULL;
	}
	pthread_mutex_unlock(&g_lock);
	dc_free(d);
	return res;
}

void vfs_lookup_added(int dirfd, const char *name, const struct vfs_dirstamp *before)
{
	struct vfs_dirstamp now;
	size_t i;
	bool ok = stamp_of(dirfd, &now);

	pthread_mutex_lock(&g_lock);
	i = ok ? dc_index(&now) : SIZE_MAX;
	if (i != SIZE_MAX) {
		struct dcache *d = g_dirs[i];
		/* Only if the cache was current when the caller looked (nothing else changed the
		 * directory since), else it is read again next time. */
		if (before && stamp_eq(&d->stamp, before) && g_names < CACHE_NAMES &&
		    dc_add(d, name, strlen(name))) {
			d->stamp = now;
			g_names++;
		} else {
			dc_drop(i);
		}
	}
	pthread_mutex_unlock(&g_lock);
}

void vfs_lookup_changed(int dirfd)
{
	struct vfs_dirstamp now;
	size_t i;

	if (!stamp_of(dirfd, &now))
		return;
	pthread_mutex_lock(&g_lock);
	i = dc_index(&now);
	if (i != SIZE_MAX)
		dc_drop(i);
	pthread_mutex_unlock(&g_lock);
}

/* Append "/" comp (or comp alone at the start) to the growing path *p of length *len. */
static bool path_append(char **p, size_t *len, const char *comp, size_t clen)
{
	char *n = realloc(*p, *len + clen + 2);

	if (!n)
		return false;
	if (*len)
		n[(*len)++] = '/';
	memcpy(n + *len, comp, clen);
	*len += clen;
	n[*len] = '\0';
	*p = n;
	return true;
}

char *vfs_resolve_parent(struct vfs_share *share, const char *rel)
{
	int fd;
	char *r = vfs_resolve_parent_fd(share, rel, &fd);

	if (fd >= 0)
		close(fd);
	return r;
}

char *vfs_resolve_parent_fd(struct vfs_share *share, const char *rel, int *parent_fd)
{
	const char *last = strrchr(rel, '/'), *c = rel;
	char *out = NULL, *parent;
	size_t len = 0;
	int dirfd = share->root_fd, fd;

	*parent_fd = -1;
	if (!last)
		return strdup(rel);
	/* The usual case: the parent exists as spelled. */
	parent = strndup(rel, (size_t)(last - rel));
	if (!parent)
		return NULL;
	fd = vfs_openat2(share->root_fd, parent, O_PATH | O_DIRECTORY, 0);
	free(parent);
	if (fd >= 0 || fd != -ENOENT) {
		char *r = strdup(rel);   /* found, or an error the caller's own open will report */
		if (fd >= 0 && r)
			*parent_fd = fd;
		else if (fd >= 0)
			close(fd);
		return r;
	}

	/* Component by component, always resolved from the share root (RESOLVE_BENEATH holds). */
	while (c < last) {
		const char *slash = strchr(c, '/');
		size_t clen = (size_t)(slash - c), keep = len;
		if (!path_append(&out, &len, c, clen))
			goto fail;
		fd = vfs_openat2(share->root_fd, out, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT) {
			char *comp = strndup(c, clen), *disk = comp ? vfs_lookup_ci(dirfd, comp, NULL) : NULL;
			free(comp);
			if (disk) {
				len = keep;
				out[len] = '\0';
				bool ok = path_append(&out, &len, disk, strlen(disk));
				free(disk);
				if (!ok)
					goto fail;
				fd = vfs_openat2(share->root_fd, out, O_PATH | O_DIRECTORY, 0);
			}
		}
		if (dirfd != share->root_fd)
			close(dirfd);
		dirfd = share->root_fd;
		c = slash + 1;
		if (fd < 0)
			break;   /* the rest stays as spelled; the caller's open reports what is missing */
		dirfd = fd;
	}
	if (dirfd != share->root_fd)
		close(dirfd);
	if (!path_append(&out, &len, c, strlen(c)))
		goto fail;
	return out;
fail:
	free(out);
	return NULL;
}
