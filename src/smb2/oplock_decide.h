/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The oplock decision of a CREATE (MS-FSA 2.1.5.1.2, 2.1.4.12, 2.1.5.17.2; MS-SMB2 3.3.5.9):
 * given the grants other opens hold on the file and the verdict of the share-mode check, which
 * of them to break and to what, whether the CREATE waits for acknowledgements, and what level
 * it gets. Pure: no state, no locks, so that it can be tested on its own (oplock.c applies it).
 */
#ifndef SKIFF_SMB2_OPLOCK_DECIDE_H
#define SKIFF_SMB2_OPLOCK_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

/* What an existing grant is now. */
struct oplock_holder {
	uint8_t level;          /* SMB2_OPLOCK_LEVEL_NONE, _II, _EXCLUSIVE or _BATCH */
	bool breaking;          /* a break sent to it waits for its acknowledgement */
};

/* The CREATE being decided. */
struct oplock_open_request {
	uint32_t access;        /* granted access */
	uint32_t disposition;   /* FILE_SUPERSEDE .. FILE_OVERWRITE_IF */
	uint8_t requested;      /* RequestedOplockLevel */
	unsigned other_opens;   /* opens of the file (or stream) besides this one */
	bool is_dir;
	/* the delete-pending and share-mode checks: STATUS_SUCCESS, STATUS_SHARING_VIOLATION or
	 * another failure */
	NTSTATUS verdict;
};

/* Per holder: leave it, or break it to this level. */
#define OPLOCK_KEEP 0xFE

struct oplock_decision {
	/* STATUS_SUCCESS: the open goes on with `grant`; STATUS_PENDING: breaks that need an
	 * acknowledgement were asked for (or are under way), wait for them and decide again; any
	 * other status fails the CREATE */
	NTSTATUS status;
	uint8_t grant;
};

/*
 * break_to[i] receives, for holders[i], OPLOCK_KEEP or the level to break it to. A batch or
 * exclusive holder broken this way must acknowledge (the CREATE waits); a level II holder
 * broken to none need not (it is none at once).
 */
void oplock_decide(const struct oplock_open_request *rq, const struct oplock_holder *holders,
		   size_t nholders, uint8_t *break_to, struct oplock_decision *out);

/* An open that asks for attributes only (MS-FSA: it does not break a batch or exclusive oplock
 * unless it truncates the file). */
bool oplock_is_stat_open(uint32_t access);
/* A disposition that truncates an existing file. */
bool oplock_truncates(uint32_t disposition);

#endif
