/* SPDX-License-Identifier: Apache-2.0 */
/* The oplock decision of a CREATE (oplock_decide.h): what to break, whether to wait, what to
 * grant. */
#include "smb2/oplock_decide.h"

#include "smb2/wire/types.h"
#include "vfs/vfs.h"

bool oplock_is_stat_open(uint32_t access)
{
	return (access & ~(FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE)) == 0;
}

bool oplock_truncates(uint32_t disposition)
{
	return disposition == FILE_SUPERSEDE || disposition == FILE_OVERWRITE ||
	       disposition == FILE_OVERWRITE_IF;
}

static bool is_exclusive(uint8_t level)
{
	return level == SMB2_OPLOCK_LEVEL_BATCH || level == SMB2_OPLOCK_LEVEL_EXCLUSIVE;
}

static bool grantable(uint8_t level)
{
	return level == SMB2_OPLOCK_LEVEL_II || is_exclusive(level);
}

void oplock_decide(const struct oplock_open_request *rq, const struct oplock_holder *holders,
		   size_t nholders, uint8_t *break_to, struct oplock_decision *out)
{
	bool truncate = oplock_truncates(rq->disposition);
	/* what a batch or exclusive holder keeps: its cache of the data survives unless the
	 * data goes away */
	uint8_t downgrade = truncate ? SMB2_OPLOCK_LEVEL_NONE : SMB2_OPLOCK_LEVEL_II;
	bool wait = false, exclusive_left = false;

	for (size_t i = 0; i < nholders; i++)
		break_to[i] = OPLOCK_KEEP;
	out->grant = SMB2_OPLOCK_LEVEL_NONE;
	if (rq->verdict != STATUS_SUCCESS && rq->verdict != STATUS_SHARING_VIOLATION) {
		out->status = rq->verdict;   /* e.g. DELETE_PENDING: fails before any break */
		return;
	}
	if (rq->verdict == STATUS_SHARING_VIOLATION) {
		/* MS-FSA 2.1.5.1.2: a batch oplock is broken before the share modes are judged (its
		 * holder may close the file, which lifts the conflict); an exclusive or level II one
		 * is not, and the open fails at once. */
		for (size_t i = 0; i < nholders; i++) {
			if (holders[i].level != SMB2_OPLOCK_LEVEL_BATCH)
				continue;
			if (!holders[i].breaking)
				break_to[i] = downgrade;
			wait = true;
		}
		out->status = wait ? STATUS_PENDING : STATUS_SHARING_VIOLATION;
		return;
	}
	/* MS-FSA 2.1.4.12: an open that may read or write the data breaks batch and exclusive
	 * oplocks (to level II, to none when it truncates); one that truncates also breaks level II
	 * to none. An attribute-only open that keeps the data breaks nothing. */
	bool breaks = !oplock_is_stat_open(rq->access) || truncate;
	for (size_t i = 0; i < nholders; i++) {
		const struct oplock_holder *h = &holders[i];
		if (is_exclusive(h->level)) {
			if (!breaks) {
				exclusive_left = true;
				continue;
			}
			if (!h->breaking)
				break_to[i] = downgrade;
			wait = true;
		} else if (h->level == SMB2_OPLOCK_LEVEL_II && truncate) {
			break_to[i] = SMB2_OPLOCK_LEVEL_NONE;
		}
	}
	if (wait) {
		out->status = STATUS_PENDING;
		return;
	}
	out->status = STATUS_SUCCESS;
	/* MS-FSA 2.1.5.17.2: the only open of the file gets what it asked for; with others, level
	 * II at most, and nothing while another keeps a batch or exclusive oplock. */
	if (rq->is_dir || !grantable(rq->requested))
		out->grant = SMB2_OPLOCK_LEVEL_NONE;
	else if (rq->other_opens == 0)
		out->grant = rq->requested;
	else if (exclusive_left)
		out->grant = SMB2_OPLOCK_LEVEL_NONE;
	else
		out->grant = SMB2_OPLOCK_LEVEL_II;
}
