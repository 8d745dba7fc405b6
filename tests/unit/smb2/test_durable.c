/* SPDX-License-Identifier: Apache-2.0 */
/* Durable handles' decisions (durable.c): what is granted, for how long, and the checks of a
 * reconnect, against what smbtorture's durable-open and durable-v2-open tests expect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "net/net.h"
#include "smb2/durable.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/create_contexts.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/types.h"

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	(void)len;
	free(buf);
}
void net_conn_close(struct net_conn *c) { (void)c; }
#include "net_stub.h"

static void grantable_only_with_handle_caching(void **state)
{
	(void)state;
	assert_true(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_BATCH, 0));
	assert_false(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_EXCLUSIVE, 0));
	assert_false(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_II, 0));
	assert_false(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_NONE, 0));
	assert_true(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_LEASE,
					   SMB2_LEASE_READ_CACHING | SMB2_LEASE_HANDLE_CACHING));
	assert_true(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_LEASE, 0x07));
	assert_false(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_LEASE,
					    SMB2_LEASE_READ_CACHING | SMB2_LEASE_WRITE_CACHING));
	assert_false(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_LEASE, 0));
}

static void timeouts(void **state)
{
	(void)state;
	/* the default share value, 60 s */
	assert_int_equal(smb2_durable_timeout(false, 0, 60), 60000);
	assert_int_equal(smb2_durable_timeout(false, 5, 60), 60000);     /* v1 asks for nothing */
	assert_int_equal(smb2_durable_timeout(true, 0, 60), 60000);
	assert_int_equal(smb2_durable_timeout(true, 1, 60), 1);          /* durable-v2-delay */
	assert_int_equal(smb2_durable_timeout(true, 120000, 60), 120000);
	assert_int_equal(smb2_durable_timeout(true, 300000, 60), 300000);
	assert_int_equal(smb2_durable_timeout(true, UINT32_MAX, 60), 300000);  /* create-blob */
	/* a share keeping them longer raises the v2 cap with it */
	assert_int_equal(smb2_durable_timeout(false, 0, 3600), 3600000);
	assert_int_equal(smb2_durable_timeout(true, 0, 3600), 3600000);
	assert_int_equal(smb2_durable_timeout(true, UINT32_MAX, 3600), 3600000);
	assert_int_equal(smb2_durable_timeout(true, 7000, 3600), 7000);
	assert_int_equal(smb2_durable_timeout(true, UINT32_MAX, 10), 300000);
}

static struct smb2_durable_reconnect_facts good(void)
{
	return (struct smb2_durable_reconnect_facts){
		.claimed = true, .same_share = true, .req_v2 = true,
		.guid_match = true, .lease = STATUS_SUCCESS, .has_lease = true,
		.name_match = true, .same_user = true,
	};
}

static void reconnect_checks(void **state)
{
	struct smb2_durable_reconnect_facts f = good();

	(void)state;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_SUCCESS);
	/* not there for this client: still connected (reopen1), another share, v1 against v2 */
	f.claimed = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_OBJECT_NAME_NOT_FOUND);
	f = good();
	f.same_share = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_OBJECT_NAME_NOT_FOUND);
	/* DH2C with another CreateGuid: a zero one for a v2 open (reopen2b), a v1 open's
	 * zero one against a GUID (reopen2c) */
	f = good();
	f.guid_match = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_OBJECT_NAME_NOT_FOUND);
	/* a persistent open, by a DH2C without SMB2_DHANDLE_FLAG_PERSISTENT (3.3.5.9.12) */
	f = good();
	f.persistent_unasked = true;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_OBJECT_NAME_NOT_FOUND);
	/* DHnC compares no CreateGuid: a v2 open is reconnected by it (reopen2b) */
	f.req_v2 = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_SUCCESS);
	/* the lease: missing or another key beats a wrong name (reopen2-lease) */
	f = good();
	f.lease = STATUS_OBJECT_NAME_NOT_FOUND;
	f.name_match = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_OBJECT_NAME_NOT_FOUND);
	f = good();
	f.name_match = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_INVALID_PARAMETER);
	/* an oplock's open ignores the name (reopen2: "file names are ignored") */
	f.has_lease = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_SUCCESS);
	f = good();
	f.same_user = false;
	assert_int_equal(smb2_durable_reconnect_check(&f), STATUS_ACCESS_DENIED);
}

/* The grant records what a reconnect checks, and only with handle caching. */
static void grant_records_the_durable_state(void **state)
{
	struct smb2_server srv = { 0 };
	struct smb2_session sess = { .srv = &srv, .ident = { .uid = 1234 } };
	struct cfg_share cfg = { .durable_timeout = 60 };
	struct smb2_share share = { .cfg = &cfg };
	struct smb2_tree tree = { .share = &share };
	struct smb2_open op = { .sess = &sess, .tree = &tree };
	struct smb2_durable_ctx want = { .request = true, .v2 = true, .timeout = UINT32_MAX };
	uint8_t client_guid[16] = { 0 };
	struct smb2_persist_create pc = { .client_guid = client_guid };
	uint32_t timeout = 0;

	(void)state;
	memset(want.create_guid, 0x5A, 16);
	assert_false(smb2_durable_grant(&op, &want, SMB2_DIALECT_302, SMB2_OPLOCK_LEVEL_II, 0, &pc,
					&timeout));
	assert_false(op.durable.granted);
	assert_true(smb2_durable_grant(&op, &want, SMB2_DIALECT_302, SMB2_OPLOCK_LEVEL_BATCH, 0, &pc,
					&timeout));
	assert_int_equal(timeout, 300000);
	assert_true(op.durable.granted && op.durable.v2);
	assert_int_equal(op.durable.owner_uid, 1234);
	assert_int_equal(op.durable.create_guid[7], 0x5A);
	assert_false(op.durable.disconnected);
	want.request = false;   /* not asked: not granted */
	struct smb2_open op2 = { .sess = &sess, .tree = &tree };
	assert_false(smb2_durable_grant(&op2, &want, SMB2_DIALECT_302, SMB2_OPLOCK_LEVEL_BATCH, 0, &pc,
					&timeout));
	/* `durable handle timeout = 0`: none on the share */
	want.request = true;
	cfg.durable_timeout = 0;
	assert_false(smb2_durable_grant(&op2, &want, SMB2_DIALECT_302, SMB2_OPLOCK_LEVEL_BATCH, 0, &pc,
					&timeout));
	assert_false(op2.durable.granted);
	/* The persistent flag on a continuously available share whose store is not open (it
	 * could not be): what any share would grant, never persistent. */
	cfg.durable_timeout = 60;
	cfg.continuously_available = true;
	want.flags = SMB2_DHANDLE_FLAG_PERSISTENT;
	struct smb2_open op3 = { .sess = &sess, .tree = &tree };
	assert_false(smb2_durable_grant(&op3, &want, SMB2_DIALECT_302, SMB2_OPLOCK_LEVEL_NONE, 0, &pc,
					&timeout));
	assert_true(smb2_durable_grant(&op3, &want, SMB2_DIALECT_302, SMB2_OPLOCK_LEVEL_BATCH, 0, &pc,
				       &timeout));
	assert_false(op3.durable.persistent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grantable_only_with_handle_caching),
		cmocka_unit_test(timeouts),
		cmocka_unit_test(reconnect_checks),
		cmocka_unit_test(grant_records_the_durable_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
