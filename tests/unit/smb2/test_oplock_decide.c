/* SPDX-License-Identifier: Apache-2.0 */
/* The oplock decision of a CREATE (src/smb2/oplock_decide.c): which grants it breaks and to
 * what, whether it waits, what level it gets. Each case is one that an smbtorture smb2.oplock.*
 * test checks against Windows' behaviour (named beside it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smb2/oplock_decide.h"
#include "smb2/wire/types.h"
#include "vfs/vfs.h"

#define NONE SMB2_OPLOCK_LEVEL_NONE
#define II SMB2_OPLOCK_LEVEL_II
#define EXCL SMB2_OPLOCK_LEVEL_EXCLUSIVE
#define BATCH SMB2_OPLOCK_LEVEL_BATCH
#define ALL_ACCESS 0x001F01FFu
#define STAT_ACCESS (FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE)

static struct oplock_open_request req(uint32_t access, uint32_t disposition, uint8_t requested,
				      unsigned others, NTSTATUS verdict)
{
	return (struct oplock_open_request){ .access = access, .disposition = disposition,
					     .requested = requested, .other_opens = others,
					     .verdict = verdict };
}

static void only_open_gets_what_it_asks(void **state)
{
	struct oplock_open_request rq = req(ALL_ACCESS, FILE_OPEN_IF, BATCH, 0, STATUS_SUCCESS);
	struct oplock_decision d;
	(void)state;
	oplock_decide(&rq, NULL, 0, NULL, &d);
	assert_int_equal(d.status, STATUS_SUCCESS);
	assert_int_equal(d.grant, BATCH);
	rq.requested = EXCL;
	oplock_decide(&rq, NULL, 0, NULL, &d);
	assert_int_equal(d.grant, EXCL);
	rq.requested = SMB2_OPLOCK_LEVEL_LEASE;   /* no leases yet */
	oplock_decide(&rq, NULL, 0, NULL, &d);
	assert_int_equal(d.grant, NONE);
	rq.requested = BATCH;
	rq.is_dir = true;
	oplock_decide(&rq, NULL, 0, NULL, &d);
	assert_int_equal(d.grant, NONE);
}

/* exclusive2/batch2: a second open that may read breaks a batch holder to II and waits. */
static void data_open_breaks_batch_to_level2_and_waits(void **state)
{
	struct oplock_holder h[1] = { { .level = BATCH } };
	uint8_t br[1];
	struct oplock_open_request rq = req(ALL_ACCESS, FILE_OPEN_IF, BATCH, 1, STATUS_SUCCESS);
	struct oplock_decision d;
	(void)state;
	oplock_decide(&rq, h, 1, br, &d);
	assert_int_equal(d.status, STATUS_PENDING);
	assert_int_equal(br[0], II);
	/* the break is under way: wait again, do not break twice */
	h[0].breaking = true;
	oplock_decide(&rq, h, 1, br, &d);
	assert_int_equal(d.status, STATUS_PENDING);
	assert_int_equal(br[0], OPLOCK_KEEP);
	/* acknowledged to II: level II for the newcomer too, nothing more to break (batch9) */
	h[0] = (struct oplock_holder){ .level = II };
	oplock_decide(&rq, h, 1, br, &d);
	assert_int_equal(d.status, STATUS_SUCCESS);
	assert_int_equal(d.grant, II);
	assert_int_equal(br[0], OPLOCK_KEEP);
}

/* batch1/batch3/batch7 vs exclusive1: with a sharing violation only a batch oplock is broken
 * (its holder may close); an exclusive one is not, and the open fails at once. */
