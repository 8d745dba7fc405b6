/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The credit window of a connection (MS-SMB2 3.3.1.1, 3.3.5.2.3): which message ids the client
 * may use, which it has used, and how many credits to grant in a response.
 */
#ifndef SKIFF_SMB2_CREDITS_H
#define SKIFF_SMB2_CREDITS_H

#include <stdbool.h>
#include <stdint.h>

#define SMB2_MAX_CREDITS 8192          /* outstanding credits one connection may hold */
#define SMB2_SEQ_WINDOW  (2 * 65536)   /* message ids tracked beyond the lowest unused one */

struct smb2_credits {
	uint64_t low;       /* lowest message id not yet used */
	uint64_t high;      /* first message id not granted */
	uint8_t *used;      /* bitmap of SMB2_SEQ_WINDOW bits, by id % window */
};

/* Message id 0 is granted for the first NEGOTIATE. False on allocation failure. */
bool smb2_credits_init(struct smb2_credits *cr);
void smb2_credits_free(struct smb2_credits *cr);
/* Restart the window at `first` with one credit (after the SMB1 negotiate upgrade). */
void smb2_credits_reset(struct smb2_credits *cr, uint64_t first);
/* Use ids [first, first + charge): all must be granted and unused. False means a protocol
 * violation (the connection must go). */
bool smb2_credits_consume(struct smb2_credits *cr, uint64_t first, uint16_t charge);
/* Credits to grant for a request asking `want` (0 counts as 1): as many as asked while the client
 * holds fewer than SMB2_MAX_CREDITS, never leaving it with none. */
uint16_t smb2_credits_grant(struct smb2_credits *cr, uint16_t want);
/* Granted ids not used yet (what the client holds, skipped ids included). */
uint64_t smb2_credits_held(const struct smb2_credits *cr);

#endif
