/* SPDX-License-Identifier: Apache-2.0 */
/* The credit window (see credits.h). */
#include "smb2/credits.h"

#include <stdlib.h>
#include <string.h>

static bool seq_test(const struct smb2_credits *cr, uint64_t id)
{
	uint64_t bit = id % SMB2_SEQ_WINDOW;
	return cr->used[bit / 8] & (1u << (bit % 8));
}

static void seq_set(struct smb2_credits *cr, uint64_t id, bool used)
{
	uint64_t bit = id % SMB2_SEQ_WINDOW;
	if (used)
		cr->used[bit / 8] |= (uint8_t)(1u << (bit % 8));
	else
		cr->used[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

bool smb2_credits_init(struct smb2_credits *cr)
{
	cr->used = calloc(SMB2_SEQ_WINDOW / 8, 1);
	cr->low = 0;
	cr->high = 1;
	return cr->used != NULL;
}

void smb2_credits_free(struct smb2_credits *cr)
{
	free(cr->used);
	cr->used = NULL;
}

void smb2_credits_reset(struct smb2_credits *cr, uint64_t first)
{
	memset(cr->used, 0, SMB2_SEQ_WINDOW / 8);
	cr->low = first;
	cr->high = first + 1;
}

bool smb2_credits_consume(struct smb2_credits *cr, uint64_t first, uint16_t charge)
{
	if (charge == 0)
		charge = 1;
	if (first < cr->low || first >= cr->high || charge > cr->high - first)
		return false;
	for (uint64_t id = first; id < first + charge; id++)
		if (seq_test(cr, id))
			return false;
	for (uint64_t id = first; id < first + charge; id++)
		seq_set(cr, id, true);
	while (cr->low < cr->high && seq_test(cr, cr->low)) {
		seq_set(cr, cr->low, false);
		cr->low++;
	}
	return true;
}

uint64_t smb2_credits_held(const struct smb2_credits *cr)
{
	uint64_t held = 0;
	for (uint64_t id = cr->low; id < cr->high; id++)
		if (!seq_test(cr, id))
			held++;
	return held;
}

uint16_t smb2_credits_grant(struct smb2_credits *cr, uint16_t want)
{
	uint64_t held = cr->high - cr->low;   /* upper bound, cheap; exact only when needed */
	uint64_t grant;

	if (want == 0)
		want = 1;
	if (held >= SMB2_MAX_CREDITS)
		held = smb2_credits_held(cr);
	grant = held >= SMB2_MAX_CREDITS ? 0 : SMB2_MAX_CREDITS - held;
	if (grant > want)
		grant = want;
	if (grant == 0 && held == 0)
		grant = 1;   /* never leave the client without a credit */
	/* Nor grow past the ids the bitmap can track. */
	if (cr->high + grant - cr->low > SMB2_SEQ_WINDOW)
		grant = SMB2_SEQ_WINDOW - (cr->high - cr->low);
	cr->high += grant;
	return (uint16_t)grant;
}
