/* SPDX-License-Identifier: Apache-2.0 */
/* The server's open table (open_table.c): persistent ids apart from volatile ids, lookups that
 * take references, growth, removal, and an open outliving its close while referenced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/net.h"
#include "smb2/open.h"
#include "smb2/server.h"

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	(void)len;
	free(buf);
}
void net_conn_close(struct net_conn *c) { (void)c; }
#include "net_stub.h"

static int setup(void **state)
{
	struct smb2_server *srv = calloc(1, sizeof(*srv));
	if (!srv || !smb2_open_table_init(srv))
		return -1;
	*state = srv;
	return 0;
}

static int teardown(void **state)
{
	struct smb2_server *srv = *state;
	smb2_open_table_fini(srv);
	free(srv);
	return 0;
}

static struct smb2_open *new_open(struct smb2_server *srv, uint64_t volatile_id)
{
	struct smb2_open *op = calloc(1, sizeof(*op));
	assert_non_null(op);
	atomic_init(&op->refs, 1);
	op->volatile_id = volatile_id;
	smb2_open_table_insert(srv, op);
	return op;
}

/* Close as a session does: out of the table, then the table's reference dropped. */
static void close_open(struct smb2_server *srv, struct smb2_open *op)
{
	smb2_open_table_remove(srv, op);
	atomic_store(&op->closed, true);
	smb2_open_put(op);
}

static void ids_are_unique_and_never_reserved(void **state)
{
	struct smb2_server *srv = *state;
	enum { N = 2000 };   /* several growths past the 256 first buckets */
	struct smb2_open **ops = calloc(N, sizeof(*ops));

	assert_non_null(ops);
	/* Start just below the wrap: 0 and all-ones must be skipped. */
	atomic_store(&srv->next_persistent, UINT64_MAX - 3);
	for (size_t i = 0; i < N; i++) {
		ops[i] = new_open(srv, i + 1);
		assert_true(ops[i]->persistent_id != 0 && ops[i]->persistent_id != UINT64_MAX);
	}
	assert_int_equal(smb2_open_table_count(srv), N);
	for (size_t i = 0; i < N; i++) {
		struct smb2_open *found = smb2_open_lookup(srv, ops[i]->persistent_id);
		assert_ptr_equal(found, ops[i]);   /* also proves the ids are distinct */
		smb2_open_put(found);
	}
	for (size_t i = 0; i < N; i++)
		close_open(srv, ops[i]);
	assert_int_equal(smb2_open_table_count(srv), 0);
	free(ops);
}

static void persistent_differs_from_volatile(void **state)
{
	struct smb2_server *srv = *state;
	struct smb2_open *op = new_open(srv, 1);

	/* a client must send back both halves of the FileId; they are not one number twice */
	assert_true(op->persistent_id != op->volatile_id);
	close_open(srv, op);
}

static void removed_open_is_not_found(void **state)
{
	struct smb2_server *srv = *state;
	struct smb2_open *a = new_open(srv, 1), *b = new_open(srv, 2);
	uint64_t pa = a->persistent_id;

	close_open(srv, a);
	assert_null(smb2_open_lookup(srv, pa));
	struct smb2_open *found = smb2_open_lookup(srv, b->persistent_id);
	assert_ptr_equal(found, b);
	smb2_open_put(found);
	close_open(srv, b);
}

static void reference_outlives_close(void **state)
{
	struct smb2_server *srv = *state;
	struct smb2_open *op = new_open(srv, 7);
	struct smb2_open *held = smb2_open_lookup(srv, op->persistent_id);

	assert_ptr_equal(held, op);
	assert_false(smb2_open_closed(held));
	close_open(srv, op);
	/* still valid memory (ASan would report a use after free), and marked closed */
	assert_true(smb2_open_closed(held));
	assert_int_equal(held->volatile_id, 7);
	smb2_open_put(held);
}

/* The sequence of smbtorture's smb2.replay.channel-sequence (a WRITE each time), from an open
 * made with ChannelSequence 0: what passes, what is refused, and what the open keeps. */
