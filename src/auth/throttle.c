/* SPDX-License-Identifier: Apache-2.0 */
/* Failed-logon schedule per client address (throttle.h): a bounded hash table of due times. */
#include "auth/throttle.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_MAX 48   /* an IPv6 literal with scope fits INET6_ADDRSTRLEN (46) */
#define NONE SIZE_MAX

struct addr_entry {
	char addr[ADDR_MAX];
	uint64_t due;       /* when the last failure from it is answered */
	size_t next;        /* bucket chain, or free list */
};

struct auth_throttle {
	pthread_mutex_t lock;   /* guards everything below */
	unsigned delay_ms;
	size_t cap, count;
	size_t nbuckets;        /* a power of two */
	size_t *buckets;
	struct addr_entry *entries;
	size_t free_head;
};

struct auth_throttle *auth_throttle_new(unsigned delay_ms, size_t max_addrs)
{
	struct auth_throttle *t = calloc(1, sizeof(*t));

	if (!t || max_addrs == 0)
		goto fail;
	t->delay_ms = delay_ms;
	t->cap = max_addrs;
	for (t->nbuckets = 16; t->nbuckets < max_addrs; t->nbuckets *= 2)
		;
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	t->entries = calloc(max_addrs, sizeof(*t->entries));
	if (!t->buckets || !t->entries)
		goto fail;
	for (size_t i = 0; i < t->nbuckets; i++)
		t->buckets[i] = NONE;
	for (size_t i = 0; i < max_addrs; i++)
		t->entries[i].next = i + 1 < max_addrs ? i + 1 : NONE;
	t->free_head = 0;
	pthread_mutex_init(&t->lock, NULL);
	return t;
fail:
	if (t) {
		free(t->buckets);
		free(t->entries);
		free(t);
	}
	return NULL;
}

void auth_throttle_free(struct auth_throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->buckets);
	free(t->entries);
	free(t);
}

/* The address part of "address:port" (IPv6 literals from inet_ntop carry no brackets, so the
 * port is after the last colon). */
static void peer_address(const char *peer, char out[ADDR_MAX])
{
	const char *colon = strrchr(peer, ':');
	size_t n = colon ? (size_t)(colon - peer) : strlen(peer);

	if (n >= ADDR_MAX)
		n = ADDR_MAX - 1;
	memcpy(out, peer, n);
	out[n] = '\0';
}

static size_t bucket_of(const struct auth_throttle *t, const char *addr)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	for (; *addr; addr++)
		h = (h ^ (unsigned char)*addr) * 1099511628211ull;
	return (size_t)(h & (t->nbuckets - 1));
}

static void unlink_entry(struct auth_throttle *t, size_t i)
{
	size_t *pp = &t->buckets[bucket_of(t, t->entries[i].addr)];

	while (*pp != i)
		pp = &t->entries[*pp].next;
	*pp = t->entries[i].next;
	t->entries[i].next = t->free_head;
	t->free_head = i;
	t->count--;
}

/* The table is full: drop every entry whose time has passed (they no longer delay anything);
 * if none has, the one due soonest, which loses the least. */
static void make_room(struct auth_throttle *t, uint64_t now_ms)
{
	size_t soonest = NONE;

	for (size_t b = 0; b < t->nbuckets; b++)
		for (size_t i = t->buckets[b], next; i != NONE; i = next) {
			next = t->entries[i].next;
			if (t->entries[i].due <= now_ms)
				unlink_entry(t, i);
			else if (soonest == NONE || t->entries[i].due < t->entries[soonest].due)
				soonest = i;
		}
	if (t->count == t->cap && soonest != NONE)
		unlink_entry(t, soonest);
}

uint64_t auth_throttle_failed(struct auth_throttle *t, const char *peer, uint64_t now_ms)
{
	char addr[ADDR_MAX];
	uint64_t due;

	peer_address(peer, addr);
	pthread_mutex_lock(&t->lock);
	size_t b = bucket_of(t, addr), i;
	for (i = t->buckets[b]; i != NONE; i = t->entries[i].next)
		if (strcmp(t->entries[i].addr, addr) == 0)
			break;
	if (i == NONE) {
		if (t->count == t->cap)
			make_room(t, now_ms);
		i = t->free_head;
		t->free_head = t->entries[i].next;
		memcpy(t->entries[i].addr, addr, sizeof(addr));
		t->entries[i].due = 0;
		t->entries[i].next = t->buckets[b];
		t->buckets[b] = i;
		t->count++;
	}
	due = (t->entries[i].due > now_ms ? t->entries[i].due : now_ms) + t->delay_ms;
	t->entries[i].due = due;
	pthread_mutex_unlock(&t->lock);
	return due;
}

size_t auth_throttle_count(struct auth_throttle *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
