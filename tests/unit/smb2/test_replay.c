/* SPDX-License-Identifier: Apache-2.0 */
/* A CREATE's replay decision (replay.c, MS-SMB2 3.3.5.9.10), against what smbtorture's
 * smb2.replay tests expect (Samba's behaviour). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "net/net.h"
#include "smb2/replay.h"

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	(void)len;
	free(buf);
}
void net_conn_close(struct net_conn *c) { (void)c; }
#include "net_stub.h"

/* A replay in the open's session, no lease asked for. */
static struct smb2_replay_facts found_replay(void)
{
	return (struct smb2_replay_facts){ .found = true, .replay = true, .same_session = true };
}

static void nothing_found_opens_anew(void **state)
{
	(void)state;
	NTSTATUS st = 1;
	struct smb2_replay_facts f = { .replay = true };
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_NEW_OPEN);
	assert_int_equal(st, STATUS_SUCCESS);
	f.replay = false;   /* a first CREATE */
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_NEW_OPEN);
}

/* dhv2-pending*: the first CREATE still waits: retry, with or without the flag. */
static void pending_create_is_retried(void **state)
{
	(void)state;
	NTSTATUS st;
	struct smb2_replay_facts f = { .pending = true, .replay = true };
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_FILE_NOT_AVAILABLE);
	f = found_replay();
	f.pending = true;   /* an open and a waiting CREATE of the same GUID: still wait */
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_FILE_NOT_AVAILABLE);
}

/* dhv2-pending*-windows (share `windows replay`): a waiting CREATE whose share modes allow it
 * makes the replay ACCESS_DENIED; one waiting on a share-mode conflict is not recognised (the
 * replay opens anew); a mix of both is the former. */
static void pending_create_as_windows(void **state)
{
	(void)state;
	NTSTATUS st;
	struct smb2_replay_facts f = { .pending = true, .replay = true, .windows = true };
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_ACCESS_DENIED);
	f.pending_share_conflict = true;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_NEW_OPEN);
	assert_int_equal(st, STATUS_SUCCESS);
	f = found_replay();
	f.pending = f.pending_share_conflict = f.windows = true;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_ANSWER);
	f.windows = false;   /* the default: retry whatever the wait */
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_FILE_NOT_AVAILABLE);
}

/* replay6: the CreateGuid of an eligible open, without the replay flag. */
static void reused_guid_without_flag_is_duplicate(void **state)
{
	(void)state;
	NTSTATUS st;
	struct smb2_replay_facts f = found_replay();
	f.replay = false;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_DUPLICATE_OBJECTID);
}

static void other_session_is_duplicate(void **state)
{
	(void)state;
	NTSTATUS st;
	struct smb2_replay_facts f = found_replay();
	f.same_session = false;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_DUPLICATE_OBJECTID);
}

static void replay_is_answered_from_the_open(void **state)
{
	(void)state;
	NTSTATUS st = 1;
	struct smb2_replay_facts f = found_replay();
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_ANSWER);
	assert_int_equal(st, STATUS_SUCCESS);
	/* replay-dhv2-lease1/2: the open's own lease key */
	f.want_lease = f.open_leased = f.lease_key_match = true;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_ANSWER);
	/* replay-dhv2-lease-oplock: an oplock asked for, the open leased: answered */
	f.want_lease = false;
	f.lease_key_match = false;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_ANSWER);
}

/* replay-dhv2-oplock-lease and -lease3: a lease the open does not hold. */
static void replay_naming_another_lease_is_denied(void **state)
{
	(void)state;
	NTSTATUS st;
	struct smb2_replay_facts f = found_replay();
	f.want_lease = true;   /* the open has an oplock */
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_ACCESS_DENIED);
	f.open_leased = true;   /* another key */
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_ACCESS_DENIED);
}

static void disconnected_open_is_reconnected(void **state)
{
	(void)state;
	NTSTATUS st;
	struct smb2_replay_facts f = found_replay();
	f.disconnected = true;
	f.same_session = false;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_RECONNECT);
	f.replay = false;
	assert_int_equal(smb2_replay_decide(&f, &st), SMB2_REPLAY_FAIL);
	assert_int_equal(st, STATUS_DUPLICATE_OBJECTID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_found_opens_anew),
		cmocka_unit_test(pending_create_is_retried),
		cmocka_unit_test(pending_create_as_windows),
		cmocka_unit_test(reused_guid_without_flag_is_duplicate),
		cmocka_unit_test(other_session_is_duplicate),
		cmocka_unit_test(replay_is_answered_from_the_open),
		cmocka_unit_test(replay_naming_another_lease_is_denied),
		cmocka_unit_test(disconnected_open_is_reconnected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