static void channel_sequence_follows_the_spec(void **state)
{
	(void)state;
	static const struct { uint16_t csn; bool ok; uint16_t kept; } steps[] = {
		{ 0x0000, true, 0x0000 },  { 0x8000, false, 0x0000 }, { 0x8001, false, 0x0000 },
		{ 0xFFFF, false, 0x0000 }, { 0x7FFF, true, 0x7FFF },  { 0x7FFE, false, 0x7FFF },
		{ 0x0000, false, 0x7FFF }, { 0x8000, true, 0x8000 },  { 0xFFFF, true, 0xFFFF },
		{ 0x0000, true, 0x0000 },  { 0x0001, true, 0x0001 },  { 0x0000, false, 0x0001 },
		{ 0x0001, true, 0x0001 },  { 0xFFFF, false, 0x0001 },
	};
	uint16_t open_csn = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		NTSTATUS st = smb2_channel_sequence_check(&open_csn, steps[i].csn, true);
		assert_int_equal(st, steps[i].ok ? STATUS_SUCCESS : STATUS_FILE_NOT_AVAILABLE);
		assert_int_equal(open_csn, steps[i].kept);
	}
	/* a READ (may not fail) with an old ChannelSequence passes and changes nothing */
	assert_int_equal(smb2_channel_sequence_check(&open_csn, 0x9000, false), STATUS_SUCCESS);
	assert_int_equal(open_csn, 0x0001);
}

/* The CreateGuid index: found by (ClientGuid, CreateGuid) only, gone once ineligible or
 * closed, the open itself still in the table. */
static void guid_index_finds_by_client_and_create_guid(void **state)
{
	struct smb2_server *srv = *state;
	uint8_t client_a[16], client_b[16], guid1[16], guid2[16];
	memset(client_a, 0xA1, 16);
	memset(client_b, 0xB2, 16);
	memset(guid1, 0x11, 16);
	memset(guid2, 0x22, 16);

	struct smb2_open *op = new_open(srv, 7);
	memcpy(op->client_guid, client_a, 16);
	memcpy(op->durable.create_guid, guid1, 16);
	smb2_open_guid_index(srv, op);
	struct smb2_open *other = new_open(srv, 8);
	memcpy(other->client_guid, client_b, 16);
	memcpy(other->durable.create_guid, guid1, 16);   /* another client's, the same GUID */
	smb2_open_guid_index(srv, other);

	smb2_open_table_lock(srv);
	assert_ptr_equal(smb2_open_find_guid_locked(srv, client_a, guid1), op);
	assert_ptr_equal(smb2_open_find_guid_locked(srv, client_b, guid1), other);
	assert_null(smb2_open_find_guid_locked(srv, client_a, guid2));
	smb2_open_table_unlock(srv);

	/* a request named it: no longer replay-eligible, still an open */
	smb2_open_replay_ineligible(srv, op);
	smb2_open_table_lock(srv);
	assert_null(smb2_open_find_guid_locked(srv, client_a, guid1));
	assert_ptr_equal(smb2_open_find_guid_locked(srv, client_b, guid1), other);
	smb2_open_table_unlock(srv);
	struct smb2_open *found = smb2_open_lookup(srv, op->persistent_id);
	assert_ptr_equal(found, op);
	smb2_open_put(found);

	/* closing takes it out of the index too */
	close_open(srv, other);
	smb2_open_table_lock(srv);
	assert_null(smb2_open_find_guid_locked(srv, client_b, guid1));
	smb2_open_table_unlock(srv);
	close_open(srv, op);
	assert_int_equal(smb2_open_table_count(srv), 0);
}

/* The index is rehashed with the table: every open is found after several doublings. */
static void guid_index_survives_growth(void **state)
{
	struct smb2_server *srv = *state;
	enum { N = 2000 };
	struct smb2_open *ops[N];
	uint8_t client[16];
	memset(client, 0x5C, 16);

	for (int i = 0; i < N; i++) {
		ops[i] = new_open(srv, (uint64_t)i + 1);
		memcpy(ops[i]->client_guid, client, 16);
		memcpy(ops[i]->durable.create_guid, &i, sizeof(i));
		smb2_open_guid_index(srv, ops[i]);
	}
	assert_true(srv->n_open_buckets > 256);
	smb2_open_table_lock(srv);
	for (int i = 0; i < N; i++) {
		uint8_t guid[16] = { 0 };
		memcpy(guid, &i, sizeof(i));
		assert_ptr_equal(smb2_open_find_guid_locked(srv, client, guid), ops[i]);
	}
	smb2_open_table_unlock(srv);
	for (int i = 0; i < N; i++)
		close_open(srv, ops[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ids_are_unique_and_never_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(persistent_differs_from_volatile, setup, teardown),
		cmocka_unit_test_setup_teardown(removed_open_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(reference_outlives_close, setup, teardown),
		cmocka_unit_test_setup_teardown(guid_index_finds_by_client_and_create_guid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(guid_index_survives_growth, setup, teardown),
		cmocka_unit_test(channel_sequence_follows_the_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
