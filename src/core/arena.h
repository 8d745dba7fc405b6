/* SPDX-License-Identifier: Apache-2.0 */
/* Per-request arena: everything a request allocates goes here and dies with one arena_reset(). */
#ifndef SKIFF_ARENA_H
#define SKIFF_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;   /* newest block first */
	size_t block_size;
};

void arena_init(struct arena *a, size_t block_size);
/* 16-byte aligned, zeroed memory; NULL on exhaustion. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Free everything but the first block, which is kept for the next request. */
void arena_reset(struct arena *a);
void arena_destroy(struct arena *a);

#endif
