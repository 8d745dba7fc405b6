/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A share's open-file table (struct vfs_file_table: one per share, owned by the share): one
 * struct vfs_file per open (dev, ino, stream), holding the share-mode counters, the
 * delete-pending flag, the current path of the file and (vfs_brl.c) the byte-range locks of its
 * stream. The table is striped by a hash of (dev, ino): opens and closes of different files take
 * different mutexes, and a file and its streams are always in the same stripe.
 */
#include "vfs/vfs_internal.h"

#include <stdlib.h>
#include <string.h>

/* A stripe set is one bit per stripe of a uint64_t. Not more than 32 stripes: a directory rename
 * holds them all, under a session lock and with the lookup cache's taken on top, and
 * ThreadSanitizer's deadlock detector stops at 64 mutexes held by one thread. */
_Static_assert(VFS_TABLE_STRIPES <= 32, "stripes: see above");

struct vfs_file_table *vfs_file_table_new(void)
{
	struct vfs_file_table *t = aligned_alloc(_Alignof(struct vfs_file_table), sizeof(*t));

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < VFS_TABLE_STRIPES; i++)
		pthread_mutex_init(&t->stripes[i].lock, NULL);
	return t;
}

void vfs_file_table_free(struct vfs_file_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < VFS_TABLE_STRIPES; i++) {
		pthread_mutex_destroy(&t->stripes[i].lock);
		free(t->stripes[i].buckets);
	}
	free(t);
}

static uint64_t hash_of(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull;

	h ^= (uint64_t)dev + 0x7F4A7C159E3779B9ull + (h << 6) + (h >> 2);
	return h;
}

/* The stripe from the hash's top bits (the best mixed), the bucket from the rest. */
static unsigned stripe_index(uint64_t h)
{
	return (unsigned)(h >> (64 - VFS_TABLE_STRIPE_BITS));
}

static size_t bucket_of(uint64_t h, size_t n)
{
	return (size_t)((h & ((1ull << (64 - VFS_TABLE_STRIPE_BITS)) - 1)) % n);
}

static struct vfs_table_stripe *stripe_for(const struct vfs_share *share, dev_t dev, ino_t ino)
{
	return &share->files->stripes[stripe_index(hash_of(dev, ino))];
}

uint64_t vfs_table_stripe_of(dev_t dev, ino_t ino)
{
	return 1ull << stripe_index(hash_of(dev, ino));
}

void vfs_table_lock_set(const struct vfs_share *share, uint64_t stripes)
{
	for (unsigned i = 0; i < VFS_TABLE_STRIPES; i++)
		if (stripes & (1ull << i))
			pthread_mutex_lock(&share->files->stripes[i].lock);
}

void vfs_table_unlock_set(const struct vfs_share *share, uint64_t stripes)
{
	for (unsigned i = VFS_TABLE_STRIPES; i-- > 0;)
		if (stripes & (1ull << i))
			pthread_mutex_unlock(&share->files->stripes[i].lock);
}

void vfs_table_lock_id(const struct vfs_share *share, dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&stripe_for(share, dev, ino)->lock);
}

void vfs_table_unlock_id(const struct vfs_share *share, dev_t dev, ino_t ino)
{
	pthread_mutex_unlock(&stripe_for(share, dev, ino)->lock);
}

void vfs_table_lock_file(const struct vfs_file *f)
{
	vfs_table_lock_id(f->share, f->dev, f->ino);
}

void vfs_table_unlock_file(const struct vfs_file *f)
{
	vfs_table_unlock_id(f->share, f->dev, f->ino);
}