static void sharing_violation_breaks_batch_only(void **state)
{
	struct oplock_holder h[1] = { { .level = BATCH } };
	uint8_t br[1];
	struct oplock_open_request rq = req(DELETE_ACCESS, FILE_OPEN, NONE, 1,
					    STATUS_SHARING_VIOLATION);
	struct oplock_decision d;
	(void)state;
	oplock_decide(&rq, h, 1, br, &d);
	assert_int_equal(d.status, STATUS_PENDING);
	assert_int_equal(br[0], II);
	h[0].level = II;   /* acknowledged, still open: the violation stands, no second break */
	oplock_decide(&rq, h, 1, br, &d);
	assert_int_equal(d.status, STATUS_SHARING_VIOLATION);
	assert_int_equal(br[0], OPLOCK_KEEP);
	h[0].level = EXCL;
	oplock_decide(&rq, h, 1, br, &d);
	assert_int_equal(d.status, STATUS_SHARING_VIOLATION);
	assert_int_equal(br[0], OPLOCK_KEEP);
}

/* doc: a delete-pending file fails the open before anything is broken. */
static void delete_pending_breaks_nothing(void **state)
{
	struct oplock_holder h[1] = { { .level = BATCH } };
	uint8_t br[1];
	struct oplock_open_request rq = req(FILE_READ_DATA, FILE_OPEN, NONE, 1, STATUS_DELETE_PENDING);
	struct oplock_decision d;
	(void)state;
	oplock_decide(&rq, h, 1, br, &d);
	assert_int_equal(d.status, STATUS_DELETE_PENDING);
	assert_int_equal(br[0], OPLOCK_KEEP);
}

/* batch9a/statopen: an attribute-only open breaks nothing and gets nothing beside a batch
 * holder; one that truncates (exclusive5, batch13/14/16) breaks it to none, and level II too. */
static void attribute_only_open(void **state)
{
	struct oplock_holder h[2] = { { .level = BATCH }, { .level = II } };
	uint8_t br[2];
	struct oplock_open_request rq = req(STAT_ACCESS, FILE_OPEN_IF, BATCH, 2, STATUS_SUCCESS);
	struct oplock_decision d;
	(void)state;
	oplock_decide(&rq, h, 2, br, &d);
	assert_int_equal(d.status, STATUS_SUCCESS);
	assert_int_equal(d.grant, NONE);
	assert_int_equal(br[0], OPLOCK_KEEP);
	assert_int_equal(br[1], OPLOCK_KEEP);
	rq.disposition = FILE_OVERWRITE;
	oplock_decide(&rq, h, 2, br, &d);
	assert_int_equal(d.status, STATUS_PENDING);
	assert_int_equal(br[0], NONE);
	assert_int_equal(br[1], NONE);
	/* once acknowledged: level II for the truncating open (exclusive5) */
	h[0] = (struct oplock_holder){ .level = NONE };
	h[1] = (struct oplock_holder){ .level = NONE };
	rq.requested = II;
	oplock_decide(&rq, h, 2, br, &d);
	assert_int_equal(d.status, STATUS_SUCCESS);
	assert_int_equal(d.grant, II);
}

/* levelii501/502: a plain open beside level II holders breaks nothing and gets II. */
static void level2_holders_stay_for_plain_opens(void **state)
{
	struct oplock_holder h[3] = { { .level = II }, { .level = II }, { .level = NONE } };
	uint8_t br[3];
	struct oplock_open_request rq = req(ALL_ACCESS, FILE_OPEN, BATCH, 3, STATUS_SUCCESS);
	struct oplock_decision d;
	(void)state;
	oplock_decide(&rq, h, 3, br, &d);
	assert_int_equal(d.status, STATUS_SUCCESS);
	assert_int_equal(d.grant, II);
	for (int i = 0; i < 3; i++)
		assert_int_equal(br[i], OPLOCK_KEEP);
	rq.requested = NONE;
	oplock_decide(&rq, h, 3, br, &d);
	assert_int_equal(d.grant, NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_open_gets_what_it_asks),
		cmocka_unit_test(data_open_breaks_batch_to_level2_and_waits),
		cmocka_unit_test(sharing_violation_breaks_batch_only),
		cmocka_unit_test(delete_pending_breaks_nothing),
		cmocka_unit_test(attribute_only_open),
		cmocka_unit_test(level2_holders_stay_for_plain_opens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