static bool stripe_grow(struct vfs_table_stripe *s)
{
	size_t n = s->nbuckets ? s->nbuckets * 2 : 16;
	struct vfs_file **b = calloc(n, sizeof(*b));

	if (!b)
		return false;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct vfs_file *f = s->buckets[i], *next;
		for (; f; f = next) {
			next = f->next;
			size_t k = bucket_of(hash_of(f->dev, f->ino), n);
			f->next = b[k];
			b[k] = f;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
	return true;
}

/* The chain a (dev, ino) is on, NULL while its stripe is empty and has no buckets yet. */
static struct vfs_file *chain_of(const struct vfs_share *share, dev_t dev, ino_t ino)
{
	uint64_t h = hash_of(dev, ino);
	const struct vfs_table_stripe *s = &share->files->stripes[stripe_index(h)];

	return s->nbuckets ? s->buckets[bucket_of(h, s->nbuckets)] : NULL;
}

/* Named streams have entries of their own, keyed by the stream name compared as Windows does. */
static bool same_stream(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return vfs_name_casecmp(a, b) == 0;
}

struct vfs_file *vfs_table_find_stream(struct vfs_share *share, dev_t dev, ino_t ino,
				       const char *stream)
{
	for (struct vfs_file *f = chain_of(share, dev, ino); f; f = f->next)
		if (f->dev == dev && f->ino == ino && same_stream(f->stream, stream))
			return f;
	return NULL;
}

struct vfs_file *vfs_table_find(struct vfs_share *share, dev_t dev, ino_t ino)
{
	return vfs_table_find_stream(share, dev, ino, NULL);
}

bool vfs_table_any_open(struct vfs_share *share, dev_t dev, ino_t ino)
{
	for (struct vfs_file *f = chain_of(share, dev, ino); f; f = f->next)
		if (f->dev == dev && f->ino == ino)
			return true;
	return false;
}

bool vfs_table_streams_open(struct vfs_share *share, dev_t dev, ino_t ino)
{
	for (struct vfs_file *f = chain_of(share, dev, ino); f; f = f->next)
		if (f->stream && f->dev == dev && f->ino == ino)
			return true;
	return false;
}

bool vfs_table_streams_share_delete(struct vfs_share *share, dev_t dev, ino_t ino)
{
	for (struct vfs_file *f = chain_of(share, dev, ino); f; f = f->next)
		if (f->stream && f->dev == dev && f->ino == ino &&
		    f->sc.shared_delete < f->sc.opens)
			return false;
	return true;
}

struct vfs_file *vfs_table_get(struct vfs_share *share, const struct stat *st, const char *path,
			       const char *stream)
{
	struct vfs_file *f = vfs_table_find_stream(share, st->st_dev, st->st_ino, stream);
	size_t k;

	if (f) {
		f->nopens++;
		return f;
	}
	struct vfs_table_stripe *s = stripe_for(share, st->st_dev, st->st_ino);
	if (s->count >= s->nbuckets * 2 && !stripe_grow(s) && !s->nbuckets)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->path = strdup(path);
	f->stream = stream ? strdup(stream) : NULL;
	if (!f->path || (stream && !f->stream)) {
		free(f->path);
		free(f->stream);
		free(f);
		return NULL;
	}
	f->share = share;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->is_dir = !stream && S_ISDIR(st->st_mode);
	f->nopens = 1;
	atomic_init(&f->archive_known, false);
	pthread_mutex_init(&f->meta_lock, NULL);
	pthread_mutex_init(&f->brl_lock, NULL);
	atomic_init(&f->has_locks, false);
	k = bucket_of(hash_of(f->dev, f->ino), s->nbuckets);
	f->next = s->buckets[k];
	s->buckets[k] = f;
	s->count++;
	return f;
}

bool vfs_table_put(struct vfs_file *f)
{
	struct vfs_file **pp;

	if (--f->nopens > 0)
		return false;
	struct vfs_table_stripe *s = stripe_for(f->share, f->dev, f->ino);
	for (pp = &s->buckets[bucket_of(hash_of(f->dev, f->ino), s->nbuckets)]; *pp;
	     pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	s->count--;
	while (f->oldpaths) {
		struct vfs_oldpath *o = f->oldpaths;
		f->oldpaths = o->next;
		free(o->path);
		free(o);
	}
	pthread_mutex_destroy(&f->meta_lock);
	pthread_mutex_destroy(&f->brl_lock);
	vfs_brl_table_free(&f->locks);   /* empty: each open released its own at close */
	free(f->path);
	free(f->stream);
	free(f);
	return true;
}

/* Only these rights take part in sharing (MS-FSA 2.1.5.1.2, the NT share-access rules);
 * an open for attributes alone neither conflicts nor is conflicted with. */
#define SHARE_READ_BITS   (FILE_READ_DATA | FILE_EXECUTE)
#define SHARE_WRITE_BITS  (FILE_WRITE_DATA | FILE_APPEND_DATA)

bool vfs_access_counts(uint32_t access)
{
	return (access & (SHARE_READ_BITS | SHARE_WRITE_BITS | DELETE_ACCESS)) != 0;
}

NTSTATUS vfs_share_check(const struct vfs_file *f, uint32_t access, uint32_t share_access)
{
	const struct vfs_sharecount *c = &f->sc;

	if (!vfs_access_counts(access) || c->opens == 0)
		return STATUS_SUCCESS;
	/* What I want must be shared by everybody already there ... */
	if ((access & SHARE_READ_BITS) && c->shared_read < c->opens)
		return STATUS_SHARING_VIOLATION;
	if ((access & SHARE_WRITE_BITS) && c->shared_write < c->opens)
		return STATUS_SHARING_VIOLATION;
	if ((access & DELETE_ACCESS) && c->shared_delete < c->opens)
		return STATUS_SHARING_VIOLATION;
	/* ... and what they have must be shared by me. */
	if (c->readers && !(share_access & FILE_SHARE_READ))
		return STATUS_SHARING_VIOLATION;
	if (c->writers && !(share_access & FILE_SHARE_WRITE))
		return STATUS_SHARING_VIOLATION;
	if (c->deleters && !(share_access & FILE_SHARE_DELETE))
		return STATUS_SHARING_VIOLATION;
	return STATUS_SUCCESS;
}

static void share_adjust(struct vfs_file *f, uint32_t access, uint32_t share_access, int d)
{
	struct vfs_sharecount *c = &f->sc;

	if (!vfs_access_counts(access))
		return;
	c->opens += (uint32_t)d;
	c->readers += (access & SHARE_READ_BITS) ? (uint32_t)d : 0;
	c->writers += (access & SHARE_WRITE_BITS) ? (uint32_t)d : 0;
	c->deleters += (access & DELETE_ACCESS) ? (uint32_t)d : 0;
	c->shared_read += (share_access & FILE_SHARE_READ) ? (uint32_t)d : 0;
	c->shared_write += (share_access & FILE_SHARE_WRITE) ? (uint32_t)d : 0;
	c->shared_delete += (share_access & FILE_SHARE_DELETE) ? (uint32_t)d : 0;
}

void vfs_share_add(struct vfs_file *f, uint32_t access, uint32_t share_access)
{
	share_adjust(f, access, share_access, 1);
}

void vfs_share_remove(struct vfs_file *f, uint32_t access, uint32_t share_access)
{
	share_adjust(f, access, share_access, -1);
}

/* Is `path` equal to `dir` or beneath it? ("" is the share root, above everything.) */
static bool path_below(const char *path, const char *dir, size_t dlen)
{
	if (dlen == 0)
		return true;
	return strncmp(path, dir, dlen) == 0 && (path[dlen] == '/' || path[dlen] == '\0');
}

bool vfs_table_any_below(struct vfs_share *share, const char *dir)
{
	size_t dlen = strlen(dir);

	for (size_t k = 0; k < VFS_TABLE_STRIPES; k++) {
		const struct vfs_table_stripe *s = &share->files->stripes[k];
		for (size_t i = 0; i < s->nbuckets; i++)
			for (struct vfs_file *f = s->buckets[i]; f; f = f->next)
				if (strcmp(f->path, dir) != 0 && path_below(f->path, dir, dlen))
					return true;
	}
	return false;
}

static bool set_path(struct vfs_file *f, char *np)
{
	struct vfs_oldpath *o = malloc(sizeof(*o));

	if (!o)
		return false;
	/* The old string stays alive until the entry dies: vfs_open_path() handed it out. */
	o->path = f->path;
	o->next = f->oldpaths;
	f->oldpaths = o;
	f->path = np;
	return true;
}

NTSTATUS vfs_table_stream_renamed(struct vfs_file *f, const char *newstream)
{
	size_t blen = strlen(f->path) - strlen(f->stream), slen = strlen(newstream);
	char *np = malloc(blen + slen + 1), *ns = strdup(newstream);

	if (!np || !ns) {
		free(np);
		free(ns);
		return STATUS_NO_MEMORY;
	}
	memcpy(np, f->path, blen);   /* "file:" */
	memcpy(np + blen, newstream, slen + 1);
	if (!set_path(f, np)) {
		free(np);
		free(ns);
		return STATUS_NO_MEMORY;
	}
	free(f->stream);
	f->stream = ns;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_table_moved(struct vfs_file *f, const char *newpath)
{
	char *old = f->path;
	size_t olen = strlen(old), nlen = strlen(newpath);
	char *np = strdup(newpath);

	if (!np || !set_path(f, np)) {
		free(np);
		return STATUS_NO_MEMORY;
	}
	/* Open named streams of the file (or directory) follow: "new:stream". They are on its
	 * chain. */
	for (struct vfs_file *g = chain_of(f->share, f->dev, f->ino); g; g = g->next) {
		if (!g->stream || g->dev != f->dev || g->ino != f->ino)
			continue;
		size_t sl = strlen(g->stream);
		char *gp = malloc(nlen + sl + 2);
		if (!gp)
			return STATUS_NO_MEMORY;
		memcpy(gp, newpath, nlen);
		gp[nlen] = ':';
		memcpy(gp + nlen + 1, g->stream, sl + 1);
		if (!set_path(g, gp)) {
			free(gp);
			return STATUS_NO_MEMORY;
		}
	}
	if (!f->is_dir)
		return STATUS_SUCCESS;
	/* A renamed directory: everything open beneath it follows at once (prefix replace). */
	for (size_t k = 0; k < VFS_TABLE_STRIPES; k++) {
		const struct vfs_table_stripe *s = &f->share->files->stripes[k];
		for (size_t i = 0; i < s->nbuckets; i++) {
			for (struct vfs_file *g = s->buckets[i]; g; g = g->next) {
				if (g == f || strncmp(g->path, old, olen) != 0 ||
				    g->path[olen] != '/')
					continue;
				size_t rest = strlen(g->path + olen);
				char *gp = malloc(nlen + rest + 1);
				if (!gp)
					return STATUS_NO_MEMORY;
				memcpy(gp, newpath, nlen);
				memcpy(gp + nlen, g->path + olen, rest + 1);
				if (!set_path(g, gp)) {
					free(gp);
					return STATUS_NO_MEMORY;
				}
			}
		}
	}
	return STATUS_SUCCESS;
}
